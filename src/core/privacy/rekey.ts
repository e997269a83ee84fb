import type { EncryptedRow, Repositories } from '../../ports/repositories/index.js';
import { type FieldCipher, keyIdOf, MalformedValueError, WrongKeyError } from './cipher.js';
import { ENCRYPTED_COLUMNS, type EncryptedColumn } from './encrypted-columns.js';

/**
 * Reading and re-encrypting every encrypted value of the database, column by column (ENCRYPTED_COLUMNS), in batches:
 * `npm run keys -- check | rotate | status` (src/cli/keys.ts). Each batch is its own transaction and each value is
 * written back only if it is still the value that was read (compare-and-set), so a running product can keep writing,
 * and a crash loses nothing: the next run continues with the values not yet under the current key.
 */

type Row = EncryptedRow;
/** The storage the key commands read and write through (src/ports/repositories/keys.ts). */
type KeyRepos = Pick<Repositories, 'keyRotation'>;

/** Reads one column in primary-key order, `batch` rows at a time (keyset pagination: no OFFSET scans). */
async function* batches(repos: KeyRepos, col: EncryptedColumn, batch: number): AsyncGenerator<Row[]> {
  let after: unknown[] | null = null;
  for (;;) {
    const rows = await repos.keyRotation.values(col, after, batch);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < batch) return;
    const last = rows[rows.length - 1] as Row;
    after = col.key.map((k) => last[k]);
  }
}

export type ValueFailure = 'wrong-key' | 'altered' | 'malformed';

export interface ColumnKeyCount {
  table: string;
  column: string;
  keyId: string;
  readable: number;
  failed: number;
}

export interface CheckReport {
  counts: ColumnKeyCount[];
  /** Failures (no values, no key material): where, which key, which kind. */
  failures: { table: string; column: string; row: string; keyId: string | null; kind: ValueFailure; message: string }[];
}

function classify(err: unknown): ValueFailure {
  if (err instanceof WrongKeyError) return 'wrong-key';
  if (err instanceof MalformedValueError) return 'malformed';
  return 'altered';
}

const rowLabel = (col: EncryptedColumn, row: Row) => col.key.map((k) => `${k}=${String(row[k])}`).join(',');

/** Decrypts every encrypted value; counts per table, column and key id. */
export async function checkAllValues(repos: KeyRepos, cipher: FieldCipher, batch = 500): Promise<CheckReport> {
  const report: CheckReport = { counts: [], failures: [] };
  for (const col of ENCRYPTED_COLUMNS) {
    const byKey = new Map<string, ColumnKeyCount>();
    for await (const rows of batches(repos, col, batch)) {
      for (const row of rows) {
        const value = String(row[col.column]);
        let keyId: string | null = null;
        try {
          keyId = keyIdOf(value);
        } catch {
          keyId = null;
        }
        const count = byKey.get(keyId ?? '?') ?? { table: col.table, column: col.column, keyId: keyId ?? '?', readable: 0, failed: 0 };
        byKey.set(keyId ?? '?', count);
        try {
          cipher.decrypt(value, col.aad(row));
          count.readable += 1;
        } catch (err) {
          count.failed += 1;
          report.failures.push({
            table: col.table,
            column: col.column,
            row: rowLabel(col, row),
            keyId,
            kind: classify(err),
            message: (err as Error).message,
          });
        }
      }
    }
    report.counts.push(...[...byKey.values()].sort((a, b) => a.keyId.localeCompare(b.keyId)));
  }
  return report;
}

/** Values per table, column and key id (no decryption). */
export async function countByKey(repos: KeyRepos): Promise<{ table: string; column: string; keyId: string; count: number }[]> {
  const out: { table: string; column: string; keyId: string; count: number }[] = [];
  for (const col of ENCRYPTED_COLUMNS) {
    for (const r of await repos.keyRotation.countByKey(col)) out.push({ table: col.table, column: col.column, ...r });
  }
  return out;
}

export class RekeyError extends Error {
  override readonly name = 'RekeyError';
}

export interface RekeyProgress {
  table: string;
  column: string;
  rewritten: number;
}

/**
 * Re-encrypts every value that is not under the current key, in batches of `batch` rows per transaction. Stops with
 * a RekeyError at the first value that cannot be read (nothing is lost: run `keys check`, fix, run again).
 */
export async function reencryptAll(
  repos: KeyRepos,
  cipher: FieldCipher,
  opts: { batch?: number; onBatch?: (p: RekeyProgress) => void } = {},
): Promise<RekeyProgress[]> {
  const batch = opts.batch ?? 200;
  const out: RekeyProgress[] = [];
  for (const col of ENCRYPTED_COLUMNS) {
    const progress = { table: col.table, column: col.column, rewritten: 0 };
    for (;;) {
      const rows = await repos.keyRotation.valuesNotUnder(col, cipher.currentKeyId, batch);
      if (rows.length === 0) break;
      const updates = rows.map((row) => {
        const old = String(row[col.column]);
        try {
          return { row, old, next: cipher.encrypt(cipher.decrypt(old, col.aad(row)), col.aad(row)) };
        } catch (err) {
          throw new RekeyError(
            `Cannot re-encrypt ${col.table}.${col.column} (${rowLabel(col, row)}): ${(err as Error).message} ` +
              'Nothing was changed in this batch; run `npm run keys -- check` to list every unreadable value.',
          );
        }
      });
      progress.rewritten += await repos.keyRotation.rewrite(col, updates);
      opts.onBatch?.({ ...progress });
    }
    out.push(progress);
  }
  return out;
}

/** How many values still use each key id other than the current one. */
export async function valuesOutsideCurrent(repos: KeyRepos, cipher: FieldCipher): Promise<Map<string, number>> {
  const left = new Map<string, number>();
  for (const c of await countByKey(repos)) {
    if (c.keyId !== cipher.currentKeyId) left.set(c.keyId, (left.get(c.keyId) ?? 0) + c.count);
  }
  return left;
}
