/** A calendar day (typed-date.ts's Day, restated here: that file reads these days). */
interface Day {
  y: number;
  m: number;
  d: number;
}

/**
 * Days people name instead of a date (「元旦那天」「跨年夜」「聖誕節下午」): fixed days of the Gregorian calendar that
 * schools in Taiwan mark, read as the most recent one up to today. Lunar-calendar days (除夕, 春節, 端午, 中秋) move
 * every year and are not read: the person is asked for the date instead.
 */
const NAMED_DAYS: { re: RegExp; m: number; d: number; period?: '晚上' }[] = [
  { re: /^(?:跨年夜|跨年晚上|跨年前|跨年)/, m: 12, d: 31, period: '晚上' },
  { re: /^(?:平安夜)/, m: 12, d: 24, period: '晚上' },
  { re: /^(?:聖誕節|耶誕節|聖誕|耶誕)/, m: 12, d: 25 },
  { re: /^(?:元旦|新年第一天)/, m: 1, d: 1 },
  { re: /^(?:和平紀念日|二二八|228)/, m: 2, d: 28 },
  { re: /^(?:兒童節)/, m: 4, d: 4 },
  { re: /^(?:勞動節)/, m: 5, d: 1 },
  { re: /^(?:教師節)/, m: 9, d: 28 },
  { re: /^(?:國慶日|國慶|雙十節|雙十)/, m: 10, d: 10 },
];

/** How many days ahead a named day or a month-day is still taken as this one, to be refused, rather than last year's. */
export const SOON_DAYS = 7;
const daysBetween = (a: Day, b: Day) => (Date.UTC(b.y, b.m - 1, b.d) - Date.UTC(a.y, a.m - 1, a.d)) / 86_400_000;

/** A named day at the start of `s`: the latest such day up to `today`, the part of the day it names, the rest. */
export function readNamedDay(s: string, today: Day): { day: Day; period?: '晚上'; rest: string } | null {
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
