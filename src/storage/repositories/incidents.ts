import type { Prisma } from '../../generated/prisma/client.js';
import type {
  AssignedItem,
  ChecklistChanges,
  ChecklistItemRecord,
  ChecklistRepository,
  ClockScheduleRecord,
  ClockScheduleRepository,
  IncidentChanges,
  IncidentOrder,
  IncidentRecord,
  IncidentRepository,
  NewChecklistItem,
  NewIncident,
} from '../../ports/repositories/index.js';
import type { Client } from './client.js';

const NOT_CLOSED = { status: { not: 'closed' } };

export class PrismaIncidentRepository implements IncidentRepository {
  constructor(private readonly db: Client) {}

  find(id: string): Promise<IncidentRecord | null> {
    return this.db.incident.findUnique({ where: { id } });
  }

  findByRef(schoolId: string, ref: string): Promise<IncidentRecord | null> {
    return this.db.incident.findUnique({ where: { schoolId_ref: { schoolId, ref } } });
  }

  findByIdOrRef(idOrRef: string, schoolId?: string): Promise<IncidentRecord[]> {
    return this.db.incident.findMany({ where: { OR: [{ id: idOrRef }, { ref: idOrRef }], ...(schoolId ? { schoolId } : {}) } });
  }

  openIn(schoolId: string, order: IncidentOrder, limit?: number): Promise<IncidentRecord[]> {
    return this.db.incident.findMany({
      where: { schoolId, ...NOT_CLOSED },
      orderBy: { awareAt: order === 'newest' ? 'desc' : 'asc' },
      ...(limit !== undefined ? { take: limit } : {}),
    });
  }

  async openIds(schoolId?: string): Promise<string[]> {
    const where = { ...(schoolId ? { schoolId } : {}), ...NOT_CLOSED };
    return (await this.db.incident.findMany({ where, select: { id: true } })).map((i) => i.id);
  }

  async refsOf(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.incident.findMany({ where: { id: { in: ids } }, select: { id: true, ref: true } });
    return new Map(rows.map((i) => [i.id, i.ref]));
  }

  create(incident: NewIncident): Promise<IncidentRecord> {
    return this.db.incident.create({ data: incident });
  }

  async update(id: string, changes: IncidentChanges, opts: { revise?: boolean; ifVersion?: number } = {}): Promise<boolean> {
    const data = { ...changes, ...(opts.revise ? { version: { increment: 1 } } : {}) };
    if (opts.ifVersion === undefined) {
      await this.db.incident.update({ where: { id }, data });
      return true;
    }
    return (await this.db.incident.updateMany({ where: { id, version: opts.ifVersion }, data })).count === 1;
  }

  async lock(id: string): Promise<void> {
    await this.db.$queryRaw`SELECT id FROM incident WHERE id = ${id} FOR UPDATE`;
  }

  async countRefsLocked(schoolId: string, prefix: string): Promise<number> {
    await this.db.$queryRaw`SELECT id FROM school WHERE id = ${schoolId} FOR UPDATE`;
    return this.db.incident.count({ where: { schoolId, ref: { startsWith: prefix } } });
  }
}

const IN_ORDER = { position: 'asc' } as const;

export class PrismaChecklistRepository implements ChecklistRepository {
  constructor(private readonly db: Client) {}

  find(id: string): Promise<ChecklistItemRecord | null> {
    return this.db.checklistItem.findUnique({ where: { id } });
  }

  findByKey(incidentId: string, key: string): Promise<ChecklistItemRecord | null> {
    return this.db.checklistItem.findUnique({ where: { incidentId_key: { incidentId, key } } });
  }

  ofIncident(incidentId: string): Promise<ChecklistItemRecord[]> {
    return this.db.checklistItem.findMany({ where: { incidentId }, orderBy: IN_ORDER });
  }

  async ofIncidents(incidentIds: string[]): Promise<ChecklistItemRecord[]> {
    if (incidentIds.length === 0) return [];
    return this.db.checklistItem.findMany({ where: { incidentId: { in: incidentIds } }, orderBy: [{ incidentId: 'asc' }, IN_ORDER] });
  }

