import { TZDate } from '@date-fns/tz';
// Only the Traditional Chinese parser: the package's root loads every locale (~270 modules) at start-up.
import * as zhHant from 'chrono-node/zh/hant';
import { chineseNumeral, replaceChineseNumerals } from './numerals.js';
import { parseLocalDateTime } from './roc.js';
import { type BellSchedule, DEFAULT_BELLS, type RestDays, defaultRestDays, isSchoolDay, readBell } from './school-day.js';
import { fixSlips } from './slips.js';
import { TIME_ZONE, inTaipei, taipeiDayKey } from './taipei.js';
import { type DatePart, type Day, PERIOD_START_HOUR, type Period, addDays, readDate } from './typed-date.js';

export { PERIOD_START_HOUR } from './typed-date.js';
export { type BellSchedule, DEFAULT_BELLS } from './school-day.js';

/**
 * What a school's own settings change in the reading: its bell schedule (DEFAULT_BELLS without one) and the office
 * calendar of days off (playbooks/calendars/, loaded once, without one).
 */
export interface TimeContext {
  bells?: BellSchedule;
  calendar?: RestDays | null;
}
interface Context {
  bells: BellSchedule;
  calendar: RestDays | null;
}
const withDefaults = (c: TimeContext | undefined): Context => ({
  bells: c?.bells ?? DEFAULT_BELLS,
  calendar: c?.calendar === undefined ? defaultRestDays() : c.calendar,
});

/**
 * Times as school staff type them (「昨天下午3點左右」「11月5日早上」「上週三 15:30」「115/11/20」「三個小時前」), read as an
 * instant in Asia/Taipei relative to `now`. The accepted forms and the representative hours of vague words are listed
 * in docs/understanding-times.md; this file and typed-date.ts (the dates) are their one home (the bot, every datetime form field and
 * `npm run understand -- when` call it).
 *
 * The product only asks for times that have already happened (occurrence, awareness, correction), so wherever a typed
 * expression leaves something open (a date without a year, a time without a date, a bare weekday), the most recent
 * past reading is taken; a reading that is still in the future is reported as such rather than moved elsewhere.
 */

export interface NaturalTime {
  at: Date;
  /**
   * The expression was vague (「早上」「左右」, a date without a time, 「3點」 without 上午/下午, a time of day taken to
   * be yesterday): `at` is a representative reading the person should confirm.
   */
  approximate: boolean;
}

export type NaturalTimeResult =
  | ({ ok: true } & NaturalTime)
  | { ok: false; reason: 'unreadable' }
  /** Understood, but later than `now` (beyond a few minutes of clock difference); `at` is what was understood. */
  | { ok: false; reason: 'future'; at: Date; approximate: boolean };

/** Clocks of phones and servers differ a little: a time up to this far ahead of `now` is taken as `now`. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** Longer input is not a time expression (and is not worth scanning). */
const MAX_LENGTH = 60;

/** Words for a part of the day, longest first, mapped to the period whose rules they follow. */
const PERIOD_WORDS: [string, Period][] = [
  ['凌晨', '凌晨'],
  ['半夜', '半夜'],
  ['午夜', '午夜'],
  ['清晨', '清晨'],
  ['早上', '早上'],
  ['早晨', '早上'],
  ['一早', '早上'],
  ['上午', '上午'],
  ['中午', '中午'],
  ['午間', '中午'],
  ['下午', '下午'],
  ['午後', '下午'],
  ['傍晚', '傍晚'],
  ['黃昏', '傍晚'],
  ['晚上', '晚上'],
  ['晚間', '晚上'],
  ['夜間', '晚上'],
  ['夜裡', '晚上'],
  ['深夜', '深夜'],
  ['早', '早上'],
  ['晚', '晚上'],
  ['夜', '晚上'],
];

