/**
 * Spotting "this sounds like a personal-data breach" in ordinary chat, so the bot can offer to start a report, and
 * reading from the same message the scenario, the data categories and the people concerned to prefill the report.
 * It only suggests; a person confirms. Everything it knows is data (playbooks/detection.yaml, the `detect` rules of
 * each playbook, the `detect` words of each category); docs/detection.md explains how to add a phrase and measure.
 *
 * A term right after a negator in the same clause (「避免個資外洩」「不要設成公開」), or in a clause that is a question
 * (「可以給補習班嗎」), does not count. A message in a quiet context (研習, 演練, 提醒…) is not a report unless it
 * also says that something happened (「剛剛」「不小心」「怎麼辦」…).
 */
import { BOUNDARY, normalizeText, parseRule, type CompiledRule, type Term, type Vocabulary } from './detect-rules.js';

export { normalizeText, parseRule } from './detect-rules.js';

export interface DetectResult {
  isLeakReport: boolean;
  /** The playbook whose rules matched best; absent when only generic rules matched. */
  scenario?: string;
  /** The rules that matched, as the matched words joined by "+" (e.g. 「名單+傳到+家長群組」). */
  matched: string[];
  /** Category keys (categories.yaml) the message names; empty when it is not a report. */
  categories: string[];
  /** Whose data it is: values of the intake's affectedKinds (students, guardians, staff…); empty when not a report. */
  people: string[];
}

export interface DetectorConfig {
  /** Named word lists, used in rules as `@name`. */
  vocabulary: Vocabulary;
  generic: readonly string[];
  ignore: readonly string[];
  negators: readonly string[];
  negatorWindow: number;
  /** A clause ending with one of these is a question, not a statement of what happened. */
  questionEndings: readonly string[];
  quietContexts: readonly string[];
  /** Words saying it happened; they lift a quiet context. */
  happened: readonly string[];
  /** Words saying it turned out not to have happened (「虛驚一場」「沒事沒事」): the message is not a report, whatever else it says. */
  turnedOutFine?: readonly string[];
  /** affectedKinds value → words naming those people. */
  people: Readonly<Record<string, readonly string[]>>;
  /** How many characters before a data word a people word may stand to count as whose data it is. */
  peopleWindow: number;
  /** Words that, after a people word, make them the people concerned besides the data words (「孩子的資料」). */
  peopleOf: readonly string[];
  /**
   * Words whose parts are not words of their own (「小朋友」 holds no 朋友, 「關掉了」 no 掉了): a term does not count
   * where it cuts through one of them (starts or ends inside it without holding all of it). Chinese has no spaces to
   * tell where a word ends; English words are told apart by the spaces typed between them (`Reading.edges`).
   */
  wholeWords?: readonly string[];
  /**
   * Parts and accessories of a device (充電線, 手機殼): a term right before one names what the accessory belongs to, not
   * the thing itself (「手機充電線不見了」 lost a cable, not a phone).
   */
  accessories?: readonly string[];
  /**
   * Words of another written language read as the Mandarin word the lists hold, before anything else (Taiwanese
   * Hokkien 「毋見」 as 不見, 「抾著」 as 撿到, 「囡仔」 as 小孩), so every list hears them without a copy of its own.
   */
  readAs?: Readonly<Record<string, string>>;
  /**
   * Restrictions (「只有隊輔看得到」): a word about seeing or access (one holding a `reach` stem) right after one of
   * these `words` (within `window` characters) is no exposure. Other words after them still count (「只有我們班的名單被
   * 貼出去」).
   */
  restrictors?: { words: readonly string[]; reach: readonly string[]; window: number };
}

export interface ScenarioPhrases {
  id: string;
  rules: readonly string[];
}

export interface CategoryWords {
  key: string;
  words: readonly string[];
  /** Places whose records are this kind of data (「健康中心的電腦中毒」 → health): they imply it, but are no data word. */
  places?: readonly string[];
}

/** The vocabulary list whose words name personal data in general (「名單」「個資」), besides the category words. */
export const DATA_LIST = 'data';

/**
 * The vocabulary list of exposures said with a negation (「沒有遮蔽」「未打碼」「不用登入」): the negator inside them
 * states the leak, so it does not negate the words after it (「名單沒有遮蔽身分證」 names 身分證 as exposed).
 */
export const NEGATED_PROTECTION_LIST = 'unprotected';

/**
 * The vocabulary list of requests not to open what was just sent (「先不要點開」「請勿下載」): the negator inside them
 * is about opening, so it does not negate the words after it either (「大家先不要點開 我等一下收回」).
 */
