/**
 * The text side of leak detection: how a message is normalised, and how a detection rule is written and read.
 *
 * A rule is written `A|B + C|@place - D|E`: the message must contain (A or B) and (C or any word of the
 * vocabulary list `place`), anywhere, in any order, and must not contain D or E. Vocabulary lists are named
 * word lists in playbooks/detection.yaml, so a word added there is heard by every rule that uses the list.
 */

/** Clause boundary that punctuation turns into; no term may contain it. */
export const BOUNDARY = '\n';

/** Simplified or variant forms staff type by habit. */
const CHAR_VARIANTS: Readonly<Record<string, string>> = {
  泄: '洩',
  个: '個',
  资: '資',
  讯: '訊',
  档: '檔',
  单: '單',
  传: '傳',
  错: '錯',
  录: '錄',
  绩: '績',
  组: '組',
  证: '證',
};
const VARIANT_RE = new RegExp(`[${Object.keys(CHAR_VARIANTS).join('')}]`, 'gu');

/**
 * Variant spellings of whole words, both in common use (「身份證」 for 身分證, 「公佈欄」 for 公布欄): read as the
 * standard form, so a word list needs only one of them. English 「n't」 reads as 「not」, so 「don't」 is one word.
 */
const WORD_VARIANTS: Readonly<Record<string, string>> = {
  身份: '身分',
  公佈: '公布',
  佈告: '布告',
  佈置: '布置',
  // English contractions before the apostrophe becomes a clause boundary: 「don't post」 reads as 「donotpost」.
  "n't": 'not',
  'n’t': 'not',
};
const WORD_VARIANT_RE = new RegExp(Object.keys(WORD_VARIANTS).join('|'), 'gu');

/**
 * Full-width and half-width forms become one (NFKC), case is ignored, spaces and the particle 的 vanish (「學生的資料」
 * and 「學生資料」, 「看的到」 and 「看到」 read alike) and punctuation marks a clause boundary. 「的話」 (「寄錯信的話」: if
 * one sent it wrong) is kept, as 之話, so that a clause ending with it can be read as a condition (questionEndings).
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(VARIANT_RE, (c) => CHAR_VARIANTS[c] ?? c)
    .replace(WORD_VARIANT_RE, (w) => WORD_VARIANTS[w] ?? w)
    .replace(/的話/gu, '之話')
    .replace(/[\s的]+/gu, '')
    .replace(/[\p{P}\p{S}]+/gu, BOUNDARY);
}

export interface Term {
  /** As written in the data file, shown to people as the reason for an offer. */
  shown: string;
  norm: string;
}

export interface CompiledRule {
  source: string;
  /** Every group must match (one of its terms). */
  groups: Term[][];
  /** No term of these may occur (affirmed) in the message. */
  unless: Term[];
}

export type Vocabulary = Readonly<Record<string, readonly string[]>>;

/** Reads one `|`-separated list, expanding `@name` from the vocabulary. */
function readTerms(part: string, source: string, vocabulary: Vocabulary, faults: string[]): Term[] {
  const terms: Term[] = [];
  for (const raw of part
    .split('|')
    .map((t) => t.trim())
    .filter((t) => t.length > 0)) {
    if (raw.startsWith('@')) {
      const list = vocabulary[raw.slice(1)];
      if (!list) {
        faults.push(
          `unknown word list "${raw}" in "${source}"; known lists: ${
            Object.keys(vocabulary)
              .map((k) => `@${k}`)
              .join(', ') || 'none'
          }`,
        );
        continue;
      }
      // A faulty word in a list is reported once, at the list (checkWords), not in every rule using it.
      terms.push(
        ...list.map((shown) => ({ shown, norm: normalizeText(shown) })).filter((t) => t.norm.length > 0 && !t.norm.includes(BOUNDARY)),
      );
    } else {
      const norm = normalizeText(raw);
      if (norm.length === 0 || norm.includes(BOUNDARY)) faults.push(`"${raw}" in "${source}" must be words without punctuation`);
      else terms.push({ shown: raw, norm });
    }
  }
  return terms;
}

/** Parses a rule; returns the faults instead of throwing so a loader can report them with their place. */
export function parseRule(source: string, vocabulary: Vocabulary = {}): { rule?: CompiledRule; faults: string[] } {
  const faults: string[] = [];
  const [positive = '', ...negative] = source.split(/\s+-\s+/u);
  const groups = positive.split('+').map((part, i) => {
    const before = faults.length;
    const terms = readTerms(part, source, vocabulary, faults);
    // An empty part is a fault of its own only when none of its words was reported already.
    if (terms.length === 0 && faults.length === before) {
      faults.push(`part ${i + 1} of "${source}" has no words (write "A|B + C|D", optionally "- E|F" for words that rule it out)`);
    }
    return terms;
  });
  const unless = negative.flatMap((part) => readTerms(part, source, vocabulary, faults));
  if (negative.length > 0 && unless.length === 0) faults.push(`"${source}" has no words after " - "`);
  return faults.length ? { faults } : { rule: { source, groups, unless }, faults };
}

/** Checks a plain word list (no rules, no @lists); returns faults naming the word. */
export function checkWords(words: readonly string[]): string[] {
  return words.flatMap((w) => {
    const n = normalizeText(w);
    return n.length === 0 || n.includes(BOUNDARY) ? [`"${w}" must be words without punctuation`] : [];
  });
}
