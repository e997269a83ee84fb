import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../src/app/config.js';
import { PRISMA_MIGRATION_LOCK } from '../../src/storage/migrate.js';
import { TEST_KEYS } from '../helpers/app.js';

/**
 * `npm start` as a newcomer or a service manager runs it: a SIGTERM to the npm process must stop the whole process
 * tree within 10 s (the product closes its HTTP server, stops the job queue and closes the database), leaving the
 * port closed and the data directory usable by the next start.
 */
const port = 21000 + Math.floor(Math.random() * 20000);
let dataDir: string;

function startNpm(env: Record<string, string> = {}): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn('npm', ['start'], {
    cwd: ROOT_DIR,
    detached: true, // its own process group, so the test can see whether anything of it is left
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATA_ENCRYPTION_KEYS: TEST_KEYS,
      LOCAL_CHAT: 'on',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

async function waitHealthy(child: ChildProcess, output: () => string): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) return;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output()}`);
    if (Date.now() - t0 > 150_000) throw new Error(`npm start did not become healthy:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const portOpen = () =>
  new Promise<boolean>((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start stops on SIGTERM', () => {
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pdi-stop-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('the whole process tree exits within 10 s, the port is closed, and the next start finds its data', async () => {
    const first = startNpm();
    await waitHealthy(first.child, first.output);
    const t0 = Date.now();
    first.child.kill('SIGTERM'); // only the npm process, as a service manager or `kill <pid>` would
    // npm itself may exit at once; what counts is that nothing of the tree is left (the product finishing its work).
    while (groupAlive(first.child.pid!) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
    const left = groupAlive(first.child.pid!);
    if (left) process.kill(-first.child.pid!, 'SIGKILL');
    expect(left, `still running 10 s after SIGTERM:\n${first.output()}`).toBe(false);
    expect(await portOpen()).toBe(false);
    expect(first.output()).toMatch(/"msg":"stopped"/);

    // The database was closed cleanly: a second start on the same data directory is healthy and keeps the demo data.
    const second = startNpm();
    try {
      await waitHealthy(second.child, second.output);
      const res = await fetch(`http://127.0.0.1:${port}/local/api/state`);
      expect(res.status).toBe(200);
      expect(JSON.stringify(await res.json())).toContain('示範');
    } finally {
      second.child.kill('SIGTERM');
      const t0 = Date.now();
      while (groupAlive(second.child.pid!) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
      if (groupAlive(second.child.pid!)) process.kill(-second.child.pid!, 'SIGKILL');
    }
  }, 400_000);

  // A start-up step that never returns (here: the migration lock, held by another session as an instance migrating
  // would hold it) must not make the process deaf to SIGTERM: it ends within a few seconds.
  const pgServer = process.env.TEST_POSTGRES_URL;
  it.skipIf(!pgServer)(
    'a SIGTERM while start-up waits forever ends the process within a few seconds',
    async () => {
      const admin = new pg.Client({ connectionString: pgServer });
      await admin.connect();
      const name = `pdi_stop_${Date.now().toString(36)}`;
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(pgServer!);
      url.pathname = `/${name}`;
      const holder = new pg.Client({ connectionString: url.toString() });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATION_LOCK]);
        const run = startNpm({ DATABASE_URL: url.toString(), LOCAL_CHAT: 'off' });
        // Wait until the product's session is queued behind the lock.
        const t0 = Date.now();
        for (;;) {
          const { rows } = await holder.query(
            `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE d.datname = $1 AND l.locktype = 'advisory' AND NOT l.granted`,
            [name],
          );
          if (rows[0].n > 0) break;
          if (run.child.exitCode !== null || Date.now() - t0 > 150_000) throw new Error(`never waited for the lock:\n${run.output()}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const t1 = Date.now();
        run.child.kill('SIGTERM');
        while (groupAlive(run.child.pid!) && Date.now() - t1 < 10_000) await new Promise((r) => setTimeout(r, 50));
        const left = groupAlive(run.child.pid!);
        if (left) process.kill(-run.child.pid!, 'SIGKILL');
        expect(left, `still running 10 s after SIGTERM:\n${run.output()}`).toBe(false);
        expect(Date.now() - t1).toBeLessThan(8_000);
        expect(run.output()).toMatch(/SIGTERM during start-up, and start-up did not finish within 5 s/);
      } finally {
        await holder.end();
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      }
    },
    300_000,
  );
});
