/**
 * Chinese numerals as staff type them in times and dates: 「十一月五號」「下午兩點十五分」「三個小時前」「二〇二六年」.
 * Both the positional form (十五, 二十三, 一百一十五) and the digit-by-digit form (一一五, 二〇二六) are read.
 */

const DIGITS: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  兩: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};
const UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
const TENS: Record<string, number> = { 廿: 20, 卅: 30 };

/** A run of Chinese numeral characters, e.g. 「二十三」. */
export const CHINESE_NUMERAL_RUN = /[零〇一二兩两三四五六七八九十百千廿卅]+/g;

/**
 * The value of a run of Chinese numerals, or null when it is not a well-formed number.
 * 「十五」→15, 「二十」→20, 「一百一十五」→115, 「一一五」→115, 「二〇二六」→2026, 「廿三」→23.
 */
export function chineseNumeral(run: string): number | null {
  if (run === '') return null;
  const chars = [...run];
  // Digit by digit (一一五, 二〇二六): no unit characters at all.
  if (chars.every((c) => c in DIGITS)) {
    return chars.length === 1 ? DIGITS[chars[0]!]! : Number(chars.map((c) => DIGITS[c]).join(''));
  }
  let total = 0;
  let pending: number | null = null;
  for (const c of chars) {
    if (c in DIGITS) {
      if (pending !== null && pending !== 0) return null; // 「三四十」 and the like are not single numbers
      pending = DIGITS[c]!;
    } else if (c in UNITS) {
      // 「十」 alone at the start is 10 (十五 = 15).
      total += (pending ?? 1) * UNITS[c]!;
      pending = null;
    } else if (c in TENS) {
      if (total !== 0 || pending !== null) return null;
      total += TENS[c]!;
    }
  }
  return total + (pending ?? 0);
}

/** Replaces every run of Chinese numerals with its Arabic digits (runs that are not numbers are left as they are). */
export function replaceChineseNumerals(text: string): string {
  return text.replace(CHINESE_NUMERAL_RUN, (run) => {
    const n = chineseNumeral(run);
    return n === null ? run : String(n);
  });
}
