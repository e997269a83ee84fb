// npm run bench:console [-- --postgres <url>] [--incidents 1000] [--entries 50000] [--long 2000] [--runs 30] [--profile f]
// The web console (issue #18) with a school's worth of history: 1,000 incidents and 50,000 timeline entries, then the
// list (default filter, a search by number, status=all) and two incident pages (a typical timeline of ~50 entries and
// a long one of ~2,000), each requested `--runs` times over HTTP (fetch to the listening server) with a signed-in console session.
// The people page (its first and fourth page and a search) with 300 more people. Prints p50 / p95 / max per page, CPU,
// the HTML size and the SQL statements each request sends (bench/probe.ts). Target: p95 ≤ 100 ms.
//
// Engine: the embedded default (PGlite, a fresh data dir) unless `--postgres <url>` names a server, where a fresh
// database is created and dropped. Seeding goes through the product's own services (report, tick, advance, notices)
// so every row is one the product writes; the bulk of the timeline is appended with the product's
// appendTimelineEntries in batches (one transaction per incident: chained, hashed and sealed like any other entry).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/app/config.js';
import { startApp, type RunningApp } from '../src/app/app.js';
import { createLogger } from '../src/app/logger.js';
import type { IntakeAnswers } from '../src/core/incidents/types.js';
import { recordPersonChange, ROSTER_IMPORT_ACTOR } from '../src/core/people/history.js';
import type { Actor } from '../src/core/roles.js';
import { appendTimelineEntries, type TimelineInput } from '../src/core/timeline/timeline.js';
import { refreshPlannerStatistics } from '../src/jobs/retention.js';
import { SignInLinks } from '../src/web/console/links.js';
import { Probe, type Measured } from './probe.js';
import { pct } from './stats.js';
import { DEMO_TEACHER, sampleAnswers } from '../test/helpers/jobs.js';

const { values: args } = parseArgs({
  options: {
    postgres: { type: 'string' },
    incidents: { type: 'string', default: '1000' },
    entries: { type: 'string', default: '50000' },
    long: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '30' },
    /** Keeps the embedded data dir here and seeds it once: later runs with the same dir only measure. */
    reuse: { type: 'string' },
    /** Writes a CPU profile (.cpuprofile, Chrome DevTools) of the measuring phase only. */
    profile: { type: 'string' },
  },
});
const INCIDENTS = Number(args.incidents);
const ENTRIES = Number(args.entries);
const LONG = Number(args.long);
const RUNS = Number(args.runs);
const KEYS = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const log = createLogger({ level: 'silent' });

const WINDOW: Actor = {
  personId: 'demo-window',
  schoolId: 'demo-school',
  displayName: '李組長（示範）',
  roles: ['staff', 'contactWindow'],
};
const PRINCIPAL: Actor = { personId: 'demo-principal', schoolId: 'demo-school', displayName: '陳校長（示範）', roles: ['principal'] };
const SCENARIOS = ['misdirected-message', 'shared-roster', 'form-responses', 'public-video', 'lost-media', 'hacked-system', 'general'];

