import { isValidNationalId, isValidResidentId, looksLikeCardNumber, luhnValid, taiwanIdShape } from './checksums.js';
import { BIRTH_KEYWORD_BEFORE, before, DATE_PATTERNS, taipeiCutoff, validParts } from './mask-dates.js';
import { isKeptEmail, isKeptPhone, keepList, LINE_ID_RE, TICKET_RE, UUID_RE } from './kept.js';

// Masks personal data that staff paste into chat before anything is stored or logged.
//
// Regex safety (this runs on every message): every pattern below is linear in the input by construction.
// - Variable-length patterns start with a negative look-behind on their own character class, so a match can
//   only begin at a token boundary and no character is rescanned from many start positions.
// - No nested unbounded quantifiers; repeated groups are either bounded ({0,6}) or begin with a character
//   (separator, '-', '.') that the preceding quantified part cannot consume, so there is only one way to split.
// - Never two adjacent stars over the same characters (the keyword gap is `[ \t]*(?:[:=][ \t]*)?`, not
//   `[ \t]*[:=]?[ \t]*`), which is what turns a long run of spaces into quadratic backtracking.
// - Keyword contexts are checked on a fixed-size window before the match, never with open-ended look-behind.
// - A school's studentNumberPattern is the operator's responsibility: it must follow the same rules.

export type PiiKind =
  | 'national-id'
  | 'resident-id'
  | 'possible-id'
  | 'phone'
  | 'email'
  | 'birth-date'
  | 'old-date'
  | 'student-number'
  | 'passport'
  | 'card-number'
  | 'account-number'
  | 'address'
  | 'number';

export interface MaskFinding {
  kind: PiiKind;
  count: number;
}

export interface MaskResult {
  text: string;
  findings: MaskFinding[];
  masked: boolean;
}

export interface MaskOptions {
  /** A school's own student-number format, e.g. /\bs\d{7}\b/i. Must be linear-time: it runs on every message. */
  studentNumberPattern?: RegExp;
  /** Reference time for the "more than 3 years ago" date rule; defaults to the current time. */
  now?: Date;
  /**
   * Values on record that are not personal data and are kept as typed: the school's own telephone numbers (matched by
   * their digits whatever the separators, also without the area code) and e-mail addresses. See schoolKeepList.
   */
  keep?: readonly string[];
}

interface KindInfo {
  label: string;
  token: string;
}

/** Display order of findings and their zh-TW label and mask token. */
export const PII_KINDS: Readonly<Record<PiiKind, KindInfo>> = {
  'national-id': { label: '身分證號', token: '［身分證號已遮蔽］' },
  'resident-id': { label: '居留證號（統一證號）', token: '［居留證號已遮蔽］' },
  'possible-id': { label: '疑似證件號碼', token: '［疑似證號已遮蔽］' },
  phone: { label: '電話號碼', token: '［電話號碼已遮蔽］' },
  email: { label: '電子郵件地址', token: '［電子郵件已遮蔽］' },
  'birth-date': { label: '出生日期', token: '［出生日期已遮蔽］' },
  'old-date': { label: '較早的日期（可能是出生日期）', token: '［日期已遮蔽］' },
  'student-number': { label: '學號', token: '［學號已遮蔽］' },
  passport: { label: '護照號碼', token: '［護照號碼已遮蔽］' },
  'card-number': { label: '卡號', token: '［卡號已遮蔽］' },
  'account-number': { label: '帳號', token: '［帳號已遮蔽］' },
  address: { label: '住址', token: '［住址已遮蔽］' },
  number: { label: '其他號碼（學號、帳號等）', token: '［號碼已遮蔽］' },
};

const KIND_ORDER = Object.keys(PII_KINDS) as PiiKind[];

/** Stand-in for an already-claimed span in the working view: not a letter, digit, space or separator. */
const BLANK = '■';

// ---------------------------------------------------------------------------------------------------------------
// Normalisation with a map back to the user's text

interface Normalised {
  norm: string;
  /** For each UTF-16 unit of `norm`: start and end offsets of the original character it came from. */
  from: Int32Array;
  to: Int32Array;
}

/**
 * Characters that draw nothing (zero-width space and joiners, soft hyphen, word joiner, BOM, bidi marks, variation
 * selectors: Unicode's default-ignorable code points). Pasted inside an identifier (「A12\u200B3456789」, a copy from a
 * web page or a deliberate dodge) they would split it where no one sees a split: they are left out of the text the
 * detectors read, so a finding spans them and the mask covers them (attack round 1, docs/security.md).
 */
