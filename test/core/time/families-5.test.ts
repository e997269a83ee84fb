import { describe, expect, it } from 'vitest';
import { readNaturalTime } from '../../../src/core/time/natural.js';
import { toTaipeiIso } from '../../../src/core/time/taipei.js';

/**
 * The families behind fresh round 5 (docs/understanding-times.md), each checked with cases written for it rather than
 * the round's own strings: a time said as approaching the next (「X點多快Y點」, 「快三點」), the end of a month as its last
 * three days, 今天 in the small hours, forms that are both a date and a time, alternatives followed by other words, and
 * a week named by an event. Each reading is the Taipei minute, with 「~」 when approximate.
 */
function read(text: string, now: string): string {
  const r = readNaturalTime(text, new Date(now));
  if (!r.ok) return r.reason;
  return toTaipeiIso(r.at).slice(0, 16) + (r.approximate ? '~' : '');
}
const cases = (now: string, rows: [string, string][]) =>
  it.each(rows)(`%s at ${now.slice(0, 16)} → %s`, (text, expected) => expect(read(text, now)).toBe(expected));

describe('a time said as approaching the next: the start of what was said', () => {
  // Thursday 2026-12-17 16:40
  cases('2026-12-17T16:40:00+08:00', [
    // A range 「from X, nearly Y」: its start, as 「三點到四點之間」 is.
    ['兩點多快三點', '2026-12-17T14:00~'],
    ['昨天晚上八點半快九點', '2026-12-16T20:30~'],
    ['三點到四點之間', '2026-12-17T15:00~'],
    // 「nearly Y」 alone: the half hour before Y, the start of what "nearly" covers.
    ['快三點', '2026-12-17T14:30~'],
    ['下午快四點的時候', '2026-12-17T15:30~'],
    ['將近兩點', '2026-12-17T13:30~'],
    ['昨天晚上快12點', '2026-12-16T23:30~'],
    ['中午快1點', '2026-12-17T12:30~'],
    // A 快 that does not come up to an hour is not one.
    ['快三天了', 'unreadable'],
  ]);
});

describe('the end of a month is its last three days', () => {
  // Monday 2027-03-15
  cases('2027-03-15T10:00:00+08:00', [
    ['上個月底', '2027-02-26T00:00~'],
    ['2月底', '2027-02-26T00:00~'],
    ['去年12月底', '2026-12-29T00:00~'],
    ['去年11月中', '2026-11-11T00:00~'],
    ['11月底', '2026-11-28T00:00~'],
    ['上上個月底', '2027-01-29T00:00~'],
    ['這個月初', '2027-03-01T00:00~'],
    ['上個月中', '2027-02-11T00:00~'],
    // 月底 alone before the 29th: last month's.
    ['月底', '2027-02-26T00:00~'],
  ]);
  // On the 30th, this month's end has begun.
  cases('2026-12-30T10:00:00+08:00', [['月底', '2026-12-29T00:00~']]);
  // A leap February: its last three days start on the 27th.
  cases('2028-03-03T10:00:00+08:00', [['上個月底', '2028-02-27T00:00~']]);
});

describe('今天 in the small hours is still the day just ended', () => {
  // Tuesday 2026-12-15 01:50: someone not yet asleep.
  cases('2026-12-15T01:50:00+08:00', [
    ['今天下午三點', '2026-12-14T15:00'],
    ['今天早上八點半', '2026-12-14T08:30'],
    ['今天下午', '2026-12-14T12:00~'],
    ['今天3點', '2026-12-14T15:00~'],
    // Already passed today: today.
    ['今天凌晨一點', '2026-12-15T01:00'],
    ['今天', '2026-12-15T00:00~'],
    // 凌晨 and 清晨 are the small hours that begin today itself: still to come.
    ['今天凌晨三點', 'future'],
    ['今天清晨', 'future'],
  ]);
  // By day a time still to come today stays refused.
  cases('2026-12-15T10:00:00+08:00', [
    ['今天下午三點', 'future'],
    ['今天晚上', 'future'],
  ]);
});

describe('a form that is both a date and a time is asked again; one that is only one of them is read', () => {
  cases('2027-01-04T07:50:00+08:00', [
    ['12.30', 'unreadable'],
    ['1203', 'unreadable'],
    ['11.20', 'unreadable'],
    ['12/30', '2026-12-30T00:00~'],
    ['115.12.30', '2026-12-30T00:00~'],
    // 00:30 is more than six hours back: the small hours staff do not mean, so yesterday's 12:30.
    ['12:30', '2027-01-03T12:30~'],
    ['0:30', '2027-01-04T00:30'],
  ]);
});

describe('alternatives with more words after them, and a week named by an event', () => {
  // Saturday 2026-12-12 14:00
  cases('2026-12-12T14:00:00+08:00', [
    // The alternative days alone: the earlier (this week's Tuesday), approximate.
    ['禮拜二還是禮拜三我忘了', '2026-12-08T00:00~'],
    ['上禮拜四還是五', '2026-12-03T00:00~'],
    // A week the bot cannot place (段考、運動會): asked again.
    ['週四還是週五 反正是運動會那週', 'unreadable'],
    ['禮拜一 就是期中考那個禮拜', 'unreadable'],
    // Words after the second alternative are not set aside.
    ['禮拜二還是禮拜三有人說', 'unreadable'],
    // A clause that names no time is still set aside.
    ['禮拜二還是禮拜三 我在辦公室', '2026-12-08T00:00~'],
  ]);
});
