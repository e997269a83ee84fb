/**
 * The offer to start a report after a message that sounds like a leak: its wording (which words triggered it) and
 * the button that carries what the message already said (scenario, data categories, people concerned) to the report,
 * so they are prefilled and only confirmed. The button carries ids only — never the message, which is not stored.
 */
import type { DetectResult, PlaybookLibrary } from '../playbooks/index.js';
import { MAX_ACTION_LENGTH } from '../chat/model.js';

export interface OfferPrefill {
  scenario?: string;
  categories: string[];
  people: string[];
}

const START = 'intake:start';

/**
 * `intake:start[:<scenario>[:<category>,…[:<people>,…]]]`, cut to fit `maxLength` (the platform's limit for button
 * data): the last categories are dropped first, then the people, never the scenario.
 */
export function offerAction(p: OfferPrefill, maxLength: number = MAX_ACTION_LENGTH): string {
  const limit = Math.min(maxLength, MAX_ACTION_LENGTH);
  const build = (cats: string[], people: string[]) => {
    const parts = [START, p.scenario ?? '', cats.join(','), people.join(',')];
    while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
    return parts.join(':');
  };
  const cats = [...p.categories];
  const people = [...p.people];
  let action = build(cats, people);
  while (action.length > limit && cats.length > 0) {
    cats.pop();
    action = build(cats, people);
  }
  while (action.length > limit && people.length > 0) {
    people.pop();
    action = build(cats, people);
  }
  return action;
}

/**
 * Reads the parts after `intake:start:` back, keeping only values the library knows: a button is data from outside
 * (it may be old, or typed by hand) and must not put unknown values into a report.
 */
export function parseOfferAction(parts: readonly string[], lib: PlaybookLibrary, peopleKinds: ReadonlySet<string>): OfferPrefill {
  const [scenario = '', cats = '', people = ''] = parts;
  const list = (s: string) => [...new Set(s.split(',').filter((x) => x.length > 0))];
  return {
    ...(lib.list().some((p) => p.id === scenario) ? { scenario } : {}),
    categories: list(cats).filter((c) => lib.category(c) !== undefined),
    people: list(people).filter((k) => peopleKinds.has(k)),
  };
}

/** The distinct words that triggered the offer, in the order matched (at most `max`). */
export function offerReasons(matched: readonly string[], max = 6): string[] {
  return [...new Set(matched.flatMap((m) => m.split('+')))].slice(0, max);
}

/** What an offer carries from a detection. */
export function prefillFrom(d: DetectResult): OfferPrefill {
  return { ...(d.scenario ? { scenario: d.scenario } : {}), categories: d.categories, people: d.people };
}
