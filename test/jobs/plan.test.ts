import { describe, expect, it } from 'vitest';
import { loadCalendar } from '../../src/core/clocks/calendar.js';
import { computeClocks, type ClockFacts, type ComputedClock } from '../../src/core/clocks/engine.js';
import { loadClockRules } from '../../src/core/clocks/rules.js';
import { parseLocalDateTime } from '../../src/core/time/roc.js';
import { toTaipeiIso } from '../../src/core/time/taipei.js';
import {
  OVERDUE_AT_START,
  afterQuiet,
  backoffMinutes,
  inQuietHours,
  planClock,
  reminderKey,
  slotsToSchedule,
  type ReminderSlot,
} from '../../src/jobs/plan.js';

const rules = loadClockRules();
const calendar = loadCalendar();

const at = (text: string): Date => {
  const d = parseLocalDateTime(text);
  if (!d) throw new Error(`bad test time ${text}`);
  return d;
};

function clockOf(
  id: string,
  f: Partial<ClockFacts> & Pick<ClockFacts, 'occurredAt' | 'awareAt'>,
  overrides: Record<string, boolean> = {},
): ComputedClock {
  const c = computeClocks(rules, { involvesSystem: false, specialCategories: false, ...f }, { calendar, overrides }).find(
    (x) => x.id === id,
  );
  if (!c) throw new Error(`no clock ${id}`);
  return c;
}

const view = (slots: ReminderSlot[]) => slots.map((s) => [s.slot, toTaipeiIso(s.fireAt), s.level]);

describe('reminder plan of an hour clock (contain-4h)', () => {
  const clock = clockOf('contain-4h', { occurredAt: at('2026-11-05 09:30'), awareAt: at('2026-11-05 10:00') });

  it('reminds 1 h and 15 min before the target, at it, then hourly while overdue with escalation', () => {
    const now = at('2026-11-05 10:00');
    expect(view(planClock(clock, { now, calendar }))).toEqual([
      ['before-60m', '2026-11-05T13:00:00+08:00', 0],
      ['before-15m', '2026-11-05T13:45:00+08:00', 0],
      ['due', '2026-11-05T14:00:00+08:00', 0],
      ['overdue-1', '2026-11-05T15:00:00+08:00', 1],
    ]);
  });

  it('plans overdue reminders up to the first one after now: contact window first, then the principal', () => {
    const slots = planClock(clock, { now: at('2026-11-05 16:30'), calendar });
    // Overdue repeats back off (issue #13): 1 h after the target, then 2 h later, then 4 h …
    expect(view(slots.filter((s) => s.kind === 'overdue'))).toEqual([
      ['overdue-1', '2026-11-05T15:00:00+08:00', 1],
      ['overdue-2', '2026-11-05T17:00:00+08:00', 2],
    ]);
    // Only the latest due one and the future ones go to the queue: older due reminders are superseded.
    expect(slotsToSchedule(slots, at('2026-11-05 17:30')).map((s) => s.slot)).toEqual(['overdue-2']);
    expect(view(planClock(clock, { now: at('2026-11-06 12:00'), calendar }).filter((s) => s.kind === 'overdue')).map((s) => s[1])).toEqual([
      '2026-11-05T15:00:00+08:00',
      '2026-11-05T17:00:00+08:00',
      '2026-11-05T21:00:00+08:00',
      '2026-11-06T05:00:00+08:00',
      '2026-11-06T21:00:00+08:00',
    ]);
  });

  it('keys a reminder by incident, clock, slot and planned instant', () => {
    const [first] = planClock(clock, { now: at('2026-11-05 10:00'), calendar });
    expect(reminderKey('inc1', first!)).toBe('rem:inc1:contain-4h:before-60m:2026-11-05T05:00:00.000Z');
  });
});

