import { TZDate } from '@date-fns/tz';
import { addDays } from 'date-fns/addDays';
import { addMinutes } from 'date-fns/addMinutes';
import { format } from 'date-fns/format';
import { subDays } from 'date-fns/subDays';
import type { ComputedClock, OfficeCalendar } from '../core/clocks/index.js';
import { TIME_ZONE, startOfTaipeiDay, taipeiDayKey, type DayKey } from '../core/time/taipei.js';

/**
 * The reminder schedule of one clock, as a pure function of the computed clock and `now` (tested with a controllable
 * clock). Which reminders a clock gets:
 * - hour clocks (contain-4h, report-window-4h, cyber-1h…): 1 h and 15 min before the target, at it, then every hour
 *   while overdue;
 * - day/month clocks (bureau-3d, closure-1m…): 09:00 of the last working day before the recommended target, 09:00 of
 *   the statutory last day when the statutory end was rolled over to a later day, then 09:00 of every following
 *   working day while overdue (never a message at midnight, although the period ends at 24:00);
 * - ongoing duties without a period (subjects-notify): every day at 09:00 from the day after the trigger;
 * plus the clock's own `reminders` offsets from playbooks/clocks.yaml (a `before` in days means 09:00 of that day;
 * an `every` sets the overdue / ongoing interval). Retention clocks get none.
 * Escalation: owners of the step only, until the first overdue reminder adds the contact window; from the second
 * overdue reminder (or once the statutory end has passed) the principal too.
 *
 * Reminders people do not mute (issue #13):
 * - nothing is planned before the incident existed (`createdAt`): a report entered late does not replay the reminders
 *   it missed. A clock already past its target when the incident is created gets one overdue notice at creation
 *   (`overdue-at-start`: what was missed and what to do), and its repeats count from there;
 * - overdue repeats of hour-counted clocks back off (1 h, then 2, 4, 8, 16 h, then daily), counted per clock from 1;
 * - quiet hours (default 22:00–07:00 Asia/Taipei): a reminder of a day- or month-counted clock or an ongoing duty that
 *   would fall inside them waits for their end. Hour-counted clocks (4 hours, 1 hour, 72 hours) are never held back.
 *   Nor is a reminder whose wait would carry it past a statutory end still ahead (a legal end is binding: a notice
 *   at 22:30 for a period ending at 24:00 goes at 22:30, not at 07:00 the next morning).
 * - a day- or month-counted clock whose statutory end is still ahead also gets one reminder STATUTORY_SOON_MIN before
 *   it (22:00 for a period ending at 24:00, level 2), whatever the target and the quiet hours: the statutory end is
 *   the binding one (legal-rules §4).
 */

export type SlotKind = 'before' | 'due' | 'statutory' | 'statutorySoon' | 'overdue' | 'repeat' | 'overdueAtStart';

/** Local times of day (minutes after 00:00 Asia/Taipei) between which only hour-counted clocks remind. */
export interface QuietHours {
  /** e.g. 22:00 = 1320. */
  startMinute: number;
  /** e.g. 07:00 = 420 (a window across midnight when end < start). */
  endMinute: number;
}

export const DEFAULT_QUIET_HOURS: QuietHours = { startMinute: 22 * 60, endMinute: 7 * 60 };

/** The slot of the one notice a clock gets when it is already overdue as the incident is created. */
export const OVERDUE_AT_START = 'overdue-at-start';

/** 0: the owners of the step; 1: + the contact window (個資聯絡窗口); 2: + the principal (管理人). */
export type EscalationLevel = 0 | 1 | 2;

export interface ReminderSlot {
  clockId: string;
  /** Stable name within the clock, e.g. before-60m, last-workday, due, statutory-day, overdue-2, repeat-3. */
  slot: string;
  kind: SlotKind;
  fireAt: Date;
  level: EscalationLevel;
}

export interface PlanOptions {
  now: Date;
  calendar: OfficeCalendar;
  /** When the incident was created: nothing is planned before it. Default: the clock's start. */
  createdAt?: Date;
  /** Default DEFAULT_QUIET_HOURS; null: none. */
  quietHours?: QuietHours | null;
}

/** Local time of day at which day-based reminders go out. */
export const MORNING_HOUR = 9;
const DEFAULT_HOUR_OFFSETS_MIN = [60, 15];
/** Minutes before a day-counted statutory end (24:00) of its last reminder: 22:00 of the statutory last day. */
export const STATUTORY_SOON_MIN = 120;
/** Overdue repeats of hour-counted clocks: the step (default 1 h) doubles each time up to a day. */
const MAX_BACKOFF_MIN = 24 * 60;
const MAX_REPEATS = 10_000;

type Duration = { amount: number; unit: 'minutes' | 'hours' | 'days' };

const nextDay = (day: DayKey): DayKey => format(addDays(startOfTaipeiDay(day), 1), 'yyyy-MM-dd');
const prevDay = (day: DayKey): DayKey => format(subDays(startOfTaipeiDay(day), 1), 'yyyy-MM-dd');
const morningOf = (day: DayKey): Date => {
  const d = startOfTaipeiDay(day);
  return new Date(new TZDate(d.getFullYear(), d.getMonth(), d.getDate(), MORNING_HOUR, 0, 0, TIME_ZONE).getTime());
};
const minutesOf = (d: Duration) => d.amount * (d.unit === 'minutes' ? 1 : d.unit === 'hours' ? 60 : 1440);

