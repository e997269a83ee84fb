import { computeClocks, loadCalendar, loadClockRules } from '../../../src/core/clocks/index.js';
import { clockFact, type ReportChecklistItem, type ReportClockFact, type ReportFacts } from '../../../src/core/documents/facts.js';
import { loadPlaybookLibrary } from '../../../src/core/playbooks/index.js';

const playbooks = loadPlaybookLibrary();
const rules = loadClockRules();
const calendar = loadCalendar();

type Sample = Omit<ReportChecklistItem, 'reports' | 'asks' | 'plannedOn' | 'planState' | 'delayReason' | 'completesClock'> &
  Partial<Pick<ReportChecklistItem, 'plannedOn' | 'planState' | 'delayReason'>>;

/** A checklist item as the hacked-system playbook defines it: which report sections it feeds comes from the data. */
export function item(i: Sample, playbook = 'hacked-system'): ReportChecklistItem {
  const def = playbooks.get(playbook).checklist.find((d) => d.key === i.key);
  if (!def) throw new Error(`no item ${i.key} in ${playbook}`);
  return {
    plannedOn: null,
    planState: null,
    delayReason: null,
    ...i,
    reports: def.reports ?? {},
    asks: def.asks ?? [],
    completesClock: def.completesClock ?? null,
  };
}

/** The clocks of these facts as the engine computes them (playbooks/clocks.yaml, the office calendars) under `profile`. */
export function engineClocks(
  f: Pick<ReportFacts, 'occurredAt' | 'awareAt' | 'handlingEndedAt' | 'recoveredAt' | 'involvesSystem'>,
  profile = 'public-school',
  now = at('2026-11-23T14:05'),
): ReportClockFact[] {
  return computeClocks(rules, { ...f, breachConfirmedAt: f.awareAt, specialCategories: false }, { calendar, profile, now })
    .filter((c) => c.applies)
    .map(clockFact);
}

/** Instants in Taipei time. */
export const at = (s: string) => new Date(`${s}+08:00`);

