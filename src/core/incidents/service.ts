import type {
  ChecklistItemRecord as ChecklistRow,
  IncidentRecord as Incident,
  NewChecklistItem,
  Repositories,
} from '../../ports/repositories/index.js';
import { bindingSourcesOrAll, computeClocks, describeBasisText, resolveEnabled, type ComputedClock } from '../clocks/index.js';
import type { CoreDeps } from '../context.js';
import { newId } from '../ids.js';
import { itemApplies, type ResolvedPlaybook } from '../playbooks/index.js';
import { can, type Actor } from '../roles.js';
import { appendTimeline, appendTimelineEntries } from '../timeline/timeline.js';
import { formatRocDateTime, rocYear } from '../time/roc.js';
import { clockTimeProblem, type ClockTimeField } from './times.js';
import {
  aad,
  correctTime,
  endHandling,
  moveStatus,
  recordWindowReport,
  setItemState,
  type Hooks,
  type ItemResolution,
  type ItemStateOptions,
} from './lifecycle.js';
import type { CyberLevelChange } from './cyber-level.js';
import type { ChecklistView, IncidentView } from './view.js';
export type { CyberLevelChange } from './cyber-level.js';
export type { ItemResolution } from './lifecycle.js';
import { STATUS_LABELS, UserError, type Assessment, type ChecklistState, type IncidentStatus, type IntakeAnswers } from './types.js';

type Tx = Repositories;

export type { ChecklistView, IncidentView } from './view.js';
export class IncidentService {
  constructor(private readonly deps: CoreDeps) {}

  /** Opens an incident from a completed intake: checklist from the playbook, clocks, timeline. */
  async report(reporter: Actor, conversationId: string | null, answers: IntakeAnswers): Promise<IncidentView> {
    const { deps } = this;
    if (!can(reporter, 'incident.report')) throw new UserError('您的身分無法通報事件，請洽個資聯絡窗口。');
    const playbook = deps.playbooks.get(answers.scenario);
    const school = await deps.repos.schools.find(reporter.schoolId);
    if (!school) throw new Error(`school ${reporter.schoolId} not found`);
    const flags = this.categoryFlags(answers.categories);
    const facts = { involvesSystem: answers.involvesSystem, specialCategories: flags.special, biometric: flags.biometric };
    const enabled = resolveEnabled(deps.clockRules, school.clockProfile);
    const items = playbook.checklist.filter((item) => itemApplies(item, facts) && requiredByProfile(item, enabled));
    const id = newId();
    const enc = (field: string, value: string) => deps.cipher.encrypt(value, aad(id, field));

    await deps.repos.transaction(async (tx) => {
      const ref = await this.nextRef(tx, reporter.schoolId, answers.awareAt);
      const incident = await tx.incidents.create({
        id,
        schoolId: reporter.schoolId,
        ref,
        status: 'reported',
        playbookId: playbook.id,
        reporterId: reporter.personId,
        conversationId,
        occurredAt: answers.occurredAt,
        awareAt: answers.awareAt,
        approximateTimes: (answers.approximateTimes ?? []).filter((f) => f === 'occurredAt' || f === 'awareAt'),
        involvesSystem: answers.involvesSystem,
        categories: answers.categories,
        specialCategories: flags.special,
        biometric: flags.biometric,
        affectedEstimate: answers.affectedEstimate,
        affectedEstimateTextEnc: answers.affectedEstimateText ? enc('affectedEstimateText', answers.affectedEstimateText) : null,
        affectedKinds: answers.affectedKinds,
        clockProfile: school.clockProfile,
        // The product's clock, not the database's: reminders due before the incident existed are never sent.
        createdAt: deps.now(),
        howLeakedEnc: enc('howLeaked', answers.howLeaked),
        placeEnc: enc('place', answers.place),
        stepsTakenEnc: enc('stepsTaken', answers.stepsTaken),
      });
      await tx.checklist.createMany(checklistRows(items, id, reporter.personId, 0));
      // The report and what the product told people about the deadlines at that moment: two entries, one append.
      const clocks = this.clocksOf(incident);
      await appendTimelineEntries(
        deps,
        tx,
        id,
        [
          {
            actorId: reporter.personId,
            actorLabel: reporter.displayName,
            type: 'incident.reported',
            summary: `${reporter.displayName} 通報個資事件 ${ref}（${playbook.title}）`,
            detail: {
              playbook: playbook.id,
              occurredAt: answers.occurredAt.toISOString(),
              awareAt: answers.awareAt.toISOString(),
              howLeaked: answers.howLeaked,
              place: answers.place,
              categories: answers.categories,
              affectedEstimate: answers.affectedEstimate,
              affectedEstimateText: answers.affectedEstimateText ?? null,
              affectedKinds: answers.affectedKinds,
              involvesSystem: answers.involvesSystem,
              stepsTaken: answers.stepsTaken,
              ...(answers.approximateTimes?.length ? { approximateTimes: answers.approximateTimes } : {}),
              checklist: items.map((i) => i.key),
            },
          },
          {
            actorId: null,
            actorLabel: '系統',
            type: 'clocks.computed',
            summary: `計算法定時限：${clocks.filter((c) => c.applies && c.enabled && !c.pending).length} 項`,
            detail: { clocks: clocks.map(clockRecord) },
          },
        ],
        { newIncident: true },
      );
    });
    const view = await this.get(id);
    await this.changed(id, 'reported');
    return view;
  }

