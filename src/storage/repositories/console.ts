import type { ConsoleSessionRecord, ConsoleSessionRepository, PersonRecord, SessionEnd } from '../../ports/repositories/index.js';
import type { Client } from './client.js';

export class PrismaConsoleSessionRepository implements ConsoleSessionRepository {
  constructor(private readonly db: Client) {}

  async open(
    session: Pick<ConsoleSessionRecord, 'id' | 'personId' | 'schoolId' | 'linkId' | 'expiresAt' | 'clientAddress'>,
    now: Date,
  ): Promise<void> {
    await this.db.consoleSession.create({ data: { ...session, createdAt: now, lastSeenAt: now } });
  }

  async linkUsed(linkId: string): Promise<boolean> {
    return (await this.db.consoleSession.count({ where: { linkId } })) > 0;
  }

  async find(id: string): Promise<(ConsoleSessionRecord & { person: PersonRecord }) | null> {
    const row = await this.db.consoleSession.findUnique({ where: { id }, include: { person: true } });
    return row && !row.endedAt ? row : null;
  }

  async touch(id: string, now: Date): Promise<void> {
    await this.db.consoleSession.updateMany({ where: { id, endedAt: null }, data: { lastSeenAt: now } });
  }

  async end(id: string, reason: SessionEnd, now: Date): Promise<void> {
    await this.db.consoleSession.updateMany({ where: { id, endedAt: null }, data: { endedAt: now, endedReason: reason } });
  }

  async endAllOf(personId: string, reason: SessionEnd, now: Date): Promise<number> {
    const { count } = await this.db.consoleSession.updateMany({
      where: { personId, endedAt: null },
      data: { endedAt: now, endedReason: reason },
    });
    return count;
  }

  async pruneEnded(before: Date, opts: { count?: boolean } = {}): Promise<number> {
    const where = { OR: [{ endedAt: { lt: before } }, { endedAt: null, expiresAt: { lt: before } }] };
    if (opts.count) return this.db.consoleSession.count({ where });
    return (await this.db.consoleSession.deleteMany({ where })).count;
  }
}
