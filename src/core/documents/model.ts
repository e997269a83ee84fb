import { recordedTime } from '../incidents/times.js';
import { REPORT_KINDS, type ReportKind, type ReportSection as SectionKey } from '../playbooks/vocabulary.js';
import { formatRocDate, formatRocDateTime } from '../time/roc.js';
import type { ReportChecklistItem, ReportFacts } from './facts.js';
import { cyberLevelLine, findingLine, improvementFields, itemsFor, measureLine, MISSING } from './sections.js';

/**
 * The reports an incident produces for the competent authority (legal-rules.md §1, §3):
 * - bureau: 3 days from the day the incident occurred (私立…安全維護計畫實施辦法 art. 13 ¶3, clock bureau-3d);
 * - closure: 1 month from the day handling ended, handling method and results (same article, clock closure-1m);
 * - cyber: the cyber-incident investigation, handling and improvement report, 1 month after recovery (資通安全事件
 *   通報應變及演練辦法 of 2026, art. 6 as in the 2021 text, clock cyber-report-1m), only for incidents that involve an
 *   information system.
 */
export { REPORT_KINDS, type ReportKind };

export const REPORT_FORMATS = ['pdf', 'odt', 'docx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_KIND_LABELS: Record<ReportKind, string> = {
  bureau: '通報主管機關（事件發生日起3日內）',
  closure: '結案報告：處理方式及結果（處理結束後1個月內）',
  cyber: '資安事件調查、處理及改善報告（完成復原後1個月內）',
};

/** Short names for buttons, file names and the timeline. */
export const REPORT_SHORT_LABELS: Record<ReportKind, string> = {
  bureau: '通報主管機關報告',
  closure: '結案報告',
  cyber: '資安事件調查報告',
};

export const REPORT_FORMAT_LABELS: Record<ReportFormat, string> = {
  pdf: 'PDF',
  odt: 'ODF 文字文件（.odt）',
  docx: 'Word（.docx）',
};

/** The clock each report completes (playbooks/clocks.yaml) and the checklist item that stops it (playbooks/). */
export const REPORT_CLOCKS: Record<ReportKind, { clock: string; item: string }> = {
  bureau: { clock: 'bureau-3d', item: 'bureau-report' },
  closure: { clock: 'closure-1m', item: 'closure-report' },
  cyber: { clock: 'cyber-report-1m', item: 'cyber-final-report' },
};

/** Whether a report applies to the incident: the cyber report only where an information system is involved. */
export function reportApplies(kind: ReportKind, facts: Pick<ReportFacts, 'involvesSystem'>): boolean {
  return kind !== 'cyber' || facts.involvesSystem;
}

export { MISSING };

export const BASIS_ART13 = '私立高級中等以下學校及幼兒園個人資料檔案安全維護計畫實施辦法第13條第3項';
/** The 2026 regulation that replaced the 2021 通報及應變辦法 (legal-rules.md §1 cyber-1h, cyber-report-1m). */
export const BASIS_CYBER =
  '資通安全事件通報應變及演練辦法第6條（115年1月5日施行，取代110年資通安全事件通報及應變辦法；1個月內送交報告之條次尚待確認）';

export interface ReportField {
  label: string;
  /** Lines of text; [MISSING] when the fact is not on record. */
  lines: string[];
  missing: boolean;
}

export interface ReportSection {
  heading: string;
  fields: ReportField[];
}

/** A report as structure, rendered to PDF, ODT or DOCX by the renderers (render.ts). */
export interface ReportDocument {
  kind: ReportKind;
  title: string;
  schoolName: string;
  ref: string;
  /** 「中華民國115年11月8日」: the day the document was produced. */
  dateLine: string;
  sections: ReportSection[];
  /** Labels of the required fields still 【待補】. */
  missing: string[];
  filenameBase: string;
  /** One line under the title: what the document is for and its legal basis. */
  basisLine: string;
}

const field = (label: string, value: string | string[] | null | undefined): ReportField => {
  const lines = (Array.isArray(value) ? value : value ? value.split('\n') : []).map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  return lines.length ? { label, lines, missing: false } : { label, lines: [MISSING], missing: true };
};

