import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CalendarCoverageError, DEFAULT_CALENDAR_DIR, loadCalendar } from '../../../src/core/clocks/calendar.js';
import { ClockFactsError, computeClocks, type ClockFacts, type ComputedClock } from '../../../src/core/clocks/engine.js';
import { UnknownClockSettingError, loadClockRules } from '../../../src/core/clocks/rules.js';
import { parseLocalDateTime } from '../../../src/core/time/roc.js';
import { toTaipeiIso } from '../../../src/core/time/taipei.js';

const rules = loadClockRules();
const calendar = loadCalendar();

const at = (text: string): Date => {
  const d = parseLocalDateTime(text);
  if (!d) throw new Error(`bad test time ${text}`);
  return d;
};
const iso = (d: Date | null) => (d ? toTaipeiIso(d) : null);

function facts(partial: Partial<ClockFacts> & Pick<ClockFacts, 'occurredAt' | 'awareAt'>): ClockFacts {
  return { involvesSystem: false, specialCategories: false, ...partial };
}

function compute(f: ClockFacts, opts: Partial<Parameters<typeof computeClocks>[2]> = {}): Map<string, ComputedClock> {
  return new Map(computeClocks(rules, f, { calendar, ...opts }).map((c) => [c.id, c]));
}

function clock(map: Map<string, ComputedClock>, id: string): ComputedClock {
  const c = map.get(id);
  if (!c) throw new Error(`no clock ${id}`);
  return c;
}

describe('worked examples of legal-rules.md §4', () => {
  it('occurred Thu 2026-11-05 → 3 days end Sun 11-08 → statutory end Mon 11-09 24:00', () => {
    const c = clock(compute(facts({ occurredAt: at('2026-11-05 10:00'), awareAt: at('2026-11-05 15:00') })), 'bureau-3d');
    expect(iso(c.startsAt)).toBe('2026-11-05T10:00:00+08:00');
    expect(c.statutoryLastDay).toBe('2026-11-09');
    expect(iso(c.statutoryEnd)).toBe('2026-11-10T00:00:00+08:00');
    expect(c.rolledOver).toBe(true);
    expect(c.rolloverNote).toContain('中華民國115年11月8日為星期日');
    expect(c.rolloverNote).toContain('中華民國115年11月9日（星期一）24:00');
    // Cautious target: first day counted, no rollover → Sat 11-07 24:00.
    // Counted with the first day, the cautious target is Sat 11-07: a rest day, so it moves back to Fri 11-06 (issue #13).
    expect(c.recommendedLastDay).toBe('2026-11-06');
    expect(iso(c.recommendedBy)).toBe('2026-11-07T00:00:00+08:00');
    expect(c.recommendedNote).toContain('提前至前一上班日');
    expect(c.recommendedNote).toContain('不依賴假日順延');
    expect(c.overdueAtAwareness).toBe(false);
    expect(c.basis).toBe('私立高級中等以下學校及幼兒園個人資料檔案安全維護計畫實施辦法第13條第3項');
  });

  it('handling ended 2026-03-10 → 1 month ends 04-10', () => {
    const c = clock(
      compute(facts({ occurredAt: at('2026-03-01 08:00'), awareAt: at('2026-03-02 08:00'), handlingEndedAt: at('2026-03-10 17:00') })),
      'closure-1m',
    );
    expect(c.pending).toBe(false);
    expect(c.statutoryLastDay).toBe('2026-04-10');
    expect(iso(c.statutoryEnd)).toBe('2026-04-11T00:00:00+08:00');
    expect(c.rolledOver).toBe(false);
    expect(c.recommendedLastDay).toBe('2026-04-09');
  });

  it('handling ended 2026-01-30 → ends Sat 02-28 → statutory end Mon 03-02', () => {
    const c = clock(
      compute(facts({ occurredAt: at('2026-01-20 08:00'), awareAt: at('2026-01-20 09:00'), handlingEndedAt: at('2026-01-30 16:00') })),
      'closure-1m',
    );
    expect(c.statutoryLastDay).toBe('2026-03-02');
    expect(iso(c.statutoryEnd)).toBe('2026-03-03T00:00:00+08:00');
    expect(c.rolledOver).toBe(true);
    expect(c.rolloverNote).toContain('和平紀念日');
    // Counted target Sat 02-28 (228 Memorial Day) → back over Fri 02-27 (its day off) to Thu 02-26 (issue #13).
    expect(c.recommendedLastDay).toBe('2026-02-26');
  });
});