/** Words that make a time approximate; they are removed before reading the rest. */
const APPROX_WORDS = /(不太確定|不確定|不記得|左右|前後|上下|附近|大約|大概|大致|約莫|差不多|估計|應該是|可能是|好像是|似乎是|約略|約)/g;
/** Filler that carries no time: 「在」「於」 at the start, 「的時候」, 「發現的」. */
const FILLER = /(^(?:在|於|是)|的時候|之時|的時間|發生|發現|時候|那天|當天|的)/g;

interface TimePart {
  h: number;
  mi: number;
  approximate: boolean;
  colon: boolean;
}
function readPeriod(s: string): { period: Period; rest: string } | null {
  for (const [word, period] of PERIOD_WORDS) {
    if (s.startsWith(word)) return { period, rest: s.slice(word.length) };
  }
  return null;
}

/** Reads a clock time at the start of `s`: 15:30, 3點, 3點半, 3點15分, 3點1刻, 3點多, 3時30分, 3pm. */
function readTime(s: string): { part: TimePart; rest: string } | 'invalid' | null {
  let m = /^(\d{1,2})\s*:\s*(\d{2})(?:\s*:\s*(\d{2}))?/.exec(s);
  if (m) {
    const h = Number(m[1]);
    const mi = Number(m[2]);
    if (h > 24 || mi > 59 || (h === 24 && mi > 0)) return 'invalid';
    return { part: { h, mi, approximate: false, colon: true }, rest: s.slice(m[0].length) };
  }
  m = /^(\d{1,2})\s*(?:點|点|時|时)\s*(?:鐘|钟)?\s*(?:(整)|(半)|(多)|(\d)\s*刻|(\d{1,2})\s*(幾)?\s*(?:分|分鐘)?(多)?)?/.exec(s);
  if (m) {
    const h = Number(m[1]);
    const mi = m[3] ? 30 : m[5] ? Number(m[5]) * 15 : m[6] ? Number(m[6]) : 0;
    if (h > 24 || mi > 59 || (h === 24 && mi > 0)) return 'invalid';
    return { part: { h, mi, approximate: !!(m[4] || m[7] || m[8]), colon: false }, rest: s.slice(m[0].length) };
  }
  return null;
}

/**
 * The hour of the day for `h` said with `period` (下午3點 → 15, 晚上12點 → 24 i.e. the next midnight,
 * 凌晨12點 → 0), or null when they do not go together (下午9點 is fine as 21:00; 上午15點 is not).
 */
function hourIn(period: Period | undefined, h: number, colon: boolean): { hour: number; guessed: boolean } | null {
  if (period === undefined) {
    // 15:30, 09:30, 0點 are unambiguous; so is 「9:30」 (a clock written with a colon reads as 24-hour).
    if (colon || h === 0 || h > 12) return { hour: h, guessed: false };
    // 「3點」 without 上午/下午: school hours (07:00–18:59) decide; the person confirms.
    return { hour: h <= 6 ? h + 12 : h, guessed: true };
  }
  if (h > 12) {
    // 「下午15:30」: already 24-hour; accept it only where it agrees with the period.
    const pm = period === '下午' || period === '傍晚' || period === '晚上' || period === '深夜' || period === '中午';
    return pm ? { hour: h, guessed: false } : null;
  }
  switch (period) {
    case '凌晨':
    case '清晨':
    case '早上':
    case '上午':
      return { hour: h === 12 && period === '凌晨' ? 0 : h, guessed: false };
    case '中午':
      return { hour: h <= 2 ? h + 12 : h, guessed: false };
    case '下午':
    case '傍晚':
      return { hour: h === 12 ? 12 : h + 12, guessed: false };
    case '晚上':
    case '深夜':
    case '半夜':
    case '午夜':
      // 晚上12點 / 半夜12點 is the midnight that ends the day; 晚上1點 is the small hours after it, while 半夜2點 and
      // 深夜2點 are read on the day named (as 凌晨2點 is: the earlier, cautious reading).
      if (h === 12) return { hour: 24, guessed: false };
      if (h <= 4) return { hour: period === '晚上' ? h + 24 : h, guessed: false };
      return { hour: h + 12, guessed: false };
  }
}

