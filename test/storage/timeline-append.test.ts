import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestCoreDeps } from '../helpers/core.js';
import { GENESIS_HASH, hashEntry } from '../../src/core/timeline/chain.js';
import {
  appendTimeline,
  appendTimelineEntries,
  readTimeline,
  verifyIncidentRecord,
  type TimelineInput,
} from '../../src/core/timeline/timeline.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { seedIncidents } from '../helpers/record.js';

const input = (n: number): TimelineInput => ({ actorId: null, actorLabel: '系統', type: 'test.entry', summary: `第${n}筆`, detail: { n } });

/**
 * Several entries appended at once (appendTimelineEntries: one lock, one read, one INSERT each for the entries and
 * their sealed heads) make the same record as one appendTimeline per entry: consecutive, chained, each head sealed.
 */
describe('appending several timeline entries at once', () => {
  let tdb: TestDatabase;
  let deps: TestCoreDeps;
  let id: string;

  beforeEach(async () => {
    tdb = await createTestDatabase();
    const seeded = await seedIncidents(tdb.db, { count: 1, ticks: 1 });
    deps = seeded.deps;
    id = seeded.ids[0]!;
  });
  afterEach(async () => tdb.destroy());

  it('chains and seals each entry after the existing ones, mixed with single appends, and the record verifies', async () => {
    const before = (await readTimeline(deps, id)).length;
    await deps.repos.transaction((tx) => appendTimelineEntries(deps, tx, id, [input(1), input(2), input(3)]));
    await deps.repos.transaction((tx) => appendTimeline(deps, tx, id, input(4)));
    await deps.repos.transaction((tx) => appendTimelineEntries(deps, tx, id, [input(5)]));
    await deps.repos.transaction((tx) => appendTimelineEntries(deps, tx, id, []));

    const entries = await readTimeline(deps, id);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: before + 5 }, (_, i) => i + 1));
    expect(entries.slice(before).map((e) => e.summary)).toEqual(['第1筆', '第2筆', '第3筆', '第4筆', '第5筆']);
    entries.forEach((e, i) => {
      expect(e.prevHash).toBe(i === 0 ? GENESIS_HASH : entries[i - 1]!.hash);
      expect(hashEntry(e)).toBe(e.hash);
    });
    const checkpoints = await deps.prisma.timelineCheckpoint.findMany({ where: { incidentId: id }, orderBy: { id: 'asc' } });
    expect(checkpoints.map((c) => c.entryCount)).toEqual(entries.map((e) => e.seq));
    expect(checkpoints.map((c) => c.headHash)).toEqual(entries.map((e) => e.hash));
    expect(await verifyIncidentRecord(deps, id)).toMatchObject({ ok: true, entries: before + 5, problems: [] });
  });

  it('leaves nothing behind when its transaction fails', async () => {
    const before = await readTimeline(deps, id);
    await expect(
      deps.repos.transaction(async (tx) => {
        await appendTimelineEntries(deps, tx, id, [input(1), input(2)]);
        throw new Error('the change being recorded failed');
      }),
    ).rejects.toThrow('the change being recorded failed');
    expect(await readTimeline(deps, id)).toEqual(before);
    expect(await verifyIncidentRecord(deps, id)).toMatchObject({ ok: true, entries: before.length });
  });

  it('appends in concurrent transactions take turns on the incident lock: consecutive, chained, every head sealed', async () => {
    const before = (await readTimeline(deps, id)).length;
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        deps.repos.transaction(async (tx) => {
          if (n % 2) await appendTimeline(deps, tx, id, input(n));
          else await appendTimelineEntries(deps, tx, id, [input(n), input(n * 10)]);
        }),
      ),
    );
    const entries = await readTimeline(deps, id);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: before + 6 }, (_, i) => i + 1));
    expect(await verifyIncidentRecord(deps, id)).toMatchObject({ ok: true, entries: before + 6, problems: [] });
  });
});
