import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { addDays } from 'date-fns/addDays';
import { format } from 'date-fns/format';
import { getDay } from 'date-fns/getDay';
import { z } from 'zod';
import { DataFileError, loadYamlData } from '../data/yaml-file.js';
import { PROJECT_ROOT } from '../data/root.js';
import { type DayKey, isDayKey, startOfTaipeiDay, taipeiDayKey } from '../time/taipei.js';
import { provisionalYear } from './provisional-year.js';

/** playbooks/calendars/ of this project. */
export const DEFAULT_CALENDAR_DIR = `${join(PROJECT_ROOT, 'playbooks', 'calendars')}/`;

const dayKey = z
  .string({ error: 'expected a date written YYYY-MM-DD (quote it if in doubt)' })
  .refine(isDayKey, { error: (iss) => `"${String(iss.input)}" is not a real calendar date (YYYY-MM-DD)` });

const entryFields = {
  date: dayKey,
  name: z.string().min(1, 'name (zh-TW) is required'),
  verified: z.boolean().default(true),
  note: z.string().optional(),
};

/** 放假日 (the holiday itself), 補假 (substitute day off), 調整放假 (working day turned into a day off). */
export const HOLIDAY_KINDS = ['holiday', 'substitute', 'adjusted'] as const;
export type HolidayKind = (typeof HOLIDAY_KINDS)[number];

export const calendarFileSchema = z
  .object({
    title: z.string().min(1),
    source: z.string().min(1, 'say where the dates come from (DGPA letter, announcement …)'),
    years: z.array(z.number().int().min(1912).max(2200)).min(1, 'list the years this file covers'),
    /** The official DGPA table for these years was not seen: dates are derived from the rules and may change. */
    provisional: z.boolean().default(false),
    provisionalNote: z.string().optional(),
    holidays: z.array(z.object({ ...entryFields, kind: z.enum(HOLIDAY_KINDS).default('holiday') }).strict()),
    workdays: z.array(z.object(entryFields).strict()).default([]),
  })
  .strict()
  .superRefine((cal, ctx) => {
    const years = new Set(cal.years);
    if (years.size !== cal.years.length) ctx.addIssue({ code: 'custom', path: ['years'], message: 'a year is listed twice' });
    const seen = new Map<string, string>();
    const check = (list: 'holidays' | 'workdays', i: number, date: string) => {
      if (!isDayKey(date)) return;
      const year = Number(date.slice(0, 4));
      if (!years.has(year)) {
        ctx.addIssue({
          code: 'custom',
          path: [list, i, 'date'],
          message: `${date} is outside the covered years (${cal.years.join(', ')})`,
        });
      }
      const before = seen.get(date);
      if (before) ctx.addIssue({ code: 'custom', path: [list, i, 'date'], message: `${date} is listed twice (also at ${before})` });
      seen.set(date, `${list}.${i}`);
    };
    cal.holidays.forEach((h, i) => {
      check('holidays', i, h.date);
      if (isDayKey(h.date) && h.kind !== 'holiday' && isWeekend(h.date)) {
        ctx.addIssue({
          code: 'custom',
          path: ['holidays', i, 'date'],
          message: `${h.date} is a ${weekdayName(h.date)}: a ${h.kind} day off must be a weekday`,
        });
      }
    });
    cal.workdays.forEach((w, i) => {
      check('workdays', i, w.date);
      if (isDayKey(w.date) && !isWeekend(w.date)) {
        ctx.addIssue({
          code: 'custom',
          path: ['workdays', i, 'date'],
          message: `${w.date} is a ${weekdayName(w.date)}: a make-up working day (補行上班) must be a Saturday or Sunday`,
        });
      }
    });
  });

export type CalendarFile = z.output<typeof calendarFileSchema>;

function isWeekend(day: DayKey): boolean {
  const wd = getDay(startOfTaipeiDay(day));
  return wd === 0 || wd === 6;
}

function weekdayName(day: DayKey): string {
  return format(startOfTaipeiDay(day), 'EEEE');
}

/** A date the loaded calendar cannot answer for: the school must add that year's office calendar. */
export class CalendarCoverageError extends Error {
  constructor(
    readonly day: DayKey,
    readonly year: number,
    readonly coveredYears: readonly number[],
  ) {
    super(
      `The office calendar covers ${coveredYears.join(', ') || 'no year'} only, but ${day} needs ${year}: ` +
        `add playbooks/calendars/${year}.yaml from the DGPA 政府行政機關辦公日曆表 for ${year}.`,
    );
    this.name = 'CalendarCoverageError';
  }
}

export interface CalendarDay {
  day: DayKey;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  restDay: boolean;
  /** Holiday or make-up working day entry of the calendar, if any. */
  entry?: { name: string; kind: HolidayKind | 'workday'; verified: boolean; note?: string; file: string };
  /** The year's official table was not confirmed (file marked provisional). */
  provisional: boolean;
}

