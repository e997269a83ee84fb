import type { CheckpointRecord, NewCheckpoint, RepositoryHub } from '../../ports/repositories/index.js';
import type { FieldCipher } from '../privacy/cipher.js';
import { verifyChain, type ChainedEntry } from './chain.js';

/**
 * Sealed checkpoints make the timeline impossible to trim or rewrite unnoticed. The hash chain alone has no secret:
 * someone with write access to the database can delete the last entries, or rewrite every entry and recompute every
 * hash. So each append also stores the incident's head (entry count + hash of the last entry) sealed with an HMAC
 * under a key derived from the key ring ("timeline-seal"), which the database never holds. `verify` then finds:
 * - an edited, reordered, removed or re-hashed entry: the chain, or the sealed head hash, no longer matches;
 * - deleted last entries: a sealed checkpoint counts more entries than remain;
 * - a deleted, altered or invented checkpoint: its seal fails, or the last sealed head does not cover every entry.
 * Rolling entries and checkpoints back together to an earlier true state is the one thing no database-held record can
 * show; the heads witnessed outside (the daily digest, every export, `verify --heads`) catch it.
 */
export const SEAL_PURPOSE = 'timeline-seal';

export interface Head {
  incidentId: string;
  entryCount: number;
  headHash: string;
  at: Date;
}

export function checkpointMessage(h: Head): string {
  return `pdi-responder timeline checkpoint v1\n${h.incidentId}\n${h.entryCount}\n${h.headHash}\n${h.at.toISOString()}`;
}

/** The checkpoint row of a head, sealed under the current key. */
export function sealHead(cipher: FieldCipher, h: Head): NewCheckpoint {
  const keyId = cipher.currentKeyId;
  return {
    incidentId: h.incidentId,
    entryCount: h.entryCount,
    headHash: h.headHash,
    at: h.at,
    keyId,
    seal: cipher.mac(SEAL_PURPOSE, checkpointMessage(h), keyId),
  };
}

export type SealState = 'valid' | 'forged' | 'unknown-key';

export function sealState(
  cipher: FieldCipher,
  c: Pick<CheckpointRecord, 'incidentId' | 'entryCount' | 'headHash' | 'at' | 'keyId' | 'seal'>,
): SealState {
  if (!cipher.keyIds.includes(c.keyId)) return 'unknown-key';
  return cipher.verifyMac(SEAL_PURPOSE, checkpointMessage(c), c.seal, c.keyId) ? 'valid' : 'forged';
}

export interface RecordVerdict {
  ok: boolean;
  /** Entries that passed the chain check. */
  entries: number;
  /** The last validly sealed head, if any. */
  sealed: { entryCount: number; headHash: string; at: Date; keyId: string } | null;
  /** What does not fit (English, for the operator); empty when ok. */
  problems: string[];
  /** Older checkpoints sealed with a key no longer in the ring (not checkable, not a failure). */
  uncheckable: number;
}

/**
 * A record already verified whole (verdict ok), as the start of an incremental check (src/core/timeline/verified.ts):
 * its first `entries` entries and `checkpoints` checkpoints, the hash of its last entry, its last sealed head and the
 * older checkpoints no key of the ring could check.
 */
export interface VerifiedPrefix {
  entries: number;
  head: string;
  checkpoints: number;
  sealed: NonNullable<RecordVerdict['sealed']>;
  uncheckable: number;
}

/**
 * Checks a timeline (already read and decrypted, in seq order) against the hash chain and every sealed checkpoint.
 * With `prefix`, `entries` and `checkpoints` are only those after a prefix verified before and known unchanged (the
 * caller proves it): the verdict is the one the whole record would get. A new checkpoint must then seal the prefix's
 * last entry or a later one (the caller checks the whole record otherwise).
 */
