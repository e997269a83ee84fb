import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { JsonTooDeepError, RejectionLog, isLoopbackAddress, parseJsonBounded, sameSecret } from '../../src/web/guards.js';

describe('request guards', () => {
  it('bounded JSON: the depth is counted outside strings only, and matches JSON.parse below the bound', () => {
    expect(parseJsonBounded('{"a":"[[[[[[","b":"\\"{{{"}', 2)).toEqual({ a: '[[[[[[', b: '"{{{' });
    expect(() => parseJsonBounded('[[[1]]]', 2)).toThrow(JsonTooDeepError);
    expect(parseJsonBounded('[[1]]', 2)).toEqual([[1]]);
    expect(() => parseJsonBounded(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toThrow(/more than 64 levels/);
    fc.assert(
      fc.property(fc.json({ maxDepth: 10 }), (text) => {
        expect(parseJsonBounded(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 200 },
    );
  });

  it('rejections: one line per reason per interval, the rest counted in one line when it ends', () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({
      level: 'info',
      destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    });
    let now = 0;
    const r = new RejectionLog(log, 'probe rejected', 60_000, () => now);
    for (let i = 0; i < 2515; i += 1) r.reject(i % 2 ? 'bad signature' : 'no signature', { bytes: i });
    expect(lines.map((l) => l.reason)).toEqual(['no signature', 'bad signature']);
    now = 61_000;
    r.reject('bad signature');
    expect(lines.slice(2).map((l) => [l.reason, l.suppressed ?? null])).toEqual([
      ['bad signature', 1256],
      ['bad signature', null],
    ]);
    r.flush();
    expect(lines.slice(4).map((l) => [l.reason, l.suppressed])).toEqual([['no signature', 1257]]);
    expect(lines).toHaveLength(5);
  });

  it('loopback addresses and constant-time secrets', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '', undefined, '1127.0.0.1']) expect(isLoopbackAddress(a), String(a)).toBe(false);
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('', 'abc')).toBe(false);
  });
});