/** A small deterministic generator, so two runs seed the same school. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Seeded {
  typical: string;
  long: string;
  searchRef: string;
  entries: number;
  statuses: Record<string, number>;
  ms: number;
}

/** 1,000 incidents through the product's services, in a realistic mix of stages, then their timelines filled up. */
async function seed(app: RunningApp): Promise<Seeded> {
  const t0 = performance.now();
  const { bot, db, deps } = app;
  const rand = rng(18);
  // No reminder jobs while seeding (as bench/reminders.ts): the console reads clocks, not the queue.
  const hook = deps.onIncidentChanged;
  deps.onIncidentChanged = undefined;
  const ids: string[] = [];
  const now = Date.now();
  for (let i = 0; i < INCIDENTS; i += 1) {
    // Spread over the last ~two years, newest last; a few reported just now with running short clocks.
    const awareAt = new Date(now - Math.round(((INCIDENTS - i) / INCIDENTS) * 700 * 86_400_000 * rand()) - 3600_000);
    const scenario = SCENARIOS[Math.floor(rand() * SCENARIOS.length)]!;
    const over: Partial<IntakeAnswers> = {
      scenario,
      involvesSystem: scenario === 'hacked-system',
      affectedEstimate: 1 + Math.floor(rand() * 400),
      categories: rand() < 0.3 ? ['identity', 'contact'] : ['identity'],
    };
    ids.push((await bot.incidents.report(DEMO_TEACHER, null, sampleAnswers(awareAt, over))).incident.id);
    if ((i + 1) % 100 === 0) process.stderr.write(`  reported ${i + 1}/${INCIDENTS}\n`);
  }
  // Stages: ~75 % worked on (first items ticked), of those some assessing / notifying with a notice drafted, and some
  // handling ended (every open item resolved) and closed by the principal.
  for (const [n, id] of ids.entries()) {
    const r = rand();
    if (r < 0.25) continue;
    try {
      const items = await db.prisma.checklistItem.findMany({ where: { incidentId: id }, orderBy: { position: 'asc' } });
      const ticks = 1 + Math.floor(rand() * 3);
      for (const item of items.slice(0, ticks)) await bot.incidents.setChecklistState(WINDOW, item.id, 'done', '已處理');
      if (r < 0.45) continue;
      await bot.incidents.advance(WINDOW, id, 'assessing');
      if (r < 0.6) continue;
      await bot.incidents.advance(WINDOW, id, 'notifying');
      const { view } = await bot.notices.service.draft(WINDOW, id, 'guardians');
      await bot.notices.service.submit(WINDOW, view.notice.id);
      if (r < 0.75) continue;
      const open = await db.prisma.checklistItem.findMany({ where: { incidentId: id, state: 'open' } });
      await bot.incidents.endHandling(WINDOW, id, {
        endedAt: new Date(),
        resolutions: open.map((o) => ({ itemId: o.id, state: 'done' as const, note: '已處理' })),
      });
      if (r < 0.85) continue;
      // Ending handling may add the follow-up items of a closure; they are done before the principal closes.
      for (const o of await db.prisma.checklistItem.findMany({ where: { incidentId: id, state: 'open' } }))
        await bot.incidents.setChecklistState(WINDOW, o.id, 'done', '已處理');
      await bot.incidents.advance(PRINCIPAL, id, 'closed');
    } catch (err) {
      if (n < 3) process.stderr.write(`  (stage of ${id} stopped: ${(err as Error).message})\n`);
    }
    if ((n + 1) % 100 === 0) process.stderr.write(`  worked ${n + 1}/${INCIDENTS}\n`);
  }
  deps.onIncidentChanged = hook;

  // The rest of the timeline: reminders and downloads, as the product appends them, in batches per incident.
  const counts = new Map(
    (await db.prisma.timelineEntry.groupBy({ by: ['incidentId'], _count: { _all: true } })).map((c) => [c.incidentId, c._count._all]),
  );
  const have = [...counts.values()].reduce((a, b) => a + b, 0);
  const long = ids[Math.floor(ids.length / 2)]!;
  const typical = ids[ids.length - 3]!;
  const others = ids.filter((id) => id !== long);
  const budget = Math.max(0, ENTRIES - have - Math.max(0, LONG - (counts.get(long) ?? 0)));
  const perIncident = budget / others.length;
  const extra = new Map(others.map((id) => [id, Math.max(0, Math.round(perIncident * (0.5 + rand())))]));
  extra.set(long, Math.max(0, LONG - (counts.get(long) ?? 0)));
  extra.set(typical, Math.max(0, 50 - (counts.get(typical) ?? 0)));
  const input = (k: number): TimelineInput =>
    k % 3 === 2
      ? {
          actorId: WINDOW.personId,
          actorLabel: WINDOW.displayName,
          type: 'report.downloaded',
          summary: `${WINDOW.displayName} 下載報告（PDF）`,
          detail: { kind: 'bureau', format: 'pdf', via: 'link' },
        }
      : {
          actorId: null,
          actorLabel: '系統',
          type: 'reminder.sent',
          summary: `期限提醒「通報教育局（72 小時）」（截止前 ${k % 24} 小時）→ 李組長（示範）`,
          detail: { key: `bench-${k}`, clock: 'bureau-3d', slot: `before-${k % 24}h`, recipients: ['demo-window'] },
        };
  let done = 0;
  for (const [id, n] of extra) {
    for (let from = 0; from < n; from += 500) {
      const batch = Array.from({ length: Math.min(500, n - from) }, (_, k) => input(from + k));
      await db.repos.transaction((tx) => appendTimelineEntries(deps, tx, id, batch), { timeoutMs: 60_000 });
    }
    done += 1;
    if (done % 200 === 0) process.stderr.write(`  timelines ${done}/${extra.size}\n`);
  }
  const entries = await db.prisma.timelineEntry.count();
  const statuses = Object.fromEntries(
    (await db.prisma.incident.groupBy({ by: ['status'], _count: { _all: true } })).map((s) => [s.status, s._count._all]),
  );
  const ref = (await db.prisma.incident.findUniqueOrThrow({ where: { id: ids[Math.floor(ids.length / 3)]! } })).ref;
  return {
    typical: (await db.prisma.incident.findUniqueOrThrow({ where: { id: typical } })).ref,
    long: (await db.prisma.incident.findUniqueOrThrow({ where: { id: long } })).ref,
    searchRef: ref,
    entries,
    statuses,
    ms: performance.now() - t0,
  };
}

