import { addHours } from 'date-fns/addHours';
import { addDays } from 'date-fns/addDays';
import { format } from 'date-fns/format';
import { formatRocDate, formatRocDateTime, formatWeekday } from '../time/roc.js';
import { type DayKey, endOfTaipeiDay, startOfTaipeiDay, taipeiDayKey } from '../time/taipei.js';
import { CalendarCoverageError, type CalendarDay, type OfficeCalendar } from './calendar.js';
import { evaluateCondition } from './conditions.js';
import { recommendedLastDay, statutoryLastDay } from './periods.js';
import { bindingSources, describeBases, type ComputedBasis } from './bases.js';
import {
  type ClockKind,
  type ClockPeriod,
  type ClockRule,
  type ClockRuleSet,
  type ClockTrigger,
  type LegalStatus,
  resolveEnabled,
} from './rules.js';

export type { ClockTrigger } from './rules.js';

/** What the incident knows. */
export interface ClockFacts {
  occurredAt: Date;
  awareAt: Date;
  handlingEndedAt?: Date | null;
  recoveredAt?: Date | null;
  breachConfirmedAt?: Date | null;
  involvesSystem: boolean;
  /** PDPA art. 6 data (medical, genetic, sex life, health examination, criminal records) or biometrics. */
  specialCategories: boolean;
  recordsAffected?: number | null;
  systemRecordsHeld?: number | null;
  /** Cybersecurity incident level 1–4 chosen by the responders; unknown means the stricter period applies. */
  cyberLevel?: 1 | 2 | 3 | 4 | null;
}

export type { ComputedBasis };

export interface ComputedClock {
  id: string;
  label: string;
  action: string;
  /** Role key (unit, contactWindow, school, principal, it). */
  actor: string;
  actorLabel: string;
  /**
   * zh-TW law name + article/point, several joined by 「；」: the rules that bind the school (its profile), then the
   * others as 「參考…之作法」 (bases.ts).
   */
  basis: string;
  /** The same, folded for a phone: short names of the binding rules, and how many practices besides. */
  basisShort: string;
  bases: ComputedBasis[];
  legalStatus: LegalStatus;
  statusNote?: string;
  enabled: boolean;
  applies: boolean;
  /** Why it applies / does not. */
  applicabilityNote?: string;
  trigger: ClockTrigger;
  triggerLabel: string;
  kind: ClockKind;
  period: ClockPeriod;
  /** Why this period was chosen when the rule has alternatives (e.g. cyber incident level). */
  periodNote?: string;
  startsAt: Date | null;
  /**
   * End of the period. For days/months/years: 24:00 of the (rolled-over) last day, represented as 00:00 of the
   * next day Asia/Taipei. Null when pending, when the clock has no fixed period, or when the office calendar
   * does not cover the last day (see calendarGap).
   */
  statutoryEnd: Date | null;
  /** The day whose 24:00 is statutoryEnd (YYYY-MM-DD, Taipei), for days/months/years. */
  statutoryLastDay: DayKey | null;
  /** Cautious target: counts the first day and never relies on rollover, so never later than statutoryEnd. */
  recommendedBy: Date | null;
  recommendedLastDay: DayKey | null;
  rolledOver: boolean;
  /** zh-TW: why the end moved (or why a make-up working day kept it). */
  rolloverNote?: string;
  /** zh-TW: how the period is counted for this incident. */
  countingNote?: string;
  /** zh-TW: the rule behind recommendedBy. */
  recommendedNote?: string;
  overdueAtAwareness: boolean;
  recommendedMissedAtAwareness: boolean;
  /** zh-TW, said at once when something was already missed at awareness. */
  overdueNote?: string;
  /** Only when `now` was given; always false for a clock switched off or not applying (no overdue flag at all then). */
  overdueNow?: boolean;
  recommendedMissedNow?: boolean;
  /** Trigger not yet known. */
  pending: boolean;
  pendingNote?: string;
  /** Evaluated threshold conditions (pdpa2025-report-72h), shown even when the clock is off. */
  thresholds?: { met: boolean; reasons: string[] };
  /**
   * The office calendar lacks the year needed to place the statutory end (note: zh-TW; message: English, for operators).
   * Only for years before the rules-derived calendars (provisional-year.ts). latestEnd: the end can be no later than
   * this whatever that year's holidays (MAX_REST_RUN rest days in a row at most), so overdue is still said when certain.
   */
  calendarGap?: { year: number; day: DayKey; note: string; message: string; latestEnd: Date };
  /** zh-TW warning when the result relies on calendar data not yet confirmed by the DGPA. */
  calendarNote?: string;
  reminders: NonNullable<ClockRule['reminders']>;
}

