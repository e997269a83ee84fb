import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceRecord, RepositoryHub } from '../../src/ports/repositories/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { at } from '../helpers/jobs.js';
import { seedIncidents } from '../helpers/record.js';

const piece = (id: string, incidentId: string, itemKey: string | null): Omit<EvidenceRecord, 'seq'> => ({
  id,
  incidentId,
  itemKey,
  descriptionEnc: 'enc-description',
  fileNameEnc: 'enc-file-name',
  mediaType: 'text/plain',
  size: 10,
  sha256: 'a'.repeat(64),
  filedById: 'demo-window',
  filedByLabel: '李組長',
  filedAt: at('2026-11-05 10:00'),
  sourcePlatform: 'local',
  sourceMessage: `m-${id}`,
  store: 'database',
  dataKeyEnc: 'enc-key',
  nonce: 'nonce',
  chunkSize: 65536,
});

/** The evidence repositories (evidence, evidence_offer) on the run's engine. */
describe('evidence repositories', () => {
  let tdb: TestDatabase;
  let repos: RepositoryHub;
  let first: string;
  let second: string;
  /** The pieces the seed filed (one per incident, for no item). */
  let seeded: number;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    const { ids } = await seedIncidents(tdb.db, { count: 2, ticks: 0 });
    [first, second] = [ids[0]!, ids[1]!];
    repos = tdb.db.repos;
    seeded = (await repos.evidence.ofIncident(first)).length;
    expect(await repos.evidence.countsByItem(first)).toEqual(seeded ? [{ itemKey: null, count: seeded }] : []);
  });
  afterAll(async () => tdb.destroy());

  it('pieces are numbered per incident, also when two are filed at once', async () => {
    const filed = await Promise.all(
      ['ev-a', 'ev-b', 'ev-c'].map((id, n) => repos.transaction((tx) => tx.evidence.file(piece(id, first, n === 2 ? null : 'notify')))),
    );
    expect(filed.map((f) => f.seq - seeded).sort()).toEqual([1, 2, 3]);
    expect((await repos.evidence.file(piece('ev-d', second, null))).seq).toBe(seeded + 1);
    // In filing order: the seed's, then these three.
    expect((await repos.evidence.ofIncident(first)).map((e) => e.seq)).toEqual([...Array(seeded + 3).keys()].map((n) => n + 1));
    expect(await repos.evidence.find('ev-d')).toMatchObject({ incidentId: second, seq: seeded + 1, descriptionEnc: 'enc-description' });
    expect(await repos.evidence.find('no-such-piece')).toBeNull();
  });

  it('counts the pieces of each checklist item', async () => {
    const counts = await repos.evidence.countsByItem(first);
    expect(counts.sort((a, b) => (a.itemKey ?? '').localeCompare(b.itemKey ?? ''))).toEqual([
      { itemKey: null, count: seeded + 1 },
      { itemKey: 'notify', count: 2 },
    ]);
    expect(await repos.evidence.countsByItem('no-such-incident')).toEqual([]);
  });

  it('an offer is kept until used or dropped; offering forgets the expired ones', async () => {
    const offer = (id: string, expiresAt: string) =>
      repos.evidenceOffers.offer(
        { id, personId: 'demo-window', conversationId: 'conv-1', sourceEnc: `enc-${id}`, expiresAt: at(expiresAt) },
        at('2026-11-05 10:00'),
      );
    await offer('offer-old', '2026-11-05 10:30');
    expect(await repos.evidenceOffers.find('offer-old')).toMatchObject({ personId: 'demo-window', sourceEnc: 'enc-offer-old' });
    await repos.evidenceOffers.offer(
      { id: 'offer-new', personId: 'demo-window', conversationId: 'conv-1', sourceEnc: 'enc', expiresAt: at('2026-11-05 12:00') },
      at('2026-11-05 11:00'),
    );
    expect(await repos.evidenceOffers.find('offer-old')).toBeNull();
    await repos.evidenceOffers.drop('offer-new');
    await repos.evidenceOffers.drop('offer-new');
    expect(await repos.evidenceOffers.find('offer-new')).toBeNull();
  });
});
