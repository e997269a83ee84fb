// npm run bench:startup [-- --runs 7] [--no-postgres]
// Whole-process start-up of the product as `npm start` runs it (node scripts/start.mjs → dist/), from spawn to the
// first 200 of /healthz, on a new and on an existing data directory (embedded PGlite) or database (PostgreSQL), and
// the idle memory of the whole process tree (RSS summed over the process and its children, read from /proc) a few
// seconds after start, and where the product process's memory goes at that moment (bench/memory.ts: smaps parts and
// the process's own V8 heap / external figures, asked of bench/memory-probe.mjs, which the bench alone loads with
// `--import`). Prints tables; numbers, not pass/fail. Targets (issue #16): existing data ≤ 1 s p50, new data ≤ 3 s;
// idle RSS ≤ 250 MB embedded, ≤ 150 MB on PostgreSQL.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ROOT_DIR } from '../src/app/config.js';
import { isStale, build } from '../scripts/build.mjs';
import { type MemoryBreakdown, memoryBreakdown } from './memory.js';
import { startCommand } from './start-command.js';
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
const START = startCommand(ROOT_DIR);
const PROBE = join(ROOT_DIR, 'bench', 'memory-probe.mjs');
const PROBE_OUT = join(tmpdir(), `pdi-startup-memory-${process.pid}.json`);
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
  // The same command line as `npm start` (package.json), without npm's own process in between; plus the memory probe.
  const child = spawn(process.execPath, [...START.flags, '--import', PROBE, 'scripts/start.mjs'], {
    cwd: ROOT_DIR,
    env: {
      ...process.env,
      ...START.env,
      LOCAL_CHAT: 'on',
      ...env,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATA_ENCRYPTION_KEYS: KEYS,
      MEMORY_PROBE_OUT: PROBE_OUT,
    },
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
  memory?: MemoryBreakdown;
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
    let memory: MemoryBreakdown | undefined;
    for (let i = 0; i < RUNS; i += 1) {
      const { ms, child } = await startProcess(f.env);
      times.push(ms);
      if (i === RUNS - 1) {
        await new Promise((r) => setTimeout(r, IDLE_MS));
        rss = treeRssMb(child.pid!);
        memory = await memoryBreakdown(child.pid!, PROBE_OUT);
      }
      await stop(child);
    }
    rows.push({ engine, data: 'existing', n: times.length, p50: pct(times, 50), max: Math.max(...times), rss, memory });
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
  const m = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(0)).padStart(8);
  console.log('\nWhere the idle memory of the product process goes (MB; last start on existing data; docs/performance.md):\n');
  console.log(
    `${'engine'.padEnd(9)} ${'RSS'.padStart(8)} ${'files'.padStart(8)} ${'malloc'.padStart(8)} ${'wasm mem'.padStart(8)} ${'anon'.padStart(8)} | ${'heapUsed'.padStart(8)} ${'heapTot'.padStart(8)} ${'external'.padStart(8)} ${'arrayBuf'.padStart(8)}`,
  );
  console.log('-'.repeat(96));
  for (const r of rows.filter((x) => x.memory)) {
    const b = r.memory!;
    console.log(
      `${r.engine.padEnd(9)} ${m(b.rss)} ${m(b.files)} ${m(b.malloc)} ${m(b.wasm)} ${m(b.otherAnon)} | ${m(b.heapUsed)} ${m(b.heapTotal)} ${m(b.external)} ${m(b.arrayBuffers)}`,
    );
  }
  console.log(
    "\nfiles: node binary and libraries; malloc: glibc heap and arenas; wasm mem: PGlite's WebAssembly memory (resident);" +
      '\nanon: V8 heap pages, compiled code, other; heapUsed/heapTot: V8 heap; external: outside it (incl. WebAssembly' +
      "\nmemories' full reservation: 128 MB for PGlite) and arrayBuf the ArrayBuffers within it.",
  );
}

await main();
