import type { ChecklistItemRecord as ChecklistRow, IncidentRecord as Incident, Repositories } from '../../ports/repositories/index.js';
import type { CoreDeps } from '../context.js';
import { can, type Actor } from '../roles.js';
import { appendTimeline } from '../timeline/timeline.js';
import { formatRocDateTime } from '../time/roc.js';
import { CLOCK_TIMES, clockTimeProblem, notAfterNow, settledBeforeEnding, type ClockTimeField } from './times.js';
import { recordLevelChange, type CyberLevelChange } from './cyber-level.js';
import { itemActRefusal } from './item-roles.js';
import { asksOf, itemFactsData, type ItemFacts } from './item-facts.js';
import { ItemChangedMeanwhile, itemBasis, STATUS_LABELS, UserError, type ChecklistState, type IncidentStatus } from './types.js';
import type { IncidentView } from './view.js';

/*
 * The incident's lifecycle facts that start or stop clocks: ticking an item (with the real recovery time), ending
 * handling at its real time with every open item resolved, correcting a clock-starting time with its reason, and the
 * report that reached the contact window through the bot. IncidentService delegates here (one home per concern).
 */

type Tx = Repositories;

/** What the service lends these functions: re-reading the incident, and telling the reminder scheduler. */
export interface Hooks {
  get(incidentId: string): Promise<IncidentView>;
  changed(incidentId: string, reason: string): Promise<void>;
}

/** How an open item is settled when handling ends: done (with what was done) or not applicable (with why). */
export interface ItemResolution {
  itemId: string;
  state: 'done' | 'na';
  note: string | null;
  /** The real completion time, for the item that completes the cyber recovery. */
  happenedAt?: Date | null;
}

export const aad = (incidentId: string, field: string) => `incident:${incidentId}:${field}`;

/** The incident by id, which the caller knows exists (it holds the id from a card or a row just read). */
async function existing(deps: CoreDeps, incidentId: string): Promise<Incident> {
  const incident = await deps.repos.incidents.find(incidentId);
  if (!incident) throw new Error(`incident ${incidentId} not found`);
  return incident;
}

function assertSameSchool(actor: Actor, incident: Incident) {
  if (actor.schoolId !== incident.schoolId) throw new UserError('找不到這個事件。');
}

/**
 * happenedAt: the real completion time of an item that starts a clock (cyber recovery); facts: what the item asks
 * besides the note (playbook `asks`: plan, cyber level, delay reason, item-facts.ts); basis: the item's state the page
 * the step was taken on showed (itemBasis, the console).
 */
export interface ItemStateOptions {
  happenedAt?: Date;
  facts?: ItemFacts;
  basis?: string;
}

/**
 * Ticks a checklist item done or not applicable (with a reason), or reopens it. For the item that completes the
 * cyber-incident damage control / recovery, `happenedAt` is the real time it was completed (asked in chat,
 * prefilled with now): it starts the 1-month investigation report.
 *
 * The item's state is checked again inside the transaction, its row locked (ChecklistRepository.lockFind): with
 * `basis` (itemBasis of the page the step was taken on, the console) a change since is refused with
 * ItemChangedMeanwhile; without it (chat's buttons), the state read when the step began is the basis, and a step
 * that finds the item already in the state asked (a double tap on 完成 or 重新開啟: two webhooks at the same moment)
 * changes nothing (`changed` false). Of two such steps at the same moment exactly one is recorded.
 */