export interface ComputeClocksOptions {
  calendar: OfficeCalendar;
  /** Profile id of the rules (default: the rules' defaultProfile). */
  profile?: string;
  /** Clock id → on/off, on top of the profile. */
  overrides?: Record<string, boolean>;
  /** When given, overdueNow / recommendedMissedNow are filled. */
  now?: Date;
  /** Throw CalendarCoverageError instead of flagging the clock with calendarGap. */
  strictCalendar?: boolean;
}

export const TRIGGER_LABELS: Record<ClockTrigger, string> = {
  awareness: '知悉',
  occurrence: '事件發生',
  handlingEnded: '處理結束',
  recovered: '完成損害控制或復原',
  breachConfirmed: '查明事件',
};

const TRIGGER_FACT: Record<ClockTrigger, keyof ClockFacts> = {
  awareness: 'awareAt',
  occurrence: 'occurredAt',
  handlingEnded: 'handlingEndedAt',
  recovered: 'recoveredAt',
  breachConfirmed: 'breachConfirmedAt',
};

const UNIT_LABELS = { hours: '小時', days: '日', months: '個月', years: '年', none: '' } as const;

/**
 * Most rest days in a row any office calendar has had or the rules can give (the Lunar New Year closure with its
 * 補假 and a weekend is 9 at most): bounds a statutory end in a year the calendar cannot place.
 */
const MAX_REST_RUN = 14;

