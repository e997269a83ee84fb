import type { ChecklistItemDef } from '../playbooks/schema.js';

/**
 * The sentence of a notice that states the measures already taken (個人資料保護法施行細則第22條第2項: a notice states
 * the facts and the measures already taken), built from what the checklist records as done, in the order it was done,
 * in the playbook's public wording (`publicText`). Nothing done yet is said as it is: the response has started and
 * which steps are under way. The typed intake answer 「已採取的處置」 is not used: it is the reporter's internal note
 * (「尚未處置」, names of offices, …), not words addressed to the people affected.
 */

/** What the builder needs of a checklist item: its state and when it was done, and its definition's wording. */
export interface MeasureItem {
  state: string;
  doneAt: Date | null;
  phase: string;
  position: number;
  /** The note recorded when the item was ticked (stored masked), if any. */
  note?: string | null;
  def: Pick<ChecklistItemDef, 'title' | 'publicText'> | undefined;
}

/** Both forms of the sentence start with one of these: how a later revision finds the sentence to refresh it. */
const DONE_LEAD = '本校發現後已';
const STARTED_LEAD = '本校已啟動個資事件應變程序';
const SENTENCE = new RegExp(`(?:${DONE_LEAD}|${STARTED_LEAD})[^。\\n]*。`);

export function measuresSentence(items: readonly MeasureItem[]): string {
  const said = (i: MeasureItem) => i.def?.publicText ?? null;
  const done = items
    .filter((i) => i.state === 'done' && said(i))
    .sort((a, b) => (a.doneAt?.getTime() ?? 0) - (b.doneAt?.getTime() ?? 0) || a.position - b.position);
  // What was actually done is in the note of whoever ticked the item (「Gmail 無法收回，已請家長刪除」): it follows the
  // playbook's general wording, so the notice does not claim an outcome the school did not get.
  const clause = (i: MeasureItem) => {
    const note = i.note?.trim().replace(/[。；;.\s]+$/, '');
    return note ? `${said(i)!}（${note}）` : said(i)!;
  };
  const clauses = [...new Set(done.map(clause))];
  if (clauses.length > 0) return `${DONE_LEAD}採取下列措施：${clauses.join('；')}。`;
  // Nothing done yet: no step is named, since none has happened (a principal must not sign a measure not taken).
  return `${STARTED_LEAD}，正在查明事件並處理中。`;
}

/** The measures sentence found in a notice's text (as the template wrote it), or null when the drafter rewrote it. */
export function findMeasures(text: string): string | null {
  return SENTENCE.exec(text)?.[0] ?? null;
}

/**
 * The text with its measures sentence brought up to date, when the sentence is still the one a draft generated
 * (`previous`): a sentence the drafter rewrote is theirs and stays as written.
 */
export function refreshMeasures(text: string, previous: string | null, fresh: string): string {
  const found = findMeasures(text);
  if (!found || found === fresh || previous === null || found !== previous) return text;
  return text.replace(found, fresh);
}
