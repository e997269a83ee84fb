import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, ROOT_DIR } from '../../src/app/config.js';
import { startApp } from '../../src/app/app.js';
import { createLogger } from '../../src/app/logger.js';
import { DataFileError } from '../../src/core/data/yaml-file.js';
import { openDatabase, DatabaseUnavailableError } from '../../src/storage/database.js';
import { startTestApp, TEST_KEYS } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

describe('start-up refuses bad data files and explains', () => {
  let dir: string;
  let tdb: TestDatabase;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdi-playbooks-'));
    cpSync(join(ROOT_DIR, 'playbooks'), dir, { recursive: true });
    tdb = await createTestDatabase();
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await tdb.destroy();
  });

  const start = (env: Record<string, string> = {}) =>
    startApp(loadConfig({ PORT: '0', PLAYBOOKS_DIR: dir, DATA_ENCRYPTION_KEYS: TEST_KEYS, ...env }), {
      db: tdb.db,
      log: createLogger({ level: 'silent' }),
    });

  it('a playbook with a YAML syntax error names the file', async () => {
    const file = join(dir, 'playbooks', 'general.yaml');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n  bad: [unclosed\n`);
    await expect(start()).rejects.toThrow(DataFileError);
    await expect(start()).rejects.toThrow(/general\.yaml/);
  });

  it('a clock rule with a wrong unit names the file and the field', async () => {
    const file = join(dir, 'clocks.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/unit: hours/, 'unit: fortnights'));
    const err = await start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFileError);
    expect((err as Error).message).toMatch(/clocks\.yaml/);
    expect((err as Error).message).toMatch(/unit/);
  });

  it('an unknown clock profile is refused', async () => {
    await expect(start({ CLOCK_PROFILE: 'no-such-profile' })).rejects.toThrow(/no-such-profile/);
  });
});

describe('database outages', () => {
  it('an unreachable PostgreSQL server stops start-up with what to check', async () => {
    const err = await openDatabase({ kind: 'postgres', url: 'postgresql://postgres:pw@127.0.0.1:1/nowhere' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as Error).message).toMatch(/Check DATABASE_URL/);
    expect((err as Error).message).not.toContain(':pw@');
  });

  it('a request during an outage gets 503 with a zh-TW message, and nothing is half-recorded', async () => {
    const t = await startTestApp();
    try {
      await t.client.say('demo-teacher', 'demo-staff', '早安');
      const before = await t.client.messages('demo-teacher', 'demo-staff');
      // The database goes away under the running HTTP server. (The job runner is stopped first: on the embedded
      // default its socket bridge would keep polling a closed in-process instance, which cannot happen in production,
      // where the instance lives exactly as long as the process.)
      await t.app.jobs?.stop();
      await t.tdb.db.close();
      const r = await t.client.raw('POST', '/local/api/conversations/demo-staff/messages', { as: 'demo-teacher', text: '我寄錯信了' });
      expect(r.status).toBe(503);
      expect(r.body.error).toMatch(/資料庫/);
      const ready = await fetch(`${t.url}/readyz`);
      expect(ready.status).toBe(503);
      await t.restart(); // the database is back
      expect(await t.client.messages('demo-teacher', 'demo-staff')).toEqual(before);
      expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