describe('reminder plan of a day clock (bureau-3d, legal-rules.md §4 worked example)', () => {
  // Occurred Thu 2026-11-05: recommended target Sat 11-07 24:00; statutory end rolled over to Mon 11-09 24:00.
  const clock = clockOf('bureau-3d', { occurredAt: at('2026-11-05 10:00'), awareAt: at('2026-11-05 15:00') });

  it('reminds at 09:00 of the last working day, of the statutory last day (principal), then each working morning', () => {
    // The counted target Sat 11-07 is a rest day: the cautious target is Fri 11-06 (issue #13).
    expect(clock.recommendedLastDay).toBe('2026-11-06');
    expect(clock.statutoryLastDay).toBe('2026-11-09');
    const slots = planClock(clock, { now: at('2026-11-05 15:00'), calendar });
    expect(view(slots)).toEqual([
      // Fri 11-06 09:00 is both the last working day and the yaml's "1 day before": one message.
      ['last-workday', '2026-11-06T09:00:00+08:00', 0],
      ['statutory-day', '2026-11-09T09:00:00+08:00', 2],
      // The last call 2 hours before the statutory end, in the quiet hours (scen1 finding 2).
      ['statutory-soon', '2026-11-09T22:00:00+08:00', 2],
    ]);
  });

  it('skips the weekend when overdue and never reminds at midnight', () => {
    const slots = planClock(clock, { now: at('2026-11-10 12:00'), calendar });
    expect(view(slots.filter((s) => s.kind === 'overdue'))).toEqual([
      // Mon 11-09 09:00 is taken by the statutory-day reminder.
      ['overdue-2', '2026-11-10T09:00:00+08:00', 2],
      ['overdue-3', '2026-11-11T09:00:00+08:00', 2],
    ]);
    expect(slots.filter((s) => s.slot !== 'statutory-soon').every((s) => s.fireAt.getUTCHours() === 1)).toBe(true); // 09:00 Taipei
  });

  it('an incident known only after the target is reminded at once (latest due slot), escalated', () => {
    const late = clockOf('bureau-3d', { occurredAt: at('2026-11-05 10:00'), awareAt: at('2026-11-10 08:00') });
    const now = at('2026-11-10 08:00');
    const queued = slotsToSchedule(planClock(late, { now, calendar }), now);
    expect(view(queued)).toEqual([
      ['statutory-soon', '2026-11-09T22:00:00+08:00', 2],
      ['overdue-2', '2026-11-10T09:00:00+08:00', 2],
    ]);
  });
});

describe('clocks without a deadline reminder', () => {
  it('a clock whose trigger is not known yet (closure-1m before handling ended) plans nothing', () => {
    const c = clockOf('closure-1m', { occurredAt: at('2026-11-05 10:00'), awareAt: at('2026-11-05 11:00') });
    expect(c.pending).toBe(true);
    expect(planClock(c, { now: at('2026-11-05 11:00'), calendar })).toEqual([]);
  });

  it('closure-1m once handling ended: the yaml offsets (7 days, 1 day before) and the last working day', () => {
    // Handling ended 2026-03-10 → 1 month ends 04-10 (Fri); recommended target counts the first day: 04-09.
    const c = clockOf('closure-1m', {
      occurredAt: at('2026-03-01 10:00'),
      awareAt: at('2026-03-01 11:00'),
      handlingEndedAt: at('2026-03-10 16:00'),
    });
    const slots = planClock(c, { now: at('2026-03-10 16:00'), calendar });
    expect(c.recommendedLastDay).toBe('2026-04-09');
    expect(view(slots)).toEqual([
      ['before-7d', '2026-04-02T09:00:00+08:00', 0],
      ['before-1d', '2026-04-08T09:00:00+08:00', 0],
      ['last-workday', '2026-04-09T09:00:00+08:00', 0],
      // The statutory last day (04-10) is the day after the recommended one: the principal is told that morning.
      ['statutory-day', '2026-04-10T09:00:00+08:00', 2],
      ['statutory-soon', '2026-04-10T22:00:00+08:00', 2],
    ]);
  });

  it('switched-off, not applicable and retention clocks plan nothing', () => {
    const f = { occurredAt: at('2026-11-05 10:00'), awareAt: at('2026-11-05 11:00') };
    const now = at('2026-11-05 11:00');
    expect(planClock(clockOf('pdpa2025-notify-72h', f), { now, calendar })).toEqual([]); // draft, off by default
    expect(planClock(clockOf('cyber-1h', f), { now, calendar })).toEqual([]); // no information system
    expect(planClock(clockOf('records-5y', f), { now, calendar })).toEqual([]);
    expect(planClock(clockOf('cyber-1h', { ...f, involvesSystem: true }), { now, calendar }).map((s) => s.slot)).toEqual([
      'before-60m',
      'before-15m',
      'due',
      'overdue-1',
    ]);
  });
});

