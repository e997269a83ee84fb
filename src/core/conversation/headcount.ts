import { maskPersonalData, type MaskFinding } from '../privacy/mask.js';

/**
 * The initial estimate of how many people are affected (seed 004 pt. 45: the internal report carries at least an
 * initial estimate of the number of affected personal data). Staff answer it the way they talk: 「35」「35人」
 * 「約30人」「30多人」「三十幾個」「30-40」「30到40人」, or 「尚不清楚」 together with what is being done to find out
 * (「尚不清楚，正在清查收件者名單」). A bare 「不知道」 is not an estimate and is sent back with an example.
 */
export interface HeadCount {
  /** The number used for thresholds and reports: the figure, or the upper end of a range; null when not yet known. */
  count: number | null;
  /** How the estimate reads in documents and cards: 「35 人」「約 30 人」「30 至 40 人」「尚不清楚（正在清查…）」. */
  text: string;
  /** Personal data masked out of the explanation. */
  masked: MaskFinding[];
}

export const HEADCOUNT_MAX = 10_000_000;

const HEADCOUNT_EXAMPLES = '例如「35」「約30人」「30到40人」，或「尚不清楚，正在清查收件者名單」';

export const HEADCOUNT_TEXTS = {
  unreadable: (label: string) => `看不懂「${label}」。請填人數或範圍，${HEADCOUNT_EXAMPLES}。`,
  tooMany: (label: string) => `「${label}」超過 ${HEADCOUNT_MAX.toLocaleString('en-US')} 人，請再確認。`,
  badRange: (label: string) => `「${label}」的範圍請由小到大，例如「30到40人」。`,
  ambiguous: (label: string) => `「${label}」有好幾個數字，請只填人數或範圍，例如「約90人」或「80到90人」。`,
  unknownNeedsWhy: (label: string) =>
    `「${label}」還不清楚也沒關係，但請說明正在如何確認，例如「尚不清楚，正在清查收件者名單」（要點第45點：至少要有初步估計或確認的方式）。`,
};

const DIGIT: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 兩: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const UNIT: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/** 「三十五」「一百二十」「兩千」「一萬五千」「十二」 → number; null when it is not a Chinese numeral. */
export function parseChineseNumber(s: string): number | null {
  if (!/^[零〇一二兩三四五六七八九十百千萬]+$/.test(s) || s.startsWith('萬')) return null;
  let total = 0;
  let section = 0;
  let digit: number | null = null;
  for (const ch of s) {
    if (ch in DIGIT) {
      digit = DIGIT[ch]!;
    } else if (ch in UNIT) {
      section += (digit ?? 1) * UNIT[ch]!;
      digit = null;
    } else {
      // 萬
      total += (section + (digit ?? 0)) * 10_000;
      section = 0;
      digit = null;
    }
  }
  return total + section + (digit ?? 0);
}

const NUM = String.raw`(\d+|[零〇一二兩三四五六七八九十百千萬]+)`;
const UNKNOWN =
  /^(尚不清楚|不清楚|尚不確定|不確定|還不確定|還不清楚|不知道|還不知道|尚不知道|未知|不明|尚未確認|待確認|待查|無法估計|無法確定)/;
const APPROX = /約|大約|大概|左右|上下|差不多|將近|近|估計|初估|多|幾|餘|以上|概估|至少/;

const toNumber = (s: string) => (/^\d+$/.test(s) ? Number(s) : parseChineseNumber(s));

/** Parses an estimate; returns a zh-TW message for anything that is not one. */
export function parseHeadCount(raw: string, label: string, now: Date): { ok: true; value: HeadCount } | { ok: false; message: string } {
  const t = raw.normalize('NFKC').trim().replace(/\s+/g, ' ');
  const unknown = UNKNOWN.exec(t);
  if (unknown) {
    // What follows 「尚不清楚」 is the way the number is being found out; a few characters at least.
    const why = t.slice(unknown[0].length).replace(/^[\s,，、。:：;；(（-]+|[\s)）。]+$/g, '');
    if ([...why].length < 4) return { ok: false, message: HEADCOUNT_TEXTS.unknownNeedsWhy(label) };
    const m = maskPersonalData(why, { now });
    return { ok: true, value: { count: null, text: `尚不清楚（${m.text}）`, masked: m.findings } };
  }
  // Thousands separators and the ways people write a range.
  const s = t
    .replace(/(\d),(?=\d{3}(?!\d))/g, '$1')
    // 「1萬」「1.5萬」「2千」「3百」: Arabic figures with a Chinese unit.
    .replace(/(\d+(?:\.\d+)?)\s*(萬|千|百)/g, (_, n: string, u: string) =>
      String(Math.round(Number(n) * { 萬: 10_000, 千: 1000, 百: 100 }[u]!)),
    );
  const range = new RegExp(`${NUM}\\s*(?:人|名|位|個)?\\s*(?:-|~|〜|–|—|到|至)\\s*${NUM}`).exec(s);
  if (range) {
    const lo = toNumber(range[1]!);
    const hi = toNumber(range[2]!);
    if (lo === null || hi === null) return { ok: false, message: HEADCOUNT_TEXTS.unreadable(label) };
    if (hi < lo) return { ok: false, message: HEADCOUNT_TEXTS.badRange(label) };
    if (hi > HEADCOUNT_MAX) return { ok: false, message: HEADCOUNT_TEXTS.tooMany(label) };
    return { ok: true, value: { count: hi, text: lo === hi ? `${hi} 人` : `${lo} 至 ${hi} 人`, masked: [] } };
  }
  const numbers = [...s.matchAll(new RegExp(NUM, 'g'))].map((m) => ({ at: m.index, raw: m[1]!, after: s.slice(m.index + m[0].length) }));
  // 「3班共90人」: the figure followed by 人/名/位 is the head count; otherwise there must be one figure only.
  const counted = numbers.filter((n) => /^\s*(?:多|幾|餘)?\s*(?:人|名|位|個(?![班年校處組室]))/.test(n.after));
  const pick = counted.length === 1 ? counted[0] : numbers.length === 1 ? numbers[0] : undefined;
  if (!pick) return { ok: false, message: numbers.length > 1 ? HEADCOUNT_TEXTS.ambiguous(label) : HEADCOUNT_TEXTS.unreadable(label) };
  const n = toNumber(pick.raw);
  if (n === null || !Number.isSafeInteger(n)) return { ok: false, message: HEADCOUNT_TEXTS.unreadable(label) };
  if (n > HEADCOUNT_MAX) return { ok: false, message: HEADCOUNT_TEXTS.tooMany(label) };
  // Anything besides the figure and its unit must say it is approximate; other words are not an estimate.
  const rest = s.replace(pick.raw, '').replace(/人|名|位|個|筆|份|[\s,，、。.]/g, '');
  const approx = APPROX.test(rest);
  const plus = /^\s*(?:多|幾|餘)/.test(pick.after) || /以上|至少/.test(rest);
  if (rest !== '' && !approx && !/^(共|總共|合計|全班|全校|大約)/.test(rest))
    return { ok: false, message: HEADCOUNT_TEXTS.unreadable(label) };
  const text = plus ? `${n} 餘人（初估）` : approx ? `約 ${n} 人` : `${n} 人`;
  return { ok: true, value: { count: n, text, masked: [] } };
}
