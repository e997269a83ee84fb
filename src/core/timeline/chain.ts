import { createHash } from 'node:crypto';

/**
 * The timeline of an incident is a hash chain: each entry's hash covers its content and the previous entry's hash,
 * so changing, removing or reordering any entry breaks every later hash. The hash is computed over the decrypted
 * detail, so re-encrypting under a new key (key rotation) keeps the chain valid.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainContent {
  incidentId: string;
  seq: number;
  at: Date;
  actorId: string | null;
  actorLabel: string;
  type: string;
  summary: string;
  detail: unknown;
  prevHash: string;
}

export interface ChainedEntry extends ChainContent {
  hash: string;
}

/** JSON with object keys sorted, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function hashEntry(c: ChainContent): string {
  const payload = canonicalJson({
    v: 1,
    incidentId: c.incidentId,
    seq: c.seq,
    at: c.at.toISOString(),
    actorId: c.actorId,
    actorLabel: c.actorLabel,
    type: c.type,
    summary: c.summary,
    detail: c.detail ?? null,
    prevHash: c.prevHash,
  });
  return createHash('sha256').update(payload).digest('hex');
}

export interface ChainVerdict {
  ok: boolean;
  checked: number;
  /** The first entry that does not fit, with the reason (English, for the operator). */
  problem?: { seq: number; reason: string };
}

/**
 * Checks entries in seq order from the first, or, with `after`, entries continuing a prefix already verified (its
 * last entry's seq and hash): `checked` then counts the prefix too.
 */
export function verifyChain(entries: readonly ChainedEntry[], after?: { seq: number; hash: string }): ChainVerdict {
  let prev = after?.hash ?? GENESIS_HASH;
  let expectedSeq = (after?.seq ?? 0) + 1;
  for (const e of entries) {
    if (e.seq !== expectedSeq) {
      return {
        ok: false,
        checked: expectedSeq - 1,
        problem: { seq: e.seq, reason: `expected entry #${expectedSeq}, found #${e.seq} (an entry is missing or out of order)` },
      };
    }
    if (e.prevHash !== prev) {
      return {
        ok: false,
        checked: expectedSeq - 1,
        problem: { seq: e.seq, reason: 'previous-hash link broken (an earlier entry was changed or removed)' },
      };
    }
    if (hashEntry(e) !== e.hash) {
      return {
        ok: false,
        checked: expectedSeq - 1,
        problem: { seq: e.seq, reason: 'content does not match its hash (the entry was altered)' },
      };
    }
    prev = e.hash;
    expectedSeq += 1;
  }
  return { ok: true, checked: expectedSeq - 1 };
}
