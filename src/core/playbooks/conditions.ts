/**
 * `when` of a checklist item: a test on incident facts (intake answers, derived facts, playbook facts).
 * Exactly one form per node: `{ fact, equals }`, `{ fact, includes }` (multi-select answers), `{ any }`, `{ all }`.
 */
export interface Condition {
  fact?: string;
  equals?: boolean | string | number;
  includes?: string;
  any?: Condition[];
  all?: Condition[];
}

/** What is known about an incident so far; a missing or null fact is unknown. */
export type Facts = Readonly<Record<string, unknown>>;

/** Three-valued: `undefined` when the answer depends on a fact nobody has given yet. */
export function evaluateCondition(condition: Condition, facts: Facts): boolean | undefined {
  if (condition.any) {
    let unknown = false;
    for (const c of condition.any) {
      const r = evaluateCondition(c, facts);
      if (r === true) return true;
      if (r === undefined) unknown = true;
    }
    return unknown ? undefined : false;
  }
  if (condition.all) {
    let unknown = false;
    for (const c of condition.all) {
      const r = evaluateCondition(c, facts);
      if (r === false) return false;
      if (r === undefined) unknown = true;
    }
    return unknown ? undefined : true;
  }
  const value = condition.fact === undefined ? undefined : facts[condition.fact];
  if (value === undefined || value === null) return undefined;
  if (condition.includes !== undefined) return Array.isArray(value) ? value.includes(condition.includes) : undefined;
  return value === condition.equals;
}

/**
 * Whether a checklist item belongs on an incident's list. An item whose condition cannot be decided yet stays on
 * the list: the responder can mark it not applicable with a reason, which is safer than never showing it.
 */
export function itemApplies(item: { when?: Condition | undefined }, facts: Facts): boolean {
  return item.when === undefined || evaluateCondition(item.when, facts) !== false;
}

/** Every fact a condition refers to (e.g. to ask the questions it depends on). */
export function conditionFacts(condition: Condition): string[] {
  const out = new Set<string>();
  const walk = (c: Condition) => {
    if (c.fact !== undefined) out.add(c.fact);
    c.any?.forEach(walk);
    c.all?.forEach(walk);
  };
  walk(condition);
  return [...out];
}
