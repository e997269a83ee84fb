import { type FieldCipher, TamperedValueError } from './cipher.js';
import { ENCRYPTED_COLUMNS, type EncryptedColumn } from './encrypted-columns.js';

/**
 * Keys that cannot destroy data. The database keeps, per key id, a key check (FieldCipher.keyCheck: an HMAC of a fixed
 * label under a key derived from that key). At start-up every key of the ring is compared with it: a key behind a
 * known id that is not the original stops the product before it reads or writes anything, and so does a key that
 * values still need but the ring lacks. A key id the database has never seen is registered, after checking that the
 * values already stored under that id (a database from before key checks) decrypt with it.
 */

/** A key problem the operator must fix before the product can start (English, names the key id, never key material). */
export class KeyCheckError extends Error {
  override readonly name = 'KeyCheckError';
  constructor(
    readonly keyId: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** A key check as stored: one row per key id (encryption_key_check). */
export interface StoredKeyCheck {
  keyId: string;
  checkValue: string;
  retiredAt: Date | null;
}

/**
 * What the key check reads and writes (src/storage/key-checks.ts). Plain SQL there, not the Prisma client: the check
 * runs on every start before the server listens, and the client's query compiler is then not needed yet.
 */
export interface KeyCheckStore {
  /** Every key check stored (retired ones included). */
  checks(): Promise<StoredKeyCheck[]>;
  /** Stores the key check of `keyId` unless one exists (another instance may register it at the same moment); returns the row stored now. */
  register(keyId: string, checkValue: string): Promise<StoredKeyCheck | null>;
  /** Key ids found in the encrypted values themselves (any encrypted column). */
  keyIdsOfValues(): Promise<string[]>;
  /** Rows of one encrypted column whose value uses `keyId` (up to `limit`), with what their aad needs. */
  valuesUnderKey(col: EncryptedColumn, keyId: string, limit: number): Promise<Record<string, unknown>[]>;
  /** How many values of one column use `keyId`. */
  countUnderKey(col: EncryptedColumn, keyId: string): Promise<number>;
}

/** Key ids the database knows of: from its key checks and from the values themselves (any encrypted value at all). */
export async function keyIdsInUse(store: KeyCheckStore): Promise<string[]> {
  const ids = new Set((await store.checks()).filter((r) => r.retiredAt === null).map((r) => r.keyId));
  for (const id of await store.keyIdsOfValues()) ids.add(id);
  return [...ids].sort();
}

export interface KeyCheckReport {
  /** Keys that matched their stored key check. */
  verified: string[];
  /** Keys seen for the first time and registered (new keys, or keys of a database from before key checks). */
  registered: string[];
  /** Retired keys still in the ring (they can be removed). */
  retiredInRing: string[];
}

const SAMPLE = 5;

/**
 * Compares every key of the ring with the database's key checks (registering new ones) and marks the keys verified
 * in the cipher. Throws KeyCheckError when a key is wrong or a key still needed is missing. `source` names where the
 * ring came from, for the message (e.g. "DATA_ENCRYPTION_KEYS").
 */
export async function checkKeyRing(store: KeyCheckStore, cipher: FieldCipher, source: string): Promise<KeyCheckReport> {
  const report: KeyCheckReport = { verified: [], registered: [], retiredInRing: [] };
  const stored = new Map((await store.checks()).map((r) => [r.keyId, r]));
  for (const keyId of cipher.keyIds) {
    const check = cipher.keyCheck(keyId);
    let row = stored.get(keyId);
    if (!row) {
      await provePreexistingValues(store, cipher, keyId, source);
      // Another instance may have registered the id at the same moment: compare with what is stored now.
      row = (await store.register(keyId, check)) ?? undefined;
      if (row?.checkValue === check) report.registered.push(keyId);
    }
    if (!row || row.checkValue !== check) {
      throw new KeyCheckError(
        keyId,
        `Wrong encryption key: key "${keyId}" in ${source} is not the key this database was encrypted with (its key ` +
          `check does not match the one stored for "${keyId}"). Put the original key "${keyId}" back (from your key ` +
          'backup) and start again. Nothing was read or written with the wrong key. A new key needs a new id: ' +
          '`npm run keygen -- k2`, put it first, then `npm run keys -- rotate` (docs/keys-and-record.md).',
      );
    }
    if (row.retiredAt) report.retiredInRing.push(keyId);
    else if (!report.registered.includes(keyId)) report.verified.push(keyId);
  }
  const inRing = new Set(cipher.keyIds);
  for (const row of stored.values()) {
    if (row.retiredAt || inRing.has(row.keyId)) continue;
    let used = 0;
    for (const col of ENCRYPTED_COLUMNS) used += await store.countUnderKey(col, row.keyId);
    if (used > 0) {
      throw new KeyCheckError(
        row.keyId,
        `Missing encryption key: ${used} stored value(s) are encrypted with key "${row.keyId}", which is not in ` +
          `${source} (ids there: ${cipher.keyIds.join(', ')}). Add key "${row.keyId}" back after the current key ` +
          '(from your key backup); remove a key only after `npm run keys -- rotate` has retired it.',
      );
    }
  }
  cipher.markVerified(cipher.keyIds);
  return report;
}

/**
 * A key id without a key check may still have values (written before key checks existed, or the check row was
 * lost): a few of them must decrypt with this key before it is registered, or the key is the wrong one.
 */
async function provePreexistingValues(store: KeyCheckStore, cipher: FieldCipher, keyId: string, source: string): Promise<void> {
  let tried = 0;
  for (const col of ENCRYPTED_COLUMNS) {
    for (const row of await store.valuesUnderKey(col, keyId, SAMPLE)) {
      tried += 1;
      try {
        cipher.decrypt(String(row[col.column]), col.aad(row));
        return; // one authentic value proves the key (GCM: a wrong key cannot produce a valid tag)
      } catch (err) {
        if (!(err instanceof TamperedValueError)) throw err;
      }
      if (tried >= SAMPLE * 2) break;
    }
    if (tried >= SAMPLE * 2) break;
  }
  if (tried > 0) {
    throw new KeyCheckError(
      keyId,
      `Wrong encryption key: none of ${tried} stored value(s) encrypted with key "${keyId}" decrypt with key ` +
        `"${keyId}" from ${source}. Put the original key "${keyId}" back (from your key backup) and start again.`,
    );
  }
}
