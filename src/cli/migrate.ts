// npm run db:migrate — applies prisma/migrations to the configured database (the app also does this at start-up).
import { loadConfig } from '../app/config.js';
import { openDatabase } from '../storage/database.js';
import { migrate } from '../storage/migrate.js';

const config = loadConfig();
const db = await openDatabase(config.database);
try {
  const r = await migrate(db, config.migrationsDir);
  process.stdout.write(
    `${db.kind} ${db.location}: ${r.applied.length ? `applied ${r.applied.join(', ')}` : 'nothing to apply'} (${r.alreadyApplied} already applied)\n`,
  );
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await db.close();
}
