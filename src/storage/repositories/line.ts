import type { LineFriendRepository, LineQuotaWarningRepository } from '../../ports/repositories/index.js';
import type { Client } from './client.js';

export class PrismaLineFriendRepository implements LineFriendRepository {
  constructor(private readonly db: Client) {}

  async following(userId: string): Promise<boolean | undefined> {
    return (await this.db.lineFriend.findUnique({ where: { userId } }))?.following;
  }

  async set(userId: string, following: boolean): Promise<void> {
    await this.db.lineFriend.upsert({
      where: { userId },
      update: { following, updatedAt: new Date() },
      create: { userId, following },
    });
  }
}

export class PrismaLineQuotaWarningRepository implements LineQuotaWarningRepository {
  constructor(private readonly db: Client) {}

  async claimed(month: string, thresholds: readonly number[]): Promise<number[]> {
    const rows = await this.db.lineQuotaWarning.findMany({
      where: { month, threshold: { in: [...thresholds] } },
      select: { threshold: true },
    });
    return rows.map((r) => r.threshold);
  }

  async claim(month: string, thresholds: readonly number[], reading: { used: number; quota: number }): Promise<number> {
    const r = await this.db.lineQuotaWarning.createMany({
      data: thresholds.map((threshold) => ({ month, threshold, used: reading.used, quota: reading.quota })),
      skipDuplicates: true,
    });
    return r.count;
  }

  async release(month: string, thresholds: readonly number[]): Promise<void> {
    await this.db.lineQuotaWarning.deleteMany({ where: { month, threshold: { in: [...thresholds] } } });
  }
}
