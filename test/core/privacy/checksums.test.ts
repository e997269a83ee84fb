import { describe, expect, it } from 'vitest';
import {
  isValidNationalId,
  isValidResidentId,
  looksLikeCardNumber,
  luhnValid,
  taiwanIdCheckDigit,
  taiwanIdShape,
} from '../../../src/core/privacy/checksums.js';

// Samples published elsewhere: A123456789 is the specimen number printed on MOI sample ID cards and in most
// developer documentation; the resident certificate samples come from the test suite of the open-source
// taiwan-id-validator package (enylin/taiwan-id-validator), whose rules cite the National Immigration Agency.
const PUBLISHED_NATIONAL = ['A123456789', 'F131104093', 'O158238845', 'N116247806', 'L122544270', 'C180661564', 'Y123456788'];
const PUBLISHED_RESIDENT_OLD = [
  'AA00000009',
  'AB00207171',
  'AC03095424',
  'BD01300667',
  'CC00151114',
  'HD02717288',
  'TD00251124',
  'AD30196818',
];
const PUBLISHED_RESIDENT_NEW = [
  'A800000014',
  'A900207177',
  'A803095426',
  'B801300667',
  'C800151116',
  'H802717288',
  'T900251126',
  'A930196810',
];

/** Letter codes written out independently of the implementation (MOI table), to compute check digits by hand. */
const CODES = 'A10 B11 C12 D13 E14 F15 G16 H17 I34 J18 K19 L20 M21 N22 O35 P23 Q24 R25 S26 T27 U28 V29 W32 X30 Y31 Z33'
  .split(' ')
  .reduce<Record<string, number>>((acc, pair) => {
    acc[pair[0] ?? ''] = Number(pair.slice(1));
    return acc;
  }, {});

function handCheckDigit(firstNine: string): number {
  const code = CODES[firstNine[0] ?? ''] ?? NaN;
  const second = firstNine[1] ?? '';
  const secondDigit = /[A-D]/.test(second) ? (CODES[second] ?? NaN) % 10 : Number(second);
  const digits = [secondDigit, ...firstNine.slice(2).split('').map(Number)];
  const sum = Math.floor(code / 10) + (code % 10) * 9 + digits.reduce((s, d, i) => s + d * (8 - i), 0);
  return (10 - (sum % 10)) % 10;
}

describe('Taiwan ID check digits', () => {
  it('accepts published national ID samples and rejects them with a wrong last digit', () => {
    for (const id of PUBLISHED_NATIONAL) {
      expect(isValidNationalId(id), id).toBe(true);
      const wrong = id.slice(0, 9) + String((Number(id[9]) + 1) % 10);
      expect(isValidNationalId(wrong), wrong).toBe(false);
    }
  });

  it('accepts published old- and new-format resident certificate numbers', () => {
    for (const id of [...PUBLISHED_RESIDENT_OLD, ...PUBLISHED_RESIDENT_NEW]) {
      expect(isValidResidentId(id), id).toBe(true);
      expect(isValidNationalId(id), id).toBe(false);
    }
    expect(isValidResidentId('AA00000000')).toBe(false);
    expect(isValidResidentId('A800000000')).toBe(false);
  });

  it('computes the same check digit as an independent hand calculation for every letter', () => {
    for (const letter of Object.keys(CODES)) {
      for (const second of ['1', '2', '8', '9', 'A', 'B', 'C', 'D']) {
        const head = `${letter}${second}2345678`;
        const expected = handCheckDigit(head);
        expect(taiwanIdCheckDigit(head), head).toBe(expected);
        const id = `${head}${expected}`;
        const valid = second === '1' || second === '2' ? isValidNationalId(id) : isValidResidentId(id);
        expect(valid, id).toBe(true);
      }
    }
  });

  it('is case-insensitive and recognises the three shapes', () => {
    expect(isValidNationalId('a123456789')).toBe(true);
    expect(taiwanIdShape('A123456789')).toBe('national-id');
    expect(taiwanIdShape('A812345678')).toBe('resident-id-new');
    expect(taiwanIdShape('AB12345678')).toBe('resident-id-old');
    expect(taiwanIdShape('A323456789')).toBeNull();
    expect(taiwanIdShape('A12345678')).toBeNull();
    expect(() => taiwanIdCheckDigit('A3234567')).toThrow(/letter, then 1\/2\/8\/9 or A–D/);
  });
});

/** Appends the Luhn check digit, computed independently of the implementation. */
function withLuhnDigit(body: string): string {
  for (let d = 0; d <= 9; d++) {
    const digits = `${body}${d}`.split('').reverse().map(Number);
    const sum = digits.reduce((s, n, i) => s + (i % 2 === 1 ? (n * 2 > 9 ? n * 2 - 9 : n * 2) : n), 0);
    if (sum % 10 === 0) return `${body}${d}`;
  }
  throw new Error('unreachable');
}

describe('card numbers', () => {
  it('checks Luhn and brand prefixes', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true);
    expect(looksLikeCardNumber('4111111111111111')).toBe(true);
    expect(looksLikeCardNumber('5555555555554444')).toBe(true);
    expect(looksLikeCardNumber('378282246310005')).toBe(true);
    expect(looksLikeCardNumber('3530111333300000')).toBe(true);
    const nineStart = withLuhnDigit('911111111111111');
    expect(luhnValid(nineStart)).toBe(true);
    expect(looksLikeCardNumber(nineStart)).toBe(false);
  });
});
