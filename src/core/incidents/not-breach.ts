import type { CoreDeps } from '../context.js';
import { can, type Actor } from '../roles.js';
import { appendTimeline, readTimeline } from '../timeline/timeline.js';
import { formatRocDate, formatRocDateTime } from '../time/roc.js';
import { applyItemState, moveStatus, type Hooks } from './lifecycle.js';
import { STATUS_LABELS, UserError, type IncidentStatus } from './types.js';
import type { IncidentView } from './view.js';

/*
 * A reported incident assessed as NOT a personal-data breach: the lost USB drive found the next day unread, a
 * message that never left the school, a false alarm. Decided by the 管理人 (principal) with a reason; the contact
 * window may propose it. Nothing is erased: the report and every step stay on the record (kept 5 years,
 * records-5y), the decision is its own timeline entry, and the incident is closed with `notBreachAt` set.
 *
 * What stops (legal-rules.md §1): the clocks that exist because personal data was breached — the containment
 * measures (contain-4h: control of the item is regained), the report to the competent authority (bureau-3d) and
 * its closure report (closure-1m: 私立…辦法 art. 13 ¶3 concerns data 被竊取、洩漏、竄改或其他侵害), notifying the
 * people concerned (subjects-notify, 個資法 art. 12), the cyber-incident reports and the draft 72-hour rules: their
 * open items are settled as not applicable with the decision's reason, in one step, and every reminder stops (a
 * closed incident has none). What does not stop: the unit's report to the contact window (report-window-4h, seed
 * 004 pt. 45) is the record on which the decision is taken, due for every incident whatever it turns out to be, so
 * the decision is refused while it is open; and the record's retention (records-5y). A report already sent to the
 * bureau is not withdrawn: the closing note says it was sent and should be followed by this note.
 */

export const NOT_BREACH_PROPOSED = 'incident.not-breach-proposed';
export const NOT_BREACH_DECIDED = 'incident.not-breach';

/** The note every settled item carries. */
const itemNote = (reason: string) => `經管理人判定非個資事件：${reason}`;

async function loaded(deps: CoreDeps, actor: Actor, incidentId: string) {
  const incident = await deps.repos.incidents.find(incidentId);
  if (!incident || incident.schoolId !== actor.schoolId) throw new UserError('找不到這個事件。');
  if (incident.status === 'closed') {
    throw new UserError(
      incident.notBreachAt
        ? `事件 ${incident.ref} 已於 ${formatRocDateTime(incident.notBreachAt)} 判定非個資事件並結案。`
        : `事件 ${incident.ref} 已結案，不能再判定。`,
    );
  }
  return incident;
}

function reasonOf(reason: string): string {
  const why = reason.trim();
  if (why.length < 4) {
    throw new UserError('請說明判定的理由，例如「隨身碟已於12/6 08:00在教室尋回，經檢查檔案未被開啟，未外流」。');
  }
  return why;
}

/** The contact window (or the principal) proposes it: a timeline entry; the decision is the principal's. */
export async function proposeNotBreach(deps: CoreDeps, actor: Actor, incidentId: string, reason: string): Promise<{ ref: string }> {
  if (!can(actor, 'incident.coordinate')) throw new UserError('只有個資聯絡窗口或校長可以提出「非個資事件」的判定。');
  const incident = await loaded(deps, actor, incidentId);
  const why = reasonOf(reason);
  await appendTimeline(deps, deps.repos, incidentId, {
    actorId: actor.personId,
    actorLabel: actor.displayName,
    type: NOT_BREACH_PROPOSED,
    summary: `${actor.displayName} 提出判定非個資事件，待管理人決定（理由：${why}）`,
    detail: { reason: why, recordedAt: deps.now().toISOString() },
  });
  return { ref: incident.ref };
}

