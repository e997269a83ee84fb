import type { IncidentRecord as Incident, Repositories } from '../../ports/repositories/index.js';
import type { CoreDeps } from '../context.js';
import type { Actor } from '../roles.js';
import { appendTimeline } from '../timeline/timeline.js';

/** A cyber-incident level changed after the platform report was made: the platform must be told again (續報). */
export interface CyberLevelChange {
  from: number;
  to: number;
}

/**
 * 資通安全事件通報應變及演練辦法 art. 6 (legal-rules §1 cyber-1h): a report to the 教育機構資安通報平台 is re-made
 * (續報) when the incident's level changes. When the level is changed after the item that completes the 1-hour report
 * is settled, the change is put on the timeline as a 續報 step owed by the IT role, and returned so that the
 * responders are told (a level decided before the report goes into the report itself: nothing to re-report).
 * `from`: the level before (the caller's incident row, which applyItemState does not change).
 */
export async function recordLevelChange(
  deps: Pick<CoreDeps, 'cipher' | 'now'>,
  tx: Repositories,
  incident: Incident,
  actor: Actor,
  from: number | null,
  to: number | undefined,
): Promise<CyberLevelChange | undefined> {
  if (!from || !to || from === to) return undefined;
  const items = await tx.checklist.ofIncident(incident.id);
  const reported = items.some((i) => i.completesClock === 'cyber-1h' && i.state === 'done');
  if (!reported) return undefined;
  await appendTimeline(deps, tx, incident.id, {
    actorId: actor.personId,
    actorLabel: actor.displayName,
    type: 'cyber.rereport',
    summary: `資安事件等級由第${from}級改為第${to}級：待辦——資訊組須至教育機構資安通報平台續報（資通安全事件通報應變及演練辦法第6條）`,
    detail: { from, to, due: 'rereport' },
  });
  return { from, to };
}
