import type { Repositories, TimelineEntryRecord, TimelineHead } from '../../ports/repositories/index.js';
import type { CoreDeps } from '../context.js';
import { GENESIS_HASH, hashEntry, type ChainedEntry, type ChainVerdict } from './chain.js';
import { sealHead, verifyRecord, type RecordVerdict } from './checkpoints.js';

/** Where a timeline is appended: the repositories of the transaction that makes the change it records. */
type Tx = Pick<Repositories, 'timeline'>;

/** What reads a timeline: the repositories and the cipher. */
export type TimelineReader = Pick<CoreDeps, 'cipher' | 'repos'>;

export interface TimelineInput {
  actorId: string | null;
  actorLabel: string;
  type: string;
  /** Short zh-TW line shown to people; must not contain leaked personal data. */
  summary: string;
  /** Structured detail; encrypted at rest. */
  detail?: Record<string, unknown>;
}

/**
 * Appends one entry to an incident's timeline. Must run inside the transaction that made the change it records;
 * the incident row is locked first so concurrent appends get consecutive sequence numbers. The new head is sealed in
 * the same transaction (src/core/timeline/checkpoints.ts).
 */
export async function appendTimeline(
  deps: Pick<CoreDeps, 'cipher' | 'now'>,
  tx: Tx,
  incidentId: string,
  input: TimelineInput,
): Promise<void> {
  await tx.timeline.lockIncident(incidentId);
  const last = await tx.timeline.last(incidentId);
  const [entry] = chain(deps, incidentId, last, [input]);
  await tx.timeline.append([sealHead(deps.cipher, entry!.head)], [entry!.row]);
}

/**
 * Appends several entries at once, in order, exactly as that many appendTimeline calls would (each entry chained to the
 * one before and each head sealed), in four statements whatever their number: one change that records several facts
 * (a report and the clocks it starts; the reminders a change schedules and stops) pays for one lock and one read.
 * `newIncident`: the incident row was inserted by this same transaction, so no other can see or lock it yet and its
 * timeline is empty: the lock and the read are skipped (two statements). `locked`: this transaction already holds the
 * incident row's lock (SELECT … FOR UPDATE, as the reminder reconcile takes before it reads the schedules): the lock is
 * not taken again (one statement).
 */
export async function appendTimelineEntries(
  deps: Pick<CoreDeps, 'cipher' | 'now'>,
  tx: Tx,
  incidentId: string,
  inputs: TimelineInput[],
  opts: { newIncident?: boolean; locked?: boolean } = {},
): Promise<void> {
  if (inputs.length === 0) return;
  let last: TimelineHead | null = null;
  if (!opts.newIncident) {
    if (!opts.locked) await tx.timeline.lockIncident(incidentId);
    last = await tx.timeline.last(incidentId);
  }
  const entries = chain(deps, incidentId, last, inputs);
  // Checkpoint ids grow in the order given (one INSERT, its rows in order): verify reads them in that order.
  await tx.timeline.append(
    entries.map((e) => sealHead(deps.cipher, e.head)),
    entries.map((e) => e.row),
  );
}

/** The rows of new entries after `last` (null: the first), each hashed over its content and the one before. */
function chain(
  deps: Pick<CoreDeps, 'cipher' | 'now'>,
  incidentId: string,
  last: TimelineHead | null,
  inputs: TimelineInput[],
): { head: { incidentId: string; entryCount: number; headHash: string; at: Date }; row: TimelineEntryRecord }[] {
  let prev = last;
  return inputs.map((input) => {
    const content = {
      incidentId,
      seq: (prev?.seq ?? 0) + 1,
      at: deps.now(),
      actorId: input.actorId,
      actorLabel: input.actorLabel,
      type: input.type,
      summary: input.summary,
      detail: input.detail ?? null,
      prevHash: prev?.hash ?? GENESIS_HASH,
    };
    const hash = hashEntry(content);
    prev = { seq: content.seq, hash };
    return {
      head: { incidentId, entryCount: content.seq, headHash: hash, at: content.at },
      row: {
        incidentId,
        seq: content.seq,
        at: content.at,
        actorId: content.actorId,
        actorLabel: content.actorLabel,
        type: content.type,
        summary: content.summary,
        detailEnc: input.detail ? deps.cipher.encrypt(JSON.stringify(input.detail), `timeline:${incidentId}`) : null,
        prevHash: content.prevHash,
        hash,
      },
    };
  });
}

export interface TimelineView extends ChainedEntry {}

export function readTimeline(deps: TimelineReader, incidentId: string): Promise<TimelineView[]> {
  return readTimelineRange(deps, incidentId);
}

/** The entries with afterSeq < seq ≤ upToSeq (every one when not given), decrypted, in seq order. */
export async function readTimelineRange(
  deps: TimelineReader,
  incidentId: string,
  afterSeq?: number,
  upToSeq?: number,
): Promise<TimelineView[]> {
  const rows = await deps.repos.timeline.entries(incidentId, { afterSeq, upToSeq });
  return rows.map((r) => ({
    incidentId: r.incidentId,
    seq: r.seq,
    at: r.at,
    actorId: r.actorId,
    actorLabel: r.actorLabel,
    type: r.type,
    summary: r.summary,
    detail: r.detailEnc ? (JSON.parse(deps.cipher.decrypt(r.detailEnc, `timeline:${incidentId}`)) as unknown) : null,
    prevHash: r.prevHash,
    hash: r.hash,
  }));
}

/** The hash chain and every sealed checkpoint of one incident (see checkpoints.ts). */
export async function verifyIncidentRecord(deps: TimelineReader, incidentId: string): Promise<RecordVerdict> {
  const checkpoints = await deps.repos.timeline.checkpoints(incidentId);
  let entries: TimelineView[];
  try {
    entries = await readTimeline(deps, incidentId);
  } catch (err) {
    return { ok: false, entries: 0, sealed: null, problems: [`an entry cannot be decrypted: ${(err as Error).message}`], uncheckable: 0 };
  }
  return verifyRecord(deps.cipher, entries, checkpoints);
}

/** verifyIncidentRecord in the shape of a chain verdict: ok with the number of entries, or the first problem. */
export async function verifyIncidentTimeline(deps: TimelineReader, incidentId: string): Promise<ChainVerdict> {
  const v = await verifyIncidentRecord(deps, incidentId);
  if (v.ok) return { ok: true, checked: v.entries };
  const first = v.problems[0] ?? 'unknown problem';
  const seq = Number(/#(\d+)/.exec(first)?.[1] ?? 0);
  return { ok: false, checked: v.entries, problem: { seq, reason: first } };
}
