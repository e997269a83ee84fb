import { createHash } from 'node:crypto';
import type {
  ChecklistItemRecord as ChecklistItem,
  ClockScheduleRecord as ClockSchedule,
  IncidentRecord as Incident,
} from '../ports/repositories/index.js';
import type { ComputedClock } from '../core/clocks/index.js';
import type { CoreDeps } from '../core/context.js';
import { IncidentService } from '../core/incidents/service.js';
import { deliverNotice } from './deliver.js';
import { appendTimeline, appendTimelineEntries } from '../core/timeline/timeline.js';
import { formatRocShort } from '../core/time/roc.js';
import {
  completedBy,
  deliveryRows,
  LATE_MARK,
  ownersOf,
  reminderMessage,
  resolveRecipients,
  slotLabel,
  withMentions,
  type AdapterLookup,
} from './notify.js';
import { OVERDUE_AT_START, clockRuns, planClock, reminderKey, slotsToSchedule, type QuietHours, type ReminderSlot } from './plan.js';

/** A reminder delivered later than this after its planned time is marked 「延遲送達」. */
export const LATE_AFTER_MS = 2 * 60_000;

export interface ReminderJobData {
  incidentId: string;
  clockId: string;
  slot: string;
  /** ISO instant the reminder was planned for. */
  fireAt: string;
}

export interface QueuedReminder {
  id: string;
  key: string;
  data: ReminderJobData;
  startAfter: Date;
}

/** The durable queue underneath (pg-boss in the product, src/jobs/runner.ts); adding the same id twice is a no-op. */
export interface ReminderQueue {
  add(jobs: QueuedReminder[]): Promise<void>;
  cancel(ids: string[]): Promise<void>;
}

export type FireOutcome =
  | { outcome: 'sent'; key: string; late: boolean; deliveries: number; resumed: boolean }
  | { outcome: 'skipped'; why: 'incident-gone' | 'incident-closed' | 'clock-inactive' | 'clock-stopped' | 'stale' | 'superseded' };

interface StoredSlot {
  slot: string;
  kind: ReminderSlot['kind'];
  fireAt: string;
  level: number;
  jobId: string;
}

type ScheduleState = 'active' | 'stopped' | 'inactive';

interface Desired {
  clock: ComputedClock;
  state: ScheduleState;
  slots: ReminderSlot[];
  note: string | null;
}

export interface ScheduleChange {
  clockId: string;
  change: 'scheduled' | 'rescheduled' | 'stopped' | 'resumed' | 'cancelled';
  summary: string;
}

