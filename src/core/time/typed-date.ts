import { SOON_DAYS, readLunarDay, readNamedDay } from './named-days.js';
import { ROC_YEAR_OFFSET } from './roc.js';
import { type RestDays, readLongBreak } from './school-day.js';

/**
 * The date half of the typed-time grammar (natural.ts has the rest): a day as staff type it — ROC and AD dates,
 * month-day, a day of this month, N days/weeks/months ago, this or last month, weekends, weeks with a weekday, relative
 * days (今天, 昨晚…) — read against today in Asia/Taipei, the most recent past reading where the text leaves it open.
 * Also the parts of the day and their representative hours, which both halves use.
 */

/**
 * Representative hour of a part of the day when no clock time is given: its start, because an earlier reading is the
 * cautious one for every legal clock (the occurrence day starts the day-counted clocks, awareness the hour-counted
 * ones). 中午 is the exception people expect: noon itself. 凌晨 is the small hours that begin the day named, while
 * 半夜 and 午夜 are the night that ends it (「昨天半夜」 is last night, like 「昨天晚上12點」): its midnight, 24.
 */
export const PERIOD_START_HOUR = {
  凌晨: 0,
  半夜: 24,
  午夜: 24,
  清晨: 5,
  早上: 6,
  上午: 6,
  中午: 12,
  下午: 12,
  傍晚: 17,
  晚上: 18,
  深夜: 22,
} as const;
export type Period = keyof typeof PERIOD_START_HOUR;

export interface Day {
  y: number;
  m: number;
  d: number;
}
export interface DatePart {
  day: Day;
  approximate: boolean;
  yearInferred: boolean;
  period?: Period;
  bareWeekday?: boolean;
  monthInferred?: boolean;
  /** 今晚, 今夜, 今天晚上: said in the small hours, the evening just gone (the night still in progress). */
  tonight?: boolean;
  /** 今天, 今日, 今早…: in the small hours still the day just ended for someone not yet asleep (see natural.ts). */
  today?: boolean;
}

const WEEKDAY = '([1-7日天])';
const WEEK_WORD = '(?:週|周|星期|禮拜|礼拜|拜)';