/** Whether the day is a working day; a day the calendar does not cover counts as working (a reminder too many, not one too few). */
function isWorkingDay(calendar: OfficeCalendar, day: DayKey): boolean {
  try {
    return !calendar.describe(day).restDay;
  } catch {
    return true;
  }
}

function lastWorkingDayOnOrBefore(calendar: OfficeCalendar, day: DayKey): DayKey {
  let d = day;
  for (let i = 0; i < 14 && !isWorkingDay(calendar, d); i += 1) d = prevDay(d);
  return d;
}

function nextWorkingDayAfter(calendar: OfficeCalendar, day: DayKey): DayKey {
  let d = nextDay(day);
  for (let i = 0; i < 14 && !isWorkingDay(calendar, d); i += 1) d = nextDay(d);
  return d;
}

/** Whether the clock drives reminders at all (on, applicable, trigger known, a deadline or an ongoing duty). */
export function clockRuns(clock: ComputedClock): boolean {
  if (!clock.enabled || !clock.applies || clock.pending || !clock.startsAt) return false;
  if (clock.kind === 'retention') return false;
  if (clock.kind === 'deadline') return clock.recommendedBy !== null;
  return true;
}

/**
 * Every reminder of the clock up to and including the first one after `now` (overdue and ongoing repeats go on
 * indefinitely: the next one is planned when the previous one fires). Sorted by time; empty when the clock does not run.
 */
export function planClock(clock: ComputedClock, opts: PlanOptions): ReminderSlot[] {
  if (!clockRuns(clock)) return [];
  const out = new Map<string, ReminderSlot>();
  const hourly = clock.period.unit === 'hours';
  const quiet = opts.quietHours === undefined ? DEFAULT_QUIET_HOURS : opts.quietHours;
  const since = opts.createdAt && opts.createdAt > clock.startsAt! ? opts.createdAt : clock.startsAt!;
  const add = (slot: string, kind: SlotKind, at: Date, level: EscalationLevel) => {
    if (at < since) return;
    const held = hourly ? at : afterQuiet(at, quiet);
    // A wait for the quiet hours' end never carries a reminder past a statutory end still ahead of it.
    const fireAt = clock.statutoryEnd && at < clock.statutoryEnd && held >= clock.statutoryEnd ? at : held;
    // One message per instant: the first slot planned for it wins (e.g. the statutory day over the first overdue one).
    if (out.has(slot) || [...out.values()].some((s) => s.fireAt.getTime() === fireAt.getTime())) return;
    out.set(slot, { clockId: clock.id, slot, kind, fireAt, level });
  };
  const every = clock.reminders.find((r) => r.every)?.every as Duration | undefined;
  const befores = clock.reminders.map((r) => r.before).filter((b): b is Duration => !!b);

  if (clock.kind === 'ongoing') {
    const at = (k: number) =>
      every && every.unit !== 'days' ? addMinutes(clock.startsAt!, k * minutesOf(every)) : dailyAfter(clock.startsAt!, k, every);
    // Counted from the first one after the incident was created (a duty started earlier does not begin at 「第9次」).
    let first = 1;
    while (first < MAX_REPEATS && at(first) < since) first += 1;
    repeat(
      opts.now,
      (k) => at(first + k - 1),
      (k, t) => add(`repeat-${k}`, 'repeat', t, 0),
    );
    return sorted(out);
  }

  const target = clock.recommendedBy!;
  const statutoryEnd = clock.statutoryEnd;
  // Already past the target when the incident was created: one notice now (out of quiet hours unless hour-counted),
  // and the overdue repeats count from it.
  const lateStart = opts.createdAt !== undefined && target <= since;
  if (lateStart) add(OVERDUE_AT_START, 'overdueAtStart', since, statutoryEnd && statutoryEnd <= since ? 2 : 1);
  if (hourly) {
    for (const m of [...DEFAULT_HOUR_OFFSETS_MIN, ...befores.map(minutesOf)]) add(`before-${m}m`, 'before', addMinutes(target, -m), 0);
    add('due', 'due', target, 0);
    const stepMin = every ? minutesOf(every) : 60;
    const base = lateStart ? since : target;
    repeat(
      opts.now,
      (k) => addMinutes(base, backoffMinutes(stepMin, k)),
      (k, at) => add(`overdue-${k}`, 'overdue', at, k === 1 && !lateStart ? 1 : 2),
    );
    return sorted(out);
  }

  // Day-based periods: the target is 24:00 of the recommended last day.
  const lastDay = clock.recommendedLastDay!;
  add('last-workday', 'before', morningOf(lastWorkingDayOnOrBefore(opts.calendar, lastDay)), 0);
  for (const b of befores) {
    if (b.unit === 'days')
      add(`before-${b.amount}d`, 'before', morningOf(format(subDays(startOfTaipeiDay(lastDay), b.amount), 'yyyy-MM-dd')), 0);
    else add(`before-${minutesOf(b)}m`, 'before', addMinutes(target, -minutesOf(b)), 0);
  }
  if (statutoryEnd && clock.statutoryLastDay && clock.statutoryLastDay !== lastDay) {
    add('statutory-day', 'statutory', morningOf(clock.statutoryLastDay), 2);
  }
  // The last call before the statutory end (also for a report entered on its last evening, after the 09:00 ones).
  if (statutoryEnd) add('statutory-soon', 'statutorySoon', addMinutes(statutoryEnd, -STATUTORY_SOON_MIN), 2);
  // Overdue mornings: the working days after the target, or after the day of a late start.
  let day = lateStart ? taipeiDayKey(since) : lastDay;
  const overdueDays: DayKey[] = [];
  repeat(
    opts.now,
    (k) => {
      while (overdueDays.length < k) {
        day = nextWorkingDayAfter(opts.calendar, day);
        overdueDays.push(day);
      }
      return morningOf(overdueDays[k - 1]!);
    },
    (k, at) => add(`overdue-${k}`, 'overdue', at, k === 1 && !lateStart && !(statutoryEnd && at >= statutoryEnd) ? 1 : 2),
  );
  return sorted(out);
}

