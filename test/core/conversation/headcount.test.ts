import { describe, expect, it } from 'vitest';
import { parseChineseNumber, parseHeadCount } from '../../../src/core/conversation/headcount.js';
import { validateField, validateIntake } from '../../../src/core/conversation/intake.js';
import type { FormField } from '../../../src/ports/chat-model.js';

const now = new Date('2026-11-20T02:00:00Z');
const read = (s: string) => parseHeadCount(s, '初估人數', now);
const ok = (s: string) => {
  const r = read(s);
  if (!r.ok) throw new Error(`${s}: ${r.message}`);
  return { count: r.value.count, text: r.value.text };
};
const problem = (s: string) => {
  const r = read(s);
  if (r.ok) throw new Error(`${s} was accepted as ${r.value.text}`);
  return r.message;
};

describe('head-count estimate (seed 004 pt. 45)', () => {
  it('reads a number, with or without its unit, in half- or full-width digits', () => {
    expect(ok('35')).toEqual({ count: 35, text: '35 人' });
    expect(ok('35人')).toEqual({ count: 35, text: '35 人' });
    expect(ok('３５ 名')).toEqual({ count: 35, text: '35 人' });
    expect(ok('1,200人')).toEqual({ count: 1200, text: '1200 人' });
    expect(ok('全班30人')).toEqual({ count: 30, text: '30 人' });
    expect(ok('0')).toEqual({ count: 0, text: '0 人' });
  });

  it('reads approximate answers and keeps them approximate', () => {
    expect(ok('約30人')).toEqual({ count: 30, text: '約 30 人' });
    expect(ok('大概 30 個')).toEqual({ count: 30, text: '約 30 人' });
    expect(ok('30人左右')).toEqual({ count: 30, text: '約 30 人' });
    expect(ok('一個班約30人')).toEqual({ count: 30, text: '約 30 人' });
    expect(ok('30多人')).toEqual({ count: 30, text: '30 餘人（初估）' });
    expect(ok('三十幾個')).toEqual({ count: 30, text: '30 餘人（初估）' });
    expect(ok('約兩百人')).toEqual({ count: 200, text: '約 200 人' });
    expect(ok('1.5萬人')).toEqual({ count: 15000, text: '15000 人' });
  });

  it('reads a range and counts its upper end', () => {
    expect(ok('30-40')).toEqual({ count: 40, text: '30 至 40 人' });
    expect(ok('30到40人')).toEqual({ count: 40, text: '30 至 40 人' });
    expect(ok('30～40人之間')).toEqual({ count: 40, text: '30 至 40 人' });
    expect(ok('三十至四十人')).toEqual({ count: 40, text: '30 至 40 人' });
    expect(problem('40到30人')).toContain('由小到大');
  });

  it('accepts 「尚不清楚」 only with what is being done to find out, masking personal data in it', () => {
    expect(ok('尚不清楚，正在清查收件者名單')).toEqual({ count: null, text: '尚不清楚（正在清查收件者名單）' });
    expect(ok('不確定：請資訊組查存取紀錄')).toEqual({ count: null, text: '尚不清楚（請資訊組查存取紀錄）' });
    expect(problem('尚不清楚')).toContain('正在如何確認');
    expect(problem('不知道')).toContain('正在如何確認');
    const masked = read('尚不清楚，正在聯絡 0912345678 確認');
    expect(masked.ok && masked.value.text).not.toContain('0912345678');
  });

  it('refuses what is not an estimate, with an example', () => {
    expect(problem('很多')).toContain('例如');
    expect(problem('全班')).toContain('例如');
    expect(problem('3班共90人、老師2人')).toContain('好幾個數字');
    expect(problem('200000000')).toContain('超過');
    expect(problem('三個班')).toContain('例如');
  });

  it('reads Chinese numerals', () => {
    expect(parseChineseNumber('三十五')).toBe(35);
    expect(parseChineseNumber('十二')).toBe(12);
    expect(parseChineseNumber('一百零五')).toBe(105);
    expect(parseChineseNumber('兩千')).toBe(2000);
    expect(parseChineseNumber('一萬五千')).toBe(15000);
    expect(parseChineseNumber('萬')).toBeNull();
    expect(parseChineseNumber('abc')).toBeNull();
  });

  it('is required in the intake: a skipped estimate is refused', () => {
    const field: FormField = {
      id: 'affectedEstimate',
      label: '初估人數',
      type: 'text',
      format: 'headcount',
      required: true,
      maxLength: 200,
    };
    const skipped = validateField(field, '', now);
    expect(skipped.ok).toBe(false);
    const r = validateIntake([field], { affectedEstimate: '30到40人' }, now);
    expect(r.ok && r.result.answers.affectedEstimate).toBe(40);
    expect(r.ok && r.result.answers.affectedEstimateText).toBe('30 至 40 人');
  });
});
