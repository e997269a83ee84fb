import { taipeiNewMoonNear } from './new-moon.js';

/**
 * A provisional office calendar for a year whose DGPA 政府行政機關辦公日曆表 is not in playbooks/calendars/: the rest
 * days the law fixes in advance, so that a deadline in that year still has an end (marked provisional) instead of none.
 *
 * - 紀念日及節日實施條例 (114年5月28日修正公布) art. 4–5: 開國紀念日 1/1, 和平紀念日 2/28, 兒童節 4/4, 民族掃墓節
 *   (清明), 勞動節 5/1, 孔子誕辰紀念日 9/28, 國慶日 10/10, 臺灣光復暨金門古寧頭大捷紀念日 10/25, 行憲紀念日 12/25;
 *   農曆除夕前一日, 除夕, 春節初一至初三, 端午節 (五月初五), 中秋節 (八月十五).
 * - 兒童節與民族掃墓節同一日: 兒童節於前一日放假，逢星期四者於後一日放假 (同條例).
 * - 補假 (同條例 art. 8; 政府機關配合紀念日與節日補假及調整放假處理要點 pt. 3): a day off on a Saturday is given on
 *   the previous working day, on a Sunday on the next one; 除夕前一日至春節初三 on a weekend are given after 初三
 *   (as the 115 and 116 tables do).
 * - Lunar dates: ICU's Chinese calendar (`Intl.DateTimeFormat` with `calendar: 'chinese'`) numbers the months; the
 *   first day of a month is the Taipei day of its new moon (new-moon.ts; ICU is a day late near midnight), as in
 *   Taiwan's 農民曆. 清明: the 21st-century rule-of-thumb (day = ⌊Y·0.2422 + 4.81⌋ − ⌊Y/4⌋, Y = year − 2000),
 *   right for every year 2001–2099.
 *
 * Not predictable, so absent: 調整放假 with 補行上班 (none since the 114年 amendment), typhoon and other ad-hoc closures,
 * and 原住民族歲時祭儀 (only for indigenous staff). Every day of such a year is marked provisional.
 */
export const PROVISIONAL_YEARS = { from: 2025, to: 2099 } as const;

export const PROVISIONAL_NOTE =
  '本年度政府行政機關辦公日曆表尚未收錄，休息日係依紀念日及節日實施條例及補假規定推算（未含調整放假、補行上班及天然災害停止上班）。';

type Day = string;

const pad = (n: number): string => String(n).padStart(2, '0');
const dayKey = (y: number, m: number, d: number): Day => {
  const t = new Date(Date.UTC(y, m - 1, d));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
};
const shift = (day: Day, n: number): Day => dayKey(Number(day.slice(0, 4)), Number(day.slice(5, 7)), Number(day.slice(8, 10)) + n);
const weekday = (day: Day): number => new Date(`${day}T00:00:00Z`).getUTCDay();
const weekend = (day: Day): boolean => weekday(day) === 0 || weekday(day) === 6;