function instant(day: Day, hour: number, minute: number): Date {
  return new Date(new TZDate(day.y, day.m - 1, day.d, hour, minute, 0, TIME_ZONE).getTime());
}

/** NFKC, lower case, Chinese numerals as digits, punctuation as spaces; the approximate words found. */
function normalise(text: string): { s: string; approximate: boolean } {
  let s = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u200b\ufeff]/g, '');
  s = s.replace(/[，,、。！!？?]+/g, ' ').trim();
  s = fixSlips(s);
  let approximate = false;
  // Two neighbouring numbers said together (「八九點」「兩三天前」「三四個小時前」): the earlier reading, approximate.
  s = s.replace(
    /([一二兩两三四五六七八九])([二三四五六七八九])(?=\s*(點|点|時|时|天|日|個|个|小時|分鐘|分|週|周|星期|禮拜))/g,
    (all, a: string, b: string, unit: string) => {
      const x = chineseNumeral(a);
      const y = chineseNumeral(b);
      if (x === null || y !== x + 1) return all;
      approximate = true;
      // A clock time (「八九點」) starts at the first; a count back (「兩三天前」「這兩三天」) reaches furthest with the second.
      return /^(點|点|時|时|分)$/.test(unit) ? a : b;
    },
  );
  s = replaceChineseNumerals(s);
  // 「pm3:30」「PM 3點」 → 下午3點30
  s = s.replace(
    /(?<![a-z])([ap])\.?m\.?\s*(\d{1,2})(?::(\d{2}))?/g,
    (_, ap: string, h: string, mi: string | undefined) => `${ap === 'a' ? '上午' : '下午'}${h}點${mi ?? ''}`,
  );
  // 3pm, 9:30 a.m. → 下午3點, 上午9點30
  s = s.replace(
    /(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?(?![a-z])/g,
    (_, h: string, mi: string | undefined, ap: string) => `${ap === 'a' ? '上午' : '下午'}${h}點${mi ?? ''}`,
  );
  s = s.replace(APPROX_WORDS, () => {
    approximate = true;
    return ' ';
  });
  s = s.trim().replace(FILLER, ' ');
  return { s: s.replace(/\s+/g, ' ').trim(), approximate };
}

/** 剛剛, N 分鐘前, N 小時前: instants counted back from now. */
function readAgo(s: string, now: Date): NaturalTime | null {
  if (/^(現在|此刻|目前|當下|now|剛剛|剛才|方才|剛|剛發現|剛剛發現|just now)$/.test(s)) {
    return { at: new Date(Math.floor(now.getTime() / 60_000) * 60_000), approximate: false };
  }
  if (/^(稍早|早些時候|不久前|剛剛不久|稍早之前)$/.test(s)) return { at: new Date(now.getTime() - 60 * 60_000), approximate: true };
  const m = /^(\d+(?:\.\d+)?)?(?:個)?(半)?(?:個)?(分鐘|分|小時|鐘頭|鐘)(半)?(?:前|之前|以前)$/.exec(s.replace(/\s+/g, ''));
  if (!m || (!m[1] && !m[2])) return null;
  const unit = m[3] === '分鐘' || m[3] === '分' ? 1 : 60;
  const n = (m[1] ? Number(m[1]) : 0) + (m[2] || m[4] ? 0.5 : 0);
  if (n <= 0 || n * unit > 7 * 24 * 60) return null;
  // Hours are said roughly (「三個小時前」); minutes are meant.
  return { at: new Date(now.getTime() - Math.round(n * unit) * 60_000), approximate: unit === 60 || m[1] === undefined };
}