const INVISIBLE = /^\p{Default_Ignorable_Code_Point}$/u;

/**
 * Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): 「\u202E987654321A」 is stored as a
 * reversed number and shown as A123456789. They are dropped from what is stored (nothing in a school's chat needs
 * them; Arabic and Hebrew letters lay themselves out without them), so what a reader sees is what was checked.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

function normalise(text: string): Normalised {
  if (/^[\x00-\x7f]*$/.test(text)) {
    const from = new Int32Array(text.length);
    const to = new Int32Array(text.length);
    for (let i = 0; i < text.length; i++) {
      from[i] = i;
      to[i] = i + 1;
    }
    return { norm: text, from, to };
  }
  const parts: string[] = [];
  const fromList: number[] = [];
  const toList: number[] = [];
  let offset = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    // ASCII and the unified CJK block are NFKC-stable and hold nothing invisible; skip the per-character calls for them.
    const plain = code < 0x80 || (code >= 0x4e00 && code <= 0x9fff);
    if (!plain && INVISIBLE.test(ch)) {
      offset += ch.length;
      continue;
    }
    const nf = plain ? ch : ch.normalize('NFKC');
    parts.push(nf);
    for (let k = 0; k < nf.length; k++) {
      fromList.push(offset);
      toList.push(offset + ch.length);
    }
    offset += ch.length;
  }
  return { norm: parts.join(''), from: Int32Array.from(fromList), to: Int32Array.from(toList) };
}

// ---------------------------------------------------------------------------------------------------------------
// Working state: accepted spans over the normalised text

interface Span {
  start: number;
  end: number;
  /** null: recognised as harmless (e.g. a recent date) and kept, but no later detector may take it. */
  kind: PiiKind | null;
}

class Scan {
  readonly claimed: Uint8Array;
  readonly inUrl: Uint8Array;
  readonly spans: Span[] = [];
  view: string;
  private dirty = false;

  constructor(readonly norm: string) {
    this.claimed = new Uint8Array(norm.length);
    this.inUrl = new Uint8Array(norm.length);
    this.view = norm;
  }

  isFree(start: number, end: number, allowInUrl: boolean): boolean {
    for (let i = start; i < end; i++) {
      if (this.claimed[i] === 1) return false;
      if (!allowInUrl && this.inUrl[i] === 1) return false;
    }
    return end > start;
  }

  claim(start: number, end: number, kind: PiiKind | null, allowInUrl = false): boolean {
    if (!this.isFree(start, end, allowInUrl)) return false;
    this.claimed.fill(1, start, end);
    this.spans.push({ start, end, kind });
    this.dirty = true;
    return true;
  }

  /** Later detectors see claimed spans as BLANK, as they would see a mask token when the text is masked again. */
  refreshView(): void {
    if (!this.dirty) return;
    const sorted = [...this.spans].sort((a, b) => a.start - b.start);
    let out = '';
    let pos = 0;
    for (const s of sorted) {
      out += this.norm.slice(pos, s.start) + BLANK.repeat(s.end - s.start);
      pos = s.end;
    }
    this.view = out + this.norm.slice(pos);
    this.dirty = false;
  }
}

/** Runs a detector's global regex over the current view; `accept` decides and claims. */
function eachMatch(scan: Scan, re: RegExp, accept: (m: RegExpExecArray) => void): void {
  scan.refreshView();
  re.lastIndex = 0;
  for (let m = re.exec(scan.view); m !== null; m = re.exec(scan.view)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    accept(m);
  }
}

const countDigits = (s: string): number => s.replace(/\D/g, '').length;

// ---------------------------------------------------------------------------------------------------------------
// Patterns (run on the NFKC-normalised text; \d is ASCII-only without the u flag)

const MASK_TOKENS = KIND_ORDER.map((k) => PII_KINDS[k].token.normalize('NFKC').replace(/[[\]]/g, '\\$&')).join('|');

// A URL: ASCII URL characters, or a mask token left by an earlier pass (keeps masking idempotent).
const URL_RE = new RegExp(`(?<![A-Za-z0-9])(?:https?://|www\\.)(?:${MASK_TOKENS}|[!#-;=?-~]){1,4096}`, 'gi');

const EMAIL_RE = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}(?![A-Za-z0-9-])/g;

const SEP = '[ \\-.\\u2010-\\u2015\\u2212]';