/** A hacked-system incident with most facts on record: occurred Thu 2026-11-05, known the next morning. */
export function sampleFacts(over: Partial<ReportFacts> = {}): ReportFacts {
  const base: ReportFacts = {
    schoolName: '示範國民中學（示範）',
    ref: '115-007',
    scenarioTitle: '系統遭入侵',
    statusLabel: '處理結束（待結案報告）',
    occurredAt: at('2026-11-05T10:00'),
    awareAt: at('2026-11-06T09:00'),
    // The reporter said 「11月5日上午10點左右」: an approximate reading, said so in the documents.
    approximateTimes: ['occurredAt'],
    handlingEndedAt: at('2026-11-20T16:00'),
    recoveredAt: at('2026-11-07T18:30'),
    submitted: { bureau: at('2026-11-07T00:00'), closure: null, cyber: null },
    place: '教務處成績系統',
    howLeaked: '成績查詢系統遭不明人士以外流帳號登入並下載成績檔',
    evidence: [
      {
        seq: 1,
        description: '成績系統存取紀錄匯出檔',
        kind: '文字檔',
        size: '12 KB',
        sha256: 'a'.repeat(64),
        filedBy: '林老師（示範）',
        filedAt: at('2026-11-06T10:15'),
      },
    ],
    stepsTaken: '已停用外流帳號並更換管理者密碼',
    categoryLabels: ['姓名', '成績'],
    specialCategories: false,
    biometric: false,
    involvesSystem: true,
    systemRecordsHeld: 1200,
    counts: [
      { kind: 'students', label: '學生', count: 120 },
      { kind: 'guardians', label: '家長（法定代理人）', count: null },
      { kind: 'staff', label: '教職員', count: 0 },
      { kind: 'others', label: '其他人', count: null },
      { kind: 'minors', label: '其中未滿18歲者', count: 118 },
    ],
    total: 120,
    totalIsEstimate: false,
    estimateText: null,
    reporterName: '林老師（示範）',
    reporterUnit: '資訊組',
    contactWindow: '李組長（示範）（註冊組）',
    contactPhone: '(02)2345-6789 分機 123',
    checklist: [
      item({
        key: 'stop-leak',
        title: '中斷洩漏途徑',
        phase: 'contain',
        state: 'done',
        note: '停用外流帳號',
        doneAt: at('2026-11-06T09:40'),
        doneByName: '林老師（示範）',
      }),
      item({
        key: 'cyber-report',
        title: '資安通報平台通報（1小時）',
        phase: 'report',
        state: 'done',
        note: '通報單編號 TACERT-1150007',
        doneAt: at('2026-11-06T09:50'),
        doneByName: '林老師（示範）',
      }),
      item({
        key: 'control-harm',
        title: '控制對當事人的損害',
        phase: 'contain',
        state: 'done',
        note: '請下載者刪除並回覆確認',
        doneAt: at('2026-11-06T11:00'),
        doneByName: '李組長（示範）',
      }),
      item({
        key: 'initial-cause',
        title: '初步分析事件原因',
        phase: 'assess',
        state: 'done',
        note: '管理者密碼過於簡單且未啟用兩步驟驗證',
        doneAt: at('2026-11-06T12:00'),
        doneByName: '林老師（示範）',
      }),
      item({
        key: 'investigate',
        title: '查明原因及損害狀況',
        phase: 'assess',
        state: 'done',
        note: '登入紀錄顯示僅下載一次，未見散布',
        doneAt: at('2026-11-10T12:00'),
        doneByName: '黃主任（示範）',
      }),
      item({
        key: 'cyber-recover',
        title: '資安事件損害控制或復原',
        phase: 'recover',
        state: 'done',
        note: '系統已由備份還原',
        doneAt: at('2026-11-07T18:30'),
        doneByName: '林老師（示範）',
      }),
      item({
        key: 'set-cyber-level',
        title: '判定資安事件等級',
        phase: 'report',
        state: 'done',
        note: '核心業務系統之學生成績輕微外洩',
        doneAt: at('2026-11-06T09:45'),
        doneByName: '林老師（示範）',
      }),
      item({
        key: 'patch-and-restore',
        title: '修補漏洞並安全復原',
        phase: 'recover',
        state: 'done',
        note: '更新系統並關閉遠端管理埠，由乾淨備份還原',
        doneAt: at('2026-11-07T19:00'),
        doneByName: '林老師（示範）',
        plannedOn: at('2026-11-07T00:00'),
        planState: 'done',
      }),
      // Ticked on 11-18 with a plan that runs to the end of December: neither the tick time nor 「已完成」 may be printed.
      item({
        key: 'improvement-plan',
        title: '研議改進措施',
        phase: 'recover',
        state: 'done',
        note: '全校帳號啟用兩步驟驗證',
        doneAt: at('2026-11-18T10:00'),
        doneByName: '黃主任（示範）',
        plannedOn: at('2026-12-31T00:00'),
        planState: 'doing',
      }),
      item({
        key: 'refer-police',
        title: '移請檢警調查',
        phase: 'contain',
        state: 'na',
        note: '經評估非故意入侵',
        doneAt: at('2026-11-06T13:00'),
        doneByName: '陳校長（示範）',
      }),
    ],
    notices: [{ audienceLabel: '未成年學生的家長（法定代理人）', statusLabel: '已核定', notified: 118, total: 118 }],
    draftThresholds: [],
    cyberLevel: 3,
    profile: { id: 'public-school', label: '公立學校', description: '', schoolKind: 'public' },
    ...over,
    clocks: [],
  };
  // The deadlines are the engine's own output for these facts, never typed in by hand.
  return { ...base, clocks: over.clocks ?? engineClocks(base, base.profile.id) };
}