export const DO_NOT_OPEN_LIST = 'doNotOpen';

/** The vocabulary lists whose own negator does not reach the words after them. */
const SELF_NEGATED_LISTS = [NEGATED_PROTECTION_LIST, DO_NOT_OPEN_LIST];

/** A count just before a people word (「30位」「三十幾名」), in normalised text. */
const COUNTED_BEFORE = /(?:\d+|[一二兩三四五六七八九十百千萬]+)(?:多|幾|餘)?(?:位|名|個)$/;
/** …unless they are who told about it (「兩位家長反映」; an ignored 「打電話（來）」 leaves a boundary and maybe 來). */
const TOLD_BY = /^\n?來?(?:反映|來電|打電話|說|告訴|告知|通知|發現|檢舉|投訴|詢問|問)/;

/** Words that turn a sentence (but, however): a negation before them does not carry over. */
const ADVERSATIVE = /但是|可是|不過|但/u;

/** Whitespace between two characters outside ASCII (CJK text): where a question's clause ends. */
const SPACE_BETWEEN_CJK = /(?<=[^\x00-\x7F])\s+(?=[^\x00-\x7F])/gu;

/**
 * Where `spaced` (the text normalised with typed spaces as boundaries) has a boundary that `text` has not: true at the
 * position of text before which it stands. The two differ only by those boundaries; should they differ otherwise, no
 * break is reported (the text is read as before).
 */
function spaceBreaks(text: string, spaced: string): boolean[] {
  return markedEdges(text, spaced, BOUNDARY) ?? new Array(text.length + 1).fill(false);
}

/**
 * Where `marked` (the text with `mark` inserted at some places) has a mark that `text` has not: true at the position of
 * text before which it stands; undefined when the two differ otherwise.
 */
function markedEdges(text: string, marked: string, mark: string): boolean[] | undefined {
  const edges: boolean[] = new Array(text.length + 1).fill(false);
  let i = 0;
  for (let j = 0; j < marked.length; j += 1) {
    if (marked[j] === text[i]) i += 1;
    else if (marked[j] === mark) edges[i] = true;
    else return undefined;
  }
  return i === text.length ? edges : undefined;
}

/** A letter or digit of ASCII (English words, numbers): the only script whose words are told apart by spaces. */
const ASCII_WORD = /[a-z0-9]/;
/** Typed spaces between two ASCII words, kept as this mark (a word joiner) to tell where an English word ends. */
const WORD_EDGE = '\u2060';
const SPACE_BETWEEN_ASCII = /(?<=[A-Za-z0-9])\s+(?=[A-Za-z0-9])/gu;

/** What a term's occurrences are checked against, computed once per message. */
interface Reading {
  text: string;
  /** A typed space stands just before text[i] (it ends a question's clause). */
  breaks: readonly boolean[];
  /** An English word starts or ends at text[i] (a typed space stood there); undefined when unknown (any edge counts). */
  edges: readonly boolean[] | undefined;
  /** The text with negated protections blanked out (same length). */
  guarded: string;
  /** Where whole words stand: [start, end). */
  wholes: readonly (readonly [number, number])[];
}

const norm = (words: readonly string[]) => words.map(normalizeText).filter((w) => w.length > 0);

export class LeakDetector {
  private readonly generic: CompiledRule[];
  private readonly scenarios: { id: string; rules: CompiledRule[] }[];
  private readonly ignore: string[];
  private readonly negators: string[];
  private readonly questions: string[];
  private readonly quiet: string[];
  private readonly happened: string[];
  private readonly turnedOutFine: string[];
  private readonly categories: { key: string; words: string[]; places: string[] }[];
  private readonly readAs: { from: string; to: string }[];
  private readonly restrictors: { words: string[]; reach: string[]; window: number };
  private readonly people: { kind: string; words: string[] }[];
  private readonly dataWords: string[];
  private readonly negatedProtections: string[];
  private readonly wholeWords: string[];
  private readonly accessories: string[];

