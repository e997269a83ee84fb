import { createLogger } from '../../src/app/logger.js';
import { loadConfig } from '../../src/app/config.js';
import { startApp, type RunningApp } from '../../src/app/app.js';
import { TEST_KEYS } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/** The product on a loopback port with every log line captured (JSON), to assert what is and is not logged. */
export interface SecuredApp {
  app: RunningApp;
  tdb: TestDatabase;
  logs: string[];
  close(): Promise<void>;
}

export async function startCapturedApp(env: Record<string, string> = {}): Promise<SecuredApp> {
  const tdb = await createTestDatabase();
  const logs: string[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } });
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOCAL_CHAT: 'on',
    DEMO_SEED: 'on',
    DATA_ENCRYPTION_KEYS: TEST_KEYS,
    LOG_LEVEL: 'debug',
    ...env,
  });
  const app = await startApp(config, { db: tdb.db, log });
  return {
    app,
    tdb,
    logs,
    async close() {
      await app.close();
      await tdb.destroy();
    },
  };
}

/** Row counts of every table a request could write to. */
/**
 * The row counts once the app is idle: an accepted request of an earlier run is acknowledged before it is processed,
 * so its processing may still be writing rows; the counts before a request are read only when they hold still.
 */
export async function settledRowCounts(app: RunningApp): Promise<Record<string, number>> {
  // What the adapters have in hand first (an accepted event's processing writes its finished row at the end).
  await Promise.all([app.line?.idle(), app.slack?.idle(), app.discord?.idle()]);
  let last = await rowCounts(app);
  for (let i = 0; i < 50; i += 1) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await rowCounts(app);
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
  return last;
}

export async function rowCounts(app: RunningApp): Promise<Record<string, number>> {
  const p = app.db.prisma;
  return {
    incident: await p.incident.count(),
    timeline: await p.timelineEntry.count(),
    prompt: await p.pendingPrompt.count(),
    inbound: await p.inboundEvent.count(),
    localMessage: await p.localMessage.count(),
    identity: await p.identity.count(),
    conversation: await p.conversation.count(),
    linkUse: await p.documentLinkUse.count(),
  };
}
