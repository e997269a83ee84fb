import type { ClockCondition, ConditionLeaf } from './rules.js';

/** The facts a declarative condition of clocks.yaml may test. */
export interface ConditionFacts {
  involvesSystem: boolean;
  specialCategories: boolean;
  recordsAffected?: number | null;
  systemRecordsHeld?: number | null;
  cyberLevel?: number | null;
}

export interface LeafResult {
  met: boolean;
  /** False when the incident does not say (a number not filled in): the condition then counts as not met. */
  known: boolean;
  /** zh-TW, e.g. 「受影響個資達100筆以上：符合（本案：250筆）」. */
  text: string;
}

export function evaluateLeaf(leaf: ConditionLeaf, facts: ConditionFacts): LeafResult {
  const value = facts[leaf.fact];
  if (typeof value === 'boolean') {
    const met = value === leaf.equals;
    return { met, known: true, text: `${leaf.label}：${met ? '符合' : '不符合'}` };
  }
  if (typeof value !== 'number') {
    return { met: false, known: false, text: `${leaf.label}：未知（本案未填）` };
  }
  const met = (leaf.atLeast === undefined || value >= leaf.atLeast) && (leaf.atMost === undefined || value <= leaf.atMost);
  return {
    met,
    known: true,
    text: `${leaf.label}：${met ? '符合' : '不符合'}（本案：${value.toLocaleString('zh-TW')}${leaf.unit ?? ''}）`,
  };
}

export interface ConditionResult {
  met: boolean;
  leaves: LeafResult[];
}

export function evaluateCondition(condition: ClockCondition, facts: ConditionFacts): ConditionResult {
  const list = condition.all ?? condition.any ?? [];
  const leaves = list.map((l) => evaluateLeaf(l, facts));
  const met = condition.all ? leaves.every((l) => l.met) : leaves.some((l) => l.met);
  return { met, leaves };
}
