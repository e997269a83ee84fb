import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../src/core/context.js';
import { destroyIncident, listRetention, retainUntil } from '../../src/core/retention/retention.js';
import { runRetention } from '../../src/cli/retention.js';
import { runVerify } from '../../src/cli/verify.js';
import { RetentionReview, type QueuedRetention } from '../../src/jobs/retention.js';
import { recordPersonChange } from '../../src/core/people/history.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { at } from '../helpers/jobs.js';
import { asSuperuser, seedIncidents } from '../helpers/record.js';

/** Issue #14: kept 5 years (records-5y), then destroyed with a sealed destruction record, on a person's authority. */
describe('retention and destruction of the record', () => {
  let tdb: TestDatabase;
  let deps: CoreDeps;
  let ids: string[];
  let now = at('2026-11-05 10:00');
  const lines = () => {
    const out: string[] = [];
    return Object.assign((l: string) => void out.push(l), { out });
  };

  beforeEach(async () => {
    now = at('2026-11-05 10:00');
    tdb = await createTestDatabase();
    ({ deps, ids } = await seedIncidents(tdb.db, { count: 2, ticks: 2, now: () => now }));
    await tdb.db.prisma.incident.update({ where: { id: ids[0]! }, data: { status: 'closed', closedAt: at('2026-12-01 10:00') } });
  });
  afterEach(async () => tdb.destroy());

  it('keeps every record until the end of records-5y, and an open one after it', async () => {
    const incident = await tdb.db.prisma.incident.findUniqueOrThrow({ where: { id: ids[0]! } });
    const until = retainUntil(deps, incident)!;
    expect(until.getTime()).toBeGreaterThan(at('2031-11-05 00:00').getTime());
    expect(until.getTime()).toBeLessThanOrEqual(at('2031-11-07 00:00').getTime());
    now = new Date(until.getTime() - 1);
    expect((await listRetention(deps)).filter((i) => i.due)).toEqual([]);
    await expect(destroyIncident(deps, ids[0]!, '陳校長（校長），115學年度第1次會議決議')).rejects.toThrow(/is kept until/);
    now = new Date(until.getTime() + 1);
    const list = await listRetention(deps);
    expect(list.map((i) => [i.incidentId, i.due])).toEqual([
      [ids[0], true],
      [ids[1], false],
    ]);
    expect(list[1]?.kept).toMatch(/not closed/);
    await expect(destroyIncident(deps, ids[1]!, '陳校長')).rejects.toThrow(/is not closed/);
    // The database refuses an early destruction record whatever the caller.
    await expect(
      tdb.db.sql.query(
        `INSERT INTO destruction_record (id, incident_id, school_id, incident_ref, occurred_at, aware_at, retain_until, destroyed_at, authorised_by, basis, removed, entry_count, head_hash, key_id, seal)
         VALUES ('x', $1, 'demo-school', 'r', now(), now(), now() + interval '1 day', now(), 'x', 'x', '{}', 0, '', 'k1', 'x')`,
        [ids[0]],
      ),
    ).rejects.toThrow(/destruction_record_not_early/);
  });

  it('the job and --dry-run only list; destruction needs --authorised-by, removes the details and keeps a sealed record', async () => {
    const head = await tdb.db.prisma.timelineEntry.findFirstOrThrow({ where: { incidentId: ids[0]! }, orderBy: { seq: 'desc' } });
    const ref = (await tdb.db.prisma.incident.findUniqueOrThrow({ where: { id: ids[0]! } })).ref;
    now = at('2031-11-08 10:00');
    const queued: QueuedRetention[] = [];
    const review = new RetentionReview(deps, { add: async (jobs) => void queued.push(...jobs) });
    expect(await review.schedule()).toEqual(['2031-11-08', '2031-11-09']);
    expect((await review.fire({ day: '2031-11-08' })).due.map((d) => d.ref)).toEqual([ref]);

    const dry = lines();
    expect(await runRetention(deps, { dryRun: true, authorisedBy: '陳校長' }, dry)).toBe(0);
    expect(dry.out.join('\n')).toMatch(new RegExp(`DUE +demo-school/${ref} +closed`));
    const unauthorised = lines();
    expect(await runRetention(deps, { dryRun: false }, unauthorised)).toBe(0);
    expect(unauthorised.out.at(-1)).toMatch(/Nothing destroyed: destruction needs --authorised-by/);
    expect(await tdb.db.prisma.incident.count()).toBe(2);

    const done = lines();
    expect(await runRetention(deps, { dryRun: false, authorisedBy: '陳校長（校長），校務會議決議' }, done)).toBe(0);
    expect(done.out.join('\n')).toMatch(
      new RegExp(`destroyed demo-school/${ref}: destruction record .* authorised by 陳校長（校長），校務會議決議`),
    );
    expect(await tdb.db.prisma.incident.findUnique({ where: { id: ids[0]! } })).toBeNull();
    for (const table of ['timeline_entry', 'timeline_checkpoint', 'checklist_item', 'evidence']) {
      const [row] = await tdb.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE incident_id = $1`, [ids[0]]);
      expect(row?.n, table).toBe(0);
    }
    const record = await tdb.db.prisma.destructionRecord.findUniqueOrThrow({ where: { incidentId: ids[0]! } });
    expect(record).toMatchObject({
      incidentRef: ref,
      entryCount: head.seq,
      headHash: head.hash,
      authorisedBy: '陳校長（校長），校務會議決議',
      destroyedAt: now,
    });
    expect(record.removed).toMatchObject({ timeline_entry: head.seq, incident: 1, evidence: 1 });
    // The evidence files went with it; the other incident's stayed.
    const [chunks] = await tdb.db.sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM evidence_chunk c JOIN evidence e ON e.id = c.evidence_id',
    );
    const [all] = await tdb.db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM evidence_chunk');
    expect(all?.n).toBe(chunks?.n);
    expect(await tdb.db.prisma.evidence.count({ where: { incidentId: ids[1]! } })).toBe(1);
    expect(JSON.stringify(record)).not.toContain('名冊誤傳');

    // verify: the other incident intact, the destruction record's seal holds, a head witnessed before still checks.
    const v = await runVerify(deps, { heads: JSON.stringify({ schoolId: 'demo-school', ref, entries: head.seq, headHash: head.hash }) });
    expect(v.ok).toBe(true);
    expect(v.destroyed).toEqual([{ incident: ref, schoolId: 'demo-school', ok: true, problem: null }]);
    expect(v.heads[0]?.label).toMatch(/\(destroyed\)/);

    // The destruction record is append-only, and an edit behind the triggers breaks its seal.
    await expect(tdb.db.sql.query(`UPDATE destruction_record SET authorised_by = 'x'`)).rejects.toThrow(/append-only/);
    await asSuperuser(tdb.db, (sql) => sql.exec(`UPDATE destruction_record SET authorised_by = '某人'`));
    const forged = await runVerify(deps);
    expect(forged.ok).toBe(false);
    expect(forged.destroyed[0]?.problem).toMatch(/forged/);
  });

  it('a record that fails verification is kept as evidence, not destroyed', async () => {
    now = at('2031-11-08 10:00');
    await asSuperuser(tdb.db, (sql) => sql.exec(`DELETE FROM timeline_entry WHERE incident_id = '${ids[0]}' AND seq = 1`));
    const out = lines();
    expect(await runRetention(deps, { dryRun: false, authorisedBy: '陳校長' }, out)).toBe(1);
    expect(out.out.join('\n')).toMatch(/NOT destroyed .*its record does not verify/);
    expect(await tdb.db.prisma.incident.count()).toBe(2);
    expect(await tdb.db.prisma.destructionRecord.count()).toBe(0);
  });

  it('ended console sessions are deleted 90 days after they ended, by the daily review and npm run retention; the sign-ins stay', async () => {
    const { repos } = tdb.db;
    const DAY = 86_400_000;
    // As the console signs in (src/web/console/sessions.ts): the session and the sign-in on the person's record.
    const open = async (id: string, at: Date, ended: Date | null) => {
      await repos.transaction(async (tx) => {
        const [personId, schoolId] = ['demo-window', 'demo-school'];
        const expiresAt = new Date(at.getTime() + 12 * 3600_000);
        await tx.consoleSessions.open({ id, personId, schoolId, linkId: `link-${id}`, expiresAt, clientAddress: null }, at);
        const sign = { schoolId, personId, actorPersonId: personId, actorLabel: '李組長（示範）', at };
        await recordPersonChange(tx, { ...sign, changes: { console: { from: null, to: 'sign-in' } } });
      });
      if (ended) await repos.consoleSessions.end(id, 'signed-out', ended);
    };
    const signIns = () => tdb.db.prisma.personChange.count({ where: { personId: 'demo-window' } });
    const before = await signIns();
    await open('ended-91d', new Date(now.getTime() - 92 * DAY), new Date(now.getTime() - 91 * DAY));
    await open('ended-89d', new Date(now.getTime() - 90 * DAY), new Date(now.getTime() - 89 * DAY));
    // Never seen again after its 12-hour end: ended then, though no page came to mark it.
    await open('abandoned', new Date(now.getTime() - 120 * DAY), null);
    await open('current', new Date(now.getTime() - 3600_000), null);
    const left = async () => (await tdb.db.prisma.consoleSession.findMany({ orderBy: { id: 'asc' } })).map((s) => s.id);
    const recorded = await signIns();
    expect(recorded).toBe(before + 4);

    const dry = lines();
    expect(await runRetention(deps, { dryRun: true }, dry)).toBe(0);
    expect(dry.out).toContain('Would delete 2 console session(s) ended more than 90 days ago.');
    expect(await left()).toEqual(['abandoned', 'current', 'ended-89d', 'ended-91d']);

    const review = new RetentionReview(deps, { add: async () => {} });
    expect((await review.fire({ day: '2026-11-05' })).sessionsPruned).toBe(2);
    expect(await left()).toEqual(['current', 'ended-89d']);
    expect(await signIns()).toBe(recorded);

    now = new Date(now.getTime() + 2 * DAY);
    const run = lines();
    expect(await runRetention(deps, { dryRun: false }, run)).toBe(0);
    expect(run.out).toContain('Deleted 1 console session(s) ended more than 90 days ago.');
    expect(await left()).toEqual(['current']);
    // The pruned link ids are forgotten, but those links expired 10 minutes after they were made.
    expect(await repos.consoleSessions.linkUsed('link-ended-91d')).toBe(false);
  });
});
