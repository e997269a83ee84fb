import { describe, expect, it } from 'vitest';
import { type BellSchedule, DEFAULT_BELLS, readNaturalTime } from '../../../src/core/time/natural.js';
import { toTaipeiIso } from '../../../src/core/time/taipei.js';

/**
 * The families behind fresh round 2 (docs/understanding-times.md), each checked with cases written for it rather than
 * the round's own strings: the school day (bell schedule, days without classes, long weekends), typing slips, a time
 * after 剛才 or a clause, bare hours, named days counted from, a month-day a week ahead, 這兩三天.
 */
function read(text: string, now: string, context?: Parameters<typeof readNaturalTime>[2]): string {
  const r = readNaturalTime(text, new Date(now), context);
  if (!r.ok) return r.reason;
  return toTaipeiIso(r.at).slice(0, 16);
}
const cases = (now: string, rows: [string, string][]) =>
  it.each(rows)(`%s at ${now.slice(0, 16)} → %s`, (text, expected) => expect(read(text, now)).toBe(expected));

describe('the school day: the bell schedule, days without classes, long weekends', () => {
  // Tuesday 2026-12-08 10:20
  cases('2026-12-08T10:20:00+08:00', [
    ['第一節', '2026-12-08T08:10'],
    ['第二節下課', '2026-12-08T10:00'],
    ['昨天第四節下課', '2026-12-07T12:00'],
    ['昨天下午第一節', '2026-12-07T13:20'],
    ['昨天第六節', '2026-12-07T14:20'],
    ['昨天放學後', '2026-12-07T16:00'],
    ['昨天放學前', '2026-12-07T16:00'],
    ['上週五午休', '2026-12-04T12:10'],
    // Sunday and Saturday have no classes: asked again rather than guessed.
    ['前天放學後', 'unreadable'],
    ['上週六第二節', 'unreadable'],
    ['第九節', 'unreadable'],
    // 下午第五節 names a period already in the afternoon: that period (before round 3 it was counted as the ninth, refused).
    ['下午第五節', '2026-12-07T13:20'],
    ['下午第九節', 'unreadable'],
  ]);
  // Tuesday 2026-09-29 11:00, after 中秋節 (Fri 9/25), the weekend and 教師節 (Mon 9/28) of the office calendar.
  cases('2026-09-29T11:00:00+08:00', [
    ['連假前最後一天上課', '2026-09-24T00:00'],
    ['連假第一天', '2026-09-25T00:00'],
    ['連假最後一天晚上', '2026-09-28T18:00'],
    ['收假第一天', '2026-09-29T00:00'],
    ['昨天午休', 'unreadable'],
    // Without a date, the latest day with classes on which the moment has passed: today's 第三節 began at 10:10.
    ['第三節', '2026-09-29T10:10'],
    ['放學後', '2026-09-24T16:00'],
  ]);

  it("takes a school's own bell schedule, and reads weekends alone without a calendar", () => {
    const bells: BellSchedule = {
      ...DEFAULT_BELLS,
      periods: DEFAULT_BELLS.periods.map((_, i) => ({
        start: [8 + Math.floor((i * 55) / 60), (i * 55) % 60] as const,
        end: [8 + Math.floor((i * 55 + 45) / 60), (i * 55 + 45) % 60] as const,
      })),
      放學: [16, 30],
    };
    expect(read('昨天第二節', '2026-12-08T10:20:00+08:00', { bells })).toBe('2026-12-07T08:55');
    expect(read('昨天放學', '2026-12-08T10:20:00+08:00', { bells })).toBe('2026-12-07T16:30');
    // 中秋節 2026-09-25 is a Friday: without the calendar it is a school day.
    expect(read('上週五午休', '2026-09-29T11:00:00+08:00', { calendar: null })).toBe('2026-09-25T12:10');
    expect(read('上週五午休', '2026-09-29T11:00:00+08:00')).toBe('unreadable');
  });
});

