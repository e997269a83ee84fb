// npm run people -- code --school <school id> --person <name or id>
// Prints a one-time binding code for a person, so the first principal or contact window can link their chat account
// (they type 「綁定 <code>」 to the bot in a 1:1 chat). Later codes are created in chat with 「產生綁定碼 <姓名>」.
// With the embedded database, stop the product first (one process per data directory). Exit 2 on bad arguments.
import { parseArgs } from 'node:util';
import { loadConfig } from '../app/config.js';
import { createLogger } from '../app/logger.js';
import { BindingService } from '../core/people/binding.js';
import { UserError } from '../core/incidents/types.js';
import { formatChatDateTime } from '../core/time/roc.js';
import { openDatabase } from '../storage/database.js';
import { migrate } from '../storage/migrate.js';

const USAGE = 'usage: npm run people -- code --school <school id> --person <name or person id>\n';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { school: { type: 'string' }, person: { type: 'string' } } });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (positionals[0] !== 'code' || !values.school || !values.person) {
    process.stderr.write(USAGE);
    return 2;
  }
  const config = loadConfig();
  const db = await openDatabase(config.database);
  try {
    await migrate(db, config.migrationsDir);
    const school = await db.prisma.school.findUnique({ where: { id: values.school } });
    if (!school) {
      const ids = (await db.prisma.school.findMany({ select: { id: true } })).map((s) => s.id);
      process.stderr.write(`No school "${values.school}". Known schools: ${ids.join(', ') || '(none)'}\n`);
      return 2;
    }
    const svc = new BindingService({ prisma: db.prisma, log: createLogger({ level: 'warn' }), now: () => new Date() });
    try {
      const r = await svc.issueCodeByOperator(school.id, values.person);
      process.stdout.write(`${r.person.displayName} (${r.person.id}) binding code: ${r.code}  valid until ${formatChatDateTime(r.expiresAt)}, once.\n`);
      process.stdout.write(`Tell the person: add the bot as a LINE friend, then type 「綁定 ${r.code}」 in the 1:1 chat.\n`);
      return 0;
    } catch (err) {
      if (err instanceof UserError) {
        process.stderr.write(`${err.message}\n`);
        return 2;
      }
      throw err;
    }
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`people failed: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