  openOf(incidentId: string): Promise<ChecklistItemRecord[]> {
    return this.db.checklistItem.findMany({ where: { incidentId, state: 'open' }, orderBy: IN_ORDER });
  }

  openCompleting(incidentId: string, clockId: string): Promise<ChecklistItemRecord | null> {
    return this.db.checklistItem.findFirst({ where: { incidentId, completesClock: clockId, state: 'open' }, orderBy: IN_ORDER });
  }

  countOpen(incidentId: string): Promise<number> {
    return this.db.checklistItem.count({ where: { incidentId, state: 'open' } });
  }

  countDoneCompleting(incidentId: string, clockId: string, exceptId: string): Promise<number> {
    return this.db.checklistItem.count({ where: { incidentId, completesClock: clockId, state: 'done', id: { not: exceptId } } });
  }

  async lockFind(id: string): Promise<ChecklistItemRecord | null> {
    await this.db.$queryRaw`SELECT id FROM checklist_item WHERE id = ${id} FOR UPDATE`;
    return this.db.checklistItem.findUnique({ where: { id } });
  }

  async incidentsOwnedBy(personId: string, incidentIds: string[]): Promise<Set<string>> {
    if (incidentIds.length === 0) return new Set();
    const rows = await this.db.checklistItem.findMany({
      where: { incidentId: { in: incidentIds }, ownerPersonId: personId },
      select: { incidentId: true },
      distinct: ['incidentId'],
    });
    return new Set(rows.map((r) => r.incidentId));
  }

  async progress(incidentIds: string[]): Promise<{ incidentId: string; state: string; count: number }[]> {
    if (incidentIds.length === 0) return [];
    const rows = await this.db.checklistItem.groupBy({
      by: ['incidentId', 'state'],
      where: { incidentId: { in: incidentIds } },
      _count: { _all: true },
    });
    return rows.map((r) => ({ incidentId: r.incidentId, state: r.state, count: r._count._all }));
  }

  async assignedTo(schoolId: string, personId: string, roles: readonly string[]): Promise<AssignedItem[]> {
    const rows = await this.db.checklistItem.findMany({
      where: {
        state: 'open',
        incident: { schoolId, ...NOT_CLOSED },
        OR: [{ ownerPersonId: personId }, { ownerPersonId: null, ownerRole: { in: [...roles] } }],
      },
      include: { incident: { select: { ref: true } } },
      orderBy: [{ incident: { awareAt: 'asc' } }, IN_ORDER],
    });
    return rows.map(({ incident, ...item }) => ({ ...item, incidentRef: incident.ref }));
  }

  async createMany(items: NewChecklistItem[]): Promise<void> {
    if (items.length > 0) await this.db.checklistItem.createMany({ data: items });
  }

  update(id: string, changes: ChecklistChanges): Promise<ChecklistItemRecord> {
    return this.db.checklistItem.update({ where: { id }, data: changes });
  }
}

export class PrismaClockScheduleRepository implements ClockScheduleRepository {
  constructor(private readonly db: Client) {}

  ofIncident(incidentId: string): Promise<ClockScheduleRecord[]> {
    return this.db.clockSchedule.findMany({ where: { incidentId } });
  }

  async save({ incidentId, clockId, ...rest }: ClockScheduleRecord): Promise<void> {
    const data = { ...rest, slots: rest.slots as Prisma.InputJsonValue };
    await this.db.clockSchedule.upsert({
      where: { incidentId_clockId: { incidentId, clockId } },
      update: data,
      create: { incidentId, clockId, ...data },
    });
  }

  async incidentsWithActive(): Promise<string[]> {
    const rows = await this.db.clockSchedule.findMany({
      where: { state: 'active' },
      select: { incidentId: true },
      distinct: ['incidentId'],
    });
    return rows.map((r) => r.incidentId);
  }
}
