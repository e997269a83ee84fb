// npm run bench:reminders [-- --incidents 1000 --due 200 --window 60]
// Clock reminders on PostgreSQL (TEST_POSTGRES_URL or the local server), in a fresh database, one product instance:
// (1) scheduling: 1,000 incidents' clocks re-planned into ~10,000 pending reminder jobs (cost per incident);
// (2) lateness: while those are pending, `--due` more incidents whose two 1-hour reminders fall due spread over
//     `--window` seconds; lateness = when the reminder was claimed minus when it was planned (notice rows);
// (3) cancelling: the 1,000 incidents closed, each one's pending jobs cancelled. Prints a table; numbers, not pass/fail
// (issue #6 target: p99 lateness ≤ 2 s).
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/app/config.js';
import { startApp } from '../src/app/app.js';
import { createLogger } from '../src/app/logger.js';
import type { IntakeAnswers } from '../src/core/incidents/types.js';
import { JOBS_SCHEMA, REMINDER_QUEUE } from '../src/jobs/runner.js';
import { pct } from './stats.js';
import { DEMO_TEACHER, sampleAnswers } from '../test/helpers/jobs.js';

const { values: args } = parseArgs({
  options: {
    incidents: { type: 'string', default: '1000' },
    due: { type: 'string', default: '200' },
    window: { type: 'string', default: '60' },
  },
});
const INCIDENTS = Number(args.incidents);
const DUE = Number(args.due);
const WINDOW_MS = Number(args.window) * 1000;
const PG_SERVER = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const KEYS = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const teacher = DEMO_TEACHER;

interface Row {
  what: string;
  n: number;
  p50: number;
  p99: number;
  max: number;
  unit: string;
}
const rows: Row[] = [];
const record = (what: string, xs: number[], unit: string) =>
  rows.push({ what, n: xs.length, p50: pct(xs, 50), p99: pct(xs, 99), max: Math.max(...xs), unit });
const notes: string[] = [];

const answers = (awareAt: Date): IntakeAnswers => sampleAnswers(awareAt);

async function main() {
  const name = `pdi_bench_rem_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: PG_SERVER });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(PG_SERVER);
  url.pathname = `/${name}`;
  const app = await startApp(
    loadConfig({
      PORT: '0',
      LOCAL_CHAT: 'on',
      DEMO_SEED: 'on',
      DATA_ENCRYPTION_KEYS: KEYS,
      LOG_LEVEL: 'silent',
      DATABASE_URL: url.toString(),
      JOBS_POLL_SECONDS: '0.5',
    }),
    { log: createLogger({ level: 'silent' }) },
  );
  try {
    const { db, deps, jobs } = app;
    const pending = async () =>
      Number(
        (
          await db.sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND state = 'created'`, [
            REMINDER_QUEUE,
          ])
        )[0]!.n,
      );

    // (1) 1,000 incidents reported without the hook, then each one's reminders planned and queued, timed.
    const hook = deps.onIncidentChanged;
    deps.onIncidentChanged = undefined;
    const ids: string[] = [];
    const t0 = performance.now();
    for (let i = 0; i < INCIDENTS; i += 1)
      ids.push((await app.bot.incidents.report(teacher, null, answers(new Date(Date.now() - i * 1000)))).incident.id);
    notes.push(`${INCIDENTS} incidents reported in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    deps.onIncidentChanged = hook;
    const schedule: number[] = [];
    const s0 = performance.now();
    for (const id of ids) {
      const t = performance.now();
      await jobs.clockReminders.reconcile(id, 'reported');
      schedule.push(performance.now() - t);
    }
    const scheduledTotal = performance.now() - s0;
    const queued = await pending();
    const clocks = await db.prisma.clockSchedule.count({ where: { state: 'active' } });
    record(`schedule: one incident (${(queued / INCIDENTS).toFixed(1)} jobs)`, schedule, 'ms');
    notes.push(
      `scheduling: ${clocks} active clocks, ${queued} pending jobs in ${(scheduledTotal / 1000).toFixed(1)} s (${((queued / scheduledTotal) * 1000).toFixed(0)} jobs/s)`,
    );

    // (2) Lateness while those are pending: reminders due spread over the window, sent by the running worker.
    const lead = 15_000;
    const dueStart = Date.now() + lead;
    const dueIds: string[] = [];
    for (let i = 0; i < DUE; i += 1) {
      const fireAt = dueStart + Math.round((i * WINDOW_MS) / DUE);
      dueIds.push((await app.bot.incidents.report(teacher, null, answers(new Date(fireAt - 3 * 3600_000)))).incident.id);
    }
    if (Date.now() > dueStart)
      notes.push(
        `warning: reporting the ${DUE} due incidents took longer than the ${lead / 1000} s lead; the first reminders were due before they were planned`,
      );
    const where = { incidentId: { in: dueIds }, slot: 'before-60m', clockId: { in: ['report-window-4h', 'contain-4h'] } };
    const expected = dueIds.length * 2;
    const until = dueStart + WINDOW_MS + 120_000;
    while ((await db.prisma.notice.count({ where: { ...where, status: 'sent' } })) < expected && Date.now() < until)
      await new Promise((r) => setTimeout(r, 500));
    const notices = await db.prisma.notice.findMany({ where });
    record(
      `lateness: ${notices.length}/${expected} reminders`,
      notices.map((n) => (n.createdAt.getTime() - n.dueAt.getTime()) / 1000),
      's',
    );
    const sent = notices.filter((n) => n.sentAt);
    record(
      'due → sent (delivered to the chat)',
      sent.map((n) => (n.sentAt!.getTime() - n.dueAt.getTime()) / 1000),
      's',
    );
    notes.push(`lateness measured with ${await pending()} jobs pending in the queue`);

    // (3) Cancelling: close each of the 1,000 incidents (directly in the table) and let reconcile cancel its jobs.
    const cancel: number[] = [];
    const c0 = performance.now();
    for (const id of ids) {
      await db.prisma.incident.update({ where: { id }, data: { status: 'closed', closedAt: new Date() } });
      const t = performance.now();
      await jobs.clockReminders.reconcile(id, 'status:closed');
      cancel.push(performance.now() - t);
    }
    const cancelTotal = performance.now() - c0;
    const cancelled = Number(
      (
        await db.sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND state = 'cancelled'`, [
          REMINDER_QUEUE,
        ])
      )[0]!.n,
    );
    record('cancel: one incident (all its jobs)', cancel, 'ms');
    notes.push(
      `cancelling: ${cancelled} jobs cancelled in ${(cancelTotal / 1000).toFixed(1)} s; ${await pending()} still pending (the due-phase incidents)`,
    );
  } finally {
    await app.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }

  const f = (n: number) => n.toFixed(n >= 100 ? 0 : 2).padStart(9);
  console.log(`\nNode ${process.version}, PostgreSQL at ${new URL(PG_SERVER).host}, one instance, polling 0.5 s\n`);
  console.log(`${'measure'.padEnd(44)} ${'n'.padStart(6)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'max'.padStart(9)}  unit`);
  console.log('-'.repeat(88));
  for (const r of rows) console.log(`${r.what.padEnd(44)} ${String(r.n).padStart(6)} ${f(r.p50)} ${f(r.p99)} ${f(r.max)}  ${r.unit}`);
  console.log('');
  for (const n of notes) console.log(`- ${n}`);
}

await main();
