import { parseYamlText } from '../data/yaml-file.js';

/**
 * The roster file's faults for the console (zh-TW), one per line with its place: 「第 3 位人員（王老師）的角色」 rather
 * than `people.2.roles`. The faults themselves are the ones `npm run people -- import` prints (src/core/people/roster.ts,
 * in English for the operator); the common ones are said in zh-TW here, any other keeps its English text after the
 * place, so nothing the check found is lost.
 */
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

const MESSAGES: [RegExp, (m: RegExpExecArray) => string][] = [
  [
    /^unknown role "(.*)"; known roles/,
    (m) => `沒有「${m[1]}」這個角色（可用：教職員、個資聯絡窗口、管理人、代理人、稽核人員、資訊組、資料管理人）`,
  ],
  [/^Required$|^Invalid input: expected \w+, received undefined$|is required/, () => '必須填寫'],
  [/^must not be empty$/, () => '不可空白'],
  [/^must be at most (\d+) characters$/, (m) => `最多 ${m[1]} 個字`],
  [/^must be an e-mail address/, () => '不是電子郵件地址'],
  [/^must be an office telephone number/, () => '不是辦公室電話號碼，例如「(02)2345-6789 分機 123」'],
  [/^must be true or false$/, () => '只能是 true 或 false'],
  [/^give at least one role/, () => '至少要有一個角色（可報案的人寫「教職員」）'],
  [/^must be a list of roles/, () => '要寫成角色的清單，例如 [教職員, 個資聯絡窗口]'],
  [/^"(.*)" is listed twice/, (m) => `「${m[1]}」出現兩次；同一校姓名不可重複，請加上單位或註記`],
  [/^id "(.*)" is used twice/, (m) => `編號「${m[1]}」用了兩次`],
  [/cannot be both auditor and/, () => '稽核人員不得同時是管理人或其代理人（私立學校個資安全維護計畫實施辦法第3條第3項）'],
  [/^no active person has the role principal/, () => '沒有在職的管理人（校長）：通知稿須由管理人核定'],
  [/^no active person has the role contactWindow/, () => '沒有在職的個資聯絡窗口：4 小時內的通報由聯絡窗口負責'],
  [/^list at least the principal/, () => '至少要列出管理人與個資聯絡窗口'],
  [/^unknown kind "(.*)"/, (m) => `沒有「${m[1]}」這種學校類別，請寫 public（公立）或 private（私立）`],
  [/^unknown profile "(.*)"/, (m) => `沒有「${m[1]}」這個時限設定`],
  [/^Unrecognized key(?:s)?:? (.*)/i, (m) => `不認得的欄位：${m[1]}`],
  [/^YAML syntax error: (.*)/, (m) => `YAML 格式錯誤：${m[1]}`],
  [/is a demo school|the demo school's id/, () => '示範學校不能以名冊匯入'],
  [/belongs to a person of another school/, () => '這個編號屬於別校的人員'],
  [/is already on record with id (\S+);/, (m) => `已有同名人員，編號為 ${m[1]}；請用該編號，或不寫編號`],
];

/** Turns the faults of a roster check into zh-TW lines; `text` is the file, to name the person a fault is about. */
export function rosterFaultsZh(faults: readonly string[], text: string): string[] {
  const doc = parseYamlText(text).value as { people?: { name?: unknown }[] } | undefined;
  const nameAt = (i: number) => {
    const n = Array.isArray(doc?.people) ? doc.people[i]?.name : undefined;
    return typeof n === 'string' && n.trim() ? `（${n.trim().slice(0, 40)}）` : '';
  };
  return faults.map((fault) => {
    const cut = /^([A-Za-z0-9_.()]+|\(document\)): (.*)$/s.exec(fault);
    const place = cut ? where(cut[1]!, nameAt) : '';
    const message = cut ? cut[2]! : fault;
    const said = MESSAGES.find(([re]) => re.test(message));
    const text2 = said ? said[1](said[0].exec(message)!) : message;
    return place ? `${place}：${text2}` : text2;
  });
}

function where(path: string, nameAt: (i: number) => string): string {
  if (path === '(document)') return '整份檔案';
  const parts = path.split('.');
  if (parts[0] === 'people' && parts.length === 1) return '人員名單';
  if (parts[0] === 'people' && /^\d+$/.test(parts[1] ?? '')) {
    const i = Number(parts[1]);
    const field = parts[2] ? (FIELDS[parts[2]] ?? parts[2]) : '';
    const item = parts[3] && /^\d+$/.test(parts[3]) ? `第 ${Number(parts[3]) + 1} 項` : '';
    return `第 ${i + 1} 位人員${nameAt(i)}${field ? `的${field}` : ''}${item}`;
  }
  if (parts[0] === 'school') return `學校${parts[1] ? `的${FIELDS[parts[1]] ?? parts[1]}` : ''}`;
  return path;
}
