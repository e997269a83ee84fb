import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readNaturalTime } from '../../../src/core/time/natural.js';
import { toTaipeiIso } from '../../../src/core/time/taipei.js';

/**
 * Answers written by someone who had not seen the parser, each with what a careful colleague would understand
 * (docs/understanding-times.md, "Measured on fresh answers"). Prints where the parser reads otherwise; the floor is the
 * agreement measured when the round was added, so a change that loses readings fails. From round 4 on, the writer gives
 * a tolerance for vague answers (`tol`: minutes either side, or `day`: the same date) and the approximate flag counts.
 */
interface Case {
  now: string;
  text: string;
  expect: string;
  approximate?: boolean;
  tol?: number | 'day';
}
const ROUNDS: { round: number; floor: number; flags: boolean }[] = [
  { round: 1, floor: 62, flags: false },
  { round: 2, floor: 70, flags: false },
  { round: 3, floor: 70, flags: false },
  { round: 4, floor: 70, flags: true },
  { round: 5, floor: 70, flags: true },
];

const MINUTE = 60_000;
const instant = (minute: string) => Date.parse(`${minute}:00+08:00`);

/** Whether `got` (a Taipei minute, or 'reject') is what the case expects, within its tolerance. */
function agrees(c: Case, got: string): boolean {
  if (got === 'reject' || c.expect === 'reject' || c.tol === undefined) return got === String(c.expect);
  if (c.tol === 'day') return got.slice(0, 10) === c.expect.slice(0, 10);
  return Math.abs(instant(got) - instant(c.expect)) <= c.tol * MINUTE;
}

describe.each(ROUNDS)('fresh answers, round $round', ({ round, floor, flags }) => {
  const cases: Case[] = parse(readFileSync(join(import.meta.dirname, `data/fresh-round-${round}.yaml`), 'utf8')).cases;
  it(`reads at least ${floor} of ${cases.length} as a careful colleague would`, () => {
    const differ: string[] = [];
    for (const c of cases) {
      const r = readNaturalTime(c.text, new Date(c.now));
      const got = r.ok ? toTaipeiIso(r.at).slice(0, 16) : 'reject';
      const flagged = !flags || !r.ok || c.approximate === undefined || r.approximate === c.approximate;
      if (!agrees(c, got) || !flagged) {
        const mark = (x: boolean | undefined) => (flags && x ? ' ~' : '');
        differ.push(
          `${c.now.slice(5, 16)}  ${c.text} → ${got}${mark(r.ok && r.approximate)} (colleague: ${c.expect}${mark(c.approximate)})`,
        );
      }
    }
    console.log(
      `fresh round ${round}: ${cases.length - differ.length} / ${cases.length} as a colleague reads them; the others:\n  ${differ.join('\n  ')}`,
    );
    expect(cases.length).toBe(70);
    expect(cases.length - differ.length).toBeGreaterThanOrEqual(floor);
  });
});
