import { addDays, format } from 'date-fns';
import { describe, expect, it } from 'vitest';
import { loadCalendar } from '../../../src/core/clocks/calendar.js';
import { computeClocks, type ComputedClock } from '../../../src/core/clocks/engine.js';
import { loadClockRules } from '../../../src/core/clocks/rules.js';
import { startOfTaipeiDay } from '../../../src/core/time/taipei.js';

/*
 * Issue #13: the cautious target (recommendedBy) of every day- and month-counted clock falls on a working day of the
 * office calendar, never after the statutory end and never before the day that started it — for every trigger day of
 * 2026 (weekends, the Lunar New Year closure, 228, Tomb-Sweeping, Dragon Boat, Mid-Autumn, National Day, 12/25 and
 * the make-up working days alike).
 */
const rules = loadClockRules();
const calendar = loadCalendar();

const dayCounted = rules.clocks.filter((c) => c.kind === 'deadline' && ['days', 'months'].includes(c.period.unit)).map((c) => c.id);
const days2026 = Array.from({ length: 365 }, (_, i) => format(addDays(startOfTaipeiDay('2026-01-01'), i), 'yyyy-MM-dd'));
const tenAm = (day: string) => new Date(startOfTaipeiDay(day).getTime() + 10 * 3_600_000);

function everyClock(day: string): ComputedClock[] {
  const t = tenAm(day);
  // Every trigger at 10:00 of the day: occurrence, awareness, ascertained, recovered and handling ended.
  const facts = {
    occurredAt: t,
    awareAt: t,
    handlingEndedAt: t,
    recoveredAt: t,
    breachConfirmedAt: t,
    involvesSystem: true,
    specialCategories: true,
    recordsAffected: 5000,
  };
  const on = Object.fromEntries(rules.clocks.map((c) => [c.id, true]));
  return computeClocks(rules, facts, { calendar, overrides: on }).filter((c) => dayCounted.includes(c.id));
}

describe('cautious targets on working days (2026)', () => {
  it('covers the day-counted clocks of playbooks/clocks.yaml', () => {
    expect(dayCounted).toEqual(expect.arrayContaining(['bureau-3d', 'closure-1m', 'cyber-report-1m']));
  });

  it('every trigger day of 2026, every day-counted clock: a working day, within [trigger day, statutory last day]', () => {
    const problems: string[] = [];
    let moved = 0;
    for (const day of days2026) {
      for (const c of everyClock(day)) {
        const target = c.recommendedLastDay!;
        if (calendar.covers(target) && calendar.isRestDay(target)) problems.push(`${c.id} from ${day}: target ${target} is a rest day`);
        if (c.statutoryLastDay && target > c.statutoryLastDay)
          problems.push(`${c.id} from ${day}: target ${target} after statutory ${c.statutoryLastDay}`);
        if (target < day) problems.push(`${c.id} from ${day}: target ${target} before the trigger day`);
        if (c.recommendedBy!.getTime() > (c.statutoryEnd ?? c.recommendedBy!).getTime())
          problems.push(`${c.id} from ${day}: recommendedBy after statutoryEnd`);
        if (c.recommendedNote?.includes('提前至前一上班日')) moved += 1;
      }
    }
    expect(problems).toEqual([]);
    // Weekends alone move about two in seven targets: the rule really runs.
    expect(moved).toBeGreaterThan(200);
  });

  it('moves a target that falls on a rest day to the last working day before it', () => {
    const byId = (day: string, id: string) => everyClock(day).find((c) => c.id === id)!;
    // Occurred Thu 12-24: counted target Sat 12-26 → Fri 12-25 is Constitution Day (行憲紀念日) → Thu 12-24.
    expect(byId('2026-12-24', 'bureau-3d').recommendedLastDay).toBe('2026-12-24');
    // Occurred Wed 02-11: counted target Fri 02-13 is a working day, kept.
    expect(byId('2026-02-11', 'bureau-3d').recommendedLastDay).toBe('2026-02-13');
    // Occurred Thu 02-12: counted target Sat 02-14 (the Lunar New Year closure begins) → Fri 02-13.
    expect(byId('2026-02-12', 'bureau-3d').recommendedLastDay).toBe('2026-02-13');
    // Handling ended Mon 01-19: counted target Wed 02-18 (inside the closure) → Fri 02-13; statutory end rolls to 02-23.
    const closure = byId('2026-01-19', 'closure-1m');
    expect(closure.recommendedLastDay).toBe('2026-02-13');
    expect(closure.statutoryLastDay).toBe('2026-02-23');
  });

  it('a trigger inside a long closure with no working day before the counted day targets the first working day after', () => {
    // Occurred Sun 02-15 (closure): counted target Tue 02-17 — 02-15..02-17 are all rest days → Mon 02-23 (first working day),
    // which is exactly the statutory last day (02-18 rolled over past the closure).
    const c = everyClock('2026-02-15').find((x) => x.id === 'bureau-3d')!;
    expect(c.recommendedLastDay).toBe(c.statutoryLastDay);
    expect(calendar.isRestDay(c.recommendedLastDay!)).toBe(false);
    expect(c.recommendedNote).toContain('以次一上班日為目標');
  });
});
