import { join } from 'node:path';
import type { AppConfig } from '../app/config.js';
import { openKeyRing } from '../app/keys.js';
import { loadCalendar, loadClockRules } from '../core/clocks/index.js';
import type { CoreDeps } from '../core/context.js';
import { loadPlaybookLibrary } from '../core/playbooks/index.js';
import type { Logger } from '../ports/logger.js';
import { type Database, openDatabase } from '../storage/database.js';
import { migrate } from '../storage/migrate.js';

/** Opens the configured database with every migration applied, runs `fn`, and closes it whatever happens. */
export async function withDatabase<T>(config: AppConfig, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(config.database);
  try {
    await migrate(db, config.migrationsDir);
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** The core's dependencies for a command: the key ring opened (checked against the database), the playbook data loaded. */
export async function commandDeps(config: AppConfig, db: Database, log: Logger): Promise<CoreDeps> {
  return {
    repos: db.repos,
    cipher: (await openKeyRing(config, db)).cipher,
    playbooks: loadPlaybookLibrary(config.playbooksDir),
    clockRules: loadClockRules(join(config.playbooksDir, 'clocks.yaml')),
    calendar: loadCalendar(join(config.playbooksDir, 'calendars')),
    log,
    now: () => new Date(),
  };
}
