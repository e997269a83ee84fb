import { createRequire } from 'node:module';
import { format } from 'node:util';
import pino from 'pino';
import type { DestinationStream, LoggerOptions } from 'pino';
import type { Logger } from '../ports/logger.js';
import { isSystemIdKey, isSystemIdValue } from '../core/privacy/kept.js';
import { maskPersonalData, type PiiKind } from '../core/privacy/mask.js';

// A pino logger that cannot leak what staff paste into chat: every string in a record (message, nested fields,
// error messages and stacks, child bindings) passes through maskPersonalData, and fields that carry message
// bodies or credentials are replaced by "[Redacted]" at any depth. Fields that name a system id (jobId, eventId…)
// and hold one are kept as they are (systemId below), so logs can be matched with pg-boss and the platforms.

export type { Logger };

export interface CreateLoggerOptions {
  /** pino level: fatal, error, warn, info, debug, trace or silent. Default info. */
  level?: string;
  /** Human-readable output through pino-pretty (a dev dependency): for local development only. */
  pretty?: boolean;
  /** Where the JSON lines go; default stdout. */
  destination?: DestinationStream;
}

export const REDACTED = '[Redacted]';

/** Field names removed wherever they occur: message bodies, form values, credentials, signatures. */
const REDACTED_KEYS = new Set(
  [
    'text',
    'body',
    'rawBody',
    'raw_body',
    'message',
    'messages',
    'content',
    'values',
    'value',
    'blocks',
    'attachments',
    'payload',
    'answers',
    'password',
    'passwd',
    'pwd',
    'passphrase',
    'token',
    'secret',
    'authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
    'x-line-signature',
    'x-slack-signature',
    'x-signature-ed25519',
    'x-hub-signature-256',
    'displayName',
    'display_name',
    'realName',
    'real_name',
    'keys',
    'keyRing',
  ].map((k) => k.toLowerCase()),
);
const REDACTED_KEY_RE =
  /pass(word|wd|code)|secret|token|signature|authorization|cookie|api[-_]?key|private[-_]?key|credential|session[-_]?id/i;

function isRedactedKey(key: string): boolean {
  return REDACTED_KEYS.has(key.toLowerCase()) || REDACTED_KEY_RE.test(key);
}

// The same list for pino's own redact (top level and one level down). It is a second line of defence: the
// formatters below already removed these keys at any depth. "message" is redacted at the top level only so
// that err.message survives.
const REDACT_PATHS = [...REDACTED_KEYS].flatMap((k) => {
  const p = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
  const child = p.startsWith('[') ? `*${p}` : `*.${p}`;
  return k === 'message' ? [p] : [p, child];
});

const MAX_DEPTH = 8;

function maskString(s: string): string {
  return maskPersonalData(s).text;
}

/** Findings that no system id can contain: a value where the masker finds one of these is masked even in an id field. */
const STRONG: ReadonlySet<PiiKind> = new Set(['national-id', 'resident-id', 'email', 'phone']);

/**
 * A field that names a system-made id (jobId, incidentId, eventId, channel, ts…) and holds one (a UUID, a Slack or
 * LINE id, a Discord snowflake…) is logged as it is: the free-text masker would take digit runs out of it (a job id
 * logged as 「［號碼已遮蔽］-7187-…」) and the log could no longer be matched with pg-boss or the platform. Anything
 * else in such a field, or a value in which the masker finds an ID card number, phone or e-mail, is masked as usual.
 */
function systemId(key: string, value: unknown): string | undefined {
  if (!isSystemIdKey(key)) return undefined;
  const s = typeof value === 'bigint' ? value.toString() : value;
  if (typeof s !== 'string' || !isSystemIdValue(s)) return undefined;
  return maskPersonalData(s).findings.some((f) => STRONG.has(f.kind)) ? undefined : s;
}

function sanitizeEntry(key: string, value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (isRedactedKey(key)) return REDACTED;
  return systemId(key, value) ?? sanitize(value, depth + 1, seen);
}

function sanitizeError(err: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: err.constructor?.name && err.constructor.name !== 'Object' ? err.constructor.name : err.name,
    message: maskString(String(err.message ?? '')),
  };
  if (typeof err.stack === 'string') out.stack = maskString(err.stack);
  for (const [k, v] of Object.entries(err)) {
    if (k === 'message' || k === 'stack') continue;
    out[k] = sanitizeEntry(k, v, depth, seen);
  }
  if (err.cause !== undefined) out.cause = sanitize(err.cause, depth + 1, seen);
  if (err instanceof AggregateError) out.aggregateErrors = sanitize(err.errors, depth + 1, seen);
  return out;
}

