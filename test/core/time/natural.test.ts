import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chineseNumeral, replaceChineseNumerals } from '../../../src/core/time/numerals.js';
import { PERIOD_START_HOUR, parseNaturalTime, readNaturalTime } from '../../../src/core/time/natural.js';
import { toTaipeiIso } from '../../../src/core/time/taipei.js';

/** [typed, expected Taipei ISO (without the +08:00), approximate] */
type Row = [string, string, boolean];

function check(now: string, rows: Row[]) {
  const at = new Date(now);
  it.each(rows)('%s', (text, expected, approximate) => {
    const r = parseNaturalTime(text, at);
    expect(r, `${text} should parse`).not.toBeNull();
    expect(toTaipeiIso(r!.at)).toBe(`${expected}+08:00`);
    expect(r!.approximate).toBe(approximate);
  });
}

describe('natural times, now = Sunday 2026-12-06 21:10 Taipei', () => {
  check('2026-12-06T21:10:00+08:00', [
    // the examples the issue names
    ['昨天下午3點左右', '2026-12-05T15:00:00', true],
    ['11月5日早上', '2026-11-05T06:00:00', true],
    ['下午3點', '2026-12-06T15:00:00', false],
    ['下午3點半', '2026-12-06T15:30:00', false],
    ['下午三點十五分', '2026-12-06T15:15:00', false],
    ['15:30', '2026-12-06T15:30:00', false],
    ['3點40', '2026-12-06T15:40:00', true],
    ['下午兩點', '2026-12-06T14:00:00', false],
    ['十一月五號', '2026-11-05T00:00:00', true],
    // relative days
    ['今天', '2026-12-06T00:00:00', true],
    ['昨天', '2026-12-05T00:00:00', true],
    ['前天', '2026-12-04T00:00:00', true],
    ['大前天', '2026-12-03T00:00:00', true],
    ['昨晚', '2026-12-05T18:00:00', true],
    ['昨晚8點', '2026-12-05T20:00:00', false],
    ['今早', '2026-12-06T06:00:00', true],
    ['今早7點半', '2026-12-06T07:30:00', false],
    // 9:00 without a leading zero says no more than 9點 (round 4): school hours, approximate; 09:00 is the 24-hour clock.
    ['昨天 9:00', '2026-12-05T09:00:00', true],
    ['昨天 09:00', '2026-12-05T09:00:00', false],
    ['昨天晚上11點半', '2026-12-05T23:30:00', false],
    ['昨天晚上12點', '2026-12-06T00:00:00', false],
    ['前天中午12點半', '2026-12-04T12:30:00', false],
    ['昨天傍晚', '2026-12-05T17:00:00', true],
    ['凌晨2點', '2026-12-06T02:00:00', false],
    // weeks with a weekday (weeks start on Monday; today is Sunday)
    ['上週三', '2026-11-25T00:00:00', true],
    ['上週三 15:30', '2026-11-25T15:30:00', false],
    ['上星期五', '2026-11-27T00:00:00', true],
    ['上禮拜二下午', '2026-11-24T12:00:00', true],
    ['上個星期一上午10點', '2026-11-23T10:00:00', false],
    ['這週一', '2026-11-30T00:00:00', true],
    ['本週二', '2026-12-01T00:00:00', true],
    ['週日', '2026-12-06T00:00:00', true],
    ['上週日', '2026-11-29T00:00:00', true],
    ['星期五下午3點', '2026-12-04T15:00:00', false],
    ['上上週五', '2026-11-20T00:00:00', true],
    // counted back from now
    // 剛剛 is a moment ago, how long is not said: this minute, approximate (round 4); 現在 is this minute.
    ['剛剛', '2026-12-06T21:10:00', true],
    ['剛才', '2026-12-06T21:10:00', true],
    ['現在', '2026-12-06T21:10:00', false],
    ['稍早', '2026-12-06T20:10:00', true],
    ['十分鐘前', '2026-12-06T21:00:00', false],
    ['半小時前', '2026-12-06T20:40:00', true],
    ['三個小時前', '2026-12-06T18:10:00', true],
    ['一個半小時前', '2026-12-06T19:40:00', true],
    ['兩天前', '2026-12-04T00:00:00', true],
    ['兩天前下午3點', '2026-12-04T15:00:00', false],
    // dates: ROC, slash, dash, with and without year
    ['115年11月20日', '2026-11-20T00:00:00', true],
    ['民國115年11月20日 14時30分', '2026-11-20T14:30:00', false],
    ['115/11/20', '2026-11-20T00:00:00', true],
    ['115.11.20', '2026-11-20T00:00:00', true],
    ['115/11/20 14:30', '2026-11-20T14:30:00', false],
    ['2026-11-20', '2026-11-20T00:00:00', true],
    ['2026/11/20 14:30', '2026-11-20T14:30:00', false],
    ['2026-11-20T14:30:00+08:00', '2026-11-20T14:30:00', false],
    ['2026-11-20T06:30:00Z', '2026-11-20T14:30:00', false],
    ['11/20', '2026-11-20T00:00:00', true],
    ['11/20 14:30', '2026-11-20T14:30:00', false],
    ['11-20 下午2點', '2026-11-20T14:00:00', false],
    ['12月1號晚上8點', '2026-12-01T20:00:00', false],
    ['5號下午', '2026-12-05T12:00:00', true],
    ['11/22（日）15:00', '2026-11-22T15:00:00', false],
    // months: 12/30 has not come yet this year, so it is last year's
    ['12/30', '2025-12-30T00:00:00', true],
    ['11月底', '2026-11-28T00:00:00', true],
    // parts of the day alone: the start of the period, today (or yesterday if it has not begun)
    ['早上', '2026-12-06T06:00:00', true],
    ['中午', '2026-12-06T12:00:00', true],
    ['晚上', '2026-12-06T18:00:00', true],
    // vague words
    ['大約下午2點', '2026-12-06T14:00:00', true],
    ['下午3點多', '2026-12-06T15:00:00', true],
    ['約昨天中午', '2026-12-05T12:00:00', true],
    ['昨天下午3點前後', '2026-12-05T15:00:00', true],
    // school day (the default bell schedule; without a date, the latest day with classes: Friday)
    ['週五第三節', '2026-12-04T10:10:00', true],
    ['午休時間', '2026-12-04T12:10:00', true],
    ['前天早自習', '2026-12-04T07:30:00', true],
    ['11月5日早上第一節', '2026-11-05T08:10:00', true],
    // The night that ends yesterday, like 昨天晚上1點 (round 4; 昨天凌晨2點 is yesterday's small hours).
    ['昨天深夜2點', '2026-12-06T02:00:00', false],
    ['昨天凌晨2點', '2026-12-05T02:00:00', false],
    ['昨天晚上1點', '2026-12-06T01:00:00', false],
    // full-width digits, spaces, filler
    ['１１／２０　１４：３０', '2026-11-20T14:30:00', false],
    ['昨天下午３點', '2026-12-05T15:00:00', false],
    ['  昨天 下午 3 點  ', '2026-12-05T15:00:00', false],
    ['在昨天下午3點的時候', '2026-12-05T15:00:00', false],
    ['3pm', '2026-12-06T15:00:00', false],
    // a time inside a short sentence (found by chrono-node's zh.hant parser, read by ours): approximate
    ['應該是昨天下午3點那時候吧', '2026-12-05T15:00:00', true],
    ['我記得是昨天晚上8點', '2026-12-05T20:00:00', true],
    ['週三下午我發現的', '2026-12-02T12:00:00', true],
  ]);
});

