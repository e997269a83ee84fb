import type { z } from 'zod';
import { DataFileError, type YamlErrorAt } from '../data/yaml-file.js';
import { ROLE_KEYS, ROLE_LABELS } from '../roles.js';

/**
 * The roster file's faults as data (issue #18): what is wrong (`code`), where (`path` in the file, the person it is
 * about, the field), and the offending value. The check (roster.ts: the schema's messages are these codes, its own rules
 * add them with their values) produces them; two renderings read them: `rosterFaultEn` for the operator
 * (`npm run people -- import`, English, `people.2.roles.0: unknown role "老闆"; …`) and `rosterFaultZh` for the
 * console's people page (zh-TW, 「第 3 位人員（王老師）的角色（roles）第 1 項：沒有「老闆」這個角色…」). Every code has both
 * (the records below are exhaustive over the codes, and test/core/people/roster-faults.test.ts renders each).
 */
export const ROSTER_FAULT_CODES = [
  'yamlSyntax',
  'required',
  'notText',
  'notBoolean',
  'notList',
  'notMapping',
  'empty',
  'tooLong',
  'unknownKeys',
  'badSchoolId',
  'badPersonId',
  'notEmail',
  'notPhone',
  'notRoleList',
  'notRoleName',
  'noRoles',
  'unknownRole',
  'unknownKind',
  'notPeopleList',
  'noPeople',
  'duplicateName',
  'duplicateId',
  'auditorConflict',
  'noPrincipal',
  'noContactWindow',
  'unknownProfile',
  'profileKindMismatch',
  'demoSchoolId',
  'demoSchool',
  'otherSchool',
  'idOfOtherSchool',
  'nameOnRecord',
  'twoMatch',
  'invalid',
] as const;
export type RosterFaultCode = (typeof ROSTER_FAULT_CODES)[number];

export interface RosterFault {
  code: RosterFaultCode;
  /** The place in the file (`['people', 2, 'roles', 0]`; empty: the whole file). */
  path: (string | number)[];
  /** The person the fault is about: their place in the file (0-based) and the name written there, if any. */
  person?: { index: number; name?: string };
  /** The field concerned (`roles`, `email`, `contactPhone`, …). */
  field?: string;
  /** The offending value as written (a role name, a duplicated name, an id), shortened. */
  value?: string;
  /** What else the message needs: a limit, the other entry, known names, the parser's position. */
  params?: {
    max?: number;
    other?: string;
    keys?: string[];
    known?: string[];
    kind?: string;
    profileKind?: string;
    line?: number;
    col?: number;
    yamlCode?: string;
    /** The parser's or the validator's own English text, for the operator (codes yamlSyntax and invalid). */
    detail?: string;
  };
}

/** A roster that cannot be imported: DataFileError (its `faults` the operator's English lines) with the faults as data. */
export class RosterError extends DataFileError {
  constructor(
    file: string,
    readonly rosterFaults: RosterFault[],
  ) {
    super(file, rosterFaults.map(rosterFaultEn));
    this.name = 'RosterError';
  }
}

const isCode = (s: string): s is RosterFaultCode => (ROSTER_FAULT_CODES as readonly string[]).includes(s);
const shorten = (v: unknown): string | undefined =>
  v === undefined ? undefined : (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v))).slice(0, 60);

function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let v = doc;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** A fault at `path` of the file, with the person and field it concerns read from the path and the document. */
export function rosterFault(
  code: RosterFaultCode,
  path: (string | number)[],
  doc: unknown,
  extra: Pick<RosterFault, 'value' | 'params'> = {},
): RosterFault {
  const f: RosterFault = { code, path };
  if (path[0] === 'people' && typeof path[1] === 'number') {
    const name = valueAt(doc, ['people', path[1], 'name']);
    f.person = { index: path[1], ...(typeof name === 'string' && name.trim() ? { name: name.trim().slice(0, 40) } : {}) };
    if (typeof path[2] === 'string') f.field = path[2];
  } else if (path[0] === 'school' && typeof path[1] === 'string') f.field = path[1];
  if (extra.value !== undefined) f.value = extra.value;
  if (extra.params) f.params = extra.params;
  return f;
}

