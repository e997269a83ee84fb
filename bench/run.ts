// npm run bench [-- --reports 30] [--no-postgres] [--trace-sql]   (--trace-sql: prints the statements of the last report, PostgreSQL)
// Prints tables: (1) start-up time, (2) time from a report to the incident card being posted, with the SQL statements
// each request sends (queries), on the embedded database (PGlite) and on PostgreSQL (TEST_POSTGRES_URL or the local
// server), and (3) where the time of report form → incident card goes (stages, bench/probe.ts). Numbers, not
// pass/fail; target (issue #16): report form → incident card p95 ≤ 100 ms on both engines.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig, ROOT_DIR } from '../src/app/config.js';
import { startApp, type RunningApp } from '../src/app/app.js';
import { createLogger } from '../src/app/logger.js';
import type { Card, Form, InboundEvent, TextMessage } from '../src/ports/chat-model.js';
import { checklistCard, incidentCard } from '../src/core/conversation/render.js';
import { Probe, type Measured, type StageTotals } from './probe.js';
import { startCommand } from './start-command.js';
import { pct } from './stats.js';

const { values: args } = parseArgs({
  options: {
    reports: { type: 'string', default: '30' },
    'no-postgres': { type: 'boolean', default: false },
    'trace-sql': { type: 'boolean', default: false },
  },
});
const REPORTS = Number(args.reports);
const PG_SERVER = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const KEYS = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const log = createLogger({ level: 'silent' });

interface Row {
  engine: string;
  what: string;
  n: number;
  p50: number;
  p95: number;
  max: number;
  queries?: number;
}
const rows: Row[] = [];
/** `queries`: the SQL statements per request (median), product and job queue together (bench/probe.ts). */
const record = (engine: string, what: string, xs: number[], queries?: number[]) =>
  rows.push({
    engine,
    what,
    n: xs.length,
    p50: pct(xs, 50),
    p95: pct(xs, 95),
    max: Math.max(...xs),
    ...(queries ? { queries: pct(queries, 50) } : {}),
  });
interface StageRow {
  engine: string;
  stage: string;
  ms: number;
  app: number;
  jobs: number;
  calls: number;
}
const stageRows: StageRow[] = [];

type Env = Record<string, string>;
async function withPostgresDb<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `pdi_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: PG_SERVER });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(PG_SERVER);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function start(env: Env): Promise<{ app: RunningApp; ms: number }> {
  const t0 = performance.now();
  const app = await startApp(
    loadConfig({ PORT: '0', LOCAL_CHAT: 'on', DEMO_SEED: 'on', DATA_ENCRYPTION_KEYS: KEYS, LOG_LEVEL: 'silent', ...env }),
    { log },
  );
  return { app, ms: performance.now() - t0 };
}

/** Whole process as `npm start` runs it (scripts/start.mjs → dist/) until /readyz answers 200. */
async function processStart(env: Env): Promise<number> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const t0 = performance.now();
  const start = startCommand(ROOT_DIR); // npm start's settings and Node flags (package.json)
  const child = spawn(process.execPath, [...start.flags, join(ROOT_DIR, 'scripts', 'start.mjs')], {
    cwd: ROOT_DIR,
    env: { ...process.env, ...start.env, ...env, PORT: String(port), LOG_LEVEL: 'silent', DATA_ENCRYPTION_KEYS: KEYS },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return performance.now() - t0;
      } catch {
        /* not up yet */
      }
      if (performance.now() - t0 > 120_000) throw new Error('process did not become ready in 120 s');
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function post(app: RunningApp, path: string, body: unknown) {
  const res = await fetch(`${app.url}/local/api/conversations/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`${path} → ${res.status}`);
  return ((await res.json()) as { replies: { body: TextMessage | Card | Form; conversationId: string }[] }).replies;
}

const local = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16);

