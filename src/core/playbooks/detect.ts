/**
 * Spotting "this sounds like a personal-data breach" in ordinary chat, so the bot can offer to start a report.
 * It only suggests; a person confirms.
 *
 * A rule is written `A|B + C|D`: the message must contain (A or B) and (C or D), anywhere, in any order.
 * A term right after a negator in the same clause (「避免個資外洩」「不要設成公開」) does not count.
 */

export interface DetectResult {
  isLeakReport: boolean;
  /** The playbook whose phrases matched best; absent when only generic words matched. */
  scenario?: string;
  /** The rules that matched, as the matched terms joined by "+" (e.g. 「寄錯+信」). */
  matched: string[];
}

export interface DetectorConfig {
  generic: readonly string[];
  ignore: readonly string[];
  negators: readonly string[];
  negatorWindow: number;
  quietContexts: readonly string[];
}

export interface ScenarioPhrases {
  id: string;
  rules: readonly string[];
}

/** Clause boundary that punctuation turns into; no term may contain it. */
const BOUNDARY = '\n';

/** Simplified or variant forms staff type by habit. */
const CHAR_VARIANTS: Readonly<Record<string, string>> = { 泄: '洩', 个: '個', 资: '資', 讯: '訊', 档: '檔' };
const VARIANT_RE = new RegExp(`[${Object.keys(CHAR_VARIANTS).join('')}]`, 'gu');

/**
 * Full-width and half-width forms become one (NFKC), case is ignored, spaces vanish and punctuation marks
 * a clause boundary.
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(VARIANT_RE, (c) => CHAR_VARIANTS[c] ?? c)
    .replace(/\s+/gu, '')
    .replace(/[\p{P}\p{S}]+/gu, BOUNDARY);
}

interface Term {
  shown: string;
  norm: string;
}

interface CompiledRule {
  source: string;
  groups: Term[][];
}

/** Parses `A|B + C|D`; returns the faults instead of throwing so a loader can report them with their place. */
export function parseRule(source: string): { rule?: CompiledRule; faults: string[] } {
  const faults: string[] = [];
  const groups = source.split('+').map((part) =>
    part
      .split('|')
      .map((t) => t.trim())
      .filter((t) => t.length > 0)
      .map((shown) => ({ shown, norm: normalizeText(shown) })),
  );
  groups.forEach((g, i) => {
    if (g.length === 0) faults.push(`part ${i + 1} of "${source}" has no words (write "A|B + C|D")`);
    for (const t of g) {
      if (t.norm.length === 0 || t.norm.includes(BOUNDARY)) {
        faults.push(`"${t.shown}" in "${source}" must be words without punctuation`);
      }
    }
  });
  return faults.length ? { faults } : { rule: { source, groups }, faults };
}

export class LeakDetector {
  private readonly generic: CompiledRule[];
  private readonly scenarios: { id: string; rules: CompiledRule[] }[];
  private readonly ignore: string[];
  private readonly negators: string[];
  private readonly quiet: string[];

  /** Throws on a malformed rule; a loader should check rules with parseRule first to report them in place. */
  constructor(
    private readonly config: DetectorConfig,
    scenarios: readonly ScenarioPhrases[],
  ) {
    const compile = (source: string) => {
      const { rule, faults } = parseRule(source);
      if (!rule) throw new Error(`Bad detection phrase: ${faults.join('; ')}`);
      return rule;
    };
    this.generic = config.generic.map(compile);
    this.scenarios = scenarios.map((s) => ({ id: s.id, rules: s.rules.map(compile) }));
    // Longest first, so 「瓦斯外洩」 goes before a shorter phrase inside it would.
    this.ignore = config.ignore.map(normalizeText).sort((a, b) => b.length - a.length);
    this.negators = config.negators.map(normalizeText);
    this.quiet = config.quietContexts.map(normalizeText);
  }

  detect(message: string): DetectResult {
    let text = normalizeText(message);
    for (const phrase of this.ignore) text = text.split(phrase).join(BOUNDARY);

    const matched: string[] = [];
    const quiet = this.quiet.some((q) => text.includes(q));
    let genericHit = false;
    if (!quiet) {
      for (const rule of this.generic) {
        const hit = this.match(text, rule);
        if (hit) {
          genericHit = true;
          matched.push(hit.shown);
        }
      }
    }

    let best: { id: string; score: number } | undefined;
    for (const s of this.scenarios) {
      let score = 0;
      for (const rule of s.rules) {
        const hit = this.match(text, rule);
        if (!hit) continue;
        score += hit.length;
        matched.push(hit.shown);
      }
      if (score > 0 && (!best || score > best.score)) best = { id: s.id, score };
    }

    const unique = [...new Set(matched)];
    return best ? { isLeakReport: true, scenario: best.id, matched: unique } : { isLeakReport: genericHit, matched: unique };
  }

  private match(text: string, rule: CompiledRule): { shown: string; length: number } | undefined {
    const terms: Term[] = [];
    for (const group of rule.groups) {
      const term = group.find((t) => this.occursAffirmed(text, t.norm));
      if (!term) return undefined;
      terms.push(term);
    }
    return { shown: terms.map((t) => t.shown).join('+'), length: terms.reduce((n, t) => n + t.norm.length, 0) };
  }

  private occursAffirmed(text: string, term: string): boolean {
    for (let at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + 1)) {
      let before = text.slice(Math.max(0, at - this.config.negatorWindow), at);
      before = before.slice(before.lastIndexOf(BOUNDARY) + 1);
      if (!this.negators.some((n) => before.includes(n))) return true;
    }
    return false;
  }
}