describe('reminders people do not mute (issue #13)', () => {
  it('quiet hours: a window across midnight, and the time it ends', () => {
    const q = { startMinute: 22 * 60, endMinute: 7 * 60 };
    expect(inQuietHours(at('2026-11-05 21:59'), q)).toBe(false);
    expect(inQuietHours(at('2026-11-05 22:00'), q)).toBe(true);
    expect(inQuietHours(at('2026-11-06 06:59'), q)).toBe(true);
    expect(inQuietHours(at('2026-11-06 07:00'), q)).toBe(false);
    expect(afterQuiet(at('2026-11-05 23:30'), q)).toEqual(at('2026-11-06 07:00'));
    expect(afterQuiet(at('2026-11-06 03:00'), q)).toEqual(at('2026-11-06 07:00'));
    expect(afterQuiet(at('2026-11-06 12:00'), q)).toEqual(at('2026-11-06 12:00'));
    expect(afterQuiet(at('2026-11-06 03:00'), null)).toEqual(at('2026-11-06 03:00'));
  });

  it('a clock already overdue when the incident is created: one notice at creation, nothing before it', () => {
    // 4-hour clock from Tue 11-03 09:00, incident created Thu 11-05 22:30: the notice is at once (hour clock, no quiet).
    const c = clockOf('contain-4h', { occurredAt: at('2026-11-03 08:00'), awareAt: at('2026-11-03 09:00') });
    const slots = planClock(c, { now: at('2026-11-05 22:30'), calendar, createdAt: at('2026-11-05 22:30') });
    expect(slots.every((s) => s.fireAt >= at('2026-11-05 22:30'))).toBe(true);
    // Its statutory end has passed too: the contact window and the principal are told at once (level 2).
    expect(slots[0]).toMatchObject({ slot: OVERDUE_AT_START, kind: 'overdueAtStart', fireAt: at('2026-11-05 22:30'), level: 2 });
    expect(slots.filter((s) => s.kind === 'overdue').map((s) => [s.slot, s.fireAt.toISOString()])).toEqual([
      ['overdue-1', at('2026-11-05 23:30').toISOString()],
    ]);
    // A day clock past its statutory end at a night-time creation waits for 07:00, then working mornings.
    const b = clockOf('bureau-3d', { occurredAt: at('2026-11-02 08:00'), awareAt: at('2026-11-03 09:00') });
    expect(b.statutoryEnd).toEqual(at('2026-11-06 00:00')); // Thu 11-05 24:00
    const day = planClock(b, { now: at('2026-11-06 22:30'), calendar, createdAt: at('2026-11-06 22:30') });
    expect(day[0]).toMatchObject({ slot: OVERDUE_AT_START, fireAt: at('2026-11-07 07:00'), level: 2 });
    expect(day.find((s) => s.slot === 'overdue-1')?.fireAt).toEqual(at('2026-11-09 09:00'));
    // With quiet hours off it is sent at once.
    expect(planClock(b, { now: at('2026-11-06 22:30'), calendar, createdAt: at('2026-11-06 22:30'), quietHours: null })[0]!.fireAt).toEqual(
      at('2026-11-06 22:30'),
    );
  });

  it('a statutory end still ahead is reminded before it, quiet hours notwithstanding (scen1 finding 2)', () => {
    // Occurred Fri 12-04 16:00, known 23:40, entered Mon 12-07 21:34: the target (Fri 24:00) passed, the statutory
    // end is Mon 12-07 24:00. The reminders: at once, and 22:00 — both before the end, none on Tuesday morning first.
    const b = clockOf('bureau-3d', { occurredAt: at('2026-12-04 16:00'), awareAt: at('2026-12-04 23:40') });
    expect(b.statutoryEnd).toEqual(at('2026-12-08 00:00'));
    const created = at('2026-12-07 21:34');
    expect(view(planClock(b, { now: created, calendar, createdAt: created }))).toEqual([
      [OVERDUE_AT_START, '2026-12-07T21:34:00+08:00', 1],
      ['statutory-soon', '2026-12-07T22:00:00+08:00', 2],
      ['overdue-1', '2026-12-08T09:00:00+08:00', 2],
    ]);
    // Entered at 23:10 (quiet hours, after the 22:00 call): the notice still goes at once, not at 07:00.
    const night = at('2026-12-07 23:10');
    expect(view(planClock(b, { now: night, calendar, createdAt: night }))[0]).toEqual([OVERDUE_AT_START, '2026-12-07T23:10:00+08:00', 1]);
  });

  it('overdue repeats of hour clocks back off to daily', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((k) => backoffMinutes(60, k))).toEqual([60, 180, 420, 900, 1860, 3300, 4740]);
  });
});
