import type { Button } from '../../ports/chat-model.js';
import { readNaturalTime } from '../time/natural.js';
import { formatChatDateTime, formatWeekday } from '../time/roc.js';
import { act } from './render.js';

/**
 * The conversation's side of typed times (the reading itself is src/core/time/natural.ts): the examples it shows, the
 * error for a time it cannot read, and the one-tap confirmation of an approximate reading.
 */

/**
 * Examples shown with every time question and in the unreadable-time error. Each must read at any hour of any day
 * (「今天早上8點」 would be in the future at 07:00), which a test checks against the real clock too.
 */
export const TIME_EXAMPLES = ['昨天下午3點', '115/11/20 14:30', '前天晚上'] as const;

/** Answers to 「記為 …，對嗎？」. */
export const CONFIRM_YES = '對';
export const CONFIRM_REDO = '重填';
const YES_WORDS = new Set([CONFIRM_YES, '是', '是的', '對的', '沒錯', '正確', '好', 'ok', 'y', 'yes']);
const REDO_WORDS = new Set([CONFIRM_REDO, '不對', '不是', '錯', '改', '修改', 'n', 'no']);

export const WHEN_TEXTS = {
  unreadable: (label: string) =>
    `看不懂「${label}」的時間。請寫日期和時間，例如「${TIME_EXAMPLES[0]}」或「${TIME_EXAMPLES[1]}」；大約的時間也可以，例如「${TIME_EXAMPLES[2]}」。`,
  /** 「「發生時間」的日期和後面的星期或節日對不上（11/28 是星期六）。請再確認日期。」 */
  disagree: (label: string, at: Date) =>
    `「${label}」的日期和後面的星期或節日對不上（${formatChatDateTime(at).replace(/（.*$/, '')} 是${formatWeekday(at)}）。請再確認日期。`,
  future: (label: string, at: Date) => `「${label}」不能是未來的時間（看起來是 ${formatChatDateTime(at)}）。請填已經發生的時間。`,
  /** 「記為 11/22（日）15:00 左右，對嗎？」 */
  confirm: (label: string, at: Date) => `「${label}」記為 ${formatChatDateTime(at)} 左右，對嗎？`,
  /** After a form was filed: the approximate readings, shown so they can be corrected. */
  filedApproximate: (parts: string[]) => `以下時間是依您的描述推定的約略時間：${parts.join('、')}。如不正確，請在事件卡上更正。`,
  approxPart: (label: string, at: Date) => `${label} ${formatChatDateTime(at)} 左右`,
  hint: `例如：${TIME_EXAMPLES.slice(0, 2).join('、')}，大約的時間也可以`,
  /** How a typed time was read, shown beside the field of a web form: 「12/6（日）15:00 左右」. */
  reading: (at: Date, approximate: boolean) => `${formatChatDateTime(at)}${approximate ? ' 左右' : ''}`,
};

/** Whether `text` answers the confirmation: yes, re-enter, or neither (then it is taken as a new answer). */
export function confirmAnswer(text: string): 'yes' | 'redo' | null {
  const t = text
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[。！!，,]$/, '');
  if (YES_WORDS.has(t)) return 'yes';
  if (REDO_WORDS.has(t)) return 'redo';
  return null;
}

/** The quick replies of the confirmation: 對／重填 (typing another time works too). */
export function confirmButtons(): Button[] {
  return [
    { label: CONFIRM_YES, action: act.say(CONFIRM_YES), style: 'primary' },
    { label: CONFIRM_REDO, action: act.say(CONFIRM_REDO) },
  ];
}

/**
 * A typed time for a form field: the instant and whether it is approximate, or the zh-TW problem (unreadable, with
 * examples that parse; or in the future).
 */
export function readFieldTime(
  label: string,
  text: string,
  now: Date,
): { ok: true; at: Date; approximate: boolean } | { ok: false; message: string } {
  const r = readNaturalTime(text, now);
  if (r.ok) return { ok: true, at: r.at, approximate: r.approximate };
  if (r.reason === 'future') return { ok: false, message: WHEN_TEXTS.future(label, r.at) };
  if (r.reason === 'disagree') return { ok: false, message: WHEN_TEXTS.disagree(label, r.at) };
  return { ok: false, message: WHEN_TEXTS.unreadable(label) };
}
