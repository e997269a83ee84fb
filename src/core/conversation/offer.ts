/**
 * The offer to start a report after a message that sounds like a leak: its wording (which words triggered it) and
 * the button that carries what the message already said (scenario, data categories, people concerned, when it
 * happened, how many people) to the report, so they are prefilled and only confirmed. The button carries ids, a
 * time and a number only — never the message, which is not stored.
 */
import type { DetectResult, PlaybookLibrary } from '../playbooks/index.js';
import { MAX_ACTION_LENGTH } from '../../ports/chat-model.js';
import { findTimesInText } from '../time/in-text.js';
import { FUTURE_TOLERANCE_MS } from '../time/natural.js';
import { parseChineseNumber } from './headcount.js';

export interface OfferPrefill {
  scenario?: string;
  categories: string[];
  people: string[];
  /** When it happened, as the message said it; `approximate` for vague words (「早上」「8點多」「左右」). */
  occurred?: { at: Date; approximate: boolean };
  /** The head count the message gave, as a token: 「30」, 「~30」 (約), 「30+」 (30多), 「30-40」. */
  headCount?: string;
}

const START = 'intake:start';

const HEADCOUNT_TOKEN = /^(~?)(\d{1,7})(\+|-\d{1,7})?$/;

/** A time in a button: minutes since 1970 in base 36, 「~」 when approximate (「t5n3k0~」 is seven characters). */
function timeToken(t: { at: Date; approximate: boolean }): string {
  return Math.floor(t.at.getTime() / 60_000).toString(36) + (t.approximate ? '~' : '');
}

function readTimeToken(token: string, now: Date): OfferPrefill['occurred'] | undefined {
  const m = /^([0-9a-z]{1,8})(~?)$/.exec(token);
  if (!m) return undefined;
  const at = new Date(parseInt(m[1]!, 36) * 60_000);
  // A button is data from outside: a time to come or from before the records kept (5 years) is not a report's.
  if (at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS || at.getTime() < now.getTime() - 5 * 366 * 86_400_000) return undefined;
  return { at, approximate: m[2] === '~' };
}

/**
 * `intake:start[:<scenario>[:<category>,…[:<people>,…[:<occurred>[:<head count>]]]]]`, cut to fit `maxLength` (the
 * platform's limit for button data): the last categories are dropped first, then the people, then the head count
 * and the time, never the scenario.
 */
export function offerAction(p: OfferPrefill, maxLength: number = MAX_ACTION_LENGTH): string {
  const limit = Math.min(maxLength, MAX_ACTION_LENGTH);
  let occurred = p.occurred ? timeToken(p.occurred) : '';
  let count = p.headCount !== undefined && HEADCOUNT_TOKEN.test(p.headCount) ? p.headCount : '';
  const build = (cats: string[], people: string[]) => {
    const parts = [START, p.scenario ?? '', cats.join(','), people.join(','), occurred, count];
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
  if (action.length > limit) {
    count = '';
    action = build(cats, people);
  }
  if (action.length > limit) {
    occurred = '';
    action = build(cats, people);
  }
  return action;
}

/**
 * Reads the parts after `intake:start:` back, keeping only values the library knows: a button is data from outside
 * (it may be old, or typed by hand) and must not put unknown values into a report.
 */
export function parseOfferAction(
  parts: readonly string[],
  lib: PlaybookLibrary,
  peopleKinds: ReadonlySet<string>,
  now: Date = new Date(),
): OfferPrefill {
  const [scenario = '', cats = '', people = '', occurredToken = '', count = ''] = parts;
  const list = (s: string) => [...new Set(s.split(',').filter((x) => x.length > 0))];
  const occurred = readTimeToken(occurredToken, now);
  const range = HEADCOUNT_TOKEN.exec(count);
  const headCountOk = range !== null && (!range[3]?.startsWith('-') || Number(range[3].slice(1)) >= Number(range[2]));
  return {
    ...(lib.list().some((p) => p.id === scenario) ? { scenario } : {}),
    categories: list(cats).filter((c) => lib.category(c) !== undefined),
    people: list(people).filter((k) => peopleKinds.has(k)),
    ...(occurred ? { occurred } : {}),
    ...(headCountOk ? { headCount: count } : {}),
  };
}

/** A head-count token as the reporter would write it, for the form: 「約30人」「30多人」「30到40人」「30人」. */
export function headCountText(token: string): string {
  const m = HEADCOUNT_TOKEN.exec(token);
  if (!m) return '';
  if (m[3]?.startsWith('-')) return `${m[2]}到${m[3].slice(1)}人`;
  return `${m[1] ? '約' : ''}${m[2]}${m[3] === '+' ? '多' : ''}人`;
}

/** A mask token the bot put in the text (［身分證號已遮蔽］): its words are the bot's, not the user's. */
const MASK_TOKEN = /[［[][^］\]\n]{1,20}已遮蔽[］\]]/g; // also as NFKC reads it: [身分證號已遮蔽]