/** The parser's syntax errors as faults (`at`: where each is, from parseYamlText). */
export function yamlFaults(errors: string[], at: YamlErrorAt[] = []): RosterFault[] {
  return errors.map((detail, i) => {
    const p = at[i];
    return { code: 'yamlSyntax', path: [], params: { detail, ...(p ? { line: p.line, col: p.col, yamlCode: p.code } : {}) } };
  });
}

/**
 * The schema's issues as faults. The roster schema's messages are fault codes (`{ message: 'notEmail' }`) and its own
 * rules add theirs with `params`; what zod says by itself is classified by its issue code (a missing field, a value of
 * the wrong type, keys it does not know); anything else is `invalid`, with zod's English kept for the operator.
 */
export function faultsFromIssues(issues: readonly z.core.$ZodIssue[], doc: unknown): RosterFault[] {
  return issues.map((issue) => {
    const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    const value = valueAt(doc, path);
    const params = (issue.code === 'custom' ? issue.params : undefined) as { value?: string; other?: string; kind?: string } | undefined;
    const extra = (p: RosterFault['params'] = {}, v: unknown = value): Pick<RosterFault, 'value' | 'params'> => ({
      ...(shorten(v) !== undefined ? { value: shorten(v)! } : {}),
      ...(Object.keys(p).length ? { params: p } : {}),
    });
    if (issue.code === 'unrecognized_keys') return rosterFault('unknownKeys', path, doc, { params: { keys: issue.keys } });
    if (issue.code === 'invalid_type' && value === undefined) return rosterFault('required', path, doc);
    if (isCode(issue.message)) {
      const p: RosterFault['params'] = {};
      if (issue.code === 'too_big') p.max = Number(issue.maximum);
      if (params?.other !== undefined) p.other = params.other;
      if (params?.kind !== undefined) p.kind = params.kind;
      return rosterFault(issue.message, path, doc, extra(p, params?.value ?? value));
    }
    if (issue.code === 'invalid_type') {
      const code =
        issue.expected === 'string'
          ? 'notText'
          : issue.expected === 'boolean'
            ? 'notBoolean'
            : issue.expected === 'array'
              ? 'notList'
              : 'notMapping';
      return rosterFault(code, path, doc, extra());
    }
    return rosterFault('invalid', path, doc, extra({ detail: issue.message }));
  });
}

// ------------------------------------------------------------------ English, for the operator

const knownRolesEn = () => ROLE_KEYS.map((k) => `${k} (${ROLE_LABELS[k]})`).join(', ');
const asEn = (kind?: string) => (kind === 'actingApprover' ? 'acting approver' : 'principal');