export function verifyRecord(
  cipher: FieldCipher,
  entries: readonly ChainedEntry[],
  checkpoints: readonly CheckpointRecord[],
  prefix?: VerifiedPrefix,
): RecordVerdict {
  const problems: string[] = [];
  const chain = verifyChain(entries, prefix && { seq: prefix.entries, hash: prefix.head });
  if (!chain.ok && chain.problem) problems.push(`entry #${chain.problem.seq}: ${chain.problem.reason}`);
  const bySeq = new Map(entries.map((e) => [e.seq, e.hash]));
  if (prefix) bySeq.set(prefix.entries, prefix.head);
  const total = (prefix?.entries ?? 0) + entries.length;
  const allCheckpoints = (prefix?.checkpoints ?? 0) + checkpoints.length;
  let sealed: RecordVerdict['sealed'] = prefix?.sealed ?? null;
  let uncheckable = prefix?.uncheckable ?? 0;
  for (const [index, c] of checkpoints.entries()) {
    const latest = index === checkpoints.length - 1;
    const state = sealState(cipher, c);
    if (state === 'forged') {
      problems.push(`checkpoint ${c.id} (${c.entryCount} entries) is forged: its seal does not match`);
      continue;
    }
    if (state === 'unknown-key') {
      if (latest)
        problems.push(`the last checkpoint is sealed with key "${c.keyId}", which is not in the key ring (forged, or the key is missing)`);
      else uncheckable += 1;
      continue;
    }
    if (c.entryCount > total) {
      problems.push(
        `entries #${total + 1}–#${c.entryCount} are missing: a sealed checkpoint of ${c.at.toISOString()} counts ${c.entryCount} entries, ${total} remain`,
      );
      continue;
    }
    if (bySeq.get(c.entryCount) !== c.headHash) {
      problems.push(`entry #${c.entryCount} is not the one sealed at ${c.at.toISOString()}: entries up to #${c.entryCount} were rewritten`);
      continue;
    }
    if (!sealed || c.entryCount >= sealed.entryCount) sealed = { entryCount: c.entryCount, headHash: c.headHash, at: c.at, keyId: c.keyId };
  }
  if (total === 0 && allCheckpoints === 0) {
    problems.push(
      'the incident has no timeline at all (every incident is recorded from its report on): its entries and checkpoints were deleted',
    );
  } else if (total > 0 && allCheckpoints === 0) {
    problems.push('no sealed checkpoint: the checkpoints were deleted, or the entries were written outside the product');
  } else if (sealed && sealed.entryCount < total) {
    const n = sealed.entryCount;
    problems.push(
      `entries #${n + 1}–#${total} are not covered by a sealed checkpoint (written outside the product, or their checkpoints were deleted)`,
    );
  } else if (!sealed && allCheckpoints > 0 && problems.length === 0) {
    problems.push('no checkpoint could be checked with the keys of the ring');
  }
  return { ok: problems.length === 0, entries: chain.checked, sealed, problems, uncheckable };
}

/** What seals heads outside an append (after a key rotation: src/app/keys.ts, src/cli/keys.ts). */
export type SealDeps = { cipher: FieldCipher; now: () => Date; repos: RepositoryHub };

/**
 * After a key rotation: every incident whose record verifies is sealed again at its current head under the current
 * key, so the old key can be retired. A record that does not verify is left as it is (sealing it would launder the
 * tampering) and returned.
 */
export async function resealHeads(
  deps: SealDeps,
  verify: (incidentId: string) => Promise<RecordVerdict>,
): Promise<{ resealed: number; broken: { incidentId: string; problems: string[] }[] }> {
  const { repos } = deps;
  let resealed = 0;
  const broken: { incidentId: string; problems: string[] }[] = [];
  for (const id of await repos.timeline.incidentIds()) {
    const last = await repos.timeline.latestCheckpoint(id);
    if (!last || last.keyId === deps.cipher.currentKeyId) continue;
    const v = await verify(id);
    if (!v.ok || !v.sealed) {
      broken.push({ incidentId: id, problems: v.problems });
      continue;
    }
    // Sealed in a transaction that locks the incident, like an append, so no entry slips in between.
    await repos.transaction(async (tx) => {
      await tx.timeline.lockIncident(id);
      const head = await tx.timeline.last(id);
      if (!head) return;
      await tx.timeline.append([sealHead(deps.cipher, { incidentId: id, entryCount: head.seq, headHash: head.hash, at: deps.now() })], []);
    });
    resealed += 1;
  }
  return { resealed, broken };
}
