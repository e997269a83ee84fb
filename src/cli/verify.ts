// npm run verify [-- --incident <ref or id>] [--json]
// Checks the hash chain of every incident's timeline (or one). Exit 0 when all are intact, 1 when any is broken,
// 2 on bad arguments or configuration.
import { parseArgs } from 'node:util';
import { loadConfig } from '../app/config.js';
import { FieldCipher, parseKeyRing } from '../core/privacy/cipher.js';
import { verifyIncidentTimeline } from '../core/timeline/timeline.js';
import { openDatabase } from '../storage/database.js';
import { migrate } from '../storage/migrate.js';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { incident: { type: 'string' }, json: { type: 'boolean', default: false } } }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\nusage: npm run verify -- [--incident <ref|id>] [--json]\n`);
    return 2;
  }
  const config = loadConfig();
  const db = await openDatabase(config.database);
  try {
    await migrate(db, config.migrationsDir);
    const cipher = new FieldCipher(parseKeyRing(config.encryptionKeys));
    const incidents = await db.prisma.incident.findMany({
      where: args.incident ? { OR: [{ id: args.incident }, { ref: args.incident }] } : {},
      orderBy: { createdAt: 'asc' },
    });
    if (args.incident && incidents.length === 0) {
      process.stderr.write(`No incident with ref or id "${args.incident}".\n`);
      return 2;
    }
    const results = [];
    for (const i of incidents) {
      const v = await verifyIncidentTimeline({ prisma: db.prisma, cipher }, i.id);
      results.push({ incident: i.ref, id: i.id, schoolId: i.schoolId, ok: v.ok, entries: v.checked, problem: v.problem ?? null });
    }
    if (args.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else {
      for (const r of results) {
        process.stdout.write(`${r.ok ? 'ok     ' : 'BROKEN '} ${r.schoolId}/${r.incident}  ${r.entries} entries${r.problem ? `  at #${r.problem.seq}: ${r.problem.reason}` : ''}\n`);
      }
      process.stdout.write(`${results.filter((r) => r.ok).length} of ${results.length} timelines intact\n`);
    }
    return results.every((r) => r.ok) ? 0 : 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`verify failed: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
