import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sanitizeForLog } from '../../../src/app/logger.js';
import { taiwanIdCheckDigit } from '../../../src/core/privacy/checksums.js';
import { maskPersonalData, PII_KINDS, type PiiKind } from '../../../src/core/privacy/mask.js';

// Property-based: masking is exact both ways. Generated identity numbers (valid check digits), telephone numbers and
// e-mail addresses, written with random separators and half/full-width characters, are always masked completely;
// ids the system made, ticket numbers and the school's own numbers on record are never touched.

const now = new Date('2026-11-21T10:00:00+08:00');
const RUNS = { numRuns: 400 };

const digit = fc.integer({ min: 0, max: 9 }).map(String);
const digits = (n: number) => fc.array(digit, { minLength: n, maxLength: n }).map((d) => d.join(''));
const upper = fc.integer({ min: 0, max: 25 }).map((i) => String.fromCharCode(65 + i));

/** Full-width form of ASCII letters and digits (what a Chinese input method types): Ａ１２３. */
const fullWidth = (s: string) => s.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
/** Each character independently half- or full-width. */
const mixedWidth = (s: string) =>
  fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((w) => [...s].map((c, i) => (w[i] ? fullWidth(c) : c)).join(''));

/** Separators people type between digit groups: spaces (also the ideographic one), dashes, dots. */
const SEPARATORS = [' ', '-', '.', '\u3000', '\uff0d', '\u2010', '\u2013', '\uff0e'];
const sep = fc.constantFrom(...SEPARATORS);

/** Joins groups with one separator style throughout, as people do. */
const grouped = (groups: string[]) => sep.map((s) => groups.join(s));

/** Splits a string into groups at random positions (at most `max` groups). */
function randomGroups(s: string, max: number): fc.Arbitrary<string[]> {
  return fc.uniqueArray(fc.integer({ min: 1, max: s.length - 1 }), { maxLength: max - 1 }).map((cuts) => {
    const at = [0, ...cuts.sort((a, b) => a - b), s.length];
    return at.slice(1).map((end, i) => s.slice(at[i], end));
  });
}

// ---------------------------------------------------------------------------------------------- personal data

/** National IDs (second character 1/2), new resident numbers (8/9) and old ones (A–D), with a valid check digit. */
const taiwanId = fc
  .tuple(upper, fc.constantFrom('1', '2', '8', '9', 'A', 'B', 'C', 'D'), digits(7), fc.boolean())
  .map(([first, second, rest, lower]) => {
    const head = `${first}${second}${rest}`;
    const id = `${head}${taiwanIdCheckDigit(head)}`;
    return lower ? id.toLowerCase() : id;
  });

const writtenId = taiwanId.chain((id) =>
  fc
    .oneof(
      fc.constant(id),
      // A 123 456 789, A-123456789, A1 2345 6789 …
      randomGroups(id, 4).chain(grouped),
    )
    .chain(mixedWidth),
);

const mobile = digits(8).chain((rest) => {
  const national = `09${rest}`;
  const n = national;
  return fc.oneof(
    fc.constant(n),
    grouped([n.slice(0, 4), n.slice(4, 7), n.slice(7)]),
    grouped([n.slice(0, 4), n.slice(4)]),
    grouped([n.slice(0, 2), n.slice(2, 6), n.slice(6)]),
    sep.map((s) => `(${n.slice(0, 4)})${n.slice(4, 7)}${s}${n.slice(7)}`),
    fc
      .constantFrom('+886', '+886 ', '886-', '00886 ', '+886 (0)')
      .chain((cc) => grouped([n.slice(1, 4), n.slice(4, 7), n.slice(7)]).map((g) => `${cc}${g}`)),
    fc.constantFrom('+886-', '+886 ').chain((cc) => grouped(['9', n.slice(2, 6), n.slice(6)]).map((g) => `${cc}${g}`)),
  );
});

