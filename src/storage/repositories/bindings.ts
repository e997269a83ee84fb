import type {
  AccountRef,
  BindingCodeRecord,
  BindingRepository,
  IdentityRecord,
  NewBindingCode,
  OpenBindingCode,
  PersonRecord,
  RevokedBindingCode,
} from '../../ports/repositories/index.js';
import type { Client } from './client.js';

export class PrismaBindingRepository implements BindingRepository {
  constructor(private readonly db: Client) {}

  countLive(codeHash: string, now: Date): Promise<number> {
    return this.db.bindingCode.count({ where: { codeHash, usedAt: null, revokedAt: null, expiresAt: { gt: now } } });
  }

  async revokeUnusedOf(personId: string, at: Date): Promise<RevokedBindingCode[]> {
    const where = { personId, usedAt: null, revokedAt: null };
    const rows = await this.db.bindingCode.findMany({ where, select: { expiresAt: true, person: { select: { schoolId: true } } } });
    await this.db.bindingCode.updateMany({ where, data: { revokedAt: at } });
    return rows.map((r) => ({ personId, schoolId: r.person.schoolId, expiresAt: r.expiresAt }));
  }

  async createCode(code: NewBindingCode): Promise<void> {
    await this.db.bindingCode.create({ data: code });
  }

  async revokeCode(codeHash: string, at: Date): Promise<RevokedBindingCode[]> {
    const rows = await this.db.bindingCode.findMany({
      where: { codeHash, usedAt: null, revokedAt: null },
      select: { id: true, personId: true, expiresAt: true, person: { select: { schoolId: true } } },
    });
    const revoked: RevokedBindingCode[] = [];
    for (const r of rows) {
      const done = await this.db.bindingCode.updateMany({ where: { id: r.id, usedAt: null, revokedAt: null }, data: { revokedAt: at } });
      if (done.count === 1) revoked.push({ personId: r.personId, schoolId: r.person.schoolId, expiresAt: r.expiresAt });
    }
    return revoked;
  }

  findUnused(codeHash: string): Promise<(BindingCodeRecord & { person: PersonRecord & { school: { name: string } } }) | null> {
    return this.db.bindingCode.findFirst({
      where: { codeHash, usedAt: null, revokedAt: null },
      orderBy: { createdAt: 'desc' },
      include: { person: { include: { school: true } } },
    });
  }

  async openCodes(schoolId: string, now: Date): Promise<OpenBindingCode[]> {
    const rows = await this.db.bindingCode.findMany({
      where: { person: { schoolId }, usedAt: null, revokedAt: null, expiresAt: { gt: now } },
      orderBy: { createdAt: 'desc' },
      select: { id: true, personId: true, createdById: true, expiresAt: true, createdAt: true, person: { select: { displayName: true } } },
    });
    return rows.map(({ person, ...r }) => ({ ...r, personName: person.displayName }));
  }

  async revokeCodeById(id: string, schoolId: string, at: Date): Promise<OpenBindingCode | null> {
    const row = await this.db.bindingCode.findFirst({
      where: { id, person: { schoolId }, usedAt: null, revokedAt: null },
      select: { id: true, personId: true, createdById: true, expiresAt: true, createdAt: true, person: { select: { displayName: true } } },
    });
    if (!row) return null;
    const done = await this.db.bindingCode.updateMany({ where: { id, usedAt: null, revokedAt: null }, data: { revokedAt: at } });
    if (done.count !== 1) return null;
    const { person, ...r } = row;
    return { ...r, personName: person.displayName };
  }

  async unlink(identityId: string, schoolId: string): Promise<(IdentityRecord & { person: PersonRecord }) | null> {
    const row = await this.db.identity.findFirst({ where: { id: identityId, person: { schoolId } }, include: { person: true } });
    if (!row) return null;
    const done = await this.db.identity.deleteMany({ where: { id: identityId } });
    return done.count === 1 ? row : null;
  }

  async claim(codeId: string, at: Date, by: AccountRef): Promise<boolean> {
    const claimed = await this.db.bindingCode.updateMany({
      where: { id: codeId, usedAt: null, revokedAt: null },
      data: { usedAt: at, usedByPlatform: by.platform, usedByExternalId: by.externalId },
    });
    return claimed.count === 1;
  }

  failuresSince(account: AccountRef, since: Date): Promise<number> {
    return this.db.bindingAttempt.count({ where: { platform: account.platform, externalId: account.externalId, at: { gt: since } } });
  }

  async recordFailure(account: AccountRef, at: Date): Promise<void> {
    await this.db.bindingAttempt.create({ data: { platform: account.platform, externalId: account.externalId, at } });
  }

  identity(account: AccountRef): Promise<(IdentityRecord & { person: PersonRecord }) | null> {
    return this.db.identity.findUnique({
      where: { platform_externalId: { platform: account.platform, externalId: account.externalId } },
      include: { person: true },
    });
  }

  async link(personId: string, account: AccountRef & { displayName?: string | null }, newIdentityId: string): Promise<void> {
    const { platform, externalId, displayName } = account;
    await this.db.identity.deleteMany({ where: { personId, platform, NOT: { externalId } } });
    await this.db.identity.upsert({
      where: { platform_externalId: { platform, externalId } },
      update: { personId, ...(displayName ? { displayName } : {}) },
      create: { id: newIdentityId, personId, platform, externalId, displayName: displayName ?? null },
    });
  }

  async bindConversation(conversationId: string, schoolId: string | null, purpose?: string): Promise<void> {
    await this.db.conversation.update({ where: { id: conversationId }, data: { schoolId, ...(purpose ? { purpose } : {}) } });
  }

  async joinedGroup(group: AccountRef & { title?: string | null }, newId: string): Promise<void> {
    const { platform, externalId, title } = group;
    await this.db.conversation.upsert({
      where: { platform_externalId: { platform, externalId } },
      update: { schoolId: null, purpose: 'staff', ...(title ? { title } : {}) },
      create: { id: newId, platform, externalId, kind: 'group', purpose: 'staff', title: title ?? null },
    });
  }

  async leftGroup(group: AccountRef): Promise<string | null> {
    const conv = await this.db.conversation.findUnique({
      where: { platform_externalId: { platform: group.platform, externalId: group.externalId } },
    });
    if (!conv) return null;
    await this.db.conversation.update({ where: { id: conv.id }, data: { purpose: 'left' } });
    await this.db.pendingPrompt.updateMany({ where: { conversationId: conv.id, status: 'open' }, data: { status: 'cancelled' } });
    return conv.id;
  }
}