interface Row {
  page: string;
  n: number;
  p50: number;
  p95: number;
  max: number;
  /** CPU time of this process while the server handled it (p50): PGlite runs in it, a PostgreSQL server does not. */
  cpu: number;
  sql: number;
  bytes: number;
  /** The first request of the page (not in n): the incident page's first view after a start verifies whole. */
  first: number;
}

async function measure(app: RunningApp, s: Seeded): Promise<Row[]> {
  const links = new SignInLinks(app.deps.cipher, app.deps.now);
  const { token } = links.sign(WINDOW.personId);
  const signIn = await app.server.inject({ method: 'POST', url: `/console/sign-in/${token}`, payload: {} });
  if (signIn.statusCode !== 303) throw new Error(`sign-in → ${signIn.statusCode}`);
  const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
  // Each request the server receives is run inside the probe (its statements counted), and answered over HTTP.
  const probe = new Probe();
  const server = app.server.server;
  const handler = server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
  server.removeAllListeners('request');
  let last: Measured<void> | null = null;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void probe
      .measure(
        () =>
          new Promise<void>((done) => {
            res.on('close', () => done());
            handler.call(server, req, res);
          }),
      )
      .then((m) => {
        last = m;
      });
  });
  const get = async (url: string) => {
    last = null;
    const t0 = performance.now();
    const res = await fetch(`${app.url}${url}`, { headers: { cookie } });
    const body = await res.text();
    const ms = performance.now() - t0;
    while (!last) await new Promise((r) => setImmediate(r));
    return { status: res.status, body, ms, sql: (last as Measured<void>).app, cpu: (last as Measured<void>).cpuMs };
  };
  const counts = async (ref: string) => app.db.prisma.timelineEntry.count({ where: { incident: { ref, schoolId: 'demo-school' } } });
  // The people page with a large school's staff: 300 more people, each created on the record of changes as an import does.
  for (let i = 0; i < 300; i += 1) {
    const id = `bench-person-${i}`;
    if (await app.db.repos.people.find(id)) continue;
    await app.db.repos.people.create({
      id,
      schoolId: 'demo-school',
      displayName: `教師${i}`,
      unit: `班級${i % 30}`,
      email: null,
      roles: ['staff'],
      active: true,
    });
    await recordPersonChange(app.db.repos, {
      schoolId: 'demo-school',
      personId: id,
      actorPersonId: null,
      actorLabel: ROSTER_IMPORT_ACTOR,
      changes: { roles: { from: null, to: ['staff'] }, active: { from: null, to: true } },
    });
  }
  const people = (await app.db.repos.people.inSchool('demo-school')).length;
  const pages: [string, string][] = [
    [`GET /console/people (${people} people)`, '/console/people'],
    ['GET /console/people?page=4', '/console/people?page=4'],
    ['GET /console/people?q=教師12', `/console/people?q=${encodeURIComponent('教師12')}`],
    ['GET /console (open, default)', '/console'],
    [`GET /console?ref=${s.searchRef}`, `/console?ref=${encodeURIComponent(s.searchRef)}`],
    ['GET /console?status=all', '/console?status=all'],
    [`incident, ${await counts(s.typical)} entries`, `/console/incidents/${s.typical}`],
    [`incident, ${await counts(s.long)} entries`, `/console/incidents/${s.long}`],
  ];
  const rows: Row[] = [];
  for (const [page, url] of pages) {
    const ms: number[] = [];
    const sql: number[] = [];
    const cpu: number[] = [];
    let bytes = 0;
    let first = 0;
    for (let i = 0; i < RUNS + 3; i += 1) {
      const m = await get(url);
      if (m.status !== 200) throw new Error(`${url} → ${m.status}`);
      if (!m.body.includes('雜湊鏈驗證通過') && url.includes('/incidents/')) throw new Error(`${url}: the record did not verify`);
      if (i === 0) first = m.ms;
      if (i < 3) continue; // warm-up (first compile of each query shape)
      ms.push(m.ms);
      sql.push(m.sql);
      cpu.push(m.cpu);
      bytes = Buffer.byteLength(m.body);
    }
    rows.push({
      page,
      n: ms.length,
      p50: pct(ms, 50),
      p95: pct(ms, 95),
      max: Math.max(...ms),
      cpu: pct(cpu, 50),
      sql: pct(sql, 50),
      bytes,
      first,
    });
  }
  return rows;
}

