import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../src/app/config.js';
import { seedDemo } from '../../src/app/demo.js';
import { createLogger } from '../../src/app/logger.js';
import { loadCalendar, loadClockRules } from '../../src/core/clocks/index.js';
import type { CoreDeps } from '../../src/core/context.js';
import { IncidentService } from '../../src/core/incidents/service.js';
import { loadPlaybookLibrary } from '../../src/core/playbooks/index.js';
import { FieldCipher, parseKeyRing } from '../../src/core/privacy/cipher.js';
import { JOBS_SCHEMA, REMINDER_QUEUE } from '../../src/jobs/runner.js';
import { TEST_KEYS } from '../helpers/app.js';
import { createTestDatabase, testEngine, type TestDatabase } from '../helpers/db.js';
import { DEMO_TEACHER, sampleAnswers } from '../helpers/jobs.js';
import { LocalClient, texts } from '../helpers/local-client.js';

/**
 * Two product processes (`tsx src/app/main.ts`) on one PostgreSQL database, sharing the encryption key. Reminders of
 * 24 incidents fall due together; one process is killed with SIGKILL while they are being sent. Every reminder must
 * arrive exactly once: the survivor sends what the killed one never took, and a job the killed one held is expired by
 * the queue's maintenance and retried, finishing its deliveries with the same idempotency keys.
 *
 * PostgreSQL only: two processes cannot share one embedded PGlite data directory (the embedded default is
 * single-process, docs/deployment.md).
 */

const INCIDENTS = 24;
const CLOCKS = ['report-window-4h', 'contain-4h'] as const;
const LABELS: Record<(typeof CLOCKS)[number], string> = {
  'report-window-4h': '4小時內通報個資聯絡窗口',
  'contain-4h': '4小時內採取應變措施',
};
const teacher = DEMO_TEACHER;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

interface Instance {
  name: string;
  child: ChildProcess;
  url: Promise<string>;
  output: () => string;
}

function startInstance(name: string, databaseUrl: string, dataDir: string): Instance {
  // `node --import tsx` rather than the tsx CLI: the CLI runs the program in a child process, which a SIGKILL of the
  // CLI would leave running.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/main.ts'], {
    cwd: ROOT_DIR,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '4',
      DATA_ENCRYPTION_KEYS: TEST_KEYS,
      DATA_DIR: dataDir,
      // The demo on PostgreSQL must be asked for explicitly (a production database never gets the demo school).
      LOCAL_CHAT: 'demo-on-network',
      DEMO_SEED: 'on',
      PORT: '0',
      LOG_LEVEL: 'warn',
      JOBS_POLL_SECONDS: '0.5',
      JOBS_EXPIRE_SECONDS: '3',
      JOBS_MAINTENANCE_SECONDS: '1',
      JOBS_RETRY_DELAY_SECONDS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr!.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const url = new Promise<string>((resolve, reject) => {
    const onData = () => {
      const m = /Open the local chat page: (http:\/\/\S+?)\/\s/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.on('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${out}`)));
  });
  url.catch(() => undefined);
  return { name, child, url, output: () => out };
}

function stopInstance(i: Instance | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!i || i.child.exitCode !== null || i.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => i.child.kill('SIGKILL'), 10_000);
    i.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    i.child.kill(signal);
  });
}