const EN: Record<RosterFaultCode, (f: RosterFault) => string> = {
  yamlSyntax: (f) => `YAML syntax error: ${f.params?.detail ?? ''}`,
  required: (f) =>
    f.field === 'id' && f.path[0] === 'school'
      ? 'is required: a short id of lowercase letters, digits and "-", e.g. tp-minsheng-jh'
      : 'is required',
  notText: () => 'must be text',
  notBoolean: () => 'must be true or false',
  notList: () => 'must be a list',
  notMapping: () => 'must be a mapping of fields ("field: value")',
  empty: () => 'must not be empty',
  tooLong: (f) => `must be at most ${f.params?.max} characters`,
  unknownKeys: (f) => {
    const keys = (f.params?.keys ?? []).map((k) => `"${k}"`).join(', ');
    return (f.params?.keys?.length ?? 0) > 1 ? `Unrecognized keys: ${keys}` : `Unrecognized key: ${keys}`;
  },
  badSchoolId: () => 'must be 2–63 lowercase letters, digits or "-", starting with a letter or digit (e.g. tp-minsheng-jh)',
  badPersonId: () => 'must be 1–40 letters, digits, "-" or "_"',
  notEmail: (f) =>
    `must be an e-mail address, e.g. ${f.field === 'contactEmail' ? 'privacy@school.example.edu.tw' : 'registry@school.example.edu.tw'}`,
  notPhone: () => 'must be an office telephone number, e.g. "(02)2345-6789 分機 123"',
  notRoleList: () => 'must be a list of roles, e.g. [staff] or [教職員, 個資聯絡窗口]',
  notRoleName: () => 'must be a role name',
  noRoles: () => 'give at least one role (staff for everyone who may report)',
  unknownRole: (f) => `unknown role "${f.value}"; known roles: ${knownRolesEn()}`,
  unknownKind: (f) =>
    f.value === undefined ? 'must be public or private' : `unknown kind "${f.value}"; use public (公立) or private (私立)`,
  notPeopleList: () => 'must be a list of people',
  noPeople: () => 'list at least the principal and the contact window',
  duplicateName: (f) =>
    `"${f.value}" is listed twice (also people.${f.params?.other}); names must be unique in a school, add a unit or a distinguishing mark`,
  duplicateId: (f) => `id "${f.value}" is used twice (also people.${f.params?.other})`,
  auditorConflict: (f) =>
    `"${f.value}" cannot be both auditor and ${asEn(f.params?.kind)}: the auditor must not be the principal (管理人) or act for them`,
  noPrincipal: () => "no active person has the role principal (管理人): notices need the principal's approval",
  noContactWindow: () => 'no active person has the role contactWindow (個資聯絡窗口): the 4-hour report goes to the contact window',
  unknownProfile: (f) => `unknown profile "${f.value}"; known profiles (playbooks/clocks.yaml): ${(f.params?.known ?? []).join(', ')}`,
  profileKindMismatch: (f) =>
    `"${f.value}" is for ${f.params?.profileKind} schools but school.kind is ${f.params?.kind}; use one of ${(f.params?.known ?? []).join(', ')} or leave clockProfile out`,
  demoSchoolId: () => '"demo-school" is the demo school\'s id; give your school its own id',
  demoSchool: (f) => `"${f.value}" is a demo school`,
  otherSchool: (f) => `the file is for school "${f.value}", not ${f.params?.other}`,
  idOfOtherSchool: (f) => `id "${f.value}" (${f.person?.name ?? ''}) belongs to a person of another school (${f.params?.other})`,
  nameOnRecord: (f) => `"${f.person?.name ?? ''}" is already on record with id ${f.params?.other}; use that id, or leave the id out`,
  twoMatch: (f) => `"${f.person?.name ?? ''}" and another entry both match ${f.params?.other}`,
  invalid: (f) => f.params?.detail ?? 'is not valid',
};

/** The operator's line: `people.2.roles.0: unknown role "老闆"; …` (a syntax error has no place). */
export function rosterFaultEn(f: RosterFault): string {
  const text = EN[f.code](f);
  return f.code === 'yamlSyntax' ? text : `${f.path.length ? f.path.join('.') : '(document)'}: ${text}`;
}

// ------------------------------------------------------------------ zh-TW, for the console

const FIELDS: Record<string, string> = {
  id: '編號（id）',
  name: '姓名（name）',
  unit: '單位（unit）',
  email: '電子郵件（email）',
  roles: '角色（roles）',
  active: '是否在職（active）',
  clockProfile: '時限設定（clockProfile）',
  kind: '公私立別（kind）',
  contactPhone: '聯絡電話（contactPhone）',
  contactEmail: '聯絡電子郵件（contactEmail）',
};
const SCHOOL_FIELDS: Record<string, string> = { ...FIELDS, id: '學校代碼（id）', name: '校名（name）' };
const KNOWN_ROLES_ZH = '可用：教職員、個資聯絡窗口、管理人、代理人、稽核人員、資訊組、資料管理人';
const YAML_HINTS: Record<string, string> = {
  DUPLICATE_KEY: '同一層有重複的欄位名稱',
  BAD_INDENT: '縮排不對齊，或括號沒有成對',
  MISSING_CHAR: '缺少括號、引號或冒號',
  TAB_AS_INDENT: '縮排請用空白，不要用 Tab',
};
const other = (f: RosterFault) => (f.params?.other === undefined ? '' : `第 ${Number(f.params.other) + 1} 位人員`);

