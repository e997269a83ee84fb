import { describe, expect, it } from 'vitest';
import { computeClocks, loadCalendar, loadClockRules } from '../../../src/core/clocks/index.js';
import { clocksSection } from '../../../src/core/conversation/render.js';

const rules = loadClockRules();
const calendar = loadCalendar();
const at = (s: string) => new Date(`${s}+08:00`);
const facts = (occurred: string, aware: string) => ({
  occurredAt: at(occurred),
  awareAt: at(aware),
  involvesSystem: false,
  specialCategories: false,
});

describe('chat clock lines for years without an office calendar, and clocks switched off', () => {
  it('warns on a deadline counted on the calendar derived from the rules (2028)', () => {
    const now = at('2028-01-21T12:00');
    const clocks = computeClocks(rules, facts('2028-01-21T10:00', '2028-01-21T11:00'), { calendar, now });
    const row = clocksSection(clocks, now).rows?.find((r) => r.text.startsWith('3日內通報主管機關'));
    expect(row?.detail).toContain('尚未經人事行政總處公告確認');
    const sure = computeClocks(rules, facts('2026-11-05T10:00', '2026-11-06T09:00'), { calendar, now: at('2026-11-06T10:00') });
    const sureRow = clocksSection(sure, at('2026-11-06T10:00')).rows?.find((r) => r.text.startsWith('3日內通報主管機關'));
    expect(sureRow?.detail).not.toContain('尚未經人事行政總處公告確認');
  });

  it('a clock switched off is neither shown nor flagged overdue, in the card or in the computed clock', () => {
    const now = at('2026-11-06T09:00');
    const clocks = computeClocks(rules, facts('2026-06-01T09:00', '2026-11-06T09:00'), {
      calendar,
      now,
      overrides: { 'bureau-3d': false },
    });
    const bureau = clocks.find((c) => c.id === 'bureau-3d');
    expect(bureau?.statutoryLastDay).toBe('2026-06-04');
    expect([bureau?.overdueAtAwareness, bureau?.overdueNow, bureau?.recommendedMissedAtAwareness]).toEqual([false, false, false]);
    expect(clocksSection(clocks, now).rows?.some((r) => r.text.startsWith('3日內通報主管機關'))).toBe(false);
    const on = computeClocks(rules, facts('2026-06-01T09:00', '2026-11-06T09:00'), { calendar, now });
    expect(on.find((c) => c.id === 'bureau-3d')?.overdueAtAwareness).toBe(true);
  });

  it('a cautious target already passed, the statutory end ahead, says so (scen1 finding 14)', () => {
    // Friday 16:00 leak known 23:40: target Fri 24:00 (20 minutes later), statutory end Mon 12-07 24:00.
    const clocks = computeClocks(rules, facts('2026-12-04T16:00', '2026-12-04T23:40'), { calendar, now: at('2026-12-07T21:34') });
    const row = (now: Date) => clocksSection(clocks, now).rows?.find((r) => r.text.startsWith('3日內通報主管機關'))?.text;
    expect(row(at('2026-12-07T21:34'))).toContain('（已過建議時間，法定期限尚未逾期）');
    expect(row(at('2026-12-04T23:50'))).not.toContain('已過');
  });
});
