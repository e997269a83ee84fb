import { describe, expect, it } from 'vitest';
import { conditionFacts, evaluateCondition, itemApplies, type Condition } from '../../../src/core/playbooks/index.js';

const system: Condition = { fact: 'involvesSystem', equals: true };
const crime: Condition = { fact: 'suspectedCrime', equals: true };
const health: Condition = { fact: 'categories', includes: 'healthExam' };

describe('evaluateCondition', () => {
  it('compares a fact, or says it is unknown', () => {
    expect(evaluateCondition(system, { involvesSystem: true })).toBe(true);
    expect(evaluateCondition(system, { involvesSystem: false })).toBe(false);
    expect(evaluateCondition(system, {})).toBeUndefined();
    expect(evaluateCondition(system, { involvesSystem: null })).toBeUndefined();
  });

  it('tests membership of multi-select answers', () => {
    expect(evaluateCondition(health, { categories: ['name', 'healthExam'] })).toBe(true);
    expect(evaluateCondition(health, { categories: ['name'] })).toBe(false);
    expect(evaluateCondition(health, { categories: 'healthExam' })).toBeUndefined();
  });

  it('combines with any and all in three-valued logic', () => {
    const any: Condition = { any: [system, crime] };
    expect(evaluateCondition(any, { involvesSystem: false, suspectedCrime: true })).toBe(true);
    expect(evaluateCondition(any, { involvesSystem: false })).toBeUndefined();
    expect(evaluateCondition(any, { involvesSystem: false, suspectedCrime: false })).toBe(false);
    expect(evaluateCondition(any, { suspectedCrime: true })).toBe(true);

    const all: Condition = { all: [system, crime] };
    expect(evaluateCondition(all, { involvesSystem: false })).toBe(false);
    expect(evaluateCondition(all, { involvesSystem: true })).toBeUndefined();
    expect(evaluateCondition(all, { involvesSystem: true, suspectedCrime: true })).toBe(true);
  });
});

describe('itemApplies', () => {
  it('keeps items without a condition and items whose condition is still unknown', () => {
    expect(itemApplies({}, {})).toBe(true);
    expect(itemApplies({ when: system }, {})).toBe(true);
    expect(itemApplies({ when: system }, { involvesSystem: true })).toBe(true);
    expect(itemApplies({ when: system }, { involvesSystem: false })).toBe(false);
  });
});

describe('conditionFacts', () => {
  it('lists every fact a condition depends on, once', () => {
    expect(conditionFacts({ any: [system, { all: [crime, system, health] }] })).toEqual(['involvesSystem', 'suspectedCrime', 'categories']);
  });
});
