import type { DiscordFormRecord, DiscordFormRepository } from '../../ports/repositories/index.js';
import type { Client } from './client.js';

export class PrismaDiscordFormRepository implements DiscordFormRepository {
  constructor(private readonly db: Client) {}

  async save(channelId: string, formId: string, kind: string, formEnc: string): Promise<void> {
    await this.db.discordForm.upsert({
      where: { channelId_formId: { channelId, formId } },
      update: { formEnc, kind, createdAt: new Date() },
      create: { channelId, formId, kind, formEnc },
    });
  }

  find(channelId: string, formId: string): Promise<DiscordFormRecord | null> {
    return this.db.discordForm.findUnique({ where: { channelId_formId: { channelId, formId } } });
  }

  async drop(channelId: string, formId: string): Promise<void> {
    await this.db.discordForm.deleteMany({ where: { channelId, formId } });
  }

  async forget(before: Date): Promise<number> {
    return (await this.db.discordForm.deleteMany({ where: { createdAt: { lt: before } } })).count;
  }
}
