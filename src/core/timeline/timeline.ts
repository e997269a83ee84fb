import type { Prisma } from '../../generated/prisma/client.js';
import type { CoreDeps } from '../context.js';
import { GENESIS_HASH, hashEntry, type ChainedEntry, type ChainVerdict } from './chain.js';
import { appendCheckpoint, sealHead, verifyRecord, type RecordVerdict } from './checkpoints.js';

type Tx = Prisma.TransactionClient;

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
export async function appendTimeline(deps: Pick<CoreDeps, 'cipher' | 'now'>, tx: Tx, incidentId: string, input: TimelineInput) {
  await tx.$queryRaw`SELECT id FROM incident WHERE id = ${incidentId} FOR UPDATE`;
  const last = await tx.timelineEntry.findFirst({ where: { incidentId }, orderBy: { seq: 'desc' }, select: { seq: true, hash: true } });
  const [entry] = chain(deps, incidentId, last, [input]);
  await appendCheckpoint(deps.cipher, tx, entry!.head);
  return tx.timelineEntry.create({ data: entry!.row });
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
  let last: { seq: number; hash: string } | null = null;
  if (!opts.newIncident) {
    if (!opts.locked) await tx.$queryRaw`SELECT id FROM incident WHERE id = ${incidentId} FOR UPDATE`;
    last = await tx.timelineEntry.findFirst({ where: { incidentId }, orderBy: { seq: 'desc' }, select: { seq: true, hash: true } });
  }
  const entries = chain(deps, incidentId, last, inputs);
  // Checkpoint ids grow in the order given (one INSERT, its rows in order): verify reads them in that order.
  await tx.timelineCheckpoint.createMany({ data: entries.map((e) => sealHead(deps.cipher, e.head)) });
  await tx.timelineEntry.createMany({ data: entries.map((e) => e.row) });
}

/** The rows of new entries after `last` (null: the first), each hashed over its content and the one before. */
function chain(
  deps: Pick<CoreDeps, 'cipher' | 'now'>,
  incidentId: string,
  last: { seq: number; hash: string } | null,
  inputs: TimelineInput[],
) {
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

export function readTimeline(deps: Pick<CoreDeps, 'prisma' | 'cipher'>, incidentId: string): Promise<TimelineView[]> {
  return readTimelineRange(deps, incidentId);
}

/** The entries with afterSeq < seq ≤ upToSeq (every one when not given), decrypted, in seq order. */
export async function readTimelineRange(
  deps: Pick<CoreDeps, 'prisma' | 'cipher'>,
  incidentId: string,
  afterSeq?: number,
  upToSeq?: number,
): Promise<TimelineView[]> {
  const seq = { ...(afterSeq !== undefined ? { gt: afterSeq } : {}), ...(upToSeq !== undefined ? { lte: upToSeq } : {}) };
  const rows = await deps.prisma.timelineEntry.findMany({
    where: { incidentId, ...(Object.keys(seq).length ? { seq } : {}) },
    orderBy: { seq: 'asc' },
  });
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
export async function verifyIncidentRecord(deps: Pick<CoreDeps, 'prisma' | 'cipher'>, incidentId: string): Promise<RecordVerdict> {
  const checkpoints = await deps.prisma.timelineCheckpoint.findMany({ where: { incidentId }, orderBy: { id: 'asc' } });
  let entries: TimelineView[];
  try {
    entries = await readTimeline(deps, incidentId);
  } catch (err) {
    return { ok: false, entries: 0, sealed: null, problems: [`an entry cannot be decrypted: ${(err as Error).message}`], uncheckable: 0 };
  }
  return verifyRecord(deps.cipher, entries, checkpoints);
}

/** verifyIncidentRecord in the shape of a chain verdict: ok with the number of entries, or the first problem. */
export async function verifyIncidentTimeline(deps: Pick<CoreDeps, 'prisma' | 'cipher'>, incidentId: string): Promise<ChainVerdict> {
  const v = await verifyIncidentRecord(deps, incidentId);
  if (v.ok) return { ok: true, checked: v.entries };
  const first = v.problems[0] ?? 'unknown problem';
  const seq = Number(/#(\d+)/.exec(first)?.[1] ?? 0);
  return { ok: false, checked: v.entries, problem: { seq, reason: first } };
}
