import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../../src/app/demo.js';
import { DataFileError } from '../../../src/core/data/yaml-file.js';
import { BindingService } from '../../../src/core/people/binding.js';
import { PeopleDirectory } from '../../../src/core/people/directory.js';
import { applyRoster, parseRoster, roleFromName } from '../../../src/core/people/roster.js';
import { OPERATOR_CODE_ACTOR, personHistory, ROSTER_IMPORT_ACTOR } from '../../../src/core/people/history.js';
import { createLogger } from '../../../src/app/logger.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const EXAMPLE_FILE = join(ROOT, 'docs', 'examples', 'roster.example.yaml');
const PROFILES = ['private-school', 'public-school'];
const OPTS = { defaultClockProfile: 'private-school' };

const roster = (yaml: string) => parseRoster('roster.yaml', yaml, PROFILES);
const faults = (yaml: string): string[] => {
  try {
    roster(yaml);
  } catch (err) {
    if (err instanceof DataFileError) return err.faults;
    throw err;
  }
  throw new Error('expected the roster to be refused');
};

const BASE = `school:
  id: tp-test-jh
  name: 測試國中
  contactPhone: (02)2345-6789 分機 123
people:
  - name: 陳校長
    roles: [校長]
  - name: 李組長
    unit: 註冊組
    roles: [教職員, 個資聯絡窗口]
  - name: 王老師
    roles: [staff]
`;

describe('school roster file', () => {
  it('the documented example parses, with Chinese role names mapped to the role keys', () => {
    const r = parseRoster(EXAMPLE_FILE, readFileSync(EXAMPLE_FILE, 'utf8'), PROFILES);
    expect(r.school).toEqual({
      id: 'tp-example-jh',
      name: '臺北市私立範例國民中學',
      kind: 'private',
      clockProfile: 'private-school',
      contactPhone: '(02)2345-6789 分機 123',
      contactEmail: 'privacy@example-jh.example.edu.tw',
    });
    expect(Object.fromEntries(r.people.map((p) => [p.name, p.roles]))).toEqual({
      陳校長: ['principal'],
      李組長: ['staff', 'contactWindow'],
      周主任: ['staff', 'actingApprover'],
      林老師: ['staff', 'it'],
      黃主任: ['staff', 'dataManager'],
      張主任: ['staff', 'auditor'],
      王老師: ['staff'],
    });
    expect(roleFromName(' 個資聯絡窗口 ')).toBe('contactWindow');
    expect(roleFromName('ContactWindow')).toBe('contactWindow');
    expect(roleFromName('janitor')).toBeNull();
  });

  it('every fault is named with its place in the file', () => {
    expect(
      faults(
        BASE.replace('tp-test-jh', 'Test School').replace('(02)2345-6789 分機 123', 'call me').replace('roles: [staff]', 'roles: [老闆]'),
      ),
    ).toEqual([
      'school.id: must be 2–63 lowercase letters, digits or "-", starting with a letter or digit (e.g. tp-minsheng-jh)',
      'school.contactPhone: must be an office telephone number, e.g. "(02)2345-6789 分機 123"',
      expect.stringMatching(/^people\.2\.roles\.0: unknown role "老闆"; known roles: staff \(教職員\), contactWindow/),
    ]);
    expect(faults(`${BASE}  - name: 陳校長\n    roles: [稽核人員, 管理人]\n`)).toEqual([
      'people.3.name: "陳校長" is listed twice (also people.0); names must be unique in a school, add a unit or a distinguishing mark',
      'people.3.roles: "陳校長" cannot be both auditor and principal: the auditor must not be the principal (管理人) or act for them',
    ]);
    expect(faults(`${BASE}  - name: 吳主任\n    roles: [稽核人員, 代理人]\n`)).toEqual([
      'people.3.roles: "吳主任" cannot be both auditor and acting approver: the auditor must not be the principal (管理人) or act for them',
    ]);
    expect(
      faults(
        BASE.replace('  contactPhone', '  contactEmail: privacy at school\n  kind: 公營\n  contactPhone').replace(
          '    unit: 註冊組',
          '    unit: 註冊組\n    email: 李組長@學校',
        ),
      ),
    ).toEqual([
      'school.kind: unknown kind "公營"; use public (公立) or private (私立)',
      'school.contactEmail: must be an e-mail address, e.g. privacy@school.example.edu.tw',
      'people.1.email: must be an e-mail address, e.g. registry@school.example.edu.tw',
    ]);
    expect(faults(BASE.replace('roles: [校長]', 'roles: [staff]').replace('roles: [教職員, 個資聯絡窗口]', 'roles: [staff]'))).toEqual([
      "people: no active person has the role principal (管理人): notices need the principal's approval",
      'people: no active person has the role contactWindow (個資聯絡窗口): the 4-hour report goes to the contact window',
    ]);
    expect(faults(BASE.replace('  contactPhone', '  clockProfile: public-schol\n  contactPhone'))).toEqual([
      'school.clockProfile: unknown profile "public-schol"; known profiles (playbooks/clocks.yaml): private-school, public-school',
    ]);
    expect(faults(BASE.replace('tp-test-jh', 'demo-school'))).toEqual([expect.stringContaining('the demo school')]);
    expect(faults('school: [\n')).toEqual([expect.stringMatching(/^YAML syntax error/)]);
    expect(faults(`${BASE}extra: 1\n`)).toEqual(['(document): Unrecognized key: "extra"']);
  });
});

