import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/storage/database.js';
import { migrate } from '../../src/storage/migrate.js';
import { MIGRATIONS_DIR } from '../helpers/db.js';

/**
 * Once per test run: migrate a PGlite template directory (each test file copies it: opening a copy takes ~0.3 s, a
 * fresh PGlite ~4 s), and, for the PostgreSQL project, check that the server answers — in CI a missing server is a
 * failure, never a silent skip.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'pdi-template-'));
  const dataDir = join(dir, 'pglite');
  const db = await openDatabase({ kind: 'pglite', dataDir });
  await migrate(db, MIGRATIONS_DIR);
  await db.close();
  project.provide('pgliteTemplate', dataDir);

  const postgresUrl = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  project.provide('postgresUrl', postgresUrl);
  if (process.env.TEST_DATABASE === 'postgres') {
    const c = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5_000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
    } catch (err) {
      throw new Error(
        `The PostgreSQL test suite needs a server at ${postgresUrl} (${(err as Error).message}). ` +
          'Start one (see docs/testing.md) or set TEST_POSTGRES_URL.',
      );
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  return () => rmSync(dir, { recursive: true, force: true });
}
