import { describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH, hashEntry, verifyChain, type ChainedEntry } from '../../../src/core/timeline/chain.js';

function chain(n: number): ChainedEntry[] {
  const out: ChainedEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq += 1) {
    const c = {
      incidentId: 'i1',
      seq,
      at: new Date(Date.UTC(2026, 10, 5, seq)),
      actorId: 'p1',
      actorLabel: '王老師',
      type: 'checklist.done',
      summary: `第${seq}項`,
      detail: { item: `k${seq}`, note: null },
      prevHash: prev,
    };
    const e = { ...c, hash: hashEntry(c) };
    out.push(e);
    prev = e.hash;
  }
  return out;
}

describe('timeline hash chain', () => {
  it('verifies an intact chain', () => {
    expect(verifyChain(chain(5))).toEqual({ ok: true, checked: 5 });
    expect(verifyChain([])).toEqual({ ok: true, checked: 0 });
  });

  it('detects a changed summary, a changed detail, a removed and a reordered entry', () => {
    const a = chain(5);
    a[2] = { ...a[2]!, summary: '竄改' };
    expect(verifyChain(a)).toMatchObject({ ok: false, checked: 2, problem: { seq: 3 } });

    const b = chain(5);
    b[1] = { ...b[1]!, detail: { item: 'k2', note: '事後補寫' } };
    expect(verifyChain(b).problem?.reason).toMatch(/altered/);

    const c = chain(5);
    c.splice(3, 1);
    expect(verifyChain(c)).toMatchObject({ ok: false, problem: { seq: 5 } });

    const d = chain(4);
    [d[1], d[2]] = [d[2]!, d[1]!];
    expect(verifyChain(d).ok).toBe(false);
  });

  it('detects an entry re-hashed after tampering (the next link breaks)', () => {
    const a = chain(4);
    const forged = { ...a[1]!, summary: '偽造' };
    forged.hash = hashEntry(forged);
    a[1] = forged;
    expect(verifyChain(a)).toMatchObject({ ok: false, problem: { seq: 3, reason: expect.stringMatching(/link broken/) } });
  });

  it('hashes canonically: key order does not matter, values do', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } })).toBe('{"a":{"c":[3,{"e":2,"f":1}],"d":2},"b":1}');
    const [e] = chain(1);
    expect(hashEntry({ ...e!, detail: { note: null, item: 'k1' } })).toBe(e!.hash);
    expect(hashEntry({ ...e!, at: new Date(e!.at.getTime() + 1) })).not.toBe(e!.hash);
  });
});