describe('typing slips around the time words', () => {
  // Thursday 2026-12-10 16:30
  cases('2026-12-10T16:30:00+08:00', [
    ['星期ㄧ下午兩點', '2026-12-07T14:00'],
    ['週ㄧ晚上', '2026-12-07T18:00'],
    ['上禮拜ㄧ', '2026-11-30T00:00'],
    ['十ㄧ月五號', '2026-11-05T00:00'],
    ['ㄧ天前', '2026-12-09T00:00'],
    ['昨天ㄉ下午三點', '2026-12-09T15:00'],
    ['前天晚尚八點', '2026-12-08T20:00'],
    ['今天早尚', '2026-12-10T06:00'],
    ['昨天上五十點', '2026-12-09T10:00'],
    ['今天中五', '2026-12-10T12:00'],
    ['禮敗三', '2026-12-09T00:00'],
    // A zhuyin symbol that is not part of a known word is never set aside: asked again, not read as today.
    ['禮拜ㄙ早上', 'unreadable'],
  ]);
});

describe('a time after 剛才 or a clause, bare hours', () => {
  cases('2026-12-16T00:20:00+08:00', [
    ['剛才十點多', '2026-12-15T22:00'],
    ['剛剛 十二點', '2026-12-16T00:00'],
  ]);
  cases('2026-12-10T10:30:00+08:00', [
    ['剛剛到校看到的 大概十點', '2026-12-10T10:00'],
    ['剛才收到 9點半', '2026-12-10T09:30'],
    ['8點', '2026-12-10T08:00'],
    ['3點', '2026-12-09T15:00'],
    ['十點半', '2026-12-10T10:30'],
  ]);
  cases('2026-12-12T21:30:00+08:00', [
    ['九點', '2026-12-12T21:00'],
    ['八點多', '2026-12-12T20:00'],
    ['今天九點', '2026-12-12T09:00'],
    ['早上九點', '2026-12-12T09:00'],
  ]);
  cases('2026-12-10T16:30:00+08:00', [
    ['4點', '2026-12-10T16:00'],
    ['5點', '2026-12-09T17:00'],
    ['7點', '2026-12-10T07:00'],
  ]);
});

describe('named days counted from, days a week ahead, the last few days', () => {
  cases('2027-01-02T09:15:00+08:00', [
    ['元旦前一天晚上', '2026-12-31T18:00'],
    ['聖誕節隔天', '2026-12-26T00:00'],
    ['耶誕節前兩天', '2026-12-23T00:00'],
    ['12/30', '2026-12-30T00:00'],
  ]);
  cases('2026-12-31T23:40:00+08:00', [
    ['跨年前 十一點半', '2026-12-31T23:30'],
    ['元旦前一天晚上', '2026-12-31T18:00'],
    ['1/1', 'future'],
    ['1/3', 'future'],
    ['元旦', 'future'],
    ['1/20', '2026-01-20T00:00'],
  ]);
  cases('2026-12-14T08:05:00+08:00', [
    ['這兩三天', '2026-12-11T00:00'],
    ['最近三天', '2026-12-11T00:00'],
    ['不太確定 這兩天', '2026-12-12T00:00'],
    ['這幾天', 'unreadable'],
  ]);
});

describe('lunar-calendar holidays from the office calendar', () => {
  cases('2026-12-10T16:30:00+08:00', [
    ['中秋節', '2026-09-25T00:00'],
    ['中秋節前一天', '2026-09-24T00:00'],
    ['端午節下午', '2026-06-19T12:00'],
    ['除夕夜', '2026-02-16T18:00'],
    ['過年', '2026-02-17T00:00'],
    ['大年初二', '2026-02-18T00:00'],
    ['清明節', '2026-04-05T00:00'],
    // 初二 alone is also a school year (國中二年級): not read as a day.
    ['初二', 'unreadable'],
  ]);
  it('asks again where the calendar does not have the day', () => {
    expect(read('中秋節', '2026-12-10T16:30:00+08:00', { calendar: null })).toBe('unreadable');
  });
});

