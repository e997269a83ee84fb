import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readNaturalTime } from '../../../src/core/time/natural.js';
import { toTaipeiIso } from '../../../src/core/time/taipei.js';

/**
 * Answers written by someone who had not seen the parser, each with what a careful colleague would understand
 * (docs/understanding-times.md, "Measured on fresh answers"). Prints where the parser reads otherwise; the floor is the
 * agreement measured when the round was added, so a change that loses readings fails.
 */
interface Case {
  now: string;
  text: string;
  expect: string;
  approximate?: boolean;
}
const ROUNDS: { round: number; floor: number }[] = [
  { round: 1, floor: 62 },
  { round: 2, floor: 70 },
  { round: 3, floor: 70 },
];

describe.each(ROUNDS)('fresh answers, round $round', ({ round, floor }) => {
  const cases: Case[] = parse(readFileSync(join(import.meta.dirname, `data/fresh-round-${round}.yaml`), 'utf8')).cases;
  it(`reads at least ${floor} of ${cases.length} as a careful colleague would`, () => {
    const differ: string[] = [];
    for (const c of cases) {
      const r = readNaturalTime(c.text, new Date(c.now));
      const got = r.ok ? toTaipeiIso(r.at).slice(0, 16) : 'reject';
      if (got !== String(c.expect)) differ.push(`${c.now.slice(5, 16)}  ${c.text} → ${got} (colleague: ${c.expect})`);
    }
    console.log(
      `fresh round ${round}: ${cases.length - differ.length} / ${cases.length} as a colleague reads them; the others:\n  ${differ.join('\n  ')}`,
    );
    expect(cases.length).toBe(70);
    expect(cases.length - differ.length).toBeGreaterThanOrEqual(floor);
  });
});
