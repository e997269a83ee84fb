import type { Logger } from '../../ports/logger.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { FieldCipher } from '../privacy/cipher.js';

/**
 * Durable, multi-instance-safe delivery for chat adapters (tables outbound_message and inbound_event). Any adapter may
 * use them; nothing here is platform-specific.
 *
 * Outbound: `OutboundLedger.once(key, …, post)` posts at most once per idempotency key across every instance sharing
 * the database. The key is claimed (a row with no message id) before posting and the platform's message id recorded
 * after; a second sender with the same key returns that id, or waits while another instance's claim is fresh. A claim
 * older than `staleMs` without a message id belongs to a sender that stopped between claiming and recording: it is
 * taken over and posted again (a crash in the instant between the platform's answer and the record can still repeat
 * one message; a lost reminder would be worse).
 *
 * Inbound: `EventInbox.receive` stores an acknowledged platform event (body encrypted, bound to its row) before it is
 * processed; the same event id again (a platform retry, on this instance or another, minutes later) is refused by the
 * primary key. `done` clears the body; `stale` hands back events claimed by a process that stopped before finishing.
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

  constructor(private readonly prisma: PrismaClient, opts: OutboundLedgerOptions = {}) {
    this.staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
    this.waitMs = opts.waitMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Posts with `post` unless a message with this key was already posted (then returns its id). */
  async once(key: string, platform: string, conversation: string, post: () => Promise<string>): Promise<{ messageId: string; repeated: boolean }> {
    const deadline = this.now() + this.waitMs;
    for (;;) {
      const claimedAt = new Date(this.now());
      const claimed = await this.prisma.outboundMessage.createMany({
        data: [{ idempotencyKey: key, platform, conversation, claimedAt, createdAt: claimedAt }],
        skipDuplicates: true,
      });
      if (claimed.count === 1) return { messageId: await this.post(key, post), repeated: false };
      const row = await this.prisma.outboundMessage.findUnique({ where: { idempotencyKey: key } });
      if (!row) continue; // the claimant failed and released it: claim again
      if (row.messageId) return { messageId: row.messageId, repeated: true };
      if (this.now() - row.claimedAt.getTime() > this.staleMs) {
        const took = await this.prisma.outboundMessage.updateMany({
          where: { idempotencyKey: key, messageId: null, claimedAt: row.claimedAt },
          data: { claimedAt: new Date(this.now()) },
        });
        if (took.count === 1) return { messageId: await this.post(key, post), repeated: false };
        continue;
      }
      if (this.now() > deadline) throw new DeliveryPendingError(key);
      await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
    }
  }

  /** Deletes keys recorded longer ago than `olderThanMs`, except those starting with one of `keepPrefixes`. */
  async forget(olderThanMs: number, keepPrefixes: string[] = []): Promise<number> {
    const r = await this.prisma.outboundMessage.deleteMany({
      where: {
        createdAt: { lt: new Date(this.now() - olderThanMs) },
        messageId: { not: null },
        NOT: keepPrefixes.map((p) => ({ idempotencyKey: { startsWith: p } })),
      },
    });
    return r.count;
  }

  private async post(key: string, post: () => Promise<string>): Promise<string> {
    let messageId: string;
    try {
      messageId = await post();
    } catch (err) {
      // Not posted: release the claim so that a retry (here or on another instance) posts it.
      await this.prisma.outboundMessage.deleteMany({ where: { idempotencyKey: key, messageId: null } });
      throw err;
    }
    await this.prisma.outboundMessage.update({ where: { idempotencyKey: key }, data: { messageId } });
    return messageId;
  }
}

export interface StoredEvent<B> {
  eventId: string;
  body: B;
  attempts: number;
}

export class EventInbox {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly cipher: FieldCipher,
    private readonly platform: string,
    private readonly log: Logger,
  ) {}

  private aad(eventId: string): string {
    return `inbound-event:${this.platform}:${eventId}`;
  }

  /** Stores a received event; false when this event id was received before (a retry: drop it). */
  async receive(eventId: string, body: unknown): Promise<boolean> {
    // One plain INSERT: this runs before the platform gets its acknowledgement (a third of the ORM's createMany time).
    const bodyEnc = this.cipher.encrypt(JSON.stringify(body), this.aad(eventId));
    const count = await this.prisma.$executeRaw`INSERT INTO inbound_event (platform, event_id, body_enc, claimed_at) VALUES (${this.platform}, ${eventId}, ${bodyEnc}, ${new Date()}) ON CONFLICT (platform, event_id) DO NOTHING`;
    return count === 1;
  }

  async done(eventId: string): Promise<void> {
    await this.prisma.inboundEvent.updateMany({
      where: { platform: this.platform, eventId },
      data: { status: 'done', bodyEnc: null, processedAt: new Date(), error: null },
    });
  }

  async failed(eventId: string, error: string): Promise<void> {
    await this.prisma.inboundEvent.updateMany({
      where: { platform: this.platform, eventId },
      data: { status: 'failed', bodyEnc: null, processedAt: new Date(), error: error.slice(0, 500) },
    });
  }

  /**
   * Events claimed longer than `olderThanMs` ago and not finished (their process stopped): claimed again by this
   * process and returned for processing; after `maxAttempts` they are marked failed. Finished rows older than a day
   * are deleted (platform retries come within minutes).
   */
  async stale<B>(olderThanMs: number, maxAttempts = 3): Promise<StoredEvent<B>[]> {
    const now = Date.now();
    await this.prisma.inboundEvent.deleteMany({ where: { platform: this.platform, status: { in: ['done', 'failed'] }, receivedAt: { lt: new Date(now - 86_400_000) } } });
    const rows = await this.prisma.inboundEvent.findMany({
      where: { platform: this.platform, status: 'processing', claimedAt: { lt: new Date(now - olderThanMs) } },
      orderBy: { receivedAt: 'asc' },
      take: 100,
    });
    const out: StoredEvent<B>[] = [];
    for (const row of rows) {
      if (row.attempts >= maxAttempts || !row.bodyEnc) {
        await this.failed(row.eventId, `given up after ${row.attempts} attempts`);
        this.log.error({ platform: this.platform, eventId: row.eventId, attempts: row.attempts }, 'inbound event given up: it failed or was interrupted too often');
        continue;
      }
      const took = await this.prisma.inboundEvent.updateMany({
        where: { platform: this.platform, eventId: row.eventId, status: 'processing', claimedAt: row.claimedAt },
        data: { claimedAt: new Date(), attempts: { increment: 1 } },
      });
      if (took.count !== 1) continue; // another instance took it
      out.push({ eventId: row.eventId, attempts: row.attempts + 1, body: JSON.parse(this.cipher.decrypt(row.bodyEnc, this.aad(row.eventId))) as B });
    }
    return out;
  }
}
