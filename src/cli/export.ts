// npm run export -- --incident <ref or id> [--school <id>] --out <file.zip>
// Writes the full record of one incident (timeline with its hash-chain verification, checklist, assessment, clocks,
// notices with every version and review, delivery batches, and the reports as PDF, ODT and DOCX) to a zip, for the
// auditor and the 5-year record. The export is itself recorded on the incident's timeline (and in the zip); a path that
// cannot be written is refused before anything is recorded. Exit 0 when written and the chain
// is intact, 1 when written but the chain is broken, 2 on bad arguments or configuration.
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../app/config.js';
import { createLogger } from '../app/logger.js';
import { noticeSource, ReportService } from '../core/documents/service.js';
import { IncidentService } from '../core/incidents/service.js';
import { NoticeService } from '../core/notices/service.js';
import { loadNoticeTemplates } from '../core/notices/templates.js';
import { verifyIncidentTimeline } from '../core/timeline/timeline.js';
import { commandDeps, withDatabase } from './database.js';
import { readArgs, runWhenMain } from './entry.js';

const USAGE = 'usage: npm run export -- --incident <ref|id> [--school <school id>] --out <file.zip>\n';

async function main(): Promise<number> {
  const args = readArgs({ options: { incident: { type: 'string' }, school: { type: 'string' }, out: { type: 'string' } } }, USAGE)?.values;
  if (!args) return 2;
  if (!args.incident || !args.out) {
    process.stderr.write(USAGE);
    return 2;
  }
  const config = loadConfig();
  const { incident: wanted, school, out: outPath } = args;
  return withDatabase(config, async (db) => {
    const deps = await commandDeps(config, db, createLogger({ level: 'warn' }));
    const found = await db.repos.incidents.findByIdOrRef(wanted, school);
    if (found.length === 0) {
      process.stderr.write(`No incident with ref or id "${wanted}"${school ? ` in school ${school}` : ''}.\n`);
      return 2;
    }
    if (found.length > 1) {
      process.stderr.write(
        `"${wanted}" names incidents of several schools (${found.map((i) => i.schoolId).join(', ')}); add --school <id>.\n`,
      );
      return 2;
    }
    const incident = found[0]!;
    const notices = new NoticeService(deps, loadNoticeTemplates(join(deps.playbooks.dir, 'notices')));
    const reports = new ReportService(deps, new IncidentService(deps), noticeSource(notices));
    // The output file is opened before anything is recorded: a bad path fails here and leaves no record of an export.
    const out = resolve(outPath);
    let fd: number;
    try {
      fd = openSync(out, 'w', 0o600);
    } catch (err) {
      process.stderr.write(
        `Cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Nothing was exported or recorded.\n`,
      );
      return 2;
    }
    const operator = { personId: null, displayName: '系統管理者（匯出指令）' };
    let file;
    try {
      // Recorded first, so the archive holds the record of its own export (a failure to build it is recorded too).
      file = await reports.download(operator, incident.id, { kind: 'export', format: 'zip' }, 'cli');
      writeFileSync(fd, file.bytes);
    } catch (err) {
      closeSync(fd);
      rmSync(out, { force: true });
      if (file) await reports.recordExportFailure(operator, incident.id, 'cli', 'write');
      throw err;
    }
    closeSync(fd);
    const chain = await verifyIncidentTimeline(deps, incident.id);
    process.stdout.write(
      `wrote ${out} (${file.bytes.length} bytes): incident ${incident.ref} of ${incident.schoolId}, ` +
        `timeline ${chain.ok ? 'intact' : `BROKEN at #${chain.problem?.seq}: ${chain.problem?.reason}`} (${chain.checked} entries)\n`,
    );
    return chain.ok ? 0 : 1;
  });
}

runWhenMain(import.meta.url, 'export', main);