  async get(incidentId: string): Promise<IncidentView> {
    const { deps } = this;
    const incident = await deps.repos.incidents.find(incidentId);
    if (!incident) throw new UserError('找不到這個事件。');
    const rows = await deps.repos.checklist.ofIncident(incidentId);
    const people = await deps.repos.people.names([incident.reporterId, ...rows.map((r) => r.doneById).filter((x): x is string => !!x)]);
    const nameOf = (id: string | null) => (id ? (people.find((p) => p.id === id)?.displayName ?? '（已移除）') : null);
    const evidence = await deps.repos.evidence.countsByItem(incidentId);
    const evidenceOf = (key: string) => evidence.find((e) => e.itemKey === key)?.count ?? 0;
    const playbook = deps.playbooks.get(incident.playbookId);
    const dec = (field: string, value: string) => deps.cipher.decrypt(value, aad(incidentId, field));
    // Item bases name rules like the clocks do: those that do not bind this school read 「參考…之作法」 (clocks/bases.ts).
    const binding = bindingSourcesOrAll(deps.clockRules, incident.clockProfile);
    const checklist = rows.map((row): ChecklistView => {
      const def = playbook.checklist.find((i) => i.key === row.key);
      return {
        row,
        state: row.state as ChecklistState,
        note: row.noteEnc ? dec(`checklist:${row.key}`, row.noteEnc) : null,
        doneByName: nameOf(row.doneById),
        detail: def?.detail ?? '',
        basis: def ? describeBasisText(deps.clockRules, def.basis, binding) : '',
        naAllowed: def?.naAllowed ?? true,
        requiresEvidence: def?.requiresEvidence ?? null,
        delayReason: row.delayReasonEnc ? dec(`delay:${row.key}`, row.delayReasonEnc) : null,
        evidenceCount: evidenceOf(row.key),
      };
    });
    return {
      incident,
      status: incident.status as IncidentStatus,
      howLeaked: dec('howLeaked', incident.howLeakedEnc),
      place: dec('place', incident.placeEnc),
      stepsTaken: dec('stepsTaken', incident.stepsTakenEnc),
      affectedEstimateText: incident.affectedEstimateTextEnc ? dec('affectedEstimateText', incident.affectedEstimateTextEnc) : null,
      playbook,
      checklist,
      clocks: this.clocksOf(incident),
      reporterName: nameOf(incident.reporterId) ?? '',
      categoryLabel: (key: string) => deps.playbooks.category(key)?.label ?? key,
    };
  }

