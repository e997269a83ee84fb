import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../../src/app/demo.js';
import { PeopleDirectory } from '../../../src/core/people/directory.js';
import { personHistory } from '../../../src/core/people/history.js';
import { can, roleConflict } from '../../../src/core/roles.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

describe('people and roles', () => {
  let t: TestDatabase;
  let dir: PeopleDirectory;
  beforeAll(async () => {
    t = await createTestDatabase();
    await seedDemo(t.db);
    dir = new PeopleDirectory(t.db.repos);
  });
  afterAll(async () => t.destroy());

  it('the auditor may not be the principal (私立學校個資安全維護計畫實施辦法 art. 3 ¶3)', async () => {
    expect(roleConflict(['principal', 'auditor'])).toMatch(/稽核人員不得與管理人為同一人/);
    const principal = (await dir.actorFor('demo-principal'))!;
    await expect(dir.assignRoles(principal, 'demo-auditor', ['auditor', 'principal'])).rejects.toThrow(/不得與管理人為同一人/);
    expect((await t.db.prisma.person.findUniqueOrThrow({ where: { id: 'demo-auditor' } })).roles).toEqual(['staff', 'auditor']);
  });

  it('only the principal assigns roles; unknown roles are refused; the last principal stays', async () => {
    const window = (await dir.actorFor('demo-window'))!;
    await expect(dir.assignRoles(window, 'demo-teacher', ['staff', 'it'])).rejects.toThrow(/只有管理人/);
    const principal = (await dir.actorFor('demo-principal'))!;
    await expect(dir.assignRoles(principal, 'demo-teacher', ['janitor'])).rejects.toThrow(/沒有這些角色/);
    await expect(dir.assignRoles(principal, 'demo-principal', ['staff'])).rejects.toThrow(/至少要有一位管理人/);
    const updated = await dir.assignRoles(principal, 'demo-teacher', ['staff', 'it']);
    expect(updated.roles).toEqual(['staff', 'it']);
    // The change is on the record, with who made it; refused attempts left nothing there.
    expect(await personHistory(t.db.repos, 'demo-school')).toEqual([
      expect.objectContaining({
        personId: 'demo-teacher',
        actorLabel: '陳校長（示範）',
        changes: { roles: { from: ['staff'], to: ['staff', 'it'] } },
      }),
    ]);
    expect(can({ roles: updated.roles }, 'incident.act')).toBe(true);
  });

  it('permissions follow roles and involvement, never platform ids', () => {
    expect(can({ roles: ['staff'] }, 'incident.report')).toBe(true);
    expect(can({ roles: ['staff'] }, 'incident.view')).toBe(false);
    expect(can({ roles: ['staff'] }, 'incident.view', { isReporter: true })).toBe(true);
    expect(can({ roles: ['staff'] }, 'incident.act', { isOwner: true })).toBe(true);
    expect(can({ roles: ['auditor'] }, 'incident.view')).toBe(true);
    expect(can({ roles: ['auditor'] }, 'incident.act')).toBe(false);
    expect(can({ roles: ['contactWindow'] }, 'incident.close')).toBe(false);
    expect(can({ roles: ['principal'] }, 'incident.close')).toBe(true);
  });
});
