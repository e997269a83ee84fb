import { ENCRYPTED_COLUMNS, ident, type EncryptedColumn } from '../core/privacy/encrypted-columns.js';
import type { KeyCheckStore, StoredKeyCheck } from '../core/privacy/key-check.js';
import type { SqlRunner } from './database.js';

/**
 * The key check's reads and writes (src/core/privacy/key-check.ts) as plain SQL on the database's own runner. They
 * run at every start before the server listens; through the Prisma client they loaded its query compiler and compiled
 * each query shape first (~0.3 s of a start, docs/performance.md), work the first request can do later.
 */
export function sqlKeyCheckStore(sql: SqlRunner): KeyCheckStore {
  const prefixOf = (keyId: string) => `enc:v1:${keyId}:`;
  const checks = (where = '', params: unknown[] = []) =>
    sql.query<{ key_id: string; check_value: string; retired_at: Date | null }>(
      `SELECT key_id, check_value, retired_at FROM encryption_key_check${where}`,
      params,
    );
  const toStored = (r: { key_id: string; check_value: string; retired_at: Date | null }): StoredKeyCheck => ({
    keyId: r.key_id,
    checkValue: r.check_value,
    retiredAt: r.retired_at,
  });
  return {
    async checks() {
      return (await checks()).map(toStored);
    },
    async register(keyId, checkValue) {
      await sql.query('INSERT INTO encryption_key_check (key_id, check_value) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING', [
        keyId,
        checkValue,
      ]);
      const [row] = await checks(' WHERE key_id = $1', [keyId]);
      return row ? toStored(row) : null;
    },
    async keyIdsOfValues() {
      // One statement over every encrypted column (a new data dir has no key file yet: this decides whether one may be made).
      const parts = ENCRYPTED_COLUMNS.map(
        (c) =>
          `SELECT DISTINCT split_part(${ident(c.column)}, ':', 3) AS id FROM ${ident(c.table)} WHERE ${ident(c.column)} LIKE 'enc:v1:%'`,
      );
      const rows = await sql.query<{ id: string }>(parts.join(' UNION '));
      return rows.map((r) => r.id);
    },
    async valuesUnderKey(col: EncryptedColumn, keyId: string, limit: number) {
      const cols = [...col.key, ...(col.reads ?? []), col.column].map(ident).join(', ');
      const prefix = prefixOf(keyId);
      return sql.query<Record<string, unknown>>(
        `SELECT ${cols} FROM ${ident(col.table)} WHERE left(${ident(col.column)}, ${prefix.length}) = $1 LIMIT ${Math.trunc(limit)}`,
        [prefix],
      );
    },
    async countUnderKey(col: EncryptedColumn, keyId: string) {
      const prefix = prefixOf(keyId);
      const [row] = await sql.query<{ n: string | number | bigint }>(
        `SELECT count(*) AS n FROM ${ident(col.table)} WHERE left(${ident(col.column)}, ${prefix.length}) = $1`,
        [prefix],
      );
      return Number(row?.n ?? 0);
    },
  };
}
