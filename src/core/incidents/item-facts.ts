import type { ChecklistItemRecord as ChecklistRow } from '../../ports/repositories/index.js';
import type { ResolvedPlaybook } from '../playbooks/index.js';
import type { ItemAsk } from '../playbooks/vocabulary.js';
import { formatRocDate } from '../time/roc.js';
import { startOfTaipeiDay, taipeiDayKey } from '../time/taipei.js';
import { UserError, type ChecklistState } from './types.js';

/**
 * Facts recorded when a checklist item is ticked, besides its note (playbook `asks`): the scheduled completion day
 * and state of an improvement or repair measure, the cybersecurity incident level, and why a report was late.
 * The reports print them as facts (src/core/documents/model.ts), never the tick time in their place.
 */
export interface ItemFacts {
  /** The scheduled completion day (any instant of that Taipei day); for a measure already done, the day it was done. */
  plannedOn?: Date | null;
  planState?: PlanState | null;
  cyberLevel?: CyberLevel | null;
  /** 遲延原因: why the report this item completes went in after its deadline (already masked). */
  delayReason?: string | null;
}

export const PLAN_STATES = ['todo', 'doing', 'done'] as const;
export type PlanState = (typeof PLAN_STATES)[number];
export const PLAN_STATE_LABELS: Record<PlanState, string> = { todo: '尚未開始', doing: '辦理中', done: '已完成' };

export const CYBER_LEVELS = [1, 2, 3, 4] as const;
export type CyberLevel = (typeof CYBER_LEVELS)[number];

/** 00:00 Taipei of the day of `d`. */
export const taipeiDay = (d: Date) => new Date(startOfTaipeiDay(taipeiDayKey(d)).getTime());

/** What the item's playbook definition asks when it is ticked done. */
export function asksOf(playbook: ResolvedPlaybook, key: string): ItemAsk[] {
  return [...(playbook.checklist.find((i) => i.key === key)?.asks ?? [])];
}

/**
 * Checks the facts given with a tick against what the item asks; returns the column values to store. Ticking done
 * an item that asks for a plan or a level without them is refused (whatever the channel), so a report never has to
 * fall back on the tick time. Reopening clears the plan; the delay reason and the level stay on record.
 */
export function itemFactsData(
  asks: ItemAsk[],
  item: Pick<ChecklistRow, 'title'>,
  state: ChecklistState,
  facts: ItemFacts,
  now: Date,
): { plannedOn?: Date | null; planState?: PlanState | null; cyberLevel?: CyberLevel; delayReason?: string } {
  if (state === 'open') return { plannedOn: null, planState: null };
  const out: ReturnType<typeof itemFactsData> = {};
  if (state === 'done' && asks.includes('plannedDate')) {
    if (!facts.plannedOn || !facts.planState) throw new UserError(`請填寫「${item.title}」的預定完成日期與辦理情形。`);
    if (!PLAN_STATES.includes(facts.planState)) throw new UserError('辦理情形請選「尚未開始」「辦理中」或「已完成」。');
    const day = taipeiDay(facts.plannedOn);
    const today = taipeiDay(now);
    if (facts.planState === 'done' && day.getTime() > today.getTime()) {
      throw new UserError(`已完成的措施，完成日期不能晚於今天（${formatRocDate(now)}）。尚未完成的措施請選「辦理中」或「尚未開始」。`);
    }
    if (facts.planState !== 'done' && day.getTime() < today.getTime()) {
      throw new UserError(`尚未完成的措施，預定完成日期不能早於今天（${formatRocDate(now)}）。`);
    }
    out.plannedOn = day;
    out.planState = facts.planState;
  } else if (state === 'na') {
    out.plannedOn = null;
    out.planState = null;
  }
  if (state === 'done' && asks.includes('cyberLevel')) {
    if (!facts.cyberLevel || !CYBER_LEVELS.includes(facts.cyberLevel)) throw new UserError(`請選擇資安事件等級（第1級至第4級）。`);
    out.cyberLevel = facts.cyberLevel;
  }
  const reason = facts.delayReason?.trim();
  if (reason) out.delayReason = reason;
  return out;
}

/** The plan of a measure in words for cards: 「預定 115年12月31日 完成（辦理中）」. */
export function planText(row: Pick<ChecklistRow, 'plannedOn' | 'planState'>): string | null {
  if (!row.plannedOn || !row.planState) return null;
  const state = row.planState as PlanState;
  const date = formatRocDate(row.plannedOn).replace('中華民國', '');
  return state === 'done' ? `${date} 已完成` : `預定 ${date} 完成（${PLAN_STATE_LABELS[state]}）`;
}