describe('month ends', () => {
  it('01-31 + 1 month ends on the last day of February (then rolls over the weekend)', () => {
    const c = clock(
      compute(facts({ occurredAt: at('2026-01-20 08:00'), awareAt: at('2026-01-20 09:00'), handlingEndedAt: at('2026-01-31 10:00') })),
      'closure-1m',
    );
    expect(c.countingNote).toContain('末日為中華民國115年2月28日（星期六）');
    expect(c.statutoryLastDay).toBe('2026-03-02');
  });

  it('a month counted from the 1st ends on the last day of that month', () => {
    const c = clock(
      compute(facts({ occurredAt: at('2026-04-20 08:00'), awareAt: at('2026-04-20 09:00'), handlingEndedAt: at('2026-04-30 10:00') })),
      'closure-1m',
    );
    expect(c.statutoryLastDay).toBe('2026-06-01'); // 05-31 is a Sunday
    expect(c.countingNote).toContain('末日為中華民國115年5月31日（星期日）');
  });
});

describe('rest-day rollover', () => {
  it('rolls over the whole 2026 Lunar New Year break, 補假 included', () => {
    const c = clock(compute(facts({ occurredAt: at('2026-02-12 09:00'), awareAt: at('2026-02-12 10:00') })), 'bureau-3d');
    expect(c.statutoryLastDay).toBe('2026-02-23');
    expect(c.rolloverNote).toContain('農曆除夕前一日（星期日）');
    expect(c.rolloverNote).toContain('農曆除夕前一日（補假）');
    // Counted target Sat 02-14, the first day of the break: moved back to the last working day, Fri 02-13 (issue #13).
    expect(c.recommendedLastDay).toBe('2026-02-13');
  });

  it('rolls over a last day that is a 補假 (2026 Children’s Day / Tomb-Sweeping Day)', () => {
    const c = clock(compute(facts({ occurredAt: at('2026-03-31 09:00'), awareAt: at('2026-03-31 10:00') })), 'bureau-3d');
    expect(c.statutoryLastDay).toBe('2026-04-07');
    expect(c.rolloverNote).toMatch(/^末日中華民國115年4月3日為兒童節（補假）（星期五）/);
    expect(c.rolloverNote).toContain('民族掃墓節（補假）');
  });

  it('counts a make-up working Saturday (補行上班) as a working day', () => {
    const c = clock(compute(facts({ occurredAt: at('2025-02-05 09:00'), awareAt: at('2025-02-05 10:00') })), 'bureau-3d');
    expect(c.statutoryLastDay).toBe('2025-02-08');
    expect(c.rolledOver).toBe(false);
    expect(c.rolloverNote).toContain('補行上班日');
    // An ordinary Saturday a week later does roll over.
    const d = clock(compute(facts({ occurredAt: at('2025-02-12 09:00'), awareAt: at('2025-02-12 10:00') })), 'bureau-3d');
    expect(d.statutoryLastDay).toBe('2025-02-17');
  });

  it('does not move hour clocks for holidays', () => {
    const m = compute(facts({ occurredAt: at('2026-02-14 18:00'), awareAt: at('2026-02-14 20:00'), involvesSystem: true }));
    expect(iso(clock(m, 'contain-4h').statutoryEnd)).toBe('2026-02-15T00:00:00+08:00');
    expect(iso(clock(m, 'report-window-4h').recommendedBy)).toBe('2026-02-15T00:00:00+08:00');
    expect(iso(clock(m, 'cyber-1h').statutoryEnd)).toBe('2026-02-14T21:00:00+08:00');
    const notify = clock(m, 'pdpa2025-notify-72h');
    expect(iso(notify.statutoryEnd)).toBe('2026-02-17T20:00:00+08:00'); // Lunar New Year's Day, not moved
    expect(notify.rolledOver).toBe(false);
    expect(notify.statutoryLastDay).toBeNull();
  });

  it('warns when the end relies on a calendar year not yet confirmed by the DGPA', () => {
    // The shipped 2027 file is verified; a copy marked provisional stands for a year whose table was not seen yet.
    const dir = mkdtempSync(join(tmpdir(), 'calendars-'));
    copyFileSync(join(DEFAULT_CALENDAR_DIR, '2026.yaml'), join(dir, '2026.yaml'));
    const shipped = readFileSync(join(DEFAULT_CALENDAR_DIR, '2027.yaml'), 'utf8');
    writeFileSync(join(dir, '2027.yaml'), shipped.replace('years: [2027]', 'years: [2027]\nprovisional: true'));
    const draft = loadCalendar(dir);
    const c = clock(
      compute(facts({ occurredAt: at('2027-02-03 09:00'), awareAt: at('2027-02-03 10:00') }), { calendar: draft }),
      'bureau-3d',
    );
    expect(c.statutoryLastDay).toBe('2027-02-11');
    expect(c.calendarNote).toContain('尚未經人事行政總處公告確認');
    const shippedYear = clock(compute(facts({ occurredAt: at('2027-02-03 09:00'), awareAt: at('2027-02-03 10:00') })), 'bureau-3d');
    expect(shippedYear.statutoryLastDay).toBe('2027-02-11');
    expect(shippedYear.calendarNote).toBeUndefined();
    const sure = clock(compute(facts({ occurredAt: at('2026-11-05 09:00'), awareAt: at('2026-11-05 10:00') })), 'bureau-3d');
    expect(sure.calendarNote).toBeUndefined();
  });
});