const yesNo = (b: boolean) => (b ? '是' : '否');

/** Lines of every item that feeds `section` of `kind` (playbook data), each written by `line`. */
const lines = (facts: ReportFacts, kind: ReportKind, section: SectionKey, line: (i: ReportChecklistItem) => string) =>
  itemsFor(facts, kind, section).map(line);

function scope(facts: ReportFacts): ReportField[] {
  const counted = facts.counts.filter((c) => c.count !== null).map((c) => `${c.label}：${c.count} 人`);
  // Before the assessment, the reporter's estimate as given (a range stays a range; 「尚不清楚」 with how it is found out).
  const estimate = facts.total === null || facts.totalIsEstimate ? facts.estimateText : null;
  const total = estimate
    ? `${estimate}（通報時初估，尚待評估確認）`
    : facts.total === null
      ? null
      : `${facts.total} 人${facts.totalIsEstimate ? '（通報時初估，尚待評估確認）' : ''}`;
  return [
    field('外洩或受侵害之個人資料類別', facts.categoryLabels.join('、')),
    field('是否含特種個人資料（個人資料保護法第6條）', yesNo(facts.specialCategories)),
    field('是否含生物特徵資料', yesNo(facts.biometric)),
    field('是否涉及資通系統（資通安全事件）', yesNo(facts.involvesSystem)),
    field('受影響人數（依身分）', counted),
    field('受影響人數合計', total),
    ...(facts.draftThresholds.length ? [field('個資法修法草案72小時通報門檻', facts.draftThresholds)] : []),
  ];
}

const RULE_TEXT: Record<ReportKind, string> = {
  bureau: '事件發生之日起3日內',
  closure: '處理結束之日起1個月內',
  cyber: '完成損害控制或復原後1個月內',
};

const clockOf = (facts: ReportFacts, kind: ReportKind) => facts.clocks.find((x) => x.id === REPORT_CLOCKS[kind].clock);

/**
 * The deadline as the rule says it and its date once the trigger is known. When the school's rule profile switches
 * the clock off (the cyber report of a private school), the report says so instead of leaving a blank to fill.
 */
function deadline(facts: ReportFacts, kind: ReportKind): string {
  const c = clockOf(facts, kind);
  if (c && !c.enabled) {
    const when = c.statutoryEnd ? `；如主管機關要求送交，建議於 ${formatRocDateTime(c.statutoryEnd, { endOfDay: !c.hoursBased })} 前` : '';
    return `本校適用之規則未將此報告列為法定期限${when}`;
  }
  if (!c?.statutoryEnd) return `${RULE_TEXT[kind]}（期限日期${MISSING}）`;
  const recommended =
    c.recommendedBy && c.recommendedBy.getTime() !== c.statutoryEnd.getTime()
      ? `；建議於 ${formatRocDateTime(c.recommendedBy, { endOfDay: true })} 前完成`
      : '';
  const provisional = c.provisionalCalendar ? '（依規定推算之辦公日曆，尚待人事行政總處公告確認）' : '';
  return `${RULE_TEXT[kind]}：${formatRocDateTime(c.statutoryEnd, { endOfDay: true })} 前${provisional}${recommended}`;
}

/** What the school is, in the words of the law (never the tool's profile settings). */
const SCHOOL_KIND_LINES: Record<'public' | 'private', string> = {
  public: '本校為公立學校（公務機關）',
  private: '本校為私立學校（非公務機關）',
};

/**
 * The bases of the report's clock split into those that bind a school of this profile and those it follows as
 * practice (docs/rules.md; src/core/clocks/bases.ts). Without the clock (not expected), the report's own rule binds.
 */
function basesOf(facts: ReportFacts, kind: ReportKind): { binding: string[]; practice: string[] } {
  const c = clockOf(facts, kind);
  if (!c?.bases?.length) return { binding: [kind === 'cyber' ? BASIS_CYBER : BASIS_ART13], practice: [] };
  return { binding: c.bases.filter((b) => b.binding).map((b) => b.cite), practice: c.bases.filter((b) => !b.binding).map((b) => b.cite) };
}

