import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CalendarCoverageError, DEFAULT_CALENDAR_DIR, loadCalendar } from '../../../src/core/clocks/calendar.js';
import { DataFileError } from '../../../src/core/data/yaml-file.js';
import { parseDocument } from 'yaml';

const calendar = loadCalendar();

function restDaysIn(year: number): number {
  let n = 0;
  for (let d = new Date(Date.UTC(year, 0, 1)); d.getUTCFullYear() === year; d.setUTCDate(d.getUTCDate() + 1)) {
    if (calendar.isRestDay(d.toISOString().slice(0, 10))) n++;
  }
  return n;
}

describe('the shipped office calendars', () => {
  it('cover 2025, 2026 and 2027', () => {
    expect(calendar.coverage).toEqual([2024, 2025, 2026, 2027]);
    expect(calendar.covers('2026-06-01')).toBe(true);
    expect(calendar.covers('2028-01-01')).toBe(true); // derived from the rules, provisional
    expect(calendar.describe('2028-01-01').provisional).toBe(true);
    expect(calendar.covers('2023-12-31')).toBe(false);
  });

  it('match the DGPA totals of rest days (2025 revised: 118, 2026: 120, 2027: 121)', () => {
    expect(restDaysIn(2025)).toBe(118);
    expect(restDaysIn(2026)).toBe(120);
    // 104 weekend days and 17 weekday days off, as in the open-data table; no make-up working day.
    expect(restDaysIn(2027)).toBe(121);
  });

  it('knows weekday holidays, 補假 and weekends', () => {
    expect(calendar.isRestDay('2026-02-20')).toBe(true);
    expect(calendar.holidayName('2026-02-20')).toBe('農曆除夕前一日（補假）');
    expect(calendar.isRestDay('2026-04-06')).toBe(true);
    expect(calendar.isRestDay('2026-09-28')).toBe(true);
    expect(calendar.holidayName('2026-09-28')).toBe('孔子誕辰紀念日／教師節');
    expect(calendar.isRestDay('2026-11-07')).toBe(true); // Saturday
    expect(calendar.isRestDay('2026-11-08')).toBe(true); // Sunday
    expect(calendar.isRestDay('2026-11-09')).toBe(false);
    expect(calendar.holidayName('2026-11-09')).toBeNull();
    // 勞動節 became a holiday for government offices only from 2026.
    expect(calendar.isRestDay('2025-05-01')).toBe(false);
    expect(calendar.isRestDay('2026-05-01')).toBe(true);
  });

  it('treats a make-up working Saturday (補行上班) as a working day', () => {
    expect(calendar.isRestDay('2025-02-08')).toBe(false);
    expect(calendar.holidayName('2025-02-08')).toBe('補行上班');
    expect(calendar.isRestDay('2025-02-15')).toBe(true);
  });

  it('reads a Date as its Taipei day', () => {
    // 2026-02-19 16:30 UTC is 2026-02-20 00:30 in Taipei (補假).
    expect(calendar.isRestDay(new Date('2026-02-19T16:30:00Z'))).toBe(true);
    // 2026-02-23 01:00 Taipei is a Monday after the Lunar New Year break.
    expect(calendar.isRestDay(new Date('2026-02-22T17:00:00Z'))).toBe(false);
  });

  it('finds the next working day across the Lunar New Year', () => {
    expect(calendar.nextWorkingDay('2026-02-13')).toBe('2026-02-23');
    expect(calendar.workingDayOnOrAfter('2026-02-14')).toBe('2026-02-23');
    expect(calendar.workingDayOnOrAfter('2026-02-23')).toBe('2026-02-23');
    expect(calendar.nextWorkingDay('2026-12-31')).toBe('2027-01-04');
  });

  it('holds 2027 as checked day by day against the open-data office calendar (no provisional marks left)', () => {
    expect(calendar.describe('2027-02-09').entry?.verified).toBe(true);
    expect(calendar.describe('2027-02-09').provisional).toBe(false);
    const text = readFileSync(join(DEFAULT_CALENDAR_DIR, '2027.yaml'), 'utf8');
    const file = parseDocument(text).toJS() as { provisional?: boolean; holidays: Array<{ verified?: boolean }> };
    expect(file.provisional).toBeUndefined();
    expect(file.holidays.some((h) => h.verified === false)).toBe(false);
  });

  it('marks the days of a provisional file, so that a deadline built on them can say so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'calendars-'));
    writeFileSync(
      join(dir, '2030.yaml'),
      'title: 測試\nsource: 依規定推算\nyears: [2030]\nprovisional: true\nholidays:\n  - date: 2030-01-01\n    name: 元旦\n    verified: false\n',
    );
    const draft = loadCalendar(dir);
    expect(draft.describe('2030-01-01').provisional).toBe(true);
    expect(draft.describe('2030-01-01').entry?.verified).toBe(false);
    expect(draft.describe('2030-01-02').provisional).toBe(true);
  });

  it('refuses a day before the covered and derived years instead of calling it a working day', () => {
    expect(() => calendar.isRestDay('2023-01-03')).toThrow(CalendarCoverageError);
    expect(() => calendar.isRestDay('2023-12-31')).toThrow(/add playbooks\/calendars\/2023\.yaml/);
    expect(() => calendar.workingDayOnOrAfter('2023-12-30')).toThrow(CalendarCoverageError);
  });
});

describe('bad calendar files', () => {
  function dirWith(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'calendars-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }
  const header = 'title: 測試\nsource: 測試\nyears: [2026]\n';

  function faultOf(dir: string): DataFileError {
    try {
      loadCalendar(dir);
    } catch (err) {
      if (err instanceof DataFileError) return err;
      throw err;
    }
    throw new Error('expected a DataFileError');
  }

  it('names the file and the field of a date that is not a date', () => {
    const dir = dirWith({ '2026.yaml': `${header}holidays:\n  - date: 2026-02-30\n    name: 不存在\n` });
    const err = faultOf(dir);
    expect(err.file).toBe(join(dir, '2026.yaml'));
    expect(err.message).toContain('2026.yaml');
    expect(err.message).toContain('holidays.0.date');
    expect(err.message).toContain('not a real calendar date');
  });

  it('refuses a date written in another format', () => {
    const err = faultOf(dirWith({ '2026.yaml': `${header}holidays:\n  - date: 2026/02/20\n    name: 補假\n` }));
    expect(err.faults.join()).toMatch(/holidays\.0\.date/);
  });

  it('refuses a date outside the years the file says it covers', () => {
    const err = faultOf(dirWith({ '2026.yaml': `${header}holidays:\n  - date: 2027-01-01\n    name: 元旦\n` }));
    expect(err.faults.join()).toContain('outside the covered years');
  });

  it('refuses a make-up working day that is not a weekend day', () => {
    const err = faultOf(dirWith({ '2026.yaml': `${header}holidays: []\nworkdays:\n  - date: 2026-02-23\n    name: 補行上班\n` }));
    expect(err.faults.join()).toMatch(/workdays\.0\.date.*Saturday or Sunday/);
  });

  it('refuses two files for the same year', () => {
    const body = `${header}holidays: []\n`;
    const err = faultOf(dirWith({ 'a.yaml': body, 'b.yaml': body }));
    expect(err.file).toMatch(/b\.yaml$/);
    expect(err.message).toContain('2026 is already covered');
  });

  it('refuses an empty directory and unknown fields', () => {
    expect(faultOf(dirWith({})).message).toContain('no calendar file');
    expect(faultOf(dirWith({ '2026.yaml': `${header}holidays: []\nextra: 1\n` })).message).toMatch(/extra|Unrecognized/);
  });
});