describe('New Year: now = Saturday 2027-01-02 09:00', () => {
  check('2027-01-02T09:00:00+08:00', [
    ['12/30', '2026-12-30T00:00:00', true],
    ['12/31 23:59', '2026-12-31T23:59:00', false],
    ['12月31日晚上11點', '2026-12-31T23:00:00', false],
    ['1/1', '2027-01-01T00:00:00', true],
    ['昨天', '2027-01-01T00:00:00', true],
    ['前天晚上', '2026-12-31T18:00:00', true],
    ['上週五', '2026-12-25T00:00:00', true],
    ['115/12/31', '2026-12-31T00:00:00', true],
    ['31號', '2026-12-31T00:00:00', true],
    ['三天前', '2026-12-30T00:00:00', true],
  ]);
});

describe('month ends and midnight: now = Monday 2027-03-01 00:30', () => {
  check('2027-03-01T00:30:00+08:00', [
    ['昨天', '2027-02-28T00:00:00', true],
    ['昨天晚上11點59分', '2027-02-28T23:59:00', false],
    // In the small hours the day just ended is still "today": a time of it said in full is exact (round 4).
    ['23:59', '2027-02-28T23:59:00', false],
    ['00:00', '2027-03-01T00:00:00', false],
    ['今天凌晨', '2027-03-01T00:00:00', true],
    ['2/28', '2027-02-28T00:00:00', true],
    ['晚上12點', '2027-03-01T00:00:00', false],
    ['週日', '2027-02-28T00:00:00', true],
    ['三十分鐘前', '2027-03-01T00:00:00', false],
  ]);
});

