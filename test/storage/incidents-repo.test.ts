import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/app/demo.js';
import type { NewIncident, RepositoryHub } from '../../src/ports/repositories/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { at } from '../helpers/jobs.js';

/** Issue #17 step 3: the incidents, their checklists and clock schedules behind their ports, on both engines. */
describe('incident, checklist and clock-schedule repositories', () => {
  let tdb: TestDatabase;
  let repos: RepositoryHub;

  const incident = (id: string, ref: string, awareAt: string, status = 'reported'): NewIncident => ({
    id,
    schoolId: 'demo-school',
    ref,
    status,
    playbookId: 'misdelivery',
    reporterId: 'demo-teacher',
    conversationId: null,
    occurredAt: at(awareAt),
    awareAt: at(awareAt),
    approximateTimes: ['occurredAt'],
    involvesSystem: false,
    categories: ['identity'],
    specialCategories: false,
    biometric: false,
    affectedEstimate: 3,
    affectedEstimateTextEnc: null,
    affectedKinds: ['students'],
    clockProfile: 'public',
    createdAt: at(awareAt),
    howLeakedEnc: 'c1',
    placeEnc: 'c2',
    stepsTakenEnc: 'c3',
  });
  const item = (incidentId: string, key: string, position: number, more: { owner?: string; role?: string; completes?: string } = {}) => ({
    id: `${incidentId}-${key}`,
    incidentId,
    key,
    position,
    title: `項目 ${key}`,
    phase: 'contain',
    ownerRole: more.role ?? 'contactWindow',
    ownerPersonId: more.owner ?? null,
    clockId: null,
    completesClock: more.completes ?? null,
  });

  beforeEach(async () => {
    tdb = await createTestDatabase();
    await seedDemo(tdb.db);
    repos = tdb.db.repos;
    await repos.incidents.create(incident('i1', '115-001', '2026-11-01 09:00'));
    await repos.incidents.create(incident('i2', '115-002', '2026-11-03 09:00'));
    await repos.incidents.create(incident('i3', '115-003', '2026-11-02 09:00', 'closed'));
  });
  afterEach(async () => tdb.destroy());

  it('finds incidents by id, number, either; lists the open ones in either order; numbers them', async () => {
    expect((await repos.incidents.find('i1'))?.ref).toBe('115-001');
    expect(await repos.incidents.find('nope')).toBeNull();
    expect((await repos.incidents.findByRef('demo-school', '115-002'))?.id).toBe('i2');
    expect(await repos.incidents.findByRef('other-school', '115-002')).toBeNull();
    expect((await repos.incidents.findByIdOrRef('115-003')).map((i) => i.id)).toEqual(['i3']);
    expect((await repos.incidents.findByIdOrRef('i3', 'demo-school')).map((i) => i.ref)).toEqual(['115-003']);
    expect(await repos.incidents.findByIdOrRef('i3', 'other-school')).toEqual([]);
    expect((await repos.incidents.openIn('demo-school', 'newest')).map((i) => i.id)).toEqual(['i2', 'i1']);
    expect((await repos.incidents.openIn('demo-school', 'oldest')).map((i) => i.id)).toEqual(['i1', 'i2']);
    expect((await repos.incidents.openIn('demo-school', 'newest', 1)).map((i) => i.id)).toEqual(['i2']);
    expect((await repos.incidents.openIds()).sort()).toEqual(['i1', 'i2']);
    expect((await repos.incidents.openIds('demo-school')).sort()).toEqual(['i1', 'i2']);
    expect(await repos.incidents.openIds('other-school')).toEqual([]);
    expect([...(await repos.incidents.refsOf(['i1', 'i3', 'gone']))].sort()).toEqual([
      ['i1', '115-001'],
      ['i3', '115-003'],
    ]);
    expect(await repos.incidents.refsOf([])).toEqual(new Map());
    const counted = await repos.transaction((tx) => tx.incidents.countRefsLocked('demo-school', '115-'));
    expect(counted).toBe(3);
    expect(await repos.transaction((tx) => tx.incidents.countRefsLocked('demo-school', '116-'))).toBe(0);
  });

  it('writes changes, counting a version only when revised, and rolls back with the transaction', async () => {
    const before = (await repos.incidents.find('i1'))!;
    await repos.incidents.update('i1', { recoveredAt: at('2026-11-02 10:00') });
    expect((await repos.incidents.find('i1'))?.version).toBe(before.version);
    await repos.incidents.update('i1', { status: 'containing', approximateTimes: [] }, { revise: true });
    const after = (await repos.incidents.find('i1'))!;
    expect([after.status, after.approximateTimes, after.version, after.recoveredAt]).toEqual([
      'containing',
      [],
      before.version + 1,
      at('2026-11-02 10:00'),
    ]);
    // Conditional on the version an editor was opened on: the second of two saves based on it writes nothing.
    expect(await repos.incidents.update('i1', { staffCount: 4 }, { revise: true, ifVersion: after.version })).toBe(true);
    expect(await repos.incidents.update('i1', { staffCount: 9 }, { revise: true, ifVersion: after.version })).toBe(false);
    expect([(await repos.incidents.find('i1'))?.staffCount, (await repos.incidents.find('i1'))?.version]).toEqual([4, after.version + 1]);
    await expect(
      repos.transaction(async (tx) => {
        await tx.incidents.lock('i1');
        await tx.incidents.update('i1', { status: 'closed' });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect((await repos.incidents.find('i1'))?.status).toBe('containing');
  });

  it('reads and ticks checklists: by key, open, completing a clock, owned, progress, assigned', async () => {
    await repos.checklist.createMany([
      item('i1', 'b', 1, { completes: 'report-window-4h', owner: 'demo-teacher', role: 'unit' }),
      item('i1', 'a', 0),
      item('i1', 'c', 2, { completes: 'cyber-recover' }),
      item('i2', 'a', 0, { role: 'principal' }),
      item('i3', 'a', 0, { owner: 'demo-teacher', role: 'unit' }),
    ]);
    await repos.checklist.createMany([]);
    expect((await repos.checklist.ofIncident('i1')).map((i) => i.key)).toEqual(['a', 'b', 'c']);
    expect((await repos.checklist.ofIncidents(['i2', 'i1'])).map((i) => `${i.incidentId}/${i.key}`)).toEqual([
      'i1/a',
      'i1/b',
      'i1/c',
      'i2/a',
    ]);
    expect(await repos.checklist.ofIncidents([])).toEqual([]);
    expect((await repos.checklist.findByKey('i1', 'b'))?.id).toBe('i1-b');
    expect(await repos.checklist.findByKey('i2', 'b')).toBeNull();
    expect((await repos.checklist.find('i1-c'))?.completesClock).toBe('cyber-recover');
    expect((await repos.checklist.openCompleting('i1', 'report-window-4h'))?.id).toBe('i1-b');

    const done = await repos.checklist.update('i1-b', {
      state: 'done',
      noteEnc: 'cipher',
      doneById: 'demo-window',
      doneAt: at('2026-11-01 10:00'),
    });
    expect([done.state, done.noteEnc, done.doneById]).toEqual(['done', 'cipher', 'demo-window']);
    expect(await repos.checklist.openCompleting('i1', 'report-window-4h')).toBeNull();
    expect((await repos.checklist.openOf('i1')).map((i) => i.key)).toEqual(['a', 'c']);
    expect(await repos.checklist.countOpen('i1')).toBe(2);

    await repos.checklist.update('i1-c', { state: 'done' });
    expect(await repos.checklist.countDoneCompleting('i1', 'cyber-recover', 'i1-c')).toBe(0);
    expect(await repos.checklist.countDoneCompleting('i1', 'cyber-recover', 'other')).toBe(1);

    expect([...(await repos.checklist.incidentsOwnedBy('demo-teacher', ['i1', 'i2', 'i3']))].sort()).toEqual(['i1', 'i3']);
    expect(await repos.checklist.incidentsOwnedBy('demo-teacher', [])).toEqual(new Set());
    const progress = await repos.checklist.progress(['i1', 'i2']);
    expect(progress.sort((x, y) => `${x.incidentId}${x.state}`.localeCompare(`${y.incidentId}${y.state}`))).toEqual([
      { incidentId: 'i1', state: 'done', count: 2 },
      { incidentId: 'i1', state: 'open', count: 1 },
      { incidentId: 'i2', state: 'open', count: 1 },
    ]);
    // Open items of open incidents only: by name, or by role with nobody named; oldest incident first.
    await repos.checklist.update('i1-b', { state: 'open' });
    const mine = await repos.checklist.assignedTo('demo-school', 'demo-teacher', ['principal']);
    expect(mine.map((i) => [i.incidentRef, i.key])).toEqual([
      ['115-001', 'b'],
      ['115-002', 'a'],
    ]);
  });

  it('keeps one schedule per clock, replaced on save, and lists the incidents with an active one', async () => {
    const schedule = {
      incidentId: 'i1',
      clockId: 'report-window-4h',
      state: 'active',
      targetAt: at('2026-11-01 13:00'),
      statutoryEnd: null,
      slots: [{ slot: 'due', fireAt: '2026-11-01T05:00:00.000Z' }],
      note: null,
      updatedAt: at('2026-11-01 09:00'),
    };
    await repos.clockSchedules.save(schedule);
    await repos.clockSchedules.save({ ...schedule, incidentId: 'i3', state: 'stopped', slots: [] });
    expect(await repos.clockSchedules.ofIncident('i1')).toEqual([schedule]);
    expect(await repos.clockSchedules.incidentsWithActive()).toEqual(['i1']);
    await repos.clockSchedules.save({ ...schedule, state: 'stopped', slots: [], note: '項目 b', updatedAt: at('2026-11-01 10:00') });
    expect((await repos.clockSchedules.ofIncident('i1')).map((s) => [s.state, s.slots, s.note])).toEqual([['stopped', [], '項目 b']]);
    expect(await repos.clockSchedules.incidentsWithActive()).toEqual([]);
  });
});
