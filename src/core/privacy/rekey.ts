import type { PrismaClient } from '../../generated/prisma/client.js';
import { type FieldCipher, keyIdOf, MalformedValueError, WrongKeyError } from './cipher.js';
import { ENCRYPTED_COLUMNS, ident, type EncryptedColumn } from './encrypted-columns.js';

/**
 * Reading and re-encrypting every encrypted value of the database, column by column (ENCRYPTED_COLUMNS), in batches:
 * `npm run keys -- check | rotate | status` (src/cli/keys.ts). Each batch is its own transaction and each value is
 * written back only if it is still the value that was read (compare-and-set), so a running product can keep writing,
 * and a crash loses nothing: the next run continues with the values not yet under the current key.
 */

type Row = Record<string, unknown>;

const selectList = (col: EncryptedColumn) => [...col.key, ...(col.reads ?? []), col.column].map(ident).join(', ');
const orderBy = (col: EncryptedColumn) => col.key.map(ident).join(', ');

/** Reads one column in primary-key order, `batch` rows at a time (keyset pagination: no OFFSET scans). */
async function* batches(prisma: PrismaClient, col: EncryptedColumn, batch: number): AsyncGenerator<Row[]> {
  let after: unknown[] | null = null;
  for (;;) {
    const keyTuple = `(${col.key.map(ident).join(', ')})`;
    const params = after ?? [];
    const rows: Row[] = await prisma.$queryRawUnsafe<Row[]>(
      `SELECT ${selectList(col)} FROM ${ident(col.table)} WHERE ${ident(col.column)} IS NOT NULL` +
        (after ? ` AND ${keyTuple} > (${col.key.map((_, i) => `$${i + 1}`).join(', ')})` : '') +
        ` ORDER BY ${orderBy(col)} LIMIT ${batch}`,
      ...params,
    );
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
export async function checkAllValues(prisma: PrismaClient, cipher: FieldCipher, batch = 500): Promise<CheckReport> {
  const report: CheckReport = { counts: [], failures: [] };
  for (const col of ENCRYPTED_COLUMNS) {
    const byKey = new Map<string, ColumnKeyCount>();
    for await (const rows of batches(prisma, col, batch)) {
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
export async function countByKey(prisma: PrismaClient): Promise<{ table: string; column: string; keyId: string; count: number }[]> {
  const out: { table: string; column: string; keyId: string; count: number }[] = [];
  for (const col of ENCRYPTED_COLUMNS) {
    const rows = await prisma.$queryRawUnsafe<{ id: string; n: bigint | number }[]>(
      `SELECT split_part(${ident(col.column)}, ':', 3) AS id, count(*) AS n FROM ${ident(col.table)} WHERE ${ident(col.column)} IS NOT NULL GROUP BY 1 ORDER BY 1`,
    );
    for (const r of rows) out.push({ table: col.table, column: col.column, keyId: r.id, count: Number(r.n) });
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
  prisma: PrismaClient,
  cipher: FieldCipher,
  opts: { batch?: number; onBatch?: (p: RekeyProgress) => void } = {},
): Promise<RekeyProgress[]> {
  const batch = opts.batch ?? 200;
  const prefix = `enc:v1:${cipher.currentKeyId}:`;
  const out: RekeyProgress[] = [];
  for (const col of ENCRYPTED_COLUMNS) {
    const progress = { table: col.table, column: col.column, rewritten: 0 };
    const where = col.key.map((k, i) => `${ident(k)} = $${i + 3}`).join(' AND ');
    for (;;) {
      const rows = await prisma.$queryRawUnsafe<Row[]>(
        `SELECT ${selectList(col)} FROM ${ident(col.table)} WHERE ${ident(col.column)} IS NOT NULL AND left(${ident(col.column)}, ${prefix.length}) <> $1 ORDER BY ${orderBy(col)} LIMIT ${batch}`,
        prefix,
      );
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
      let changed = 0;
      await prisma.$transaction(async (tx) => {
        if (col.procedure) await tx.$executeRawUnsafe(`SELECT set_config('pdi.procedure', $1, true)`, col.procedure);
        for (const u of updates) {
          changed += await tx.$executeRawUnsafe(
            `UPDATE ${ident(col.table)} SET ${ident(col.column)} = $1 WHERE ${ident(col.column)} = $2 AND ${where}`,
            u.next,
            u.old,
            ...col.key.map((k) => u.row[k]),
          );
        }
      });
      progress.rewritten += changed;
      opts.onBatch?.({ ...progress });
    }
    out.push(progress);
  }
  return out;
}

/** How many values still use each key id other than the current one. */
export async function valuesOutsideCurrent(prisma: PrismaClient, cipher: FieldCipher): Promise<Map<string, number>> {
  const left = new Map<string, number>();
  for (const c of await countByKey(prisma)) {
    if (c.keyId !== cipher.currentKeyId) left.set(c.keyId, (left.get(c.keyId) ?? 0) + c.count);
  }
  return left;
}