/** The grammar: [date] [period] [time] [period], each optional but at least one, nothing left over. */
function readComposite(s: string, now: Date, ctx: Context): NaturalTime | 'invalid' | null {
  const t = inTaipei(now);
  const today: Day = { y: t.getFullYear(), m: t.getMonth() + 1, d: t.getDate() };
  let rest = s;
  const date = readDate(rest, today, ctx.calendar);
  if (date === 'invalid') return 'invalid';
  // The weekday the bot itself prints after a date (「11/22（日）」) may be typed back.
  if (date)
    rest = date.rest
      .trim()
      .replace(/^\((?:週|周|星期)?[1-7日天]\)/, '')
      .trim();
  // 「早自習」「第三節」「第二節下課」, also after a part of the day (「早上第一節」): the school's bell time, approximate.
  // Without a date, the latest day with classes on which it has passed (「午休時間」 typed on a Sunday: Friday's); on a
  // date without classes (a weekend, a day off of the calendar: 「前天放學後」 said on a Tuesday) it is asked again.
  const school = (text: string): NaturalTime | 'invalid' | null => {
    const bell = readBell(text.replace(/\s+/g, ''), ctx.bells);
    if (bell === null || bell === 'invalid') return bell;
    let read = settle(now, today, date?.part, bell.at[0], bell.at[1], true);
    for (let back = 1; !date && back <= SCHOOL_DAYS_BACK && !isSchoolDay(taipeiDayKey(read.at), ctx.calendar); back++) {
      read = { at: instant(addDays(today, -back), bell.at[0], bell.at[1]), approximate: true };
    }
    return isSchoolDay(taipeiDayKey(read.at), ctx.calendar) ? read : 'invalid';
  };
  const bell = school(rest);
  if (bell) return bell;
  let period = date?.part.period;
  const p1 = readPeriod(rest);
  if (p1) {
    period = p1.period;
    rest = p1.rest.trim();
    const later = school(rest);
    if (later) return later;
  }
  const time = readTime(rest);
  if (time === 'invalid') return 'invalid';
  if (time) rest = time.rest.trim();
  const p2 = !p1 ? readPeriod(rest) : null; // 「3pm」「3點 下午」
  if (p2 && time) {
    period = p2.period;
    rest = p2.rest.trim();
  }
  rest = rest.replace(/^(鐘|整|時|許|许)$/, '');
  if (rest !== '' || (!date && !period && !time)) return null;

  let approximate = date?.part.approximate ?? false;
  let hour: number;
  let minute = 0;
  let otherHalf: number | undefined;
  if (time) {
    const h = hourIn(period, time.part.h, time.part.colon);
    if (!h) return 'invalid';
    hour = h.hour;
    minute = time.part.mi;
    approximate ||= time.part.approximate || h.guessed;
    if (h.guessed) otherHalf = hour >= 12 ? hour - 12 : hour + 12;
  } else if (period) {
    hour = PERIOD_START_HOUR[period];
    approximate = true;
  } else {
    // A date alone: the start of that day.
    hour = 0;
    approximate = true;
  }
  return settle(now, today, date?.part, hour, minute, approximate, otherHalf);
}

/** The instant of `hour:minute` on the date read (today without one), moved back where the text left the day open. */
function settle(
  now: Date,
  today: Day,
  date: DatePart | undefined,
  hour: number,
  minute: number,
  approximate: boolean,
  otherHalf?: number,
): NaturalTime {
  let day = date?.day ?? today;
  let at = instant(day, hour, minute);
  const late = at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS;
  if (!date && otherHalf !== undefined) {
    // A bare hour (「九點」「3點」): the most recent past occurrence of that clock time, in either half of the day —
    // 「九點」 typed at 21:30 is 21:00, 「十一點五十幾分」 at 00:40 is 23:50 — except the small hours (before 06:00) more
    // than RECENT_SMALL_HOURS_MS ago, which staff do not mean: 「3點」 typed at 10:20 is yesterday afternoon, not 03:00.
    let best: Date | undefined;
    for (const d of [today, addDays(today, -1)]) {
      for (const h of [hour, otherHalf]) {
        const c = instant(d, h, minute);
        const ago = now.getTime() - c.getTime();
        if (ago < -FUTURE_TOLERANCE_MS || (h < SMALL_HOURS_END && ago > RECENT_SMALL_HOURS_MS)) continue;
        if (!best || c.getTime() > best.getTime()) best = c;
      }
    }
    if (best) return { at: best, approximate: true };
  }
  // 「今晚十點」 typed at 00:40 by someone still up: the night in progress began yesterday evening.
  const smallHours = inTaipei(now).getHours() < SMALL_HOURS_END;
  if (late && (!date || date.bareWeekday || (date.tonight && smallHours))) {
    // A time without a date (「晚上11點」 typed after midnight), a bare weekday that is today, tonight in the small
    // hours: the last one that passed.
    day = addDays(day, date?.bareWeekday ? -7 : -1);
    at = instant(day, hour, minute);
    approximate = true;
  }
  return { at, approximate };
}

