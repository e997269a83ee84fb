import { describe, expect, it } from 'vitest';
import { maskPersonalData } from '../../../src/core/privacy/mask.js';

/** Taiwanese street addresses are where someone lives: masked whole (city, district, road, number, floor). */
const ADDRESSES: [string, string][] = [
  ['陳小明的家長陳大華，住台北市信義區松仁路100號，電話另告', '陳小明的家長陳大華，住［住址已遮蔽］，電話另告'],
  ['家住忠孝東路四段12巷3弄5號之1 7樓', '家住［住址已遮蔽］'],
  ['寄到高雄市前鎮區中華五路1號3樓', '寄到［住址已遮蔽］'],
  ['新北市板橋區文化路一段25號', '［住址已遮蔽］'],
  ['彰化縣員林市員林里3鄰中正路12號', '［住址已遮蔽］'],
  ['臺中市西屯區台灣大道三段99號', '［住址已遮蔽］'],
  ['地址：宜蘭縣羅東鎮中正北路8號2F', '地址：［住址已遮蔽］'],
  ['林美玲 復興街3號', '林美玲 ［住址已遮蔽］'],
];

/** Look-alikes that are not someone's address: kept as typed. */
const KEPT = [
  '中山路上有車禍，學生從中正路口走回學校',
  '座號15號的同學',
  '依第3號公文辦理',
  '網路12號機房',
  '本校校址：台北市大安區復興南路一段390號',
  '學校位於新北市板橋區文化路一段25號',
  '搭5號公車到校',
];

describe('street addresses in pasted text', () => {
  it.each(ADDRESSES)('masks %s', (typed, expected) => {
    const r = maskPersonalData(typed);
    expect(r.text).toBe(expected);
    expect(r.findings).toContainEqual({ kind: 'address', count: 1 });
  });

  it.each(KEPT)('keeps %s', (typed) => {
    expect(maskPersonalData(typed).text).toBe(typed);
  });

  it('stays linear on long runs of Han characters and digits', () => {
    const long = `${'路'.repeat(20000)}${'中'.repeat(20000)}${'1'.repeat(20000)}號`;
    const t0 = performance.now();
    maskPersonalData(long);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
