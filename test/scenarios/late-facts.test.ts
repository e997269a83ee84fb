import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/app/demo.js';
import type { TestCoreDeps } from '../helpers/core.js';
import { IncidentService } from '../../src/core/incidents/service.js';
import { settledBeforeEnding } from '../../src/core/incidents/times.js';
import type { Actor } from '../../src/core/roles.js';
import { readTimeline, verifyIncidentTimeline } from '../../src/core/timeline/timeline.js';
import { ClockReminders, type QueuedReminder, type ReminderQueue } from '../../src/jobs/reminders.js';
import { inQuietHours, DEFAULT_QUIET_HOURS } from '../../src/jobs/plan.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testCoreDeps } from '../helpers/core.js';
import { at, DEMO_TEACHER, RecordingAdapter, sampleAnswers } from '../helpers/jobs.js';

/**
 * Issue #13, as a school lives it: a report entered two days late, and handling that ended yesterday afternoon but is
 * recorded today. A controllable clock, an in-memory queue (jobs fired in time order as the real queue would) and a
 * recording chat adapter.
 */

class MemoryQueue implements ReminderQueue {
  readonly jobs = new Map<string, QueuedReminder>();
  readonly cancelled = new Set<string>();
  async add(jobs: QueuedReminder[]) {
    for (const j of jobs) if (!this.jobs.has(j.id)) this.jobs.set(j.id, j);
  }
  async cancel(ids: string[]) {
    for (const id of ids) this.cancelled.add(id);
  }
  /** Queued, not cancelled, not yet fired, due by `until`, in time order. */
  due(until: Date, fired: Set<string>): QueuedReminder[] {
    return [...this.jobs.values()]
      .filter((j) => !this.cancelled.has(j.id) && !fired.has(j.id) && j.startAfter <= until)
      .sort((a, b) => a.startAfter.getTime() - b.startAfter.getTime());
  }
}

const window: Actor = {
  personId: 'demo-window',
  schoolId: 'demo-school',
  displayName: '李組長（示範）',
  roles: ['staff', 'contactWindow'],
};