/** Until this hour, 「今晚」 is the night still in progress, begun the evening before. */
const SMALL_HOURS_END = 6;
/** How far back a school moment without a date looks for a day with classes (a winter break is ~3 weeks). */
const SCHOOL_DAYS_BACK = 31;
/** How recent a small-hours reading of a bare hour must be to be meant. */
const RECENT_SMALL_HOURS_MS = 6 * 3600_000;

/** Zhuyin symbols (typed for a character, 「禮拜ㄧ」) are never set aside around a time: they may be part of it. */
const ZHUYIN = /[\u3105-\u312f]/;

/** At most this much text around a time found inside a sentence (「應該是昨天下午3點那時候吧」). */
const MAX_AROUND = 6;

/**
 * A time inside a short sentence: chrono-node's zh.hant parser finds where the expression is, and our grammar reads
 * it (chrono's own arithmetic works in the process's time zone, so only its finding is used). Only one expression,
 * little else around it and no question; the reading is approximate, since words were set aside.
 */
function withinSentence(text: string, now: Date, ctx: Context): NaturalTime | null {
  const t = text.normalize('NFKC').trim();
  if (/[?？嗎]/.test(t)) return null;
  let found: zhHant.ParsedResult[];
  try {
    found = zhHant.parse(t, { instant: now, timezone: 'Asia/Taipei' });
  } catch {
    return null;
  }
  if (found.length !== 1) return null;
  const hit = found[0]!;
  const around = normalise(`${t.slice(0, hit.index)} ${t.slice(hit.index + hit.text.length)}`).s.replace(/\s+/g, '');
  // Words set aside must not be part of the time (「禮拜ㄧ早上」 is not 「早上」 of today, 「週五 早上」 not 「早上」):
  // then it is asked again.
  if (around.length > MAX_AROUND || /\d/.test(around) || ZHUYIN.test(around)) return null;
  if (readComposite(around, now, ctx) !== null) return null;
  const inner = normalise(hit.text);
  // A bare number of o'clock in a sentence (「我有3點意見」) is not taken for a time.
  if (/^\d{1,2}\s*[點时時:]/.test(inner.s)) return null;
  const read = readAgo(inner.s, now) ?? readComposite(inner.s, now, ctx);
  return read && read !== 'invalid' ? { at: read.at, approximate: true } : null;
}

/** Words joining two readings: a range (「三點到四點之間」「8-9點」) or alternatives (「週四還是週五」「3點或4點」). */
const RANGE = /\s*(?:到|至|~|～|-|—|或是|或者|或|還是|还是)\s*/;
const ALTERNATIVE = /^(?:或是|或者|或|還是|还是)$/;
/** A part that names a clock time (its hour may depend on the other part: 「晚上11點或12點」). */
const HAS_CLOCK = /\d\s*(?:點|点|時|时|:)|[點点]/;

/**
 * A range or two alternatives, approximate: the cautious reading, as for every vague answer. A range's first part is
 * its start, read with nothing of the second (「昨天下午三點到四點之間」 → yesterday 15:00). Of two alternative days,
 * the earlier, whichever was said first (「昨天還是前天」 → the day before yesterday); alternatives naming a clock time
 * are read as a range (「晚上11點或12點」: the second hour is only readable with the first's period).
 */
