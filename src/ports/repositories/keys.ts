import type { DestructionRecordRow } from './retention.js';

/**
 * Key rotation (`npm run keys -- status | check | rotate`, src/cli/keys.ts and src/core/privacy/rekey.ts): reading and
 * re-encrypting the encrypted columns of every table, re-sealing the destruction records, and the key checks
 * (table encryption_key_check). The core says which columns and how each value's aad is made
 * (src/core/privacy/encrypted-columns.ts); storage reads and writes them.
 */

/** One encrypted column as storage needs it (src/core/privacy/encrypted-columns.ts's EncryptedColumn is one). */
export interface EncryptedColumnRef {
  table: string;
  column: string;
  /** Primary-key columns: a re-encrypted value is written back to exactly this row. */
  key: readonly string[];
  /** Other columns the aad needs. */
  reads?: readonly string[];
  /** Rows of this table may only be changed inside the named procedure (database trigger). */
  procedure?: 'rekey';
}

/** A row as read for a column: its key columns, the columns the aad reads, and the value. */
export type EncryptedRow = Record<string, unknown>;

/** A key id registered with its check value (table encryption_key_check). */
export interface KeyCheckRecord {
  keyId: string;
  checkValue: string;
  createdAt: Date;
  retiredAt: Date | null;
}

export interface KeyRotationRepository {
  /** The column's values in primary-key order, `limit` rows after the key tuple `after` (from the start when null). */
  values(col: EncryptedColumnRef, after: readonly unknown[] | null, limit: number): Promise<EncryptedRow[]>;
  /** The column's values not encrypted under `keyId`, in primary-key order, at most `limit`. */
  valuesNotUnder(col: EncryptedColumnRef, keyId: string, limit: number): Promise<EncryptedRow[]>;
  /** How many values of the column each key id encrypts, by key id. */
  countByKey(col: EncryptedColumnRef): Promise<{ keyId: string; count: number }[]>;
  /**
   * Writes re-encrypted values back in one transaction (inside the column's procedure), each only if the row still
   * holds the value that was read (compare-and-set); returns how many were written.
   */
  rewrite(col: EncryptedColumnRef, values: readonly { row: EncryptedRow; old: string; next: string }[]): Promise<number>;
  /** The destruction records sealed under another key than `keyId`. */
  recordsSealedOutside(keyId: string): Promise<DestructionRecordRow[]>;
  /** Seals a destruction record again (inside the rekey procedure), if its seal is still `oldSeal`. */
  reseal(id: string, oldSeal: string, next: { keyId: string; seal: string }): Promise<void>;
  /** Every key check, oldest first. */
  keyChecks(): Promise<KeyCheckRecord[]>;
  /** The key checks not retired, other than `keyId`'s. */
  activeKeysOtherThan(keyId: string): Promise<KeyCheckRecord[]>;
  retire(keyId: string, at: Date): Promise<void>;
}
