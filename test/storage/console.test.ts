import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personHistory } from '../../src/core/people/history.js';
import { ConsoleStore } from '../../src/storage/console.js';
import { ABSOLUTE_MS, ConsoleSessions, IDLE_MS } from '../../src/web/console/sessions.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { at } from '../helpers/jobs.js';
import { seedIncidents } from '../helpers/record.js';

const WINDOW = { personId: 'demo-window', schoolId: 'demo-school', displayName: '李組長（示範）', roles: ['staff', 'contactWindow'] };

/** The console's sessions and queries on the database engine of the run (PGlite, and PostgreSQL in CI). */
describe('console sessions and the incident list query', () => {
  let tdb: TestDatabase;
  let store: ConsoleStore;
  let now = at('2026-11-05 10:00');
  let sessions: ConsoleSessions;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    await seedIncidents(tdb.db, { count: 3, ticks: 2, now: () => now });
    store = new ConsoleStore(tdb.db.prisma);
    sessions = new ConsoleSessions(tdb.db.repos, () => now);
  });
  afterAll(async () => tdb.destroy());

  it('a sign-in link opens one session, even when used twice at once; the sign-in is on the person record', async () => {
    const tries = await Promise.allSettled([
      sessions.start(WINDOW, 'link-aaaaaaaaaaaaaaaa', '127.0.0.1'),
      sessions.start(WINDOW, 'link-aaaaaaaaaaaaaaaa', '127.0.0.1'),
    ]);
    expect(tries.map((t) => t.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((tries.find((t) => t.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'P2002' });
    expect(await tdb.db.repos.consoleSessions.linkUsed('link-aaaaaaaaaaaaaaaa')).toBe(true);
    const history = await personHistory(tdb.db.repos, 'demo-school');
    expect(history.filter((h) => h.changes.console).map((h) => [h.personId, h.changes.console!.to])).toEqual([['demo-window', 'sign-in']]);
  });

  it('a session lives while used, ends after 30 minutes idle or 12 hours in all, and sign-out ends them all', async () => {
    now = at('2026-11-05 10:00');
    const { secret } = await sessions.start(WINDOW, 'link-bbbbbbbbbbbbbbbb', null);
    for (let step = 0; step < 3; step++) {
      now = new Date(now.getTime() + IDLE_MS - 60_000);
      expect((await sessions.check(secret)).ok).toBe(true);
    }
    now = new Date(now.getTime() + IDLE_MS + 1);
    expect(await sessions.check(secret)).toEqual({ ok: false, reason: 'idle' });
    expect(await sessions.check(secret)).toEqual({ ok: false, reason: 'none' });

    const start = now;
    const long = await sessions.start(WINDOW, 'link-cccccccccccccccc', null);
    while (now.getTime() < start.getTime() + ABSOLUTE_MS) {
      now = new Date(now.getTime() + 20 * 60_000);
      const c = await sessions.check(long.secret);
      if (!c.ok) {
        expect(c.reason).toBe('expired');
        break;
      }
    }
    expect((await sessions.check(long.secret)).ok).toBe(false);

    await sessions.signOutEverywhere(WINDOW); // the first test's session
    const a = await sessions.start(WINDOW, 'link-dddddddddddddddd', null);
    const b = await sessions.start(WINDOW, 'link-eeeeeeeeeeeeeeee', null);
    expect(await sessions.signOutEverywhere(WINDOW)).toBe(2);
    expect([(await sessions.check(a.secret)).ok, (await sessions.check(b.secret)).ok]).toEqual([false, false]);
    expect(await sessions.signOutEverywhere(WINDOW)).toBe(0);
    const rows = await tdb.db.prisma.consoleSession.findMany({ where: { personId: 'demo-window' }, orderBy: { createdAt: 'asc' } });
    expect(rows.every((r) => r.endedAt !== null)).toBe(true);
    expect(rows.map((r) => r.endedReason)).toEqual(expect.arrayContaining(['idle', 'expired', 'signed-out']));
  });

  it('lists a school’s incidents by status and number, with checklist counts and the clocks stopped by items', async () => {
    const all = await store.incidents({ schoolId: 'demo-school', statuses: [], limit: 10 });
    expect(all).toHaveLength(3);
    expect(all.every((r) => r.total > 0 && r.open === r.total - 2)).toBe(true);
    const ref = all[0]!.incident.ref;
    expect((await store.incidents({ schoolId: 'demo-school', statuses: [], ref, limit: 10 })).map((r) => r.incident.ref)).toEqual([ref]);
    expect(await store.incidents({ schoolId: 'demo-school', statuses: ['closed'], limit: 10 })).toEqual([]);
    expect(await store.incidents({ schoolId: 'another-school', statuses: [], limit: 10 })).toEqual([]);
    const items = await store.openItems('demo-school', 5);
    expect(items).toHaveLength(5);
    expect(items.every((i) => i.state === 'open')).toBe(true);
  });
});
