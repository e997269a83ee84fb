import type { Prisma } from '../../generated/prisma/client.js';
import type {
  PeopleRepository,
  PersonChangeEntry,
  PersonChanges,
  PersonChangeView,
  PersonFields,
  PersonRecord,
  PersonWithIdentities,
} from '../../ports/repositories/index.js';
import type { Client } from './client.js';

export class PrismaPeopleRepository implements PeopleRepository {
  constructor(private readonly db: Client) {}

  find(id: string): Promise<PersonRecord | null> {
    return this.db.person.findUnique({ where: { id } });
  }

  names(ids: readonly string[]): Promise<Pick<PersonRecord, 'id' | 'displayName'>[]> {
    return this.db.person.findMany({ where: { id: { in: [...ids] } }, select: { id: true, displayName: true } });
  }

  inSchool(schoolId: string): Promise<PersonRecord[]> {
    return this.db.person.findMany({ where: { schoolId }, orderBy: { createdAt: 'asc' } });
  }

  rosterOf(schoolId: string): Promise<PersonWithIdentities[]> {
    return this.db.person.findMany({
      where: { schoolId },
      include: { identities: { orderBy: { platform: 'asc' } } },
      orderBy: [{ active: 'desc' }, { displayName: 'asc' }],
    });
  }

  async rosterPage(
    schoolId: string,
    query: { q?: string; offset: number; limit: number },
  ): Promise<{ people: PersonWithIdentities[]; matching: number }> {
    const q = query.q?.trim();
    const where = q
      ? {
          schoolId,
          OR: [{ displayName: { contains: q, mode: 'insensitive' as const } }, { unit: { contains: q, mode: 'insensitive' as const } }],
        }
      : { schoolId };
    const [people, matching] = await Promise.all([
      this.db.person.findMany({
        where,
        include: { identities: { orderBy: { platform: 'asc' } } },
        orderBy: [{ active: 'desc' }, { displayName: 'asc' }, { id: 'asc' }],
        skip: query.offset,
        take: query.limit,
      }),
      this.db.person.count({ where }),
    ]);
    return { people, matching };
  }

  async rosterCounts(schoolId: string): Promise<{ active: number; inactive: number }> {
    const rows = await this.db.person.groupBy({ by: ['active'], where: { schoolId }, _count: { _all: true } });
    const of = (active: boolean) => rows.find((r) => r.active === active)?._count._all ?? 0;
    return { active: of(true), inactive: of(false) };
  }

  activeInSchool(schoolId: string): Promise<PersonRecord[]> {
    return this.db.person.findMany({ where: { schoolId, active: true } });
  }

  async create(person: PersonFields & { id: string; schoolId: string }): Promise<void> {
    await this.db.person.create({ data: person });
  }

  async update(id: string, fields: Partial<PersonFields>): Promise<void> {
    await this.db.person.update({ where: { id }, data: fields });
  }

  activeWithRole(schoolId: string, role: string, order: 'created' | 'name' = 'created'): Promise<PersonRecord[]> {
    return this.db.person.findMany({
      where: { schoolId, active: true, roles: { has: role } },
      orderBy: order === 'name' ? { displayName: 'asc' } : { createdAt: 'asc' },
    });
  }

  activeWithRoleOn(schoolId: string, role: string, platform: string, excluding: readonly string[]): Promise<PersonWithIdentities[]> {
    return this.db.person.findMany({
      where: { schoolId, roles: { has: role }, active: true, id: { notIn: [...excluding] } },
      include: { identities: { where: { platform } } },
      orderBy: { createdAt: 'asc' },
    });
  }

  async anyWithRole(ids: readonly string[], role: string): Promise<boolean> {
    return (await this.db.person.count({ where: { id: { in: [...ids] }, roles: { has: role } } })) > 0;
  }

  countActiveWithRole(schoolId: string, role: string): Promise<number> {
    return this.db.person.count({ where: { schoolId, active: true, roles: { has: role } } });
  }

  setRoles(id: string, roles: string[]): Promise<PersonRecord> {
    return this.db.person.update({ where: { id }, data: { roles } });
  }

  activeWithAnyRole(schoolId: string, roles: readonly string[]): Promise<PersonRecord[]> {
    return this.db.person.findMany({ where: { schoolId, active: true, roles: { hasSome: [...roles] } } });
  }

  activeWithRoleAndAccounts(schoolId: string, role: string): Promise<PersonWithIdentities[]> {
    return this.db.person.findMany({
      where: { schoolId, active: true, roles: { has: role } },
      include: { identities: true },
      orderBy: { displayName: 'asc' },
    });
  }

  everywhereWithRoleOn(role: string, platform: string): Promise<PersonWithIdentities[]> {
    return this.db.person.findMany({
      where: { active: true, roles: { has: role }, identities: { some: { platform } } },
      include: { identities: { where: { platform } } },
      orderBy: { displayName: 'asc' },
    });
  }

  roomMembersOn(schoolId: string, platform: string, roles: readonly string[], personId: string): Promise<PersonWithIdentities[]> {
    return this.db.person.findMany({
      where: { schoolId, active: true, OR: [{ roles: { hasSome: [...roles] } }, { id: personId }] },
      include: { identities: { where: { platform } } },
      orderBy: { displayName: 'asc' },
    });
  }

  activeWithIdentities(ids: readonly string[]): Promise<PersonWithIdentities[]> {
    return this.db.person.findMany({
      where: { id: { in: [...ids] }, active: true },
      include: { identities: true },
      orderBy: { displayName: 'asc' },
    });
  }

  async recordChange(id: string, entry: PersonChangeEntry): Promise<void> {
    await this.db.personChange.create({
      data: {
        id,
        schoolId: entry.schoolId,
        personId: entry.personId,
        actorPersonId: entry.actorPersonId,
        actorLabel: entry.actorLabel,
        changes: entry.changes as Prisma.InputJsonValue,
        ...(entry.at ? { at: entry.at } : {}),
      },
    });
  }

  async history(schoolId: string, limit: number, offset = 0): Promise<PersonChangeView[]> {
    const rows = await this.db.personChange.findMany({
      where: { schoolId },
      orderBy: [{ at: 'desc' }, { id: 'asc' }],
      skip: offset,
      take: limit,
      include: { person: { select: { displayName: true } } },
    });
    return rows.map((r) => ({
      at: r.at,
      personId: r.personId,
      personName: r.person.displayName,
      actorLabel: r.actorLabel,
      changes: r.changes as PersonChanges,
    }));
  }
}