  async findByRef(schoolId: string, ref: string): Promise<Incident | null> {
    return this.deps.repos.incidents.findByRef(schoolId, ref);
  }

  async listOpen(schoolId: string): Promise<Incident[]> {
    return this.deps.repos.incidents.openIn(schoolId, 'newest');
  }

  clocksOf(incident: Incident): ComputedClock[] {
    const { deps } = this;
    return computeClocks(
      deps.clockRules,
      {
        occurredAt: incident.occurredAt,
        awareAt: incident.awareAt,
        handlingEndedAt: incident.handlingEndedAt,
        recoveredAt: incident.recoveredAt,
        breachConfirmedAt: incident.breachConfirmedAt,
        involvesSystem: incident.involvesSystem,
        specialCategories: incident.specialCategories || incident.biometric,
        recordsAffected: totalAffected(incident),
        systemRecordsHeld: incident.systemRecordsHeld,
        cyberLevel: incident.cyberLevel as 1 | 2 | 3 | 4 | null,
      },
      {
        calendar: deps.calendar,
        profile: incident.clockProfile,
        overrides: (incident.clockOverrides ?? {}) as Record<string, boolean>,
        now: deps.now(),
      },
    );
  }

  /**
   * Ticks a checklist item done or not applicable (with a reason), or reopens it (lifecycle.ts setItemState: the
   * state checked again under the item's row lock, so two presses at the same moment record one step).
   */
  setChecklistState(
    actor: Actor,
    itemId: string,
    state: ChecklistState,
    note: string | null,
    opts: ItemStateOptions = {},
  ): Promise<{ view: IncidentView; item: ChecklistRow; changed: boolean; levelChange?: CyberLevelChange }> {
    return setItemState(this.deps, this.hooks, actor, itemId, state, note, opts);
  }

  /**
   * Records 遲延原因 on the item that completes a late report (the report was recorded as submitted after its
   * deadline); the timeline keeps each reason given.
   */
  async recordDelayReason(actor: Actor, incidentId: string, key: string, reason: string): Promise<void> {
    const { deps } = this;
    const item = await deps.repos.checklist.findByKey(incidentId, key);
    if (!item) return;
    await deps.repos.transaction(async (tx) => {
      await tx.checklist.update(item.id, { delayReasonEnc: deps.cipher.encrypt(reason, aad(incidentId, `delay:${key}`)) });
      await appendTimeline(deps, tx, incidentId, {
        actorId: actor.personId,
        actorLabel: actor.displayName,
        type: 'checklist.delay-reason',
        summary: `${actor.displayName} 說明「${item.title}」遲延原因`,
        detail: { item: key, delayReason: reason },
      });
    });
  }