describe.skipIf(testEngine() !== 'postgres')(
  'two product processes on one PostgreSQL server (skipped on PGlite: one process per embedded data directory)',
  () => {
    let tdb: TestDatabase;
    let dataDir: string;
    let a: Instance | undefined;
    let b: Instance | undefined;
    const ids: string[] = [];
    const refs = new Map<string, string>();

    beforeAll(async () => {
      tdb = await createTestDatabase();
      dataDir = mkdtempSync(join(tmpdir(), 'pdi-multi-'));
      await seedDemo(tdb.db);
      // Incidents reported without a job runner in this process: the instances schedule them when they start.
      const deps: CoreDeps = {
        repos: tdb.db.repos,
        cipher: new FieldCipher(parseKeyRing(TEST_KEYS)),
        playbooks: loadPlaybookLibrary(join(ROOT_DIR, 'playbooks')),
        clockRules: loadClockRules(),
        calendar: loadCalendar(),
        log: createLogger({ level: 'silent' }),
        now: () => new Date(),
      };
      const service = new IncidentService(deps);
      // Both 4-hour clocks remind 1 h before their target: aware 3 h before `dueAt`.
      const dueAt = Date.now() + 40_000;
      for (let k = 0; k < INCIDENTS; k += 1) {
        const awareAt = new Date(dueAt - 3 * 3600_000 + k * 250); // due over 6 s
        const answers = sampleAnswers(awareAt);
        const view = await service.report(teacher, null, answers);
        ids.push(view.incident.id);
        refs.set(view.incident.id, view.incident.ref);
      }
    }, 120_000);

    afterAll(async () => {
      await Promise.all([stopInstance(a, 'SIGKILL'), stopInstance(b)]);
      await tdb?.destroy();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('every reminder arrives exactly once when one instance is killed with SIGKILL while they are due', async () => {
      const url = tdb.db.connectionString!;
      a = startInstance('A', url, dataDir);
      await a.url;
      b = startInstance('B', url, dataDir);
      const urlB = await b.url;
      const { prisma, sql } = tdb.db;
      const expected = ids.length * CLOCKS.length;
      const reminderWhere = { incidentId: { in: ids }, clockId: { in: [...CLOCKS] }, slot: 'before-60m' };

      // B pauses (SIGSTOP, as in a long GC pause) before the reminders are due, so that the job A is working on when it
      // is killed is known: A is frozen the moment it holds one (thawed again if it finished it in between), then killed.
      const activeJobs = async () =>
        (
          await sql.query<{ id: string }>(
            `SELECT id FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND state = 'active' AND data->>'slot' = 'before-60m' AND data->>'clockId' = ANY($2::text[])`,
            [REMINDER_QUEUE, [...CLOCKS]],
          )
        ).map((r) => r.id);
      b.child.kill('SIGSTOP');
      await sleep(300);
      expect(await activeJobs(), 'B was paused before any reminder was due (instances started too slowly)').toEqual([]);
      expect(await prisma.notice.count({ where: reminderWhere })).toBe(0);
      let held: string | undefined;
      await waitFor(
        'instance A in the middle of a reminder job',
        async () => {
          if ((await prisma.notice.count({ where: reminderWhere })) < 1) return false;
          const [job] = await activeJobs();
          if (!job) return false;
          a!.child.kill('SIGSTOP');
          await sleep(300); // a query A sent just before it froze may still commit
          if ((await activeJobs()).includes(job)) {
            held = job;
            return held;
          }
          a!.child.kill('SIGCONT');
          return false;
        },
        60_000,
      );
      await stopInstance(a, 'SIGKILL');
      expect(a.child.signalCode).toBe('SIGKILL');
      b.child.kill('SIGCONT');
      const sentAtKill = await prisma.notice.count({ where: { ...reminderWhere, status: 'sent' } });
      expect(sentAtKill).toBeLessThan(expected);

      // B finishes everything, including a job A held (expired after 3 s, retried after 1 s).
      await waitFor(
        'every reminder sent and no due reminder job left',
        async () => {
          const sent = await prisma.notice.count({ where: { ...reminderWhere, status: 'sent' } });
          const [open] = await sql.query<{ n: string | number }>(
            `SELECT count(*) AS n FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND state IN ('created', 'retry', 'active') AND start_after <= now()`,
            [REMINDER_QUEUE],
          );
          return sent === expected && Number(open!.n) === 0;
        },
        45_000,
      );

      // Exactly once, none lost: one notice per reminder, each delivery sent once, one chat message per delivery.
      const notices = await prisma.notice.findMany({ where: reminderWhere, include: { deliveries: true } });
      expect(notices).toHaveLength(expected);
      for (const id of ids)
        for (const clock of CLOCKS) expect(notices.filter((n) => n.incidentId === id && n.clockId === clock)).toHaveLength(1);
      const deliveries = notices.flatMap((n) => n.deliveries);
      expect(deliveries.every((d) => d.status === 'sent')).toBe(true);
      const allDeliveries = await prisma.noticeDelivery.findMany({ where: { status: 'sent' } });
      // Each delivery's key is recorded once in the outbound ledger (`local:<key>`), with the id of one bot message.
      const recorded = await prisma.outboundMessage.findMany({ where: { idempotencyKey: { startsWith: 'local:' } } });
      expect(recorded).toHaveLength(allDeliveries.length);
      expect(new Set(recorded.map((r) => r.idempotencyKey))).toEqual(new Set(allDeliveries.map((d) => `local:${d.idempotencyKey}`)));
      const botMessages = await prisma.localMessage.findMany({
        where: { senderKind: 'bot', id: { in: recorded.map((r) => BigInt(r.messageId ?? '0')) } },
      });
      expect(botMessages).toHaveLength(allDeliveries.length);

      // What the reporter reads in the local chat (through the surviving instance): each reminder once.
      const inbox = texts(await new LocalClient(urlB).messages('demo-teacher', 'dm:demo-teacher'));
      for (const id of ids) {
        for (const clock of CLOCKS) {
          const phrase = `「${LABELS[clock]}」還有`;
          const found = inbox.filter((t) => t.includes(`個資事件 ${refs.get(id)}\n`) && t.includes(phrase));
          expect(found, `${refs.get(id)} ${clock}`).toHaveLength(1);
        }
      }

      // The jobs themselves: each reminder job completed; one that A held when it died was retried, not lost.
      const jobs = await sql.query<{ id: string; state: string; retry_count: number }>(
        `SELECT id, state, retry_count FROM ${JOBS_SCHEMA}.job WHERE id = ANY($1::uuid[])`,
        [notices.map((n) => n.jobId)],
      );
      expect(jobs.map((j) => j.state).every((s) => s === 'completed')).toBe(true);
      const [heldJob] = await sql.query<{ state: string; retry_count: number }>(
        `SELECT state, retry_count FROM ${JOBS_SCHEMA}.job WHERE id = $1`,
        [held],
      );
      expect(heldJob, 'the job A held when it was killed was retried and completed').toMatchObject({ state: 'completed', retry_count: 1 });
      // B is still healthy after taking over.
      expect((await fetch(`${urlB}/readyz`)).status).toBe(200);
    }, 150_000);
  },
);
