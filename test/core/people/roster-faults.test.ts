import { describe, expect, it } from 'vitest';
import { parseRoster } from '../../../src/core/people/roster.js';
import { ROSTER_FAULT_CODES, RosterError, rosterFaultEn, rosterFaultZh, type RosterFault } from '../../../src/core/people/roster-faults.js';

const PROFILES = ['private-school', 'public-school'];
/** English words the operator's text uses: none may reach the zh-TW page. */
const ENGLISH = /\b(must|unknown|is|are|the|give|list|use|cannot|required|invalid|unrecognized|syntax|error|expected|received)\b/i;

const faultsOf = (yaml: string): RosterFault[] => {
  try {
    parseRoster('roster.yaml', yaml, PROFILES);
  } catch (err) {
    if (err instanceof RosterError) return err.rosterFaults;
    throw err;
  }
  throw new Error('expected the roster to be refused');
};

describe('roster faults are data, rendered in English for the operator and zh-TW for the page', () => {
  it('every fault code has a zh-TW rendering with no English in it, and an English one', () => {
    const seen = new Set<string>();
    for (const code of ROSTER_FAULT_CODES) {
      const fault: RosterFault = {
        code,
        path: ['people', 2, 'roles', 0],
        person: { index: 2, name: '王老師' },
        field: 'roles',
        value: '某值',
        params: {
          max: 40,
          other: '1',
          keys: ['faks'],
          known: ['私立範本'],
          kind: 'public',
          profileKind: 'private',
          line: 2,
          col: 1,
          yamlCode: 'BAD_INDENT',
          detail: 'Some English detail from the parser',
        },
      };
      const zh = rosterFaultZh(fault);
      const [place, ...rest] = zh.split('：');
      const said = rest.join('：');
      expect(place, code).toMatch(/[\u4e00-\u9fff]/);
      expect(said, code).toMatch(/[\u4e00-\u9fff]/);
      expect(said, code).not.toMatch(ENGLISH);
      expect(zh, code).not.toContain('Some English detail');
      seen.add(said);
      const en = rosterFaultEn(fault);
      expect(en.length, code).toBeGreaterThan(5);
      expect(en, code).not.toBe(zh);
    }
    // Each code says something of its own.
    expect(seen.size).toBe(ROSTER_FAULT_CODES.length);
  });

  it('a file with several faults: each with its code, person, field and value, in both languages', () => {
    // (The duplicated 陳校長 is found once the entries themselves are right: the file-wide rules run last.)
    const text = `school:
  id: Bad School
  name: 測試國中
  fax: 1234
people:
  - name: 陳校長
    roles: [校長]
  - name: 李組長
    email: li@
    roles: [教職員, 個資聯絡窗口]
  - name: 王老師
    active: maybe
    roles: [老闆]
  - name: 陳校長
    roles: []
`;
    const faults = faultsOf(text);
    expect(faults.map((f) => [f.code, f.person?.index ?? null, f.field ?? null, f.value ?? null])).toEqual([
      ['badSchoolId', null, 'id', 'Bad School'],
      ['unknownKeys', null, null, null],
      ['notEmail', 1, 'email', 'li@'],
      ['unknownRole', 2, 'roles', '老闆'],
      ['notBoolean', 2, 'active', 'maybe'],
      ['noRoles', 3, 'roles', '[]'],
    ]);
    expect(faults.map(rosterFaultEn)).toEqual([
      'school.id: must be 2–63 lowercase letters, digits or "-", starting with a letter or digit (e.g. tp-minsheng-jh)',
      'school: Unrecognized key: "fax"',
      'people.1.email: must be an e-mail address, e.g. registry@school.example.edu.tw',
      expect.stringMatching(/^people\.2\.roles\.0: unknown role "老闆"; known roles: staff \(教職員\)/),
      'people.2.active: must be true or false',
      'people.3.roles: give at least one role (staff for everyone who may report)',
    ]);
    expect(faults.map(rosterFaultZh)).toEqual([
      '學校的學校代碼（id）：學校代碼要用 2 至 63 個小寫英文字母、數字或「-」，例如 tp-minsheng-jh',
      '學校：不認得的欄位：「fax」（請檢查拼字）',
      '第 2 位人員（李組長）的電子郵件（email）：不是電子郵件地址，例如 registry@school.example.edu.tw',
      '第 3 位人員（王老師）的角色（roles）第 1 項：沒有「老闆」這個角色（可用：教職員、個資聯絡窗口、管理人、代理人、稽核人員、資訊組、資料管理人）',
      '第 3 位人員（王老師）的是否在職（active）：只能是 true（是）或 false（否）',
      '第 4 位人員（陳校長）的角色（roles）：至少要有一個角色（可報案的人寫「教職員」）',
    ]);
  });

  it('syntax errors, missing fields and wrong types are faults with codes too, never zod or the parser in the page text', () => {
    const syntax = faultsOf('school: [\n');
    expect(syntax).toEqual([expect.objectContaining({ code: 'yamlSyntax', params: expect.objectContaining({ line: 2, col: 1 }) })]);
    expect(rosterFaultEn(syntax[0]!)).toMatch(/^YAML syntax error: Flow sequence/);
    expect(rosterFaultZh(syntax[0]!)).toBe('整份檔案：YAML 格式錯誤：第 2 行第 1 字附近，縮排不對齊，或括號沒有成對');
    const missing = faultsOf('school:\n  name: 測試國中\npeople:\n  - roles: [staff]\n  - 王老師\n');
    expect(missing.map((f) => [f.code, f.path.join('.')])).toEqual([
      ['required', 'school.id'],
      ['required', 'people.0.name'],
      ['notMapping', 'people.1'],
    ]);
    expect(missing.map(rosterFaultZh)).toEqual([
      '學校的學校代碼（id）：必須填寫',
      '第 1 位人員的姓名（name）：必須填寫',
      '第 2 位人員：要寫成「欄位: 值」的形式',
    ]);
  });
});
