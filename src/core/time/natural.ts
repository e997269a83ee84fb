import { TZDate } from '@date-fns/tz';
// Only the Traditional Chinese parser: the package's root loads every locale (~270 modules) at start-up.
import * as zhHant from 'chrono-node/zh/hant';
import { readNamedDay } from './named-days.js';
import { parseLocalDateTime } from './roc.js';
import { type BellSchedule, DEFAULT_BELLS, type RestDays, defaultRestDays, isSchoolDay, readBell } from './school-day.js';
import { TIME_ZONE, inTaipei, taipeiDayKey } from './taipei.js';
import { type DatePart, type Day, PERIOD_START_HOUR, type Period, addDays, readDate } from './typed-date.js';
import { PERIOD_WORDS, hourIn, normalise, readPeriod, readTime } from './words.js';

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
 * in docs/understanding-times.md; this file, typed-date.ts (the dates) and words.ts (the words) are their one home (the bot, every datetime form field and
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
  | { ok: false; reason: 'future'; at: Date; approximate: boolean }
  /** A date said with a weekday or a day's name that does not agree (「11月28號禮拜五」); `at` is the date's start. */
  | { ok: false; reason: 'disagree'; at: Date };

/** Clocks of phones and servers differ a little: a time up to this far ahead of `now` is taken as `now`. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** Longer input is not a time expression (and is not worth scanning). */
const MAX_LENGTH = 60;

function instant(day: Day, hour: number, minute: number): Date {
  return new Date(new TZDate(day.y, day.m - 1, day.d, hour, minute, 0, TIME_ZONE).getTime());
}

/** 剛剛, N 分鐘前, N 小時前: instants counted back from now. */
function readAgo(s: string, now: Date): NaturalTime | null {
  // 現在 is this minute; 剛剛 is a moment ago, how long is not said: this minute too, approximate (confirmed in one tap).
  const just = /^(?:(現在|此刻|目前|當下|now)|剛剛|剛才|方才|剛|剛發現|剛剛發現|just now)$/.exec(s);
  if (just) return { at: new Date(Math.floor(now.getTime() / 60_000) * 60_000), approximate: !just[1] };
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
  let named: Period | undefined;
  if (date) {
    const checked = agreeing(date.rest.trim(), date.part.day);
    if (checked === null) return 'invalid';
    rest = checked.rest;
    // 「昨晚跨年的時候」: the name says more than the date's part of the day (昨晚 is the evening, 跨年 its midnight).
    named = checked.period;
  }
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
  let period = named ?? date?.part.period;
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
    const h = hourIn(period, time.part.h, time.part.twentyFour);
    if (!h) return 'invalid';
    hour = h.hour;
    minute = time.part.mi;
    approximate ||= time.part.approximate || h.guessed;
    if (h.guessed) otherHalf = hour >= 12 ? hour - 12 : hour + 12;
    // 「昨天半夜2點」「前天深夜1點」: the night that ends the day named, so its small hours are the next day's (as 「昨天
    // 晚上1點」 and 「昨天半夜」 are); 凌晨 is the small hours that begin the day named (「昨天凌晨2點」).
    if (date && period && NIGHT.has(period) && hour < SMALL_HOURS_END) hour += 24;
  } else if (period) {
    hour = PERIOD_START_HOUR[period];
    approximate = true;
  } else {
    // A date alone: the start of that day.
    hour = 0;
    approximate = true;
  }
  // 「今天半夜」 typed during the day, before the night that ends today: the night that began it (today 00:00).
  if (date?.part.tonight && period && NIGHT.has(period) && hour >= 24) {
    if (instant(today, hour, minute).getTime() > now.getTime() + FUTURE_TOLERANCE_MS) hour -= 24;
  }
  // 凌晨 and 清晨 name the small hours that begin today itself: 「今天凌晨三點」 typed at 01:20 is still to come.
  const part = date?.part.today && (period === '凌晨' || period === '清晨') ? { ...date.part, today: false } : date?.part;
  return settle(now, today, part, hour, minute, approximate, otherHalf);
}

