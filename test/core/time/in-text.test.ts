import { describe, expect, it } from 'vitest';
import { findTimesInText } from '../../../src/core/time/in-text.js';
import { toTaipeiIso } from '../../../src/core/time/taipei.js';

const NOW = new Date('2026-12-08T10:40:00+08:00');
const read = (text: string) => findTimesInText(text, NOW).map((t) => [t.text, toTaipeiIso(t.at), t.approximate]);

describe('times inside a longer message', () => {
  it('finds the expression with the words that make it vague, read by the product grammar', () => {
    // 「剛剛發現」 is found too; the offer leaves it out as the time of finding out (offer.ts occurredFrom).
    expect(read('剛剛發現三年二班的成績單被傳到家長LINE群組，大概今天早上8點多傳的，約30位學生')).toEqual([
      ['剛剛', '2026-12-08T10:40:00+08:00', true],
      ['大概今天早上8點多', '2026-12-08T08:00:00+08:00', true],
    ]);
    expect(read('輔導室的名單昨天下午3點左右被貼到學校網站')).toEqual([['昨天下午3點左右', '2026-12-07T15:00:00+08:00', true]]);
    expect(read('今天上午10點半寄給四年級家長的通知信')).toEqual([['今天上午10點半', '2026-12-08T10:30:00+08:00', false]]);
  });

  it('joins adjacent pieces and keeps every expression', () => {
    expect(read('今天早上才發現，上週三下午寄錯了成績單')).toEqual([
      ['今天早上', '2026-12-08T06:00:00+08:00', true],
      ['上週三下午', '2026-12-02T12:00:00+08:00', true],
    ]);
  });

  it('finds what chrono-node misses: 剛剛, weekends, AM/PM first, neighbouring hours and ranges', () => {
    expect(read('剛剛把成績單傳錯群組')).toEqual([['剛剛', '2026-12-08T10:40:00+08:00', true]]);
    expect(read('上週末有人把學生資料貼在PTT上')).toEqual([['上週末', '2026-12-05T00:00:00+08:00', true]]);
    expect(read('PM3:30左右我寄錯信了')).toEqual([['PM3:30左右', '2026-12-07T15:30:00+08:00', true]]);
    expect(read('大概前天晚上八九點的時候，系統被駭了')).toEqual([['大概前天晚上八九點', '2026-12-06T20:00:00+08:00', true]]);
    expect(read('昨天下午三點到四點之間我把名單傳到家長群組')).toEqual([['昨天下午三點到四點', '2026-12-07T15:00:00+08:00', true]]);
  });

  it('reads the time words through typing slips and 注音文, whole (「禮拜ㄧ早上」 is not this morning)', () => {
    expect(read('禮拜ㄧ早上 成績單被傳到家長群組')).toEqual([['禮拜一早上', '2026-12-07T06:00:00+08:00', true]]);
    expect(read('昨天ㄉ晚上有人把名單傳到群組')).toEqual([['昨天的晚上', '2026-12-07T18:00:00+08:00', true]]);
    expect(read('上週五下五 發現名單外流')).toEqual([['上週五下午', '2026-12-04T12:00:00+08:00', true]]);
  });

  it('leaves out a bare clock time, times still to come and messages without a time', () => {
    expect(read('我有3點意見，成績單寄錯了')).toEqual([]);
    expect(read('資訊 team 5 位老師的帳號被盜，成績單寄錯了')).toEqual([]);
    expect(read('明天下午3點要開會')).toEqual([]);
    expect(read('我寄錯信了，把全班成績單寄給所有家長')).toEqual([]);
  });
});