  /** Throws on a malformed rule; a loader should check rules with parseRule first to report them in place. */
  constructor(
    private readonly config: DetectorConfig,
    scenarios: readonly ScenarioPhrases[],
    categories: readonly CategoryWords[] = [],
  ) {
    const compile = (source: string) => {
      const { rule, faults } = parseRule(source, config.vocabulary);
      if (!rule) throw new Error(`Bad detection phrase: ${faults.join('; ')}`);
      return rule;
    };
    this.generic = config.generic.map(compile);
    this.scenarios = scenarios.map((s) => ({ id: s.id, rules: s.rules.map(compile) }));
    // Longest first, so 「瓦斯外洩」 goes before a shorter phrase inside it would.
    this.ignore = norm(config.ignore).sort((a, b) => b.length - a.length);
    this.negators = norm(config.negators);
    this.questions = norm(config.questionEndings);
    this.quiet = norm(config.quietContexts);
    this.happened = norm(config.happened);
    this.turnedOutFine = norm(config.turnedOutFine ?? []);
    this.categories = categories.map((c) => ({ key: c.key, words: norm(c.words), places: norm(c.places ?? []) }));
    // Longest first, so 「規本」 is read before a shorter word inside it would be.
    this.readAs = Object.entries(config.readAs ?? {})
      .map(([from, to]) => ({ from, to }))
      .sort((a, b) => b.from.length - a.from.length);
    const r = config.restrictors;
    this.restrictors = { words: norm(r?.words ?? []), reach: norm(r?.reach ?? []), window: r?.window ?? 0 };
    this.people = Object.entries(config.people).map(([kind, words]) => ({ kind, words: norm(words) }));
    this.negatedProtections = norm(SELF_NEGATED_LISTS.flatMap((l) => config.vocabulary[l] ?? [])).sort((a, b) => b.length - a.length);
    this.wholeWords = norm(config.wholeWords ?? []);
    this.accessories = norm(config.accessories ?? []);
    this.dataWords = [...norm(config.vocabulary[DATA_LIST] ?? []), ...this.categories.flatMap((c) => c.words), ...norm(config.peopleOf)];
  }

  detect(original: string): DetectResult {
    const message = this.readAs.reduce((m, { from, to }) => m.split(from).join(to), original);
    let text = normalizeText(message);
    // The same text with a clause boundary wherever a space stood between two CJK characters: typed on a phone, a space
    // is often the comma (「我把名單傳到家長群組了 可以收回嗎」 is a statement and then a question). Only a question's
    // reach stops there; a negator still reaches across a space (「不要 把名單傳到群組」).
    let spaced = normalizeText(message.replace(SPACE_BETWEEN_CJK, '，'));
    // …and with a mark wherever a space stood between two English words, to tell where an English word ends.
    let worded = normalizeText(message.normalize('NFKC').replace(SPACE_BETWEEN_ASCII, WORD_EDGE));
    for (const phrase of this.ignore) {
      text = text.split(phrase).join(BOUNDARY);
      spaced = spaced.split(phrase).join(BOUNDARY);
      worded = worded.split(phrase).join(BOUNDARY);
    }
    const none: DetectResult = { isLeakReport: false, matched: [], categories: [], people: [] };
    if (this.turnedOutFine.some((w) => text.includes(w))) return none;
    const wholes: [number, number][] = [];
    for (const w of this.wholeWords) for (let at = text.indexOf(w); at >= 0; at = text.indexOf(w, at + 1)) wholes.push([at, at + w.length]);
    const reading: Reading = {
      text,
      breaks: spaceBreaks(text, spaced),
      edges: markedEdges(text, worded, WORD_EDGE),
      // Same length as text, so positions agree: a negated protection reads as neutral filler before a term.
      guarded: this.negatedProtections.reduce((t, p) => t.split(p).join('＿'.repeat(p.length)), text),
      wholes,
    };
    // Each term is looked up once per message: many rules share the words of a list.
    const seen = new Map<string, boolean>();
    const affirmed = (t: string) => {
      const known = seen.get(t);
      if (known !== undefined) return known;
      const found = this.occursAffirmed(reading, t);
      seen.set(t, found);
      return found;
    };

    if (this.quiet.some((q) => text.includes(q)) && !this.happened.some(affirmed)) return none;

    const matched: string[] = [];
    let genericHit = false;
    for (const rule of this.generic) {
      const hit = this.match(rule, affirmed);
      if (hit) {
        genericHit = true;
        matched.push(hit.shown);
      }
    }
    let best: { id: string; score: number } | undefined;
    for (const s of this.scenarios) {
      let score = 0;
      for (const rule of s.rules) {
        const hit = this.match(rule, affirmed);
        if (!hit) continue;
        score = Math.max(score, hit.score);
        matched.push(hit.shown);
      }
      if (score > 0 && (!best || score > best.score)) best = { id: s.id, score };
    }
    if (!best && !genericHit) return none;
    return {
      isLeakReport: true,
      ...(best ? { scenario: best.id } : {}),
      matched: [...new Set(matched)],
      categories: this.categories.filter((c) => c.words.some(affirmed) || c.places.some(affirmed)).map((c) => c.key),
      people: this.whose(text),
    };
  }

