import type { DestructionRecordRow as DestructionRecord, IncidentRecord as Incident } from '../../ports/repositories/index.js';
import type { CoreDeps } from '../context.js';
import { newId } from '../ids.js';
import { IncidentService } from '../incidents/service.js';
import { verifyIncidentRecord } from '../timeline/timeline.js';
import { sealDestruction } from './record.js';

/**
 * The 5-year retention of the incident record (clock records-5y, playbooks/clocks.yaml: seed 002 art. 17 and 19,
 * seed 004 pt. 39): kept at least until the end of that clock, then deleted with a destruction record.
 *
 * Authorisation: destroying a record is a decision of the school, not of a timer. The daily job only lists what has
 * passed its date (src/jobs/retention.ts); `npm run retention -- --authorised-by "<name, role, decision>"` destroys,
 * naming who decided, which goes into the destruction record. Never before the date (checked here and by the
 * database), never an incident still open, never a record that fails verification (tampering is evidence).
 */
export const RECORDS_CLOCK = 'records-5y';
export const DESTRUCTION_BASIS =
  '私立高級中等以下學校及幼兒園個人資料檔案安全維護計畫實施辦法第17條、第19條；保存期限屆滿，刪除並留存銷毀紀錄';

export interface RetentionItem {
  incidentId: string;
  schoolId: string;
  ref: string;
  status: string;
  /** End of the records-5y clock; null when it cannot be computed. */
  retainUntil: Date | null;
  /** Past its date and closed: may be destroyed. */
  due: boolean;
  /** Why it is kept although the date has passed (English, operator). */
  kept?: string;
}

export class RetentionError extends Error {
  override readonly name = 'RetentionError';
}

export function retainUntil(deps: CoreDeps, incident: Incident): Date | null {
  return new IncidentService(deps).clocksOf(incident).find((c) => c.id === RECORDS_CLOCK)?.statutoryEnd ?? null;
}

/** Every incident with its retention date, those past it first. */
export async function listRetention(deps: CoreDeps, schoolId?: string): Promise<RetentionItem[]> {
  const now = deps.now();
  const incidents = await deps.repos.retention.incidents(schoolId);
  const items = incidents.map((i): RetentionItem => {
    const until = retainUntil(deps, i);
    const past = until !== null && until <= now;
    const kept = !past ? undefined : i.status !== 'closed' ? 'not closed: an open incident is kept whatever its date' : undefined;
    return {
      incidentId: i.id,
      schoolId: i.schoolId,
      ref: i.ref,
      status: i.status,
      retainUntil: until,
      due: past && !kept,
      ...(kept ? { kept } : {}),
    };
  });
  return items.sort(
    (a, b) => Number(b.due) - Number(a.due) || (a.retainUntil?.getTime() ?? Infinity) - (b.retainUntil?.getTime() ?? Infinity),
  );
}

/**
 * Destroys one incident's record, in one transaction: the sealed destruction record first (the append-only triggers
 * let the timeline and its checkpoints go only once it exists), then every row holding the incident's details.
 * Platform rooms (a Slack channel, a Discord thread) are unbound; their history lives on the platform and is the
 * school's to delete there (returned in `rooms`).
 */
export async function destroyIncident(
  deps: CoreDeps,
  incidentId: string,
  authorisedBy: string,
): Promise<{ record: DestructionRecord; rooms: { platform: string; externalId: string }[] }> {
  const who = authorisedBy.trim();
  if (who.length < 2 || who.length > 200)
    throw new RetentionError('--authorised-by must name who authorised the destruction (2–200 characters).');
  const now = deps.now();
  const incident = await deps.repos.retention.findIncident(incidentId);
  if (!incident) throw new RetentionError(`No incident ${incidentId}.`);
  const until = retainUntil(deps, incident);
  if (!until) throw new RetentionError(`Incident ${incident.ref}: its retention date cannot be computed; it is kept.`);
  if (now < until) throw new RetentionError(`Incident ${incident.ref} is kept until ${until.toISOString()}; nothing was destroyed.`);
  if (incident.status !== 'closed') throw new RetentionError(`Incident ${incident.ref} is not closed; an open incident is kept.`);
  const verdict = await verifyIncidentRecord(deps, incidentId);
  if (!verdict.ok) {
    throw new RetentionError(
      `Incident ${incident.ref}: its record does not verify (${verdict.problems[0]}); it is kept as evidence. Investigate with \`npm run verify\`.`,
    );
  }
  const rooms = await deps.repos.retention.rooms(incidentId);
  const blobs = await deps.repos.retention.evidenceFiles(incidentId);
  const record = await deps.repos.transaction(async (tx) => {
    await tx.timeline.lockIncident(incidentId);
    const head = await tx.timeline.last(incidentId);
    const fields = {
      incidentId,
      schoolId: incident.schoolId,
      incidentRef: incident.ref,
      occurredAt: incident.occurredAt,
      awareAt: incident.awareAt,
      closedAt: incident.closedAt,
      retainUntil: until,
      destroyedAt: now,
      authorisedBy: who,
      basis: DESTRUCTION_BASIS,
      entryCount: head?.seq ?? 0,
      headHash: head?.hash ?? '',
    };
    const removed = await tx.retention.countDetails(incidentId);
    const created = await tx.retention.createDestructionRecord({
      id: newId(),
      ...fields,
      removed,
      ...sealDestruction(deps.cipher, fields),
    });
    await tx.retention.deleteDetails(incidentId);
    return created;
  });
  // The evidence files go once their rows are gone (chunk rows went in the transaction; a directory's files here). A
  // file that cannot be removed is logged: it is unreadable without its wrapped key, which the transaction deleted.
  for (const b of blobs) {
    for (const store of deps.evidence?.stores ?? []) {
      if (store.kind !== b.store) continue;
      await store
        .remove(b.id)
        .catch((err: unknown) =>
          deps.log.error({ incidentId, evidenceId: b.id, err }, 'evidence file could not be removed after destruction'),
        );
    }
  }
  return { record, rooms: rooms.filter((r) => r.platform !== 'local') };
}
