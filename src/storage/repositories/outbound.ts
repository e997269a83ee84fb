import type { OutboundLedgerRepository, SentMessageRecord } from '../../ports/repositories/index.js';
import type { Client } from './client.js';

export class PrismaOutboundLedgerRepository implements OutboundLedgerRepository {
  constructor(private readonly db: Client) {}

  async claim(key: string, platform: string, conversation: string, at: Date): Promise<boolean> {
    const claimed = await this.db.outboundMessage.createMany({
      data: [{ idempotencyKey: key, platform, conversation, claimedAt: at, createdAt: at }],
      skipDuplicates: true,
    });
    return claimed.count === 1;
  }

  find(key: string): Promise<SentMessageRecord | null> {
    return this.db.outboundMessage.findUnique({ where: { idempotencyKey: key } });
  }

  async retake(key: string, claimedAt: Date, at: Date): Promise<boolean> {
    const took = await this.db.outboundMessage.updateMany({
      where: { idempotencyKey: key, messageId: null, claimedAt },
      data: { claimedAt: at },
    });
    return took.count === 1;
  }

  async record(key: string, messageId: string): Promise<void> {
    await this.db.outboundMessage.update({ where: { idempotencyKey: key }, data: { messageId } });
  }

  async release(key: string): Promise<void> {
    await this.db.outboundMessage.deleteMany({ where: { idempotencyKey: key, messageId: null } });
  }

  async forget(before: Date, keepPrefixes: readonly string[]): Promise<number> {
    const r = await this.db.outboundMessage.deleteMany({
      where: {
        createdAt: { lt: before },
        messageId: { not: null },
        NOT: keepPrefixes.map((p) => ({ idempotencyKey: { startsWith: p } })),
      },
    });
    return r.count;
  }

  async recordedUnder(prefix: string, messageId: string): Promise<boolean> {
    return (await this.db.outboundMessage.count({ where: { messageId, idempotencyKey: { startsWith: prefix } } })) > 0;
  }

  async forgetMessage(prefix: string, messageId: string): Promise<void> {
    await this.db.outboundMessage.deleteMany({ where: { messageId, idempotencyKey: { startsWith: prefix } } });
  }
}