/** Stages of the report form → incident card request (exclusive time: a stage's nested stages are booked apart). */
function instrument(app: RunningApp, probe: Probe): { last: () => Measured<void> } {
  let last: Measured<void> | null = null;
  const handle = app.bot.handle.bind(app.bot);
  app.bot.handle = async (ev: InboundEvent) => {
    last = await probe.measure(() => handle(ev));
  };
  probe.stage(app.bot.incidents, 'report', 'incident written (IncidentService.report)');
  probe.stage(app.bot.incidents, 'get', 'incident read (IncidentService.get)');
  probe.stage(app.bot.incidents, 'recordWindowReport', 'window report recorded');
  probe.stage(app.deps, 'onIncidentChanged', 'reminders planned (jobs reconcile)');
  probe.stage(app.local!, 'send', 'messages stored (local adapter send)');
  probe.stage(app.local!, 'update', 'messages stored (local adapter send)');
  return {
    last: () => {
      if (!last) throw new Error('the bot handled nothing');
      return last;
    },
  };
}

async function reports(engine: string, app: RunningApp) {
  const probe = new Probe({ trace: args['trace-sql'] });
  const { last } = instrument(app, probe);
  const total: number[] = [];
  const submit: number[] = [];
  const offer: number[] = [];
  const offerQ: number[] = [];
  const submitQ: number[] = [];
  const totalQ: number[] = [];
  const submitCpu: number[] = [];
  const stages = new Map<string, StageTotals>();
  let cards = 0;
  let lastIncident = '';
  for (let i = 0; i < REPORTS + 3; i += 1) {
    const t0 = performance.now();
    const r1 = await post(app, 'demo-staff/messages', { as: 'demo-teacher', text: '我寄錯信了，成績單寄給全班家長' });
    const t1 = performance.now();
    const m1 = last();
    const start = (r1.find((m) => m.body.type === 'text' && m.body.quickReplies?.length)!.body as TextMessage).quickReplies![0]!;
    const r2 = await post(app, 'demo-staff/actions', { as: 'demo-teacher', action: start.action });
    const m2 = last();
    const form = r2.find((m) => m.body.type === 'form')!;
    const t2 = performance.now();
    const r3 = await post(app, `${form.conversationId}/forms`, {
      as: 'demo-teacher',
      formId: (form.body as Form).formId,
      values: {
        scenario: 'misdirected-message',
        howLeaked: '成績單寄錯',
        occurredAt: local(new Date(Date.now() - 3600_000)),
        awareAt: local(new Date()),
        place: '教務處',
        categories: ['name'],
        affectedEstimate: '30',
        affectedKinds: ['students'],
        involvesSystem: 'false',
        stepsTaken: '已請收件者刪除',
      },
    });
    const t3 = performance.now();
    const m3 = last();
    const card = r3.find((m) => m.body.type === 'card' && (m.body as Card).key === 'incident');
    if (!card) throw new Error('no incident card');
    if (i < 3) continue; // warm-up
    offer.push(t1 - t0);
    submit.push(t3 - t2);
    total.push(t1 - t0 + (t3 - t1));
    const q = (m: Measured<void>) => m.app + m.jobs;
    offerQ.push(q(m1));
    submitQ.push(q(m3));
    submitCpu.push(m3.cpuMs);
    totalQ.push(q(m1) + q(m2) + q(m3));
    cards += r3.filter((m) => m.body.type === 'card').length;
    let booked = { ms: 0, app: 0, jobs: 0 };
    for (const [name, s] of m3.stages) {
      const acc = stages.get(name) ?? { ms: 0, app: 0, jobs: 0, calls: 0 };
      stages.set(name, { ms: acc.ms + s.ms, app: acc.app + s.app, jobs: acc.jobs + s.jobs, calls: acc.calls + s.calls });
      booked = { ms: booked.ms + s.ms, app: booked.app + s.app, jobs: booked.jobs + s.jobs };
    }
    const acc = stages.get('rest (conversation engine, cards, lookups)') ?? { ms: 0, app: 0, jobs: 0, calls: 0 };
    stages.set('rest (conversation engine, cards, lookups)', {
      ms: acc.ms + m3.ms - booked.ms,
      app: acc.app + m3.app - booked.app,
      jobs: acc.jobs + m3.jobs - booked.jobs,
      calls: acc.calls + 1,
    });
    lastIncident = (card.body as Card).title;
  }
  if (args['trace-sql'] && last().trace)
    console.log(`\n${engine}: the statements of the last report form → incident card\n${last().trace!.join('\n')}`);
  record(engine, 'leak message → offer', offer, offerQ);
  record(engine, 'report form → incident card', submit, submitQ);
  record(engine, 'message → incident card (bot time)', total, totalQ);
  // CPU of the product's process while it handled the form (PGlite runs inside it; a PostgreSQL server's does not).
  record(engine, 'report form → card, CPU ms of the process', submitCpu, submitQ);
  for (const [stage, s] of stages)
    stageRows.push({ engine, stage, ms: s.ms / REPORTS, app: s.app / REPORTS, jobs: s.jobs / REPORTS, calls: s.calls / REPORTS });
  // Rendering is pure (no I/O): timed apart, on the last incident, times the cards one report renders.
  const ref = /\d{3}-\d{3}/.exec(lastIncident)?.[0];
  const incident = ref ? await app.db.prisma.incident.findFirst({ where: { ref } }) : null;
  if (incident) {
    const view = await app.bot.incidents.get(incident.id);
    const n = 200;
    const r0 = performance.now();
    for (let i = 0; i < n; i += 1) {
      incidentCard(view, new Date());
      checklistCard(view);
    }
    const perPair = (performance.now() - r0) / n;
    stageRows.push({
      engine,
      stage: `  of which card rendering (${(cards / REPORTS).toFixed(0)} cards sent)`,
      ms: (perPair / 2) * (cards / REPORTS),
      app: 0,
      jobs: 0,
      calls: cards / REPORTS,
    });
  }
}

