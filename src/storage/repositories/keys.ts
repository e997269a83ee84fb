import type {
  DestructionRecordRow,
  EncryptedColumnRef,
  EncryptedRow,
  KeyCheckRecord,
  KeyRotationRepository,
} from '../../ports/repositories/index.js';
import { ident } from '../../core/privacy/encrypted-columns.js';
import type { Client } from './client.js';

const selectList = (col: EncryptedColumnRef) => [...col.key, ...(col.reads ?? []), col.column].map(ident).join(', ');
const orderBy = (col: EncryptedColumnRef) => col.key.map(ident).join(', ');

export class PrismaKeyRotationRepository implements KeyRotationRepository {
  constructor(private readonly db: Client) {}

  values(col: EncryptedColumnRef, after: readonly unknown[] | null, limit: number): Promise<EncryptedRow[]> {
    // Keyset pagination: no OFFSET scans.
    const keyTuple = `(${col.key.map(ident).join(', ')})`;
    return this.db.$queryRawUnsafe<EncryptedRow[]>(
      `SELECT ${selectList(col)} FROM ${ident(col.table)} WHERE ${ident(col.column)} IS NOT NULL` +
        (after ? ` AND ${keyTuple} > (${col.key.map((_, i) => `$${i + 1}`).join(', ')})` : '') +
        ` ORDER BY ${orderBy(col)} LIMIT ${Math.trunc(limit)}`,
      ...(after ?? []),
    );
  }

  valuesNotUnder(col: EncryptedColumnRef, keyId: string, limit: number): Promise<EncryptedRow[]> {
    const prefix = `enc:v1:${keyId}:`;
    return this.db.$queryRawUnsafe<EncryptedRow[]>(
      `SELECT ${selectList(col)} FROM ${ident(col.table)} WHERE ${ident(col.column)} IS NOT NULL AND left(${ident(col.column)}, ${prefix.length}) <> $1 ORDER BY ${orderBy(col)} LIMIT ${Math.trunc(limit)}`,
      prefix,
    );
  }

  async countByKey(col: EncryptedColumnRef): Promise<{ keyId: string; count: number }[]> {
    const rows = await this.db.$queryRawUnsafe<{ id: string; n: bigint | number }[]>(
      `SELECT split_part(${ident(col.column)}, ':', 3) AS id, count(*) AS n FROM ${ident(col.table)} WHERE ${ident(col.column)} IS NOT NULL GROUP BY 1 ORDER BY 1`,
    );
    return rows.map((r) => ({ keyId: r.id, count: Number(r.n) }));
  }

  async rewrite(col: EncryptedColumnRef, values: readonly { row: EncryptedRow; old: string; next: string }[]): Promise<number> {
    const where = col.key.map((k, i) => `${ident(k)} = $${i + 3}`).join(' AND ');
    const write = async (tx: Client) => {
      let changed = 0;
      if (col.procedure) await tx.$executeRawUnsafe(`SELECT set_config('pdi.procedure', $1, true)`, col.procedure);
      for (const v of values) {
        changed += await tx.$executeRawUnsafe(
          `UPDATE ${ident(col.table)} SET ${ident(col.column)} = $1 WHERE ${ident(col.column)} = $2 AND ${where}`,
          v.next,
          v.old,
          ...col.key.map((k) => v.row[k]),
        );
      }
      return changed;
    };
    return '$transaction' in this.db ? this.db.$transaction(write) : write(this.db);
  }

  recordsSealedOutside(keyId: string): Promise<DestructionRecordRow[]> {
    return this.db.destructionRecord.findMany({ where: { keyId: { not: keyId } } });
  }

  async reseal(id: string, oldSeal: string, next: { keyId: string; seal: string }): Promise<void> {
    const write = async (tx: Client) => {
      await tx.$executeRawUnsafe(`SELECT set_config('pdi.procedure', 'rekey', true)`);
      await tx.$executeRawUnsafe(
        'UPDATE destruction_record SET key_id = $1, seal = $2 WHERE id = $3 AND seal = $4',
        next.keyId,
        next.seal,
        id,
        oldSeal,
      );
    };
    await ('$transaction' in this.db ? this.db.$transaction(write) : write(this.db));
  }

  keyChecks(): Promise<KeyCheckRecord[]> {
    return this.db.encryptionKeyCheck.findMany({ orderBy: { createdAt: 'asc' } });
  }

  activeKeysOtherThan(keyId: string): Promise<KeyCheckRecord[]> {
    return this.db.encryptionKeyCheck.findMany({ where: { retiredAt: null, keyId: { not: keyId } } });
  }

  async retire(keyId: string, at: Date): Promise<void> {
    await this.db.encryptionKeyCheck.update({ where: { keyId }, data: { retiredAt: at } });
  }
}