describe('occurrence-triggered clocks at awareness', () => {
  it('says at once that bureau-3d was already overdue when the school learnt of it', () => {
    // Occurred Mon 11-02; 3 days end Thu 11-05 24:00; known only on Fri 11-06.
    const c = clock(compute(facts({ occurredAt: at('2026-11-02 09:00'), awareAt: at('2026-11-06 09:00') })), 'bureau-3d');
    expect(c.statutoryLastDay).toBe('2026-11-05');
    expect(c.overdueAtAwareness).toBe(true);
    expect(c.recommendedMissedAtAwareness).toBe(true);
    expect(c.overdueNote).toContain('已經屆滿');
    expect(c.overdueNote).toContain('中華民國115年11月5日 24:00');
  });

  it('three days after the occurrence: the cautious target is missed, the statutory end is tonight', () => {
    const c = clock(compute(facts({ occurredAt: at('2026-11-02 09:00'), awareAt: at('2026-11-05 09:00') })), 'bureau-3d');
    expect(c.overdueAtAwareness).toBe(false);
    expect(c.recommendedMissedAtAwareness).toBe(true);
    expect(iso(c.statutoryEnd)).toBe('2026-11-06T00:00:00+08:00');
    expect(c.overdueNote).toContain('建議完成時間（中華民國115年11月4日 24:00）已過');
    expect(c.overdueNote).toContain('法定期限為中華民國115年11月5日 24:00');
  });

  it('awareness-triggered clocks are never overdue at awareness', () => {
    const m = compute(facts({ occurredAt: at('2026-10-01 09:00'), awareAt: at('2026-11-06 09:00') }));
    expect(clock(m, 'contain-4h').overdueAtAwareness).toBe(false);
    expect(clock(m, 'bureau-3d').overdueAtAwareness).toBe(true);
  });

  it('reports overdue now only when a reference time is given', () => {
    const f = facts({ occurredAt: at('2026-11-05 09:00'), awareAt: at('2026-11-05 10:00') });
    expect(clock(compute(f), 'contain-4h').overdueNow).toBeUndefined();
    const later = compute(f, { now: at('2026-11-05 14:00') });
    expect(clock(later, 'contain-4h').overdueNow).toBe(true);
    expect(clock(later, 'bureau-3d').overdueNow).toBe(false);
    expect(clock(later, 'bureau-3d').recommendedMissedNow).toBe(false);
  });
});

describe('pending clocks', () => {
  it('returns clocks whose trigger is unknown as pending with null times', () => {
    const m = compute(facts({ occurredAt: at('2026-11-05 09:00'), awareAt: at('2026-11-05 10:00') }));
    for (const id of ['closure-1m', 'subjects-notify', 'cyber-report-1m']) {
      const c = clock(m, id);
      expect(c.pending, id).toBe(true);
      expect(c.startsAt).toBeNull();
      expect(c.statutoryEnd).toBeNull();
      expect(c.recommendedBy).toBeNull();
      expect(c.overdueAtAwareness).toBe(false);
    }
    expect(clock(m, 'closure-1m').pendingNote).toBe('尚待「處理結束」時間，期限尚未起算。');
  });

  it('starts subjects-notify once the breach is confirmed, without a fixed end', () => {
    const m = compute(
      facts({ occurredAt: at('2026-11-05 09:00'), awareAt: at('2026-11-05 10:00'), breachConfirmedAt: at('2026-11-06 11:00') }),
    );
    const c = clock(m, 'subjects-notify');
    expect(c.pending).toBe(false);
    expect(iso(c.startsAt)).toBe('2026-11-06T11:00:00+08:00');
    expect(c.statutoryEnd).toBeNull();
    expect(c.kind).toBe('ongoing');
    expect(c.reminders[0]?.every).toEqual({ amount: 1, unit: 'days' });
  });
});