// A national ID or resident certificate number, also written in groups: A123456789, A 123 456 789, A-123-456-789.
const ID_RE = new RegExp(`(?<![A-Za-z0-9])[A-Za-z]${SEP}?[12ABCDabcd89](?:${SEP}?\\d){8}(?![A-Za-z0-9])`, 'g');
const EXT = `(?:[ ]?(?:分機|轉|ext\\.?|x|#)[ ]?\\d{1,6})?`;
/** Words that label a contact number rather than issue a ticket: 「TEL-02-2345-6789」 is a telephone number. */
const CONTACT_LABEL_RE = /^(?:tel|fax|phone|mobile|mob|cell|hp|ext|no|nr|num|card|visa|master|jcb|amex|id)$/i;

// 09 and 8 more digits in any grouping (0912-345-678, 09 1234 5678, (0912)345678), or after +886 / 00886.
const MOBILE_RE = new RegExp(
  `(?<![0-9A-Za-z+])(?:(?:\\+|00)?886${SEP}?(?:\\(0\\)${SEP}?)?|\\(?0)9(?:\\)?${SEP}?\\d){8}(?![0-9A-Za-z])`,
  'gi',
);
const LANDLINE_RE = new RegExp(
  `(?<![0-9A-Za-z+])(?:(?:\\+|00)?886${SEP}?\\(?0?|\\(?0)([2-8]\\d{0,3})\\)?${SEP}?(\\d{2,4})${SEP}?(\\d{3,4})${EXT}(?![0-9A-Za-z])`,
  'gi',
);

const CARD_GROUPED_RE = /(?<![0-9A-Za-z-])(?:\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?|\d{4}([ -])\d{6}\2\d{5})(?![0-9A-Za-z]|[ -]\d)/g;
const CARD_PLAIN_RE = /(?<![0-9A-Za-z])\d{13,19}(?![0-9A-Za-z])/g;

const GAP = '[ \\t]*(?:(?:[:=]|為|是)[ \\t]*)?';

interface KeywordRule {
  kind: PiiKind;
  keywords: string;
  token: string;
  minDigits: number;
}

// Keyword-led values: the keyword, then one value or a list of values separated by 、,;/
const KEYWORD_RULES: KeywordRule[] = [
  {
    kind: 'possible-id',
    keywords: '身分證(?:統一)?(?:字號|號碼|號)?|身份證(?:字號|號碼|號)?|統一證號|居留證(?:號碼|號)?',
    token: '[A-Za-z]{1,2}\\d{6,9}|\\d{8,10}',
    minDigits: 6,
  },
  {
    kind: 'student-number',
    keywords: '座號學號|學號座號|班級座號|學生證號碼|學生證號|學籍號碼|學籍編號|學籍號|學生編號|學號|座號|student (?:id|no\\.?|number)',
    token: '[A-Za-z]{0,3}\\d[0-9A-Za-z-]{1,15}',
    minDigits: 3,
  },
  {
    kind: 'passport',
    keywords: '護照號碼|護照號|護照|passport(?: no\\.?| number)?',
    token: '[A-Za-z]{0,3}\\d[0-9A-Za-z]{4,11}',
    minDigits: 4,
  },
  {
    kind: 'card-number',
    keywords: '信用卡號碼?|信用卡|金融卡號碼?|簽帳卡號碼?|卡號|credit card(?: no\\.?| number)?|card (?:no\\.?|number)',
    token: '\\d(?:[ -]?\\d){7,18}',
    minDigits: 8,
  },
  {
    kind: 'account-number',
    keywords: '銀行帳號|存摺帳號|匯款帳號|郵局帳號|轉帳帳號|帳號|帳戶|戶頭|account(?: no\\.?| number)?',
    token: '(?:\\(\\d{3,4}\\)[ -]?)?\\d(?:[ -]?\\d){5,19}',
    minDigits: 6,
  },
  {
    kind: 'phone',
    keywords: '行動電話|聯絡電話|連絡電話|家裡電話|住家電話|電話|手機|市話|tel|phone|mobile',
    token: `(?:\\+?\\d{1,4}${SEP}?)?\\(?\\d{1,4}\\)?(?:${SEP}?\\d{2,4}){1,4}${EXT}`,
    minDigits: 6,
  },
];

function keywordRegex(rule: KeywordRule): { list: RegExp; item: RegExp } {
  const item = `(?:${rule.token})(?![0-9A-Za-z-])`;
  const list = `(?<![A-Za-z])(?:${rule.keywords})${GAP}(${item}(?:[ \\t]*[、,;/][ \\t]*${item}){0,200})`;
  return { list: new RegExp(list, 'gi'), item: new RegExp(item, 'gi') };
}

