import { TZDate } from '@date-fns/tz';

// Date patterns of the masker (mask.ts): dates of birth and dates old enough to be one, in AD and ROC forms.
// Run on NFKC text; linear by construction (bounded quantifiers, look-behind pins the start).

export interface DateParts {
  year?: number;
  month: number;
  day?: number;
}

export interface DatePattern {
  re: RegExp;
  parse: (m: RegExpExecArray) => DateParts | null;
  /**
   * full: masked when older than 3 years, otherwise kept (and shielded from the bare-number rule);
   * compact: like full, but a recent one is left to the bare-number rule (it may be a student number);
   * partial: masked only after a birth keyword.
   */
  mode: 'full' | 'compact' | 'partial';
}

const num = (s: string | undefined): number => Number(s ?? NaN);
const rocOrAd = (y: string | undefined): number => (y !== undefined && y.length === 4 ? num(y) : num(y) + 1911);
const ROC_PREFIX = '(?:(?:中華)?民國[ ]?)?';
const NO_NUM_BEFORE = '(?<![0-9A-Za-z./-])';
const NO_NUM_AFTER = '(?![0-9]|[./-]\\d)';

export const DATE_PATTERNS: DatePattern[] = [
  {
    // 2010/5/12, 2010-05-12, 2010.05.12
    re: new RegExp(`${NO_NUM_BEFORE}((?:19|20)\\d{2})[ ]?([/.-])[ ]?(\\d{1,2})[ ]?\\2[ ]?(\\d{1,2})${NO_NUM_AFTER}`, 'g'),
    parse: (m) => ({ year: num(m[1]), month: num(m[3]), day: num(m[4]) }),
    mode: 'full',
  },
  {
    // 2010年5月12日, 民國99年5月12日, 99年5月12日
    re: new RegExp(`${ROC_PREFIX}(?<![0-9])((?:19|20)\\d{2}|\\d{2,3})[ ]?年[ ]?(\\d{1,2})[ ]?月[ ]?(\\d{1,2})[ ]?[日號号]?(?![0-9])`, 'g'),
    parse: (m) => ({ year: rocOrAd(m[1]), month: num(m[2]), day: num(m[3]) }),
    mode: 'full',
  },
  {
    // 99/05/12, 099.05.12, 民國99/5/12 (ROC years have 2–3 digits)
    re: new RegExp(`${ROC_PREFIX}${NO_NUM_BEFORE}(\\d{2,3})[ ]?([/.-])[ ]?(\\d{1,2})[ ]?\\2[ ]?(\\d{1,2})${NO_NUM_AFTER}`, 'g'),
    parse: (m) => ({ year: num(m[1]) + 1911, month: num(m[3]), day: num(m[4]) }),
    mode: 'full',
  },
  {
    // 12/05/2010 (month/day or day/month before a 4-digit year)
    re: new RegExp(`${NO_NUM_BEFORE}(\\d{1,2})([/.-])(\\d{1,2})\\2((?:19|20)\\d{2})(?![0-9])`, 'g'),
    parse: (m) => {
      const a = num(m[1]);
      const b = num(m[3]);
      const year = num(m[4]);
      return validDate(year, a, b) ? { year, month: a, day: b } : { year, month: b, day: a };
    },
    mode: 'full',
  },
  {
    // 20100512
    re: /(?<![0-9A-Za-z])((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![0-9A-Za-z])/g,
    parse: (m) => ({ year: num(m[1]), month: num(m[2]), day: num(m[3]) }),
    mode: 'compact',
  },
  {
    // 2010年5月, 99年5月, 2010/05
    re: new RegExp(`${ROC_PREFIX}(?<![0-9])((?:19|20)\\d{2}|\\d{2,3})[ ]?年[ ]?(\\d{1,2})[ ]?月(?![ ]?\\d)`, 'g'),
    parse: (m) => ({ year: rocOrAd(m[1]), month: num(m[2]) }),
    mode: 'partial',
  },
  {
    re: new RegExp(`${NO_NUM_BEFORE}((?:19|20)\\d{2})[/-](\\d{1,2})${NO_NUM_AFTER}`, 'g'),
    parse: (m) => ({ year: num(m[1]), month: num(m[2]) }),
    mode: 'partial',
  },
  {
    // 5/12, 05-12, 5月12日
    re: new RegExp(`${NO_NUM_BEFORE}(\\d{1,2})[ ]?[/.-][ ]?(\\d{1,2})${NO_NUM_AFTER}`, 'g'),
    parse: (m) => ({ month: num(m[1]), day: num(m[2]) }),
    mode: 'partial',
  },
  {
    re: /(?<![0-9])(\d{1,2})[ ]?月[ ]?(\d{1,2})[ ]?[日號号]?(?![0-9])/g,
    parse: (m) => ({ month: num(m[1]), day: num(m[2]) }),
    mode: 'partial',
  },
];

export const BIRTH_KEYWORD_BEFORE =
  /(?:出生年月日|出生年月|出生日期|出生日|出生於|出生|生日|生於|dob|d\.o\.b\.?|date of birth|birth ?date|birthday)[ \t]*(?:[:=(]|為|是|於)?[ \t]*$/i;

function validDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function validParts(p: DateParts): boolean {
  if (p.month < 1 || p.month > 12) return false;
  if (p.day === undefined) return true;
  return validDate(p.year ?? 2000, p.month, p.day);
}

export interface CalendarDay {
  year: number;
  month: number;
  day: number;
}

export function taipeiCutoff(now: Date): CalendarDay {
  const t = new TZDate(now.getTime(), 'Asia/Taipei');
  return { year: t.getFullYear() - 3, month: t.getMonth() + 1, day: t.getDate() };
}

export function before(a: CalendarDay, b: CalendarDay): boolean {
  if (a.year !== b.year) return a.year < b.year;
  if (a.month !== b.month) return a.month < b.month;
  return a.day < b.day;
}