describe('the kind of school chooses the rules that bind it', () => {
  const KINDS = [
    { id: 'private-school', schoolKind: 'private' as const },
    { id: 'pdpa-2025-draft', schoolKind: 'private' as const },
    { id: 'public-school', schoolKind: 'public' as const },
    { id: 'public-school-pdpa-2025-draft', schoolKind: 'public' as const },
  ];
  const parse = (yaml: string) => parseRoster('roster.yaml', yaml, KINDS);
  const withSchool = (lines: string) => BASE.replace('  contactPhone', `${lines}\n  contactPhone`);

  it('the kind alone picks the plain profile for that kind; 公立／私立 are understood', () => {
    expect(parse(withSchool('  kind: public')).school).toMatchObject({ kind: 'public', clockProfile: 'public-school' });
    expect(parse(withSchool('  kind: 私立')).school).toMatchObject({ kind: 'private', clockProfile: 'private-school' });
    expect(parse(withSchool('  kind: 公立\n  clockProfile: public-school-pdpa-2025-draft')).school).toMatchObject({
      kind: 'public',
      clockProfile: 'public-school-pdpa-2025-draft',
    });
    // A profile alone tells the kind.
    expect(parse(withSchool('  clockProfile: public-school')).school).toMatchObject({ kind: 'public', clockProfile: 'public-school' });
    expect(parse(BASE).school.kind).toBeUndefined();
  });

  it('a profile written for the other kind of school is refused, naming the ones that fit', () => {
    try {
      parse(withSchool('  kind: public\n  clockProfile: pdpa-2025-draft'));
      throw new Error('expected a fault');
    } catch (err) {
      expect((err as DataFileError).faults).toEqual([
        'school.clockProfile: "pdpa-2025-draft" is for private schools but school.kind is public; use one of public-school, public-school-pdpa-2025-draft or leave clockProfile out',
      ]);
    }
  });
});

