// npm run bench:startup-cpu -- [--vs /path/to/other/checkout] [--runs 5] [--fresh] [--idle-seconds 5]
// Start-up figures that a busy machine disturbs less than wall time: the product is started as `npm start` starts it
// (each checkout with the environment settings and Node flags of its own package.json, bench/start-command.ts) on the
// embedded engine until /healthz answers 200, and at that moment /proc gives the CPU time of the whole process (all
// threads: V8's compiler and GC helpers included) and of its main thread (the start-up's critical path); then the RSS
// after --idle-seconds. With --vs, the two checkouts (each built: `npm run build`) start in turn, A B A B …, so both
// see the same load. --fresh: a new data dir each start (otherwise one existing data dir per checkout, made by a first
// start that is not counted). Medians printed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT_DIR } from '../src/app/config.js';
import { startCommand } from './start-command.js';
import { pct } from './stats.js';

const { values: args } = parseArgs({
  options: {
    vs: { type: 'string' },
    runs: { type: 'string', default: '5' },
    fresh: { type: 'boolean', default: false },
    'idle-seconds': { type: 'string', default: '5' },
  },
});
const KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
const TICK_MS = 10; // USER_HZ = 100 on Linux

interface Sample {
  wall: number;
  cpu: number;
  main: number;
  rss: number;
}
interface Checkout {
  name: string;
  dir: string;
  flags: string[];
  env: Record<string, string>;
  dataDir: string;
  samples: Sample[];
}

/** utime + stime of /proc/<path>/stat, in ms. */
function cpuMs(path: string): number {
  const stat = readFileSync(`/proc/${path}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function startOnce(c: Checkout, dataDir: string): Promise<Sample> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [...c.flags, 'scripts/start.mjs'], {
    cwd: c.dir,
    env: {
      ...process.env,
      ...c.env,
      LOCAL_CHAT: 'on',
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATA_ENCRYPTION_KEYS: KEYS,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null) throw new Error(`${c.name}: the product exited with ${child.exitCode} before it was ready`);
    if (performance.now() - t0 > 120_000) {
      child.kill('SIGKILL'); // a start that hangs does not stop on SIGTERM either (main.ts waits for start-up to return)
      throw new Error(`${c.name}: the product did not answer /healthz in 120 s`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const wall = performance.now() - t0;
  const cpu = cpuMs(String(child.pid));
  const main = cpuMs(`${child.pid}/task/${child.pid}`);
  await new Promise((r) => setTimeout(r, Number(args['idle-seconds']) * 1000));
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { wall, cpu, main, rss };
}

const checkouts: Checkout[] = [ROOT_DIR, ...(args.vs ? [args.vs] : [])].map((dir, i) => ({
  name: i === 0 ? 'this checkout' : 'vs',
  dir,
  ...startCommand(dir),
  dataDir: mkdtempSync(join(tmpdir(), 'pdi-startup-cpu-')),
  samples: [],
}));
try {
  if (!args.fresh) for (const c of checkouts) await startOnce(c, c.dataDir);
  for (let r = 0; r < Number(args.runs); r += 1) {
    for (const c of checkouts) {
      const dir = args.fresh ? mkdtempSync(join(tmpdir(), 'pdi-startup-cpu-')) : c.dataDir;
      try {
        c.samples.push(await startOnce(c, dir));
      } finally {
        if (args.fresh) rmSync(dir, { recursive: true, force: true });
      }
    }
  }
} finally {
  for (const c of checkouts) rmSync(c.dataDir, { recursive: true, force: true });
}
const med = (c: Checkout, k: keyof Sample) =>
  pct(
    c.samples.map((s) => s[k]),
    50,
  )
    .toFixed(0)
    .padStart(9);
console.log(
  `\nEmbedded engine, ${args.fresh ? 'a new' : 'an existing'} data dir, ${args.runs} starts each (medians); start → /healthz 200\n`,
);
console.log(
  `${'checkout'.padEnd(14)} ${'wall ms'.padStart(9)} ${'CPU ms'.padStart(9)} ${'main ms'.padStart(9)} ${'idle RSS'.padStart(9)}   flags`,
);
for (const c of checkouts)
  console.log(
    `${c.name.padEnd(14)} ${med(c, 'wall')} ${med(c, 'cpu')} ${med(c, 'main')} ${med(c, 'rss')}   ${[...Object.entries(c.env).map(([k, v]) => `${k}=${v}`), ...c.flags].join(' ')}  (${c.dir})`,
  );
