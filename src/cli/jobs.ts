// npm run jobs [-- --limit 50] [--json]
// The operator's view of scheduled work: which reminders will fire when, which failed and why, which were sent (late
// ones marked). Reads the job queue (pg-boss schema) and the notice tables; changes nothing. Exit 0, or 2 on bad
// arguments or configuration. On the embedded database, stop the product first (one process per data directory).
import { join } from 'node:path';
import { loadConfig } from '../app/config.js';
import { loadClockRules } from '../core/clocks/index.js';
import { formatRocShort } from '../core/time/roc.js';
import { queueTotals, type QueueTotals } from '../jobs/metrics.js';
import { DIGEST_QUEUE, JOBS_SCHEMA, REMINDER_QUEUE } from '../jobs/runner.js';
import type { Database } from '../storage/database.js';
import { withDatabase } from './database.js';
import { readArgs, runWhenMain } from './entry.js';

interface JobRow {
  id: string;
  state: string;
  start_after: Date;
  retry_count: number;
  retry_limit: number;
  data: { incidentId: string; clockId: string; slot: string; fireAt: string };
  output: { message?: string; outcome?: string; why?: string } | null;
  completed_on: Date | null;
  ref: string | null;
}

export interface JobsReport {
  queueCreated: boolean;
  /** Fired, late and failed jobs of every instance (GET /metrics has the same per process). */
  totals: QueueTotals[];
  upcoming: { at: string; incident: string; clock: string; slot: string; state: string; retries: number; jobId: string }[];
  failed: { at: string; incident: string; clock: string; slot: string; error: string; retries: number; jobId: string }[];
  failedDeliveries: { notice: string; target: string; platform: string; attempts: number; error: string }[];
  sent: { dueAt: string; sentAt: string | null; incident: string; clock: string; slot: string; late: boolean; status: string }[];
}

export async function jobsReport(db: Database, clockLabel: (id: string) => string, limit: number): Promise<JobsReport> {
  const [probe] = await db.sql.query<{ exists: boolean }>(`SELECT to_regclass('${JOBS_SCHEMA}.job') IS NOT NULL AS exists`);
  const exists = probe?.exists === true;
  const select = (where: string, order: string) => `
    SELECT j.id, j.state, j.start_after, j.retry_count, j.retry_limit, j.data, j.output, j.completed_on, i.ref
    FROM ${JOBS_SCHEMA}.job j LEFT JOIN incident i ON i.id = j.data->>'incidentId'
    WHERE j.name = $1 AND ${where} ORDER BY ${order} LIMIT $2`;
  const upcoming = exists
    ? await db.sql.query<JobRow>(select(`j.state IN ('created', 'retry', 'active')`, 'j.start_after ASC'), [REMINDER_QUEUE, limit])
    : [];
  const failed = exists ? await db.sql.query<JobRow>(select(`j.state = 'failed'`, 'j.completed_on DESC'), [REMINDER_QUEUE, limit]) : [];
  const fmt = (d: Date | string | null) => (d ? formatRocShort(new Date(d)) : '—');
  const deliveries = await db.repos.notices.failedDeliveries(limit);
  const notices = await db.repos.notices.latest(limit);
  const refs = new Map(
    (
      await db.prisma.incident.findMany({
        where: { id: { in: notices.map((n) => n.incidentId).filter((x): x is string => !!x) } },
        select: { id: true, ref: true },
      })
    ).map((i) => [i.id, i.ref]),
  );
  return {
    queueCreated: exists,
    totals: await queueTotals(db, JOBS_SCHEMA, [REMINDER_QUEUE, DIGEST_QUEUE]),
    upcoming: upcoming.map((j) => ({
      at: fmt(j.start_after),
      incident: j.ref ?? j.data.incidentId,
      clock: clockLabel(j.data.clockId),
      slot: j.data.slot,
      state: j.state,
      retries: j.retry_count,
      jobId: j.id,
    })),
    failed: failed.map((j) => ({
      at: fmt(j.completed_on),
      incident: j.ref ?? j.data.incidentId,
      clock: clockLabel(j.data.clockId),
      slot: j.data.slot,
      error: j.output?.message ?? JSON.stringify(j.output),
      retries: j.retry_count,
      jobId: j.id,
    })),
    failedDeliveries: deliveries.map((d) => ({
      notice: d.noticeKey,
      target: d.target,
      platform: d.platform,
      attempts: d.attempts,
      error: d.error ?? '',
    })),
    sent: notices.map((n) => ({
      dueAt: fmt(n.dueAt),
      sentAt: n.sentAt ? fmt(n.sentAt) : null,
      incident: (n.incidentId && refs.get(n.incidentId)) ?? '—',
      clock: n.clockId ? clockLabel(n.clockId) : n.kind,
      slot: n.slot ?? '',
      late: n.late,
      status: n.status,
    })),
  };
}

function print(r: JobsReport): string {
  const out: string[] = [];
  if (!r.queueCreated) out.push('The job queue has not been created yet: start the product once (npm start).');
  out.push('Jobs (all instances):');
  out.push(`  ${'queue'.padEnd(16)}${['fired', 'late', 'failed', 'retries', 'pending'].map((h) => h.padStart(9)).join('')}`);
  for (const t of r.totals)
    out.push(`  ${t.queue.padEnd(16)}${[t.fired, t.late, t.failed, t.retries, t.pending].map((n) => String(n).padStart(9)).join('')}`);
  out.push(`Will fire (${r.upcoming.length}):`);
  for (const u of r.upcoming)
    out.push(`  ${u.at}  ${u.incident}  ${u.clock} [${u.slot}]  ${u.state}${u.retries ? ` (retry ${u.retries})` : ''}`);
  out.push(`Failed jobs (${r.failed.length}):`);
  for (const f of r.failed)
    out.push(`  ${f.at}  ${f.incident}  ${f.clock} [${f.slot}]  after ${f.retries} retries: ${f.error}  (job ${f.jobId})`);
  out.push(`Failed deliveries (${r.failedDeliveries.length}):`);
  for (const d of r.failedDeliveries) out.push(`  ${d.target} on ${d.platform}, ${d.attempts} attempt(s): ${d.error}`);
  out.push(`Recently sent (${r.sent.length}):`);
  for (const s of r.sent)
    out.push(
      `  due ${s.dueAt}  sent ${s.sentAt ?? '—'}  ${s.incident}  ${s.clock} [${s.slot}]  ${s.status}${s.late ? '  LATE (延遲送達)' : ''}`,
    );
  return `${out.join('\n')}\n`;
}

async function main(): Promise<number> {
  const args = readArgs(
    { options: { json: { type: 'boolean', default: false }, limit: { type: 'string', default: '50' } } },
    'usage: npm run jobs -- [--limit N] [--json]\n',
  )?.values;
  if (!args) return 2;
  const limit = Number(args.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    process.stderr.write(`--limit must be a whole number ≥ 1 (got "${args.limit}")\n`);
    return 2;
  }
  const config = loadConfig();
  const rules = loadClockRules(join(config.playbooksDir, 'clocks.yaml'));
  const label = (id: string) => rules.clocks.find((c) => c.id === id)?.label ?? id;
  return withDatabase(config, async (db) => {
    const report = await jobsReport(db, label, limit);
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : print(report));
    return 0;
  });
}

runWhenMain(import.meta.url, 'jobs', main);