describe('what is refused', () => {
  const now = new Date('2026-12-06T21:10:00+08:00');
  it.each([
    '',
    '   ',
    'abc',
    '看不懂',
    '下午25點',
    '13/40',
    '2/30',
    '115/02/30',
    '上午15點',
    '99999',
    '<script>alert(1)</script>',
    '第九節',
    '昨天下午3點'.repeat(20),
    '請問3點要開會嗎',
    '我有3點意見',
    '前陣子',
    '前幾天吧',
    // a school moment on a day without classes (Saturday, Sunday): which day is asked again
    '昨天第三節',
    '今天早自習',
  ])('unreadable: %s', (text) => {
    expect(readNaturalTime(text, now)).toEqual({ ok: false, reason: 'unreadable' });
  });

  it.each([
    ['明天', '2026-12-07T00:00:00'],
    ['今天晚上10點', '2026-12-06T22:00:00'],
    ['2026-12-24', '2026-12-24T00:00:00'],
  ])('in the future, said so: %s', (text, at) => {
    const r = readNaturalTime(text, now);
    expect(r.ok).toBe(false);
    expect(r.ok === false && r.reason).toBe('future');
    expect(r.ok === false && r.reason === 'future' && toTaipeiIso(r.at)).toBe(`${at}+08:00`);
    expect(parseNaturalTime(text, now)).toBeNull();
  });

  it('takes a few minutes ahead (clock differences) as now', () => {
    const r = parseNaturalTime('21:13', now);
    expect(r?.at.getTime()).toBe(now.getTime());
  });

  it('2/29 is refused in a year without one rather than moved years back', () => {
    expect(parseNaturalTime('2/29', new Date('2027-03-01T00:30:00+08:00'))).toBeNull();
    expect(toTaipeiIso(parseNaturalTime('2/29', new Date('2028-03-01T00:30:00+08:00'))!.at)).toBe('2028-02-29T00:00:00+08:00');
  });

  it('never throws and never answers a future moment, whatever is typed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }), (text, ms) => {
        const now = new Date(ms);
        const r = parseNaturalTime(text, now);
        return r === null || r.at.getTime() <= now.getTime();
      }),
    );
  });

  it('reads generated 上午/下午 times with Chinese numerals the same as with digits', () => {
    const cn = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二'];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 11 }), fc.integer({ min: 0, max: 59 }), fc.boolean(), (h, m, pm) => {
        const minutes = m === 0 ? '' : m < 10 ? `零${cn[m]}分` : `${m >= 20 ? cn[Math.floor(m / 10)] : ''}十${m % 10 ? cn[m % 10] : ''}分`;
        const period = pm ? '下午' : '上午';
        const a = parseNaturalTime(`昨天${period}${cn[h]}點${minutes}`, now);
        const b = parseNaturalTime(`昨天${period}${h}點${m ? `${m}分` : ''}`, now);
        return a !== null && b !== null && a.at.getTime() === b.at.getTime() && !a.approximate;
      }),
    );
  });
});

describe('Chinese numerals', () => {
  it.each([
    ['五', 5],
    ['十', 10],
    ['十五', 15],
    ['二十', 20],
    ['二十三', 23],
    ['兩', 2],
    ['一百一十五', 115],
    ['一一五', 115],
    ['二〇二六', 2026],
    ['廿三', 23],
  ] as const)('%s = %d', (run, n) => expect(chineseNumeral(run)).toBe(n));

  it('leaves runs that are not a number alone', () => {
    expect(chineseNumeral('三四十')).toBeNull();
    expect(replaceChineseNumerals('十一月五號下午兩點')).toBe('11月5號下午2點');
  });
});

describe('representative hours', () => {
  it('are the start of each part of the day (the earlier, cautious reading), noon for 中午', () => {
    expect(PERIOD_START_HOUR).toMatchObject({ 凌晨: 0, 早上: 6, 上午: 6, 中午: 12, 下午: 12, 傍晚: 17, 晚上: 18 });
  });
});

