// Check digits of Taiwanese identity numbers and of payment card numbers.
// National ID (國民身分證統一編號) and the 2021 resident certificate number (新式統一證號) share one
// algorithm; the old resident certificate number (舊式統一證號, second character A–D) maps its
// second letter to the last digit of that letter's code.

/** Letter codes of the first character (issuing area), as published by the Ministry of the Interior. */
const LETTER_CODES: Readonly<Record<string, number>> = {
  A: 10,
  B: 11,
  C: 12,
  D: 13,
  E: 14,
  F: 15,
  G: 16,
  H: 17,
  I: 34,
  J: 18,
  K: 19,
  L: 20,
  M: 21,
  N: 22,
  O: 35,
  P: 23,
  Q: 24,
  R: 25,
  S: 26,
  T: 27,
  U: 28,
  V: 29,
  W: 32,
  X: 30,
  Y: 31,
  Z: 33,
};

const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 1] as const;

export type TaiwanIdShape = 'national-id' | 'resident-id-old' | 'resident-id-new';

/** Shape of a 10-character Taiwanese identity number, or null if it has none of the three shapes. */
export function taiwanIdShape(value: string): TaiwanIdShape | null {
  const id = value.toUpperCase();
  if (/^[A-Z][12]\d{8}$/.test(id)) return 'national-id';
  if (/^[A-Z][89]\d{8}$/.test(id)) return 'resident-id-new';
  if (/^[A-Z][A-D]\d{8}$/.test(id)) return 'resident-id-old';
  return null;
}

/** Weighted sum of the nine digits that follow the first letter; the second one may be a letter A–D. */
function checksumOk(id: string): boolean {
  const code = LETTER_CODES[id[0] ?? ''];
  if (code === undefined) return false;
  let sum = Math.floor(code / 10) + (code % 10) * 9;
  for (let i = 0; i < 8; i++) {
    const ch = id[i + 1] ?? '';
    const second = LETTER_CODES[ch];
    const digit = i === 0 && second !== undefined ? second % 10 : Number(ch);
    sum += digit * (WEIGHTS[i] ?? 0);
  }
  sum += Number(id[9]);
  return sum % 10 === 0;
}

/** True for a national ID number (letter + 1/2 + 8 digits) whose check digit is correct. */
export function isValidNationalId(value: string): boolean {
  const id = value.toUpperCase();
  return taiwanIdShape(id) === 'national-id' && checksumOk(id);
}

/** True for a resident certificate number, old (letter + A–D + 8 digits) or new (letter + 8/9 + 8 digits) format. */
export function isValidResidentId(value: string): boolean {
  const id = value.toUpperCase();
  const shape = taiwanIdShape(id);
  return (shape === 'resident-id-new' || shape === 'resident-id-old') && checksumOk(id);
}

/** The check digit that completes the first nine characters of an ID (any of the three shapes). */
export function taiwanIdCheckDigit(firstNine: string): number {
  const head = firstNine.toUpperCase();
  if (taiwanIdShape(`${head}0`) === null) {
    throw new Error(
      `taiwanIdCheckDigit needs a letter, then 1/2/8/9 or A–D, then 7 digits; got ${firstNine.length} characters in another shape`,
    );
  }
  for (let d = 0; d <= 9; d++) {
    if (checksumOk(`${head}${d}`)) return d;
  }
  throw new Error('unreachable: every prefix has exactly one check digit');
}

/** Luhn (mod 10) check used by payment card numbers. Non-digits are ignored. */
export function luhnValid(value: string): boolean {
  const digits = value.replace(/\D/g, '');
  if (digits.length < 2) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes and lengths of the card brands seen in Taiwan (Visa, Mastercard, JCB, AmEx, UnionPay, Diners). */
export function looksLikeCardNumber(digits: string): boolean {
  const n = digits.length;
  if (!/^\d+$/.test(digits) || n < 13 || n > 19) return false;
  const brand =
    (/^4/.test(digits) && (n === 13 || n === 16 || n === 19)) ||
    (/^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))/.test(digits) && n === 16) ||
    (/^3[47]/.test(digits) && n === 15) ||
    (/^35(2[89]|[3-8]\d)/.test(digits) && n >= 16) ||
    (/^62/.test(digits) && n >= 16) ||
    (/^3(0[0-5]|[68])/.test(digits) && n >= 14);
  return brand && luhnValid(digits);
}
