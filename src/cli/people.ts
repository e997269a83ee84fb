// npm run people -- import <roster.yaml> [--dry-run] [--deactivate-missing]
// npm run people -- list --school <school id>
// npm run people -- history --school <school id>
// npm run people -- code --school <school id> --person <name or id>
//
// import: creates a school and its people from the roster file the school keeps (format: docs/people.md), or brings
//   them in line with it; prints what changed, person by person. --dry-run prints the same without writing.
//   Running it again with the same file changes nothing.
// list: the school's people, their roles and whether a chat account is linked.
// history: who changed which person's roles, name, unit or active state, and when (newest first; append-only record).
// code: a one-time binding code for a person, so the first principal or contact window can link their chat account
//   (they type 「綁定 <code>」 to the bot in a 1:1 chat). Later codes are created in chat with 「產生綁定碼 <姓名>」.
// With the embedded database, stop the product first (one process per data directory). Exit 2 on bad arguments or a
// bad roster file (every fault is listed with its place in the file).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../app/config.js';
import { createLogger } from '../app/logger.js';
import { loadClockRules } from '../core/clocks/index.js';
import { DataFileError } from '../core/data/yaml-file.js';
import { UserError } from '../core/incidents/types.js';
import { BindingService } from '../core/people/binding.js';
import { personHistory, type PersonChanges } from '../core/people/history.js';
import { applyRoster, parseRoster, type RosterPlan } from '../core/people/roster.js';
import { roleNames } from '../core/roles.js';
import { formatChatDateTime, formatRocDateTime } from '../core/time/roc.js';
import { openDatabase, type Database } from '../storage/database.js';
import { isMain } from './entry.js';
import { migrate } from '../storage/migrate.js';

const USAGE = [
  'usage: npm run people -- import <roster.yaml> [--dry-run] [--deactivate-missing]',
  '       npm run people -- list --school <school id>',
  '       npm run people -- history --school <school id>',
  '       npm run people -- code --school <school id> --person <name or person id>',
  '',
].join('\n');

type Out = (s: string) => void;