/** 法令依據: the rules that bind this school, then the practice it follows; a rule that does not bind it is never cited as its basis. */
function legalBasis(facts: ReportFacts, kind: ReportKind): string {
  const { binding, practice } = basesOf(facts, kind);
  const ref = practice.length ? `參考${practice.join('、')}之作法` : '';
  if (!binding.length) return `本校無直接適用之法定期限規定；${ref}辦理`;
  return `${binding.join('；')}${ref ? `；${ref}` : ''}`;
}

const unstop = (t: string) => t.replace(/[。；\s]+$/u, '');

/**
 * 適用規則: the kind of school, what it follows where the rule does not bind it, and the legal status of this report's
 * deadline. Domain words only: the profile's description (which names settings) is for operators, not the authority.
 */
function appliedRule(facts: ReportFacts, kind: ReportKind): string {
  const c = clockOf(facts, kind);
  const { binding } = basesOf(facts, kind);
  const parts = [facts.profile.schoolKind ? SCHOOL_KIND_LINES[facts.profile.schoolKind] : `本校適用之規則：${facts.profile.label}`];
  // A clock kept on as practice says what the school follows instead; one switched off is explained under 法定期限.
  if (!binding.length && c?.enabled && c.applicabilityNote) parts.push(unstop(c.applicabilityNote));
  if (c && c.legalStatus !== 'in-force' && c.statusNote) parts.push(unstop(c.statusNote));
  return `${parts.join('；')}。`;
}

/**
 * 遲延原因: when the report went in (or, not yet submitted, is now) after its statutory end. Null when on time; the
 * reason recorded with the item that completes the report, else 【待補】.
 */
function delay(facts: ReportFacts, kind: ReportKind, now: Date): ReportField | null {
  const c = clockOf(facts, kind);
  if (!c?.enabled || !c.statutoryEnd) return null;
  const sent = facts.submitted[kind];
  // A submission day is stored as its 00:00: late when that day starts at or after the end (24:00 of the last day).
  const late = sent ? sent.getTime() >= c.statutoryEnd.getTime() : now.getTime() > c.statutoryEnd.getTime();
  if (!late) return null;
  const item = facts.checklist.find((i) => i.completesClock === c.id);
  return field('遲延原因', item?.delayReason ?? null);
}

function notified(facts: ReportFacts): string[] {
  return facts.notices.map(
    (n) => `・${n.audienceLabel}：${n.statusLabel}${n.total > 0 ? `，已通知 ${n.notified} / ${n.total} 人` : '，尚未登記通知紀錄'}`,
  );
}

function header(facts: ReportFacts, now: Date, kind: ReportKind): ReportSection {
  return {
    heading: '基本資料',
    fields: [
      field('學校名稱', facts.schoolName),
      field('事件編號', facts.ref),
      field('填報日期', formatRocDate(now)),
      field('法令依據', legalBasis(facts, kind)),
      field('適用規則', appliedRule(facts, kind)),
      field('法定期限', deadline(facts, kind)),
      ...[delay(facts, kind, now)].filter((f): f is ReportField => f !== null),
      field('聯絡窗口', facts.contactWindow),
      field('聯絡電話', facts.contactPhone),
    ],
  };
}

const reporter = (facts: ReportFacts) =>
  facts.reporterName ? `${facts.reporterName}${facts.reporterUnit ? `（${facts.reporterUnit}）` : ''}` : null;

/** The report to the competent authority within 3 days of the incident (legal-rules.md §1 bureau-3d, §3.1). */
function bureauReport(facts: ReportFacts, now: Date): ReportSection[] {
  return [
    header(facts, now, 'bureau'),
    {
      heading: '一、事件概要',
      fields: [
        field('通報人（發現單位）', reporter(facts)),
        field('事件發生時間', recordedTime(facts, 'occurredAt', facts.occurredAt, { note: true })),
        field('知悉時間', recordedTime(facts, 'awareAt', facts.awareAt, { note: true })),
        field('發生地點（單位）', facts.place),
        field('事件類型', facts.scenarioTitle),
        field('事件經過（個人資料外洩或受侵害之方式）', facts.howLeaked),
        ...(facts.involvesSystem ? [field('資安事件等級', cyberLevelLine(facts) ?? '尚未判定')] : []),
      ],
    },
    { heading: '二、影響範圍', fields: scope(facts) },
    {
      heading: '三、已採取之因應措施',
      fields: [
        field('避免損害擴大之處置（通報時）', facts.stepsTaken),
        field('緊急應變處置辦理情形', lines(facts, 'bureau', 'containment', measureLine)),
        field('通知當事人（或法定代理人）情形', notified(facts)),
      ],
    },
    { heading: '四、目前處理狀態', fields: [field('事件狀態', facts.statusLabel)] },
  ];
}