const KEYWORD_REGEXES = KEYWORD_RULES.map((rule) => ({ rule, ...keywordRegex(rule) }));

// Bare digit runs: digits, optionally joined by single dashes.
// Thousands separators need no exception: their groups have at most 3 digits. Decimals do: 3.1415926.
const NUMBER_RUN_RE = /(?<![0-9A-Za-z_])(?<!\d\.)\d+(?:-\d+){0,6}(?![0-9A-Za-z_]|\.\d)/g;
const COUNT_UNIT_AFTER =
  /^[ \t]*(?:人|名|位|筆|件|份|元|塊|次|個|張|頁|則|封|戶|家|所|班|萬|千|百|億|兆|年|學年|學期|年度|%|‰|kb|mb|gb|tb|bytes?|kbps|mbps|ms|秒|分鐘|小時|天|週|周|公里|公尺|公斤|km\b)/i;
const AMOUNT_BEFORE = /(?:nt\$|ntd|us\$|\$|新台幣|新臺幣|台幣|臺幣|約|共|計|總共|合計|大約|逾|超過|多達)[ \t]*$/i;
const DOC_NUMBER_BEFORE = /第[ \t]*$/;
// 6-digit postal codes (郵遞區號) in front of a city or county; the rest of an address is not masked anyway.
const CITY_AFTER = /^[ \t]*(?:[臺台](?:北|中|南|東)|新北|桃園|高雄|基隆|新竹|苗栗|彰化|南投|雲林|嘉義|屏東|宜蘭|花蓮|澎湖|金門|連江)[縣市]/;
// A student number, passport or mistyped ID with a short letter prefix: s1100123, A1234567890.
const PREFIXED_NUMBER_RE = /(?<![0-9A-Za-z_])[A-Za-z]{1,3}\d{6,}(?![0-9A-Za-z_])/g;
const DOC_NUMBER_AFTER = /^[ \t]*號/;

// Street addresses (台北市信義區松仁路100號, 中正路二段12巷3弄5號之1 7樓): a road or street with a house number (號) is
// where someone lives; the city and district before it belong to the address and are masked with it. A road's name is
// a few Han characters that are not the district's own (區鄉鎮市縣村里) nor words around an address (住在、寄到、的), so
// the match starts where the address does. A street name alone (「中山路上」) is not an address. Bounded repeats only.
const WORDS = '在住於到至的是和與及或從網';
const HAN = `[\\p{Script=Han}--[區鄉鎮市縣村里鄰${WORDS}]]`;
/** A district's name may hold 鎮 or 市 (前鎮區, 新市區) but never ends the road's name. */
const DISTRICT_HAN = `[\\p{Script=Han}--[區縣村里鄰${WORDS}]]`;
const ADDRESS_RE = new RegExp(
  `(?:(?:[臺台](?:北|中|南|東)|新北|桃園|高雄|基隆|新竹|苗栗|彰化|南投|雲林|嘉義|屏東|宜蘭|花蓮|澎湖|金門|連江)[縣市])?` +
    `(?:${DISTRICT_HAN}{1,3}[區鄉鎮市])?(?:${HAN}{1,3}[村里](?:\\d{1,3}鄰)?)?` +
    `${HAN}{1,5}(?:路|街|大道)(?:[一二三四五六七八九十\\d]{1,2}段)?(?:\\d{1,4}巷)?(?:\\d{1,4}弄)?` +
    `\\d{1,5}(?:之\\d{1,3})?號(?:之\\d{1,3})?(?:[ \\t]?\\d{1,3}(?:樓|F)(?:之\\d{1,3})?)?`,
  'gv',
);
/** The school's own address, said as such (校址、本校地址、本校位於): not personal data. */
const SCHOOL_ADDRESS_BEFORE = /(?:校址|學校地址|本校地址|學校位於|本校位於|學校在|本校在)[ \t:：為是]*$/;

