import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/app/logger.js';
import { loadClockRules } from '../../../src/core/clocks/index.js';
import { PeopleAdmin, planDigest, ROSTER_CHANGED } from '../../../src/core/people/admin.js';
import { PeopleDirectory } from '../../../src/core/people/directory.js';
import { applyRoster, parseRoster } from '../../../src/core/people/roster.js';
import type { Actor } from '../../../src/core/roles.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const clockRules = loadClockRules(join(ROOT, 'playbooks', 'clocks.yaml'));

const ROSTER = `school:
  id: tp-admin-jh
  name: 管理測試國中
  kind: private
people:
  - name: 陳校長
    roles: [校長]
  - name: 李組長
    roles: [教職員, 個資聯絡窗口]
  - name: 王老師
    roles: [staff]
  - name: 林稽核
    roles: [稽核人員]
`;

/** PeopleAdmin (the console's people page): every step checks roles itself and lands on the record of changes. */
describe('people admin (console point 6)', () => {
  let t: TestDatabase;
  let admin: PeopleAdmin;
  const actors: Record<string, Actor> = {};
  let clock = new Date('2026-12-01T02:00:00Z');

  beforeAll(async () => {
    t = await createTestDatabase();
    const profiles = clockRules.profiles.map((p) => ({ id: p.id, schoolKind: p.schoolKind }));
    await applyRoster(t.db, parseRoster('r.yaml', ROSTER, profiles), { defaultClockProfile: 'private-school' });
    admin = new PeopleAdmin({ repos: t.db.repos, log: createLogger({ level: 'silent' }), now: () => clock, clockRules });
    const dir = new PeopleDirectory(t.db.repos);
    for (const p of await t.db.repos.people.inSchool('tp-admin-jh')) actors[p.displayName] = (await dir.actorFor(p.id))!;
  });
  afterAll(async () => t.destroy());

  it('who may see and do what: staff nothing, the auditor reads, the contact window codes, the principal roles', async () => {
    await expect(admin.roster(actors.王老師!)).rejects.toThrow(/限管理人/);
    expect((await admin.roster(actors.林稽核!)).map((p) => p.displayName)).toContain('王老師');
    await expect(admin.issueCode(actors.林稽核!, actors.王老師!.personId)).rejects.toThrow(/綁定碼與帳號綁定限/);
    await expect(admin.setRoles(actors.李組長!, actors.王老師!.personId, ['staff', 'it'])).rejects.toThrow(/只有管理人/);
    await expect(admin.previewRoster(actors.李組長!, ROSTER, false)).rejects.toThrow(/只有管理人/);
  });

  it('the roster a page at a time, searched by name or unit in any case, with the school’s counts', async () => {
    const window = actors.李組長!;
    const all = await admin.rosterPage(window, { offset: 0, limit: 50 });
    expect(all).toMatchObject({ matching: 4, active: 4, inactive: 0 });
    expect(all.people.map((p) => p.displayName)).toEqual((await admin.roster(window)).map((p) => p.displayName));
    const two = await admin.rosterPage(window, { offset: 2, limit: 2 });
    expect(two.people.map((p) => p.displayName)).toEqual(all.people.slice(2, 4).map((p) => p.displayName));
    expect((await admin.rosterPage(window, { q: '王', offset: 0, limit: 50 })).people.map((p) => p.displayName)).toEqual(['王老師']);
    await t.db.repos.people.update(actors.林稽核!.personId, { unit: 'Audit Office' });
    const byUnit = await admin.rosterPage(window, { q: 'audit', offset: 0, limit: 50 });
    expect(byUnit).toMatchObject({ matching: 1, active: 4 });
    expect(byUnit.people.map((p) => p.displayName)).toEqual(['林稽核']);
    await t.db.repos.people.update(actors.林稽核!.personId, { unit: null });
    await expect(admin.rosterPage(actors.王老師!, { offset: 0, limit: 50 })).rejects.toThrow(/限管理人/);
  });

  it('binding codes: issued, listed without the code, revoked; a used code is gone from the list', async () => {
    const window = actors.李組長!;
    const r = await admin.issueCode(window, actors.王老師!.personId);
    expect(r.code).toMatch(/^\d{6}$/);
    const open = await admin.openCodes(window);
    expect(open).toEqual([expect.objectContaining({ personName: '王老師', createdById: window.personId })]);
    expect(JSON.stringify(open)).not.toContain(r.code);
    await admin.revokeCode(window, open[0]!.id);
    expect(await admin.openCodes(window)).toEqual([]);
    await expect(admin.revokeCode(window, open[0]!.id)).rejects.toThrow(/已使用、已作廢/);
    // Both on the person's record: who, until when; never the code nor its hash.
    const until = r.expiresAt.toISOString();
    const [revoked, issued] = await admin.history(window);
    expect(issued).toMatchObject({ personName: '王老師', actorLabel: '李組長', changes: { bindingCode: { from: null, to: until } } });
    expect(revoked).toMatchObject({ personName: '王老師', actorLabel: '李組長', changes: { bindingCode: { from: until, to: null } } });
    const rows = await t.db.prisma.personChange.findMany({ where: { personId: actors.王老師!.personId } });
    expect(rows.filter((row) => JSON.stringify(row.changes).includes('bindingCode'))).toHaveLength(2);
    const stored = await t.db.prisma.bindingCode.findFirstOrThrow({ where: { personId: actors.王老師!.personId } });
    for (const row of rows) {
      expect(JSON.stringify(row)).not.toContain(r.code);
      expect(JSON.stringify(row)).not.toContain(stored.codeHash);
    }
    // A second code replaces the first while unused: the entry says until when the earlier one was valid.
    const first = await admin.issueCode(window, actors.王老師!.personId);
    clock = new Date(clock.getTime() + 60_000);
    const second = await admin.issueCode(window, actors.王老師!.personId);
    expect((await admin.history(window))[0]).toMatchObject({
      changes: { bindingCode: { from: first.expiresAt.toISOString(), to: second.expiresAt.toISOString() } },
    });
    await admin.revokeCode(window, (await admin.openCodes(window))[0]!.id);
  });

  it('unlinking a chat account is on the record; another school cannot unlink it', async () => {
    const window = actors.李組長!;
    const teacher = actors.王老師!;
    await t.db.repos.bindings.link(teacher.personId, { platform: 'line', externalId: 'U-wang' }, 'ident-wang');
    await expect(admin.unlink({ ...window, schoolId: 'other-school' }, 'ident-wang')).rejects.toThrow(/找不到/);
    const r = await admin.unlink(window, 'ident-wang');
    expect(r.platform).toBe('line');
    expect((await admin.roster(window)).find((p) => p.id === teacher.personId)!.identities).toEqual([]);
    expect((await admin.history(window))[0]).toMatchObject({
      personName: '王老師',
      actorLabel: '李組長',
      changes: { account: { from: 'line', to: null } },
    });
  });

  it('the last principal and the last contact window stay; nobody deactivates themselves', async () => {
    const principal = actors.陳校長!;
    await expect(admin.setRoles(principal, actors.李組長!.personId, ['staff'])).rejects.toThrow(/至少要有一位個資聯絡窗口/);
    await expect(admin.setActive(principal, actors.李組長!.personId, false)).rejects.toThrow(/至少要有一位個資聯絡窗口/);
    await expect(admin.setActive(principal, principal.personId, false)).rejects.toThrow(/不能停用自己/);
    await expect(admin.setRoles(principal, principal.personId, ['staff'])).rejects.toThrow(/至少要有一位管理人/);
    const p = await admin.setActive(principal, actors.王老師!.personId, false);
    expect(p.active).toBe(false);
    await expect(admin.issueCode(principal, p.id)).rejects.toThrow(/已停用/);
    expect((await admin.history(principal))[0]).toMatchObject({ actorLabel: '陳校長', changes: { active: { from: true, to: false } } });
    await admin.setActive(principal, p.id, true);
  });

  it('roster import: the preview writes nothing, faults in zh-TW per row, the confirmation applies the preview only', async () => {
    const principal = actors.陳校長!;
    const bad = await admin.previewRoster(principal, ROSTER.replace('roles: [staff]', 'roles: [老闆]'), false);
    expect(bad).toEqual({
      ok: false,
      faults: [expect.stringMatching(/^第 3 位人員（王老師）的角色（roles）第 1 項：沒有「老闆」這個角色/)],
    });
    const other = await admin.previewRoster(principal, ROSTER.replace('tp-admin-jh', 'tp-other-jh'), false);
    expect(other).toEqual({ ok: false, faults: [expect.stringContaining('不是您的學校')] });

    const next = `${ROSTER.replace('roles: [staff]', 'roles: [staff, 資訊組]')}  - name: 張老師\n    roles: [教職員]\n`;
    const before = (await admin.history(principal)).length;
    const preview = await admin.previewRoster(principal, next, true);
    if (!preview.ok) throw new Error(preview.faults.join('\n'));
    expect(preview.plan.people.map((p) => [p.name, p.action])).toEqual([
      ['陳校長', 'unchanged'],
      ['李組長', 'unchanged'],
      ['王老師', 'update'],
      ['林稽核', 'unchanged'],
      ['張老師', 'create'],
    ]);
    expect((await admin.history(principal)).length).toBe(before);
    await expect(admin.importRoster(principal, next.replace('張老師', '張老師甲'), true, preview.digest)).rejects.toThrow(ROSTER_CHANGED);
    const done = await admin.importRoster(principal, next, true, preview.digest);
    expect(done.ok && planDigest(done.plan)).toBe(preview.digest);
    const history = await admin.history(principal);
    expect(history.length).toBe(before + 2);
    // Made by the principal in the product: their name and id, not the operator's.
    expect(history.every((h, i) => i >= 2 || h.actorLabel === '陳校長')).toBe(true);
    const row = await t.db.prisma.personChange.findFirstOrThrow({ where: { schoolId: 'tp-admin-jh' }, orderBy: { at: 'desc' } });
    expect(row.actorPersonId).toBe(principal.personId);
    clock = new Date(clock.getTime() + 1000);
  });
});
