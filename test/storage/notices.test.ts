import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewNoticeDelivery, RepositoryHub } from '../../src/ports/repositories/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { at } from '../helpers/jobs.js';
import { seedIncidents } from '../helpers/record.js';

/** The notices' repositories (notices, subjectNotices, documentLinks) on the database engine of the run. */
describe('notice repositories', () => {
  let tdb: TestDatabase;
  let repos: RepositoryHub;
  let incidentId: string;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    ({
      ids: [incidentId = ''],
    } = await seedIncidents(tdb.db, { count: 1, ticks: 0 }));
    repos = tdb.db.repos;
  });
  afterAll(async () => tdb.destroy());

  const delivery = (key: string, target: string): NewNoticeDelivery => ({
    noticeKey: key,
    target,
    platform: 'local',
    externalId: `conv-${target}`,
    conversationKind: 'direct',
    personId: 'demo-window',
    idempotencyKey: `${key}|${target}`,
  });

  it('a reminder is claimed once with its deliveries; their outcomes, the late count and the lists of `npm run jobs`', async () => {
    const notice = {
      key: 'r1',
      kind: 'reminder',
      schoolId: 'demo-school',
      incidentId,
      clockId: 'c1',
      slot: 'due',
      level: 1,
      dueAt: at('2026-11-05 12:00'),
      late: true,
      jobId: 'job-1',
      createdAt: at('2026-11-05 12:20'),
    };
    expect(await repos.transaction((tx) => tx.notices.claim(notice, [delivery('r1', 'a'), delivery('r1', 'b')]))).toBe(true);
    // A second claim writes nothing, not even its deliveries.
    expect(await repos.transaction((tx) => tx.notices.claim({ ...notice, late: false }, [delivery('r1', 'c')]))).toBe(false);
    expect(await repos.notices.find('r1')).toMatchObject({ key: 'r1', status: 'sending', late: true, sentAt: null, level: 1 });
    expect((await repos.notices.unsentDeliveries('r1')).map((d) => [d.target, d.status, d.attempts])).toEqual([
      ['a', 'pending', 0],
      ['b', 'pending', 0],
    ]);

    await repos.notices.deliverySent('r1', 'a', 'm-1', at('2026-11-05 12:21'));
    await repos.notices.deliveryFailed('r1', 'b', 'rate limited');
    await repos.notices.setOutcome('r1', 'failed');
    expect((await repos.notices.unsentDeliveries('r1')).map((d) => [d.target, d.status, d.attempts, d.error])).toEqual([
      ['b', 'failed', 1, 'rate limited'],
    ]);
    expect((await repos.notices.failedDeliveries(10)).map((d) => d.target)).toEqual(['b']);
    expect(await repos.notices.countSent('r1')).toBe(1);
    expect((await repos.notices.find('r1'))?.status).toBe('failed');

    await repos.notices.deliverySent('r1', 'b', 'm-2', at('2026-11-05 12:30'));
    await repos.notices.setOutcome('r1', { sentAt: at('2026-11-05 12:30') });
    expect(await repos.notices.countSent('r1')).toBe(2);
    expect(await repos.notices.unsentDeliveries('r1')).toEqual([]);
    expect(await repos.notices.failedDeliveries(10)).toEqual([]);
    expect(await repos.notices.find('r1')).toMatchObject({ status: 'sent', sentAt: at('2026-11-05 12:30') });

    const digest = {
      key: 'd1',
      kind: 'digest',
      schoolId: 'demo-school',
      level: 0,
      dueAt: at('2026-11-06 08:00'),
      late: false,
      jobId: null,
    };
    expect(await repos.transaction((tx) => tx.notices.claim({ ...digest, createdAt: at('2026-11-06 08:00') }, []))).toBe(true);
    expect(await repos.notices.find('d1')).toMatchObject({ incidentId: null, clockId: null, slot: null });
    expect([...(await repos.notices.lateByKind())]).toEqual([['reminder', 1]]);
    expect((await repos.notices.latest(10)).map((n) => n.key)).toEqual(['d1', 'r1']);
    expect((await repos.notices.latest(1)).map((n) => n.key)).toEqual(['d1']);
  });

  it('a notice to the people affected: versions, guarded status changes, decisions and batches', async () => {
    await repos.transaction(async (tx) => {
      await tx.subjectNotices.create({ id: 'n1', incidentId, audience: 'guardians', createdById: 'demo-window' });
      await tx.subjectNotices.addVersion({ noticeId: 'n1', version: 1, bodyEnc: 'cipher-1', authorId: 'demo-window' });
    });
    expect(await repos.subjectNotices.forAudience(incidentId, 'guardians')).toMatchObject({ id: 'n1', status: 'draft', currentVersion: 1 });
    expect(await repos.subjectNotices.forAudience(incidentId, 'staff')).toBeNull();

    // A second editor starting from version 1 after the first saved version 2 changes nothing.
    expect(await repos.subjectNotices.advance('n1', 1, 2)).toBe(true);
    await repos.subjectNotices.addVersion({ noticeId: 'n1', version: 2, bodyEnc: 'cipher-2', authorId: 'demo-teacher' });
    expect(await repos.subjectNotices.advance('n1', 1, 2)).toBe(false);

    expect(await repos.subjectNotices.setStatus('n1', 1, ['draft'], 'submitted')).toBe(false);
    expect(await repos.subjectNotices.setStatus('n1', 2, ['draft', 'returned'], 'submitted')).toBe(true);
    expect(await repos.subjectNotices.setStatus('n1', 2, ['draft', 'returned'], 'submitted')).toBe(false);
    const decidedAt = at('2026-11-06 09:00');
    expect(
      await repos.subjectNotices.setStatus('n1', 2, ['submitted'], 'approved', { approvedById: 'demo-principal', approvedAt: decidedAt }),
    ).toBe(true);
    const review = {
      id: 'rv1',
      noticeId: 'n1',
      version: 2,
      reviewerId: 'demo-principal',
      decision: 'approved',
      commentEnc: null,
      decidedAt,
    };
    await repos.subjectNotices.addReview(review);
    const batch = {
      id: 'b1',
      noticeId: 'n1',
      version: 2,
      channel: 'letter',
      recipientsTotal: 30,
      recipientsNotified: 28,
      publicReasonEnc: null,
      noteEnc: 'cipher-note',
      recordedById: 'demo-window',
    };
    await repos.subjectNotices.addBatch(batch);

    const n = await repos.subjectNotices.find('n1');
    expect(n).toMatchObject({
      status: 'approved',
      currentVersion: 2,
      approvedVersion: 2,
      approvedById: 'demo-principal',
      approvedAt: decidedAt,
    });
    expect(n?.incident.id).toBe(incidentId);
    expect(n?.versions.map((v) => [v.version, v.bodyEnc, v.authorId])).toEqual([
      [1, 'cipher-1', 'demo-window'],
      [2, 'cipher-2', 'demo-teacher'],
    ]);
    expect(n?.reviews).toEqual([review]);
    expect(n?.batches).toEqual([{ ...batch, createdAt: expect.any(Date) }]);
    expect(await repos.subjectNotices.find('nope')).toBeNull();

    // Revising an approved notice withdraws the approval.
    expect(await repos.subjectNotices.advance('n1', 2, 3)).toBe(true);
    expect(await repos.subjectNotices.forAudience(incidentId, 'guardians')).toMatchObject({
      status: 'draft',
      currentVersion: 3,
      approvedVersion: null,
      approvedById: null,
      approvedAt: null,
    });

    await repos.subjectNotices.create({ id: 'n2', incidentId, audience: 'staff', createdById: 'demo-window' });
    expect((await repos.subjectNotices.ofIncident(incidentId)).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'n1', audience: 'guardians' },
      { id: 'n2', audience: 'staff' },
    ]);
    const withBatches = await repos.subjectNotices.withBatches(incidentId);
    expect(withBatches.map((x) => [x.id, x.batches.map((b) => b.id)]).sort()).toEqual([
      ['n1', ['b1']],
      ['n2', []],
    ]);
    expect((await repos.subjectNotices.versions('n1')).map((v) => v.version)).toEqual([1, 2]);
    expect(await repos.people.names(['demo-window', 'nobody'])).toEqual([{ id: 'demo-window', displayName: '李組長（示範）' }]);
    // The notices' contact window (src/core/notices/contact.ts).
    expect((await repos.people.activeWithRole('demo-school', 'contactWindow')).map((p) => p.id)).toEqual(['demo-window']);
    expect(await repos.people.activeWithRole('demo-school', 'nobody')).toEqual([]);
    await repos.people.setRoles('demo-teacher', ['staff', 'contactWindow']);
    // The reports name the contact windows by name (李 before 王).
    const windows = await repos.people.activeWithRole('demo-school', 'contactWindow', 'name');
    expect(windows.map((p) => p.displayName)).toEqual(['李組長（示範）', '王老師（示範）']);
    // Who is asked to approve a notice (src/core/conversation/notice-review.ts): never an author.
    await tdb.db.prisma.identity.create({
      data: { id: 'id-p', platform: 'slack', externalId: 'U1', personId: 'demo-principal', displayName: '陳校長' },
    });
    const approvers = await repos.people.activeWithRoleOn('demo-school', 'principal', 'slack', ['demo-window']);
    expect(approvers.map((p) => [p.id, p.identities.map((i) => i.externalId)])).toEqual([['demo-principal', ['U1']]]);
    expect((await repos.people.activeWithRoleOn('demo-school', 'principal', 'line', [])).map((p) => p.identities)).toEqual([[]]);
    expect(await repos.people.activeWithRoleOn('demo-school', 'principal', 'slack', ['demo-principal'])).toEqual([]);
    expect(await repos.people.anyWithRole(['demo-window', 'demo-principal'], 'principal')).toBe(true);
    expect(await repos.people.anyWithRole(['demo-window'], 'principal')).toBe(false);
  });

  it("a document link's use is recorded once: a second use fails and rolls back what was written with it", async () => {
    const use = { linkId: 'link-1', incidentId, personId: 'demo-window', clientAddress: '127.0.0.1' };
    await repos.transaction((tx) => tx.documentLinks.recordUse(use));
    await expect(
      repos.transaction(async (tx) => {
        await tx.subjectNotices.create({ id: 'n3', incidentId, audience: 'others', createdById: 'demo-window' });
        await tx.documentLinks.recordUse({ ...use, clientAddress: null });
      }),
    ).rejects.toMatchObject({ code: 'P2002' });
    expect(await repos.subjectNotices.forAudience(incidentId, 'others')).toBeNull();
    expect(await tdb.db.prisma.documentLinkUse.findMany()).toMatchObject([{ linkId: 'link-1', clientAddress: '127.0.0.1' }]);
  });
});
