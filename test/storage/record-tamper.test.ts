import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../src/core/context.js';
import { FieldCipher, parseKeyRing } from '../../src/core/privacy/cipher.js';
import { GENESIS_HASH, hashEntry } from '../../src/core/timeline/chain.js';
import { parseHeads } from '../../src/core/timeline/heads.js';
import { readTimeline } from '../../src/core/timeline/timeline.js';
import { formatVerify, runVerify } from '../../src/cli/verify.js';
import { EvidenceLocker } from '../../src/core/evidence/locker.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { asSuperuser, seedIncidents } from '../helpers/record.js';

/**
 * Issue #14, "a record that cannot be trimmed": someone with database write access (a superuser, the append-only
 * triggers bypassed) trims, edits, reorders, rewrites with recomputed hashes, or forges checkpoints. `verify` must
 * fail on each; what no database-held record can show (a rollback of entries and checkpoints together) is caught by
 * the heads witnessed outside.
 */
describe('sealed timeline checkpoints against tampering', () => {
  let tdb: TestDatabase;
  let deps: CoreDeps;
  let ids: string[];
  const verify = (heads?: string) => runVerify(deps, heads ? { heads } : {});
  const entries = async (id: string) =>
    Number((await tdb.db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM timeline_entry WHERE incident_id = $1', [id]))[0]?.n);

  beforeEach(async () => {
    tdb = await createTestDatabase();
    ({ deps, ids } = await seedIncidents(tdb.db, { count: 2, ticks: 3 }));
  });
  afterEach(async () => tdb.destroy());

  it('checks every evidence file: a flipped byte in one fails verify and is recorded as an alarm on its incident', async () => {
    const locker = new EvidenceLocker(deps, deps.evidence!);
    const clean = await runVerify(deps, { evidence: locker });
    expect(clean.ok).toBe(true);
    expect(clean.evidence.map((e) => e.ok)).toEqual([true, true]);
    const row = await tdb.db.prisma.evidence.findFirstOrThrow({ where: { incidentId: ids[1]! } });
    await asSuperuser(tdb.db, (sql) =>
      sql.exec(`UPDATE evidence_chunk SET data = set_byte(data, 3, get_byte(data, 3) # 4) WHERE evidence_id = '${row.id}'`),
    );
    const r = await runVerify(deps, { evidence: locker });
    expect(r.ok).toBe(false);
    expect(r.evidence.filter((e) => !e.ok)).toMatchObject([{ seq: row.seq, problem: expect.stringMatching(/failed authentication/) }]);
    expect(formatVerify(r)).toMatch(/BROKEN .*evidence 1: /);
    const last = await tdb.db.prisma.timelineEntry.findFirstOrThrow({ where: { incidentId: ids[1]! }, orderBy: { seq: 'desc' } });
    expect(last.type).toBe('evidence.integrity-failed');
  });

  it('passes an untouched record, one checkpoint per entry, sealed with a key the database does not hold', async () => {
    const r = await verify();
    expect(r.ok).toBe(true);
    expect(r.timelines).toHaveLength(2);
    const n = await entries(ids[0]!);
    expect(n).toBeGreaterThanOrEqual(4);
    expect(r.timelines[0]).toMatchObject({ ok: true, entries: n, sealed: n, problems: [] });
    expect(await tdb.db.prisma.timelineCheckpoint.count({ where: { incidentId: ids[0]! } })).toBe(n);
    // A different key of the same id cannot check the seals: all of them read as forged.
    const other = new FieldCipher(parseKeyRing(`k1:${Buffer.alloc(32, 8).toString('base64')}`));
    const forged = await runVerify({ repos: tdb.db.repos, cipher: other });
    expect(forged.ok).toBe(false);
  });

  it('the triggers refuse UPDATE, DELETE and TRUNCATE of entries and checkpoints without a superuser', async () => {
    await expect(tdb.db.sql.exec(`DELETE FROM timeline_entry WHERE incident_id = '${ids[0]}'`)).rejects.toThrow(/append-only/);
    await expect(tdb.db.sql.exec(`UPDATE timeline_entry SET summary = 'x' WHERE incident_id = '${ids[0]}'`)).rejects.toThrow(/append-only/);
    await expect(tdb.db.sql.exec('DELETE FROM timeline_checkpoint')).rejects.toThrow(/append-only/);
    await expect(tdb.db.sql.exec('TRUNCATE timeline_checkpoint')).rejects.toThrow(/append-only/);
    // The procedure flags open only their own door: 'rekey' may not touch the summary, 'retention' needs a destruction record.
    await expect(
      tdb.db.sql.transaction(async (tx) => {
        await tx.query(`SELECT set_config('pdi.procedure', 'rekey', true)`);
        await tx.exec(`UPDATE timeline_entry SET summary = 'x' WHERE incident_id = '${ids[0]}'`);
      }),
    ).rejects.toThrow(/append-only/);
    await expect(
      tdb.db.sql.transaction(async (tx) => {
        await tx.query(`SELECT set_config('pdi.procedure', 'retention', true)`);
        await tx.exec(`DELETE FROM timeline_entry WHERE incident_id = '${ids[0]}'`);
      }),
    ).rejects.toThrow(/append-only/);
    expect((await verify()).ok).toBe(true);
  });

  it('fails when the last entries are deleted', async () => {
    const n = await entries(ids[0]!);
    await asSuperuser(tdb.db, (sql) => sql.exec(`DELETE FROM timeline_entry WHERE incident_id = '${ids[0]}' AND seq > ${n - 2}`));
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.timelines[0]?.problems.join('\n')).toMatch(new RegExp(`entries #${n - 1}–#${n} are missing`));
    expect(r.timelines[1]?.ok).toBe(true);
  });

  it('fails when every entry and every checkpoint of an incident is deleted', async () => {
    await asSuperuser(tdb.db, async (sql) => {
      await sql.exec(`DELETE FROM timeline_checkpoint WHERE incident_id = '${ids[0]}'`);
      await sql.exec(`DELETE FROM timeline_entry WHERE incident_id = '${ids[0]}'`);
    });
    // The incident is still there with no record at all; an export's heads also name what it had.
    const r = await verify();
    expect(r.timelines[0]).toMatchObject({ ok: false, entries: 0 });
    expect(r.timelines[0]?.problems[0]).toMatch(/no timeline at all/);
    const withHeads = await verify(JSON.stringify({ incidentId: ids[0], entries: 3, headHash: 'a'.repeat(64) }));
    expect(withHeads.ok).toBe(false);
    expect(withHeads.heads[0]?.problem).toMatch(/entry #3 is missing/);
  });

  it('fails when an entry is edited, without or with its own hash recomputed', async () => {
    await asSuperuser(tdb.db, (sql) =>
      sql.exec(`UPDATE timeline_entry SET summary = summary || '（改）' WHERE incident_id = '${ids[0]}' AND seq = 2`),
    );
    expect((await verify()).timelines[0]?.problems[0]).toMatch(/entry #2: content does not match its hash/);
  });

  it('fails when two entries swap places', async () => {
    await asSuperuser(tdb.db, async (sql) => {
      await sql.exec(`UPDATE timeline_entry SET seq = -2 WHERE incident_id = '${ids[0]}' AND seq = 2`);
      await sql.exec(`UPDATE timeline_entry SET seq = 2 WHERE incident_id = '${ids[0]}' AND seq = 3`);
      await sql.exec(`UPDATE timeline_entry SET seq = 3 WHERE incident_id = '${ids[0]}' AND seq = -2`);
    });
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.timelines[0]?.problems[0]).toMatch(/entry #2/);
  });

  it('fails on a full rewrite with every hash recomputed (the chain alone has no secret)', async () => {
    const timeline = await readTimeline(deps, ids[0]!);
    let prev = GENESIS_HASH;
    const rewritten = timeline.map((e, i) => {
      const content = { ...e, summary: i === 1 ? `${e.summary}（竄改）` : e.summary, prevHash: prev };
      const hash = hashEntry(content);
      prev = hash;
      return { ...content, hash };
    });
    await asSuperuser(tdb.db, async (sql) => {
      for (const e of rewritten) {
        await sql.query('UPDATE timeline_entry SET summary = $1, prev_hash = $2, hash = $3 WHERE incident_id = $4 AND seq = $5', [
          e.summary,
          e.prevHash,
          e.hash,
          e.incidentId,
          e.seq,
        ]);
      }
    });
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.timelines[0]?.problems.join('\n')).toMatch(/is not the one sealed at .*rewritten/);
    // Rewriting the checkpoints too does not help without the sealing key.
    await asSuperuser(tdb.db, async (sql) => {
      for (const e of rewritten)
        await sql.query('UPDATE timeline_checkpoint SET head_hash = $1 WHERE incident_id = $2 AND entry_count = $3', [
          e.hash,
          e.incidentId,
          e.seq,
        ]);
    });
    const again = await verify();
    expect(again.ok).toBe(false);
    expect(again.timelines[0]?.problems.join('\n')).toMatch(/forged: its seal does not match/);
  });

  it('fails when the checkpoints are deleted, or entries are added behind the product', async () => {
    await asSuperuser(tdb.db, (sql) => sql.exec(`DELETE FROM timeline_checkpoint WHERE incident_id = '${ids[1]}'`));
    expect((await verify()).timelines[1]?.problems[0]).toMatch(/no sealed checkpoint/);

    const [last] = await tdb.db.sql.query<{ seq: number; hash: string; incident_id: string }>(
      `SELECT seq, hash, incident_id FROM timeline_entry WHERE incident_id = '${ids[0]}' ORDER BY seq DESC LIMIT 1`,
    );
    const extra = {
      incidentId: ids[0]!,
      seq: last!.seq + 1,
      at: new Date(),
      actorId: null,
      actorLabel: '系統',
      type: 'note',
      summary: '補登',
      detail: null,
      prevHash: last!.hash,
    };
    await tdb.db.sql.query(
      'INSERT INTO timeline_entry (incident_id, seq, at, actor_id, actor_label, type, summary, prev_hash, hash) VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8)',
      [extra.incidentId, extra.seq, extra.at, extra.actorLabel, extra.type, extra.summary, extra.prevHash, hashEntry(extra)],
    );
    expect((await verify()).timelines[0]?.problems[0]).toMatch(
      new RegExp(`entries #${extra.seq}–#${extra.seq} are not covered by a sealed checkpoint`),
    );
  });

  it('fails on a forged checkpoint, and on one sealed with a key id the ring does not have', async () => {
    const n = await entries(ids[0]!);
    const [head] = await tdb.db.sql.query<{ hash: string }>(
      `SELECT hash FROM timeline_entry WHERE incident_id = '${ids[0]}' AND seq = ${n}`,
    );
    await tdb.db.sql.query(
      'INSERT INTO timeline_checkpoint (incident_id, entry_count, head_hash, at, key_id, seal) VALUES ($1, $2, $3, now(), $4, $5)',
      [ids[0], n, head!.hash, 'k1', 'f'.repeat(64)],
    );
    expect((await verify()).timelines[0]?.problems[0]).toMatch(/forged/);
    await tdb.db.sql.query(
      'INSERT INTO timeline_checkpoint (incident_id, entry_count, head_hash, at, key_id, seal) VALUES ($1, $2, $3, now(), $4, $5)',
      [ids[1], 1, 'x', 'k9', 'f'.repeat(64)],
    );
    expect((await verify()).timelines[1]?.problems.join('\n')).toMatch(/sealed with key "k9", which is not in the key ring/);
  });

  it('a rollback of entries and checkpoints together is caught by the heads witnessed outside (export or digest)', async () => {
    const n = await entries(ids[0]!);
    const [head] = await tdb.db.sql.query<{ hash: string; ref: string }>(
      `SELECT e.hash, i.ref FROM timeline_entry e JOIN incident i ON i.id = e.incident_id WHERE e.incident_id = '${ids[0]}' AND e.seq = ${n}`,
    );
    const exported = JSON.stringify({
      heads: [{ schoolId: 'demo-school', ref: head!.ref, incidentId: ids[0], entries: n, headHash: head!.hash }],
    });
    const digest = `■ 個資事件 ${head!.ref}（通報）\n  紀錄鏈：${n} 筆，鏈頭 ${head!.hash.slice(0, 16)}`;
    expect(parseHeads(digest)).toEqual([
      { schoolId: null, ref: head!.ref, incidentId: null, entries: n, headHash: head!.hash.slice(0, 16) },
    ]);
    expect((await verify(exported)).ok).toBe(true);
    expect((await verify(digest)).ok).toBe(true);

    await asSuperuser(tdb.db, async (sql) => {
      await sql.exec(`DELETE FROM timeline_checkpoint WHERE incident_id = '${ids[0]}' AND entry_count = ${n}`);
      await sql.exec(`DELETE FROM timeline_entry WHERE incident_id = '${ids[0]}' AND seq = ${n}`);
    });
    expect((await verify()).ok).toBe(true); // consistent with itself: only an outside witness can tell
    for (const heads of [exported, digest]) {
      const r = await verify(heads);
      expect(r.ok).toBe(false);
      expect(r.heads[0]?.problem).toMatch(new RegExp(`entry #${n} is missing`));
    }
  });
});