function isHhmm(s: string): boolean {
  return /^([01]\d|2[0-3])[0-5]\d$/.test(s);
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Replaces personal data in a chat message with readable zh-TW tokens such as ［身分證號已遮蔽］.
 * Matching runs on the NFKC form (full-width digits, ＠, －…); the rest of the user's text is returned unchanged.
 */
export function maskPersonalData(typed: string, opts: MaskOptions = {}): MaskResult {
  const text = typed.replace(BIDI_CONTROLS, '');
  const { norm, from, to } = normalise(text);
  const scan = new Scan(norm);
  const cutoff = taipeiCutoff(opts.now ?? new Date());
  const keep = keepList(opts.keep);

  // URLs: only strong findings (e-mails, IDs with a valid check digit, mobiles) are masked inside them.
  eachMatch(scan, URL_RE, (m) => {
    let end = m.index + m[0].length;
    while (end > m.index && /[.,;:!?'")]/.test(norm[end - 1] ?? '')) end--;
    scan.inUrl.fill(1, m.index, end);
  });

  // Ids the system made are never personal data; claimed first so no later rule takes a digit run out of them.
  eachMatch(scan, UUID_RE, (m) => scan.claim(m.index, m.index + m[0].length, null, true));
  eachMatch(scan, LINE_ID_RE, (m) => scan.claim(m.index, m.index + m[0].length, null, true));

  eachMatch(scan, ADDRESS_RE, (m) => {
    const school = SCHOOL_ADDRESS_BEFORE.test(norm.slice(Math.max(0, m.index - 10), m.index));
    scan.claim(m.index, m.index + m[0].length, school ? null : 'address');
  });

  eachMatch(scan, EMAIL_RE, (m) => scan.claim(m.index, m.index + m[0].length, isKeptEmail(keep, m[0]) ? null : 'email', true));

  eachMatch(scan, ID_RE, (m) => {
    const id = m[0].replace(/[^0-9A-Za-z]/g, '');
    const valid = taiwanIdShape(id) === 'national-id' ? isValidNationalId(id) : isValidResidentId(id);
    const kind: PiiKind = !valid ? 'possible-id' : taiwanIdShape(id) === 'national-id' ? 'national-id' : 'resident-id';
    scan.claim(m.index, m.index + m[0].length, kind, valid);
  });

  // Official ticket and reference numbers (EDU-1151207-001): kept as typed. Claimed before the phone and card rules,
  // or a digit group that happens to read as a number with a trunk or country prefix (「AAA-88620000-000」) would be
  // taken out of the middle of the ticket. A two-letter prefix with one number (「NO-110123」) may be a student number:
  // kept only with a longer issuer or more than one number group. Not a ticket: a contact label glued to a number
  // (「TEL-0912345678」), or number groups that together read as a mobile number or a card number in its groups of four.
  eachMatch(scan, TICKET_RE, (m) => {
    const groups = m[0].split('-');
    const numbers = groups.filter((g) => /^\d/.test(g));
    if ((groups[0]?.length ?? 0) < 3 && numbers.length < 2) return;
    if (CONTACT_LABEL_RE.test(groups[0] ?? '')) return;
    const digits = numbers.join('');
    const cardGrouped = numbers.length >= 4 && numbers.every((g) => g.length === 4) && luhnValid(digits);
    if (/^09\d{8}$/.test(digits) || cardGrouped) return;
    scan.claim(m.index, m.index + m[0].length, null);
  });

  // The school's own numbers on record (opts.keep) are claimed as harmless: kept as typed, and no later rule masks them.
  const phone = (s: string): PiiKind | null => (isKeptPhone(keep, s) ? null : 'phone');
  eachMatch(scan, MOBILE_RE, (m) => scan.claim(m.index, m.index + m[0].length, phone(m[0]), true));

  eachMatch(scan, LANDLINE_RE, (m) => {
    const digits = countDigits(`${m[1] ?? ''}${m[2] ?? ''}${m[3] ?? ''}`);
    if (digits === 8 || digits === 9) scan.claim(m.index, m.index + m[0].length, phone(m[0]));
  });

  eachMatch(scan, CARD_GROUPED_RE, (m) => {
    const digits = m[0].replace(/\D/g, '');
    scan.claim(m.index, m.index + m[0].length, luhnValid(digits) ? 'card-number' : 'number');
  });
  eachMatch(scan, CARD_PLAIN_RE, (m) => {
    if (looksLikeCardNumber(m[0])) scan.claim(m.index, m.index + m[0].length, 'card-number');
  });

  for (const { rule, list, item } of KEYWORD_REGEXES) {
    eachMatch(scan, list, (m) => {
      const values = m[1] ?? '';
      const base = m.index + m[0].length - values.length;
      item.lastIndex = 0;
      for (let v = item.exec(values); v !== null; v = item.exec(values)) {
        if (countDigits(v[0]) < rule.minDigits) continue;
        const kind = rule.kind === 'phone' ? phone(v[0]) : rule.kind;
        scan.claim(base + v.index, base + v.index + v[0].length, kind);
      }
    });
  }

  if (opts.studentNumberPattern) {
    const p = opts.studentNumberPattern;
    const re = new RegExp(p.source, p.flags.includes('g') ? p.flags : `${p.flags}g`);
    eachMatch(scan, re, (m) => scan.claim(m.index, m.index + m[0].length, 'student-number'));
  }

  for (const pattern of DATE_PATTERNS) {
    eachMatch(scan, pattern.re, (m) => {
      const parts = pattern.parse(m);
      if (parts === null || !validParts(parts)) return;
      const start = m.index;
      const end = start + m[0].length;
      const birth = BIRTH_KEYWORD_BEFORE.test(norm.slice(Math.max(0, start - 24), start));
      let kind: PiiKind | null = null;
      if (birth) kind = 'birth-date';
      else if (pattern.mode !== 'partial' && parts.year !== undefined && parts.day !== undefined) {
        if (before({ year: parts.year, month: parts.month, day: parts.day }, cutoff)) kind = 'old-date';
      }
      if (kind === null && pattern.mode === 'compact') return;
      scan.claim(start, end, kind);
    });
  }

  eachMatch(scan, NUMBER_RUN_RE, (m) => {
    const groups = m[0].split('-');
    const total = groups.reduce((n, g) => n + g.length, 0);
    const longest = Math.max(...groups.map((g) => g.length));
    if (longest < 6 && total < 8) return;
    if (groups.length === 2 && groups.every(isHhmm)) return;
    if (groups.length === 2 && groups.every((g) => /^(19|20)\d{2}$/.test(g))) return;
    const start = m.index;
    const end = start + m[0].length;
    const beforeText = norm.slice(Math.max(0, start - 8), start);
    const afterText = norm.slice(end, end + 8);
    if (COUNT_UNIT_AFTER.test(afterText) || AMOUNT_BEFORE.test(beforeText)) return;
    if (DOC_NUMBER_BEFORE.test(beforeText) && DOC_NUMBER_AFTER.test(afterText)) return;
    if (m[0].length === 6 && CITY_AFTER.test(afterText)) return;
    scan.claim(start, end, 'number');
  });
  eachMatch(scan, PREFIXED_NUMBER_RE, (m) => scan.claim(m.index, m.index + m[0].length, 'number'));

  return render(text, scan.spans, from, to);
}

function render(text: string, spans: Span[], from: Int32Array, to: Int32Array): MaskResult {
  const masked = spans
    .filter((s): s is Span & { kind: PiiKind } => s.kind !== null)
    .map((s) => ({ kind: s.kind, start: from[s.start] ?? 0, end: to[s.end - 1] ?? text.length }))
    .sort((a, b) => a.start - b.start);
  if (masked.length === 0) return { text, findings: [], masked: false };

  const counts = new Map<PiiKind, number>();
  let out = '';
  let pos = 0;
  for (const s of masked) {
    counts.set(s.kind, (counts.get(s.kind) ?? 0) + 1);
    if (s.start < pos) {
      // Two findings inside one original character (e.g. ⑳ expanded by NFKC): already covered.
      pos = Math.max(pos, s.end);
      continue;
    }
    out += text.slice(pos, s.start) + PII_KINDS[s.kind].token;
    pos = s.end;
  }
  out += text.slice(pos);
  const findings = KIND_ORDER.filter((k) => counts.has(k)).map((kind) => ({ kind, count: counts.get(kind) ?? 0 }));
  return { text: out, findings, masked: true };
}

/**
 * A short, kind zh-TW note for the reporter: what was masked, and a request to describe the leak
 * (kinds of data, number of people) instead of pasting the data itself. Empty string when nothing was masked.
 */
export function privacyNotice(findings: readonly MaskFinding[]): string {
  const items = findings.filter((f) => f.count > 0);
  if (items.length === 0) return '';
  const list = items.map((f) => `${PII_KINDS[f.kind].label} ${f.count} 筆`).join('、');
  return [
    `為了保護當事人，您訊息中的個資已自動遮蔽：${list}。`,
    '請不要在對話中貼上外洩的資料本身，只要說明外洩的個資種類（例如姓名、身分證號、電話）和大約人數就可以了。',
    '如果這些資料是事件的證據，請改用截圖或檔案私訊傳給我，我會加密保存並記下雜湊值（只有應變人員看得到）。',
    '如果可以，也請收回或刪除剛才的原始訊息。謝謝您的協助！',
  ].join('\n');
}
