import { describe, expect, it } from 'vitest';
import { readNaturalTime } from '../../../src/core/time/natural.js';
import { fixSlips } from '../../../src/core/time/slips.js';
import { toTaipeiIso } from '../../../src/core/time/taipei.js';

/**
 * The families behind fresh round 4 (docs/understanding-times.md), each checked with cases written for it rather than
 * the round's own strings: school moments outside the periods (朝會、早修、晨光時間), early-morning words (一早、清早), the
 * zhuyin homophones of the clock's words (點、半、分) and of 天, colon times without a leading zero, the night that ends a
 * day (半夜、午夜、深夜 after a day; 跨年), a time of the evening just ended typed in the small hours, and 剛剛.
 * Each reading is the Taipei minute, with 「~」 when approximate.
 */
function read(text: string, now: string): string {
  const r = readNaturalTime(text, new Date(now));
  if (!r.ok) return r.reason;
  return toTaipeiIso(r.at).slice(0, 16) + (r.approximate ? '~' : '');
}
const cases = (now: string, rows: [string, string][]) =>
  it.each(rows)(`%s at ${now.slice(0, 16)} → %s`, (text, expected) => expect(read(text, now)).toBe(expected));

describe('school moments outside the periods, early-morning words', () => {
  // Thursday 2026-12-17 09:30
  cases('2026-12-17T09:30:00+08:00', [
    ['升旗典禮的時候', '2026-12-17T07:40~'],
    ['上週一朝會', '2026-12-07T07:40~'],
    ['早修時間', '2026-12-17T07:30~'],
    ['晨光時間', '2026-12-17T07:30~'],
    ['昨天午睡', '2026-12-16T12:10~'],
    ['今天一大早', '2026-12-17T06:00~'],
    ['昨天一早', '2026-12-16T06:00~'],
    ['大清早', '2026-12-17T05:00~'],
    ['前天清早6點', '2026-12-15T06:00'],
    // The 一 of a day or a number is not an early-morning word.
    ['禮拜一早上', '2026-12-14T06:00~'],
    ['星期一早上八點', '2026-12-14T08:00'],
  ]);
  // A Sunday: the latest day with classes, Friday.
  cases('2026-12-20T11:00:00+08:00', [
    ['朝會', '2026-12-18T07:40~'],
    ['昨天朝會', 'unreadable'],
  ]);
});

describe('the zhuyin homophones of 點、半、分 and of 天', () => {
  // Friday 2026-12-18 16:30
  cases('2026-12-18T16:30:00+08:00', [
    ['下午兩店', '2026-12-18T14:00'],
    ['早上10典半', '2026-12-18T10:30'],
    ['下午兩點班', '2026-12-18T14:30'],
    ['昨天下午3點拌', '2026-12-17T15:30'],
    ['下午3點15份', '2026-12-18T15:15'],
    ['今添早上', '2026-12-18T06:00~'],
    ['前田晚上8點', '2026-12-16T20:00'],
    // Not a slip where another word follows: 「3電話」 is no time, 「3點辦公室」 a time inside a short sentence (not 3點半).
    ['下午打了3電話', 'unreadable'],
    ['下午3點辦公室', '2026-12-18T15:00~'],
  ]);
  it('changes only the slip, keeping every length', () => {
    expect(fixSlips('打了3電話 傳了3份資料 3點辦公室')).toBe('打了3電話 傳了3份資料 3點辦公室');
    expect(fixSlips('早上9電 3點伴 2點10份')).toBe('早上9點 3點半 2點10分');
  });
});

describe('colon times: the 24-hour clock only where the hour says so', () => {
  // Friday 2026-12-18 16:30
  cases('2026-12-18T16:30:00+08:00', [
    ['4:15', '2026-12-18T16:15~'],
    ['04:15', '2026-12-18T04:15'],
    ['16:15', '2026-12-18T16:15'],
    ['昨天 2:30', '2026-12-17T14:30~'],
    ['昨天 02:30', '2026-12-17T02:30'],
    ['早上 8:45', '2026-12-18T08:45'],
    ['下午 2:05', '2026-12-18T14:05'],
  ]);
});

describe('the night that ends a day: 半夜、午夜、深夜 after a day, 跨年', () => {
  // Wednesday 2026-12-16 10:00
  cases('2026-12-16T10:00:00+08:00', [
    ['昨天半夜', '2026-12-16T00:00~'],
    ['昨天半夜1點', '2026-12-16T01:00'],
    ['昨天半夜12點', '2026-12-16T00:00'],
    ['前天午夜', '2026-12-15T00:00~'],
    ['前天深夜', '2026-12-14T22:00~'],
    ['前天深夜三點', '2026-12-15T03:00'],
    // 凌晨 is the small hours that begin the day named.
    ['昨天凌晨1點', '2026-12-15T01:00'],
    ['昨天凌晨', '2026-12-15T00:00~'],
    // Typed by day, today's night is still to come: the night that began today.
    ['今天半夜', '2026-12-16T00:00~'],
    ['今天半夜三點', '2026-12-16T03:00'],
    ['半夜', '2026-12-16T00:00~'],
  ]);
  // Tuesday 2027-01-05 09:00
  cases('2027-01-05T09:00:00+08:00', [
    ['跨年', '2027-01-01T00:00~'],
    ['12/31跨年的時候', '2027-01-01T00:00~'],
    ['跨年晚會', '2026-12-31T18:00~'],
    ['跨年 11點半', '2026-12-31T23:30'],
    ['跨年12點半', '2027-01-01T00:30'],
  ]);
  // 12/31 23:50: the countdown is still to come.
  cases('2026-12-31T23:50:00+08:00', [['跨年', 'future']]);
});

describe('the small hours: a time of the evening just ended, said in full, is exact', () => {
  // Thursday 2026-12-17 01:10
  cases('2026-12-17T01:10:00+08:00', [
    ['晚上10點半', '2026-12-16T22:30'],
    ['下午5點', '2026-12-16T17:00'],
    ['今天晚上11點', '2026-12-16T23:00'],
    ['22:40', '2026-12-16T22:40'],
    // A bare hour still names no half: approximate.
    ['10點半', '2026-12-16T22:30~'],
  ]);
  // By day, a time still to come today is yesterday's, approximate (it may be a slip).
  cases('2026-12-17T16:05:00+08:00', [['下午5點', '2026-12-16T17:00~']]);
});

describe('剛剛 is a moment ago, approximate; 現在 is this minute', () => {
  cases('2026-12-17T16:05:00+08:00', [
    ['剛剛', '2026-12-17T16:05~'],
    ['剛才', '2026-12-17T16:05~'],
    ['現在', '2026-12-17T16:05'],
  ]);
});
