import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app/app.js';
import { loadConfig } from '../../src/app/config.js';
import { createLogger } from '../../src/app/logger.js';
import type { IntakeAnswers } from '../../src/core/incidents/types.js';
import { readTimeline } from '../../src/core/timeline/timeline.js';
import { jobsReport } from '../../src/cli/jobs.js';
import { JOBS_SCHEMA } from '../../src/jobs/runner.js';
import { TEST_KEYS } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { DEMO_TEACHER, sampleAnswers } from '../helpers/jobs.js';
import { LocalClient, texts } from '../helpers/local-client.js';

/**
 * Clock reminders end to end on the real job queue (pg-boss on the embedded PGlite through its socket, or on
 * PostgreSQL in the postgres project): a due reminder arrives once in the local chat; after a restart, reminders that
 * fell due while the product was down are sent on start, once, marked 延遲送達.
 */

const teacher = DEMO_TEACHER;
const REPORT_WINDOW_SOON = '「4小時內通報個資聯絡窗口」還有1小時到期';

function answersDueIn(ms: number, now: Date): IntakeAnswers {
  // report-window-4h reminds 1 h before its 4-hour target: aware 3 h before (now + ms).
  return sampleAnswers(new Date(now.getTime() - 3 * 3600_000 + ms));
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The value of one series in a Prometheus text exposition (0 when absent: a counter never incremented). */
function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('clock reminders on the job queue', () => {
  let tdb: TestDatabase;
  let app: RunningApp | null = null;
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  const config = loadConfig({ PORT: '0', LOCAL_CHAT: 'on', DEMO_SEED: 'on', DATA_ENCRYPTION_KEYS: TEST_KEYS, LOG_LEVEL: 'silent' });
  const start = async () => {
    app = await startApp(config, { db: tdb.db, log: createLogger({ level: 'silent' }), now, jobs: { pollingIntervalSeconds: 0.5 } });
    return app;
  };
  const reminderTexts = async (as: string, incidentRef: string, phrase: string) =>
    texts(await new LocalClient(app!.url).messages(as, `dm:${as}`)).filter(
      (t) => t.includes(`個資事件 ${incidentRef}`) && t.includes(phrase),
    );

  beforeAll(async () => {
    tdb = await createTestDatabase();
    await start();
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.destroy();
  });

  it('a due reminder arrives once in the local chat, on time', async () => {
    const a = app!;
    const view = await a.bot.incidents.report(teacher, null, answersDueIn(2_000, now()));
    const ref = view.incident.ref;
    const [first] = await waitFor('the reminder in the reporter’s private chat', async () => {
      const found = await reminderTexts('demo-teacher', ref, REPORT_WINDOW_SOON);
      return found.length > 0 && found;
    });
    // The Taipei City office's rules bind that office only: for a school they are practice adopted (docs/rules.md).
    expect(first).toContain('法律依據：參考臺北市政府政風處個人資料保護管理要點第45點第1項之作法');
    await sleep(2_500); // polling continues: nothing arrives twice
    expect(await reminderTexts('demo-teacher', ref, REPORT_WINDOW_SOON)).toHaveLength(1);
    expect(await reminderTexts('demo-teacher', ref, '「4小時內採取應變措施」還有1小時到期')).toHaveLength(1);

    const notice = await a.db.prisma.notice.findFirstOrThrow({
      where: { incidentId: view.incident.id, clockId: 'report-window-4h', slot: 'before-60m' },
    });
    expect(notice).toMatchObject({ status: 'sent', late: false });
    expect(notice.createdAt.getTime() - notice.dueAt.getTime()).toBeLessThan(5_000);
    const jobs = await a.db.sql.query<{ state: string }>(`SELECT state FROM ${JOBS_SCHEMA}.job WHERE id = $1`, [notice.jobId]);
    expect(jobs.map((j) => j.state)).toEqual(['completed']);
    const sent = (await readTimeline(a.deps, view.incident.id)).filter((e) => e.type === 'reminder.sent');
    expect(sent.map((e) => e.summary)).toContain('期限提醒「4小時內通報個資聯絡窗口」（到期前1小時）→ 王老師（示範）');

    // The operator's view (npm run jobs): what will fire next for this incident, and what was sent.
    const report = await jobsReport(a.db, (id) => a.deps.clockRules.clocks.find((c) => c.id === id)?.label ?? id, 100);
    expect(report.queueCreated).toBe(true);
    const next = report.upcoming.filter((u) => u.incident === ref && u.clock === '4小時內通報個資聯絡窗口').map((u) => [u.slot, u.state]);
    expect(next).toEqual([
      ['before-15m', 'created'],
      ['due', 'created'],
      ['overdue-1', 'created'],
    ]);
    expect(report.sent.some((s) => s.incident === ref && s.slot === 'before-60m' && s.status === 'sent' && !s.late)).toBe(true);
    expect(report.failed).toEqual([]);
    const totals = report.totals.find((t) => t.queue === 'clock-reminder')!;
    expect(totals.fired).toBeGreaterThanOrEqual(2);
    expect(totals).toMatchObject({ late: 0, failed: 0 });

    // GET /metrics (Prometheus text): what this process fired, and the shared queue's states.
    const res = await fetch(`${a.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const metrics = await res.text();
    expect(metricValue(metrics, 'pdi_jobs_fired_total{queue="clock-reminder",outcome="sent"}')).toBeGreaterThanOrEqual(2);
    expect(metricValue(metrics, 'pdi_jobs_late_total{queue="clock-reminder"}')).toBe(0);
    expect(metricValue(metrics, 'pdi_jobs_queued{queue="clock-reminder",state="created"}')).toBeGreaterThanOrEqual(3);
    expect(metricValue(metrics, 'pdi_jobs_lateness_seconds_bucket{le="5",queue="clock-reminder"}')).toBeGreaterThanOrEqual(2);
  });

  it("an incident's reminders go to the queue in one insert with the queue's settings; adding them again changes nothing", async () => {
    const a = app!;
    const view = await a.bot.incidents.report(teacher, null, sampleAnswers(now()));
    type JobRow = {
      id: string;
      singleton_key: string | null;
      start_after: Date;
      created_on: Date;
      state: string;
      retry_limit: number;
      retry_delay: number;
      retry_backoff: boolean;
      expire_secs: number;
      keep_days: number;
      policy: string;
    };
    const jobs = () =>
      a.db.sql.query<JobRow>(
        `SELECT id, singleton_key, start_after, created_on, state, retry_limit, retry_delay, retry_backoff, policy,
                extract(epoch FROM expire_in)::int AS expire_secs, round(extract(epoch FROM keep_until - start_after) / 86400)::int AS keep_days
           FROM ${JOBS_SCHEMA}.job WHERE name = 'clock-reminder' AND data->>'incidentId' = $1 ORDER BY id`,
        [view.incident.id],
      );
    const first = await jobs();
    expect(first.length).toBeGreaterThanOrEqual(3);
    for (const j of first) {
      // The product's queue settings (src/jobs/runner.ts), pg-boss's 14-day keep, the reminder's key as singleton key.
      expect(j).toMatchObject({
        state: 'created',
        retry_limit: 8,
        retry_delay: 15,
        retry_backoff: true,
        expire_secs: 300,
        keep_days: 14,
        policy: 'standard',
      });
      expect(j.singleton_key).toMatch(new RegExp(`^rem:${view.incident.id}:`));
    }
    await a.jobs.clockReminders.reconcile(view.incident.id, 'checklist');
    expect(await jobs()).toEqual(first);
  });

  it('reminders due while the product was down are sent on start, once, marked 延遲送達', async () => {
    const view = await app!.bot.incidents.report(teacher, null, answersDueIn(1_500, now()));
    const ref = view.incident.ref;
    const due = await app!.db.prisma.clockSchedule.findUniqueOrThrow({
      where: { incidentId_clockId: { incidentId: view.incident.id, clockId: 'report-window-4h' } },
    });
    expect(due.state).toBe('active');
    // The process stops before the reminder is due…
    await app!.close();
    await tdb.db.close();
    await sleep(2_500);
    // …and starts again (on the same data) ten minutes later by the product's clock.
    offset = 10 * 60_000;
    tdb.db = await tdb.reopen();
    await start();
    const [text] = await waitFor('the late reminder after the restart', async () => {
      const found = await reminderTexts('demo-teacher', ref, '「4小時內通報個資聯絡窗口」');
      return found.length > 0 && found;
    });
    expect(text).toMatch(/（延遲送達：原定 \d{3}\/\d{2}\/\d{2}（.）\d{2}:\d{2} 送出）/);
    await sleep(2_500);
    expect(await reminderTexts('demo-teacher', ref, '「4小時內通報個資聯絡窗口」')).toHaveLength(1);
    const notices = await app!.db.prisma.notice.findMany({ where: { incidentId: view.incident.id, clockId: 'report-window-4h' } });
    expect(notices.map((n) => [n.slot, n.late, n.status])).toEqual([['before-60m', true, 'sent']]);
    const entry = (await readTimeline(app!.deps, view.incident.id)).find(
      (e) => e.type === 'reminder.sent' && e.summary.includes('4小時內通報個資聯絡窗口'),
    );
    expect(entry!.summary).toContain('延遲送達');
    const metrics = await (await fetch(`${app!.url}/metrics`)).text();
    // Both 4-hour clocks' 1-hour reminders (report-window-4h, contain-4h) went out late.
    expect(metricValue(metrics, 'pdi_jobs_late_total{queue="clock-reminder"}')).toBe(2);
    const report = await jobsReport(app!.db, (id) => id, 10);
    expect(report.totals.find((t) => t.queue === 'clock-reminder')!.late).toBe(2);
  });
});
