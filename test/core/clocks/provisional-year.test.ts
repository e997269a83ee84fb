import { describe, expect, it } from 'vitest';
import { buildCalendar, loadCalendar } from '../../../src/core/clocks/calendar.js';
import { taipeiNewMoonNear } from '../../../src/core/clocks/new-moon.js';
import { lunarDay, provisionalYear, qingming } from '../../../src/core/clocks/provisional-year.js';

const official = loadCalendar();
const derived = (year: number) => {
  const data = provisionalYear(year);
  if (!data) throw new Error(`no derived calendar for ${year}`);
  return buildCalendar([{ file: `derived-${year}`, data }]);
};
const daysOf = (year: number): string[] => {
  const out: string[] = [];
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
};
const restDays = (year: number, cal: { isRestDay(d: string): boolean }) => daysOf(year).filter((d) => cal.isRestDay(d));

describe('provisional calendar derived from 紀念日及節日實施條例 and the 補假 rules', () => {
  it('reproduces the rest days of the official 2025–2027 tables, except the listed make-up day and law change', () => {
    // 2025: 02-08 was a make-up working Saturday (補行上班) for the adjusted 01-27, which the rules cannot foresee;
    // 勞動節 05-01 became a day off for government offices only with the 114-05-28 amendment (after that day).
    const exceptions: Record<number, string[]> = { 2025: ['2025-02-08', '2025-05-01'], 2026: [], 2027: [] };
    for (const year of [2025, 2026, 2027]) {
      const gen = derived(year);
      const differ = daysOf(year).filter((d) => official.isRestDay(d) !== gen.isRestDay(d));
      expect(differ, String(year)).toEqual(exceptions[year]);
    }
  });

  it('derives 2028 and 2029 (Lunar New Year, 兒童節 with 清明 on one day, weekend 補假)', () => {
    const y2028 = derived(2028);
    expect(
      restDays(2028, y2028).filter((d) => ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay())), // weekday rest days
    ).toEqual([
      '2028-01-24',
      '2028-01-25',
      '2028-01-26',
      '2028-01-27',
      '2028-01-28', // 除夕前一日 … 初三 (春節 01-26)
      '2028-02-28',
      '2028-04-03',
      '2028-04-04', // 兒童節 the day before 清明 04-04 (Tue)
      '2028-05-01',
      '2028-05-29', // 端午 Sun 05-28 → Mon
      '2028-09-28',
      '2028-10-03', // 中秋
      '2028-10-10',
      '2028-10-25',
      '2028-12-25',
    ]);
    // 開國紀念日 2028 falls on a Saturday: its day off (Fri 2027-12-31) is in the official 2027 table.
    expect(official.holidayName('2027-12-31')).toContain('補假');
    const y2029 = derived(2029);
    expect(y2029.holidayName('2029-02-13')).toBe('春節（初一）');
    expect(y2029.isRestDay('2029-02-11')).toBe(true); // 除夕前一日, a Sunday …
    expect(y2029.describe('2029-02-16').entry?.kind).toBe('substitute'); // … given after 初三
    expect(y2029.isRestDay('2029-02-19')).toBe(false);
    expect(y2029.describe('2029-06-15').entry?.kind).toBe('substitute'); // 端午 Sat 06-16
    expect(y2029.describe('2029-09-21').entry?.kind).toBe('substitute'); // 中秋 Sat 09-22
    expect(y2029.describe('2029-04-03').entry?.name).toContain('兒童節');
    for (const [year, cal] of [
      [2028, y2028],
      [2029, y2029],
    ] as const) {
      expect(daysOf(year).every((d) => cal.describe(d).provisional)).toBe(true);
    }
  });

  it('puts the Thursday case of 兒童節 with 清明 on the day after, and stays off weekends with every 補假', () => {
    // 2024 (old rules, official): 04-04 a Thursday → 兒童節 on Fri 04-05; the derivation gives the same for 2024's dates.
    expect(qingming(2024)).toBe('2024-04-04');
    for (let year = 2028; year <= 2060; year++) {
      const data = provisionalYear(year);
      for (const h of data?.holidays ?? []) {
        const wd = new Date(`${h.date}T00:00:00Z`).getUTCDay();
        if (h.kind === 'substitute') expect(wd === 0 || wd === 6, `${year} ${h.date} ${h.name}`).toBe(false);
      }
    }
    const thursday = [...Array(80).keys()]
      .map((i) => 2028 + i)
      .find((y) => qingming(y) === `${y}-04-04` && new Date(`${y}-04-04T00:00:00Z`).getUTCDay() === 4);
    expect(thursday).toBeDefined();
    const cal = derived(thursday as number);
    expect(cal.holidayName(`${thursday}-04-05`)).toContain('兒童節');
    expect(cal.isRestDay(`${thursday}-04-03`)).toBe(false);
  });

  it('computes 清明 and the lunar days as published (ICU months, the new moon day of Taipei)', () => {
    expect([2024, 2025, 2026, 2027, 2028, 2029, 2030].map(qingming)).toEqual([
      '2024-04-04',
      '2025-04-04',
      '2026-04-05',
      '2027-04-05',
      '2028-04-04',
      '2029-04-04',
      '2030-04-05',
    ]);
    // 春節 2024–2040 as published (中央氣象署 / 農民曆); ICU 78 alone gives 2027-02-07 and 2030-02-02.
    const springFestival = [
      '2024-02-10',
      '2025-01-29',
      '2026-02-17',
      '2027-02-06',
      '2028-01-26',
      '2029-02-13',
      '2030-02-03',
      '2031-01-23',
      '2032-02-11',
      '2033-01-31',
      '2034-02-19',
      '2035-02-08',
      '2036-01-28',
      '2037-02-15',
      '2038-02-04',
      '2039-01-24',
      '2040-02-12',
    ];
    expect(springFestival.map((d) => lunarDay(Number(d.slice(0, 4)), 1, 1))).toEqual(springFestival);
    expect(springFestival.map(taipeiNewMoonNear)).toEqual(springFestival);
    // 端午 and 中秋 of the official tables.
    expect([lunarDay(2025, 5, 5), lunarDay(2026, 5, 5), lunarDay(2027, 5, 5)]).toEqual(['2025-05-31', '2026-06-19', '2027-06-09']);
    expect([lunarDay(2025, 8, 15), lunarDay(2026, 8, 15), lunarDay(2027, 8, 15)]).toEqual(['2025-10-06', '2026-09-25', '2027-09-15']);
  });

  it('derives nothing before 2025 (older holiday rules): such a year needs its file', () => {
    expect(provisionalYear(2024)).toBeNull();
    expect(provisionalYear(2100)).toBeNull();
    expect(official.describe('2024-02-17').entry?.kind).toBe('workday'); // 2024.yaml: make-up working Saturday
    expect(official.describe('2024-02-17').provisional).toBe(false);
  });
});