describe('applicability, profiles and thresholds', () => {
  const base = { occurredAt: at('2026-11-05 09:00'), awareAt: at('2026-11-05 10:00') };

  it('applies cyber clocks only when an information system is involved', () => {
    const without = clock(compute(facts(base)), 'cyber-1h');
    expect(without.applies).toBe(false);
    expect(without.applicabilityNote).toContain('不適用');
    const withSystem = clock(compute(facts({ ...base, involvesSystem: true })), 'cyber-1h');
    expect(withSystem.applies).toBe(true);
    expect(withSystem.enabled).toBe(true);
  });

  it('evaluates and shows the pdpa2025-report-72h thresholds even when the clock is off', () => {
    const c = clock(compute(facts({ ...base, recordsAffected: 20, systemRecordsHeld: 500 })), 'pdpa2025-report-72h');
    expect(c.enabled).toBe(false);
    expect(c.thresholds?.met).toBe(false);
    expect(c.applies).toBe(false);
    expect(c.thresholds?.reasons).toEqual([
      '涉及個資法第6條特種個資（病歷、醫療、基因、性生活、健康檢查、犯罪前科）：不符合',
      '受影響個資達100筆以上：不符合（本案：20筆）',
      '事故系統保有個資達10,000筆以上：不符合（本案：500筆）',
    ]);
  });

  it('meets the thresholds by any one condition', () => {
    expect(clock(compute(facts({ ...base, specialCategories: true })), 'pdpa2025-report-72h').thresholds?.met).toBe(true);
    expect(clock(compute(facts({ ...base, recordsAffected: 100 })), 'pdpa2025-report-72h').thresholds?.met).toBe(true);
    const big = clock(compute(facts({ ...base, systemRecordsHeld: 10000 })), 'pdpa2025-report-72h');
    expect(big.thresholds?.met).toBe(true);
    expect(big.applies).toBe(true);
    expect(big.thresholds?.reasons[1]).toBe('受影響個資達100筆以上：未知（本案未填）');
  });

  it('switches the 72-hour rules on with the pdpa-2025-draft profile', () => {
    const f = facts({ ...base, specialCategories: true });
    expect(clock(compute(f), 'pdpa2025-notify-72h').enabled).toBe(false);
    const on = compute(f, { profile: 'pdpa-2025-draft' });
    expect(clock(on, 'pdpa2025-notify-72h').enabled).toBe(true);
    expect(clock(on, 'pdpa2025-report-72h').enabled).toBe(true);
    expect(iso(clock(on, 'pdpa2025-report-72h').statutoryEnd)).toBe('2026-11-08T10:00:00+08:00');
    expect(clock(on, 'pdpa2025-report-72h').legalStatus).toBe('draft');
  });

  it('lets overrides switch single clocks and refuses unknown names', () => {
    const m = compute(facts(base), { overrides: { 'bureau-3d': false, 'cyber-recover': true } });
    expect(clock(m, 'bureau-3d').enabled).toBe(false);
    expect(clock(m, 'cyber-recover').enabled).toBe(true);
    expect(() => compute(facts(base), { profile: 'kindergarten' })).toThrow(UnknownClockSettingError);
    expect(() => compute(facts(base), { overrides: { 'bureau-9d': true } })).toThrow(UnknownClockSettingError);
  });

  it('chooses the cyber recovery period from the incident level (stricter when unknown)', () => {
    const f = facts({ ...base, involvesSystem: true });
    expect(clock(compute(f), 'cyber-recover').period).toEqual({ amount: 36, unit: 'hours' });
    expect(iso(clock(compute({ ...f, cyberLevel: 2 }), 'cyber-recover').statutoryEnd)).toBe('2026-11-08T10:00:00+08:00');
    expect(clock(compute({ ...f, cyberLevel: 3 }), 'cyber-recover').period.amount).toBe(36);
  });

  it('keeps records five years from the day after awareness, without rollover', () => {
    const c = clock(compute(facts(base)), 'records-5y');
    expect(c.kind).toBe('retention');
    expect(c.statutoryLastDay).toBe('2031-11-05');
    expect(c.recommendedBy).toEqual(c.statutoryEnd);
    expect(c.calendarGap).toBeUndefined();
    expect(c.overdueAtAwareness).toBe(false);
  });
});