/** Minutes after the base of the k-th overdue repeat: step, then doubling (1, 3, 7, 15 h …), then daily. */
export function backoffMinutes(stepMin: number, k: number): number {
  let total = 0;
  let gap = stepMin;
  for (let i = 1; i <= k; i += 1) {
    total += gap;
    gap = Math.min(gap * 2, Math.max(MAX_BACKOFF_MIN, stepMin));
  }
  return total;
}

/** The minute of the day in Asia/Taipei. */
function taipeiMinute(d: Date): number {
  const t = new TZDate(d.getTime(), TIME_ZONE);
  return t.getHours() * 60 + t.getMinutes();
}

/** Whether `d` falls inside the quiet hours (a window may run across midnight). */
export function inQuietHours(d: Date, quiet: QuietHours | null): boolean {
  if (!quiet || quiet.startMinute === quiet.endMinute) return false;
  const m = taipeiMinute(d);
  return quiet.startMinute < quiet.endMinute
    ? m >= quiet.startMinute && m < quiet.endMinute
    : m >= quiet.startMinute || m < quiet.endMinute;
}

/** `d`, or the end of the quiet hours it falls into (the same morning, or the next one when before midnight). */
export function afterQuiet(d: Date, quiet: QuietHours | null): Date {
  if (!quiet || !inQuietHours(d, quiet)) return d;
  const t = new TZDate(d.getTime(), TIME_ZONE);
  let end = new TZDate(t.getFullYear(), t.getMonth(), t.getDate(), Math.floor(quiet.endMinute / 60), quiet.endMinute % 60, 0, TIME_ZONE);
  if (end.getTime() <= d.getTime())
    end = new TZDate(t.getFullYear(), t.getMonth(), t.getDate() + 1, Math.floor(quiet.endMinute / 60), quiet.endMinute % 60, 0, TIME_ZONE);
  return new Date(end.getTime());
}

/** The k-th (k ≥ 1) day's 09:00 after the day of `start` (or every n days with an `every` in days). */
function dailyAfter(start: Date, k: number, every: Duration | undefined): Date {
  const step = every?.unit === 'days' ? every.amount : 1;
  return morningOf(format(addDays(startOfTaipeiDay(taipeiDayKey(start)), k * step), 'yyyy-MM-dd'));
}

/** Calls `each(k, at)` for k = 1, 2, … up to and including the first instant after `now`. */
function repeat(now: Date, at: (k: number) => Date, each: (k: number, at: Date) => void): void {
  for (let k = 1; k <= MAX_REPEATS; k += 1) {
    const t = at(k);
    each(k, t);
    if (t > now) return;
  }
}

function sorted(m: Map<string, ReminderSlot>): ReminderSlot[] {
  return [...m.values()].sort((a, b) => a.fireAt.getTime() - b.fireAt.getTime() || a.slot.localeCompare(b.slot));
}

/**
 * What to hand to the job queue now: every future reminder, plus the latest one already due (a clock that is overdue
 * the moment it starts, or whose trigger time was corrected to an earlier one, is reminded at once; older due
 * reminders are superseded by it).
 */
export function slotsToSchedule(slots: ReminderSlot[], now: Date): ReminderSlot[] {
  const past = slots.filter((s) => s.fireAt <= now);
  const future = slots.filter((s) => s.fireAt > now);
  return past.length > 0 ? [past[past.length - 1]!, ...future] : future;
}

/** Unique key of one reminder of one clock of one incident (job id, claim, idempotency keys derive from it). */
export function reminderKey(incidentId: string, slot: Pick<ReminderSlot, 'clockId' | 'slot' | 'fireAt'>): string {
  return `rem:${incidentId}:${slot.clockId}:${slot.slot}:${slot.fireAt.toISOString()}`;
}