  /** Records the assessment of affected categories and head counts (seed 004 pt. 43 item 5). */
  /**
   * `basedOn`: the incident's version the editor was opened on (the console); refused with ASSESSMENT_EDITED_MEANWHILE
   * when the incident changed since, and the update is conditional on that version, so two saves cannot both pass.
   */
  async recordAssessment(actor: Actor, incidentId: string, a: Assessment, opts: { basedOn?: number } = {}): Promise<IncidentView> {
    const { deps } = this;
    const incident = await this.incident(incidentId);
    this.assertSameSchool(actor, incident);
    if (!can(actor, 'incident.act')) throw new UserError('只有應變人員可以填寫影響評估。');
    if (incident.status === 'closed') throw new UserError(`事件 ${incident.ref} 已結案。`);
    const { basedOn } = opts;
    if (basedOn !== undefined && basedOn !== incident.version) throw new AssessmentEditedMeanwhile();
    const flags = this.categoryFlags(a.categories);
    const occurredChanged = a.occurredAt && a.occurredAt.getTime() !== incident.occurredAt.getTime();
    if (occurredChanged) {
      const problem = clockTimeProblem('occurredAt', a.occurredAt!, incident, deps.now());
      if (problem) throw new UserError(problem);
      // The reason belongs to the correction itself (the same timeline entry), so it is asked together with it.
      if (!a.correctionReason?.trim()) throw new UserError('更正發生時間時，請填寫「更正原因」。');
    }
    await deps.repos.transaction(async (tx) => {
      const saved = await tx.incidents.update(
        incidentId,
        {
          categories: a.categories,
          specialCategories: flags.special,
          biometric: flags.biometric,
          studentsCount: a.studentsCount,
          guardiansCount: a.guardiansCount,
          staffCount: a.staffCount,
          othersCount: a.othersCount,
          minorsCount: a.minorsCount,
          involvesSystem: a.involvesSystem,
          systemRecordsHeld: a.systemRecordsHeld,
          ...(occurredChanged ? { occurredAt: a.occurredAt } : {}),
          // The first assessment ascertains the breach (查明): the duty to notify the people starts (個資法第12條).
          ...(incident.breachConfirmedAt ? {} : { breachConfirmedAt: deps.now() }),
        },
        { revise: true, ...(basedOn === undefined ? {} : { ifVersion: basedOn }) },
      );
      if (!saved) throw new AssessmentEditedMeanwhile();
      const total = [a.studentsCount, a.guardiansCount, a.staffCount, a.othersCount].reduce<number>((s, n) => s + (n ?? 0), 0);
      await appendTimeline(deps, tx, incidentId, {
        actorId: actor.personId,
        actorLabel: actor.displayName,
        type: 'assessment.recorded',
        summary: `${actor.displayName} 更新影響評估：${a.categories.length} 類個資，共 ${total} 人`,
        detail: { ...a, occurredAt: a.occurredAt?.toISOString(), special: flags.special, biometric: flags.biometric },
      });
      // Facts learnt in the assessment (an information system, special categories) can bring in items that the
      // intake's answers had left out; items already on the list are kept as they are.
      const existing = await tx.checklist.ofIncident(incidentId);
      const have = new Set(existing.map((e) => e.key));
      const facts = { involvesSystem: a.involvesSystem, specialCategories: flags.special, biometric: flags.biometric };
      const enabled = resolveEnabled(deps.clockRules, incident.clockProfile, (incident.clockOverrides ?? {}) as Record<string, boolean>);
      const added = deps.playbooks
        .get(incident.playbookId)
        .checklist.filter((item) => !have.has(item.key) && itemApplies(item, facts) && requiredByProfile(item, enabled));
      if (added.length > 0) {
        const next = Math.max(-1, ...existing.map((e) => e.position)) + 1;
        await tx.checklist.createMany(checklistRows(added, incidentId, incident.reporterId, next));
        await appendTimeline(deps, tx, incidentId, {
          actorId: actor.personId,
          actorLabel: actor.displayName,
          type: 'checklist.added',
          summary: `依影響評估新增檢核項目：${added.map((i) => i.title).join('、')}`,
          detail: { items: added.map((i) => i.key), facts },
        });
      }
      if (occurredChanged) {
        // The corrected time is the coordinator's statement, no longer the reporter's approximate reading.
        await tx.incidents.update(incidentId, { approximateTimes: incident.approximateTimes.filter((f) => f !== 'occurredAt') });
        await appendTimeline(deps, tx, incidentId, {
          actorId: actor.personId,
          actorLabel: actor.displayName,
          type: 'incident.corrected',
          summary: `${actor.displayName} 更正發生時間：${formatRocDateTime(incident.occurredAt)} → ${formatRocDateTime(a.occurredAt!)}（原因：${a.correctionReason!.trim()}）`,
          detail: {
            field: 'occurredAt',
            from: incident.occurredAt.toISOString(),
            to: a.occurredAt!.toISOString(),
            reason: a.correctionReason!.trim(),
            recordedAt: deps.now().toISOString(),
          },
        });
      }
      if (incident.status === 'reported' || incident.status === 'containing') {
        await this.moveStatus(tx, incident, 'assessing', actor, '完成影響評估');
      }
    });
    await this.changed(incidentId, occurredChanged ? 'occurrence-corrected' : 'assessment');
    return this.get(incidentId);
  }