describe('applying a roster', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await seedDemo(t.db);
  });
  afterAll(async () => t.destroy());

  const people = async () =>
    Object.fromEntries(
      (await t.db.prisma.person.findMany({ where: { schoolId: 'tp-test-jh' } })).map((p) => [
        p.displayName,
        { unit: p.unit, roles: p.roles, active: p.active, id: p.id },
      ]),
    );

  it('a dry run writes nothing; the first import creates the school and its people; the same file again changes nothing', async () => {
    const dry = await applyRoster(t.db, roster(BASE), { ...OPTS, dryRun: true });
    expect(dry.school.action).toBe('create');
    expect(dry.people.map((p) => [p.name, p.action])).toEqual([
      ['陳校長', 'create'],
      ['李組長', 'create'],
      ['王老師', 'create'],
    ]);
    expect(await t.db.prisma.school.findUnique({ where: { id: 'tp-test-jh' } })).toBeNull();

    const first = await applyRoster(t.db, roster(BASE), OPTS);
    expect(first.changed).toBe(true);
    const school = await t.db.prisma.school.findUniqueOrThrow({ where: { id: 'tp-test-jh' } });
    expect(school).toMatchObject({
      name: '測試國中',
      clockProfile: 'private-school',
      contactPhone: '(02)2345-6789 分機 123',
      isDemo: false,
    });
    expect(await people()).toMatchObject({
      陳校長: { unit: null, roles: ['principal'], active: true },
      李組長: { unit: '註冊組', roles: ['staff', 'contactWindow'], active: true },
      王老師: { unit: null, roles: ['staff'], active: true },
    });

    const again = await applyRoster(t.db, roster(BASE), OPTS);
    expect(again.changed).toBe(false);
    expect(again.school.action).toBe('unchanged');
    expect(again.people.every((p) => p.action === 'unchanged')).toBe(true);
    // The demo school is untouched.
    expect(await t.db.prisma.person.count({ where: { schoolId: 'demo-school' } })).toBe(6);
  });

  it('changes are applied person by person; people left out are kept unless asked to deactivate them', async () => {
    const before = await people();
    const edited = BASE.replace('unit: 註冊組', 'unit: 教務處註冊組').replace(
      '  - name: 王老師\n    roles: [staff]\n',
      '  - name: 林老師\n    roles: [staff, it]\n',
    );
    const plan = await applyRoster(t.db, roster(edited), OPTS);
    expect(plan.people.map((p) => [p.name, p.action, p.changes])).toEqual([
      ['陳校長', 'unchanged', []],
      ['李組長', 'update', [{ field: 'unit', from: '註冊組', to: '教務處註冊組' }]],
      [
        '林老師',
        'create',
        [
          { field: 'roles', from: '(none)', to: '[staff, it]' },
          { field: 'active', from: '(none)', to: 'true' },
        ],
      ],
      ['王老師', 'not in file', []],
    ]);
    const after = await people();
    expect(after.李組長).toEqual({ ...before.李組長, unit: '教務處註冊組' });
    expect(after.王老師!.active).toBe(true);

    const pruned = await applyRoster(t.db, roster(edited), { ...OPTS, deactivateMissing: true });
    expect(pruned.people.find((p) => p.name === '王老師')).toMatchObject({ action: 'deactivate' });
    expect((await people()).王老師!.active).toBe(false);
    // An inactive person can no longer act.
    expect(await new PeopleDirectory(t.db.repos).actorFor(before.王老師!.id)).toBeNull();

    // Back in the file: the same person again (same id), active.
    const back = await applyRoster(t.db, roster(BASE.replace('unit: 註冊組', 'unit: 教務處註冊組')), OPTS);
    expect(back.people.find((p) => p.name === '王老師')).toMatchObject({
      action: 'update',
      id: before.王老師!.id,
      changes: [{ field: 'active', from: 'false', to: 'true' }],
    });
    expect((await people()).王老師!.active).toBe(true);
  });

  it('people matched by id can be renamed; an id that clashes with a namesake or another school is refused, and nothing is written', async () => {
    const { 王老師: wang } = await people();
    const renamed = BASE.replace('unit: 註冊組', 'unit: 教務處註冊組').replace(
      '  - name: 王老師\n',
      `  - id: ${wang!.id}\n    name: 王小明老師\n`,
    );
    const plan = await applyRoster(t.db, roster(renamed), OPTS);
    expect(plan.people.find((p) => p.id === wang!.id)).toMatchObject({
      name: '王小明老師',
      action: 'update',
      changes: [{ field: 'name', from: '王老師', to: '王小明老師' }],
    });

    const clash = BASE.replace('unit: 註冊組', 'unit: 教務處註冊組').replace(
      '  - name: 李組長\n',
      '  - id: someone-else\n    name: 李組長\n',
    );
    await expect(applyRoster(t.db, roster(clash), OPTS)).rejects.toThrow(
      /"李組長" is already on record with id .+; use that id, or leave the id out/,
    );
    const otherSchool = BASE.replace('  - name: 王老師\n', '  - id: demo-teacher\n    name: 王老師\n');
    await expect(applyRoster(t.db, roster(otherSchool), OPTS)).rejects.toThrow(/belongs to a person of another school \(demo-school\)/);
    // Still as before the refused files.
    expect((await people()).李組長!.unit).toBe('教務處註冊組');
  });

  it('the imported principal and contact window can be given binding codes; the school keeps its clock profile unless the file sets one', async () => {
    const binding = new BindingService({ repos: t.db.repos, log: createLogger({ level: 'silent' }), now: () => new Date() });
    const code = await binding.issueCodeByOperator('tp-test-jh', '李組長');
    expect(code.code).toMatch(/^\d{6}$/);
    expect(code.person.roles).toContain('contactWindow');
    await applyRoster(t.db, roster(BASE.replace('  contactPhone', '  clockProfile: public-school\n  contactPhone')), OPTS);
    await applyRoster(t.db, roster(BASE), { defaultClockProfile: 'private-school' });
    expect((await t.db.prisma.school.findUniqueOrThrow({ where: { id: 'tp-test-jh' } })).clockProfile).toBe('public-school');
  });

  it("the school's kind, e-mail and an acting approver are imported, and the role change is on the record of people", async () => {
    const file = BASE.replace('tp-test-jh', 'tp-kind-jh').replace(
      '  contactPhone',
      '  kind: public\n  contactEmail: privacy@kind-jh.example.edu.tw\n  contactPhone',
    );
    const kinds = [
      { id: 'private-school', schoolKind: 'private' as const },
      { id: 'public-school', schoolKind: 'public' as const },
    ];
    const first = await applyRoster(t.db, parseRoster('roster.yaml', file, kinds), OPTS);
    expect(first.school.changes).toEqual(
      expect.arrayContaining([
        { field: 'kind', from: '(none)', to: 'public' },
        { field: 'clockProfile', from: '(none)', to: 'public-school' },
        { field: 'contactEmail', from: '(none)', to: 'privacy@kind-jh.example.edu.tw' },
      ]),
    );
    expect(await t.db.prisma.school.findUniqueOrThrow({ where: { id: 'tp-kind-jh' } })).toMatchObject({
      kind: 'public',
      clockProfile: 'public-school',
      contactEmail: 'privacy@kind-jh.example.edu.tw',
    });
    const deputy = file.replace(
      '  - name: 王老師\n    roles: [staff]',
      '  - name: 王老師\n    email: wang@kind-jh.example.edu.tw\n    roles: [staff, 代理人]',
    );
    const second = await applyRoster(t.db, parseRoster('roster.yaml', deputy, kinds), OPTS);
    expect(second.people.find((p) => p.name === '王老師')!.changes).toEqual([
      { field: 'email', from: '(none)', to: 'wang@kind-jh.example.edu.tw' },
      { field: 'roles', from: '[staff]', to: '[staff, actingApprover]' },
    ]);
    const history = await personHistory(t.db.repos, 'tp-kind-jh');
    expect(history[0]!.changes).toEqual({
      email: { from: null, to: 'wang@kind-jh.example.edu.tw' },
      roles: { from: ['staff'], to: ['staff', 'actingApprover'] },
    });
    expect(history[0]!.actorLabel).toBe(ROSTER_IMPORT_ACTOR);
  });

  it('a large school (402 people) is imported in one transaction, and again with nothing to change', async () => {
    const many = Array.from(
      { length: 400 },
      (_, i) => `  - name: 教師${String(i + 1).padStart(3, '0')}\n    unit: 第${(i % 30) + 1}班\n    roles: [staff]\n`,
    ).join('');
    const big = `school:\n  id: tp-big-hs\n  name: 大型高中\npeople:\n  - name: 校長\n    roles: [principal]\n  - name: 組長\n    roles: [staff, contactWindow]\n${many}`;
    const first = await applyRoster(t.db, roster(big), OPTS);
    expect(first.people.filter((p) => p.action === 'create')).toHaveLength(402);
    expect(await t.db.prisma.person.count({ where: { schoolId: 'tp-big-hs' } })).toBe(402);
    expect((await applyRoster(t.db, roster(big), OPTS)).changed).toBe(false);
  });

  it('every change to people is kept, oldest to newest, on a record that cannot be altered', async () => {
    const all = (await personHistory(t.db.repos, 'tp-test-jh')).reverse();
    // The operator's binding code for 李組長 is on the record too, under the operator (never the code).
    const codes = all.filter((h) => h.changes.bindingCode);
    expect(codes).toEqual([expect.objectContaining({ personName: '李組長', actorLabel: OPERATOR_CODE_ACTOR })]);
    const history = all.filter((h) => !h.changes.bindingCode);
    const of = (name: string) => history.filter((h) => h.personName === name).map((h) => h.changes);
    expect(history.every((h) => h.actorLabel === ROSTER_IMPORT_ACTOR)).toBe(true);
    expect(of('陳校長')).toEqual([
      { name: { from: null, to: '陳校長' }, roles: { from: null, to: ['principal'] }, active: { from: null, to: true } },
    ]);
    expect(of('李組長').slice(0, 2)).toEqual([
      {
        name: { from: null, to: '李組長' },
        unit: { from: null, to: '註冊組' },
        roles: { from: null, to: ['staff', 'contactWindow'] },
        active: { from: null, to: true },
      },
      { unit: { from: '註冊組', to: '教務處註冊組' } },
    ]);
    // 王老師 was renamed 王小明老師 (the record shows the current name): created, deactivated, back, renamed.
    expect(of('王小明老師')).toEqual([
      { name: { from: null, to: '王老師' }, roles: { from: null, to: ['staff'] }, active: { from: null, to: true } },
      { active: { from: true, to: false } },
      { active: { from: false, to: true } },
      { name: { from: '王老師', to: '王小明老師' } },
    ]);
    // Importing an unchanged file adds nothing.
    const before = all.length;
    await applyRoster(t.db, roster(BASE), OPTS);
    await applyRoster(t.db, roster(BASE), OPTS);
    expect((await personHistory(t.db.repos, 'tp-test-jh')).length).toBe(before);
    await expect(t.db.sql.exec(`UPDATE person_change SET actor_label = 'someone else'`)).rejects.toThrow(/append-only/);
    await expect(t.db.sql.exec(`DELETE FROM person_change`)).rejects.toThrow(/append-only/);
  });
});
