import { timingSafeEqual, createHash } from 'node:crypto';
import type { Logger } from '../ports/logger.js';

/**
 * Small guards shared by the HTTP server and the platform webhooks: bounded JSON, rate-limited rejection logs,
 * loopback checks and constant-time token comparison.
 */

/** Deeper JSON than this is refused before parsing (no chat platform sends more than a dozen levels). */
export const MAX_JSON_DEPTH = 64;

export class JsonTooDeepError extends Error {
  constructor(readonly maxDepth: number) {
    super(`JSON nested more than ${maxDepth} levels deep`);
    this.name = 'JsonTooDeepError';
  }
}

/**
 * JSON.parse after checking the nesting depth in one pass over the text (brackets inside strings do not count), so
 * a body nested 100,000 levels deep is refused in linear time instead of exhausting a stack later on.
 */
export function parseJsonBounded(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > maxDepth) throw new JsonTooDeepError(maxDepth);
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return JSON.parse(text);
}

/**
 * Warn lines for rejected requests, at most one per reason per interval: the first is logged at once, the others of
 * that interval are counted and logged as one line (`suppressed`) when it ends. A probe sending thousands of bad
 * requests then costs a few log lines, and the operator still sees that it happened and how often.
 */
export class RejectionLog {
  private readonly windows = new Map<string, { start: number; suppressed: number; timer: NodeJS.Timeout | null }>();

  constructor(
    private readonly log: Logger,
    private readonly message: string,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  reject(reason: string, fields: Record<string, unknown> = {}): void {
    const t = this.now();
    const w = this.windows.get(reason);
    if (w && t - w.start < this.intervalMs) {
      w.suppressed += 1;
      w.timer ??= setTimeout(() => this.flush(reason), Math.max(0, w.start + this.intervalMs - t)).unref();
      return;
    }
    if (w) this.flush(reason);
    this.windows.set(reason, { start: t, suppressed: 0, timer: null });
    this.log.warn({ ...fields, reason }, this.message);
  }

  /** Logs what was counted for a reason (also called at shutdown and by tests). */
  flush(reason?: string): void {
    for (const [r, w] of this.windows) {
      if (reason !== undefined && r !== reason) continue;
      if (w.timer) clearTimeout(w.timer);
      w.timer = null;
      if (w.suppressed > 0) {
        this.log.warn(
          { reason: r, suppressed: w.suppressed, intervalSeconds: Math.round(this.intervalMs / 1000) },
          `${this.message} (repeated; counted, not logged one by one)`,
        );
      }
      this.windows.delete(r);
    }
  }
}

/** Whether a socket address is this machine (IPv4 127/8, IPv6 ::1, or IPv4-mapped loopback). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/** Constant-time equality of two secrets (compared as SHA-256 digests, so lengths do not leak either). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
