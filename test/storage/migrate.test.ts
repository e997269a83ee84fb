import { cpSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, MigrationError, readMigrations } from '../../src/storage/migrate.js';
import { createTestDatabase, MIGRATIONS_DIR, type TestDatabase } from '../helpers/db.js';

describe('migration runner (Prisma-compatible bookkeeping)', () => {
  let t: TestDatabase;
  let dir: string;
  beforeEach(async () => {
    t = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'pdi-mig-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  });
  afterEach(async () => {
    await t.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records every migration as Prisma does: name, SHA-256 checksum of the file, finished, one step', async () => {
    const rows = await t.db.sql.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
      rolled_back_at: Date | null;
    }>('SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
    const files = readMigrations(MIGRATIONS_DIR);
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    for (const [i, r] of rows.entries()) {
      expect(r.checksum).toBe(createHash('sha256').update(files[i]!.sql).digest('hex'));
      expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(r.finished_at).not.toBeNull();
      expect(r.rolled_back_at).toBeNull();
      expect(r.applied_steps_count).toBe(1);
    }
  });

  it('is idempotent and applies only new migrations, in name order', async () => {
    expect((await migrate(t.db, dir)).applied).toEqual([]);
    mkdirSync(join(dir, '29990101000000_extra'));
    writeFileSync(join(dir, '29990101000000_extra', 'migration.sql'), 'CREATE TABLE "extra_probe" ("id" INTEGER);');
    const r = await migrate(t.db, dir);
    expect(r.applied).toEqual(['29990101000000_extra']);
    expect(await t.db.sql.query('SELECT * FROM extra_probe')).toEqual([]);
  });

  it('refuses a database whose applied migration was edited afterwards', async () => {
    const name = readMigrations(dir)[0]!.name;
    writeFileSync(join(dir, name, 'migration.sql'), '-- edited\n');
    await expect(migrate(t.db, dir)).rejects.toThrow(/was modified after it was applied/);
  });

  it('rolls back a failing migration completely and says which one', async () => {
    mkdirSync(join(dir, '29990101000000_broken'));
    writeFileSync(join(dir, '29990101000000_broken', 'migration.sql'), 'CREATE TABLE "half" ("id" INTEGER);\nSELECT * FROM no_such_table;');
    await expect(migrate(t.db, dir)).rejects.toThrow(MigrationError);
    await expect(migrate(t.db, dir)).rejects.toThrow(/29990101000000_broken/);
    const tables = await t.db.sql.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half'");
    expect(tables).toEqual([]);
  });

  it('blocks on an unresolved failed migration left by Prisma itself (P3009)', async () => {
    await t.db.sql.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ('x', 'y', '20000101000000_failed', now())`,
    );
    await expect(migrate(t.db, dir)).rejects.toThrow(/P3009/);
  });

  it('refuses a database migrated by a newer version', async () => {
    await t.db.sql.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ('z', 'c', '29991231000000_future', now(), now(), 1)`,
    );
    await expect(migrate(t.db, dir)).rejects.toThrow(/newer version/);
  });

  it('makes the timeline append-only at the database level', async () => {
    await t.db.sql.exec(`INSERT INTO school (id, name) VALUES ('s', 'S')`);
    await t.db.sql.exec(
      `INSERT INTO incident (id, school_id, ref, status, playbook_id, reporter_id, occurred_at, aware_at, clock_profile, how_leaked_enc, place_enc, steps_taken_enc)
       VALUES ('i', 's', '115-001', 'reported', 'general', 'p', now(), now(), 'private-school', 'a', 'b', 'c')`,
    );
    await t.db.sql.exec(
      `INSERT INTO timeline_entry (incident_id, seq, at, actor_label, type, summary, prev_hash, hash) VALUES ('i', 1, now(), 'a', 't', 's', '0', 'h')`,
    );
    await expect(t.db.sql.exec(`UPDATE timeline_entry SET summary = 'changed'`)).rejects.toThrow(/append-only/);
    await expect(t.db.sql.exec(`DELETE FROM timeline_entry`)).rejects.toThrow(/append-only/);
    await expect(t.db.sql.exec(`TRUNCATE timeline_entry`)).rejects.toThrow(/append-only/);
    expect(await t.db.sql.query('SELECT summary FROM timeline_entry')).toEqual([{ summary: 's' }]);
  });
});
