import { describe, expect, it } from 'vitest';
import { lastDayCountingFrom, recommendedLastDay, statutoryLastDay } from '../../../src/core/clocks/periods.js';

describe('statutory last day (first day not counted, 民法 art. 120–121)', () => {
  it('days: occurred Thu 2026-11-05, 3 days → Sun 11-08', () => {
    expect(statutoryLastDay('2026-11-05', 3, 'days')).toBe('2026-11-08');
  });

  it('months: handling ended 03-10 → 1 month ends 04-10', () => {
    expect(statutoryLastDay('2026-03-10', 1, 'months')).toBe('2026-04-10');
  });

  it('months: handling ended 01-30 → no 02-31, so the last day of February', () => {
    expect(statutoryLastDay('2026-01-30', 1, 'months')).toBe('2026-02-28');
    expect(statutoryLastDay('2026-01-29', 1, 'months')).toBe('2026-02-28');
  });

  it('months: 01-31 + 1 month counts from 02-01 and ends on the last day of February', () => {
    expect(statutoryLastDay('2026-01-31', 1, 'months')).toBe('2026-02-28');
  });

  it('months: a period counted from the 1st ends on the last day of the month (art. 121 ¶1)', () => {
    expect(statutoryLastDay('2026-04-30', 1, 'months')).toBe('2026-05-31');
    expect(statutoryLastDay('2026-12-31', 1, 'months')).toBe('2027-01-31');
  });

  it('months in a leap year: February 29 exists in 2028', () => {
    expect(statutoryLastDay('2028-01-28', 1, 'months')).toBe('2028-02-28');
    expect(statutoryLastDay('2028-01-29', 1, 'months')).toBe('2028-02-29');
    expect(statutoryLastDay('2028-01-30', 1, 'months')).toBe('2028-02-29');
    expect(statutoryLastDay('2028-01-31', 1, 'months')).toBe('2028-02-29');
  });

  it('years: five years from awareness, and a leap day start', () => {
    expect(statutoryLastDay('2026-11-05', 5, 'years')).toBe('2031-11-05');
    // Counting starts 2028-02-29; 2029 has no 02-29 → last day of February 2029.
    expect(statutoryLastDay('2028-02-28', 1, 'years')).toBe('2029-02-28');
    // Counting starts 2028-03-01; the day before 2029-03-01.
    expect(statutoryLastDay('2028-02-29', 1, 'years')).toBe('2029-02-28');
  });

  it('crosses year ends', () => {
    expect(statutoryLastDay('2026-12-30', 3, 'days')).toBe('2027-01-02');
    expect(statutoryLastDay('2026-11-30', 2, 'months')).toBe('2027-01-31');
  });
});

describe('recommended last day (first day counted)', () => {
  it('is one day earlier for days', () => {
    expect(recommendedLastDay('2026-11-05', 3, 'days')).toBe('2026-11-07');
  });

  it('is the day before the corresponding date for months', () => {
    expect(recommendedLastDay('2026-03-10', 1, 'months')).toBe('2026-04-09');
    expect(recommendedLastDay('2026-01-30', 1, 'months')).toBe('2026-02-28');
  });

  it('is never later than the statutory last day', () => {
    for (const start of ['2026-01-28', '2026-01-29', '2026-01-30', '2026-01-31', '2026-02-28', '2026-04-30', '2028-02-29']) {
      for (const unit of ['days', 'months', 'years'] as const) {
        expect(recommendedLastDay(start, 1, unit) <= statutoryLastDay(start, 1, unit)).toBe(true);
      }
    }
  });

  it('counts the first day as day 1', () => {
    expect(lastDayCountingFrom('2026-11-05', 1, 'days')).toBe('2026-11-05');
  });
});
