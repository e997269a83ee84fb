import type { IncidentHead, Repositories } from '../../ports/repositories/index.js';

/**
 * Chain heads witnessed outside the database. The daily digest tells the contact window each open incident's head
 * (entry count + head hash) and every export carries its incident's head in chain-head.json; `npm run verify --
 * --heads FILE` checks the database against heads kept that way. That catches what no record inside the database
 * can: entries and their checkpoints rolled back together to an earlier state.
 */
export interface WitnessedHead {
  schoolId: string | null;
  ref: string | null;
  incidentId: string | null;
  entries: number;
  /** The head hash, or its first 16+ hex characters (the digest shows 16). */
  headHash: string;
}

/** Hex characters of a head hash the digest shows (64 bits: a forged chain cannot be made to match them). */
export const SHORT_HEAD = 16;

export type CurrentHead = IncidentHead;

/** The current head of each incident (where given), from the database. */
export function currentHeads(repos: Pick<Repositories, 'timeline'>, incidentIds?: string[]): Promise<CurrentHead[]> {
  return repos.timeline.heads(incidentIds);
}

export class HeadsFileError extends Error {
  override readonly name = 'HeadsFileError';
}

/**
 * Reads heads from an export's chain-head.json (or an array of such objects) or from the text of a daily digest
 * (「■ 個資事件 115-001（…）」 followed by 「紀錄鏈：12 筆，鏈頭 3fa2…」).
 */
export function parseHeads(text: string): WitnessedHead[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      throw new HeadsFileError(`The heads file is not valid JSON: ${(err as Error).message}`);
    }
    const list = Array.isArray(value) ? value : [value];
    return list.flatMap((v, i) => {
      const o = v as Record<string, unknown>;
      const items = Array.isArray(o.heads) ? (o.heads as unknown[]) : [o];
      return items.map((h, j) => toHead(h as Record<string, unknown>, `entry ${i + 1}.${j + 1}`));
    });
  }
  const heads: WitnessedHead[] = [];
  let ref: string | null = null;
  for (const line of trimmed.split(/\r?\n/)) {
    const title = /個資事件\s*(\S+?)（/.exec(line);
    if (title) ref = title[1] ?? null;
    const head = /紀錄鏈[:：]\s*(\d+)\s*筆[，,]\s*鏈頭\s*([0-9a-f]{16,64})/.exec(line);
    if (head && ref) heads.push({ schoolId: null, ref, incidentId: null, entries: Number(head[1]), headHash: head[2] ?? '' });
  }
  if (heads.length === 0) {
    throw new HeadsFileError(
      "No chain heads found: give an export's chain-head.json or the text of a daily digest (lines 「紀錄鏈：N 筆，鏈頭 …」).",
    );
  }
  return heads;
}

function toHead(o: Record<string, unknown>, where: string): WitnessedHead {
  const entries = Number(o.entries);
  const headHash = typeof o.headHash === 'string' ? o.headHash.toLowerCase() : '';
  if (!Number.isInteger(entries) || entries < 0 || !/^[0-9a-f]{16,64}$/.test(headHash)) {
    throw new HeadsFileError(`Heads file ${where}: needs "entries" (a whole number) and "headHash" (16–64 hex characters).`);
  }
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const school = o.school as Record<string, unknown> | undefined;
  return { schoolId: str(o.schoolId) ?? str(school?.id), ref: str(o.ref), incidentId: str(o.incidentId), entries, headHash };
}

export interface HeadCheck {
  head: WitnessedHead;
  ok: boolean;
  /** Which incident it matched, for the report. */
  label: string;
  problem?: string;
}

/**
 * Compares witnessed heads with the database: the timeline must still hold at least that many entries, and the entry
 * at that count must have that hash. A destroyed incident is compared with its destruction record.
 */
export async function checkHeads(
  repos: Pick<Repositories, 'timeline' | 'retention'>,
  heads: readonly WitnessedHead[],
  schoolId?: string,
): Promise<HeadCheck[]> {
  const out: HeadCheck[] = [];
  for (const head of heads) {
    const school = head.schoolId ?? schoolId ?? null;
    const where = head.incidentId ? { id: head.incidentId } : { ref: head.ref ?? '', ...(school ? { schoolId: school } : {}) };
    const label = `${school ?? '?'}/${head.ref ?? head.incidentId}`;
    const incidents = await repos.timeline.findIncidents(where);
    if (incidents.length > 1) {
      out.push({ head, ok: false, label, problem: `ref ${head.ref} names incidents of several schools: give --school` });
      continue;
    }
    const incident = incidents[0];
    if (!incident) {
      const destroyed = await repos.retention.findDestruction(
        head.incidentId ? { incidentId: head.incidentId } : { incidentRef: head.ref ?? '', ...(school ? { schoolId: school } : {}) },
      );
      if (!destroyed)
        out.push({ head, ok: false, label, problem: 'the incident is missing from the database and has no destruction record' });
      else if (
        destroyed.entryCount < head.entries ||
        (destroyed.entryCount === head.entries && !destroyed.headHash.startsWith(head.headHash))
      ) {
        out.push({
          head,
          ok: false,
          label,
          problem: `destroyed on ${destroyed.destroyedAt.toISOString()}, but its destruction record does not continue this head`,
        });
      } else out.push({ head, ok: true, label: `${destroyed.schoolId}/${destroyed.incidentRef} (destroyed)` });
      continue;
    }
    const fullLabel = `${incident.schoolId}/${incident.ref}`;
    const entry = head.entries === 0 ? null : await repos.timeline.entry(incident.id, head.entries);
    if (head.entries > 0 && !entry)
      out.push({
        head,
        ok: false,
        label: fullLabel,
        problem: `entry #${head.entries} is missing: the timeline was trimmed after this head was witnessed`,
      });
    else if (entry && !entry.hash.startsWith(head.headHash))
      out.push({
        head,
        ok: false,
        label: fullLabel,
        problem: `entry #${head.entries} is not the one witnessed: the timeline was rewritten`,
      });
    else out.push({ head, ok: true, label: fullLabel });
  }
  return out;
}
