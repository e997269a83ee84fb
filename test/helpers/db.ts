import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import pg from 'pg';
import { ROOT_DIR } from '../../src/app/config.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { migrate } from '../../src/storage/migrate.js';

/**
 * A fresh, migrated database for one test file, on the engine this vitest project runs against:
 * - `pglite` (default): a copy of a template data directory migrated once per run (test/setup/global.ts);
 * - `postgres` (CI, or TEST_POSTGRES_URL set): a new database on the real server, dropped afterwards.
 */
export interface TestDatabase {
  db: Database;
  kind: 'pglite' | 'postgres';
  /** Options that open the same database again (restart tests). */
  reopen(): Promise<Database>;
  destroy(): Promise<void>;
}

export const MIGRATIONS_DIR = join(ROOT_DIR, 'prisma', 'migrations');

export function testEngine(): 'pglite' | 'postgres' {
  return process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'pglite';
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (testEngine() === 'postgres') {
    const serverUrl = inject('postgresUrl');
    const name = `pdi_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const open = () => openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 5 });
    const db = await open();
    await migrate(db, MIGRATIONS_DIR);
    return {
      db,
      kind: 'postgres',
      reopen: open,
      async destroy() {
        await db.close().catch(() => undefined);
        const c = new pg.Client({ connectionString: serverUrl });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const template = inject('pgliteTemplate');
  const dir = mkdtempSync(join(tmpdir(), 'pdi-test-'));
  const dataDir = join(dir, 'pglite');
  cpSync(template, dataDir, { recursive: true });
  const open = () => openDatabase({ kind: 'pglite', dataDir });
  const db = await open();
  return {
    db,
    kind: 'pglite',
    reopen: open,
    async destroy() {
      await db.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    postgresUrl: string;
  }
}