  /**
   * A rule's score: more parts make a more specific rule, longer words a more specific match. The best-scoring rule
   * of each scenario stands for it, so a scenario does not win by having many overlapping rules.
   */
  private match(rule: CompiledRule, affirmed: (term: string) => boolean): { shown: string; score: number } | undefined {
    const terms: Term[] = [];
    for (const group of rule.groups) {
      const term = group.find((t) => affirmed(t.norm));
      if (!term) return undefined;
      terms.push(term);
    }
    if (rule.unless.some((t) => affirmed(t.norm))) return undefined;
    return { shown: terms.map((t) => t.shown).join('+'), score: terms.length * 10 + terms.reduce((n, t) => n + t.norm.length, 0) };
  }

  /**
   * People words standing shortly before a data word in the same clause (「家長電話」「學生的成績」), or counted
   * (「約30位學生」「45名家長」: a head count names whose data it is).
   */
  private whose(text: string): string[] {
    const found: string[] = [];
    for (const { kind, words } of this.people) {
      const hit = words.some((w) => {
        for (let at = text.indexOf(w); at >= 0; at = text.indexOf(w, at + 1)) {
          if (COUNTED_BEFORE.test(text.slice(Math.max(0, at - 12), at)) && !TOLD_BY.test(text.slice(at + w.length))) return true;
          // From the people word itself: 「學生資料」 is a data word that starts with it.
          const after = text.slice(at, at + w.length + this.config.peopleWindow + 12).split(BOUNDARY)[0]!;
          const within = (d: string) => {
            const i = after.indexOf(d, d.startsWith(w) ? 0 : w.length);
            return i >= 0 && i <= w.length + this.config.peopleWindow;
          };
          if (this.dataWords.some(within)) return true;
        }
        return false;
      });
      if (hit) found.push(kind);
    }
    return found;
  }

  /** Whether `term` stands somewhere as a word of its own (`isWordAt`), not negated and not in a question. */
  private occursAffirmed(r: Reading, term: string): boolean {
    const { text, breaks, guarded } = r;
    for (let at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + 1)) {
      if (!this.isWordAt(r, at, term.length)) continue;
      let before = guarded.slice(Math.max(0, at - this.config.negatorWindow), at);
      before = before.slice(before.lastIndexOf(BOUNDARY) + 1);
      // 「但是」 turns the sentence: 「名單有遮蔽但是電話沒有」 — a negator before it does not reach past it.
      before = before.split(ADVERSATIVE).pop()!;
      if (this.negators.some((n) => before.includes(n))) continue;
      if (this.restricted(before, term)) continue;
      let end = text.indexOf(BOUNDARY, at);
      if (end < 0) end = text.length;
      for (let i = at + term.length; i < end; i += 1) if (breaks[i]) end = i;
      const clause = text.slice(at, end);
      if (this.questions.some((q) => clause.endsWith(q))) continue;
      return true;
    }
    return false;
  }

  /** Whether `term`, about seeing or access, follows a restriction closely (「只有隊輔看得到」). */
  private restricted(before: string, term: string): boolean {
    const { words, reach, window } = this.restrictors;
    if (!reach.some((r) => term.includes(r))) return false;
    const near = before.slice(-window);
    return words.some((w) => near.includes(w));
  }

  /**
   * Whether text[at, at+length) is a word of its own: it cuts through no whole word (「朋友」 in 「小朋友」), an English
   * word is not part of a longer one (「lost」 in 「almost」; a plural s or es may follow), and no accessory follows it
   * (「手機」 in 「手機充電線」).
   */
  private isWordAt(r: Reading, at: number, length: number): boolean {
    const end = at + length;
    if (r.wholes.some(([s, e]) => s < end && e > at && (s < at || e > end))) return false;
    const { text, edges } = r;
    // Unknown edges (the marked text could not be aligned): every position may be one, as before word edges were read.
    const joined = (i: number) => edges !== undefined && !edges[i];
    if (ASCII_WORD.test(text[at] ?? '') && ASCII_WORD.test(text[at - 1] ?? '') && joined(at)) return false;
    if (ASCII_WORD.test(text[end - 1] ?? '') && ASCII_WORD.test(text[end] ?? '') && joined(end)) {
      const plural = /^(?:es|s)/.exec(text.slice(end))?.[0].length ?? 0;
      const after = end + plural;
      if (plural === 0 || (ASCII_WORD.test(text[after] ?? '') && joined(after))) return false;
    }
    if (this.accessories.some((a) => text.startsWith(a, end))) return false;
    return true;
  }
}
