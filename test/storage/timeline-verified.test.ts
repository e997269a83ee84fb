import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestCoreDeps } from '../helpers/core.js';
import { appendTimelineEntries, verifyIncidentRecord, type TimelineInput } from '../../src/core/timeline/timeline.js';
import { RecordVerifier } from '../../src/core/timeline/verified.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { asSuperuser, seedIncidents } from '../helpers/record.js';

const input = (n: number): TimelineInput => ({ actorId: null, actorLabel: '系統', type: 'test.entry', summary: `第${n}筆`, detail: { n } });

/**
 * The console's record verification (src/core/timeline/verified.ts) checks only what was added since it last
 * verified a record, and gives in every case the verdict of a whole verification (verifyIncidentRecord).
 */
describe('incremental record verification', () => {
  let tdb: TestDatabase;
  let deps: TestCoreDeps;
  let id: string;
  let verifier: RecordVerifier;
  const append = (from: number, n: number) =>
    deps.repos.transaction((tx) =>
      appendTimelineEntries(
        deps,
        tx,
        id,
        Array.from({ length: n }, (_, k) => input(from + k)),
      ),
    );
  /** The verifier's verdict, which must be the whole verification's. */
  const both = async () => {
    const v = await verifier.verify(id);
    expect(v).toEqual(await verifyIncidentRecord(deps, id));
    return v;
  };

  beforeEach(async () => {
    tdb = await createTestDatabase();
    const seeded = await seedIncidents(tdb.db, { count: 1, ticks: 1 });
    deps = seeded.deps;
    id = seeded.ids[0]!;
    verifier = new RecordVerifier(deps);
  });
  afterEach(async () => tdb.destroy());

  it('verifies, then continues from what it verified as entries are added', async () => {
    const first = await both();
    expect(first.ok).toBe(true);
    expect(await both()).toEqual(first);
    await append(1, 5);
    const later = await both();
    expect(later).toMatchObject({ ok: true, entries: first.entries + 5, sealed: { entryCount: first.entries + 5 } });
    await append(6, 1);
    expect(await both()).toMatchObject({ ok: true, entries: first.entries + 6 });
  });

  it('sees an old entry altered or a checkpoint forged after a verified view', async () => {
    await append(1, 3);
    expect((await both()).ok).toBe(true);
    const summary = (await deps.prisma.timelineEntry.findFirstOrThrow({ where: { incidentId: id, seq: 2 } })).summary;
    // An old entry's summary rewritten behind the product's back (and an entry added, so only the prefix is compared).
    await asSuperuser(tdb.db, (sql) => sql.exec(`UPDATE timeline_entry SET summary = '竄改' WHERE incident_id = '${id}' AND seq = 2`));
    await append(4, 1);
    const altered = await both();
    expect(altered.ok).toBe(false);
    expect(altered.problems[0]).toMatch(/entry #2/);
    // Put back: the record verifies again.
    await asSuperuser(tdb.db, (sql) =>
      sql.query(`UPDATE timeline_entry SET summary = $1 WHERE incident_id = $2 AND seq = 2`, [summary, id]).then(() => undefined),
    );
    expect((await both()).ok).toBe(true);

    const tdb2 = await createTestDatabase();
    try {
      const seeded = await seedIncidents(tdb2.db, { count: 1, ticks: 1 });
      const v2 = new RecordVerifier(seeded.deps);
      const id2 = seeded.ids[0]!;
      expect((await v2.verify(id2)).ok).toBe(true);
      // A checkpoint's seal altered, with nothing added: the fingerprint differs, the whole record is checked.
      await asSuperuser(tdb2.db, (sql) =>
        sql.exec(
          `UPDATE timeline_checkpoint SET seal = repeat('0', 64) WHERE id = (SELECT min(id) FROM timeline_checkpoint WHERE incident_id = '${id2}')`,
        ),
      );
      const forged = await v2.verify(id2);
      expect(forged).toEqual(await verifyIncidentRecord(seeded.deps, id2));
      expect(forged.problems.join('\n')).toMatch(/forged/);
    } finally {
      await tdb2.destroy();
    }
  });

  it('sees the last entries cut after a verified view', async () => {
    await append(1, 4);
    const whole = await both();
    expect(whole.ok).toBe(true);
    // The last two entries deleted, their checkpoints kept: fewer entries than were verified.
    await asSuperuser(tdb.db, (sql) => sql.exec(`DELETE FROM timeline_entry WHERE incident_id = '${id}' AND seq > ${whole.entries - 2}`));
    const cut = await both();
    expect(cut.ok).toBe(false);
    expect(cut.problems.join('\n')).toMatch(/missing/);
  });

  it('a detail that no longer decrypts fails the verification, as it does whole', async () => {
    await append(1, 2);
    expect((await both()).ok).toBe(true);
    await asSuperuser(tdb.db, (sql) =>
      // Its authentication tag (enc:v1:<key>:<iv>:<tag>:<ciphertext>) zeroed.
      sql.exec(
        `UPDATE timeline_entry SET detail_enc = regexp_replace(detail_enc, ':[^:]*:([^:]*)$', ':AAAAAAAAAAAAAAAAAAAAAA:\\1')
          WHERE incident_id = '${id}' AND seq = (SELECT max(seq) FROM timeline_entry WHERE incident_id = '${id}')`,
      ),
    );
    const v = await both();
    expect(v.ok).toBe(false);
    expect(v.problems[0]).toMatch(/cannot be decrypted/);
  });
});