  /** Moves the lifecycle forward by a coordinator's decision. */
  async advance(actor: Actor, incidentId: string, to: IncidentStatus): Promise<IncidentView> {
    const { deps } = this;
    const incident = await this.incident(incidentId);
    this.assertSameSchool(actor, incident);
    const order = ['reported', 'containing', 'assessing', 'notifying', 'handling_ended', 'closed'];
    const notForward = (status: string) =>
      order.indexOf(to) <= order.indexOf(status)
        ? new UserError(`事件 ${incident.ref} 目前為「${STATUS_LABELS[status as IncidentStatus]}」，不能改為「${STATUS_LABELS[to]}」。`)
        : null;
    const refused = notForward(incident.status);
    if (refused) throw refused;
    if (to === 'closed') {
      if (!can(actor, 'incident.close')) throw new UserError('結案須由管理人（校長）核定。');
      if (incident.status !== 'handling_ended') throw new UserError('請先標示「處理結束」，再結案。');
      const open = await deps.repos.checklist.countOpen(incidentId);
      if (open > 0) throw new UserError(`尚有 ${open} 項檢核項目未完成或未標示不適用，不能結案。`);
    } else if (to === 'handling_ended') {
      // Ending handling needs its real time and every open item resolved: see endHandling.
      return this.endHandling(actor, incidentId, { endedAt: deps.now(), resolutions: [] });
    } else if (!can(actor, 'incident.coordinate')) {
      throw new UserError('只有個資聯絡窗口或校長可以變更事件階段。');
    }
    await deps.repos.transaction(async (tx) => {
      // The status as it is now, the incident's row locked: a button tapped twice at the same moment moves it once.
      await tx.incidents.lock(incidentId);
      const current = (await tx.incidents.find(incidentId)) ?? incident;
      const stale = notForward(current.status);
      if (stale) throw stale;
      const now = deps.now();
      // Moving to notifying without an assessment still means the breach is ascertained.
      if (to === 'notifying' && !current.breachConfirmedAt) await tx.incidents.update(incidentId, { breachConfirmedAt: now });
      if (to === 'closed') await tx.incidents.update(incidentId, { closedAt: now });
      await this.moveStatus(tx, current, to, actor, '');
    });
    await this.changed(incidentId, `status:${to}`);
    return this.get(incidentId);
  }

  /** Ends handling at its real time, every open item resolved (lifecycle.ts). */
  endHandling(actor: Actor, incidentId: string, input: { endedAt: Date; resolutions: ItemResolution[] }): Promise<IncidentView> {
    return endHandling(this.deps, this.hooks, actor, incidentId, input);
  }

  /** Corrects a clock-starting time; the reason is kept on the correction's own timeline entry (lifecycle.ts). */
  correctTime(actor: Actor, incidentId: string, field: ClockTimeField, to: Date, reason: string): Promise<IncidentView> {
    return correctTime(this.deps, this.hooks, actor, incidentId, field, to, reason);
  }

  /** The incident reached a contact window through the bot: the 4-hour report to the window is done (lifecycle.ts). */
  recordWindowReport(incidentId: string, deliveredAt: Date, where: string): Promise<boolean> {
    return recordWindowReport(this.deps, this.hooks, incidentId, deliveredAt, where);
  }

  readonly hooks: Hooks = { get: (id) => this.get(id), changed: (id, reason) => this.changed(id, reason) };

  /** Tells the listener (reminder scheduling, src/jobs) about a committed change; its failure never undoes the change. */
  private async changed(incidentId: string, reason: string): Promise<void> {
    try {
      await this.deps.onIncidentChanged?.({ incidentId, reason });
    } catch (err) {
      this.deps.log.error({ err, incidentId, reason }, 'incident change listener failed');
    }
  }

