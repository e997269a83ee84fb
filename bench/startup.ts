// npm run bench:startup [-- --runs 7] [--no-postgres]
// Whole-process start-up of the product as `npm start` runs it (node scripts/start.mjs → dist/), from spawn to the
// first 200 of /healthz, on a new and on an existing data directory (embedded PGlite) or database (PostgreSQL), and
// the idle memory of the whole process tree (RSS summed over the process and its children, read from /proc) a few
// seconds after start. Prints a table; numbers, not pass/fail. Targets (issue #16): existing data ≤ 1 s p50, new data
// ≤ 3 s; idle RSS ≤ 250 MB embedded, ≤ 150 MB on PostgreSQL.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ROOT_DIR } from '../src/app/config.js';
import { isStale, build } from '../scripts/build.mjs';
import { pct } from './stats.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    'no-postgres': { type: 'boolean', default: false },
    'idle-seconds': { type: 'string', default: '5' },
  },
});
const RUNS = Number(args.runs);
const IDLE_MS = Number(args['idle-seconds']) * 1000;
const PG_SERVER = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const START_FLAGS = (JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
  .split(/\s+/)
  .filter((w) => w.startsWith('--'));
const KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

/** RSS in MB of a process and all its descendants (Linux /proc). */
function treeRssMb(pid: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      /* gone */
    }
  }
  let kb = 0;
  const walk = (p: number) => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    } catch {
      /* gone */
    }
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return kb / 1024;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** Spawns the product like `npm start`; resolves with the time to the first /healthz 200 and the running child. */
async function startProcess(env: Record<string, string>): Promise<{ ms: number; child: ChildProcess }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const t0 = performance.now();
  // The same command line as `npm start` (package.json), without npm's own process in between.
  const child = spawn(process.execPath, [...START_FLAGS, 'scripts/start.mjs'], {
    cwd: ROOT_DIR,
    env: { ...process.env, LOCAL_CHAT: 'on', ...env, PORT: String(port), LOG_LEVEL: 'warn', DATA_ENCRYPTION_KEYS: KEYS },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) return { ms: performance.now() - t0, child };
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null) throw new Error(`the product exited with ${child.exitCode} before it was ready`);
    if (performance.now() - t0 > 120_000) {
      await stop(child);
      throw new Error('the product did not answer /healthz in 120 s');
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Row {
  engine: string;
  data: string;
  n: number;
  p50: number;
  max: number;
  rss?: number;
}
const rows: Row[] = [];

/** One start on fresh data (a new data dir / database each time) and RUNS starts on existing data. */
async function measure(engine: string, fresh: () => Promise<{ env: Record<string, string>; done: () => Promise<void> }>) {
  const newTimes: number[] = [];
  for (let i = 0; i < Math.min(3, RUNS); i += 1) {
    const f = await fresh();
    try {
      const { ms, child } = await startProcess(f.env);
      newTimes.push(ms);
      await stop(child);
    } finally {
      await f.done();
    }
  }
  rows.push({ engine, data: 'new', n: newTimes.length, p50: pct(newTimes, 50), max: Math.max(...newTimes) });
  const f = await fresh();
  try {
    await stop((await startProcess(f.env)).child); // makes the data
    const times: number[] = [];
    let rss = 0;
    for (let i = 0; i < RUNS; i += 1) {
      const { ms, child } = await startProcess(f.env);
      times.push(ms);
      if (i === RUNS - 1) {
        await new Promise((r) => setTimeout(r, IDLE_MS));
        rss = treeRssMb(child.pid!);
      }
      await stop(child);
    }
    rows.push({ engine, data: 'existing', n: times.length, p50: pct(times, 50), max: Math.max(...times), rss });
  } finally {
    await f.done();
  }
}

async function main() {
  if (isStale() && build() !== 0) throw new Error('build failed');
  await measure('embedded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pdi-startup-'));
    return { env: { DATA_DIR: dir }, done: async () => rmSync(dir, { recursive: true, force: true }) };
  });
  if (!args['no-postgres']) {
    await measure('postgres', async () => {
      const name = `pdi_startup_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
      const admin = new pg.Client({ connectionString: PG_SERVER });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(PG_SERVER);
      url.pathname = `/${name}`;
      return {
        // A demonstration database: config refuses the local chat and the demo seed on a production DATABASE_URL.
        env: { DATABASE_URL: url.toString(), LOCAL_CHAT: 'demo-on-network', DEMO_SEED: 'on' },
        done: async () => {
          const a = new pg.Client({ connectionString: PG_SERVER });
          await a.connect();
          await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await a.end();
        },
      };
    });
  }
  const f = (n: number) => n.toFixed(0).padStart(8);
  console.log(
    `\nNode ${process.version}: process start → /healthz 200 (ms), idle RSS of the process tree after ${IDLE_MS / 1000} s (MB)\n`,
  );
  console.log(
    `${'engine'.padEnd(9)} ${'data'.padEnd(9)} ${'n'.padStart(3)} ${'p50'.padStart(8)} ${'max'.padStart(8)} ${'idle RSS'.padStart(9)}`,
  );
  console.log('-'.repeat(50));
  for (const r of rows)
    console.log(
      `${r.engine.padEnd(9)} ${r.data.padEnd(9)} ${String(r.n).padStart(3)} ${f(r.p50)} ${f(r.max)} ${r.rss === undefined ? '        -' : r.rss.toFixed(0).padStart(9)}`,
    );
}

await main();