async function withDatabase<T>(fn: (db: Database) => Promise<T>, config = loadConfig()): Promise<T> {
  const db = await openDatabase(config.database);
  try {
    await migrate(db, config.migrationsDir);
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function knownSchool(db: Database, id: string, err: Out): Promise<boolean> {
  if (await db.repos.schools.find(id)) return true;
  const ids = await db.repos.schools.ids();
  err(`No school "${id}". Known schools: ${ids.join(', ') || '(none: create one with npm run people -- import <roster.yaml>)'}\n`);
  return false;
}

function printPlan(plan: RosterPlan, dryRun: boolean, out: Out): void {
  const verb = (a: string) => (dryRun ? `would ${a}` : `${a}d`);
  const line = (c: { field: string; from: string; to: string }) => `${c.field}: ${c.from} → ${c.to}`;
  out(
    `school ${plan.schoolId}: ${plan.school.action === 'unchanged' ? 'unchanged' : verb(plan.school.action)}${plan.school.changes.length ? ` (${plan.school.changes.map(line).join('; ')})` : ''}\n`,
  );
  for (const p of plan.people) {
    const what = p.action === 'unchanged' || p.action === 'not in file' ? p.action : verb(p.action);
    out(
      `  ${p.name} [${dryRun && p.action === 'create' ? 'new' : p.id}]: ${what}${p.changes.length ? ` (${p.changes.map(line).join('; ')})` : ''}\n`,
    );
  }
  const count = (a: string) => plan.people.filter((p) => p.action === a).length;
  const kept = count('not in file');
  out(
    `${dryRun ? 'Dry run, nothing written: ' : ''}${count('create')} to add, ${count('update')} to change, ${count('deactivate')} to deactivate, ${count('unchanged')} unchanged` +
      `${kept ? `; ${kept} on record but not in the file, left as they are (--deactivate-missing makes them inactive)` : ''}.\n`,
  );
}

async function importRoster(file: string, flags: { dryRun: boolean; deactivateMissing: boolean }, out: Out, err: Out): Promise<number> {
  const config = loadConfig();
  const profiles = loadClockRules(join(config.playbooksDir, 'clocks.yaml')).profiles.map((p) => ({ id: p.id, schoolKind: p.schoolKind }));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    err(`${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})\n`);
    return 2;
  }
  try {
    const roster = parseRoster(file, text, profiles);
    return await withDatabase(async (db) => {
      const plan = await applyRoster(db, roster, { defaultClockProfile: config.clockProfile, ...flags });
      printPlan(plan, flags.dryRun, out);
      if (!flags.dryRun && plan.school.action === 'create') {
        out(
          `Next: print a binding code for the principal or the contact window with\n  npm run people -- code --school ${plan.schoolId} --person <name>\n`,
        );
      }
      return 0;
    }, config);
  } catch (e) {
    if (e instanceof DataFileError) {
      err(`${e.message.replace(/^roster: /, `${file}: `)}\nNothing was written.\n`);
      return 2;
    }
    throw e;
  }
}

async function list(schoolId: string, out: Out, err: Out): Promise<number> {
  return withDatabase(async (db) => {
    if (!(await knownSchool(db, schoolId, err))) return 2;
    const school = (await db.repos.schools.find(schoolId))!;
    const people = await db.repos.people.rosterOf(schoolId);
    out(
      `${school.name} (${school.id}), ${school.kind ?? 'kind not set'}, clock profile ${school.clockProfile}, contact phone ${school.contactPhone ?? '(none: reports show 【待補】)'}, e-mail ${school.contactEmail ?? '(none: notices ask for it)'}\n`,
    );
    for (const p of people) {
      const linked = [...new Set(p.identities.map((i) => i.platform))].join(', ') || 'no chat account linked';
      out(
        `  ${p.displayName}${p.unit ? `（${p.unit}）` : ''} [${p.id}]: ${roleNames(p.roles)}; ${linked}${p.active ? '' : '; inactive'}\n`,
      );
    }
    return 0;
  });
}

function describeChanges(c: PersonChanges): string {
  const value = (v: unknown, field: string) =>
    v === null || v === undefined
      ? '(none)'
      : field === 'roles'
        ? roleNames(v as string[]) || '(none)'
        : field === 'active'
          ? v
            ? 'active'
            : 'inactive'
          : String(v);
  const until = (v: unknown) => formatRocDateTime(new Date(String(v)));
  return Object.entries(c)
    .map(([field, { from, to }]) =>
      field === 'bindingCode'
        ? to === null
          ? `binding code revoked (was valid until ${until(from)})`
          : `binding code issued, valid until ${until(to)}${from === null ? '' : ` (an unused one valid until ${until(from)} revoked)`}`
        : from === null
          ? `${field} ${value(to, field)}`
          : `${field} ${value(from, field)} → ${value(to, field)}`,
    )
    .join('; ');
}

async function history(schoolId: string, out: Out, err: Out): Promise<number> {
  return withDatabase(async (db) => {
    if (!(await knownSchool(db, schoolId, err))) return 2;
    const rows = await personHistory(db.repos, schoolId);
    if (rows.length === 0) out('No changes to people on record.\n');
    for (const r of rows)
      out(`${formatRocDateTime(r.at)}  ${r.personName} [${r.personId}]: ${describeChanges(r.changes)}  (by ${r.actorLabel})\n`);
    return 0;
  });
}

async function code(schoolId: string, who: string, out: Out, err: Out): Promise<number> {
  return withDatabase(async (db) => {
    if (!(await knownSchool(db, schoolId, err))) return 2;
    const svc = new BindingService({ repos: db.repos, log: createLogger({ level: 'warn' }), now: () => new Date() });
    try {
      const r = await svc.issueCodeByOperator(schoolId, who);
      out(`${r.person.displayName} (${r.person.id}) binding code: ${r.code}  valid until ${formatChatDateTime(r.expiresAt)}, once.\n`);
      out(`Tell the person: add the bot as a friend (LINE) or open a direct message with it, then type 「綁定 ${r.code}」 there.\n`);
      return 0;
    } catch (e) {
      if (e instanceof UserError) {
        err(`${e.message}\n`);
        return 2;
      }
      throw e;
    }
  });
}

export async function runPeople(argv: string[], out: Out, err: Out): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        school: { type: 'string' },
        person: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        'deactivate-missing': { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  switch (positionals[0]) {
    case 'import':
      if (positionals.length !== 2) break;
      return importRoster(positionals[1]!, { dryRun: values['dry-run'], deactivateMissing: values['deactivate-missing'] }, out, err);
    case 'list':
      if (!values.school) break;
      return list(values.school, out, err);
    case 'history':
      if (!values.school) break;
      return history(values.school, out, err);
    case 'code':
      if (!values.school || !values.person) break;
      return code(values.school, values.person, out, err);
  }
  err(USAGE);
  return 2;
}

if (isMain(import.meta.url)) {
  runPeople(
    process.argv.slice(2),
    (s) => process.stdout.write(s),
    (s) => process.stderr.write(s),
  ).then(
    (c) => process.exit(c),
    (e: unknown) => {
      process.stderr.write(`people failed: ${(e as Error).message}\n`);
      process.exit(2);
    },
  );
}