  private moveStatus(tx: Tx, incident: Incident, to: IncidentStatus, actor: Actor, why: string) {
    return moveStatus(this.deps, tx, incident, to, actor, why);
  }

  /** The incident by id, which the caller knows exists (from a row or a view just read). */
  private async incident(id: string): Promise<Incident> {
    const incident = await this.deps.repos.incidents.find(id);
    if (!incident) throw new Error(`incident ${id} not found`);
    return incident;
  }

  private assertSameSchool(actor: Actor, incident: Incident) {
    if (actor.schoolId !== incident.schoolId) throw new UserError('找不到這個事件。');
  }

  private categoryFlags(keys: string[]) {
    const cats = keys.map((k) => this.deps.playbooks.category(k)).filter((c) => !!c);
    return { special: cats.some((c) => c.special), biometric: cats.some((c) => c.biometric) };
  }

  /** Incident numbers run per school and ROC year: 115-001, 115-002, … */
  private async nextRef(tx: Tx, schoolId: string, at: Date): Promise<string> {
    const prefix = `${rocYear(at)}-`;
    const n = await tx.incidents.countRefsLocked(schoolId, prefix);
    return `${prefix}${String(n + 1).padStart(3, '0')}`;
  }
}

/**
 * A reporting step whose deadline the school's rule profile switches off (the cyber investigation report for a
 * private school) is not asked: the checklist and the clocks the school sees agree. Measures are always asked.
 */
export function requiredByProfile(item: ResolvedPlaybook['checklist'][number], enabled: Map<string, boolean>): boolean {
  return !(item.phase === 'report' && item.completesClock && enabled.get(item.completesClock) === false);
}

/**
 * The reporter is made the personal owner only of the unit's first steps (contain, report to the window, assess what
 * leaked): what the person at hand can do at once. Notifying the people, analysing the cause and the improvements are
 * the institution's (the contact window, the principal, the data manager: legal-rules §1 subjects-notify, §6), never
 * handed to the person who may have caused the breach, whatever role a playbook gives them.
 */
const REPORTER_PHASES: ReadonlySet<string> = new Set(['contain', 'report', 'assess']);

function checklistRows(
  items: ResolvedPlaybook['checklist'],
  incidentId: string,
  reporterId: string,
  firstPosition: number,
): NewChecklistItem[] {
  return items.map((item, i) => ({
    id: newId(),
    incidentId,
    key: item.key,
    position: firstPosition + i,
    title: item.title,
    phase: item.phase,
    ownerRole: item.ownerRole,
    ownerPersonId: item.ownerRole === 'unit' && REPORTER_PHASES.has(item.phase) ? reporterId : null,
    clockId: item.clock ?? null,
    completesClock: item.completesClock ?? null,
  }));
}

export function totalAffected(
  i: Pick<Incident, 'studentsCount' | 'guardiansCount' | 'staffCount' | 'othersCount' | 'affectedEstimate'>,
): number | null {
  const counts = [i.studentsCount, i.guardiansCount, i.staffCount, i.othersCount];
  if (counts.every((c) => c === null)) return i.affectedEstimate;
  return counts.reduce<number>((s, n) => s + (n ?? 0), 0);
}

function clockRecord(c: ComputedClock) {
  return {
    id: c.id,
    enabled: c.enabled,
    applies: c.applies,
    statutoryEnd: c.statutoryEnd?.toISOString() ?? null,
    recommendedBy: c.recommendedBy?.toISOString() ?? null,
    overdueAtAwareness: c.overdueAtAwareness,
  };
}

export const ASSESSMENT_EDITED_MEANWHILE = '影響評估在您開啟表單之後已有人更新（或事件有其他變動），請看過目前的內容後再儲存。';

/** A save of the assessment based on an older version of the incident (the console's editor): a 409 there. */
export class AssessmentEditedMeanwhile extends UserError {
  constructor() {
    super(ASSESSMENT_EDITED_MEANWHILE);
  }
}
