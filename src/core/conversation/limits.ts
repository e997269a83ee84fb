import { T } from './texts.js';

/**
 * The longest chat text the bot takes, in characters (Unicode code points, as people count them; an emoji is one).
 * Platforms allow more (a LINE text holds 5,000, Slack 40,000): a longer text is answered with TOO_LONG instead of
 * being processed, so nothing fails silently and no oversized text reaches the database or the detector.
 */
export const MAX_TEXT_LENGTH = 4000;

export type TextProblem = { kind: 'empty' | 'too-long'; message: string };

/** Length as people count it: code points, not UTF-16 units. */
export function textLength(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/** Why a chat text cannot be taken (empty, or over MAX_TEXT_LENGTH), in plain zh-TW; null when it can. */
export function chatTextProblem(text: string): TextProblem | null {
  if (text.trim() === '') return { kind: 'empty', message: T.emptyText };
  const n = textLength(text);
  if (n > MAX_TEXT_LENGTH) return { kind: 'too-long', message: T.textTooLong(n, MAX_TEXT_LENGTH) };
  return null;
}

/** Why a form answer is too long for any field (fields with their own, smaller limit say so themselves). */
export function formValueProblem(values: Record<string, string | string[]>): string | null {
  for (const v of Object.values(values)) {
    for (const one of Array.isArray(v) ? v : [v]) {
      const n = textLength(one);
      if (n > MAX_TEXT_LENGTH) return T.formValueTooLong(n, MAX_TEXT_LENGTH);
    }
  }
  return null;
}
