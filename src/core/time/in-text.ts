// The Traditional Chinese parser only (as natural.ts): the package's root loads every language (~200 modules) at start.
import * as zhHant from 'chrono-node/zh/hant';
import { readNaturalTime, type NaturalTime } from './natural.js';
import { fixSlips } from './slips.js';

/**
 * Times written inside a longer message (「…被傳到家長LINE群組，大概今天早上8點多傳的，約30位學生」): chrono-node's
 * zh.hant parser finds where each expression stands, the words that make it vague around it (「大概」「多」「左右」) are
 * kept with it, and the product's one grammar (natural.ts) reads it. Used to prefill a report from the first message;
 * the person still confirms what was read.
 */
export interface TimeInText extends NaturalTime {
  /** The expression as read, with its vague words (「大概今天早上8點多」). */
  text: string;
  /** Where it starts in the NFKC-normalised message (the typing slips set right keep every length). */
  index: number;
}

const BEFORE = /(大概|大約|約莫|差不多|應該是|可能是|好像是|估計|約)$/;
const AFTER = /^(多|左右|前後|上下|許)/;
/**
 * Forms chrono-node does not find in a sentence, which the grammar reads: 「剛剛」「剛才」 (now), weekends (「上週末」),
 * AM/PM written first (「PM3:30」), and two neighbouring hours (「前天晚上八九點」).
 */
const MORE = new RegExp(
  [
    '剛剛|剛才|方才',
    '(?:上上|上|這)?(?:個)?(?:週|周|星期|禮拜)末',
    // Not inside a word: 「team 5人」 holds no 「am 5」.
    '(?:[今昨前]天|大前天)?(?:早上|上午|中午|下午|傍晚|晚上|凌晨)?\\s*(?<![a-z])[ap]\\.?m\\.?\\s*\\d{1,2}(?::\\d{2})?',
    '(?:[今昨前]天|大前天)?(?:早上|上午|中午|下午|傍晚|晚上|凌晨)?[一二兩三四五六七八九][二三四五六七八九][點点]',
  ].join('|'),
  'gi',
);

/** A clock time with neither a day nor a part of the day (「3點」) inside a sentence is too easily something else. */
const BARE_CLOCK = /^\d{1,2}\s*[點点時时:]/;

export function findTimesInText(message: string, now: Date): TimeInText[] {
  // 「禮拜ㄧ早上」「昨天ㄉ晚上」: the slips set right first, so that chrono-node finds the whole expression (not 「早上」).
  const text = fixSlips(message.normalize('NFKC'));
  let hits: zhHant.ParsedResult[];
  try {
    hits = zhHant.parse(text, { instant: now, timezone: 'Asia/Taipei' });
  } catch {
    return [];
  }
  // Adjacent pieces (「上週三」「下午」) are one expression; the forms chrono misses join in where it found nothing.
  const found0 = hits.map((h) => ({ index: h.index, text: h.text }));
  for (const m of text.matchAll(MORE)) {
    const start = m.index;
    const end = start + m[0].length;
    if (!found0.some((h) => h.index < end && start < h.index + h.text.length)) found0.push({ index: start, text: m[0] });
  }
  found0.sort((a, b) => a.index - b.index);
  const spans: { start: number; end: number }[] = [];
  for (const h of found0) {
    const last = spans.at(-1);
    // 「昨天的晚上」 too: a 的 between two pieces joins them.
    if (last && (h.index === last.end || text.slice(last.end, h.index) === '的')) last.end = h.index + h.text.length;
    else spans.push({ start: h.index, end: h.index + h.text.length });
  }
  const found: TimeInText[] = [];
  for (const span of spans) {
    const core = text.slice(span.start, span.end);
    if (BARE_CLOCK.test(core)) continue;
    const before = BEFORE.exec(text.slice(Math.max(0, span.start - 4), span.start))?.[0] ?? '';
    const after = AFTER.exec(text.slice(span.end))?.[0] ?? '';
    const expression = before + core + after;
    const r = readNaturalTime(expression, now);
    if (r.ok) found.push({ at: r.at, approximate: r.approximate, text: expression, index: span.start - before.length });
  }
  return found;
}
