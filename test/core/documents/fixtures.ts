import type { ReportFacts } from '../../../src/core/documents/facts.js';

/** Instants in Taipei time. */
export const at = (s: string) => new Date(`${s}+08:00`);

/** A hacked-system incident with most facts on record: occurred Thu 2026-11-05, known the next morning. */
export function sampleFacts(over: Partial<ReportFacts> = {}): ReportFacts {
  return {
    schoolName: '示範國民中學（示範）',
    ref: '115-007',
    scenarioTitle: '系統遭入侵',
    statusLabel: '處理結束（待結案報告）',
    occurredAt: at('2026-11-05T10:00'),
    awareAt: at('2026-11-06T09:00'),
    handlingEndedAt: at('2026-11-20T16:00'),
    recoveredAt: at('2026-11-07T18:30'),
    submitted: { bureau: at('2026-11-07T00:00'), closure: null, cyber: null },
    place: '教務處成績系統',
    howLeaked: '成績查詢系統遭不明人士以外流帳號登入並下載成績檔',
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
      { key: 'stop-leak', title: '中斷洩漏途徑', phase: 'contain', state: 'done', note: '停用外流帳號', doneAt: at('2026-11-06T09:40'), doneByName: '林老師（示範）' },
      { key: 'cyber-report', title: '資安通報平台通報（1小時）', phase: 'report', state: 'done', note: '通報單編號 TACERT-1150007', doneAt: at('2026-11-06T09:50'), doneByName: '林老師（示範）' },
      { key: 'control-harm', title: '控制對當事人的損害', phase: 'contain', state: 'done', note: '請下載者刪除並回覆確認', doneAt: at('2026-11-06T11:00'), doneByName: '李組長（示範）' },
      { key: 'initial-cause', title: '初步分析事件原因', phase: 'assess', state: 'done', note: '管理者密碼過於簡單且未啟用兩步驟驗證', doneAt: at('2026-11-06T12:00'), doneByName: '林老師（示範）' },
      { key: 'investigate', title: '查明原因及損害狀況', phase: 'assess', state: 'done', note: '登入紀錄顯示僅下載一次，未見散布', doneAt: at('2026-11-10T12:00'), doneByName: '黃主任（示範）' },
      { key: 'cyber-recover', title: '資安事件損害控制或復原', phase: 'recover', state: 'done', note: '系統已由備份還原', doneAt: at('2026-11-07T18:30'), doneByName: '林老師（示範）' },
      { key: 'improvement-plan', title: '研議改進措施', phase: 'recover', state: 'done', note: '全校帳號啟用兩步驟驗證，12月底前完成', doneAt: at('2026-11-18T10:00'), doneByName: '黃主任（示範）' },
      { key: 'refer-police', title: '移請檢警調查', phase: 'contain', state: 'na', note: '經評估非故意入侵', doneAt: at('2026-11-06T13:00'), doneByName: '陳校長（示範）' },
    ],
    notices: [{ audienceLabel: '未成年學生的家長（法定代理人）', statusLabel: '已核定', notified: 118, total: 118 }],
    clocks: [
      { id: 'bureau-3d', label: '3日內通報主管機關', basis: '', statutoryEnd: at('2026-11-10T00:00'), recommendedBy: at('2026-11-08T00:00') },
      { id: 'closure-1m', label: '處理結束後1個月內報主管機關備查', basis: '', statutoryEnd: at('2026-12-21T00:00'), recommendedBy: at('2026-12-20T00:00') },
    ],
    ...over,
  };
}