/**
 * The families behind fresh round 3: an answer in clauses (the occurrence, not the finding out), days named around
 * New Year (初二 near the holiday, 初三初四), a date with its weekday or name, 月初 alone, a week without a day,
 * 半夜 found inside a sentence, 跨年倒數, a weekday with an afternoon period, look-alike and same-syllable slips.
 */
describe('answers in clauses: when it happened, not when it was found', () => {
  // Tuesday 2026-12-08 09:00
  cases('2026-12-08T09:00:00+08:00', [
    ['昨天下午傳的 今天早上才看到', '2026-12-07T12:00'],
    ['上週四第三節寄出去的，今天才知道', '2026-12-03T10:10'],
    ['今天早上才發現 應該是昨天晚上發的', '2026-12-07T18:00'],
    ['早上八點 我進辦公室就看到了', '2026-12-08T08:00'],
    ['昨天晚上9點多 家長打電話來', '2026-12-07T21:00'],
    ['上週五放學後傳的', '2026-12-04T16:00'],
    ['七點半 我一到學校就看到了', '2026-12-08T07:30'],
    ['3點 我有意見', 'unreadable'],
    // Two clauses naming times, neither about finding out: which one is asked.
    ['昨天下午 今天早上', 'unreadable'],
    ['不是昨天 是前天', 'unreadable'],
    // A clause that names a time of its own, not a time answer: asked again.
    ['早上八點 我有3點意見', 'unreadable'],
  ]);
});

describe('New Year days, named days after a date, a date with its weekday', () => {
  // 2027: 除夕 Fri 2/5, 初一 Sat 2/6 (office calendar)
  cases('2027-02-15T10:00:00+08:00', [
    ['初三', '2027-02-08T00:00'],
    ['初五晚上', '2027-02-10T18:00'],
    ['大概初二初三', '2027-02-07T00:00'],
    ['過年期間 初四', '2027-02-09T00:00'],
    ['初二、三', '2027-02-07T00:00'],
    ['初三初五', 'unreadable'],
  ]);
  // Far from the New Year, a bare 初二 is a school year; 大年初二 still names the day.
  cases('2026-12-10T16:30:00+08:00', [
    ['初三', 'unreadable'],
    ['大年初三', '2026-02-19T00:00'],
    ['10/10國慶日', '2026-10-10T00:00'],
    ['10/9國慶日', 'disagree'],
    ['12月5號禮拜六下午', '2026-12-05T12:00'],
    ['12/4(五)', '2026-12-04T00:00'],
    ['12月5號禮拜五', 'disagree'],
    ['12/4(六)', 'disagree'],
    ['今天禮拜四', '2026-12-10T00:00'],
  ]);
  cases('2027-01-01T00:30:00+08:00', [
    // 跨年（倒數） is the countdown, the midnight ending 12/31 (round 4; it was the evening, now 跨年夜／跨年前 only).
    ['跨年倒數', '2027-01-01T00:00'],
    ['跨年倒數前 十一點半左右', '2026-12-31T23:30'],
  ]);
});

describe('a month or a week without a day, 半夜 in a sentence, periods after a weekday, slips', () => {
  cases('2026-12-18T17:30:00+08:00', [
    ['月初吧', '2026-12-01T00:00'],
    ['月中的時候', '2026-12-11T00:00'],
    ['應該是上個禮拜 不記得是哪天', '2026-12-07T00:00'],
    ['上週 忘了幾號', '2026-12-07T00:00'],
    ['半夜三點多被叫醒', '2026-12-18T03:00'],
    ['星期二下午第七節', '2026-12-15T15:20'],
    ['禮拜三下午第二節', '2026-12-16T14:20'],
    ['作天下午三點', '2026-12-17T15:00'],
    ['令天早上', '2026-12-18T06:00'],
    ['前天下牛四點', '2026-12-16T16:00'],
  ]);
  // 月底 (the last three days) typed before the 29th: last month's.
  cases('2026-12-05T10:00:00+08:00', [['月底', '2026-11-28T00:00']]);
});
