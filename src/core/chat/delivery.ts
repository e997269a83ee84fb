import type { OutboundLedgerRepository } from '../../ports/repositories/index.js';

/**
 * Durable, multi-instance-safe outbound delivery for chat adapters: the one outbound ledger (table outbound_message,
 * through `OutboundLedgerRepository`, src/ports/repositories/outbound.ts). Any adapter may use it; nothing here is
 * platform-specific. (The inbound side is the pipeline's inbox: pipeline.ts, inbox.ts.)
 *
 * Outbound: `OutboundLedger.once(key, …, post)` posts at most once per idempotency key across every instance sharing
 * the database. The key is claimed (a row with no message id) before posting and the platform's message id recorded
 * after; a second sender with the same key returns that id, or waits while another instance's claim is fresh. A claim
 * older than `staleMs` without a message id belongs to a sender that stopped between claiming and recording: it is
 * taken over and posted again (a crash in the instant between the platform's answer and the record can still repeat
 * one message; a lost reminder would be worse).
 */
const DEFAULT_STALE_MS = 60_000;
const WAIT_STEP_MS = 100;

export class DeliveryPendingError extends Error {
  constructor(key: string) {
    super(`Another instance is still sending the message with idempotency key ${key.slice(0, 12)}…; retry later`);
    this.name = 'DeliveryPendingError';
  }
}

export interface OutboundLedgerOptions {
  /** A claim without a message id older than this is taken over (default 60 s). */
  staleMs?: number;
  /** How long a second sender waits for a fresh claim to be completed before giving up (default 10 s). */
  waitMs?: number;
  now?: () => number;
}

export class OutboundLedger {
  private readonly staleMs: number;
  private readonly waitMs: number;
  private readonly now: () => number;

  constructor(
    private readonly ledger: OutboundLedgerRepository,
    opts: OutboundLedgerOptions = {},
  ) {
    this.staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
    this.waitMs = opts.waitMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Posts with `post` unless a message with this key was already posted (then returns its id). */
  async once(
    key: string,
    platform: string,
    conversation: string,
    post: () => Promise<string>,
  ): Promise<{ messageId: string; repeated: boolean }> {
    const deadline = this.now() + this.waitMs;
    for (;;) {
      const claimedAt = new Date(this.now());
      if (await this.ledger.claim(key, platform, conversation, claimedAt))
        return { messageId: await this.post(key, post), repeated: false };
      const row = await this.ledger.find(key);
      if (!row) continue; // the claimant failed and released it: claim again
      if (row.messageId) return { messageId: row.messageId, repeated: true };
      if (this.now() - row.claimedAt.getTime() > this.staleMs) {
        if (await this.ledger.retake(key, row.claimedAt, new Date(this.now())))
          return { messageId: await this.post(key, post), repeated: false };
        continue;
      }
      if (this.now() > deadline) throw new DeliveryPendingError(key);
      await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
    }
  }

  /** Deletes keys recorded longer ago than `olderThanMs`, except those starting with one of `keepPrefixes`. */
  async forget(olderThanMs: number, keepPrefixes: string[] = []): Promise<number> {
    return this.ledger.forget(new Date(this.now() - olderThanMs), keepPrefixes);
  }

  private async post(key: string, post: () => Promise<string>): Promise<string> {
    let messageId: string;
    try {
      messageId = await post();
    } catch (err) {
      // Not posted: release the claim so that a retry (here or on another instance) posts it.
      await this.ledger.release(key);
      throw err;
    }
    await this.ledger.record(key, messageId);
    return messageId;
  }
}
