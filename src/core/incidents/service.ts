import type { Incident, ChecklistItem as ChecklistRow, Prisma } from '../../generated/prisma/client.js';
import { computeClocks, type ComputedClock } from '../clocks/index.js';
import type { CoreDeps } from '../context.js';
import { newId } from '../ids.js';
import { itemApplies, type ResolvedPlaybook } from '../playbooks/index.js';
import { can, type Actor } from '../roles.js';
import { appendTimeline } from '../timeline/timeline.js';
import { formatRocDateTime, rocYear } from '../time/roc.js';
import {
  STATUS_LABELS,
  UserError,
  type Assessment,
  type ChecklistState,
  type IncidentStatus,
  type IntakeAnswers,
} from './types.js';

type Tx = Prisma.TransactionClient;

/** An incident with its sensitive fields decrypted, its checklist and its clocks computed now. */
export interface IncidentView {
  incident: Incident;
  status: IncidentStatus;
  howLeaked: string;
  place: string;
  stepsTaken: string;
  playbook: ResolvedPlaybook;
  checklist: ChecklistView[];
  clocks: ComputedClock[];
  reporterName: string;
  categoryLabel: (key: string) => string;
}

export interface ChecklistView {
  row: ChecklistRow;
  state: ChecklistState;
  note: string | null;
  doneByName: string | null;
  detail: string;
  basis: string;
  naAllowed: boolean;
  requiresEvidence: string | null;
}

const aad = (incidentId: string, field: string) => `incident:${incidentId}:${field}`;

export class IncidentService {
  constructor(private readonly deps: CoreDeps) {}

