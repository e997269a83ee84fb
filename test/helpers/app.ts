import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type AppConfig } from '../../src/app/config.js';
import { startApp, type RunningApp } from '../../src/app/app.js';
import { createLogger } from '../../src/app/logger.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { LocalClient } from './local-client.js';

export interface TestApp {
  url: string;
  app: RunningApp;
  tdb: TestDatabase;
  client: LocalClient;
  config: AppConfig;
  /** Stops the app and its database like a process exit, then starts both again on the same data. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export const TEST_KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

/** The product on a random port, with a fresh database (the engine of the current vitest project) and the demo school. */
export async function startTestApp(opts: { now?: () => Date; env?: Record<string, string> } = {}): Promise<TestApp> {
  const tdb = await createTestDatabase();
  // Evidence files of this app in a folder of its own, removed with it.
  const evidenceDir = mkdtempSync(join(tmpdir(), 'pdi-test-evidence-'));
  const config = loadConfig({
    EVIDENCE_DIR: evidenceDir,
    PORT: '0',
    LOCAL_CHAT: 'on',
    DEMO_SEED: 'on',
    DATA_ENCRYPTION_KEYS: TEST_KEYS,
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const log = createLogger({ level: 'silent' });
  const start = (db = tdb.db) => startApp(config, { db, log, ...(opts.now ? { now: opts.now } : {}) });
  let app = await start();
  const t: TestApp = {
    url: app.url,
    app,
    tdb,
    config,
    client: new LocalClient(app.url),
    async restart() {
      await app.close();
      await tdb.db.close();
      tdb.db = await tdb.reopen();
      app = await start(tdb.db);
      t.app = app;
      t.url = app.url;
      t.client = new LocalClient(app.url);
    },
    async close() {
      await app.close();
      await tdb.destroy();
      rmSync(evidenceDir, { recursive: true, force: true });
    },
  };
  return t;
}

/**
 * Waits until the app has nothing due to do: no scheduled job due now (created, retrying or running) and the local
 * messages no longer changing. Tests that compare row counts before and after call it first, so that a reminder or
 * an overdue notice of an earlier test, fired by the job runner in the background, is not taken for their own write.
 */
export async function settle(t: TestApp, timeoutMs = 15_000): Promise<void> {
  const { JOBS_SCHEMA } = await import('../../src/jobs/runner.js');
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < deadline) {
    const due = await t.app.db.sql
      .query<{ n: string | number }>(
        `SELECT count(*) AS n FROM ${JOBS_SCHEMA}.job WHERE state IN ('created', 'retry', 'active') AND start_after <= now()`,
      )
      .then((r) => Number(r[0]?.n ?? 0))
      .catch(() => 0); // the queue's schema is made when the runner starts
    const messages = await t.app.db.prisma.localMessage.count();
    if (due === 0 && messages === last) return;
    last = messages;
    await new Promise((r) => setTimeout(r, 150));
  }
}
