import { describe, expect, it } from 'vitest';
import { loadCalendar } from '../../src/core/clocks/calendar.js';
import { computeClocks, type ComputedClock } from '../../src/core/clocks/engine.js';
import { loadClockRules } from '../../src/core/clocks/rules.js';
import { parseLocalDateTime } from '../../src/core/time/roc.js';
import { reminderMessage, slotLabel } from '../../src/jobs/notify.js';
import { planClock, type ReminderSlot } from '../../src/jobs/plan.js';

/**
 * What a reminder says about the cautious target and the statutory end (scen1 findings 2 and 3): past the target is not
 * 「已逾期」 while the statutory end is ahead, and no delay explanation is asked for before the statutory end passed.
 */
const rules = loadClockRules();
const calendar = loadCalendar();
const at = (text: string): Date => parseLocalDateTime(text)!;
const owners = { roles: ['contactWindow'], personIds: [], text: '個資聯絡窗口' };

function bureau(occurredAt: string, awareAt: string): ComputedClock {
  return computeClocks(
    rules,
    { involvesSystem: false, specialCategories: false, occurredAt: at(occurredAt), awareAt: at(awareAt) },
    { calendar, overrides: {} },
  ).find((c) => c.id === 'bureau-3d')!;
}

function say(clock: ComputedClock, slot: ReminderSlot): string {
  return reminderMessage({ incident: { id: 'i1', ref: '115-003' }, clock, slot, owners, late: false, at: slot.fireAt }).text;
}

describe('reminder wording: cautious target vs statutory end', () => {
  // Friday 16:00 leak, known 23:40, entered Monday 21:34; the statutory end is Monday 24:00.
  const clock = bureau('2026-12-04 16:00', '2026-12-04 23:40');
  const created = at('2026-12-07 21:34');
  const slots = planClock(clock, { now: created, calendar, createdAt: created });

  it('at creation: past the target, the statutory end still ahead — not 逾期, no delay explanation', () => {
    const text = say(clock, slots.find((s) => s.kind === 'overdueAtStart')!);
    expect(text).toContain('【期限提醒】');
    expect(text).toContain('已過建議完成時間；法定期限 115/12/07（一）24:00，尚未逾期');
    expect(text).not.toContain('逾期提醒');
    expect(text).not.toContain('已逾期');
    expect(text).not.toContain('遲延原因');
    expect(slotLabel(clock, slots[0]!)).toBe('建立時已過建議時間');
  });

  it('two hours before the statutory end: says how long is left', () => {
    const text = say(clock, slots.find((s) => s.kind === 'statutorySoon')!);
    expect(text).toContain('法定期限 115/12/07（一）24:00 屆滿，還有2小時');
    expect(text).not.toContain('已逾期');
    expect(text).toContain('同時通知個資聯絡窗口及管理人（校長）');
  });

  it('after the statutory end: 逾期, with the delay explanation', () => {
    const text = say(clock, slots.find((s) => s.slot === 'overdue-1')!);
    expect(text).toContain('【逾期提醒】');
    expect(text).toContain('已逾法定期限9小時');
    expect(text).toContain('遲延原因');
    // Entered after the statutory end: the at-start notice says so and asks for the reason.
    const late = at('2026-12-08 10:00');
    const lateSlot = planClock(clock, { now: late, calendar, createdAt: late }).find((s) => s.kind === 'overdueAtStart')!;
    const lateText = say(clock, lateSlot);
    expect(lateText).toContain('在事件建立時已逾法定期限');
    expect(lateText).toContain('遲延原因');
  });
});
