import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/app/demo.js';
import type { TestCoreDeps } from '../helpers/core.js';
import { parseHeads } from '../../src/core/timeline/heads.js';
import { IncidentService } from '../../src/core/incidents/service.js';
import { DailyDigest, digestKey, type DigestQueue, type QueuedDigest } from '../../src/jobs/digest.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testCoreDeps } from '../helpers/core.js';
import { at, DEMO_TEACHER, RecordingAdapter, sampleAnswers } from '../helpers/jobs.js';

/**
 * The daily digest with a controllable clock (the core's `now`), an in-memory queue standing in for pg-boss and a
 * recording chat adapter: 09:00 Taipei, once per day per school, only on days with open incidents.
 */

class MemoryQueue implements DigestQueue {
  readonly jobs = new Map<string, QueuedDigest>();
  async add(jobs: QueuedDigest[]) {
    for (const j of jobs) if (!this.jobs.has(j.id)) this.jobs.set(j.id, j);
  }
  day(day: string): QueuedDigest {
    const j = [...this.jobs.values()].find((x) => x.data.day === day);
    if (!j) throw new Error(`no digest job for ${day}`);
    return j;
  }
}

const teacher = DEMO_TEACHER;

describe('daily digest with a controllable clock', () => {
  let tdb: TestDatabase;
  let deps: TestCoreDeps;
  let queue: MemoryQueue;
  let adapter: RecordingAdapter;
  let digest: DailyDigest;
  let now = at('2026-11-05 07:00');
  let incidentId = '';
  const fire = (day: string) => digest.fire(queue.day(day).data, queue.day(day).id);

  beforeAll(async () => {
    tdb = await createTestDatabase();
    await seedDemo(tdb.db);
    deps = testCoreDeps(tdb.db.prisma, () => now);
    queue = new MemoryQueue();
    adapter = new RecordingAdapter();
    digest = new DailyDigest(deps, (p) => (p === 'local' ? adapter : undefined), queue);
  });
  afterAll(async () => {
    await tdb?.destroy();
  });

  it('queues today’s and tomorrow’s digest at 09:00 Taipei, once each', async () => {
    expect(await digest.schedule()).toEqual(['2026-11-05', '2026-11-06']);
    await digest.schedule();
    expect(queue.jobs.size).toBe(2);
    expect(queue.day('2026-11-05').startAfter).toEqual(at('2026-11-05 09:00'));
    expect(queue.day('2026-11-06').startAfter).toEqual(at('2026-11-06 09:00'));
    expect(queue.day('2026-11-05').startAfter.toISOString()).toBe('2026-11-05T01:00:00.000Z');
  });

  it('a day without open incidents sends nothing', async () => {
    now = at('2026-11-05 09:00');
    expect(await fire('2026-11-05')).toEqual({
      outcome: 'done',
      day: '2026-11-05',
      schools: [{ schoolId: 'demo-school', outcome: 'no-open-incidents' }],
    });
    expect(adapter.posted).toEqual([]);
    expect(await deps.prisma.notice.count({ where: { kind: 'digest' } })).toBe(0);
  });

  it('the next morning the contact window gets the open incidents and what is due next, once', async () => {
    now = at('2026-11-05 10:00');
    const answers = sampleAnswers(at('2026-11-05 10:00'), {
      occurredAt: at('2026-11-05 09:30'),
      howLeaked: '成績單寄給全班家長',
      place: '教務處',
      affectedEstimate: 30,
      stepsTaken: '尚未處置',
    });
    const view = await new IncidentService(deps).report(teacher, null, answers);
    incidentId = view.incident.id;
    await digest.schedule();

    now = at('2026-11-06 08:59');
    expect(await fire('2026-11-06')).toMatchObject({ outcome: 'skipped', why: 'early' });
    now = at('2026-11-06 09:00');
    const r = await fire('2026-11-06');
    expect(r).toMatchObject({
      outcome: 'done',
      schools: [{ schoolId: 'demo-school', outcome: 'sent', incidents: 1, deliveries: 1, late: false }],
    });
    const sent = adapter.to('dm:demo-window');
    expect(sent).toHaveLength(1);
    expect(adapter.posted).toHaveLength(1); // the contact window only
    const text = sent[0]!.text;
    expect(text).toContain('【每日個資事件摘要】中華民國115年11月6日');
    expect(text).toContain('處理中的個資事件：1 件');
    expect(text).toContain(`■ 個資事件 ${view.incident.ref}（已通報）`);
    expect(text).toContain('「4小時內通報個資聯絡窗口」期限 115/11/05（四）14:00（已逾期19小時）');
    // The cautious target moved off Sat 11-07 to the last working day, Fri 11-06 (issue #13).
    expect(text).toContain('「3日內通報主管機關」期限 115/11/06（五）24:00（還有15小時）');
    expect(text).not.toContain('成績單'); // never what leaked
    // The day's chain head of each open incident, for the auditor (checked by `npm run verify -- --heads`).
    const head = await deps.prisma.timelineEntry.findFirstOrThrow({ where: { incidentId: view.incident.id }, orderBy: { seq: 'desc' } });
    expect(text).toContain(`  紀錄鏈：${head.seq} 筆，鏈頭 ${head.hash.slice(0, 16)}`);
    expect(parseHeads(text)).toEqual([
      { schoolId: null, ref: view.incident.ref, incidentId: null, entries: head.seq, headHash: head.hash.slice(0, 16) },
    ]);
    const lines = text.split('\n');
    expect(lines.findIndex((l) => l.includes('4小時內通報個資聯絡窗口'))).toBeLessThan(
      lines.findIndex((l) => l.includes('3日內通報主管機關')),
    );

    // The same job again (a retry, or another instance): nothing new is sent.
    expect(await fire('2026-11-06')).toMatchObject({ outcome: 'done', schools: [{ outcome: 'sent', deliveries: 1 }] });
    expect(adapter.posted).toHaveLength(1);
    const notice = await deps.prisma.notice.findUniqueOrThrow({ where: { key: digestKey('demo-school', '2026-11-06') } });
    expect(notice).toMatchObject({ kind: 'digest', status: 'sent', late: false, jobId: queue.day('2026-11-06').id });
  });

  it('a failed delivery is retried without sending twice; a digest sent late says so; a past day is not caught up', async () => {
    now = at('2026-11-07 11:00');
    await digest.schedule();
    adapter.failNext = 'before';
    await expect(fire('2026-11-07')).rejects.toThrow(
      /Daily digest 2026-11-07: demo-school: Notice digest:demo-school:2026-11-07: 1 delivery\(ies\) failed/,
    );
    expect(await deps.prisma.notice.findUniqueOrThrow({ where: { key: digestKey('demo-school', '2026-11-07') } })).toMatchObject({
      status: 'failed',
      late: true,
    });
    now = at('2026-11-07 11:01');
    expect(await fire('2026-11-07')).toMatchObject({ schools: [{ outcome: 'sent', late: true, deliveries: 1 }] });
    await fire('2026-11-07');
    const sent = adapter.to('dm:demo-window');
    expect(sent).toHaveLength(2);
    expect(sent[1]!.text).toContain('（延遲送達：原定 115/11/07（六）09:00 送出）');
    expect(sent[1]!.text).toMatch(/「3日內通報主管機關」[^\n]*115\/11\/06（五）24:00/); // as first written, 11:00
    expect(sent[1]!.text).toContain('【每日個資事件摘要】中華民國115年11月7日');

    now = at('2026-11-08 09:00');
    await digest.schedule();
    now = at('2026-11-09 09:30'); // the product was down on the 8th
    expect(await fire('2026-11-08')).toMatchObject({ outcome: 'skipped', why: 'day-over' });
    expect(adapter.to('dm:demo-window')).toHaveLength(2);
  });

  it('once every incident is closed, the digest stops', async () => {
    await deps.prisma.incident.update({ where: { id: incidentId }, data: { status: 'closed', closedAt: now } });
    now = at('2026-11-10 09:00');
    await digest.schedule();
    expect(await fire('2026-11-10')).toMatchObject({ schools: [{ outcome: 'no-open-incidents' }] });
    expect(adapter.posted).toHaveLength(2);
  });
});