describe('facts entered late', () => {
  let tdb: TestDatabase;
  let deps: TestCoreDeps;
  let service: IncidentService;
  let reminders: ClockReminders;
  let queue: MemoryQueue;
  let adapter: RecordingAdapter;
  let now = at('2026-11-05 10:00');
  const fired = new Set<string>();

  /** Runs the queue as the worker would, every minute-ish step from now to `until`, re-planning after each send. */
  async function runUntil(until: Date) {
    for (let guard = 0; guard < 500; guard += 1) {
      const next = queue.due(until, fired)[0];
      if (!next) break;
      if (next.startAfter > now) now = next.startAfter;
      fired.add(next.id);
      const r = await reminders.fire(next.data, next.id);
      if (r.outcome === 'sent') await reminders.reconcile(next.data.incidentId, 'fired');
    }
    now = until;
  }

  beforeAll(async () => {
    tdb = await createTestDatabase();
    await seedDemo(tdb.db);
    await tdb.db.prisma.conversation
      .create({
        data: {
          id: 'local-demo-response',
          platform: 'local',
          externalId: 'demo-response',
          kind: 'group',
          purpose: 'response',
          title: '應變小組（示範）',
          schoolId: 'demo-school',
        },
      })
      .catch(() => undefined);
    deps = testCoreDeps(tdb.db.prisma, () => now);
    queue = new MemoryQueue();
    adapter = new RecordingAdapter();
    reminders = new ClockReminders(deps, (p) => (p === 'local' ? adapter : undefined), queue);
    deps.onIncidentChanged = async (c) => void (await reminders.reconcile(c.incidentId, c.reason));
    service = new IncidentService(deps);
  });
  afterAll(async () => {
    await tdb?.destroy();
  });

  it('a report entered two days late: one overdue notice per clock, no replayed reminders, nothing at night', async () => {
    // Occurred Mon 11-02, known Tue 11-03 09:00, entered Thu 11-05 22:30 (two days late, at night): the 4-hour clocks
    // and the 3-day report (cautious target Wed 11-04) are all past their targets when the incident is created.
    now = at('2026-11-05 22:30');
    const view = await service.report(
      DEMO_TEACHER,
      null,
      sampleAnswers(at('2026-11-03 09:00'), { occurredAt: at('2026-11-02 08:00'), affectedEstimate: 30 }),
    );
    const id = view.incident.id;
    await runUntil(at('2026-11-09 12:00'));

    const sent = (await readTimeline(deps, id)).filter((e) => e.type === 'reminder.sent');
    const details = sent.map((e) => e.detail as { clock: string; slot: string; dueAt: string; late: boolean; text: string });
    // Nothing planned before the incident existed, nothing marked delayed, no absurd counts.
    expect(details.every((d) => new Date(d.dueAt) >= at('2026-11-05 22:30'))).toBe(true);
    expect(details.some((d) => d.late)).toBe(false);
    expect(details.map((d) => d.text).join('\n')).not.toContain('延遲送達');
    for (const d of details.filter((x) => /^overdue-\d+$/.test(x.slot))) expect(Number(d.slot.split('-')[1])).toBeLessThan(10);
    // Each clock already overdue gets exactly one notice saying so, with what to do.
    const starts = details.filter((d) => d.slot === 'overdue-at-start');
    expect(starts.map((d) => d.clock).sort()).toEqual(['bureau-3d', 'contain-4h', 'report-window-4h']);
    for (const d of starts) {
      expect(d.text).toContain('在事件建立時已');
      expect(d.text).toContain('請立即辦理：');
      // The clock's action is a sentence of its own: no 「。；」 where it is joined to what follows.
      expect(d.text).not.toMatch(/。；/);
    }
    // The hour-counted clocks speak at once (22:30); so does the 3-day report, whose statutory end is tonight 24:00
    // (waiting for the quiet hours' end would carry it past the end: scen1 finding 2). It is past the target only.
    expect(starts.find((d) => d.clock === 'contain-4h')!.dueAt).toBe(at('2026-11-05 22:30').toISOString());
    const bureauStart = starts.find((d) => d.clock === 'bureau-3d')!;
    expect(bureauStart.dueAt).toBe(at('2026-11-05 22:30').toISOString());
    expect(bureauStart.text).toContain('尚未逾期');
    expect(bureauStart.text).not.toContain('遲延原因');
    // No reminder of a day-counted clock inside 22:00–07:00 Taipei once its statutory end has passed.
    const dayClocks = details.filter((d) => d.clock === 'bureau-3d');
    expect(dayClocks.length).toBeGreaterThan(1);
    expect(
      dayClocks.filter((d) => new Date(d.dueAt) >= at('2026-11-06 00:00') && inQuietHours(new Date(d.dueAt), DEFAULT_QUIET_HOURS)),
    ).toEqual([]);
    // Hour clocks back off instead of reminding hourly: over three and a half days, far fewer than 84 messages each.
    expect(details.filter((d) => d.clock === 'contain-4h').length).toBeLessThanOrEqual(8);
    expect((await verifyIncidentTimeline(deps, id)).ok).toBe(true);
  });

  it('handling ended yesterday afternoon, recorded today: the closure clock counts from yesterday', async () => {
    now = at('2026-11-10 09:00');
    const view = await service.report(
      DEMO_TEACHER,
      null,
      sampleAnswers(at('2026-11-10 08:30'), { occurredAt: at('2026-11-10 08:00'), affectedEstimate: 12 }),
    );
    const id = view.incident.id;
    now = at('2026-11-20 10:15');
    const open = (await deps.prisma.checklistItem.findMany({ where: { incidentId: id, state: 'open' } })).filter((i) =>
      settledBeforeEnding(i, deps.clockRules),
    );
    const resolutions = open.map((i) => ({ itemId: i.id, state: 'done' as const, note: '已完成' }));
    // Not in the future, not before awareness.
    await expect(service.endHandling(window, id, { endedAt: at('2026-11-20 13:00'), resolutions })).rejects.toThrow('不能是未來的時間');
    await expect(service.endHandling(window, id, { endedAt: at('2026-11-09 16:00'), resolutions })).rejects.toThrow('不能早於知悉時間');
    // Open items must be settled first.
    await expect(service.endHandling(window, id, { endedAt: at('2026-11-19 16:00'), resolutions: resolutions.slice(1) })).rejects.toThrow(
      `尚有 1 項檢核項目未處理：「${open[0]!.title}」`,
    );
    const ended = await service.endHandling(window, id, { endedAt: at('2026-11-19 16:00'), resolutions });
    expect(ended.incident.handlingEndedAt).toEqual(at('2026-11-19 16:00'));
    const closure = ended.clocks.find((c) => c.id === 'closure-1m')!;
    // Counted from Thu 11-19 (not the day it was recorded): 1 month ends Sat 12-19 → Mon 12-21; the cautious target,
    // counting 11-19 itself, is Fri 12-18.
    expect(closure.startsAt).toEqual(at('2026-11-19 16:00'));
    expect(closure.statutoryLastDay).toBe('2026-12-21');
    expect(closure.recommendedLastDay).toBe('2026-12-18');
    const entry = (await readTimeline(deps, id)).find((e) => e.type === 'incident.handling-ended')!;
    expect(entry.detail).toMatchObject({
      handlingEndedAt: at('2026-11-19 16:00').toISOString(),
      recordedAt: at('2026-11-20 10:15').toISOString(),
    });
    expect(entry.summary).toContain('實際時間 中華民國115年11月19日');

    // A correction of that time needs a reason, kept on the correction's own entry.
    await expect(service.correctTime(window, id, 'handlingEndedAt', at('2026-11-19 11:00'), '  ')).rejects.toThrow('更正原因');
    const fixed = await service.correctTime(window, id, 'handlingEndedAt', at('2026-11-19 11:00'), '查會議紀錄，最後一項處置於上午完成');
    expect(fixed.incident.handlingEndedAt).toEqual(at('2026-11-19 11:00'));
    const corrected = (await readTimeline(deps, id)).filter((e) => e.type === 'incident.corrected').at(-1)!;
    expect(corrected.detail).toMatchObject({
      field: 'handlingEndedAt',
      reason: '查會議紀錄，最後一項處置於上午完成',
      to: at('2026-11-19 11:00').toISOString(),
    });
    expect(corrected.summary).toContain('原因：查會議紀錄');
    // Occurrence after awareness is refused; so is a correction of a time not recorded yet.
    await expect(service.correctTime(window, id, 'occurredAt', at('2026-11-10 09:00'), '誤植')).rejects.toThrow('不能晚於知悉時間');
    await expect(service.correctTime(window, id, 'recoveredAt', at('2026-11-12 09:00'), '補登')).rejects.toThrow('尚未記錄');
    // The assessment's occurrence correction also needs its reason.
    await expect(
      service.recordAssessment(window, id, {
        categories: ['identity'],
        studentsCount: 12,
        guardiansCount: null,
        staffCount: null,
        othersCount: null,
        minorsCount: null,
        involvesSystem: false,
        systemRecordsHeld: null,
        occurredAt: at('2026-11-09 08:00'),
      }),
    ).rejects.toThrow('更正原因');
    expect((await verifyIncidentTimeline(deps, id)).ok).toBe(true);
  });
});