/** UUID-shaped id derived from the reminder's key: the queue refuses a second job with the same id. */
export function jobIdFor(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

const REASONS: Record<string, string> = {
  reported: '事件通報',
  checklist: '檢核項目變更',
  assessment: '影響評估更新',
  'occurrence-corrected': '更正發生時間',
  'status:handling_ended': '處理結束',
  'status:closed': '事件結案',
  startup: '系統啟動時核對',
  fired: '提醒送出後排定下一次',
};
const reasonText = (reason: string) => REASONS[reason] ?? (reason.startsWith('status:') ? '事件階段變更' : '事件資料變更');

/**
 * Drives reminders from the incidents' clocks: `reconcile` (after every committed change, and at start-up) works out
 * what each clock should remind and when, records on the timeline why a schedule started, moved or stopped, and
 * hands the reminders to the queue; `fire` (the queue's worker) re-checks a reminder against the incident as it is now,
 * claims it in the transaction that records it on the timeline, and only then sends it, with an idempotency key per
 * conversation, so a retried job never messages anybody twice.
 */
export class ClockReminders {
  private readonly incidents: IncidentService;

  constructor(
    private readonly deps: CoreDeps,
    private readonly adapterFor: AdapterLookup,
    private readonly queue: ReminderQueue,
    private readonly options: { quietHours?: QuietHours | null } = {},
  ) {
    this.incidents = new IncidentService(deps);
  }

  /** Nothing before the incident existed; quiet hours as configured (REMINDER_QUIET_HOURS). */
  private planOptions(incident: Incident, now: Date) {
    return {
      now,
      calendar: this.deps.calendar,
      createdAt: incident.createdAt,
      ...(this.options.quietHours !== undefined ? { quietHours: this.options.quietHours } : {}),
    };
  }

  private desired(incident: Incident, items: ChecklistItem[], now: Date): Desired[] {
    const clocks = this.incidents.clocksOf(incident);
    return clocks.map((clock): Desired => {
      if (incident.status === 'closed') return { clock, state: 'inactive', slots: [], note: '事件已結案' };
      if (!clockRuns(clock)) return { clock, state: 'inactive', slots: [], note: null };
      const done = completedBy(clock.id, items);
      if (done) return { clock, state: 'stopped', slots: [], note: done.map((i) => i.title).join('、') };
      return { clock, state: 'active', slots: slotsToSchedule(planClock(clock, this.planOptions(incident, now)), now), note: null };
    });
  }

  /** Brings the incident's schedules in line with its clocks; returns what changed (also written to the timeline). */
  async reconcile(incidentId: string, reason: string): Promise<ScheduleChange[]> {
    const { repos } = this.deps;
    const now = this.deps.now();
    const incident = await repos.incidents.find(incidentId);
    if (!incident) return [];
    const items = await repos.checklist.ofIncident(incidentId);
    const desired = this.desired(incident, items, now);
    const toStore = (d: Desired): StoredSlot[] =>
      d.slots.map((s) => ({
        slot: s.slot,
        kind: s.kind,
        fireAt: s.fireAt.toISOString(),
        level: s.level,
        jobId: jobIdFor(reminderKey(incidentId, s)),
      }));

    const { changes, cancelled } = await repos.transaction(async (tx) => {
      await tx.incidents.lock(incidentId);
      const rows = await tx.clockSchedules.ofIncident(incidentId);
      const changes: ScheduleChange[] = [];
      const cancelled: string[] = [];
      for (const d of desired) {
        const prev = rows.find((r) => r.clockId === d.clock.id);
        const slots = toStore(d);
        const change = this.describe(prev, d, reason);
        const data = {
          state: d.state,
          targetAt: d.state === 'active' ? d.clock.recommendedBy : null,
          statutoryEnd: d.state === 'active' ? d.clock.statutoryEnd : null,
          slots: slots as unknown as ClockSchedule['slots'],
          note: d.note,
          updatedAt: now,
        };
        if (!prev && d.state === 'inactive') continue;
        // Nothing to write when the row already says all this (most clocks after most changes).
        if (prev && sameSchedule(prev, data, slots)) continue;
        const keep = new Set(slots.map((s) => s.jobId));
        for (const s of (prev?.slots ?? []) as unknown as StoredSlot[])
          if (!keep.has(s.jobId) && new Date(s.fireAt) > now) cancelled.push(s.jobId);
        await tx.clockSchedules.save({ incidentId, clockId: d.clock.id, ...data });
        if (change) changes.push(change);
      }
      const scheduled = changes.filter((c) => c.change === 'scheduled');
      await appendTimelineEntries(
        this.deps,
        tx,
        incidentId,
        [
          ...(scheduled.length > 0
            ? [
                {
                  actorId: null,
                  actorLabel: '系統',
                  type: 'reminders.scheduled',
                  summary: `排定期限提醒：${scheduled.map((c) => c.summary).join('；')}`,
                  detail: { reason, clocks: scheduled.map((c) => c.clockId) },
                },
              ]
            : []),
          ...changes
            .filter((x) => x.change !== 'scheduled')
            .map((c) => ({
              actorId: null,
              actorLabel: '系統',
              type: `reminders.${c.change}`,
              summary: c.summary,
              detail: { reason, clock: c.clockId },
            })),
        ],
        { locked: true },
      );
      return { changes, cancelled };
    });

    // Never inside the transaction: on the embedded database the queue's connection waits for it to end.
    const jobs: QueuedReminder[] = desired.flatMap((d) =>
      d.slots.map((s) => {
        const key = reminderKey(incidentId, s);
        return {
          id: jobIdFor(key),
          key,
          startAfter: s.fireAt,
          data: { incidentId, clockId: s.clockId, slot: s.slot, fireAt: s.fireAt.toISOString() },
        };
      }),
    );
    if (jobs.length > 0) await this.queue.add(jobs);
    if (cancelled.length > 0) await this.queue.cancel(cancelled);
    return changes;
  }

  private describe(prev: ClockSchedule | undefined, d: Desired, reason: string): ScheduleChange | null {
    const clock = d.clock;
    const dayBased = clock.period.unit !== 'hours';
    const fmt = (x: Date | null) => (x ? formatRocShort(x, { endOfDay: dayBased }) : '—');
    const next = d.slots.find((s) => s.fireAt > this.deps.now()) ?? d.slots[0];
    const nextText = next ? `，下次提醒 ${formatRocShort(next.fireAt)}` : '';
    const why = `（原因：${reasonText(reason)}）`;
    const prevState = (prev?.state ?? null) as ScheduleState | null;
    if (d.state === 'active') {
      if (prevState === null || prevState === 'inactive') {
        return {
          clockId: clock.id,
          change: 'scheduled',
          summary: `「${clock.label}」期限 ${fmt(clock.recommendedBy)}${nextText}${reason === 'reported' ? '' : why}`,
        };
      }
      if (prevState === 'stopped') {
        return {
          clockId: clock.id,
          change: 'resumed',
          summary: `恢復提醒「${clock.label}」：檢核項目重新開啟，期限 ${fmt(clock.recommendedBy)}${nextText}`,
        };
      }
      if ((prev!.targetAt?.getTime() ?? null) !== (clock.recommendedBy?.getTime() ?? null)) {
        return {
          clockId: clock.id,
          change: 'rescheduled',
          summary: `重新排定提醒「${clock.label}」：期限 ${fmt(prev!.targetAt)} → ${fmt(clock.recommendedBy)}${nextText}${why}`,
        };
      }
      return null;
    }
    if (d.state === 'stopped' && prevState === 'active') {
      return { clockId: clock.id, change: 'stopped', summary: `停止提醒「${clock.label}」：已完成「${d.note ?? ''}」` };
    }
    if (d.state === 'inactive' && (prevState === 'active' || prevState === 'stopped')) {
      return prevState === 'active' ? { clockId: clock.id, change: 'cancelled', summary: `取消提醒「${clock.label}」${why}` } : null;
    }
    return null;
  }

  /** Every incident that is open or still has an active schedule (start-up: jobs lost or never queued are queued). */
  async reconcileAll(reason = 'startup'): Promise<number> {
    const { repos } = this.deps;
    const open = await repos.incidents.openIds();
    const active = await repos.clockSchedules.incidentsWithActive();
    const ids = [...new Set([...open, ...active])];
    for (const id of ids) await this.reconcile(id, reason);
    return ids.length;
  }

  /** The worker: one reminder job. Throws when a delivery failed (the queue retries; sent deliveries are not repeated). */
  async fire(data: ReminderJobData, jobId: string | null = null): Promise<FireOutcome> {
    const { log } = this.deps;
    const now = this.deps.now();
    const incident = await this.deps.repos.incidents.find(data.incidentId);
    if (!incident) return { outcome: 'skipped', why: 'incident-gone' };
    const fireAt = new Date(data.fireAt);
    const key = reminderKey(incident.id, { clockId: data.clockId, slot: data.slot, fireAt });
    const claimed = await this.deps.repos.notices.find(key);
    if (!claimed) {
      if (incident.status === 'closed') return { outcome: 'skipped', why: 'incident-closed' };
      const items = await this.deps.repos.checklist.ofIncident(incident.id);
      const clock = this.incidents.clocksOf(incident).find((c) => c.id === data.clockId);
      if (!clock || !clockRuns(clock)) return { outcome: 'skipped', why: 'clock-inactive' };
      if (completedBy(clock.id, items)) return { outcome: 'skipped', why: 'clock-stopped' };
      const plan = planClock(clock, this.planOptions(incident, now));
      const slot = plan.find((s) => s.slot === data.slot && s.fireAt.getTime() === fireAt.getTime());
      if (!slot) return { outcome: 'skipped', why: 'stale' };
      if (plan.some((s) => s.fireAt > slot.fireAt && s.fireAt <= now)) return { outcome: 'skipped', why: 'superseded' };

      const late = now.getTime() - slot.fireAt.getTime() > LATE_AFTER_MS;
      const owners = await ownersOf(this.deps.repos.people, incident, clock, items);
      const recipients = await resolveRecipients(this.deps.repos, this.adapterFor, incident, owners, slot.level);
      const message = reminderMessage({
        incident,
        clock,
        slot,
        owners,
        late,
        at: new Date(Math.max(now.getTime(), slot.fireAt.getTime())),
      });
      const inserted = await this.deps.repos.transaction(async (tx) => {
        const notice = {
          key,
          kind: 'reminder',
          schoolId: incident.schoolId,
          incidentId: incident.id,
          clockId: clock.id,
          slot: slot.slot,
          level: slot.level,
          dueAt: slot.fireAt,
          late,
          jobId,
          createdAt: now,
        };
        if (!(await tx.notices.claim(notice, deliveryRows(key, recipients)))) return false;
        await appendTimeline(this.deps, tx, incident.id, {
          actorId: null,
          actorLabel: '系統',
          type: 'reminder.sent',
          summary:
            `${slot.level > 0 ? '逾期提醒' : '期限提醒'}「${clock.label}」（${slotLabel(clock, slot)}）→ ${recipients.map((r) => r.label).join('、') || '（無可送達之對象）'}` +
            (late ? `；${LATE_MARK}（原定 ${formatRocShort(slot.fireAt)}）` : ''),
          detail: {
            key,
            clock: clock.id,
            slot: slot.slot,
            level: slot.level,
            dueAt: slot.fireAt.toISOString(),
            late,
            jobId,
            targets: recipients.map((r) => r.target),
            text: message.text,
          },
        });
        return true;
      });
      if (!inserted) log.info({ key }, 'reminder claimed concurrently; finishing its deliveries');
      return this.deliver(key, message, await withMentions(this.deps.repos, message, owners.personIds), false);
    }
    // A retry (or a duplicate job) of a claimed reminder: finish what is pending, with the same idempotency keys.
    const items = await this.deps.repos.checklist.ofIncident(incident.id);
    const clock = this.incidents.clocksOf(incident).find((c) => c.id === data.clockId);
    if (!clock) return { outcome: 'skipped', why: 'clock-inactive' };
    const slot: ReminderSlot = {
      clockId: clock.id,
      slot: data.slot,
      kind: slotKindOf(data.slot),
      fireAt,
      level: claimed.level as 0 | 1 | 2,
    };
    const owners = await ownersOf(this.deps.repos.people, incident, clock, items);
    const message = reminderMessage({
      incident,
      clock,
      slot,
      owners,
      late: claimed.late,
      at: claimed.createdAt > fireAt ? claimed.createdAt : fireAt,
    });
    return this.deliver(key, message, await withMentions(this.deps.repos, message, owners.personIds), true);
  }

  private async deliver(
    key: string,
    message: ReturnType<typeof reminderMessage>,
    groupMessage: ReturnType<typeof reminderMessage>,
    resumed: boolean,
  ): Promise<FireOutcome> {
    const { late, deliveries } = await deliverNotice(this.deps, this.adapterFor, key, message, groupMessage);
    return { outcome: 'sent', key, late, deliveries, resumed };
  }
}

/**
 * Whether a schedule row already holds what would be written (updatedAt aside). Slots are compared field by field: the
 * database hands jsonb objects back with their keys in its own order, so their JSON text never equals what was written.
 */
function sameSchedule(
  prev: ClockSchedule,
  next: { state: string; targetAt: Date | null; statutoryEnd: Date | null; note: string | null },
  slots: StoredSlot[],
): boolean {
  const time = (d: Date | null) => d?.getTime() ?? null;
  const stored = (prev.slots ?? []) as unknown as StoredSlot[];
  return (
    prev.state === next.state &&
    time(prev.targetAt) === time(next.targetAt) &&
    time(prev.statutoryEnd) === time(next.statutoryEnd) &&
    prev.note === next.note &&
    Array.isArray(stored) &&
    stored.length === slots.length &&
    stored.every((s, i) => {
      const n = slots[i]!;
      return s.slot === n.slot && s.kind === n.kind && s.fireAt === n.fireAt && s.level === n.level && s.jobId === n.jobId;
    })
  );
}

function slotKindOf(slot: string): ReminderSlot['kind'] {
  if (slot === OVERDUE_AT_START) return 'overdueAtStart';
  if (slot.startsWith('overdue-')) return 'overdue';
  if (slot.startsWith('repeat-')) return 'repeat';
  if (slot === 'due') return 'due';
  if (slot === 'statutory-day') return 'statutory';
  if (slot === 'statutory-soon') return 'statutorySoon';
  return 'before';
}