describe('ranges, alternatives, weekends, months and am/pm first (now = Monday 2026-12-07 11:10 Taipei)', () => {
  check('2026-12-07T11:10:00+08:00', [
    // A range or two alternatives: the earlier reading, approximate (the cautious one): 兩三天前 reaches back three days.
    ['昨天下午三點到四點之間', '2026-12-06T15:00:00', true],
    ['昨天下午3點至4點', '2026-12-06T15:00:00', true],
    ['大概是上禮拜四還是五', '2026-12-03T00:00:00', true],
    ['前天晚上八九點', '2026-12-05T20:00:00', true],
    ['兩三天前', '2026-12-04T00:00:00', true],
    ['十一二點', '2026-12-07T11:00:00', true],
    // AM/PM written first, as phones and forms often show it.
    ['pm3:30', '2026-12-06T15:30:00', true],
    ['PM 3:30', '2026-12-06T15:30:00', true],
    ['AM9:05', '2026-12-07T09:05:00', false],
    // Weekends: their Saturday; a bare 週末 is the latest one begun.
    ['上週末', '2026-12-05T00:00:00', true],
    ['週末', '2026-12-05T00:00:00', true],
    ['上上週末', '2026-11-28T00:00:00', true],
    // This or last month, and months ago.
    ['這個月初', '2026-12-01T00:00:00', true],
    ['上個月', '2026-11-01T00:00:00', true],
    ['上個月底', '2026-11-28T00:00:00', true],
    ['半個月前', '2026-11-22T00:00:00', true],
    ['一個月前', '2026-11-07T00:00:00', true],
    // A class period's 下課: the end of the period (第三節 10:10–11:00 in the default schedule).
    ['第三節下課', '2026-12-07T11:00:00', true],
  ]);

  it('keeps numbers that only look like neighbours (九十天前 is ninety days, 二十三點 is 23:00)', () => {
    const now = new Date('2026-12-07T11:10:00+08:00');
    expect(toTaipeiIso(parseNaturalTime('九十天前', now)!.at)).toBe('2026-09-08T00:00:00+08:00');
    expect(toTaipeiIso(parseNaturalTime('昨天二十三點', now)!.at)).toBe('2026-12-06T23:00:00+08:00');
  });

  it('still refuses a range whose first part is not a time, and a weekend still to come', () => {
    const now = new Date('2026-12-07T11:10:00+08:00');
    expect(readNaturalTime('看不懂到四點', now)).toEqual({ ok: false, reason: 'unreadable' });
    expect(readNaturalTime('這週末', now)).toMatchObject({ ok: false, reason: 'future' });
  });
});

describe('named days, the small hours and slips (now = Monday 2027-01-11 01:20 Taipei)', () => {
  check('2027-01-11T01:20:00+08:00', [
    // Days named instead of dated: the latest one up to today; 跨年夜 is the evening of 12/31.
    ['元旦', '2027-01-01T00:00:00', true],
    ['元旦下午兩點', '2027-01-01T14:00:00', false],
    ['跨年夜', '2026-12-31T18:00:00', true],
    ['跨年夜十一點半', '2026-12-31T23:30:00', false],
    ['耶誕節早上', '2026-12-25T06:00:00', true],
    ['國慶日', '2026-10-10T00:00:00', true],
    // A year named with a month-day.
    ['去年12月28日', '2026-12-28T00:00:00', true],
    ['去年11月', '2026-11-01T00:00:00', true],
    ['今年1/3 9:00', '2027-01-03T09:00:00', true],
    // 今晚 typed in the small hours: the night in progress, begun yesterday evening.
    ['今晚九點', '2027-01-10T21:00:00', false],
    ['今天晚上十點多', '2027-01-10T22:00:00', true],
    // A time without 上午/下午 whose school-hours reading is still to come, but whose other half just passed.
    ['十二點四十幾分', '2027-01-11T00:40:00', true],
    // Alternatives between days: the earlier one, whichever was said first.
    ['前天還是昨天', '2027-01-09T00:00:00', true],
    ['昨天或前天', '2027-01-09T00:00:00', true],
    // The afternoon's periods counted from its first; zhuyin slips of the same syllable.
    ['上週四下午第二節', '2027-01-07T14:20:00', true],
    ['上週四下五兩點', '2027-01-07T14:00:00', false],
    ['上週四下午3點辦', '2027-01-07T15:30:00', false],
  ]);

  it('reads a month-day less than a week ahead as a slip still to come, not as last year', () => {
    const now = new Date('2027-01-11T01:20:00+08:00');
    expect(readNaturalTime('1/14', now)).toMatchObject({ ok: false, reason: 'future' });
    // Further ahead it is last year's, as before.
    expect(toTaipeiIso(parseNaturalTime('2/20', now)!.at)).toBe('2026-02-20T00:00:00+08:00');
  });

  it('keeps 「3點」 typed mid-morning as yesterday afternoon, not the small hours of today', () => {
    const now = new Date('2026-12-08T10:20:00+08:00');
    expect(toTaipeiIso(parseNaturalTime('3點', now)!.at)).toBe('2026-12-07T15:00:00+08:00');
  });
});