const LUNAR = new Intl.DateTimeFormat('en-u-ca-chinese', { timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric' });

/** Lunar month (leap months as e.g. "6bis") and day of a Gregorian day. */
function lunar(day: Day): { month: string; day: number } {
  const parts = LUNAR.formatToParts(new Date(`${day}T00:00:00Z`));
  return {
    month: parts.find((p) => p.type === 'month')?.value ?? '',
    day: Number(parts.find((p) => p.type === 'day')?.value),
  };
}

/**
 * The Gregorian day of lunar month/day within Gregorian `year` (non-leap month): ICU names the month, the new moon
 * (new-moon.ts) fixes its first day.
 */
export function lunarDay(year: number, month: number, dayOfMonth: number): Day {
  // Lunar month m always begins 3–8 weeks after the 1st of Gregorian month m (for the months used here): start there.
  for (let day = `${year}-${pad(month)}-01`; day.startsWith(String(year)); day = shift(day, 1)) {
    const l = lunar(day);
    if (l.month === String(month) && l.day === 1) return shift(taipeiNewMoonNear(day), dayOfMonth - 1);
  }
  throw new Error(`No lunar ${month}/${dayOfMonth} in ${year}: the Intl Chinese calendar is missing (Node needs full ICU)`);
}

/** 清明 (solar term, 15° of the sun's longitude), 21st century. */
export function qingming(year: number): Day {
  const y = year - 2000;
  return dayKey(year, 4, Math.floor(y * 0.2422 + 4.81) - Math.floor(y / 4));
}

/** The shape of a calendar file (calendar.ts's CalendarFile, which loads this module: no import back). */
export interface ProvisionalCalendarFile {
  title: string;
  source: string;
  years: number[];
  provisional: true;
  provisionalNote: string;
  holidays: Array<{ date: string; name: string; kind: 'holiday' | 'substitute'; verified: false; note?: string }>;
  workdays: never[];
}

interface Off {
  date: Day;
  name: string;
  kind: 'holiday' | 'substitute';
  note?: string;
}

/** The provisional calendar of `year`, or null outside PROVISIONAL_YEARS. */
export function provisionalYear(year: number): ProvisionalCalendarFile | null {
  if (!Number.isInteger(year) || year < PROVISIONAL_YEARS.from || year > PROVISIONAL_YEARS.to) return null;
  const fixed = (m: number, d: number, name: string, y = year) => ({ date: dayKey(y, m, d), name });

  const newYear = lunarDay(year, 1, 1);
  const lunarBlock = [
    { date: shift(newYear, -2), name: '農曆除夕前一日' },
    { date: shift(newYear, -1), name: '農曆除夕' },
    { date: newYear, name: '春節（初一）' },
    { date: shift(newYear, 1), name: '春節（初二）' },
    { date: shift(newYear, 2), name: '春節（初三）' },
  ];
  const tomb = qingming(year);
  const children = dayKey(year, 4, 4);
  let childrenDay = { date: children, name: '兒童節' };
  let tombName = '民族掃墓節';
  if (tomb === children) {
    // Same day: 兒童節 the day before, or the day after when it is a Thursday (a four-day weekend).
    const after = weekday(children) === 4;
    childrenDay = { date: shift(children, after ? 1 : -1), name: `兒童節（${after ? '後一日' : '前一日'}放假）` };
    tombName = '兒童節、民族掃墓節';
  }
  const others = [
    fixed(1, 1, '中華民國開國紀念日'),
    fixed(2, 28, '和平紀念日'),
    childrenDay,
    { date: tomb, name: tombName },
    fixed(5, 1, '勞動節'),
    { date: lunarDay(year, 5, 5), name: '端午節' },
    { date: lunarDay(year, 8, 15), name: '中秋節' },
    fixed(9, 28, '孔子誕辰紀念日／教師節'),
    fixed(10, 10, '國慶日'),
    fixed(10, 25, '臺灣光復暨金門古寧頭大捷紀念日'),
    fixed(12, 25, '行憲紀念日'),
  ];
  // Next year's 開國紀念日 on a Saturday is given on this year's last working day.
  const nextNewYear = fixed(1, 1, '中華民國開國紀念日', year + 1);

  const days = new Map<Day, Off>();
  for (const h of [...lunarBlock, ...others]) {
    const before = days.get(h.date);
    days.set(h.date, { date: h.date, name: before ? `${before.name}、${h.name}` : h.name, kind: 'holiday' });
  }
  const off = (day: Day) => weekend(day) || days.has(day);
  const give = (from: Day, step: 1 | -1, name: string, note: string) => {
    let day = shift(from, step);
    while (off(day)) day = shift(day, step);
    if (day.startsWith(String(year))) days.set(day, { date: day, name: `${name}（補假）`, kind: 'substitute', note });
  };

  const inBlock = new Set(lunarBlock.map((h) => h.date));
  const lastOfBlock = lunarBlock[lunarBlock.length - 1]?.date ?? newYear;
  let blockEnd = lastOfBlock;
  for (const h of lunarBlock) {
    if (!weekend(h.date)) continue;
    blockEnd = shift(blockEnd, 1);
    while (off(blockEnd)) blockEnd = shift(blockEnd, 1);
    days.set(blockEnd, { date: blockEnd, name: '春節（補假）', kind: 'substitute', note: `${h.name}（${h.date}）適逢週末` });
  }
  for (const h of [...others, nextNewYear].sort((a, b) => a.date.localeCompare(b.date))) {
    if (inBlock.has(h.date)) continue;
    const wd = weekday(h.date);
    if (wd === 6) give(h.date, -1, h.name, `${h.name}（${h.date}）適逢星期六，於前一個上班日補假`);
    else if (wd === 0) give(h.date, 1, h.name, `${h.name}（${h.date}）適逢星期日，於次一個上班日補假`);
  }

  const holidays = [...days.values()]
    .filter((h) => h.date.startsWith(String(year)))
    .sort((a, b) => a.date.localeCompare(b.date))
    .map((h) => ({ date: h.date, name: h.name, kind: h.kind, verified: false as const, ...(h.note ? { note: h.note } : {}) }));
  return {
    title: `中華民國${year - 1911}年（西元${year}年）辦公日曆（依規定推算，暫定）`,
    source: '紀念日及節日實施條例第4條、第5條、第8條；政府機關配合紀念日與節日補假及調整放假處理要點第3點（由系統推算）',
    years: [year],
    provisional: true,
    provisionalNote: PROVISIONAL_NOTE,
    holidays,
    workdays: [],
  };
}
