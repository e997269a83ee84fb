import { settledBeforeEnding } from '../../src/core/incidents/times.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/app/demo.js';
import type { TestCoreDeps } from '../helpers/core.js';
import { IncidentService } from '../../src/core/incidents/service.js';
import type { IntakeAnswers } from '../../src/core/incidents/types.js';
import type { Actor } from '../../src/core/roles.js';
import { readTimeline, verifyIncidentTimeline } from '../../src/core/timeline/timeline.js';
import { ClockReminders, type QueuedReminder, type ReminderQueue } from '../../src/jobs/reminders.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testCoreDeps } from '../helpers/core.js';
import { at, DEMO_TEACHER, RecordingAdapter, sampleAnswers } from '../helpers/jobs.js';

/**
 * Schedule, escalation and exactly-once logic of the clock reminders with a controllable clock (the core's `now`),
 * an in-memory queue standing in for pg-boss and a recording chat adapter. The real queue is covered end to end in
 * test/scenarios/reminders.test.ts.
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
  find(incidentId: string, clockId: string, slot: string): QueuedReminder {
    const j = [...this.jobs.values()].find((x) => x.data.incidentId === incidentId && x.data.clockId === clockId && x.data.slot === slot);
    if (!j)
      throw new Error(
        `no job ${clockId}/${slot}; queued: ${[...this.jobs.values()].map((x) => `${x.data.clockId}/${x.data.slot}`).join(', ')}`,
      );
    return j;
  }
}

const teacher = DEMO_TEACHER;
const window: Actor = {
  personId: 'demo-window',
  schoolId: 'demo-school',
  displayName: '李組長（示範）',
  roles: ['staff', 'contactWindow'],
};

describe('clock reminders with a controllable clock', () => {
  let tdb: TestDatabase;
  let deps: TestCoreDeps;
  let service: IncidentService;
  let reminders: ClockReminders;
  let queue: MemoryQueue;
  let adapter: RecordingAdapter;
  let now = at('2026-11-05 10:00');

  const answers = (occurredAt: string, awareAt: string): IntakeAnswers =>
    sampleAnswers(at(awareAt), {
      occurredAt: at(occurredAt),
      howLeaked: '成績單寄給全班家長',
      place: '教務處',
      affectedEstimate: 30,
      stepsTaken: '尚未處置',
    });
  const fire = (j: QueuedReminder) => reminders.fire(j.data, j.id);
  const timelineOf = async (incidentId: string, type: string) => (await readTimeline(deps, incidentId)).filter((e) => e.type === type);

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

  let incidentId = '';

  it('a report schedules every running clock and says so on the timeline', async () => {
    now = at('2026-11-05 10:00');
    const view = await service.report(teacher, null, answers('2026-11-05 09:30', '2026-11-05 10:00'));
    incidentId = view.incident.id;
    expect(queue.find(incidentId, 'contain-4h', 'before-60m').startAfter).toEqual(at('2026-11-05 13:00'));
    expect(queue.find(incidentId, 'report-window-4h', 'before-15m').startAfter).toEqual(at('2026-11-05 13:45'));
    expect(queue.find(incidentId, 'bureau-3d', 'last-workday').startAfter).toEqual(at('2026-11-06 09:00'));
    expect([...queue.jobs.values()].some((j) => j.data.clockId === 'closure-1m')).toBe(false); // handling has not ended
    const [entry] = await timelineOf(incidentId, 'reminders.scheduled');
    expect(entry!.summary).toContain('「4小時內採取應變措施」期限 115/11/05（四）14:00');
    // The counted target Sat 11-07 is a rest day: the cautious target is Fri 11-06 (issue #13).
    expect(entry!.summary).toContain('「3日內通報主管機關」期限 115/11/06（五）24:00');
    const schedules = await deps.prisma.clockSchedule.findMany({ where: { incidentId, state: 'active' } });
    expect(schedules.map((s) => s.clockId).sort()).toEqual(['bureau-3d', 'contain-4h', 'report-window-4h']);
  });

  it('a reconcile with nothing to change writes nothing (stored slots compare by value, whatever order jsonb keeps)', async () => {
    const before = await deps.prisma.clockSchedule.findMany({ where: { incidentId }, orderBy: { clockId: 'asc' } });
    const entries = (await readTimeline(deps, incidentId)).length;
    const cancelled = queue.cancelled.size;
    now = at('2026-11-05 10:01');
    expect(await reminders.reconcile(incidentId, 'checklist')).toEqual([]);
    const after = await deps.prisma.clockSchedule.findMany({ where: { incidentId }, orderBy: { clockId: 'asc' } });
    expect(after.map((s) => [s.clockId, s.updatedAt.toISOString()])).toEqual(before.map((s) => [s.clockId, s.updatedAt.toISOString()]));
    expect((await readTimeline(deps, incidentId)).length).toBe(entries);
    expect(queue.cancelled.size).toBe(cancelled);
  });

  it('a due reminder goes once to the owner of the step, with label, deadline and legal basis', async () => {
    now = at('2026-11-05 13:00');
    const job = queue.find(incidentId, 'report-window-4h', 'before-60m');
    const r = await fire(job);
    expect(r).toMatchObject({ outcome: 'sent', late: false, deliveries: 1 });
    const sent = adapter.to('dm:demo-teacher');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain('【期限提醒】個資事件 115-001');
    expect(sent[0]!.text).toContain('「4小時內通報個資聯絡窗口」還有1小時到期');
    expect(sent[0]!.text).toContain('期限：115/11/05（四）14:00');
    // The Taipei City office's rules bind that office only: for a school they are practice adopted (docs/rules.md).
    expect(sent[0]!.text).toContain('法律依據：參考臺北市政府政風處個人資料保護管理要點第45點第1項之作法');
    expect(sent[0]!.text).toContain('負責：事件發生單位（王老師（示範））');
    expect(sent[0]!.text).not.toContain('成績單'); // no incident details in reminders
    // The same job again (a retry, or a second instance): nobody is messaged twice, the timeline has it once.
    expect(await fire(job)).toMatchObject({ outcome: 'sent', resumed: true });
    expect(adapter.to('dm:demo-teacher')).toHaveLength(1);
    const entries = await timelineOf(incidentId, 'reminder.sent');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.summary).toBe('期限提醒「4小時內通報個資聯絡窗口」（到期前1小時）→ 王老師（示範）');
  });

  it('the steps of a clock without a completing item are owned by several roles: all of them are reminded', async () => {
    const r = await fire(queue.find(incidentId, 'contain-4h', 'before-60m'));
    expect(r).toMatchObject({ outcome: 'sent' });
    const text = adapter.to('dm:demo-principal').at(-1)!.text;
    expect(text).toContain('「4小時內採取應變措施」');
    expect(text).toContain('負責：事件發生單位（王老師（示範））、個資聯絡窗口、資訊組、管理人（校長）');
  });

  it('a crash after the platform accepted the message: the retry does not post it again', async () => {
    now = at('2026-11-05 13:45');
    const before = adapter.to('dm:demo-teacher').length;
    adapter.failNext = 'after';
    const job = queue.find(incidentId, 'report-window-4h', 'before-15m');
    await expect(fire(job)).rejects.toThrow(/1 delivery\(ies\) failed/);
    expect(adapter.to('dm:demo-teacher')).toHaveLength(before + 1);
    expect(await fire(job)).toMatchObject({ outcome: 'sent', resumed: true, deliveries: 1 });
    expect(adapter.to('dm:demo-teacher')).toHaveLength(before + 1);
    const delivery = await deps.prisma.noticeDelivery.findFirstOrThrow({
      where: { notice: { incidentId, slot: 'before-15m', clockId: 'report-window-4h' } },
    });
    expect(delivery).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('a platform failure before posting: the retry posts it, once', async () => {
    now = at('2026-11-05 14:00');
    const before = adapter.to('dm:demo-teacher').length;
    adapter.failNext = 'before';
    const job = queue.find(incidentId, 'report-window-4h', 'due');
    await expect(fire(job)).rejects.toThrow(/platform unavailable/);
    expect(adapter.to('dm:demo-teacher')).toHaveLength(before);
    expect(await fire(job)).toMatchObject({ outcome: 'sent' });
    expect(adapter.to('dm:demo-teacher')).toHaveLength(before + 1);
    expect(adapter.to('dm:demo-teacher').at(-1)!.text).toContain('「4小時內通報個資聯絡窗口」已到期');
  });

  it('overdue: the first overdue reminder adds the contact window and the response group, the next the principal', async () => {
    await reminders.reconcile(incidentId, 'fired');
    now = at('2026-11-05 15:00');
    const first = await fire(queue.find(incidentId, 'report-window-4h', 'overdue-1'));
    expect(first).toMatchObject({ outcome: 'sent', deliveries: 3 });
    expect(adapter.to('dm:demo-window').at(-1)!.text).toContain('已逾建議完成時間1小時');
    expect(adapter.to('dm:demo-window').at(-1)!.text).toContain('本提醒同時通知個資聯絡窗口。');
    expect(adapter.to('demo-response').at(-1)!.text).toContain('【逾期提醒】');
    // In the group the step's owner is named at the end (mentioned where the platform can); not in private chats.
    expect(adapter.to('demo-response').at(-1)!.text).toMatch(/\n請 @王老師（示範） 留意。$/);
    expect(adapter.to('dm:demo-window').at(-1)!.text).not.toContain('留意。');
    const principalBefore = adapter.to('dm:demo-principal').length;

    await reminders.reconcile(incidentId, 'fired');
    // Overdue repeats of an hour clock back off: 15:00, 17:00, 21:00, 05:00, 21:00 the next day, then daily (issue #13).
    now = at('2026-11-05 17:00');
    expect(await fire(queue.find(incidentId, 'report-window-4h', 'overdue-2'))).toMatchObject({ outcome: 'sent', deliveries: 4 });
    expect(adapter.to('dm:demo-principal')).toHaveLength(principalBefore + 1);
    expect(adapter.to('dm:demo-principal').at(-1)!.text).toContain('同時通知個資聯絡窗口及管理人（校長）');
  });

  it('a reminder delivered well after its time is marked 延遲送達; older due ones are superseded by the latest', async () => {
    await reminders.reconcile(incidentId, 'fired');
    now = at('2026-11-05 21:10');
    const r = await fire(queue.find(incidentId, 'report-window-4h', 'overdue-3'));
    expect(r).toMatchObject({ outcome: 'sent', late: true });
    expect(adapter.to('dm:demo-teacher').at(-1)!.text).toContain('（延遲送達：原定 115/11/05（四）21:00 送出）');
    const [entry] = (await timelineOf(incidentId, 'reminder.sent')).slice(-1);
    expect(entry!.summary).toContain('延遲送達');

    await reminders.reconcile(incidentId, 'fired');
    now = at('2026-11-06 22:00'); // the product was down: overdue-4 (05:00) and overdue-5 (21:00) are both due
    await reminders.reconcile(incidentId, 'startup');
    const count = adapter.posted.length;
    expect(await fire(queue.find(incidentId, 'report-window-4h', 'overdue-4'))).toEqual({ outcome: 'skipped', why: 'superseded' });
    expect(adapter.posted).toHaveLength(count);
    expect(await fire(queue.find(incidentId, 'report-window-4h', 'overdue-5'))).toMatchObject({ outcome: 'sent', late: true });
  });

  it('ticking the step that completes the clock stops it: the pending job is cancelled and skipped if it runs', async () => {
    await reminders.reconcile(incidentId, 'fired');
    const pending = queue.find(incidentId, 'report-window-4h', 'overdue-6');
    const item = await deps.prisma.checklistItem.findFirstOrThrow({ where: { incidentId, completesClock: 'report-window-4h' } });
    await service.setChecklistState(window, item.id, 'done', null);
    const [stopped] = await timelineOf(incidentId, 'reminders.stopped');
    expect(stopped!.summary).toBe(`停止提醒「4小時內通報個資聯絡窗口」：已完成「${item.title}」`);
    expect(queue.cancelled.has(pending.id)).toBe(true);
    now = at('2026-11-07 21:00');
    expect(await fire(pending)).toEqual({ outcome: 'skipped', why: 'clock-stopped' });
    // Reopened: reminders resume.
    await service.setChecklistState(window, item.id, 'open', null);
    const [resumed] = await timelineOf(incidentId, 'reminders.resumed');
    expect(resumed!.summary).toContain('恢復提醒「4小時內通報個資聯絡窗口」');
    await service.setChecklistState(window, item.id, 'done', null);
  });

  it('an occurrence time corrected to an earlier day moves bureau-3d, with why; the old job is stale', async () => {
    now = at('2026-11-05 10:00');
    const view = await service.report(teacher, null, answers('2026-11-05 09:00', '2026-11-05 10:00'));
    const id = view.incident.id;
    const oldJob = queue.find(id, 'bureau-3d', 'last-workday');
    expect(oldJob.startAfter).toEqual(at('2026-11-06 09:00'));
    now = at('2026-11-05 11:00');
    await service.recordAssessment(window, id, {
      categories: ['identity'],
      studentsCount: 30,
      guardiansCount: null,
      staffCount: null,
      othersCount: null,
      minorsCount: 30,
      involvesSystem: false,
      systemRecordsHeld: null,
      occurredAt: at('2026-11-03 08:00'),
      correctionReason: '查出前天已寄出',
    });
    const [moved] = await timelineOf(id, 'reminders.rescheduled');
    expect(moved!.summary).toBe(
      '重新排定提醒「3日內通報主管機關」：期限 115/11/06（五）24:00 → 115/11/05（四）24:00，下次提醒 115/11/06（五）09:00（原因：更正發生時間）',
    );
    expect(queue.cancelled.has(oldJob.id)).toBe(true); // its instant is now the new plan's overdue-1: a different reminder
    // The new plan's last working day (today 09:00) was before the incident existed (10:00): it is not replayed
    // (issue #13); the next reminder is tomorrow's, the statutory last day (occurred 11-03: 3 days end Fri 11-06).
    const mine = [...queue.jobs.values()].filter(
      (j) => j.data.incidentId === id && j.data.clockId === 'bureau-3d' && !queue.cancelled.has(j.id),
    );
    expect(mine.filter((j) => j.startAfter < at('2026-11-05 10:00'))).toEqual([]);
    expect(mine.map((j) => [j.data.slot, j.startAfter.toISOString()])).toContainEqual([
      'statutory-day',
      at('2026-11-06 09:00').toISOString(),
    ]);
    now = at('2026-11-06 09:00');
    expect(await fire(oldJob)).toEqual({ outcome: 'skipped', why: 'stale' });
    expect((await verifyIncidentTimeline(deps, id)).ok).toBe(true);
  });

  it('handling ended starts the 1-month closure clock, with why', async () => {
    now = at('2026-11-10 16:00');
    // Handling ends only with every open item settled (issue #13); its real time is what starts the closure clock.
    // (The closure report itself and the archive come after it and stay open.)
    const open = (await deps.prisma.checklistItem.findMany({ where: { incidentId, state: 'open' } })).filter((i) =>
      settledBeforeEnding(i, deps.clockRules),
    );
    expect(open.map((i) => i.key)).not.toContain('closure-report');
    await service.endHandling(window, incidentId, {
      endedAt: now,
      resolutions: open.map((i) => ({ itemId: i.id, state: 'done' as const, note: '已處理' })),
    });
    const entries = await timelineOf(incidentId, 'reminders.scheduled');
    expect(entries.at(-1)!.summary).toContain(
      '「處理結束後1個月內報主管機關備查」期限 115/12/09（三）24:00，下次提醒 115/12/02（三）09:00',
    );
    expect(entries.at(-1)!.summary).toContain('（原因：處理結束）');
    expect(queue.find(incidentId, 'closure-1m', 'before-7d').startAfter).toEqual(at('2026-12-02 09:00'));
  });
});
