import { describe, expect, it } from 'vitest';
import {
  formatChatDateTime,
  needsYear,
  formatRocDate,
  formatRocDateTime,
  formatRocShort,
  parseLocalDateTime,
  rocYear,
} from '../../../src/core/time/roc.js';
import { TIME_ZONE, endOfTaipeiDay, isDayKey, taipeiDayKey, toTaipeiIso } from '../../../src/core/time/taipei.js';

describe('Taipei time helpers', () => {
  it('uses the Asia/Taipei zone', () => {
    expect(TIME_ZONE).toBe('Asia/Taipei');
  });

  it('takes the calendar day in Taipei, not in UTC', () => {
    expect(taipeiDayKey(new Date('2026-11-08T16:30:00Z'))).toBe('2026-11-09');
    expect(taipeiDayKey(new Date('2026-11-08T15:59:59Z'))).toBe('2026-11-08');
  });

  it('represents 24:00 of a day as 00:00 of the next day, +08:00', () => {
    expect(toTaipeiIso(endOfTaipeiDay('2026-11-09'))).toBe('2026-11-10T00:00:00+08:00');
    expect(toTaipeiIso(endOfTaipeiDay('2026-12-31'))).toBe('2027-01-01T00:00:00+08:00');
    expect(toTaipeiIso(endOfTaipeiDay('2028-02-28'))).toBe('2028-02-29T00:00:00+08:00');
  });

  it('accepts only real YYYY-MM-DD days', () => {
    expect(isDayKey('2028-02-29')).toBe(true);
    expect(isDayKey('2026-02-29')).toBe(false);
    expect(isDayKey('2026-2-1')).toBe(false);
    expect(isDayKey('2026/02/01')).toBe(false);
  });
});

describe('ROC formatting', () => {
  const d = new Date('2026-11-09T06:30:00Z'); // 14:30 in Taipei

  it('writes ROC dates and times in Taipei', () => {
    expect(rocYear(d)).toBe(115);
    expect(formatRocDate(d)).toBe('中華民國115年11月9日');
    expect(formatRocDateTime(d)).toBe('中華民國115年11月9日 14:30');
    expect(formatRocShort(d)).toBe('115/11/09（一）14:30');
    expect(formatChatDateTime(d, { now: d })).toBe('11/9（一）14:30');
  });

  it('uses the Taipei day across the UTC midnight', () => {
    expect(formatRocDateTime(new Date('2026-11-08T16:30:00Z'))).toBe('中華民國115年11月9日 00:30');
  });

  it('shows an end-of-day deadline as 24:00 of its day when asked', () => {
    const end = endOfTaipeiDay('2026-11-09');
    expect(formatRocDateTime(end)).toBe('中華民國115年11月10日 00:00');
    expect(formatRocDateTime(end, { endOfDay: true })).toBe('中華民國115年11月9日 24:00');
    expect(formatRocDate(end, { endOfDay: true })).toBe('中華民國115年11月9日');
    expect(formatChatDateTime(end, { endOfDay: true, now: d })).toBe('11/9（一）24:00');
    expect(formatRocShort(end, { endOfDay: true })).toBe('115/11/09（一）24:00');
    // Not a midnight: unchanged.
    expect(formatChatDateTime(d, { endOfDay: true, now: d })).toBe('11/9（一）14:30');
  });

  it('adds the ROC year to short dates in another year or more than a year away', () => {
    const now = new Date('2026-11-09T06:30:00Z');
    // The 5-year retention end (24:00 of 2031-12-07) is never read as this year's.
    expect(formatChatDateTime(endOfTaipeiDay('2031-12-07'), { endOfDay: true, now })).toBe('120/12/7（日）24:00');
    // Next year, even a few weeks away; and a past year.
    expect(formatChatDateTime(new Date('2027-01-04T01:00:00Z'), { now })).toBe('116/1/4（一）09:00');
    expect(formatChatDateTime(new Date('2025-12-31T01:00:00Z'), { now })).toBe('114/12/31（三）09:00');
    // 24:00 of 12-31 is still that year: no year needed in the same year.
    expect(formatChatDateTime(endOfTaipeiDay('2026-12-31'), { endOfDay: true, now })).toBe('12/31（四）24:00');
    // Same year: no year; the Taipei year decides (16:30 UTC on 12-31 is already next year in Taipei).
    expect(formatChatDateTime(new Date('2026-03-01T01:00:00Z'), { now })).toBe('3/1（日）09:00');
    expect(formatChatDateTime(new Date('2026-12-31T16:30:00Z'), { now })).toBe('116/1/1（五）00:30');
    expect(needsYear(new Date('2026-01-02T00:00:00Z'), new Date('2026-12-30T00:00:00Z'))).toBe(false);
  });
});

describe('parseLocalDateTime', () => {
  const iso = (text: string) => parseLocalDateTime(text)?.toISOString() ?? null;

  it('reads ISO 8601 with an offset or Z', () => {
    expect(iso('2026-11-05T14:30:00+08:00')).toBe('2026-11-05T06:30:00.000Z');
    expect(iso('2026-11-05T14:30+09:00')).toBe('2026-11-05T05:30:00.000Z');
    expect(iso('2026-11-05T06:30:00Z')).toBe('2026-11-05T06:30:00.000Z');
  });

  it('reads local times without an offset as Taipei time', () => {
    expect(iso('2026-11-05 14:30')).toBe('2026-11-05T06:30:00.000Z');
    expect(iso('2026-11-05T14:30')).toBe('2026-11-05T06:30:00.000Z');
    expect(iso('2026/11/5 9:05')).toBe('2026-11-05T01:05:00.000Z');
    expect(iso('2026-11-05')).toBe('2026-11-04T16:00:00.000Z');
  });

  it('reads ROC dates as staff type them', () => {
    expect(iso('115/11/05 14:30')).toBe('2026-11-05T06:30:00.000Z');
    expect(iso('115/11/5')).toBe('2026-11-04T16:00:00.000Z');
    expect(iso('民國115年11月5日 14:30')).toBe('2026-11-05T06:30:00.000Z');
    expect(iso('中華民國115年11月5日14時30分')).toBe('2026-11-05T06:30:00.000Z');
    expect(iso('１１５／１１／０５　１４：３０')).toBe('2026-11-05T06:30:00.000Z');
  });

  it('refuses dates and times that do not exist, and other text', () => {
    expect(parseLocalDateTime('2026-02-30 10:00')).toBeNull();
    expect(parseLocalDateTime('115/02/29')).toBeNull();
    expect(parseLocalDateTime('2026-11-05 24:00')).toBeNull();
    expect(parseLocalDateTime('2026-11-05 14:60')).toBeNull();
    expect(parseLocalDateTime('yesterday')).toBeNull();
    expect(parseLocalDateTime('')).toBeNull();
  });
});