/** The words for the night that ends a day (its midnight and the small hours after it). */
const NIGHT: ReadonlySet<Period> = new Set(['半夜', '午夜', '深夜']);

/**
 * What may follow a date and only say it again: its weekday (「11月28號禮拜六」, and 「11/22（日）」 as the bot prints it)
 * or the day's name (「12/24平安夜」: the date names the day, so no evening is added). The rest of the text, or null when
 * they do not agree (「11月28號禮拜五」): asked again rather than one of them picked.
 */
function agreeing(rest: string, day: Day): { rest: string; period?: Period } | null {
  const w = /^(?:\((?:週|周|星期)?([1-7日天])\)|(?:週|周|星期|禮拜|礼拜)([1-7日天]))/.exec(rest);
  if (w) {
    const said = w[1] ?? w[2]!;
    const wd = said === '日' || said === '天' ? 0 : Number(said) % 7;
    return new Date(Date.UTC(day.y, day.m - 1, day.d)).getUTCDay() === wd ? { rest: rest.slice(w[0].length).trim() } : null;
  }
  const named = readNamedDay(rest, day);
  if (!named) return { rest };
  if (named.day.m !== day.m || named.day.d !== day.d) return null;
  // A date names the day, so 「12/24平安夜」 adds no evening; 跨年 after 昨晚 or 12/31 names its midnight.
  return { rest: named.rest.trim(), ...(named.period === '午夜' ? { period: named.period } : {}) };
}