  /** Opens an incident from a completed intake: checklist from the playbook, clocks, timeline. */
  async report(reporter: Actor, conversationId: string | null, answers: IntakeAnswers): Promise<IncidentView> {
    const { deps } = this;
    if (!can(reporter, 'incident.report')) throw new UserError('您的身分無法通報事件，請洽個資聯絡窗口。');
    const playbook = deps.playbooks.get(answers.scenario);
    const school = await deps.prisma.school.findUniqueOrThrow({ where: { id: reporter.schoolId } });
    const flags = this.categoryFlags(answers.categories);
    const facts = { involvesSystem: answers.involvesSystem, specialCategories: flags.special, biometric: flags.biometric };
    const items = playbook.checklist.filter((item) => itemApplies(item, facts));
    const id = newId();
    const enc = (field: string, value: string) => deps.cipher.encrypt(value, aad(id, field));

    await deps.prisma.$transaction(async (tx) => {
      const ref = await this.nextRef(tx, reporter.schoolId, answers.awareAt);
      await tx.incident.create({
        data: {
          id,
          schoolId: reporter.schoolId,
          ref,
          status: 'reported',
          playbookId: playbook.id,
          reporterId: reporter.personId,
          conversationId,
          occurredAt: answers.occurredAt,
          awareAt: answers.awareAt,
          involvesSystem: answers.involvesSystem,
          categories: answers.categories,
          specialCategories: flags.special,
          biometric: flags.biometric,
          affectedEstimate: answers.affectedEstimate,
          affectedKinds: answers.affectedKinds,
          clockProfile: school.clockProfile,
          howLeakedEnc: enc('howLeaked', answers.howLeaked),
          placeEnc: enc('place', answers.place),
          stepsTakenEnc: enc('stepsTaken', answers.stepsTaken),
        },
      });
      await tx.checklistItem.createMany({ data: checklistRows(items, id, reporter.personId, 0) });
      await appendTimeline(deps, tx, id, {
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
          affectedKinds: answers.affectedKinds,
          involvesSystem: answers.involvesSystem,
          stepsTaken: answers.stepsTaken,
          ...(answers.approximateTimes?.length ? { approximateTimes: answers.approximateTimes } : {}),
          checklist: items.map((i) => i.key),
        },
      });
    });
    const view = await this.get(id);
    // Record what the product told people about the deadlines at the moment of the report.
    await deps.prisma.$transaction(async (tx) => {
      await appendTimeline(deps, tx, id, {
        actorId: null,
        actorLabel: '系統',
        type: 'clocks.computed',
        summary: `計算法定時限：${view.clocks.filter((c) => c.applies && c.enabled && !c.pending).length} 項`,
        detail: { clocks: view.clocks.map(clockRecord) },
      });
    });
    await this.changed(id, 'reported');
    return view;
  }

  async get(incidentId: string): Promise<IncidentView> {
    const { deps } = this;
    const incident = await deps.prisma.incident.findUnique({ where: { id: incidentId } });
    if (!incident) throw new UserError('找不到這個事件。');
    const rows = await deps.prisma.checklistItem.findMany({ where: { incidentId }, orderBy: { position: 'asc' } });
    const people = await deps.prisma.person.findMany({
      where: { id: { in: [incident.reporterId, ...rows.map((r) => r.doneById).filter((x): x is string => !!x)] } },
    });
    const nameOf = (id: string | null) => (id ? (people.find((p) => p.id === id)?.displayName ?? '（已移除）') : null);
    const playbook = deps.playbooks.get(incident.playbookId);
    const dec = (field: string, value: string) => deps.cipher.decrypt(value, aad(incidentId, field));
    const checklist = rows.map((row): ChecklistView => {
      const def = playbook.checklist.find((i) => i.key === row.key);
      return {
        row,
        state: row.state as ChecklistState,
        note: row.noteEnc ? dec(`checklist:${row.key}`, row.noteEnc) : null,
        doneByName: nameOf(row.doneById),
        detail: def?.detail ?? '',
        basis: def?.basis ?? '',
        naAllowed: def?.naAllowed ?? true,
        requiresEvidence: def?.requiresEvidence ?? null,
      };
    });
    return {
      incident,
      status: incident.status as IncidentStatus,
      howLeaked: dec('howLeaked', incident.howLeakedEnc),
      place: dec('place', incident.placeEnc),
      stepsTaken: dec('stepsTaken', incident.stepsTakenEnc),
      playbook,
      checklist,
      clocks: this.clocksOf(incident),
      reporterName: nameOf(incident.reporterId) ?? '',
      categoryLabel: (key: string) => deps.playbooks.category(key)?.label ?? key,
    };
  }

  async findByRef(schoolId: string, ref: string): Promise<Incident | null> {
    return this.deps.prisma.incident.findUnique({ where: { schoolId_ref: { schoolId, ref } } });
  }

  async listOpen(schoolId: string): Promise<Incident[]> {
    return this.deps.prisma.incident.findMany({
      where: { schoolId, status: { not: 'closed' } },
      orderBy: { awareAt: 'desc' },
    });
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
      },
      {
        calendar: deps.calendar,
        profile: incident.clockProfile,
        overrides: (incident.clockOverrides ?? {}) as Record<string, boolean>,
        now: deps.now(),
      },
    );
  }

  /** Ticks a checklist item done or not applicable (with a reason), or reopens it. */
  async setChecklistState(
    actor: Actor,
    itemId: string,
    state: ChecklistState,
    note: string | null,
  ): Promise<{ view: IncidentView; item: ChecklistRow; changed: boolean }> {
    const { deps } = this;
    const item = await deps.prisma.checklistItem.findUnique({ where: { id: itemId } });
    if (!item) throw new UserError('找不到這個檢核項目。');
    const incident = await deps.prisma.incident.findUniqueOrThrow({ where: { id: item.incidentId } });
    this.assertSameSchool(actor, incident);
    if (incident.status === 'closed') throw new UserError(`事件 ${incident.ref} 已結案，不能再變更檢核項目。`);
    if (!can(actor, 'incident.act', { isOwner: item.ownerPersonId === actor.personId })) {
      throw new UserError('只有應變人員（個資聯絡窗口、資訊組、資料管理人、校長）或該項目負責人可以勾選。');
    }
    if (state === 'na' && !note?.trim()) throw new UserError('標示「不適用」時必須說明原因。');
    if (item.state === state && state !== 'open') {
      return { view: await this.get(incident.id), item, changed: false };
    }
    const updated = await deps.prisma.$transaction(async (tx) => {
      const row = await tx.checklistItem.update({
        where: { id: itemId },
        data: {
          state,
          noteEnc: note ? deps.cipher.encrypt(note, aad(incident.id, `checklist:${item.key}`)) : null,
          doneById: state === 'open' ? null : actor.personId,
          doneAt: state === 'open' ? null : deps.now(),
        },
      });
      const verb = state === 'done' ? '完成' : state === 'na' ? '標示不適用' : '重新開啟';
      await appendTimeline(deps, tx, incident.id, {
        actorId: actor.personId,
        actorLabel: actor.displayName,
        type: `checklist.${state}`,
        summary: `${actor.displayName} ${verb}：${item.title}`,
        detail: { item: item.key, state, note, previous: item.state },
      });
      // Finishing the cyber-incident damage control / recovery is the fact that starts the 1-month investigation
      // report (clock trigger `recovered`); reopening the item takes that fact back if the item had set it.
      if (item.completesClock === 'cyber-recover') {
        if (state === 'done' && !incident.recoveredAt) {
          await tx.incident.update({ where: { id: incident.id }, data: { recoveredAt: row.doneAt } });
        } else if (state !== 'done' && incident.recoveredAt && item.doneAt && incident.recoveredAt.getTime() === item.doneAt.getTime()) {
          await tx.incident.update({ where: { id: incident.id }, data: { recoveredAt: null } });
        }
      }
      if (incident.status === 'reported' && state !== 'open') {
        await this.moveStatus(tx, incident, 'containing', actor, '開始執行應變措施');
      }
      return row;
    });
    await this.changed(incident.id, 'checklist');
    return { view: await this.get(incident.id), item: updated, changed: true };
  }

  /** Records the assessment of affected categories and head counts (seed 004 pt. 43 item 5). */
  async recordAssessment(actor: Actor, incidentId: string, a: Assessment): Promise<IncidentView> {
    const { deps } = this;
    const incident = await deps.prisma.incident.findUniqueOrThrow({ where: { id: incidentId } });
    this.assertSameSchool(actor, incident);
    if (!can(actor, 'incident.act')) throw new UserError('只有應變人員可以填寫影響評估。');
    if (incident.status === 'closed') throw new UserError(`事件 ${incident.ref} 已結案。`);
    const flags = this.categoryFlags(a.categories);
    const occurredChanged = a.occurredAt && a.occurredAt.getTime() !== incident.occurredAt.getTime();
    if (occurredChanged && a.occurredAt!.getTime() > incident.awareAt.getTime()) {
      throw new UserError('發生時間不能晚於知悉時間。');
    }
    await deps.prisma.$transaction(async (tx) => {
      await tx.incident.update({
        where: { id: incidentId },
        data: {
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
          version: { increment: 1 },
        },
      });
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
      const existing = await tx.checklistItem.findMany({ where: { incidentId }, select: { key: true, position: true } });
      const have = new Set(existing.map((e) => e.key));
      const facts = { involvesSystem: a.involvesSystem, specialCategories: flags.special, biometric: flags.biometric };
      const added = deps.playbooks.get(incident.playbookId).checklist.filter((item) => !have.has(item.key) && itemApplies(item, facts));
      if (added.length > 0) {
        const next = Math.max(-1, ...existing.map((e) => e.position)) + 1;
        await tx.checklistItem.createMany({ data: checklistRows(added, incidentId, incident.reporterId, next) });
        await appendTimeline(deps, tx, incidentId, {
          actorId: actor.personId,
          actorLabel: actor.displayName,
          type: 'checklist.added',
          summary: `依影響評估新增檢核項目：${added.map((i) => i.title).join('、')}`,
          detail: { items: added.map((i) => i.key), facts },
        });
      }
      if (occurredChanged) {
        await appendTimeline(deps, tx, incidentId, {
          actorId: actor.personId,
          actorLabel: actor.displayName,
          type: 'incident.corrected',
          summary: `${actor.displayName} 更正發生時間：${formatRocDateTime(incident.occurredAt)} → ${formatRocDateTime(a.occurredAt!)}`,
          detail: { field: 'occurredAt', from: incident.occurredAt.toISOString(), to: a.occurredAt!.toISOString(), reason: a.correctionReason ?? null },
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
    const incident = await deps.prisma.incident.findUniqueOrThrow({ where: { id: incidentId } });
    this.assertSameSchool(actor, incident);
    const order = ['reported', 'containing', 'assessing', 'notifying', 'handling_ended', 'closed'];
    const from = order.indexOf(incident.status);
    if (order.indexOf(to) <= from) {
      throw new UserError(`事件 ${incident.ref} 目前為「${STATUS_LABELS[incident.status as IncidentStatus]}」，不能改為「${STATUS_LABELS[to]}」。`);
    }
    if (to === 'closed') {
      if (!can(actor, 'incident.close')) throw new UserError('結案須由管理人（校長）核定。');
      if (incident.status !== 'handling_ended') throw new UserError('請先標示「處理結束」，再結案。');
      const open = await deps.prisma.checklistItem.count({ where: { incidentId, state: 'open' } });
      if (open > 0) throw new UserError(`尚有 ${open} 項檢核項目未完成或未標示不適用，不能結案。`);
    } else if (!can(actor, 'incident.coordinate')) {
      throw new UserError('只有個資聯絡窗口或校長可以變更事件階段。');
    }
    await deps.prisma.$transaction(async (tx) => {
      const now = deps.now();
      if (to === 'handling_ended') await tx.incident.update({ where: { id: incidentId }, data: { handlingEndedAt: now } });
      // Moving to notifying without an assessment still means the breach is ascertained.
      if (to === 'notifying' && !incident.breachConfirmedAt) await tx.incident.update({ where: { id: incidentId }, data: { breachConfirmedAt: now } });
      if (to === 'closed') await tx.incident.update({ where: { id: incidentId }, data: { closedAt: now } });
      await this.moveStatus(tx, incident, to, actor, to === 'handling_ended' ? '處理結束，開始計算1個月結案報告期限' : '');
    });
    await this.changed(incidentId, `status:${to}`);
    return this.get(incidentId);
  }

  /** Tells the listener (reminder scheduling, src/jobs) about a committed change; its failure never undoes the change. */
  private async changed(incidentId: string, reason: string): Promise<void> {
    try {
      await this.deps.onIncidentChanged?.({ incidentId, reason });
    } catch (err) {
      this.deps.log.error({ err, incidentId, reason }, 'incident change listener failed');
    }
  }

  private async moveStatus(tx: Tx, incident: Incident, to: IncidentStatus, actor: Actor, why: string) {
    await tx.incident.update({ where: { id: incident.id }, data: { status: to, version: { increment: 1 } } });
    await appendTimeline(this.deps, tx, incident.id, {
      actorId: actor.personId,
      actorLabel: actor.displayName,
      type: 'incident.status',
      summary: `事件階段：${STATUS_LABELS[incident.status as IncidentStatus]} → ${STATUS_LABELS[to]}${why ? `（${why}）` : ''}`,
      detail: { from: incident.status, to },
    });
    incident.status = to;
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
    await tx.$queryRaw`SELECT id FROM school WHERE id = ${schoolId} FOR UPDATE`;
    const n = await tx.incident.count({ where: { schoolId, ref: { startsWith: prefix } } });
    return `${prefix}${String(n + 1).padStart(3, '0')}`;
  }
}

function checklistRows(items: ResolvedPlaybook['checklist'], incidentId: string, reporterId: string, firstPosition: number) {
  return items.map((item, i) => ({
    id: newId(),
    incidentId,
    key: item.key,
    position: firstPosition + i,
    title: item.title,
    phase: item.phase,
    ownerRole: item.ownerRole,
    ownerPersonId: item.ownerRole === 'unit' ? reporterId : null,
    clockId: item.clock ?? null,
    completesClock: item.completesClock ?? null,
  }));
}

export function totalAffected(i: Pick<Incident, 'studentsCount' | 'guardiansCount' | 'staffCount' | 'othersCount' | 'affectedEstimate'>): number | null {
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
