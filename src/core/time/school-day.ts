import { loadCalendar } from '../clocks/calendar.js';
import type { DayKey } from './taipei.js';

/**
 * The school day in typed times: bell times (「第三節」「第二節下課」「午休」「放學前」) and the office calendar's runs of
 * days off (「連假前最後一天上課」). natural.ts reads the words; this file holds the schedule and the calendar it reads
 * them against.
 */

/** A clock time of the bell schedule, [hour, minute]. */
export type BellTime = readonly [number, number];

/** A school's bell schedule: when each period starts and ends, and the other moments of the day people name. */
export interface BellSchedule {
  早自習: BellTime;
  升旗: BellTime;
  /** 第一節 … 第N節: start and end. */
  periods: readonly { start: BellTime; end: BellTime }[];
  /** The first afternoon period (「下午第一節」): 第五節 in most schools. */
  afternoonFirst: number;
  午餐: BellTime;
  午休: BellTime;
  放學: BellTime;
}

/**
 * The default schedule, used where a school has set none: the common layout of Taiwan's secondary schools (第一節
 * 08:10, periods of 50 minutes with 10-minute breaks, 午休 from 12:10, the afternoon from 13:20) and the earliest usual
 * dismissal, 16:00. Bell times differ by 10–20 minutes between schools: every reading is approximate and confirmed.
 */
export const DEFAULT_BELLS: BellSchedule = {
  早自習: [7, 30],
  升旗: [7, 40],
  periods: [
    { start: [8, 10], end: [9, 0] },
    { start: [9, 10], end: [10, 0] },
    { start: [10, 10], end: [11, 0] },
    { start: [11, 10], end: [12, 0] },
    { start: [13, 20], end: [14, 10] },
    { start: [14, 20], end: [15, 10] },
    { start: [15, 20], end: [16, 10] },
    { start: [16, 20], end: [17, 10] },
  ],
  afternoonFirst: 5,
  午餐: [12, 0],
  午休: [12, 10],
  放學: [16, 0],
};

/**
 * The words for the school day's moments outside the periods, as schools name them: 朝會 and 升旗（典禮） are the same
 * morning assembly, 早自修／早修 and the primary schools' 晨光時間 are 早自習, 午睡 is 午休, 下班 is read as 放學.
 * Longest first, so 「升旗典禮」 is not read as 「升旗」 and a leftover.
 */
const MOMENT_WORDS: Record<string, '早自習' | '升旗' | '午餐' | '午休' | '放學'> = {
  升旗典禮: '升旗',
  中午吃飯: '午餐',
  晨光時間: '早自習',
  早自習: '早自習',
  早自修: '早自習',
  朝會: '升旗',
  早會: '升旗',
  升旗: '升旗',
  早修: '早自習',
  晨光: '早自習',
  午餐: '午餐',
  午休: '午休',
  午睡: '午休',
  放學: '放學',
  下班: '放學',
};
const MOMENT = new RegExp(`^(${Object.keys(MOMENT_WORDS).join('|')})(?:時間|時|前|後|的時候)?$`);

/**
 * The bell time of a school moment at the start of `text` (the whole of it), `'invalid'` for a period the schedule
 * does not have (第九節), or null when `text` is not one.
 */
export function readBell(text: string, bells: BellSchedule): { at: BellTime } | 'invalid' | null {
  let m = /^(下午)?第(\d{1,2})節(?:課)?(上課|開始|下課|結束)?(?:時間|時|後)?$/.exec(text);
  if (m) {
    // 「下午第二節」 counts from the afternoon's first period (第六節); 「下午第六節」 names a period that is already in the
    // afternoon, so it is that period itself.
    const said = Number(m[2]);
    const n = m[1] && said < bells.afternoonFirst ? said + bells.afternoonFirst - 1 : said;
    const period = bells.periods[n - 1];
    if (!period || n < 1) return 'invalid';
    // 「第二節下課」: the break after the period, so its end.
    return { at: m[3] === '下課' || m[3] === '結束' ? period.end : period.start };
  }
  m = MOMENT.exec(text);
  if (!m) return null;
  return { at: bells[MOMENT_WORDS[m[1]!]!] };
}

/** The days off of the office calendar (src/core/clocks/calendar.ts, playbooks/calendars/): what the parser asks of it. */
export interface RestDays {
  covers(day: DayKey): boolean;
  isRestDay(day: DayKey): boolean;
  /** The zh-TW name of the day off (「中秋節」「春節（初一）」), or null. */
  holidayName(day: DayKey): string | null;
}

let projectCalendar: RestDays | null | undefined;
/**
 * The office calendar the parser reads by default: the one the application loaded for its clocks (src/app/app.ts, from
 * the configured playbooks directory), so that both read the same days off.
 */
export function useOfficeCalendar(calendar: RestDays): void {
  projectCalendar = calendar;
}
/** The office calendar set by useOfficeCalendar, else the project's (playbooks/calendars/), loaded once; null when unreadable. */
export function defaultRestDays(): RestDays | null {
  if (projectCalendar === undefined) {
    try {
      projectCalendar = loadCalendar();
    } catch {
      projectCalendar = null;
    }
  }
  return projectCalendar;
}

/** Whether classes are held on `day`: not a weekend or a day off of the calendar (weekends only where it has no year). */
export function isSchoolDay(day: DayKey, calendar: RestDays | null): boolean {
  if (calendar?.covers(day)) return !calendar.isRestDay(day);
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

const key = (d: Date): DayKey => d.toISOString().slice(0, 10) as DayKey;
const shift = (day: DayKey, n: number): DayKey => key(new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000));

/** A long weekend: at least this many days off in a row. */
const LONG_BREAK_DAYS = 3;
/** How far back a long weekend is looked for. */
const LOOK_BACK_DAYS = 60;

/**
 * 「連假前最後一天上課」「連假第一天」「連假最後一天」「收假第一天」: the latest run of LONG_BREAK_DAYS or more days off that
 * began by `today`, and the day named around it. Null when `s` names none, or no such run is found.
 */
export function readLongBreak(s: string, today: DayKey, calendar: RestDays | null): { day: DayKey; rest: string } | null {
  const m =
    /^(?:(連假前|放假前)(?:最後1天|最後1個上課日|1天)?(?:上課|上班)?|(連假|長假)(第1天|最後1天|期間|中|時)?|(收假|連假後)(?:第1天|1天)?(?:上課|上班)?)/.exec(
      s,
    );
  if (!m) return null;
  const off = (d: DayKey) => !isSchoolDay(d, calendar);
  const days = (a: DayKey, b: DayKey) => (Date.parse(b) - Date.parse(a)) / 86_400_000;
  let d = today;
  while (days(d, today) <= LOOK_BACK_DAYS) {
    if (!off(d)) {
      d = shift(d, -1);
      continue;
    }
    // The run of days off around d (it may go on past today: 「連假最後一天」 is then still to come, and refused).
    let start = d;
    let end = d;
    while (off(shift(start, -1))) start = shift(start, -1);
    while (off(shift(end, 1)) && days(d, end) < LOOK_BACK_DAYS) end = shift(end, 1);
    if (days(start, end) + 1 >= LONG_BREAK_DAYS) {
      const rest = s.slice(m[0].length);
      if (m[1]) return { day: shift(start, -1), rest };
      if (m[4]) return { day: shift(end, 1), rest };
      return { day: m[3] === '最後1天' ? end : start, rest };
    }
    d = shift(start, -1);
  }
  return null;
}
