// npm run retention -- [--dry-run] [--school <id>] [--incident <ref|id>] [--authorised-by "<name, role, decision>"]
// Lists every incident with the end of its 5-year retention (clock records-5y), those past it first. With
// --authorised-by (and without --dry-run) destroys the closed incidents past their date (or the one given with
// --incident): their details, timeline, checklist, notices and local-chat room history are deleted and a sealed
// destruction record is kept (incident number, dates, who authorised it, the head of the destroyed timeline).
// Never before the date; never an open incident; never a record that fails verification. Console sessions that ended
// more than 90 days ago are deleted on every run but a dry run (the sign-ins stay on the person's record).
// With the embedded database, stop the product first. Exit 0 done, 1 something could not be destroyed, 2 bad arguments.
import { loadConfig } from '../app/config.js';
import { createLogger } from '../app/logger.js';
import type { CoreDeps } from '../core/context.js';
import { destroyIncident, listRetention, RetentionError } from '../core/retention/retention.js';
import { pruneConsoleSessions } from '../jobs/retention.js';
import { SESSION_RETENTION_DAYS } from '../storage/console.js';
import { commandDeps, withDatabase } from './database.js';
import { readArgs, runWhenMain } from './entry.js';

const USAGE = 'usage: npm run retention -- [--dry-run] [--school <id>] [--incident <ref|id>] [--authorised-by "<who authorised it>"]\n';

type Out = (line: string) => void;

export interface RetentionArgs {
  dryRun: boolean;
  school?: string;
  incident?: string;
  authorisedBy?: string;
}

export async function runRetention(deps: CoreDeps, args: RetentionArgs, out: Out): Promise<number> {
  const all = await listRetention(deps, args.school);
  const items = args.incident ? all.filter((i) => i.incidentId === args.incident || i.ref === args.incident) : all;
  if (args.incident && items.length === 0) {
    out(`No incident with ref or id "${args.incident}".`);
    return 2;
  }
  for (const i of items) {
    const when = i.retainUntil ? i.retainUntil.toISOString().slice(0, 10) : 'unknown';
    out(
      `${i.due ? 'DUE    ' : 'kept   '} ${i.schoolId}/${i.ref}  ${i.status.padEnd(14)} keep until ${when}${i.kept ? `  (${i.kept})` : ''}`,
    );
  }
  const due = items.filter((i) => i.due);
  out(`${due.length} of ${items.length} incident(s) past their retention date and closed.`);
  // Ended console sessions past their retention are deleted whatever the arguments (no decision needed), except a dry run.
  const sessions = await pruneConsoleSessions(deps, { count: args.dryRun });
  if (sessions > 0)
    out(`${args.dryRun ? 'Would delete' : 'Deleted'} ${sessions} console session(s) ended more than ${SESSION_RETENTION_DAYS} days ago.`);
  if (args.dryRun || due.length === 0) return 0;
  if (!args.authorisedBy) {
    out('Nothing destroyed: destruction needs --authorised-by "<name, role, decision>" (who decided), and is final.');
    return 0;
  }
  let failed = 0;
  for (const i of due) {
    try {
      const { record, rooms } = await destroyIncident(deps, i.incidentId, args.authorisedBy);
      out(
        `destroyed ${record.schoolId}/${record.incidentRef}: destruction record ${record.id} (${record.entryCount} timeline entries, head ${record.headHash.slice(0, 16)}…), authorised by ${record.authorisedBy}`,
      );
      for (const r of rooms) out(`  its ${r.platform} room ${r.externalId} was unbound; delete its history on ${r.platform} too.`);
    } catch (err) {
      if (!(err instanceof RetentionError)) throw err;
      failed += 1;
      out(`NOT destroyed ${i.schoolId}/${i.ref}: ${err.message}`);
    }
  }
  return failed ? 1 : 0;
}

async function main(): Promise<number> {
  const values = readArgs(
    {
      options: {
        'dry-run': { type: 'boolean', default: false },
        school: { type: 'string' },
        incident: { type: 'string' },
        'authorised-by': { type: 'string' },
      },
    },
    USAGE,
  )?.values;
  if (!values) return 2;
  const config = loadConfig();
  return withDatabase(config, async (db) => {
    const deps = await commandDeps(config, db, createLogger({ level: 'warn' }));
    return runRetention(
      deps,
      {
        dryRun: values['dry-run'] ?? false,
        ...(values.school ? { school: values.school } : {}),
        ...(values.incident ? { incident: values.incident } : {}),
        ...(values['authorised-by'] ? { authorisedBy: values['authorised-by'] } : {}),
      },
      (line) => process.stdout.write(`${line}\n`),
    );
  });
}

runWhenMain(import.meta.url, 'retention', main);
