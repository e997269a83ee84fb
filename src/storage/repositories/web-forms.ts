import type { WebFormUseRepository } from '../../ports/repositories/index.js';
import type { Client } from './client.js';

export class PrismaWebFormUseRepository implements WebFormUseRepository {
  constructor(private readonly db: Client) {}

  async claim(linkId: string, promptId: string, personId: string): Promise<boolean> {
    // ON CONFLICT DO NOTHING through createMany: a second claim (even at the same moment) inserts nothing and does not
    // abort a surrounding transaction on PostgreSQL.
    const { count } = await this.db.webFormUse.createMany({ data: [{ linkId, promptId, personId }], skipDuplicates: true });
    return count === 1;
  }

  async release(linkId: string): Promise<void> {
    await this.db.webFormUse.deleteMany({ where: { linkId } });
  }

  async used(linkId: string): Promise<boolean> {
    return (await this.db.webFormUse.findUnique({ where: { linkId }, select: { linkId: true } })) !== null;
  }

  async forget(before: Date): Promise<number> {
    return (await this.db.webFormUse.deleteMany({ where: { usedAt: { lt: before } } })).count;
  }
}
