import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { newId } from '../ids.js';

/**
 * The append-only record of changes to people (table person_change): who was given or lost which role, renamed,
 * made inactive, by whom and when. A person's roles decide who sees a personal-data incident's details, so access
 * changes are kept like the timeline is (database triggers refuse UPDATE and DELETE). Written in the transaction that
 * makes the change.
 */
/** `console`: a sign-in to or sign-out from the web console (src/web/console), on the person's own record. */
export type PersonField = 'name' | 'unit' | 'email' | 'roles' | 'active' | 'console';
export type PersonChanges = Partial<
  Record<PersonField, { from: string | string[] | boolean | null; to: string | string[] | boolean | null }>
>;

/** The label for changes made by an operator's roster import (no person in the product made them). */
export const ROSTER_IMPORT_ACTOR = '系統管理者（名冊匯入）';

type Tx = Prisma.TransactionClient | PrismaClient;

export async function recordPersonChange(
  tx: Tx,
  entry: { schoolId: string; personId: string; actorPersonId: string | null; actorLabel: string; changes: PersonChanges; at?: Date },
): Promise<void> {
  if (Object.keys(entry.changes).length === 0) return;
  await tx.personChange.create({
    data: {
      id: newId(),
      schoolId: entry.schoolId,
      personId: entry.personId,
      actorPersonId: entry.actorPersonId,
      actorLabel: entry.actorLabel,
      changes: entry.changes as Prisma.InputJsonValue,
      ...(entry.at ? { at: entry.at } : {}),
    },
  });
}

export interface PersonChangeView {
  at: Date;
  personId: string;
  personName: string;
  actorLabel: string;
  changes: PersonChanges;
}

/** A school's changes to people, newest first. */
export async function personHistory(prisma: PrismaClient, schoolId: string, limit = 200): Promise<PersonChangeView[]> {
  const rows = await prisma.personChange.findMany({
    where: { schoolId },
    orderBy: [{ at: 'desc' }, { id: 'asc' }],
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