/** The reason of the latest proposal still waiting for the principal, if any. */
export async function pendingProposal(deps: CoreDeps, incidentId: string): Promise<{ reason: string; by: string } | null> {
  const entries = await readTimeline(deps, incidentId);
  const last = [...entries].reverse().find((e) => e.type === NOT_BREACH_PROPOSED || e.type === NOT_BREACH_DECIDED);
  if (!last || last.type !== NOT_BREACH_PROPOSED) return null;
  const reason = (last.detail as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' ? { reason, by: last.actorLabel } : null;
}

/**
 * The 管理人 decides the incident is not a personal-data breach, with the reason: every open item is settled as not
 * applicable with that reason, the incident is closed (notBreachAt, closedAt), the reminders stop. Refused while the
 * report to the contact window is open (see above).
 */
export async function decideNotBreach(
  deps: CoreDeps,
  hooks: Hooks,
  actor: Actor,
  incidentId: string,
  reason: string,
): Promise<IncidentView> {
  if (!can(actor, 'incident.close')) {
    throw new UserError('「判定非個資事件」須由管理人（校長）決定；個資聯絡窗口可先提出，系統會請校長決定。');
  }
  const incident = await loaded(deps, actor, incidentId);
  const why = reasonOf(reason);
  const window = await deps.repos.checklist.openCompleting(incidentId, 'report-window-4h');
  if (window) {
    throw new UserError(
      `「${window.title}」尚未完成：不論是否為個資事件，發生單位都須向個資聯絡窗口通報（臺北市政府政風處個資要點第45點），` +
        '這份通報是判定的依據。請先勾選完成，再判定。',
    );
  }
  const now = deps.now();
  const open = await deps.repos.checklist.openOf(incidentId);
  await deps.repos.transaction(async (tx) => {
    for (const item of open) {
      await applyItemState(deps, tx, incident, item, actor, {
        state: 'na',
        note: itemNote(why),
        happenedAt: null,
        context: '判定非個資事件',
        byDecision: true,
      });
    }
    await tx.incidents.update(incidentId, { notBreachAt: now, closedAt: now });
    await appendTimeline(deps, tx, incidentId, {
      actorId: actor.personId,
      actorLabel: actor.displayName,
      type: NOT_BREACH_DECIDED,
      summary:
        `${actor.displayName}（管理人）判定非個資事件：${why}。` +
        `未完成的 ${open.length} 項檢核項目標示不適用，法定期限與提醒停止；事件紀錄依規定保存`,
      detail: {
        reason: why,
        previousStatus: incident.status,
        settled: open.map((i) => i.key),
        bureauReportSubmitted: incident.bureauSubmittedAt?.toISOString() ?? null,
        recordedAt: now.toISOString(),
      },
    });
    await moveStatus(deps, tx, incident, 'closed', actor, '經管理人判定非個資事件');
  });
  await hooks.changed(incidentId, 'status:closed');
  return hooks.get(incidentId);
}

/** A short closing note (結案說明) for the record, or to follow a report already sent to the bureau. */
export function notBreachNote(view: IncidentView, reason: string, decidedBy: string, schoolName: string): string {
  const i = view.incident;
  const lines = [
    `${schoolName}　事件 ${i.ref} 結案說明（非個資事件）`,
    `通報：${formatRocDateTime(i.createdAt)}（${view.playbook.title}；知悉時間 ${formatRocDateTime(i.awareAt)}）`,
    `判定：${i.notBreachAt ? formatRocDateTime(i.notBreachAt) : ''} 經管理人 ${decidedBy} 判定非個資事件。`,
    `理由：${reason}`,
    `處置：未完成的檢核項目已標示不適用（理由同上）；法定期限與提醒停止。事件紀錄與時間軸依規定保存（至少5年）。`,
  ];
  if (i.bureauSubmittedAt) lines.push(`已於 ${formatRocDate(i.bureauSubmittedAt)} 通報主管機關：請以本說明函知後續。`);
  lines.push(`目前狀態：${STATUS_LABELS[i.status as IncidentStatus]}（判定非個資事件）`);
  return lines.join('\n');
}
