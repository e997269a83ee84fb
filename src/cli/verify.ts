// npm run verify [-- --incident <ref or id>] [--heads FILE [--school <id>]] [--json]
// Checks every incident's timeline (or one) against its hash chain and its sealed checkpoints, every evidence file
// against the SHA-256 taken when it was filed, every destruction record's seal, and, with --heads, the chain heads witnessed outside the database (an export's chain-head.json or a
// daily digest's text). Exit 0 when all hold, 1 when anything is missing, edited, reordered, re-hashed or forged,
// 2 on bad arguments or configuration.
import { readFileSync } from 'node:fs';
import { loadConfig } from '../app/config.js';
import { openKeyRing } from '../app/keys.js';
import { createLogger } from '../app/logger.js';
import { EvidenceLocker } from '../core/evidence/locker.js';
import type { FieldCipher } from '../core/privacy/cipher.js';
import type { RepositoryHub } from '../ports/repositories/index.js';
import { verifyDestructionRecord } from '../core/retention/record.js';
import { checkHeads, parseHeads, type HeadCheck } from '../core/timeline/heads.js';
import { verifyIncidentRecord } from '../core/timeline/timeline.js';
import { evidenceStores } from '../storage/blobs.js';
import { withDatabase } from './database.js';
import { readArgs, runWhenMain } from './entry.js';

const USAGE = 'usage: npm run verify -- [--incident <ref|id>] [--heads FILE [--school <id>]] [--json]\n';

export interface VerifyResult {
  timelines: { incident: string; id: string; schoolId: string; ok: boolean; entries: number; sealed: number | null; problems: string[] }[];
  destroyed: { incident: string; schoolId: string; ok: boolean; problem: string | null }[];
  /** Every evidence file read whole: each chunk authenticated and the SHA-256 compared with the one taken at intake. */
  evidence: { incident: string; schoolId: string; seq: number; ok: boolean; problem: string | null }[];
  heads: HeadCheck[];
  ok: boolean;
}

export async function runVerify(
  deps: { repos: RepositoryHub; cipher: FieldCipher },
  opts: { incident?: string; heads?: string; school?: string; evidence?: EvidenceLocker } = {},
): Promise<VerifyResult> {
  const incidents = await deps.repos.timeline.listIncidents(opts.incident);
  const timelines: VerifyResult['timelines'] = [];
  for (const i of incidents) {
    const v = await verifyIncidentRecord(deps, i.id);
    timelines.push({
      incident: i.ref,
      id: i.id,
      schoolId: i.schoolId,
      ok: v.ok,
      entries: v.entries,
      sealed: v.sealed?.entryCount ?? null,
      problems: v.problems,
    });
  }
  // A failed file is also recorded on its incident's timeline as an alarm (EvidenceLocker.verifyIncident).
  const evidence: VerifyResult['evidence'] = [];
  if (opts.evidence) {
    for (const i of incidents) {
      for (const e of await opts.evidence.verifyIncident(i.id))
        evidence.push({ incident: i.ref, schoolId: i.schoolId, seq: e.seq, ok: e.ok, problem: e.problem ?? null });
    }
  }
  const records = opts.incident ? [] : await deps.repos.retention.destructions();
  const destroyed = records.map((r) => {
    const problem = verifyDestructionRecord(deps.cipher, r);
    return { incident: r.incidentRef, schoolId: r.schoolId, ok: problem === null, problem };
  });
  const heads = opts.heads ? await checkHeads(deps.repos, parseHeads(opts.heads), opts.school) : [];
  const ok = timelines.every((t) => t.ok) && destroyed.every((d) => d.ok) && heads.every((h) => h.ok) && evidence.every((e) => e.ok);
  return { timelines, destroyed, evidence, heads, ok };
}

export function formatVerify(r: VerifyResult): string {
  const lines: string[] = [];
  for (const t of r.timelines) {
    lines.push(
      `${t.ok ? 'ok     ' : 'BROKEN '} ${t.schoolId}/${t.incident}  ${t.entries} entries${t.sealed !== null ? `, sealed at ${t.sealed}` : ''}`,
    );
    for (const p of t.problems) lines.push(`          ${p}`);
  }
  for (const d of r.destroyed)
    lines.push(
      `${d.ok ? 'ok     ' : 'BROKEN '} ${d.schoolId}/${d.incident}  destroyed (destruction record)${d.problem ? `: ${d.problem}` : ''}`,
    );
  for (const e of r.evidence.filter((x) => !x.ok)) lines.push(`BROKEN  ${e.schoolId}/${e.incident}  evidence ${e.seq}: ${e.problem}`);
  for (const h of r.heads) {
    lines.push(
      `${h.ok ? 'ok     ' : 'BROKEN '} ${h.label}  witnessed head: ${h.head.entries} entries, ${h.head.headHash.slice(0, 16)}…${h.problem ? `: ${h.problem}` : ''}`,
    );
  }
  lines.push(`${r.timelines.filter((t) => t.ok).length} of ${r.timelines.length} timelines intact`);
  if (r.evidence.length)
    lines.push(`${r.evidence.filter((e) => e.ok).length} of ${r.evidence.length} evidence files intact (hash matches)`);
  if (r.destroyed.length) lines.push(`${r.destroyed.filter((d) => d.ok).length} of ${r.destroyed.length} destruction records intact`);
  if (r.heads.length) lines.push(`${r.heads.filter((h) => h.ok).length} of ${r.heads.length} witnessed heads match`);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  const args = readArgs(
    {
      options: {
        incident: { type: 'string' },
        heads: { type: 'string' },
        school: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    },
    USAGE,
  )?.values;
  if (!args) return 2;
  let headsText: string | undefined;
  if (args.heads) {
    try {
      headsText = readFileSync(args.heads, 'utf8');
    } catch (err) {
      process.stderr.write(`Cannot read the heads file ${args.heads}: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const config = loadConfig();
  return withDatabase(config, async (db) => {
    const { cipher } = await openKeyRing(config, db);
    if (args.incident && (await db.repos.timeline.listIncidents(args.incident)).length === 0) {
      process.stderr.write(`No incident with ref or id "${args.incident}".\n`);
      return 2;
    }
    const log = createLogger({ level: 'warn' });
    const evidence = new EvidenceLocker(
      { repos: db.repos, cipher, log, now: () => new Date() },
      { stores: evidenceStores(db.prisma, config.evidence) },
    );
    const result = await runVerify(
      { repos: db.repos, cipher },
      {
        evidence,
        ...(args.incident ? { incident: args.incident } : {}),
        ...(headsText ? { heads: headsText } : {}),
        ...(args.school ? { school: args.school } : {}),
      },
    );
    process.stdout.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : formatVerify(result));
    return result.ok ? 0 : 1;
  });
}

runWhenMain(import.meta.url, 'verify', main);
