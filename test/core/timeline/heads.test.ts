import { describe, expect, it } from 'vitest';
import { HeadsFileError, parseHeads } from '../../../src/core/timeline/heads.js';

describe('chain heads kept outside the database', () => {
  const hash = 'ab'.repeat(32);

  it("reads an export's chain-head.json, a list of them, and a daily digest's text", () => {
    expect(
      parseHeads(JSON.stringify({ schoolId: 's1', ref: '115-001', incidentId: 'i1', entries: 12, headHash: hash.toUpperCase() })),
    ).toEqual([{ schoolId: 's1', ref: '115-001', incidentId: 'i1', entries: 12, headHash: hash }]);
    expect(
      parseHeads(
        JSON.stringify([{ ref: 'a', entries: 1, headHash: hash }, { heads: [{ ref: 'b', entries: 2, headHash: hash.slice(0, 16) }] }]),
      ).map((h) => h.ref),
    ).toEqual(['a', 'b']);
    const digest = [
      '【每日個資事件摘要】中華民國115年11月6日',
      '',
      '■ 個資事件 115-001（已通報）',
      `  紀錄鏈：7 筆，鏈頭 ${hash.slice(0, 16)}`,
      '  ・「3日內通報主管機關」期限 115/11/07（六）24:00（還有1天15小時）',
      '',
      '■ 個資事件 115-002（處理中）',
      `  紀錄鏈：3 筆，鏈頭 ${'cd'.repeat(8)}`,
    ].join('\n');
    expect(parseHeads(digest)).toEqual([
      { schoolId: null, ref: '115-001', incidentId: null, entries: 7, headHash: hash.slice(0, 16) },
      { schoolId: null, ref: '115-002', incidentId: null, entries: 3, headHash: 'cd'.repeat(8) },
    ]);
  });

  it('refuses files it cannot use, saying what a head needs', () => {
    expect(() => parseHeads('{not json')).toThrow(HeadsFileError);
    expect(() => parseHeads(JSON.stringify({ ref: 'a', entries: 1, headHash: 'abc' }))).toThrow(/16–64 hex characters/);
    expect(() => parseHeads(JSON.stringify({ ref: 'a', entries: -1, headHash: hash }))).toThrow(/"entries"/);
    expect(() => parseHeads('hello')).toThrow(/No chain heads found/);
  });
});
