import type { PersonChangeEntry, PersonChangeView, Repositories } from '../../ports/repositories/index.js';
import { newId } from '../ids.js';

/**
 * The append-only record of changes to people (table person_change): who was given or lost which role, renamed,
 * made inactive, by whom and when. A person's roles decide who sees a personal-data incident's details, so access
 * changes are kept like the timeline is (database triggers refuse UPDATE and DELETE). Written in the transaction that
 * makes the change.
 */
export type { PersonChanges, PersonField, PersonChangeView } from '../../ports/repositories/index.js';

/** The label for changes made by an operator's roster import (no person in the product made them). */
export const ROSTER_IMPORT_ACTOR = '系統管理者（名冊匯入）';
/** The label for a binding code the operator printed (`npm run people -- code`). */
export const OPERATOR_CODE_ACTOR = '系統管理者（綁定碼指令）';
/** The label for a binding code that stopped working because it was typed in a group, where others could see it. */
export const CODE_SEEN_ACTOR = '小幫手（綁定碼貼在群組，自動作廢）';

export async function recordPersonChange(tx: Pick<Repositories, 'people'>, entry: PersonChangeEntry): Promise<void> {
  if (Object.keys(entry.changes).length === 0) return;
  await tx.people.recordChange(newId(), entry);
}

/** A school's changes to people, newest first. */
export function personHistory(repos: Pick<Repositories, 'people'>, schoolId: string, limit = 200, offset = 0): Promise<PersonChangeView[]> {
  return repos.people.history(schoolId, limit, offset);
}