export async function setItemState(
  deps: CoreDeps,
  hooks: Hooks,
  actor: Actor,
  itemId: string,
  state: ChecklistState,
  note: string | null,
  opts: ItemStateOptions = {},
): Promise<{ view: IncidentView; item: ChecklistRow; changed: boolean; levelChange?: CyberLevelChange }> {
  const item = await deps.repos.checklist.find(itemId);
  if (!item) throw new UserError('找不到這個檢核項目。');
  const incident = await existing(deps, item.incidentId);
  assertSameSchool(actor, incident);
  if (incident.status === 'closed') throw new UserError(`事件 ${incident.ref} 已結案，不能再變更檢核項目。`);
  const refusal = itemActRefusal(deps.playbooks.get(incident.playbookId), actor, item);
  if (refusal) throw new UserError(refusal);
  if (opts.basis !== undefined && opts.basis !== itemBasis(item)) throw new ItemChangedMeanwhile(item.title);
  if (item.state === state && state !== 'open' && opts.basis === undefined) {
    return { view: await hooks.get(incident.id), item, changed: false };
  }
  const extra = itemFactsData(asksOf(deps.playbooks.get(incident.playbookId), item.key), item, state, opts.facts ?? {}, deps.now());
  const seen = opts.basis ?? itemBasis(item);
  let levelChange: CyberLevelChange | undefined;
  const updated = await deps.repos.transaction(async (tx) => {
    const now = await tx.checklist.lockFind(itemId);
    if (!now) throw new UserError('找不到這個檢核項目。');
    if (itemBasis(now) !== seen) {
      if (opts.basis === undefined && now.state === state) return null;
      throw new ItemChangedMeanwhile(item.title);
    }
    const row = await applyItemState(deps, tx, incident, now, actor, { state, note, happenedAt: opts.happenedAt ?? null, extra });
    // The incident's status as it is now (applyItemState's timeline entry holds its row): two items ticked at the
    // same moment move it once.
    const fresh = await tx.incidents.find(incident.id);
    if (fresh?.status === 'closed') throw new UserError(`事件 ${incident.ref} 已結案，不能再變更檢核項目。`);
    if (fresh?.status === 'reported' && state !== 'open') {
      await moveStatus(deps, tx, fresh, 'containing', actor, '開始執行應變措施');
    }
    // A level changed after the platform report asks for a 續報 (cyber-level.ts).
    levelChange = await recordLevelChange(deps, tx, incident, actor, incident.cyberLevel, extra.cyberLevel);
    return row;
  });
  if (!updated) return { view: await hooks.get(incident.id), item: (await deps.repos.checklist.find(itemId)) ?? item, changed: false };
  await hooks.changed(incident.id, 'checklist');
  return { view: await hooks.get(incident.id), item: updated, changed: true, ...(levelChange ? { levelChange } : {}) };
}

/**
 * One item's new state and its timeline entry, inside the caller's transaction (a tick, or a resolution given when
 * handling ends). Completing the cyber recovery sets the incident's recoveredAt to the real time given; reopening
 * it takes that fact back.
 */
export async function applyItemState(
  deps: CoreDeps,
  tx: Tx,
  incident: Incident,
  item: ChecklistRow,
  actor: Actor,
  change: {
    state: ChecklistState;
    note: string | null;
    happenedAt: Date | null;
    context?: string;
    /** The item's asked facts, already validated (item-facts.ts itemFactsData): plan and its state, cyber level, delay reason. */
    extra?: ReturnType<typeof itemFactsData>;
    /** The 管理人's decision that the incident is not a breach settles every open item, even one not otherwise 不適用. */
    byDecision?: boolean;
  },
): Promise<ChecklistRow> {
  const extra = change.extra ?? {};
  const { state } = change;
  const note = change.note?.trim() || null;
  const def = deps.playbooks.get(incident.playbookId).checklist.find((i) => i.key === item.key);
  if (state === 'na' && !note) throw new UserError(`「${item.title}」標示「不適用」時必須說明原因。`);
  if (state === 'na' && def?.naAllowed === false && !change.byDecision)
    throw new UserError(`「${item.title}」不能標示不適用，請完成後勾選「完成」。`);
  const now = deps.now();
  const recovers = item.completesClock === 'cyber-recover';
  let recoveredAt: Date | null | undefined;
  if (recovers && state === 'done') {
    const at = change.happenedAt ?? now;
    const problem = clockTimeProblem('recoveredAt', at, incident, now);
    if (problem) throw new UserError(problem);
    recoveredAt = notAfterNow(at, now);
  } else if (change.happenedAt) {
    throw new UserError(`「${item.title}」不需要填寫完成時間。`);
  }
  const row = await tx.checklist.update(item.id, {
    state,
    noteEnc: note ? deps.cipher.encrypt(note, aad(incident.id, `checklist:${item.key}`)) : null,
    doneById: state === 'open' ? null : actor.personId,
    doneAt: state === 'open' ? null : now,
    ...('plannedOn' in extra ? { plannedOn: extra.plannedOn ?? null, planState: extra.planState ?? null } : {}),
    ...(extra.delayReason ? { delayReasonEnc: deps.cipher.encrypt(extra.delayReason, aad(incident.id, `delay:${item.key}`)) } : {}),
  });
  if (extra.cyberLevel) await tx.incidents.update(incident.id, { cyberLevel: extra.cyberLevel }, { revise: true });
  const verb = state === 'done' ? '完成' : state === 'na' ? '標示不適用' : '重新開啟';
  await appendTimeline(deps, tx, incident.id, {
    actorId: actor.personId,
    actorLabel: actor.displayName,
    type: `checklist.${state}`,
    summary:
      `${actor.displayName} ${verb}：${item.title}` +
      (recoveredAt ? `（實際完成時間 ${formatRocDateTime(recoveredAt)}）` : '') +
      (change.context ? `（${change.context}）` : ''),
    detail: {
      item: item.key,
      state,
      note,
      previous: item.state,
      recordedAt: now.toISOString(),
      ...(recoveredAt ? { recoveredAt: recoveredAt.toISOString() } : {}),
      ...(change.context ? { context: change.context } : {}),
      ...(extra.plannedOn ? { plannedOn: extra.plannedOn.toISOString(), planState: extra.planState } : {}),
      ...(extra.cyberLevel ? { cyberLevel: extra.cyberLevel, previousCyberLevel: incident.cyberLevel } : {}),
      ...(extra.delayReason ? { delayReason: extra.delayReason } : {}),
    },
  });
  // Finishing the cyber-incident damage control / recovery is the fact that starts the 1-month investigation
  // report (clock trigger `recovered`); reopening the item takes that fact back.
  if (recovers && recoveredAt && !incident.recoveredAt) {
    await tx.incidents.update(incident.id, { recoveredAt });
    incident.recoveredAt = recoveredAt;
  } else if (recovers && state !== 'done' && incident.recoveredAt) {
    const others = await tx.checklist.countDoneCompleting(incident.id, 'cyber-recover', item.id);
    if (others === 0) {
      await tx.incidents.update(incident.id, { recoveredAt: null });
      incident.recoveredAt = null;
    }
  }
  return row;
}