/** The date said when what follows it disagrees (「11月28號禮拜五」), so the question can say which day that is. */
function disagreeing(s: string, now: Date, ctx: Context): Date | null {
  const t = inTaipei(now);
  const date = readDate(s, { y: t.getFullYear(), m: t.getMonth() + 1, d: t.getDate() }, ctx.calendar);
  if (!date || date === 'invalid' || agreeing(date.rest.trim(), date.part.day) !== null) return null;
  return instant(date.part.day, 0, 0);
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
  if (late && (!date || date.bareWeekday || ((date.tonight || date.today) && smallHours))) {
    // A time without a date (「晚上11點」 typed after midnight), a bare weekday that is today, tonight or today in the
    // small hours: the last one that passed. Approximate (「下午5點」 typed at 16:05 may be a slip), except in the small
    // hours, when the day just ended is still the one people call today: 「晚上11點」「下午4點」「今天晚上10點」
    // 「今天下午三點」 typed at 00:35 are that day's, as exact as they were said.
    day = addDays(day, date?.bareWeekday ? -7 : -1);
    at = instant(day, hour, minute);
    approximate ||= !smallHours || !!date?.bareWeekday;
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
  // chrono may leave out the first character of a part of the day (「半夜兩點」 found as 「夜兩點」) and a vague 多 after.
  const start = PERIOD_WORDS.some(([w]) => w.length === 2 && t.slice(hit.index - 1, hit.index + 1) === w) ? hit.index - 1 : hit.index;
  let end = hit.index + hit.text.length;
  end += /^(?:多|左右|前後|許)/.exec(t.slice(end))?.[0].length ?? 0;
  const around = normalise(`${t.slice(0, start)} ${t.slice(end)}`).s.replace(/\s+/g, '');
  // Words set aside must not be part of the time (「禮拜ㄧ早上」 is not 「早上」 of today, 「週五 早上」 not 「早上」):
  // then it is asked again.
  if (around.length > MAX_AROUND || /\d/.test(around) || ZHUYIN.test(around)) return null;
  if (readComposite(around, now, ctx) !== null) return null;
  const inner = normalise(t.slice(start, end));
  // A bare number of o'clock in a sentence (「我有3點意見」) is not taken for a time.
  if (/^\d{1,2}\s*[點时時:]/.test(inner.s)) return null;
  const read = readAgo(inner.s, now) ?? readComposite(inner.s, now, ctx);
  return read && read !== 'invalid' ? { at: read.at, approximate: true } : null;
}

/** A clause about finding out (「今天早上才發現」「進辦公室才看到」), not about when it happened. */
const FOUND_OUT = /發現|看到|看見|知道|得知|注意到|接到|收到通知/;
/** A week named by an event (「段考那週」「運動會那個禮拜」): a time the bot cannot place. */
const EVENT_WEEK = /[那這这](?:一)?(?:個)?(?:週|周|星期|禮拜|礼拜)/;
/** What was done, said after the moment (「禮拜五放學後發的」「昨天傳的」): set aside to read the moment. */
const DONE = /(?:發生|上傳|發出|發|傳|寄|貼|po|丟|印)(?:出去|錯)?(?:的|了)?$/;

/**
 * An answer in clauses (「禮拜五放學後發的 今天早上才發現」「早上七點半 我一到學校就看到了」): the one clause that says
 * when it happened. A clause about finding it out is set aside where another gives a time — the occurrence, never
 * later than the discovery, so the cautious reading for the 知悉時間 question too; any other clause must name no time.
 * The clause is read as the whole answer would be (exact where it says an exact time).
 */
function byClauses(text: string, now: Date, ctx: Context): NaturalTimeResult | null {
  const parts = text
    .normalize('NFKC')
    .split(/[\s，,、。；;！!]+/)
    .filter(Boolean);
  if (parts.length < 2 || parts.length > 3 || /不是|不對/.test(text)) return null;
  const read = parts.map((p) => ({ p, found: FOUND_OUT.test(p), r: readNaturalTime(p, now, ctx) }));
  const timed = (x: (typeof read)[number]) => x.r.ok || x.r.reason === 'future';
  let candidates = read.filter((x) => !x.found && timed(x));
  if (candidates.length === 0) candidates = read.filter(timed);
  if (candidates.length !== 1) return null;
  // A week named by something the bot cannot place (「反正是段考那週」) names a time too: asked again.
  const quiet = (p: string) => !/\d/.test(p) && !ZHUYIN.test(p) && !EVENT_WEEK.test(p) && zhHant.parse(p, { instant: now }).length === 0;
  const others = read.filter((x) => x !== candidates[0] && !x.found);
  if (others.some((x) => !quiet(x.p))) return null;
  // Beside words that are not about finding out, a bare 「3點」 is too easily something else (「3點 我有意見」).
  if (others.length > 0 && /^\d{1,2}\s*[點点時时:]/.test(normalise(candidates[0]!.p).s)) return null;
  return candidates[0]!.r;
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
  // The second part is a time too, or a number said with the first's unit (「上禮拜四還是五」「3點到4點」): words after it
  // are not set aside (「禮拜二還是禮拜三 反正是段考那週」 goes to the clauses).
  const second = read(parts[1]);
  if (!second && !/^\d{1,2}\s*(?:點|点|時|时|號|号|日)?\s*(?:半|多)?$/.test(parts[1])) return null;
  const joiner = RANGE.exec(clean)![0].trim();
  if (ALTERNATIVE.test(joiner) && !HAS_CLOCK.test(parts[0]) && !HAS_CLOCK.test(parts[1])) {
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
    // 「禮拜五放學後發的」: the moment, then what was done then.
    const c = readComposite(s, now, ctx) ?? (DONE.test(s) ? readComposite(s.replace(DONE, '').trim(), now, ctx) : null);
    if (c === 'invalid') {
      const said = disagreeing(s, now, ctx);
      return said ? { ok: false, reason: 'disagree', at: said } : { ok: false, reason: 'unreadable' };
    }
    read = c;
  }
  read ??= earlierOfRange(s, now, ctx);
  read ??= withinSentence(text, now, ctx);
  if (!read) {
    const clause = byClauses(text, now, ctx);
    if (clause) return clause;
  }
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