describe('calendar coverage guard', () => {
  it('places a statutory end in a year without an office calendar on the calendar derived from the rules, marked provisional', () => {
    const c = clock(compute(facts({ occurredAt: at('2027-12-29 09:00'), awareAt: at('2027-12-29 10:00') })), 'bureau-3d');
    // Last day Sat 2028-01-01 (開國紀念日) → Sun → Mon 2028-01-03.
    expect(c.statutoryLastDay).toBe('2028-01-03');
    expect(c.rolledOver).toBe(true);
    expect(c.calendarGap).toBeUndefined();
    expect(c.calendarNote).toContain('尚未經人事行政總處公告確認');
    // Fri 2027-12-31 is the day off for New Year's Day 2028 (a Saturday): the target moves back to Thu 12-30 (issue #13).
    expect(c.recommendedLastDay).toBe('2027-12-30');
  });

  it('flags a year before the derived calendars, bounds its end, and keeps the target off weekends', () => {
    const c = clock(compute(facts({ occurredAt: at('2023-12-28 09:00'), awareAt: at('2023-12-28 10:00') })), 'bureau-3d');
    expect(c.statutoryEnd).toBeNull();
    expect(c.calendarGap?.year).toBe(2023);
    expect(c.calendarGap?.note).toContain('playbooks/calendars/2023.yaml');
    expect(c.calendarGap?.message).toContain('add playbooks/calendars/2023.yaml');
    expect(c.calendarGap?.note).toContain('末日中華民國112年12月31日');
    expect(iso(c.calendarGap?.latestEnd ?? null)).toBe('2024-01-15T00:00:00+08:00');
    // Counted day 3 is Sat 2023-12-30: the target is Fri 12-29.
    expect(c.recommendedLastDay).toBe('2023-12-29');
    expect(c.overdueAtAwareness).toBe(false);
    const late = clock(compute(facts({ occurredAt: at('2023-12-28 09:00'), awareAt: at('2024-01-15 00:00') })), 'bureau-3d');
    expect(late.overdueAtAwareness).toBe(true);
    expect(late.overdueNote).toContain('無論如何順延均已屆滿');
    const almost = clock(compute(facts({ occurredAt: at('2023-12-28 09:00'), awareAt: at('2024-01-14 23:59') })), 'bureau-3d');
    expect(almost.overdueAtAwareness).toBe(false);
  });

  it('refuses outright in strict mode', () => {
    expect(() =>
      computeClocks(rules, facts({ occurredAt: at('2023-12-28 09:00'), awareAt: at('2023-12-28 10:00') }), {
        calendar,
        strictCalendar: true,
      }),
    ).toThrow(CalendarCoverageError);
  });

  it('ends a leap-year month in 2028 on 02-29 (a Tuesday on the derived calendar)', () => {
    const c = clock(
      compute(facts({ occurredAt: at('2027-12-20 08:00'), awareAt: at('2027-12-20 09:00'), handlingEndedAt: at('2028-01-30 10:00') })),
      'closure-1m',
    );
    expect(c.calendarGap).toBeUndefined();
    expect(c.statutoryLastDay).toBe('2028-02-29');
    expect(c.rolledOver).toBe(false);
    expect(c.recommendedLastDay).toBe('2028-02-29');
  });
});

describe('facts validation', () => {
  it('refuses awareness before occurrence and impossible numbers', () => {
    expect(() => compute(facts({ occurredAt: at('2026-11-05 10:00'), awareAt: at('2026-11-05 09:00') }))).toThrow(ClockFactsError);
    expect(() => compute(facts({ occurredAt: at('2026-11-05 10:00'), awareAt: at('2026-11-05 11:00'), recordsAffected: -1 }))).toThrow(
      /recordsAffected must be a whole number/,
    );
    expect(() =>
      compute(facts({ occurredAt: at('2026-11-05 10:00'), awareAt: at('2026-11-05 11:00'), handlingEndedAt: new Date('x') })),
    ).toThrow(/handlingEndedAt must be a valid date/);
  });
});