export async function moveStatus(deps: CoreDeps, tx: Tx, incident: Incident, to: IncidentStatus, actor: Actor, why: string) {
  await tx.incidents.update(incident.id, { status: to }, { revise: true });
  await appendTimeline(deps, tx, incident.id, {
    actorId: actor.personId,
    actorLabel: actor.displayName,
    type: 'incident.status',
    summary: `事件階段：${STATUS_LABELS[incident.status as IncidentStatus]} → ${STATUS_LABELS[to]}${why ? `（${why}）` : ''}`,
    detail: { from: incident.status, to },
  });
  incident.status = to;
}

/**
 * Ends handling (處理結束) at its real time, which starts the 1-month closure report: `endedAt` may be earlier than
 * now, never in the future nor before awareness. Every item still open must be resolved in the same act — done, or
 * not applicable with a reason — so an incident never ends with, say, the notification of the people concerned
 * silently left undone. The timeline keeps both the real time and when it was recorded.
 */
export async function endHandling(
  deps: CoreDeps,
  hooks: Hooks,
  actor: Actor,
  incidentId: string,
  input: { endedAt: Date; resolutions: ItemResolution[] },
): Promise<IncidentView> {
  const incident = await existing(deps, incidentId);
  assertSameSchool(actor, incident);
  if (!can(actor, 'incident.coordinate')) throw new UserError('只有個資聯絡窗口或校長可以變更事件階段。');
  const ended = (status: string) => status === 'handling_ended' || status === 'closed';
  const alreadyEnded = (status: string) =>
    new UserError(`事件 ${incident.ref} 目前為「${STATUS_LABELS[status as IncidentStatus]}」，不能再標示處理結束。`);
  if (ended(incident.status)) throw alreadyEnded(incident.status);
  const now = deps.now();
  const problem = clockTimeProblem('handlingEndedAt', input.endedAt, incident, now);
  if (problem) throw new UserError(problem);
  const endedAt = notAfterNow(input.endedAt, now);
  const open = (await deps.repos.checklist.openOf(incidentId)).filter((i) => settledBeforeEnding(i, deps.clockRules));
  const byId = new Map(input.resolutions.map((r) => [r.itemId, r]));
  const missing = open.filter((i) => !byId.has(i.id));
  if (missing.length > 0) {
    throw new UserError(
      `尚有 ${missing.length} 項檢核項目未處理：${missing.map((i) => `「${i.title}」`).join('、')}。` +
        '處理結束前，請逐項標示「完成」或「不適用」（不適用須說明原因）。',
    );
  }
  await deps.repos.transaction(async (tx) => {
    // Checked again as they are now, the items' rows and then the incident's locked (the order a tick takes them in):
    // a 處理結束 sent twice at the same moment ends handling once; an item settled meanwhile is not settled again.
    const fresh: (ChecklistRow | null)[] = [];
    for (const item of open) fresh.push(await tx.checklist.lockFind(item.id));
    await tx.incidents.lock(incidentId);
    const status = (await tx.incidents.find(incidentId))?.status ?? incident.status;
    if (ended(status)) throw alreadyEnded(status);
    const moved = open.find((_, i) => fresh[i]?.state !== 'open');
    if (moved) throw new ItemChangedMeanwhile(moved.title);
    for (const item of open) {
      const r = byId.get(item.id)!;
      await applyItemState(deps, tx, incident, item, actor, {
        state: r.state,
        note: r.note,
        happenedAt: r.happenedAt ?? null,
        context: '處理結束時確認',
      });
    }
    await tx.incidents.update(incidentId, { handlingEndedAt: endedAt });
    await appendTimeline(deps, tx, incidentId, {
      actorId: actor.personId,
      actorLabel: actor.displayName,
      type: 'incident.handling-ended',
      summary:
        `${actor.displayName} 記錄處理結束：實際時間 ${formatRocDateTime(endedAt)}（記錄於 ${formatRocDateTime(now)}），` +
        '1個月結案報告期限自該日起算',
      detail: { handlingEndedAt: endedAt.toISOString(), recordedAt: now.toISOString(), resolved: open.map((i) => i.key) },
    });
    await moveStatus(deps, tx, incident, 'handling_ended', actor, '處理結束，開始計算1個月結案報告期限');
  });
  await hooks.changed(incidentId, 'status:handling_ended');
  return hooks.get(incidentId);
}