function earlierOfRange(s: string, now: Date, ctx: Context): NaturalTime | null {
  const clean = s.replace(/\s*之間$|\s*中間$/, '');
  const parts = clean.split(RANGE);
  if (parts.length !== 2 || !parts[0] || !parts[1]) return null;
  const read = (part: string) => {
    const r = readAgo(part, now) ?? readComposite(part, now, ctx);
    return r && r !== 'invalid' ? r : null;
  };
  const first = read(parts[0]);
  if (!first) return null;
  const joiner = RANGE.exec(clean)![0].trim();
  if (ALTERNATIVE.test(joiner) && !HAS_CLOCK.test(parts[0]) && !HAS_CLOCK.test(parts[1])) {
    const second = read(parts[1]);
    if (second && second.at.getTime() < first.at.getTime()) return { at: second.at, approximate: true };
  }
  return { at: first.at, approximate: true };
}

/** 「剛剛」「剛才」 and what the person was doing (起床看到、到校發現…) before the time they give. */
const JUST_DONE =
  /^(?:剛剛|剛才|方才)\s*(?:起床|醒來|睡醒|到校|到學校|進辦公室|上班|回家|下班|打開|點開)?\s*(?:看到|看見|收到|注意到|聽到|聽說|知道|接到|才|就)?\s*/;

/**
 * Reads `text` as a moment relative to `now`. Never throws; garbage gives `{ ok: false, reason: 'unreadable' }`,
 * a moment still to come gives `reason: 'future'` (these fields only take times that have passed).
 */
export function readNaturalTime(text: string, now: Date, context?: TimeContext): NaturalTimeResult {
  if (typeof text !== 'string' || text.length > MAX_LENGTH * 4) return { ok: false, reason: 'unreadable' };
  const ctx = withDefaults(context);
  const normal = normalise(text);
  if (normal.s === '' || normal.s.length > MAX_LENGTH) return { ok: false, reason: 'unreadable' };
  // 「剛才十一點多」「剛剛起床看到的 大概6點」: what was just done, then the time — the time is the answer.
  const told = normal.s.replace(JUST_DONE, '');
  const s = told === '' ? normal.s : told;
  const marked = normal.approximate || s !== normal.s;
  let read: NaturalTime | null = readAgo(s, now);
  if (!read) {
    const c = readComposite(s, now, ctx);
    if (c === 'invalid') return { ok: false, reason: 'unreadable' };
    read = c;
  }
  read ??= earlierOfRange(s, now, ctx);
  read ??= withinSentence(text, now, ctx);
  if (!read) {
    // ISO 8601 with an offset (2026-11-20T14:30:00+08:00) and the other machine forms of the command line.
    const exact = parseLocalDateTime(s.toUpperCase());
    if (!exact) return { ok: false, reason: 'unreadable' };
    read = { at: exact, approximate: false };
  }
  const approximate = read.approximate || marked;
  if (read.at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) return { ok: false, reason: 'future', at: read.at, approximate };
  // A few minutes ahead is a clock difference: now.
  const at = read.at.getTime() > now.getTime() ? new Date(now.getTime()) : read.at;
  return { ok: true, at, approximate };
}

/** The reading of `text`, or null when it is not a time that has passed. */
export function parseNaturalTime(text: string, now: Date, context?: TimeContext): NaturalTime | null {
  const r = readNaturalTime(text, now, context);
  return r.ok ? { at: r.at, approximate: r.approximate } : null;
}

/**
 * A day as typed, where a future reading is fine (a plan's completion date, a submission date typed ahead): the
 * moment read, past or future, or null when the text is not a time.
 */
export function readAnyDay(text: string, now: Date, context?: TimeContext): Date | null {
  const r = readNaturalTime(text, now, context);
  return r.ok || r.reason === 'future' ? r.at : null;
}