async function main() {
  let dir: string | null = null;
  let admin: pg.Client | null = null;
  let dbName = '';
  const env: Record<string, string> = {};
  if (args.postgres) {
    dbName = `pdi_bench_console_${Date.now().toString(36)}`;
    admin = new pg.Client({ connectionString: args.postgres });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = new URL(args.postgres);
    url.pathname = `/${dbName}`;
    env.DATABASE_URL = url.toString();
  } else if (args.reuse) {
    env.DATA_DIR = args.reuse;
  } else {
    dir = mkdtempSync(join(tmpdir(), 'pdi-bench-console-'));
    env.DATA_DIR = dir;
  }
  const engine = args.postgres ? `PostgreSQL at ${new URL(args.postgres).host}` : 'embedded (PGlite)';
  let app: RunningApp | null = null;
  try {
    app = await startApp(
      loadConfig({
        PORT: '0',
        LOCAL_CHAT: args.postgres ? 'demo-on-network' : 'on',
        DEMO_SEED: 'on',
        DATA_ENCRYPTION_KEYS: KEYS,
        LOG_LEVEL: 'silent',
        ...env,
      }),
      { log },
    );
    process.stderr.write(`seeding ${INCIDENTS} incidents, ${ENTRIES} timeline entries on ${engine}…\n`);
    const marker = args.reuse ? join(args.reuse, 'bench-console.json') : null;
    const s: Seeded = marker && existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as Seeded) : await seed(app);
    if (marker) writeFileSync(marker, JSON.stringify(s));
    // The daily retention review refreshes the planner's statistics (ANALYZE; the embedded engine has no autovacuum):
    // a school's database has been through it since its data grew, so the bench does it once after seeding.
    await refreshPlannerStatistics(app.deps);
    // The job queue's start-up work (today's retention review and digest, which compute every incident's clocks) is
    // left to finish first: the table is about the pages.
    await new Promise((r) => setTimeout(r, 15_000));
    const session = args.profile ? new Session() : null;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const rows = await measure(app, s);
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(args.profile!, JSON.stringify(profile));
      session.disconnect();
    }
    const f = (n: number) => n.toFixed(1).padStart(8);
    console.log(`\nNode ${process.version}, ${engine}, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
    console.log(
      `seeded in ${(s.ms / 1000).toFixed(0)} s: ${INCIDENTS} incidents (${Object.entries(s.statuses)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}), ${s.entries} timeline entries\n`,
    );
    console.log(
      `${'page'.padEnd(34)} ${'n'.padStart(4)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)} ${'CPU p50'.padStart(8)}  SQL  KB ${'1st'.padStart(7)}`,
    );
    console.log('-'.repeat(95));
    for (const r of rows)
      console.log(
        `${r.page.padEnd(34)} ${String(r.n).padStart(4)} ${f(r.p50)} ${f(r.p95)} ${f(r.max)} ${f(r.cpu)} ${String(r.sql).padStart(4)} ${String(Math.round(r.bytes / 1024)).padStart(3)} ${r.first.toFixed(0).padStart(7)}`,
      );
    console.log(
      "\nms per request over HTTP on this machine (signed-in contact window); CPU: this process's CPU time while the server handled it; SQL: statements per request (median)",
    );
  } finally {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (admin) {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    }
  }
}

await main();