/** Area codes with the length of their subscriber numbers (Taiwan's numbering plan). */
const AREAS: [string, number][] = [
  ['02', 8],
  ['03', 7],
  ['04', 7],
  ['04', 8],
  ['05', 7],
  ['06', 7],
  ['07', 7],
  ['08', 7],
  ['037', 6],
  ['049', 7],
  ['082', 6],
  ['089', 6],
  ['0836', 5],
  ['0826', 5],
];
const landline = fc.constantFrom(...AREAS).chain(([area, len]) =>
  fc.tuple(fc.integer({ min: 2, max: 9 }).map(String), digits(len - 1)).chain(([first, rest]) => {
    const local = `${first}${rest}`;
    const cut = local.length - 4;
    const parts = cut >= 2 ? [local.slice(0, cut), local.slice(cut)] : [local.slice(0, 2), local.slice(2)];
    return fc.oneof(
      grouped([area, ...parts]),
      sep.map((s) => `(${area})${parts.join(s)}`),
      fc.constant(`(${area})${local}`),
      fc.constant(`${area}${local}`),
      grouped(['+886', area.slice(1), ...parts]),
    );
  }),
);

const phone = fc.oneof(mobile, landline).chain(mixedWidth);

const emailAddress = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9]{1,8}([._+-][a-z0-9]{1,8}){0,2}$/),
    fc.stringMatching(/^[a-z0-9]{1,10}(-[a-z0-9]{1,6})?$/),
    fc.constantFrom('com', 'edu.tw', 'tp.edu.tw', 'gov.tw', 'org', 'com.tw', 'net'),
  )
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`)
  .chain((e) => fc.oneof(fc.constant(e), fc.constant(fullWidth(e).replace('@', '＠'))));

const before = fc.constantFrom('', '名單：', '王小明 ', '家長說 ', '外洩資料：王小明，', '（', '學生 ');
const after = fc.constantFrom('', ' 請協助處理', '，謝謝。', '）', '\n李小華', '、陳小美');

const ASCII_OR_WIDE_DIGIT = /[0-9０-９]/;

function expectMasked(text: string, raw: string, kinds: PiiKind[]): void {
  const r = maskPersonalData(text, { now });
  expect(r.masked, `not masked: ${text}`).toBe(true);
  expect(r.text, `kept digits of ${raw}: ${r.text}`).not.toMatch(ASCII_OR_WIDE_DIGIT);
  for (const f of r.findings) expect(kinds, `${text} → ${f.kind}`).toContain(f.kind);
}

describe('maskPersonalData (property): personal data in any writing is masked completely', () => {
  it('identity numbers with valid check digits, any separators, half/full width', () => {
    fc.assert(
      fc.property(before, writtenId, after, (b, id, a) => {
        const r = maskPersonalData(`${b}${id}${a}`, { now });
        expectMasked(`${b}${id}${a}`, id, ['national-id', 'resident-id']);
        expect(r.findings.reduce((n, f) => n + f.count, 0)).toBe(1);
      }),
      RUNS,
    );
  });

  it('mobile and landline numbers with area codes, separators, parentheses, +886', () => {
    fc.assert(
      fc.property(before, phone, after, (b, p, a) => {
        expectMasked(`${b}${p}${a}`, p, ['phone']);
        const r = maskPersonalData(`${b}${p}${a}`, { now });
        expect(r.findings).toEqual([{ kind: 'phone', count: 1 }]);
      }),
      RUNS,
    );
  });

  it('e-mail addresses, also full-width', () => {
    fc.assert(
      fc.property(before, emailAddress, after, (b, e, a) => {
        const r = maskPersonalData(`${b}${e}${a}`, { now });
        expect(r.text).toBe(`${b}${PII_KINDS.email.token}${a}`);
      }),
      RUNS,
    );
  });

  it('several of them in one pasted list', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(writtenId, phone, emailAddress), { minLength: 2, maxLength: 6 }),
        fc.constantFrom('、', '，', '\n', ' / '),
        (items, joiner) => {
          const r = maskPersonalData(items.join(joiner), { now });
          expect(r.text).not.toMatch(ASCII_OR_WIDE_DIGIT);
          expect(r.text).not.toContain('@');
        },
      ),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------- not personal data

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const uuid = fc.uuid({ version: [4, 5] });
const lineId = fc.tuple(fc.constantFrom('U', 'C', 'R'), hex(32)).map(([p, h]) => `${p}${h}`);
const slackId = fc
  .tuple(fc.constantFrom('U0', 'C0', 'W0', 'D0', 'G0', 'T0'), fc.stringMatching(/^[A-Z0-9]{7,9}$/))
  .map(([p, r]) => `${p}${r}`);
const snowflake = fc.bigInt({ min: 100_000_000_000_000_000n, max: 1_999_999_999_999_999_999n }).map(String);
/** Official ticket numbers: issuer letters, a dash, digit groups (EDU-1151207-001, ISAC-202611-0001). */
const ticket = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('EDU', 'ISAC', 'TACERT', 'TWCERT', 'MOE', 'CERT'),
      // Any other issuer, except the words that label a contact or card number (「TEL-59883602」 is a phone: mask.ts).
      fc
        .stringMatching(/^[A-Z]{3,6}$/)
        .filter((s) => !/^(?:TEL|FAX|PHONE|MOBILE|MOB|CELL|HP|EXT|NO|NR|NUM|CARD|VISA|MASTER|JCB|AMEX|ID)$/.test(s)),
    ),
    fc.integer({ min: 1, max: 9 }).map(String),
    fc.integer({ min: 5, max: 8 }).chain(digits),
    fc.option(fc.integer({ min: 3, max: 4 }).chain(digits), { nil: undefined }),
  )
  .map(([issuer, first, rest, tail]) => `${issuer}-${first}${rest}${tail ? `-${tail}` : ''}`);

describe('maskPersonalData (property): what is not personal data is kept as typed', () => {
  it('UUIDs (v4 and v5: job ids, row ids) and LINE ids in free text', () => {
    fc.assert(
      fc.property(fc.oneof(uuid, lineId), fc.constantFrom('job ', '工作 ', 'id=', '事件 ', ''), (id, lead) => {
        const text = `${lead}${id} 失敗，重試中`;
        expect(maskPersonalData(text, { now }).text).toBe(text);
      }),
      RUNS,
    );
  });

  it('official ticket numbers typed as a reference', () => {
    fc.assert(
      fc.property(ticket, fc.constantFrom('通報平台事件單號：', '教育局收件編號 ', '案號 ', ''), (t, lead) => {
        const text = `${lead}${t}，已完成通報。`;
        expect(maskPersonalData(text, { now }).text).toBe(text);
      }),
      RUNS,
    );
  });

  it("the school's own numbers on record, however they are written, while other numbers are still masked", () => {
    fc.assert(
      fc.property(phone, phone, (onRecord, other) => {
        const recordDigits = onRecord.normalize('NFKC').replace(/\D/g, '');
        // A second generated number that happens to be the same is not "other".
        fc.pre(other.normalize('NFKC').replace(/\D/g, '').slice(-7) !== recordDigits.slice(-7));
        const text = `如有疑問請來電本校 ${onRecord}，或洽家長 ${other}。`;
        const r = maskPersonalData(text, { now, keep: [onRecord.normalize('NFKC')] });
        expect(r.text).toBe(`如有疑問請來電本校 ${onRecord}，或洽家長 ${PII_KINDS.phone.token}。`);
      }),
      RUNS,
    );
  });

  it('system ids in structured log fields (job, event, message, user and channel ids of every platform)', () => {
    fc.assert(
      fc.property(uuid, lineId, slackId, snowflake, (job, line, slack, flake) => {
        const record = {
          jobId: job,
          userId: line,
          channel: slack,
          messageId: flake,
          guildId: flake,
          eventId: `act:${flake}`,
          incidentId: job,
        };
        expect(sanitizeForLog(record)).toEqual(record);
      }),
      RUNS,
    );
  });
});
