import { randomUUID } from 'node:crypto';
import type { FileReference, IncomingFile } from '../../src/ports/chat-model.js';

/**
 * Files uploaded on the local chat page, held in memory until the person files them as evidence or declines (the
 * local chat is its own platform: on LINE, Slack and Discord the platform holds the file meanwhile). Nothing is
 * written anywhere before the person files it; a held upload is forgotten after `ttlMs`, on a restart, or when the
 * memory cap would be passed (oldest first).
 */
export class LocalUploads {
  private readonly held = new Map<string, { bytes: Buffer; fileName: string; expiresAt: number }>();

  constructor(
    private readonly ttlMs = 30 * 60_000,
    private readonly capBytes = 200 * 1024 * 1024,
  ) {}

  /** Holds one upload; returns its reference for the InboundFile event. */
  hold(bytes: Buffer, fileName: string, now = Date.now()): FileReference {
    this.sweep(now);
    let total = bytes.length;
    for (const h of this.held.values()) total += h.bytes.length;
    for (const [ref, h] of this.held) {
      if (total <= this.capBytes) break;
      this.held.delete(ref);
      total -= h.bytes.length;
    }
    const ref = `upload-${randomUUID()}`;
    this.held.set(ref, { bytes, fileName, expiresAt: now + this.ttlMs });
    return { ref, fileName, size: bytes.length };
  }

  /** Hands the upload over once (it is no longer held afterwards). */
  take(file: FileReference, now = Date.now()): IncomingFile {
    this.sweep(now);
    const h = this.held.get(file.ref);
    if (!h) throw new Error(`Local upload ${file.ref.slice(0, 60)} is no longer held (expired, taken, or the product restarted).`);
    this.held.delete(file.ref);
    const bytes = h.bytes;
    return {
      stream: (async function* () {
        yield bytes;
      })(),
      size: bytes.length,
      fileName: h.fileName,
    };
  }

  release(file: FileReference): void {
    this.held.delete(file.ref);
  }

  get size(): number {
    return this.held.size;
  }

  private sweep(now: number): void {
    for (const [ref, h] of this.held) if (h.expiresAt <= now) this.held.delete(ref);
  }
}
