import { TZDate } from '@date-fns/tz';
import { addDays } from 'date-fns/addDays';
import { format } from 'date-fns/format';
import { formatISO } from 'date-fns/formatISO';
import { isExists } from 'date-fns/isExists';

/** Every legal date and deadline of the product is reckoned in this zone (UTC+8, no daylight saving). */
export const TIME_ZONE = 'Asia/Taipei';

/** A calendar day in Asia/Taipei, written `YYYY-MM-DD`. */
export type DayKey = string;

const DAY_KEY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The same instant, seen in Asia/Taipei (date-fns functions then work on Taipei fields). */
export function inTaipei(d: Date | number): TZDate {
  return new TZDate(typeof d === 'number' ? d : d.getTime(), TIME_ZONE);
}

/** The Taipei calendar day of an instant. */
export function taipeiDayKey(d: Date): DayKey {
  return format(inTaipei(d), 'yyyy-MM-dd');
}

/** Whether `text` is a real `YYYY-MM-DD` calendar date (2026-02-30 is not). */
export function isDayKey(text: string): boolean {
  // isExists rather than date-fns' parse: the same check, without parse's ~270 ms of modules at start-up.
  if (!DAY_KEY.test(text)) return false;
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  return isExists(y, m - 1, d);
}

/** 00:00 Asia/Taipei of a day. Throws on a malformed key (a programming error: keys are validated at load). */
export function startOfTaipeiDay(day: DayKey): TZDate {
  const m = DAY_KEY.exec(day);
  if (!m || !isDayKey(day)) throw new Error(`Invalid day key "${day}": expected a real date as YYYY-MM-DD`);
  return new TZDate(Number(m[1]), Number(m[2]) - 1, Number(m[3]), TIME_ZONE);
}

/**
 * The instant that ends a day: 24:00 of `day`, represented as 00:00 of the next day in Asia/Taipei.
 * Deadlines "at the end of the last day" use this form; formatters show it as 「24:00」 of `day`.
 */
export function endOfTaipeiDay(day: DayKey): Date {
  return new Date(addDays(startOfTaipeiDay(day), 1).getTime());
}

/** ISO 8601 with the +08:00 offset, e.g. `2026-11-10T00:00:00+08:00`. */
export function toTaipeiIso(d: Date): string {
  return formatISO(inTaipei(d));
}

/** Taipei wall-clock time to the minute, `2026-11-20T14:30` (a form's date-time value; no offset, Taipei implied). */
export function taipeiWallClock(d: Date): string {
  return format(inTaipei(d), "yyyy-MM-dd'T'HH:mm");
}
