import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './database.js';

/**
 * Applies prisma/migrations/<name>/migration.sql in name order, keeping Prisma's own bookkeeping table
 * (`_prisma_migrations`: same columns, checksum = hex SHA-256 of the file, same advisory lock) so that
 * `prisma migrate status|deploy` agrees on a machine that has Prisma's schema engine. Prisma's CLI cannot run here
 * (its engine is a download), which is why the application applies migrations itself. See docs/database.md.
 */
export const PRISMA_MIGRATION_LOCK = 72707369;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export function readMigrations(dir: string): MigrationFile[] {
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(db: Database, dir: string): Promise<MigrateResult> {
  const files = readMigrations(dir);
  return db.withAdvisoryLock(PRISMA_MIGRATION_LOCK, async () => {
    await db.sql.exec(BOOKKEEPING);
    const rows = await db.sql.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
    );
    const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed) {
      throw new MigrationError(
        `Migration ${failed.migration_name} failed earlier and was never resolved (Prisma P3009). ` +
          'Inspect the database, then mark it rolled back (UPDATE "_prisma_migrations" SET rolled_back_at = now() ' +
          `WHERE migration_name = '${failed.migration_name}') before starting again.`,
      );
    }
    const done = new Map(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => [r.migration_name, r]));
    const known = new Set(files.map((f) => f.name));
    const unknown = [...done.keys()].filter((n) => !known.has(n));
    if (unknown.length > 0) {
      throw new MigrationError(
        `The database has migrations this version does not know (${unknown.join(', ')}): it was migrated by a newer ` +
          'version of the product. Run that version, or restore a matching backup.',
      );
    }
    const applied: string[] = [];
    for (const file of files) {
      const row = done.get(file.name);
      if (row) {
        if (row.checksum !== file.checksum) {
          throw new MigrationError(
            `prisma/migrations/${file.name}/migration.sql was modified after it was applied to this database ` +
              '(checksum differs). Never edit an applied migration: restore the file and add a new migration.',
          );
        }
        continue;
      }
      try {
        await db.sql.transaction(async (tx) => {
          const id = randomUUID();
          await tx.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())', [
            id,
            file.checksum,
            file.name,
          ]);
          await tx.exec(file.sql);
          await tx.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
        });
      } catch (err) {
        throw new MigrationError(`Migration ${file.name} failed and was rolled back: ${(err as Error).message}`, {
          cause: err,
        });
      }
      applied.push(file.name);
    }
    return { applied, alreadyApplied: files.length - applied.length };
  });
}