/**
 * The distinct words that triggered the offer, in the order matched (at most `max`). Given the (masked) text, a word
 * the user did not write outside a mask token is left out: 「身分證」 read from 「［身分證號已遮蔽］」 is not quoted back.
 */
export function offerReasons(matched: readonly string[], max = 6, text?: string): string[] {
  const own = text?.replace(MASK_TOKEN, '\n');
  const words = [...new Set(matched.flatMap((m) => m.split('+')))];
  return words.filter((w) => own === undefined || own.includes(w)).slice(0, max);
}

/** Clauses that say when it was found out, not when it happened (「今天早上才發現」). */
const AWARENESS = /發現|得知|知悉|知道|注意到|接到|接獲|收到通知/;
const CLAUSE_END = /[，,。；;！!？?\n]/;

/**
 * When it happened, from the message: the earliest time it names outside a clause about finding out (the earlier
 * reading is the cautious one for the clocks counted from the occurrence).
 */
export function occurredFrom(message: string, now: Date): OfferPrefill['occurred'] | undefined {
  const text = message.normalize('NFKC');
  const clauseAround = (i: number) => {
    let start = i;
    while (start > 0 && !CLAUSE_END.test(text[start - 1]!)) start -= 1;
    let end = i;
    while (end < text.length && !CLAUSE_END.test(text[end]!)) end += 1;
    return text.slice(start, end);
  };
  const times = findTimesInText(text, now).filter((t) => !AWARENESS.test(clauseAround(t.index)));
  const earliest = times.sort((a, b) => a.at.getTime() - b.at.getTime())[0];
  return earliest ? { at: earliest.at, approximate: earliest.approximate } : undefined;
}

const NUM = String.raw`(\d{1,7}|[零〇一二兩三四五六七八九十百千萬]{1,8})`;
const COUNTED = new RegExp(
  String.raw`(約|大約|大概|將近|差不多|估計)?\s*${NUM}\s*(?:(?:-|~|到|至)\s*${NUM}\s*)?(多|幾|餘)?\s*(?:位|名|人|個(?=[學同家小孩老教職]))`,
  'g',
);
/** A count that is who told about it, not whose data it is (「兩位家長反映」). */
const TELLERS = /^(?:學生|同學|家長|老師|教師|民眾)?(?:反映|來電|打電話|說|告訴|告知|通知|發現|檢舉|投訴|詢問|問)/;

/** How many people, from the message: one count of people (「約30位學生」「45名家長」「30到40人」), else nothing. */
export function headCountFrom(message: string): string | undefined {
  const text = message.normalize('NFKC');
  const tokens = new Set<string>();
  for (const m of text.matchAll(COUNTED)) {
    if (TELLERS.test(text.slice(m.index + m[0].length))) continue;
    const lo = /^\d+$/.test(m[2]!) ? Number(m[2]) : parseChineseNumber(m[2]!);
    const hi = m[3] === undefined ? null : /^\d+$/.test(m[3]) ? Number(m[3]) : parseChineseNumber(m[3]);
    if (lo === null || lo < 1 || (m[3] !== undefined && (hi === null || hi < lo))) continue;
    tokens.add(hi !== null ? `${lo}-${hi}` : `${m[1] ? '~' : ''}${lo}${m[4] ? '+' : ''}`);
  }
  return tokens.size === 1 ? [...tokens][0] : undefined;
}

/** What an offer carries from a detection and the message it was made from. */
export function prefillFrom(d: DetectResult, message?: string, now: Date = new Date()): OfferPrefill {
  const occurred = message === undefined ? undefined : occurredFrom(message, now);
  const headCount = message === undefined ? undefined : headCountFrom(message);
  return {
    ...(d.scenario ? { scenario: d.scenario } : {}),
    categories: d.categories,
    people: d.people,
    ...(occurred ? { occurred } : {}),
    ...(headCount ? { headCount } : {}),
  };
}