/** Cold start, three warm starts (reports measured on the last), and a whole-process start, on one engine. */
async function measureEngine(engine: string, env: Env, coldLabel: string) {
  const cold = await start(env);
  await cold.app.close();
  const warm: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const w = await start(env);
    warm.push(w.ms);
    if (i === 2) await reports(engine, w.app);
    await w.app.close();
  }
  record(engine, `start-up, in process, ${coldLabel}`, [cold.ms]);
  record(engine, 'start-up, in process, existing data', warm);
  record(engine, 'start-up, whole process to ready', [await processStart({ LOCAL_CHAT: 'on', ...env })]);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'pdi-bench-'));
  try {
    await measureEngine('pglite', { DATA_DIR: dir }, 'new data dir');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!args['no-postgres']) {
    // A demonstration database (config refuses the local chat and the demo seed on a production DATABASE_URL).
    await withPostgresDb((url) => measureEngine('postgres', { DATABASE_URL: url, LOCAL_CHAT: 'demo-on-network' }, 'new database'));
  }
  const f = (n: number) => n.toFixed(1).padStart(9);
  console.log(
    `\nNode ${process.version}, ${REPORTS} reports per engine (after 3 warm-up), times in ms, queries = SQL statements per request (median)\n`,
  );
  console.log(
    `${'engine'.padEnd(9)} ${'measure'.padEnd(38)} ${'n'.padStart(4)} ${'p50'.padStart(9)} ${'p95'.padStart(9)} ${'max'.padStart(9)} ${'queries'.padStart(8)}`,
  );
  console.log('-'.repeat(91));
  for (const r of rows)
    console.log(
      `${r.engine.padEnd(9)} ${r.what.padEnd(38)} ${String(r.n).padStart(4)} ${f(r.p50)} ${f(r.p95)} ${f(r.max)} ${(r.queries === undefined ? '-' : String(r.queries)).padStart(8)}`,
    );
  console.log(
    '\nWhere report form → incident card goes (mean per report; a stage excludes the stages nested in it; statements: product + job queue)\n',
  );
  console.log(
    `${'engine'.padEnd(9)} ${'stage'.padEnd(46)} ${'calls'.padStart(6)} ${'ms'.padStart(7)} ${'stmts'.padStart(7)} ${'queue'.padStart(6)}`,
  );
  console.log('-'.repeat(86));
  for (const r of stageRows)
    console.log(
      `${r.engine.padEnd(9)} ${r.stage.padEnd(46)} ${r.calls.toFixed(1).padStart(6)} ${r.ms.toFixed(1).padStart(7)} ${r.app.toFixed(1).padStart(7)} ${r.jobs.toFixed(1).padStart(6)}`,
    );
}

await main();
