import type { TimelineFingerprint } from '../../ports/repositories/index.js';
import type { ChainedEntry } from './chain.js';
import { verifyRecord, type RecordVerdict, type VerifiedPrefix } from './checkpoints.js';
import { readTimelineRange, type TimelineReader } from './timeline.js';

/**
 * The record verification of a page viewed again and again (the console's incident page), with the guarantee of a
 * whole verification (`verifyIncidentRecord`, `npm run verify`) at the cost of what changed since the last one.
 *
 * After a record verified whole, this process keeps (in memory, never in the database) what it verified: how many
 * entries and checkpoints, the last entry's hash, the last sealed head, and a fingerprint of those rows exactly as
 * the database holds them: SHA-256, computed by the database, over every column the verification reads (each row as
 * a JSON array, so no two different rows print alike), entries in seq order and checkpoints in id order. On the next
 * view the database fingerprints the same rows again. Equal fingerprints mean those rows are byte for byte the rows
 * verified (under the same key ring, which a process never changes), so they would verify the same again: only the
 * entries and checkpoints added after them are read, decrypted and checked, continuing from the kept head
 * (`verifyRecord` with a prefix). Any difference (an entry or checkpoint edited, removed, inserted or re-encrypted)
 * and the record is verified whole again, as is a record that did not verify. Rows changed and put back between two
 * views are the one thing this cannot see that a whole verification at that moment would not have seen either.
 */
interface Kept extends VerifiedPrefix {
  lastCheckpointId: bigint;
  entriesPrint: string;
  checkpointsPrint: string;
}

/** Incidents whose verification is kept (most recently verified first out when full). */
const KEPT_MAX = 2000;

type Prints = TimelineFingerprint;

type Deps = TimelineReader;

export class RecordVerifier {
  private readonly kept = new Map<string, Kept>();

  constructor(private readonly deps: Deps) {}

  /** Fingerprints of an incident's entries up to `seq` and checkpoints up to `id` (all of them when not given). */
  private prints(incidentId: string, upTo?: { seq: number; id: bigint }): Promise<Prints> {
    return this.deps.repos.timeline.fingerprint(incidentId, upTo);
  }

  /** The verdict of `verifyIncidentRecord` for this incident, checking only what was added since the last one. */
  async verify(incidentId: string): Promise<RecordVerdict> {
    const kept = this.kept.get(incidentId);
    // Fingerprinted before the rows are read: rows changed after this are not the ones kept, and fail next time.
    const now = await this.prints(incidentId);
    const same = (p: Prints, k: Kept) =>
      p.entries === k.entries &&
      p.checkpoints === k.checkpoints &&
      p.entriesPrint === k.entriesPrint &&
      p.checkpointsPrint === k.checkpointsPrint;
    if (kept && same(now, kept)) return verdictOf(kept);
    if (kept && now.entries >= kept.entries && now.checkpoints >= kept.checkpoints) {
      if (same(await this.prints(incidentId, { seq: kept.entries, id: kept.lastCheckpointId }), kept)) {
        const result = await this.check(incidentId, kept, now);
        if (result) return result;
      }
    }
    return (await this.check(incidentId, null, now)) as RecordVerdict;
  }

  /**
   * Verifies the rows after `from` (all when null) up to those fingerprinted in `now`, and keeps the result when it
   * is ok. Null when a new checkpoint seals an entry before the kept head (only a whole verification places it).
   */
  private async check(incidentId: string, from: Kept | null, now: Prints): Promise<RecordVerdict | null> {
    this.kept.delete(incidentId);
    let entries: ChainedEntry[];
    try {
      entries = await readTimelineRange(this.deps, incidentId, from?.entries ?? 0, now.lastSeq);
    } catch (err) {
      return { ok: false, entries: 0, sealed: null, problems: [`an entry cannot be decrypted: ${(err as Error).message}`], uncheckable: 0 };
    }
    const checkpoints =
      now.lastCheckpointId === null
        ? []
        : await this.deps.repos.timeline.checkpoints(incidentId, {
            afterId: from?.lastCheckpointId,
            upToId: now.lastCheckpointId,
          });
    if (from && checkpoints.some((c) => c.entryCount < from.entries)) return null;
    const verdict = verifyRecord(this.deps.cipher, entries, checkpoints, from ?? undefined);
    const total = (from?.entries ?? 0) + entries.length;
    const counted = (from?.checkpoints ?? 0) + checkpoints.length;
    if (verdict.ok && verdict.sealed && now.lastCheckpointId !== null && total === now.entries && counted === now.checkpoints) {
      if (this.kept.size >= KEPT_MAX) this.kept.delete(this.kept.keys().next().value!);
      this.kept.set(incidentId, {
        entries: total,
        head: entries.at(-1)?.hash ?? from?.head ?? '',
        checkpoints: counted,
        sealed: verdict.sealed,
        uncheckable: verdict.uncheckable,
        lastCheckpointId: now.lastCheckpointId,
        entriesPrint: now.entriesPrint,
        checkpointsPrint: now.checkpointsPrint,
      });
    }
    return verdict;
  }
}

const verdictOf = (k: Kept): RecordVerdict => ({
  ok: true,
  entries: k.entries,
  sealed: k.sealed,
  problems: [],
  uncheckable: k.uncheckable,
});