export function addDays(day: Day, n: number): Day {
  const t = new Date(Date.UTC(day.y, day.m - 1, day.d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}
/** The same day `n` months earlier (a fractional month adds 15 days more), clamped to the end of a shorter month. */
function monthsBack(day: Day, n: number): Day {
  const whole = Math.floor(n);
  const index = day.y * 12 + (day.m - 1) - whole;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const back = { y, m, d: Math.min(day.d, last) };
  return n > whole ? addDays(back, -15) : back;
}
/** The last day of month `m` of year `y`. */
function lastDay(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}
/**
 * The first day of a part of a month: 初 the 1st, 中 the 11th (中旬), 底 the last three days (the 29th of December, the
 * 28th of November, the 26th of a common February): 月底 is the last few days of the month, not 下旬 (from the 21st).
 */
function partOfMonth(y: number, m: number, part: string | undefined): number {
  return part === '中' ? 11 : part === '底' ? lastDay(y, m) - 2 : 1;
}
function realDay(y: number, m: number, d: number): Day | null {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCMonth() === m - 1 ? { y, m, d } : null;
}
const compareDays = (a: Day, b: Day) => (a.y - b.y) * 10_000 + (a.m - b.m) * 100 + (a.d - b.d);
/** Monday = 0 … Sunday = 6 (weeks start on Monday in Taiwan's school calendar). */
function weekdayIndex(day: Day): number {
  return (new Date(Date.UTC(day.y, day.m - 1, day.d)).getUTCDay() + 6) % 7;
}
function weekdayOf(token: string): number {
  return token === '日' || token === '天' || token === '7' ? 6 : Number(token) - 1;
}
function fullYear(text: string, roc: boolean): number {
  const n = Number(text);
  return roc || n < 1000 ? n + ROC_YEAR_OFFSET : n;
}

/**
 * The day of the month `m/d` most recently reached on `today` (「12/30」 typed on 1/2 is last year's). A day less than
 * SOON_DAYS ahead is this year's, and so still to come: 「12/20」 typed on 12/14 is a slip to be asked again, not an
 * event of a year ago.
 */
function latestMonthDay(today: Day, m: number, d: number): Day | null {
  // Next year's within the week (「1/1」 typed on 12/31): the same slip, not a day of almost a year ago.
  const nextYear = realDay(today.y + 1, m, d);
  if (nextYear && compareDays(nextYear, addDays(today, SOON_DAYS)) <= 0) return nextYear;
  const thisYear = realDay(today.y, m, d);
  if (thisYear && compareDays(thisYear, today) <= 0) return thisYear;
  if (thisYear && compareDays(thisYear, addDays(today, SOON_DAYS)) <= 0) return thisYear;
  // Not yet this year: last year's. (2/29 typed in a year after a common year is refused, not moved years back.)
  return realDay(today.y - 1, m, d);
}

/** Relative days; `tonight`: the evening of today, which after midnight is still the evening just gone (see natural.ts). */
const RELATIVE_DAYS: [RegExp, number, Period?][] = [
  [/^(大前天|大前日)/, -3],
  [/^(前天|前日)/, -2],
  [/^(昨天|昨日)/, -1],
  [/^(今天|今日|本日|當日)/, 0],
  [/^前晚/, -2, '晚上'],
  [/^(昨晚|昨夜)/, -1, '晚上'],
  [/^昨早/, -1, '早上'],
  [/^(今早|今晨)/, 0, '早上'],
  [/^(今晚|今夜)/, 0, '晚上'],
  [/^(明天|明日)/, 1],
  [/^(後天|后天)/, 2],
  [/^(大後天)/, 3],
  [/^昨/, -1],
  [/^今/, 0],
];

/** Reads a date at the start of `s`; returns it with the rest of the text. */
export function readDate(s: string, today: Day, calendar: RestDays | null = null): { part: DatePart; rest: string } | 'invalid' | null {
  let m: RegExpExecArray | null;
  // Year-month-day: 2026-11-20, 2026/11/20, 115/11/20, 115.11.20, 2026年11月20日, 民國115年11月20日.
  m = /^(民國|中華民國|西元)?(\d{2,4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日號号]?/.exec(s);
  if (m) {
    const day = realDay(fullYear(m[2]!, m[1] === '民國' || m[1] === '中華民國'), Number(m[3]), Number(m[4]));
    return day ? { part: { day, approximate: false, yearInferred: false }, rest: s.slice(m[0].length) } : 'invalid';
  }
  // Last year's, this year's or the year before's month-day or month: 去年12月30日, 今年3/5, 前年11月.
  m = /^(去年|今年|前年)\s*(\d{1,2})\s*(?:[/-]|月)\s*(?:(\d{1,2})\s*[日號号]?|(初|中|底))?/.exec(s);
  if (m) {
    const y = today.y - (m[1] === '去年' ? 1 : m[1] === '前年' ? 2 : 0);
    const mo = Number(m[2]);
    const day = mo >= 1 && mo <= 12 ? realDay(y, mo, m[3] ? Number(m[3]) : partOfMonth(y, mo, m[4])) : null;
    return day ? { part: { day, approximate: !m[3], yearInferred: false }, rest: s.slice(m[0].length) } : 'invalid';
  }
  // 元旦, 跨年夜, 聖誕節…: the latest such day (or the coming one, at most a week ahead).
  // 中秋, 端午, 除夕…: the office calendar's.
  const named = readNamedDay(s, today) ?? readLunarDay(s, today, calendar);
  if (named) {
    // 「元旦前一天」「聖誕節隔天」「國慶前兩天」: counted from the named day (the evening it names no longer applies).
    const o = /^\s*(?:(前|後|后)(\d{1,2})天|(隔天|隔日|次日))/.exec(named.rest);
    const shift = o ? (o[3] ? 1 : Number(o[2]) * (o[1] === '前' ? -1 : 1)) : 0;
    const period = o ? undefined : named.period;
    return {
      part: { day: addDays(named.day, shift), approximate: !!named.approximate, yearInferred: true, ...(period ? { period } : {}) },
      rest: o ? named.rest.slice(o[0].length) : named.rest,
    };
  }
  // 「連假前最後一天上課」「收假第一天」: around the latest long weekend of the office calendar.
  const key = (d: Day) => `${d.y}-${String(d.m).padStart(2, '0')}-${String(d.d).padStart(2, '0')}`;
  const long = readLongBreak(s, key(today), calendar);
  if (long) {
    const [y, mo, d] = long.day.split('-').map(Number) as [number, number, number];
    return { part: { day: { y, m: mo, d }, approximate: true, yearInferred: true }, rest: long.rest };
  }
  // 「這兩三天」「最近三天」: the start of the last N days, approximate.
  m = /^(?:這|这|最近|近)\s*(\d{1,2})\s*(?:天|日)(?:內|内|來|来|以來|之內)?/.exec(s);
  if (m && Number(m[1]) >= 1) {
    return { part: { day: addDays(today, -Number(m[1])), approximate: true, yearInferred: false }, rest: s.slice(m[0].length) };
  }
  // Month-day: 11/20, 11-20, 11月20日, 11月20號.
  m = /^(\d{1,2})\s*(?:[/-]|月)\s*(\d{1,2})\s*[日號号]?/.exec(s);
  if (m) {
    if (!realDay(2028, Number(m[1]), Number(m[2]))) return 'invalid';
    const day = latestMonthDay(today, Number(m[1]), Number(m[2]));
    return day ? { part: { day, approximate: false, yearInferred: true }, rest: s.slice(m[0].length) } : 'invalid';
  }
  // Year and month, or a month alone: the first of the month, approximate.
  m = /^(?:(民國|中華民國|西元)?(\d{2,4})\s*年)?\s*(\d{1,2})\s*月(?:份)?(初|中|底)?/.exec(s);
  if (m) {
    const mo = Number(m[3]);
    if (mo < 1 || mo > 12) return 'invalid';
    const y = m[2] ? fullYear(m[2], m[1] === '民國' || m[1] === '中華民國') : undefined;
    // Without a year, the part's day in this year's month decides which year (a February's end: this year's length).
    const d = partOfMonth(y ?? today.y, mo, m[4]);
    const day = y ? realDay(y, mo, d) : latestMonthDay(today, mo, d);
    return day ? { part: { day, approximate: true, yearInferred: !m[2] }, rest: s.slice(m[0].length) } : 'invalid';
  }
  // Day of this month: 5號, 5日 (last month's when the 5th has not come yet).
  m = /^(\d{1,2})\s*[日號号](?!前)/.exec(s);
  if (m) {
    const d = Number(m[1]);
    let day = realDay(today.y, today.m, d);
    if (!day || compareDays(day, today) > 0) {
      const prev = addDays({ y: today.y, m: today.m, d: 1 }, -1);
      day = realDay(prev.y, prev.m, d);
    }
    return day ? { part: { day, approximate: false, yearInferred: true, monthInferred: true }, rest: s.slice(m[0].length) } : 'invalid';
  }
  // N days / weeks ago: 兩天前, 3日前, 一週前, 兩個星期前.
  m = new RegExp(`^(\\d+)\\s*(?:個)?\\s*(天|日|${WEEK_WORD})\\s*(?:前|之前|以前)`).exec(s);
  if (m) {
    const n = Number(m[1]) * (m[2] === '天' || m[2] === '日' ? 1 : 7);
    return { part: { day: addDays(today, -n), approximate: false, yearInferred: false }, rest: s.slice(m[0].length) };
  }
  // N months ago, half a month ago: 半個月前, 一個月前, 兩個月前 (approximate).
  m = /^(\d+)?\s*(?:個)?\s*(半)?\s*(?:個)?\s*月\s*(?:前|之前|以前)/.exec(s);
  if (m && (m[1] || m[2])) {
    const day = m[2] && !m[1] ? addDays(today, -15) : monthsBack(today, Number(m[1]) + (m[2] ? 0.5 : 0));
    return { part: { day, approximate: true, yearInferred: false }, rest: s.slice(m[0].length) };
  }
  // This or last month, with 初/中/底: 這個月初, 上個月, 本月中, 上上個月底 (the start of the part named, approximate;
  // 底 is the last three days, partOfMonth).
  m = /^(上上|上|這|这|本|今)\s*(?:個)?\s*月(?:份)?(初|中|底)?/.exec(s);
  if (m) {
    const back = m[1] === '上上' ? 2 : m[1] === '上' ? 1 : 0;
    const first = monthsBack({ y: today.y, m: today.m, d: 1 }, back);
    const day = { ...first, d: partOfMonth(first.y, first.m, m[2]) };
    return { part: { day, approximate: true, yearInferred: false }, rest: s.slice(m[0].length) };
  }
  // 月初, 月中, 月底 alone: this month's part, or last month's when it has not begun (「月底」 typed on the 5th).
  m = /^月(初|中|底)/.exec(s);
  if (m) {
    let day = { y: today.y, m: today.m, d: partOfMonth(today.y, today.m, m[1]) };
    if (compareDays(day, today) > 0) {
      const prev = monthsBack({ y: today.y, m: today.m, d: 1 }, 1);
      day = { ...prev, d: partOfMonth(prev.y, prev.m, m[1]) };
    }
    return { part: { day, approximate: true, yearInferred: false }, rest: s.slice(m[0].length) };
  }
  // A weekend: 上週末, 這個週末, 週末 (its Saturday, approximate; a bare 週末 is the latest one begun by today).
  m = new RegExp(`^(上上|上|這|这|本)?(?:個)?\\s*(?:${WEEK_WORD}末|${WEEK_WORD}六日|${WEEK_WORD}六${WEEK_WORD}日)`).exec(s);
  if (m) {
    const monday = addDays(today, -weekdayIndex(today));
    const weeksBack = m[1] === '上上' ? 2 : m[1] === '上' ? 1 : 0;
    let saturday = addDays(monday, 5 - 7 * weeksBack);
    if (!m[1] && compareDays(saturday, today) > 0) saturday = addDays(saturday, -7);
    return { part: { day: saturday, approximate: true, yearInferred: false }, rest: s.slice(m[0].length) };
  }
  // Weeks with a weekday: 上週三, 上上星期五, 這週一, 本週二, 上禮拜天, 週三, 星期五.
  m = new RegExp(`^(上上|上1|上|這|这|本|今)?(?:個)?${WEEK_WORD}${WEEKDAY}?`).exec(s);
  if (m && (m[1] || m[2])) {
    const prefix = m[1] ?? '';
    const monday = addDays(today, -weekdayIndex(today));
    const weeksBack = prefix === '上上' ? 2 : prefix.startsWith('上') ? 1 : 0;
    const rest = s.slice(m[0].length);
    if (!m[2]) return { part: { day: addDays(monday, -7 * weeksBack), approximate: true, yearInferred: false }, rest };
    const wd = weekdayOf(m[2]);
    if (prefix) return { part: { day: addDays(monday, -7 * weeksBack + wd), approximate: false, yearInferred: false }, rest };
    // A bare weekday: the latest such day up to today.
    const back = (weekdayIndex(today) - wd + 7) % 7;
    return { part: { day: addDays(today, -back), approximate: false, yearInferred: false, bareWeekday: true }, rest };
  }
  for (const [re, offset, period] of RELATIVE_DAYS) {
    m = re.exec(s);
    if (m) {
      const rest = s.slice(m[0].length);
      const tonight = offset === 0 && (period === '晚上' || /^\s*(?:晚上|晚間|夜裡|深夜|半夜|午夜)/.test(rest));
      return {
        part: {
          day: addDays(today, offset),
          approximate: false,
          yearInferred: false,
          ...(period ? { period } : {}),
          ...(tonight ? { tonight } : {}),
          ...(offset === 0 ? { today: true } : {}),
        },
        rest,
      };
    }
  }
  return null;
}
