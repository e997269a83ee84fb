import { addDays } from 'date-fns/addDays';
import { addMonths } from 'date-fns/addMonths';
import { format } from 'date-fns/format';
import { getDaysInMonth } from 'date-fns/getDaysInMonth';
import { lastDayOfMonth } from 'date-fns/lastDayOfMonth';
import { setDate } from 'date-fns/setDate';
import { startOfMonth } from 'date-fns/startOfMonth';
import { subDays } from 'date-fns/subDays';
import { type DayKey, startOfTaipeiDay } from '../time/taipei.js';

export type DayBasedUnit = 'days' | 'months' | 'years';

const key = (d: Date): DayKey => format(d, 'yyyy-MM-dd');

/**
 * Last day of a period whose first counted day is `firstDay` (民法 art. 121):
 * - days: the n-th day, `firstDay` being day 1;
 * - months/years: the day before the corresponding date (相當日) of the last month or year;
 *   if that month has no corresponding date, its last day. A period starting on the 1st thus ends
 *   on the last day of the previous month, as art. 121 ¶1 says for periods counted from the start of a month.
 */
export function lastDayCountingFrom(firstDay: DayKey, amount: number, unit: DayBasedUnit): DayKey {
  const start = startOfTaipeiDay(firstDay);
  if (unit === 'days') return key(addDays(start, amount - 1));
  const months = unit === 'years' ? amount * 12 : amount;
  const targetMonth = addMonths(startOfMonth(start), months);
  const day = start.getDate();
  if (day <= getDaysInMonth(targetMonth)) return key(subDays(setDate(targetMonth, day), 1));
  return key(lastDayOfMonth(targetMonth));
}

/**
 * Statutory last day (行政程序法 art. 48 ¶1–3; 民法 art. 120 ¶2, 121): the day of the trigger is not counted.
 * Rest-day rollover is applied separately with the office calendar.
 */
export function statutoryLastDay(triggerDay: DayKey, amount: number, unit: DayBasedUnit): DayKey {
  return lastDayCountingFrom(key(addDays(startOfTaipeiDay(triggerDay), 1)), amount, unit);
}

/** Cautious last day: the day of the trigger counts as the first day, and there is never a rollover. */
export function recommendedLastDay(triggerDay: DayKey, amount: number, unit: DayBasedUnit): DayKey {
  return lastDayCountingFrom(triggerDay, amount, unit);
}
