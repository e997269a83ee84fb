import type { ChecklistItem, Incident, Person, PrismaClient } from '../generated/prisma/client.js';

/**
 * The web console's queries (src/web/console): the incident list with the checklist counts, its open items and the
 * timeline pages. The pages read everything else through the core services; the sessions are a repository
 * (`ConsoleSessionRepository`, src/storage/repositories/console.ts).
 */

/**
 * Ended sessions are kept this long, then deleted by the retention review (src/jobs/retention.ts, `npm run
 * retention`): the sign-ins and sign-outs stay on the person's record (person_change).
 */
export const SESSION_RETENTION_DAYS = 90;

export interface IncidentListFilter {
  schoolId: string;
  /** Statuses to show; all when empty. */
  statuses: readonly string[];
  /** Part of an incident number (「115-0」). */
  ref?: string;
  limit: number;
}

export interface IncidentListRow {
  incident: Incident;
  open: number;
  total: number;
  /** Clocks stopped by a checklist item done or not applicable (ChecklistItem.completesClock). */
  stopped: string[];
}

export class ConsoleStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** A person, for the sign-in link's holder. */
  person(id: string): Promise<Person | null> {
    return this.prisma.person.findUnique({ where: { id } });
  }

  /** A school's incidents, newest first, with how many checklist items are open. */
  async incidents(f: IncidentListFilter): Promise<IncidentListRow[]> {
    const incidents = await this.prisma.incident.findMany({
      where: {
        schoolId: f.schoolId,
        ...(f.statuses.length ? { status: { in: [...f.statuses] } } : {}),
        ...(f.ref ? { ref: { contains: f.ref } } : {}),
      },
      orderBy: { awareAt: 'desc' },
      take: f.limit,
    });
    if (incidents.length === 0) return [];
    // Counts and clock stoppers of every listed incident in one statement (was a groupBy and a findMany).
    const rows = await this.prisma.$queryRawUnsafe<{ incident_id: string; open: number; total: number; stopped: string[] | null }[]>(
      `SELECT incident_id, count(*) FILTER (WHERE state = 'open')::int AS open, count(*)::int AS total,
              array_agg(completes_clock) FILTER (WHERE completes_clock IS NOT NULL AND state <> 'open') AS stopped
         FROM checklist_item WHERE incident_id = ANY($1::text[]) GROUP BY incident_id`,
      incidents.map((i) => i.id),
    );
    const of = new Map(rows.map((r) => [r.incident_id, r]));
    return incidents.map((incident) => {
      const r = of.get(incident.id);
      return { incident, stopped: r?.stopped ?? [], open: Number(r?.open ?? 0), total: Number(r?.total ?? 0) };
    });
  }

  /** Open checklist items of a school's open incidents: planned dates first, then in playbook order (the list's 待辦). */
  async openItems(
    schoolId: string,
    limit: number,
  ): Promise<(ChecklistItem & { incident: Pick<Incident, 'ref'>; ownerName: string | null })[]> {
    const rows = await this.prisma.checklistItem.findMany({
      where: { state: 'open', incident: { schoolId, status: { not: 'closed' } } },
      include: { incident: { select: { ref: true } } },
      orderBy: [{ plannedOn: { sort: 'asc', nulls: 'last' } }, { position: 'asc' }],
      take: limit,
    });
    const owners = await this.prisma.person.findMany({
      where: { id: { in: rows.map((r) => r.ownerPersonId).filter((x): x is string => !!x) } },
      select: { id: true, displayName: true },
    });
    return rows.map((r) => ({ ...r, ownerName: owners.find((o) => o.id === r.ownerPersonId)?.displayName ?? null }));
  }

  /** A page of an incident's timeline for display, newest first: the entries before `before` (all when null). */
  async timelinePage(
    incidentId: string,
    before: number | null,
    limit: number,
  ): Promise<{ seq: number; at: Date; actorLabel: string; summary: string }[]> {
    return this.prisma.timelineEntry.findMany({
      where: { incidentId, ...(before !== null ? { seq: { lt: before } } : {}) },
      select: { seq: true, at: true, actorLabel: true, summary: true },
      orderBy: { seq: 'desc' },
      take: limit,
    });
  }

  /** How many entries an incident's timeline holds. */
  timelineCount(incidentId: string): Promise<number> {
    return this.prisma.timelineEntry.count({ where: { incidentId } });
  }

  /** People's names by id (checklist owners and who ticked). */
  async names(ids: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.prisma.person.findMany({ where: { id: { in: [...new Set(ids)] } }, select: { id: true, displayName: true } });
    return new Map(rows.map((r) => [r.id, r.displayName]));
  }
}
