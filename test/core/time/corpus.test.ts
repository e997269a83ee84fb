import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNaturalTime } from '../../../src/core/time/natural.js';

/**
 * The corpus (test/core/time/data/time-expressions.txt) holds times as staff type them, written from how people write,
 * not from the parser's rules. The parsed share is printed; the target is ≥ 95 %.
 */
const NOW = new Date('2026-12-06T21:10:00+08:00');
const lines = readFileSync(join(import.meta.dirname, 'data/time-expressions.txt'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

describe('time expression corpus', () => {
  it('has at least 150 expressions', () => {
    expect(new Set(lines).size).toBeGreaterThanOrEqual(150);
  });

  it('reads at least 95 % of them as a moment in the last two months', () => {
    const failed: string[] = [];
    let approximate = 0;
    for (const text of lines) {
      const r = readNaturalTime(text, NOW);
      // Every line of the corpus is a recent past moment: a reading in the future or months back is a misreading.
      const plausible = r.ok && r.at.getTime() <= NOW.getTime() && NOW.getTime() - r.at.getTime() < 62 * 86_400_000;
      if (!plausible) failed.push(`${text} → ${r.ok ? r.at.toISOString() : r.reason}`);
      else if (r.approximate) approximate += 1;
    }
    const share = (lines.length - failed.length) / lines.length;
    console.log(
      `time corpus: ${lines.length - failed.length}/${lines.length} parsed (${(share * 100).toFixed(1)} %), ` +
        `${approximate} of them approximate; not read: ${failed.join(' | ') || 'none'}`,
    );
    expect(share).toBeGreaterThanOrEqual(0.95);
  });
});