const ZH: Record<RosterFaultCode, (f: RosterFault) => string> = {
  yamlSyntax: (f) =>
    `YAML 格式錯誤${f.params?.line ? `：第 ${f.params.line} 行第 ${f.params.col} 字附近` : ''}，${YAML_HINTS[f.params?.yamlCode ?? ''] ?? '請檢查縮排、冒號、括號與引號'}`,
  required: () => '必須填寫',
  notText: () => '要寫成文字',
  notBoolean: () => '只能是 true（是）或 false（否）',
  notList: () => '要寫成清單，例如 [甲, 乙]',
  notMapping: () => '要寫成「欄位: 值」的形式',
  empty: () => '不可空白',
  tooLong: (f) => `最多 ${f.params?.max} 個字`,
  unknownKeys: (f) => `不認得的欄位：${(f.params?.keys ?? []).map((k) => `「${k}」`).join('、')}（請檢查拼字）`,
  badSchoolId: () => '學校代碼要用 2 至 63 個小寫英文字母、數字或「-」，例如 tp-minsheng-jh',
  badPersonId: () => '編號要用 1 至 40 個英文字母、數字、「-」或「_」',
  notEmail: (f) => `不是電子郵件地址，例如 ${f.field === 'contactEmail' ? 'privacy' : 'registry'}@school.example.edu.tw`,
  notPhone: () => '不是辦公室電話號碼，例如「(02)2345-6789 分機 123」',
  notRoleList: () => '要寫成角色的清單，例如 [教職員, 個資聯絡窗口]',
  notRoleName: () => '要寫角色名稱',
  noRoles: () => '至少要有一個角色（可報案的人寫「教職員」）',
  unknownRole: (f) => `沒有「${f.value}」這個角色（${KNOWN_ROLES_ZH}）`,
  unknownKind: (f) => `${f.value === undefined ? '' : `沒有「${f.value}」這種學校類別，`}請寫 public（公立）或 private（私立）`,
  notPeopleList: () => '要寫成人員的清單',
  noPeople: () => '至少要列出管理人與個資聯絡窗口',
  duplicateName: (f) => `「${f.value}」出現兩次（另見${other(f)}）；同一校姓名不可重複，請加上單位或註記`,
  duplicateId: (f) => `編號「${f.value}」用了兩次（另見${other(f)}）`,
  auditorConflict: (f) =>
    `稽核人員不得同時是${f.params?.kind === 'actingApprover' ? '管理人的代理人' : '管理人'}（私立學校個資安全維護計畫實施辦法第3條第3項）`,
  noPrincipal: () => '沒有在職的管理人（校長）：通知稿須由管理人核定',
  noContactWindow: () => '沒有在職的個資聯絡窗口：4 小時內的通報由聯絡窗口負責',
  unknownProfile: (f) => `沒有「${f.value}」這個時限設定（可用：${(f.params?.known ?? []).join('、')}）`,
  profileKindMismatch: (f) =>
    `「${f.value}」是${f.params?.profileKind === 'public' ? '公立' : '私立'}學校的時限設定，但公私立別寫的是${f.params?.kind === 'public' ? '公立' : '私立'}；請改用 ${(f.params?.known ?? []).join('、')}，或不寫時限設定`,
  demoSchoolId: () => '「demo-school」是示範學校的代碼，請用貴校自己的代碼',
  demoSchool: () => '示範學校不能以名冊匯入',
  otherSchool: (f) => `名冊是「${f.value}」的，不是您的學校（${f.params?.other}）`,
  idOfOtherSchool: () => '這個編號屬於別校的人員',
  nameOnRecord: (f) => `已有同名人員，編號為 ${f.params?.other}；請用該編號，或不寫編號`,
  twoMatch: (f) => `與另一筆資料都對應到同一位人員（${f.params?.other}）`,
  invalid: () => '內容不符合名冊的格式',
};

/** Where a fault is, in zh-TW: 「第 3 位人員（王老師）的角色（roles）第 1 項」, 「學校的聯絡電話（contactPhone）」. */
function whereZh(f: RosterFault): string {
  const [top, second, , fourth] = f.path;
  if (f.code === 'yamlSyntax' || f.path.length === 0) return '整份檔案';
  if (top === 'people' && f.person) {
    const field = f.field ? `的${FIELDS[f.field] ?? `「${f.field}」欄位`}` : '';
    const item = typeof fourth === 'number' ? `第 ${fourth + 1} 項` : '';
    return `第 ${f.person.index + 1} 位人員${f.person.name ? `（${f.person.name}）` : ''}${field}${item}`;
  }
  if (top === 'people') return '人員名單';
  if (top === 'school') return `學校${typeof second === 'string' ? `的${SCHOOL_FIELDS[second] ?? `「${second}」欄位`}` : ''}`;
  return `「${f.path.join('.')}」`;
}

/** The console's line: the place, then what is wrong, in zh-TW only. */
export function rosterFaultZh(f: RosterFault): string {
  return `${whereZh(f)}：${ZH[f.code](f)}`;
}