/** Masks every string and redacts sensitive keys at any depth; never mutates its input. */
export function sanitizeForLog(value: unknown): unknown {
  return sanitize(value, 0, new WeakSet());
}

function sanitize(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return maskString(value);
  if (typeof value === 'bigint') return maskString(value.toString());
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Too deep]';
  seen.add(value);
  try {
    if (value instanceof Error) return sanitizeError(value, depth, seen);
    // A Date can be a date of birth: it goes through the same "older than 3 years" rule as text.
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : maskString(value.toISOString());
    if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
    if (Array.isArray(value)) return value.map((v) => sanitize(v, depth + 1, seen));
    if (value instanceof Map) {
      return Object.fromEntries([...value].map(([k, v]) => [maskString(String(k)), sanitizeEntry(String(k), v, depth, seen)]));
    }
    if (value instanceof Set) return [...value].map((v) => sanitize(v, depth + 1, seen));
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return sanitize(toJSON.call(value), depth + 1, seen);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[maskString(k)] = sanitizeEntry(k, v, depth, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function prettyStream(destination: DestinationStream | undefined): DestinationStream {
  const require = createRequire(import.meta.url);
  let prettyFactory: (opts: Record<string, unknown>) => (line: string) => string;
  try {
    ({ prettyFactory } = require('pino-pretty') as { prettyFactory: typeof prettyFactory });
  } catch {
    throw new Error(
      'Logger option pretty: true needs the pino-pretty package (a dev dependency); install dev dependencies or set pretty: false.',
    );
  }
  const prettify = prettyFactory({ colorize: destination === undefined && process.stdout.isTTY === true });
  const out = destination ?? process.stdout;
  return { write: (line: string) => void out.write(prettify(line)) };
}

/** Child bindings skip formatters.bindings in pino, so they are masked here; children inherit this method. */
function guardChildren(logger: Logger): Logger {
  const originalChild = logger.child;
  const originalSetBindings = logger.setBindings;
  const target = logger as unknown as {
    child: (bindings: unknown, options?: Record<string, unknown>) => Logger;
    setBindings: (bindings: unknown) => void;
  };
  target.child = function child(this: Logger, bindings, options) {
    const safeOptions =
      options && typeof options.msgPrefix === 'string' ? { ...options, msgPrefix: maskString(options.msgPrefix) } : options;
    return (originalChild as unknown as (...a: unknown[]) => Logger).call(this, sanitizeForLog(bindings), safeOptions);
  };
  target.setBindings = function setBindings(this: Logger, bindings) {
    (originalSetBindings as (...a: unknown[]) => void).call(this, sanitizeForLog(bindings));
  };
  return logger;
}

export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  if (!LEVELS.includes(level)) {
    throw new Error(`Unknown log level "${level}"; use one of ${LEVELS.join(', ')}.`);
  }
  const options: LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    // formatters.log has already turned errors into masked plain objects; pino's err serializer would relabel them.
    serializers: { err: (e: unknown) => e },
    formatters: {
      log: (obj) => sanitizeForLog(obj) as Record<string, unknown>,
      bindings: (bindings) => sanitizeForLog(bindings) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const list = args as unknown[];
        let merge: unknown;
        let rest: unknown[];
        if (list[0] instanceof Error) {
          const err = list[0];
          merge = { err };
          rest = list.length > 1 ? list.slice(1) : [err.message];
        } else if (typeof list[0] === 'object' && list[0] !== null) {
          merge = list[0];
          rest = list.slice(1);
        } else {
          rest = list;
        }
        // Format here (pino would otherwise interpolate %s/%j with the raw arguments), then mask the result.
        const [msg, ...params] = rest;
        const text =
          msg === undefined
            ? undefined
            : maskString(params.length > 0 ? format(String(msg), ...params.map((p) => sanitizeForLog(p))) : String(msg));
        const call = method as (...a: unknown[]) => void;
        if (merge !== undefined) call.apply(this, text === undefined ? [merge] : [merge, text]);
        else call.apply(this, text === undefined ? [] : [text]);
      },
    },
  };
  const destination = opts.pretty ? prettyStream(opts.destination) : opts.destination;
  return guardChildren(destination ? pino(options, destination) : pino(options));
}