/** Taiwan central government office calendar (DGPA): which days are rest days. */
export interface OfficeCalendar {
  /** Years the loaded files cover; any other year is derived provisionally (loadCalendar) or refused. */
  readonly coverage: readonly number[];
  readonly files: readonly string[];
  covers(day: DayKey | Date): boolean;
  /** Details of a day. Throws CalendarCoverageError outside the coverage. */
  describe(day: DayKey | Date): CalendarDay;
  /** Sunday, Saturday (unless a make-up working day), holiday, 補假 or 調整放假. Throws CalendarCoverageError outside the coverage. */
  isRestDay(day: DayKey | Date): boolean;
  /** The first working day strictly after `day`. */
  nextWorkingDay(day: DayKey | Date): DayKey;
  /** `day` itself when it is a working day, else the next working day. */
  workingDayOnOrAfter(day: DayKey | Date): DayKey;
  /** zh-TW name of the holiday or make-up working day on that day, or null. */
  holidayName(day: DayKey | Date): string | null;
}

function toKey(day: DayKey | Date): DayKey {
  return typeof day === 'string' ? day : taipeiDayKey(day);
}

export interface BuildCalendarOptions {
  /**
   * A year no file covers: a provisional calendar derived from the rules (provisional-year.ts), or null to refuse it
   * (CalendarCoverageError). Generated years are marked provisional, day by day.
   */
  provisionalYear?: (year: number) => CalendarFile | null;
}

/** Build a calendar from already validated files (the loader and tests use this). */
export function buildCalendar(files: ReadonlyArray<{ file: string; data: CalendarFile }>, opts: BuildCalendarOptions = {}): OfficeCalendar {
  const entries = new Map<DayKey, NonNullable<CalendarDay['entry']>>();
  const yearFile = new Map<number, { file: string; provisional: boolean }>();
  const add = (file: string, data: CalendarFile) => {
    for (const h of data.holidays) entries.set(h.date, { name: h.name, kind: h.kind, verified: h.verified, note: h.note, file });
    for (const w of data.workdays) entries.set(w.date, { name: w.name, kind: 'workday', verified: w.verified, note: w.note, file });
  };
  for (const { file, data } of files) {
    for (const y of data.years) {
      const other = yearFile.get(y);
      if (other) throw new DataFileError(file, [`years: ${y} is already covered by ${other.file}; keep one file per year`]);
      yearFile.set(y, { file, provisional: data.provisional });
    }
    add(file, data);
  }
  const coverage = [...yearFile.keys()].sort((a, b) => a - b);
  const generated = new Set<number>();
  const yearOf = (year: number) => {
    const known = yearFile.get(year);
    if (known || generated.has(year) || !opts.provisionalYear) return known;
    generated.add(year);
    const data = opts.provisionalYear(year);
    if (!data) return undefined;
    const file = `（依規定推算之${year}年暫定日曆）`;
    yearFile.set(year, { file, provisional: true });
    add(file, data);
    return yearFile.get(year);
  };

  const describe = (input: DayKey | Date): CalendarDay => {
    const day = toKey(input);
    const year = Number(day.slice(0, 4));
    const y = yearOf(year);
    if (!y) throw new CalendarCoverageError(day, year, coverage);
    const weekday = getDay(startOfTaipeiDay(day));
    const entry = entries.get(day);
    const restDay = entry ? entry.kind !== 'workday' : weekday === 0 || weekday === 6;
    return { day, weekday, restDay, ...(entry ? { entry } : {}), provisional: y.provisional };
  };
  const next = (day: DayKey): DayKey => format(addDays(startOfTaipeiDay(day), 1), 'yyyy-MM-dd');
  const workingDayOnOrAfter = (input: DayKey | Date): DayKey => {
    let day = toKey(input);
    // A year has far fewer than 60 consecutive rest days; the bound only stops a broken file from looping.
    for (let i = 0; i < 60; i++) {
      if (!describe(day).restDay) return day;
      day = next(day);
    }
    throw new Error(`No working day within 60 days after ${toKey(input)}: check the calendar files`);
  };

  return {
    coverage,
    files: files.map((f) => f.file),
    covers: (day) => yearOf(Number(toKey(day).slice(0, 4))) !== undefined,
    describe,
    isRestDay: (day) => describe(day).restDay,
    nextWorkingDay: (day) => workingDayOnOrAfter(next(toKey(day))),
    workingDayOnOrAfter,
    holidayName: (day) => describe(day).entry?.name ?? null,
  };
}

/**
 * Load every `*.yaml` file of the directory (default playbooks/calendars/). Bad files throw DataFileError. A year no
 * file covers (PROVISIONAL_YEARS) gets a provisional calendar derived from the rules; earlier years are refused.
 */
export function loadCalendar(dir: string = DEFAULT_CALENDAR_DIR): OfficeCalendar {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /\.ya?ml$/i.test(n))
      .sort();
  } catch (err) {
    throw new DataFileError(dir, [`cannot read the calendar directory (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  if (names.length === 0) throw new DataFileError(dir, ['no calendar file (*.yaml) in this directory']);
  const files = names.map((n) => ({ file: join(dir, n), data: loadYamlData(join(dir, n), calendarFileSchema) }));
  return buildCalendar(files, { provisionalYear });
}