/**
 * Corrects a time that starts a clock (occurrence, awareness, ascertained, recovered, handling ended). The reason is
 * required and kept on the correction's own timeline entry, with the old and new values and when it was recorded;
 * the clocks and reminders are recomputed from the new value.
 */
export async function correctTime(
  deps: CoreDeps,
  hooks: Hooks,
  actor: Actor,
  incidentId: string,
  field: ClockTimeField,
  to: Date,
  reason: string,
): Promise<IncidentView> {
  const incident = await existing(deps, incidentId);
  assertSameSchool(actor, incident);
  if (!can(actor, 'incident.coordinate')) throw new UserError('只有個資聯絡窗口或校長可以更正事件時間。');
  if (incident.status === 'closed') throw new UserError(`事件 ${incident.ref} 已結案，不能再更正。`);
  const label = CLOCK_TIMES[field];
  const from = incident[field];
  if (!from) throw new UserError(`尚未記錄「${label}」，沒有可以更正的時間。`);
  const why = reason.trim();
  if (!why) throw new UserError(`更正「${label}」時，請填寫「更正原因」。`);
  const now = deps.now();
  const problem = clockTimeProblem(field, to, incident, now);
  if (problem) throw new UserError(problem);
  const value = notAfterNow(to, now);
  if (value.getTime() === from.getTime()) throw new UserError(`「${label}」沒有變更（${formatRocDateTime(from)}）。`);
  await deps.repos.transaction(async (tx) => {
    // A corrected time is the coordinator's statement, no longer an approximate reading.
    const approximateTimes = incident.approximateTimes.filter((f) => f !== field);
    await tx.incidents.update(incidentId, { [field]: value, approximateTimes }, { revise: true });
    await appendTimeline(deps, tx, incidentId, {
      actorId: actor.personId,
      actorLabel: actor.displayName,
      type: 'incident.corrected',
      summary: `${actor.displayName} 更正${label}：${formatRocDateTime(from)} → ${formatRocDateTime(value)}（原因：${why}）`,
      detail: { field, from: from.toISOString(), to: value.toISOString(), reason: why, recordedAt: now.toISOString() },
    });
  });
  await hooks.changed(incidentId, field === 'occurredAt' ? 'occurrence-corrected' : 'time-corrected');
  return hooks.get(incidentId);
}

/**
 * The incident reached a contact window through the bot (the response group, the incident's room or a window's
 * private chat): that delivery is the report to the 個資聯絡窗口 (seed 004 pt. 45), so the reporting unit's
 * report-to-the-window item is ticked with the delivery time, and its 4-hour reminders stop.
 */
export async function recordWindowReport(
  deps: CoreDeps,
  hooks: Pick<Hooks, 'changed'>,
  incidentId: string,
  deliveredAt: Date,
  where: string,
): Promise<boolean> {
  const incident = await existing(deps, incidentId);
  const item = await deps.repos.checklist.openCompleting(incidentId, 'report-window-4h');
  if (!item || incident.status === 'closed') return false;
  const note = `經由小幫手送達個資聯絡窗口（${where}），${formatRocDateTime(deliveredAt)}`;
  await deps.repos.transaction(async (tx) => {
    await tx.checklist.update(item.id, {
      state: 'done',
      noteEnc: deps.cipher.encrypt(note, aad(incidentId, `checklist:${item.key}`)),
      doneById: incident.reporterId,
      doneAt: deliveredAt,
    });
    await appendTimeline(deps, tx, incidentId, {
      actorId: null,
      actorLabel: '系統',
      type: 'checklist.done',
      summary: `通報已送達個資聯絡窗口（${where}）：自動完成「${item.title}」`,
      detail: {
        item: item.key,
        state: 'done',
        note,
        previous: item.state,
        deliveredAt: deliveredAt.toISOString(),
        recordedAt: deps.now().toISOString(),
      },
    });
  });
  await hooks.changed(incidentId, 'checklist');
  return true;
}