function improvements(facts: ReportFacts, kind: ReportKind, now: Date): ReportSection {
  return {
    heading: '六、改善措施、預定完成時間及辦理情形',
    fields: improvementFields(facts, kind, now).map((f) => field(f.label, f.lines)),
  };
}

/** Investigation and cause, shared by the closure and cyber reports. */
function findings(facts: ReportFacts, kind: ReportKind): ReportSection[] {
  return [
    { heading: '四、調查情形', fields: [field('調查經過及結果', lines(facts, kind, 'investigation', findingLine))] },
    { heading: '五、事件原因', fields: [field('根本原因分析', lines(facts, kind, 'cause', findingLine))] },
  ];
}

/** The closure report within 1 month after handling ended: every field of legal-rules.md §3.2. */
function closureReport(facts: ReportFacts, now: Date): ReportSection[] {
  return [
    header(facts, now, 'closure'),
    {
      heading: '一、事件時間',
      fields: [
        field('事件發生時間', recordedTime(facts, 'occurredAt', facts.occurredAt, { note: true })),
        field('知悉時間', recordedTime(facts, 'awareAt', facts.awareAt, { note: true })),
        field('處理結束時間', facts.handlingEndedAt ? formatRocDateTime(facts.handlingEndedAt) : null),
        field('通報主管機關日期', facts.submitted.bureau ? formatRocDate(facts.submitted.bureau) : null),
      ],
    },
    {
      heading: '二、影響範圍及損害情形',
      fields: [...scope(facts), field('對當事人之損害及控制情形', lines(facts, 'closure', 'harm', findingLine))],
    },
    {
      heading: '三、緊急應變處置經過',
      fields: [
        field('事件經過', facts.howLeaked),
        field('通報時已採取之措施', facts.stepsTaken),
        field('應變處置項目', lines(facts, 'closure', 'containment', measureLine)),
        field('通知當事人（或法定代理人）情形', notified(facts)),
      ],
    },
    ...findings(facts, 'closure'),
    improvements(facts, 'closure', now),
    evidenceSection(facts),
  ];
}

/**
 * 七、證據保全: every piece filed in the locker with its SHA-256, so the authority (or a court) can check a copy handed
 * over later against the hash taken when it was filed (seed 002 art. 17 and 19: records and evidence kept 5 years).
 */
function evidenceSection(facts: ReportFacts): ReportSection {
  const list = facts.evidence.map(
    (e) =>
      `・證據${e.seq}：${e.description}（${e.kind}，${e.size}；${e.filedBy}於${formatRocDateTime(e.filedAt)}存證；SHA-256：${e.sha256}）`,
  );
  return {
    heading: '七、證據保全',
    fields: [
      field('保存之證據', list.length ? list : ['未於本系統存證（證據保存情形見「應變處置項目」之保存相關證據）']),
      field('保存方式', '加密保存於本校個資事件應變系統，每次讀取均核對雜湊值，存證及每次調閱均記錄於事件紀錄；保存至少5年。'),
    ],
  };
}

/**
 * The recovery time on record (asked when the recovery item is done), else the time the recovery item was ticked
 * done (with its note).
 */
function recovered(facts: ReportFacts): string | null {
  if (facts.recoveredAt) return formatRocDateTime(facts.recoveredAt);
  const item = facts.checklist.find((c) => c.completesClock === 'cyber-recover' && c.state === 'done');
  if (!item?.doneAt) return null;
  return `${formatRocDateTime(item.doneAt)}（檢核項目「${item.title}」完成時間）${item.note ? `；${item.note}` : ''}`;
}

