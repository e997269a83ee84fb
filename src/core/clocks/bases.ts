import { findProfile, type ClockBasis, type ClockProfile, type ClockRuleSet } from './rules.js';

/**
 * Which of a clock's bases bind the school and which are practice it adopts (playbooks/clocks.yaml: each profile
 * names the sources that bind its kind of school; docs/rules.md says what binds whom). The private-school regulation
 * binds private schools only; a Taipei City office's rules bind that office, a Nantou school's rules that school:
 * for everyone else they are a model, shown as 「參考…之作法」 and never as the legal basis.
 */

export interface ComputedBasis extends ClockBasis {
  sourceTitle: string;
  seed?: string;
  /** The source binds schools of the incident's profile; false: practice adopted from it. */
  binding: boolean;
}

export interface DescribedBases {
  bases: ComputedBasis[];
  /** Full text: the binding rules, then 「參考…之作法」 for the others. */
  basis: string;
  /** The folded form for a phone: short names of the binding rules, and how many practices there are besides. */
  basisShort: string;
}

/** The sources that bind schools of this profile, or null when its chain names none (every source binds). */
export function bindingSources(rules: ClockRuleSet, profileId: string = rules.defaultProfile): Set<string> | null {
  let named = false;
  const out = new Set<string>();
  for (let p: ClockProfile | undefined = findProfile(rules, profileId); p; p = p.extends ? findProfile(rules, p.extends) : undefined) {
    if (p.binds) {
      named = true;
      for (const b of p.binds) out.add(b);
    }
  }
  return named ? out : null;
}

const cite = (b: ClockBasis, name: string = b.law) => `${name}${b.article ?? ''}${b.note ? `（${b.note}）` : ''}`;

/** The practice part: 「參考A、B之作法」. */
function practiceText(list: string[]): string {
  return `參考${list.join('、')}之作法`;
}

export function describeBases(rules: ClockRuleSet, basis: readonly ClockBasis[], binding: Set<string> | null): DescribedBases {
  const bases: ComputedBasis[] = basis.map((b) => {
    const src = rules.sources[b.source];
    return {
      ...b,
      sourceTitle: src?.title ?? b.source,
      ...(src?.seed ? { seed: src.seed } : {}),
      binding: binding === null || binding.has(b.source),
    };
  });
  const binds = bases.filter((b) => b.binding);
  const practices = bases.filter((b) => !b.binding);
  const full = [...binds.map((b) => cite(b)), ...(practices.length ? [practiceText(practices.map((b) => cite(b)))] : [])].join('；');
  const short = (b: ClockBasis) => `${rules.shortNames[b.law] ?? b.law}${b.article ?? ''}`;
  const shortText = binds.length
    ? `${binds.map(short).join('、')}${practices.length ? `（另參考${practices.length}項作法）` : ''}`
    : practiceText(practices.map(short));
  return { bases, basis: full, basisShort: shortText };
}

/**
 * The same distinction for a basis written as text (a checklist item's `basis`: 「A第1點；B第2條」): each part whose
 * law is known from the clock rules' bases is binding or practice by its source; a part naming no known law stays as
 * written (binding). Returns the text with the practice parts moved into 「參考…之作法」.
 */
export function describeBasisText(rules: ClockRuleSet, text: string, binding: Set<string> | null): string {
  if (binding === null) return text;
  const lawSource = new Map<string, string>();
  for (const c of rules.clocks) for (const b of c.basis) if (!lawSource.has(b.law)) lawSource.set(b.law, b.source);
  const laws = [...lawSource.keys()].sort((a, b) => b.length - a.length);
  const parts = text
    .split(/[；;]/)
    .map((p) => p.trim())
    .filter(Boolean);
  const binds: string[] = [];
  const practices: string[] = [];
  for (const part of parts) {
    const law = laws.find((l) => part.startsWith(l));
    (law && !binding.has(lawSource.get(law)!) ? practices : binds).push(part);
  }
  return [...binds, ...(practices.length ? [practiceText(practices)] : [])].join('；');
}

/** The binding sources of a profile, or null (every source binds) when the profile is no longer defined. */
export function bindingSourcesOrAll(rules: ClockRuleSet, profileId: string): Set<string> | null {
  return rules.profiles.some((p) => p.id === profileId) ? bindingSources(rules, profileId) : null;
}