/** Facts that cannot describe a real incident (the caller must fix them). */
export class ClockFactsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid incident facts: ${problems.join('; ')}`);
    this.name = 'ClockFactsError';
  }
}

/** English descriptions of what is wrong with the facts; empty when they are usable. */
export function validateFacts(facts: ClockFacts): string[] {
  const problems: string[] = [];
  const valid = (d: unknown): d is Date => d instanceof Date && !Number.isNaN(d.getTime());
  if (!valid(facts.occurredAt)) problems.push('occurredAt must be a valid date');
  if (!valid(facts.awareAt)) problems.push('awareAt must be a valid date');
  if (valid(facts.occurredAt) && valid(facts.awareAt) && facts.awareAt < facts.occurredAt) {
    problems.push('awareAt is earlier than occurredAt: an incident cannot be known before it happens');
  }
  for (const key of ['handlingEndedAt', 'recoveredAt', 'breachConfirmedAt'] as const) {
    const d = facts[key];
    if (d === undefined || d === null) continue;
    if (!valid(d)) problems.push(`${key} must be a valid date or null`);
    else if (valid(facts.awareAt) && d < facts.awareAt) problems.push(`${key} is earlier than awareAt`);
  }
  for (const key of ['recordsAffected', 'systemRecordsHeld'] as const) {
    const n = facts[key];
    if (n !== undefined && n !== null && !(Number.isInteger(n) && n >= 0)) problems.push(`${key} must be a whole number ≥ 0`);
  }
  const level = facts.cyberLevel;
  if (level !== undefined && level !== null && ![1, 2, 3, 4].includes(level)) problems.push('cyberLevel must be 1, 2, 3 or 4');
  return problems;
}

const rocDay = (day: DayKey): string => formatRocDate(startOfTaipeiDay(day));
const weekdayOf = (day: DayKey): string => formatWeekday(startOfTaipeiDay(day));
const nextDay = (day: DayKey): DayKey => format(addDays(startOfTaipeiDay(day), 1), 'yyyy-MM-dd');
const prevDay = (day: DayKey): DayKey => format(addDays(startOfTaipeiDay(day), -1), 'yyyy-MM-dd');

function restReason(d: CalendarDay): string {
  if (d.entry && d.entry.kind !== 'workday') return `${d.entry.name}（${weekdayOf(d.day)}）`;
  return d.weekday === 0 ? '星期日' : '星期六';
}

function unverifiedNote(days: CalendarDay[]): string | undefined {
  const doubtful = days.filter((d) => d.provisional || (d.entry && !d.entry.verified));
  if (doubtful.length === 0) return undefined;
  return `本期限所依據之辦公日曆（${doubtful.map((d) => rocDay(d.day)).join('、')}）尚未經人事行政總處公告確認，請核對當年度政府行政機關辦公日曆表。`;
}

/** Compute every clock of the rule set for an incident. Pure: depends only on its arguments. */
export function computeClocks(rules: ClockRuleSet, facts: ClockFacts, opts: ComputeClocksOptions): ComputedClock[] {
  const problems = validateFacts(facts);
  if (problems.length > 0) throw new ClockFactsError(problems);
  const enabled = resolveEnabled(rules, opts.profile, opts.overrides);
  const binding = bindingSources(rules, opts.profile);
  return rules.clocks.map((rule) => computeClock(rules, rule, facts, enabled.get(rule.id) ?? rule.defaultEnabled, opts, binding));
}

function computeClock(
  rules: ClockRuleSet,
  rule: ClockRule,
  facts: ClockFacts,
  enabled: boolean,
  opts: ComputeClocksOptions,
  binding: Set<string> | null,
): ComputedClock {
  const { bases, basis, basisShort } = describeBases(rules, rule.basis, binding);
  const out: ComputedClock = {
    id: rule.id,
    label: rule.label,
    action: rule.action,
    actor: rule.actor,
    actorLabel: rules.roles[rule.actor] ?? rule.actor,
    basis,
    basisShort,
    bases,
    legalStatus: rule.legalStatus,
    statusNote: rule.statusNote,
    enabled,
    applies: true,
    trigger: rule.trigger,
    triggerLabel: TRIGGER_LABELS[rule.trigger],
    kind: rule.kind,
    period: rule.period,
    startsAt: null,
    statutoryEnd: null,
    statutoryLastDay: null,
    recommendedBy: null,
    recommendedLastDay: null,
    rolledOver: false,
    overdueAtAwareness: false,
    recommendedMissedAtAwareness: false,
    pending: false,
    reminders: rule.reminders ?? [],
  };

  applyApplicability(rule, facts, out);

  const alternative = rule.periodWhen?.find((p) => evaluateCondition({ all: [p.when] }, facts).met);
  if (alternative) {
    out.period = alternative.period;
    out.periodNote = alternative.note ?? alternative.when.label;
  } else if (rule.periodWhen?.length) {
    out.periodNote = `${rule.period.amount}${UNIT_LABELS[rule.period.unit]}（${rule.periodWhen.map((p) => `${p.when.label}者為${p.period.amount}${UNIT_LABELS[p.period.unit]}`).join('；')}）`;
  }

  const triggerAt = facts[TRIGGER_FACT[rule.trigger]] as Date | null | undefined;
  if (!triggerAt) {
    out.pending = true;
    out.pendingNote = `尚待「${out.triggerLabel}」時間，期限尚未起算。`;
    return out;
  }
  out.startsAt = new Date(triggerAt.getTime());

  const { amount, unit } = out.period;
  if (unit === 'none') {
    out.countingNote = '現行規定未定具體期限，應儘速辦理。';
  } else if (unit === 'hours') {
    const end = addHours(triggerAt, amount);
    out.statutoryEnd = end;
    out.recommendedBy = end;
    out.countingNote = `自${out.triggerLabel}時（${formatRocDateTime(triggerAt)}）起算${amount}小時，不因假日順延。`;
    out.recommendedNote = '以小時計算之期間不因假日順延，建議完成時間即為法定期限。';
  } else {
    countDayBased(rule, out, taipeiDayKey(triggerAt), amount, unit, opts);
  }

  // A clock switched off or not applying to this incident runs for no one: it is never said to be overdue.
  if (out.kind === 'deadline' && out.enabled && out.applies) flagOverdue(out, facts.awareAt, opts.now);
  else if (out.kind === 'deadline' && opts.now) {
    out.overdueNow = false;
    out.recommendedMissedNow = false;
  }
  return out;
}

function applyApplicability(rule: ClockRule, facts: ClockFacts, out: ComputedClock): void {
  const notes: string[] = [];
  if (rule.appliesWhen) {
    const r = evaluateCondition(rule.appliesWhen, facts);
    out.applies = r.met;
    notes.push(`${r.met ? '適用' : '不適用'}（${r.leaves.map((l) => l.text).join('；')}）`);
  }
  if (rule.thresholds) {
    const r = evaluateCondition(rule.thresholds, facts);
    out.applies &&= r.met;
    out.thresholds = { met: r.met, reasons: r.leaves.map((l) => l.text) };
    notes.push(r.met ? '已達通報門檻' : '未達通報門檻（任一條件符合即須通報）');
  }
  if (rule.applicabilityNote) notes.push(rule.applicabilityNote);
  if (notes.length > 0) out.applicabilityNote = notes.join('。');
}

function countDayBased(
  rule: ClockRule,
  out: ComputedClock,
  triggerDay: DayKey,
  amount: number,
  unit: 'days' | 'months' | 'years',
  opts: ComputeClocksOptions,
): void {
  const n = `${amount}${UNIT_LABELS[unit]}`;
  const last = statutoryLastDay(triggerDay, amount, unit);
  out.countingNote =
    `始日不算入：${out.triggerLabel}日為${rocDay(triggerDay)}，自${rocDay(nextDay(triggerDay))}起算${n}，` +
    `末日為${rocDay(last)}（${weekdayOf(last)}），至該日24:00止（民法第120條、第121條；行政程序法第48條）。`;

  if (rule.kind === 'retention') {
    out.statutoryLastDay = last;
    out.statutoryEnd = endOfTaipeiDay(last);
    out.recommendedLastDay = last;
    out.recommendedBy = out.statutoryEnd;
    out.recommendedNote = `此為最短保存期間，不適用假日順延；${rocDay(last)} 24:00 以前不得刪除或銷毀。`;
    return;
  }

  const { calendar } = opts;
  const counted = recommendedLastDay(triggerDay, amount, unit);
  const target = cautiousWorkingDay(calendar, triggerDay, counted);
  const recLast = target.day;
  out.recommendedLastDay = recLast;
  out.recommendedBy = endOfTaipeiDay(recLast);
  out.recommendedNote =
    `建議完成時間將${out.triggerLabel}當日算入第1日、不依賴假日順延：${rocDay(recLast)}（${weekdayOf(recLast)}）24:00前` +
    (target.note ? `（${target.note}）` : '') +
    '。學校對主管機關之義務是否適用行政程序法之順延規定尚有疑義，宜以建議時間為目標。';

  try {
    const visited: CalendarDay[] = [];
    let day = last;
    let d = calendar.describe(day);
    visited.push(d);
    while (d.restDay) {
      day = nextDay(day);
      d = calendar.describe(day);
      visited.push(d);
    }
    out.statutoryLastDay = day;
    out.statutoryEnd = endOfTaipeiDay(day);
    out.rolledOver = day !== last;
    if (out.rolledOver) {
      const skipped = visited.filter((v) => v.restDay);
      out.rolloverNote =
        `末日${rocDay(last)}為${restReason(skipped[0] as CalendarDay)}，依行政程序法第48條第4項順延至次一上班日` +
        `${rocDay(day)}（${weekdayOf(day)}）24:00` +
        (skipped.length > 1
          ? `（${skipped.map((s) => `${rocDay(s.day).replace('中華民國', '')}${restReason(s)}`).join('、')}均為休息日）`
          : '') +
        '。';
    } else if (d.entry?.kind === 'workday') {
      out.rolloverNote = `末日${rocDay(last)}雖為${weekdayOf(last)}，但為補行上班日（${d.entry.name}），視為上班日，不順延。`;
    }
    const warn = unverifiedNote(visited);
    if (warn) out.calendarNote = warn;
  } catch (err) {
    if (!(err instanceof CalendarCoverageError) || opts.strictCalendar) throw err;
    const latestEnd = endOfTaipeiDay(format(addDays(startOfTaipeiDay(last), MAX_REST_RUN), 'yyyy-MM-dd'));
    out.calendarGap = {
      year: err.year,
      day: err.day,
      message: err.message,
      latestEnd,
      note:
        `辦公日曆未涵蓋${err.year}年，無法判斷末日${rocDay(last)}` +
        (err.day === last ? '' : `或其後之${rocDay(err.day)}`) +
        `是否為休息日、法定期限是否順延（至遲不超過${formatRocDateTime(latestEnd, { endOfDay: true })}）；` +
        `請管理者新增 playbooks/calendars/${err.year}.yaml（人事行政總處政府行政機關辦公日曆表）。建議完成時間以星期六、日為休息日推算。`,
    };
  }
}

/**
 * The cautious target must be a day the office works (the report is filed, the principal signs): when the counted
 * day is a rest day (a weekend, a holiday, the Lunar New Year closure), the target moves back to the last working day
 * before it, never before the trigger day. When every day from the trigger day to the counted day is a rest day, it
 * moves to the first working day after, which is never after the statutory last day (that one rolls over to the
 * first working day on or after a later day). A day outside the calendar's coverage is left as counted.
 */
function cautiousWorkingDay(calendar: OfficeCalendar, triggerDay: DayKey, counted: DayKey): { day: DayKey; note?: string } {
  // A day the calendar cannot place (a year before the derived calendars, without a file) counts Saturdays and Sundays
  // as its only rest days: the target is then at least never on a weekend.
  const describe = (day: DayKey): CalendarDay => {
    try {
      return calendar.describe(day);
    } catch (err) {
      if (!(err instanceof CalendarCoverageError)) throw err;
      const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
      return { day, weekday, restDay: weekday === 0 || weekday === 6, provisional: true };
    }
  };
  const first = describe(counted);
  if (!first.restDay) return { day: counted };
  const why = restReason(first);
  for (let day = prevDay(counted); day >= triggerDay; day = prevDay(day)) {
    if (!describe(day).restDay) return { day, note: `${rocDay(counted)}為${why}，提前至前一上班日` };
  }
  let after = nextDay(counted);
  while (describe(after).restDay) after = nextDay(after);
  return { day: after, note: `${rocDay(counted)}為${why}，且${shortRoc(triggerDay)}起均為休息日，以次一上班日為目標` };
}

const shortRoc = (day: DayKey): string => rocDay(day).replace('中華民國', '');

function flagOverdue(out: ComputedClock, awareAt: Date, now: Date | undefined): void {
  const fmt = (d: Date) => formatRocDateTime(d, { endOfDay: out.period.unit !== 'hours' });
  const latest = out.statutoryEnd ?? out.calendarGap?.latestEnd ?? null;
  if (latest && latest <= awareAt) out.overdueAtAwareness = true;
  if (out.recommendedBy && out.recommendedBy <= awareAt) out.recommendedMissedAtAwareness = true;
  if (out.overdueAtAwareness && out.statutoryEnd) {
    out.overdueNote = `知悉時（${formatRocDateTime(awareAt)}）法定期限（${fmt(out.statutoryEnd)}）已經屆滿：請立即辦理，並敘明遲延原因。`;
  } else if (out.overdueAtAwareness && latest) {
    out.overdueNote = `知悉時（${formatRocDateTime(awareAt)}）法定期限無論如何順延均已屆滿（至遲${fmt(latest)}）：請立即辦理，並敘明遲延原因。`;
  } else if (out.recommendedMissedAtAwareness && out.recommendedBy) {
    out.overdueNote =
      `知悉時（${formatRocDateTime(awareAt)}）建議完成時間（${fmt(out.recommendedBy)}）已過` +
      (out.statutoryEnd ? `，法定期限為${fmt(out.statutoryEnd)}：請立即辦理。` : '：請立即辦理。');
  }
  if (now) {
    out.overdueNow = latest !== null && latest <= now;
    out.recommendedMissedNow = out.recommendedBy !== null && out.recommendedBy <= now;
  }
}