/**
 * The cyber-incident investigation, handling and improvement report (legal-rules.md §1 cyber-report-1m; the content of
 * §3.2 with the incident level, the system's recovery and the platform report added).
 */
function cyberReport(facts: ReportFacts, now: Date): ReportSection[] {
  return [
    header(facts, now, 'cyber'),
    {
      heading: '一、事件時間及等級',
      fields: [
        field('事件發生時間', recordedTime(facts, 'occurredAt', facts.occurredAt, { note: true })),
        field('知悉時間', recordedTime(facts, 'awareAt', facts.awareAt, { note: true })),
        field('完成損害控制或復原時間', recovered(facts)),
        field('資安事件等級', cyberLevelLine(facts)),
        field('資安通報平台通報情形', lines(facts, 'cyber', 'platform', findingLine)),
      ],
    },
    {
      heading: '二、影響範圍及損害情形',
      fields: [
        ...scope(facts),
        field('事故系統保有個人資料筆數', facts.systemRecordsHeld === null ? null : `${facts.systemRecordsHeld} 筆`),
        field('對當事人之損害及控制情形', lines(facts, 'cyber', 'harm', findingLine)),
      ],
    },
    {
      heading: '三、事件經過及處理情形',
      fields: [
        field('事件經過', facts.howLeaked),
        field('通報時已採取之措施', facts.stepsTaken),
        field('損害控制措施', lines(facts, 'cyber', 'containment', measureLine)),
        field('處理及復原作業', lines(facts, 'cyber', 'recovery', measureLine)),
      ],
    },
    ...findings(facts, 'cyber'),
    improvements(facts, 'cyber', now),
  ];
}

const TITLES: Record<ReportKind, string> = {
  bureau: '個人資料侵害事故通報表（通報主管機關）',
  closure: '個人資料侵害事故處理方式及結果報告（結案備查）',
  cyber: '資通安全事件調查、處理及改善報告',
};

const DUTY: Record<ReportKind, string> = {
  bureau: '自事件發生之日起3日內通報主管機關',
  closure: '自處理結束之日起1個月內將處理方式及結果報主管機關備查',
  cyber: '完成損害控制或復原後1個月內送交',
};

/** The line under the title: the binding rule, or, where none binds the school, the practice it follows. */
function basisLine(facts: ReportFacts, kind: ReportKind): string {
  const { binding, practice } = basesOf(facts, kind);
  if (binding.length) return `依${binding.join('；')}，${DUTY[kind]}。`;
  return `${DUTY[kind]}（參考${practice.join('、')}之作法；依所屬主管機關之規定辦理）。`;
}

const SIGN_LINE = '簽章：＿＿＿＿＿＿＿＿＿＿　日期：＿＿＿年＿＿月＿＿日';

/**
 * 核章: the officer who prepared the report, the head of the unit and the principal, each with a line to sign and
 * date. A report to the authority goes out as an attachment to a 公文, which the principal (the 管理人) approves.
 */
function signOff(): ReportSection {
  return {
    heading: '核章',
    fields: [field('承辦人', SIGN_LINE), field('單位主管', SIGN_LINE), field('校長（核定）', SIGN_LINE)],
  };
}

export function buildReport(kind: ReportKind, facts: ReportFacts, now: Date): ReportDocument {
  const sections = [
    ...(kind === 'bureau' ? bureauReport(facts, now) : kind === 'closure' ? closureReport(facts, now) : cyberReport(facts, now)),
    signOff(),
  ];
  const missing = sections.flatMap((s) =>
    s.fields.filter((f) => f.missing || f.lines.some((l) => l.includes(MISSING))).map((f) => f.label),
  );
  return {
    kind,
    title: TITLES[kind],
    schoolName: facts.schoolName,
    ref: facts.ref,
    dateLine: formatRocDate(now),
    sections,
    missing,
    filenameBase: `${facts.ref}-${REPORT_SHORT_LABELS[kind]}`,
    basisLine: basisLine(facts, kind),
  };
}
