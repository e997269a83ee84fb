import type { FieldCipher } from '../core/privacy/cipher.js';
import { sealHead } from '../core/timeline/checkpoints.js';
import type { SqlRunner } from './database.js';

/**
 * The start-up's seal check (src/app/keys.ts) as plain SQL: incidents whose timeline has entries but no checkpoint at
 * all and that were created before sealed checkpoints existed (the migration that added them) get their current head
 * sealed once. Returns their refs. The seal itself is the timeline's (src/core/timeline/checkpoints.ts, sealHead);
 * plain SQL so that a start does not need the Prisma client before the server listens.
 */
export async function sealTimelinesFromBeforeCheckpoints(sql: SqlRunner, cipher: FieldCipher, now: () => Date): Promise<string[]> {
  const rows = await sql.query<{ id: string; ref: string; n: number; head: string }>(
    `SELECT i.id, i.ref, e.seq AS n, e.hash AS head
       FROM incident i
       JOIN timeline_entry e ON e.incident_id = i.id
                            AND e.seq = (SELECT max(seq) FROM timeline_entry x WHERE x.incident_id = i.id)
      WHERE NOT EXISTS (SELECT 1 FROM timeline_checkpoint c WHERE c.incident_id = i.id)
        AND i.created_at < (SELECT min(finished_at) FROM _prisma_migrations
                             WHERE migration_name = '20261230000000_keys_and_record' AND rolled_back_at IS NULL)`,
  );
  if (rows.length === 0) return [];
  const at = now();
  const sealed = rows.map((r) => sealHead(cipher, { incidentId: r.id, entryCount: Number(r.n), headHash: r.head, at }));
  const params: unknown[] = [];
  const values = sealed.map((c) => {
    params.push(c.incidentId, c.entryCount, c.headHash, c.at, c.keyId, c.seal);
    const n = params.length;
    return `($${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
  });
  await sql.query(
    `INSERT INTO timeline_checkpoint (incident_id, entry_count, head_hash, at, key_id, seal) VALUES ${values.join(', ')}`,
    params,
  );
  return rows.map((r) => r.ref);
}
