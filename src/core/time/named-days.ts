import type { RestDays } from './school-day.js';

/** A calendar day (typed-date.ts's Day, restated here: that file reads these days). */
interface Day {
  y: number;
  m: number;
  d: number;
}

/**
 * Days people name instead of a date (「元旦那天」「跨年夜」「聖誕節下午」): fixed days of the Gregorian calendar that
 * schools in Taiwan mark, read as the most recent one up to today. Lunar-calendar days (除夕, 春節, 端午, 中秋) move
 * every year: they are looked up in the office calendar (LUNAR_DAYS), and asked again where it has no such day.
 */
const NAMED_DAYS: { re: RegExp; m: number; d: number; period?: NamedPeriod }[] = [
  // The evening of 12/31 (跨年夜, 跨年晚會, before the countdown), and 跨年 itself: the countdown, the midnight ending 12/31
  // (a clock time after it is still that night's: 「跨年 十一點半」 is 23:30).
  { re: /^(?:跨年夜|跨年晚上|跨年晚會|跨年倒數前|跨年前)/, m: 12, d: 31, period: '晚上' },
  { re: /^(?:跨年倒數|跨年那1刻|跨年)/, m: 12, d: 31, period: '午夜' },
  { re: /^(?:平安夜)/, m: 12, d: 24, period: '晚上' },
  { re: /^(?:聖誕節|耶誕節|聖誕|耶誕)/, m: 12, d: 25 },
  { re: /^(?:元旦|新年第一天)/, m: 1, d: 1 },
  { re: /^(?:和平紀念日|二二八|228)/, m: 2, d: 28 },
  { re: /^(?:兒童節)/, m: 4, d: 4 },
  { re: /^(?:勞動節)/, m: 5, d: 1 },
  { re: /^(?:教師節)/, m: 9, d: 28 },
  { re: /^(?:國慶日|國慶|雙十節|雙十)/, m: 10, d: 10 },
];

/** The part of the day a name says: the evening (平安夜, 除夕夜) or the midnight that ends the day (跨年). */
type NamedPeriod = '晚上' | '午夜';
/** A day named at the start of the text, the part of the day the name says, the rest of the text. */
type Found = { day: Day; period?: NamedPeriod; rest: string; approximate?: boolean };

/** How many days ahead a named day or a month-day is still taken as this one, to be refused, rather than last year's. */
export const SOON_DAYS = 7;
const addDays = (day: Day, n: number): Day => {
  const t = new Date(Date.UTC(day.y, day.m - 1, day.d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
};
const daysBetween = (a: Day, b: Day) => (Date.UTC(b.y, b.m - 1, b.d) - Date.UTC(a.y, a.m - 1, a.d)) / 86_400_000;

/** A named day at the start of `s`: the latest such day up to `today`, the part of the day it names, the rest. */
export function readNamedDay(s: string, today: Day): Found | null {
  for (const n of NAMED_DAYS) {
    const m = n.re.exec(s);
    if (!m) continue;
    const passed = n.m < today.m || (n.m === today.m && n.d <= today.d);
    let day = { y: passed ? today.y : today.y - 1, m: n.m, d: n.d };
    // At most SOON_DAYS ahead (「元旦」 typed on 12/31): the coming one, which the question refuses as still to come (or
    // an offset brings back: 「元旦前一天」), rather than the one of almost a year ago.
    const coming = { y: passed ? today.y + 1 : today.y, m: n.m, d: n.d };
    if (daysBetween(today, coming) <= SOON_DAYS) day = coming;
    return { day, ...(n.period ? { period: n.period } : {}), rest: s.slice(m[0].length) };
  }
  return null;
}

/** Holidays of the lunar calendar, found by their name in the office calendar (playbooks/calendars/). */
const LUNAR_DAYS: { re: RegExp; name: (n: string) => boolean; period?: '晚上' }[] = [
  { re: /^(?:除夕夜|除夕晚上)/, name: (n) => n === '農曆除夕', period: '晚上' },
  { re: /^(?:農曆除夕|除夕)/, name: (n) => n === '農曆除夕' },
  { re: /^(?:春節|過年|農曆新年)/, name: (n) => n === '春節（初一）' },
  { re: /^(?:端午節|端午)/, name: (n) => n === '端午節' },
  { re: /^(?:中秋節|中秋)/, name: (n) => n === '中秋節' },
  { re: /^(?:清明節|清明|民族掃墓節)/, name: (n) => n.includes('民族掃墓節') && !n.includes('補假') },
];
/** How far back a lunar holiday is looked for: a little over a year. */
const LUNAR_LOOK_BACK_DAYS = 400;
/**
 * The days of the New Year (「大年初二」「初三初四」「過年期間 初三」): counted from 春節（初一） of the office calendar. A
 * bare 初二／初三 is also a school year (國中二年級), so it is a day only when that New Year is near: at most
 * BARE_NEW_YEAR_DAYS back (or a week ahead); 大年／年 or the holiday named before it (年假期間, 過年的時候) say it is one.
 * Two days said together (「初三初四」「初三、四」) are the first, approximate.
 */
const NEW_YEAR_DAY =
  /^(?:(?:(?:年假|過年|春節|農曆年|新年)(?:期間|的時候|那幾天|時|中)?\s*)|大年|年)?初(10|[1-9])(?:\s*(?:[、到~-]|或是?|還是)?\s*初?(10|[1-9]))?/;
const BARE_NEW_YEAR_DAYS = 31;

function lunarDay(today: Day, calendar: RestDays, name: (n: string) => boolean): { day: Day; back: number } | null {
  for (let i = -SOON_DAYS; i <= LUNAR_LOOK_BACK_DAYS; i++) {
    const back = i < 0 ? -SOON_DAYS - 1 - i : i;
    // Ahead first, the nearest coming day; then back from today.
    const t = new Date(Date.UTC(today.y, today.m - 1, today.d - back));
    const day = { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
    const key = `${day.y}-${String(day.m).padStart(2, '0')}-${String(day.d).padStart(2, '0')}`;
    if (!calendar.covers(key)) continue;
    const holiday = calendar.holidayName(key);
    if (holiday && name(holiday)) return { day, back };
  }
  return null;
}

/**
 * A lunar-calendar holiday at the start of `s`, from the office calendar: the latest one up to today, or the coming one
 * at most SOON_DAYS ahead (as for the fixed days). Null when `s` names none or the calendar does not have it.
 */
export function readLunarDay(s: string, today: Day, calendar: RestDays | null): Found | null {
  if (!calendar) return null;
  const m = NEW_YEAR_DAY.exec(s);
  if (m) {
    const n = Number(m[1]);
    const second = m[2] === undefined ? null : Number(m[2]);
    if (second !== null && second !== n + 1) return null;
    // The New Year whose day n is the latest up to today (or at most a week ahead).
    const first = lunarDay(addDays(today, -(n - 1)), calendar, (h) => h === '春節（初一）');
    if (!first) return null;
    const bare = !/^(?:年假|過年|春節|農曆年|新年|大年|年)/.test(m[0]);
    if (bare && first.back > BARE_NEW_YEAR_DAYS) return null;
    return { day: addDays(first.day, n - 1), rest: s.slice(m[0].length), ...(second ? { approximate: true } : {}) };
  }
  for (const n of LUNAR_DAYS) {
    const m = n.re.exec(s);
    if (!m) continue;
    const found = lunarDay(today, calendar, n.name);
    return found ? { day: found.day, ...(n.period ? { period: n.period } : {}), rest: s.slice(m[0].length) } : null;
  }
  return null;
}
