import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/app/demo.js';
import type { RepositoryHub } from '../../src/ports/repositories/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * Issue #17 step 3: the reads of people and schools the conversation flows, the documents and the jobs ask for, and
 * the planner statistics, on both engines. The demo school has its people on `local`; one more school and accounts on
 * `slack` tell apart what each read filters on.
 */
describe('people and school repositories', () => {
  let tdb: TestDatabase;
  let repos: RepositoryHub;

  beforeEach(async () => {
    tdb = await createTestDatabase();
    await seedDemo(tdb.db);
    repos = tdb.db.repos;
    await repos.schools.create({
      id: 'a-school',
      name: '甲校',
      clockProfile: 'public-school',
      kind: null,
      contactPhone: null,
      contactEmail: null,
    });
    const person = (id: string, schoolId: string, displayName: string, roles: string[], active = true) =>
      repos.people.create({ id, schoolId, displayName, unit: null, email: null, roles, active });
    await person('a-window', 'a-school', 'A 窗口', ['contactWindow']);
    await person('a-gone', 'a-school', '乙窗口', ['contactWindow'], false);
    await person('demo-gone', 'demo-school', '離職窗口', ['contactWindow', 'it'], false);
    await tdb.db.sql.query(
      `INSERT INTO identity (id, person_id, platform, external_id) VALUES
         ('s1', 'a-window', 'slack', 'U1'), ('s2', 'a-gone', 'slack', 'U2'), ('s3', 'demo-window', 'slack', 'U3')`,
    );
  });
  afterEach(async () => tdb.destroy());

  it('lists the active people holding any of some roles (none for no roles)', async () => {
    const ids = async (roles: string[]) => (await repos.people.activeWithAnyRole('demo-school', roles)).map((p) => p.id).sort();
    expect(await ids(['it', 'principal'])).toEqual(['demo-it', 'demo-principal']);
    expect(await ids(['contactWindow'])).toEqual(['demo-window']);
    expect(await ids([])).toEqual([]);
  });

  it("reads a school's contact windows with all their accounts, and every school's on one platform", async () => {
    const windows = await repos.people.activeWithRoleAndAccounts('demo-school', 'contactWindow');
    expect(windows.map((w) => [w.id, w.identities.map((i) => i.platform).sort()])).toEqual([['demo-window', ['local', 'slack']]]);
    const onSlack = await repos.people.everywhereWithRoleOn('contactWindow', 'slack');
    // By name (a Latin letter sorts before Han characters in every collation): inactive people and other platforms left out.
    expect(onSlack.map((p) => [p.id, p.identities.map((i) => i.externalId)])).toEqual([
      ['a-window', ['U1']],
      ['demo-window', ['U3']],
    ]);
    expect(await repos.people.everywhereWithRoleOn('contactWindow', 'discord')).toEqual([]);
  });

  it("reads an incident room's members: the roles or the reporter, active, with their accounts on the platform", async () => {
    const members = await repos.people.roomMembersOn('demo-school', 'slack', ['contactWindow'], 'demo-teacher');
    expect(members.map((m) => [m.id, m.identities.map((i) => i.externalId)]).sort()).toEqual([
      ['demo-teacher', []],
      ['demo-window', ['U3']],
    ]);
    const local = await repos.people.roomMembersOn('demo-school', 'local', ['it'], 'demo-teacher');
    expect(local.map((m) => m.id).sort()).toEqual(['demo-it', 'demo-teacher']);
    expect(local.every((m) => m.identities.every((i) => i.platform === 'local'))).toBe(true);
  });

  it('lists the school ids in order, and refreshes the planner statistics', async () => {
    expect(await repos.schools.ids()).toEqual(['a-school', 'demo-school']);
    await expect(repos.retention.refreshPlannerStatistics()).resolves.toBeUndefined();
  });
});
