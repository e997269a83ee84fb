import { chineseNumeral, replaceChineseNumerals } from './numerals.js';
import { fixSlips } from './slips.js';
import type { Period } from './typed-date.js';

/**
 * The words of a typed time (natural.ts reads the grammar they make): the text normalised (NFKC, Chinese numerals as
 * digits, typing slips set right, vague words noted and removed, filler and particles dropped), the parts of the day,
 * and a clock time with the hour it gives in a part of the day.
 */

/** Words for a part of the day, longest first, mapped to the period whose rules they follow. */
export const PERIOD_WORDS: [string, Period][] = [
  ['凌晨', '凌晨'],
  ['半夜', '半夜'],
  ['午夜', '午夜'],
  ['清晨', '清晨'],
  ['早上', '早上'],
  ['早晨', '早上'],
  ['上午', '上午'],
  ['中午', '中午'],
  ['午間', '中午'],
  ['下午', '下午'],
  ['午後', '下午'],
  ['傍晚', '傍晚'],
  ['黃昏', '傍晚'],
  ['晚上', '晚上'],
  ['晚間', '晚上'],
  ['夜間', '晚上'],
  ['夜裡', '晚上'],
  ['深夜', '深夜'],
  ['早', '早上'],
  ['晚', '晚上'],
  ['夜', '晚上'],
];

/** Words that make a time approximate; they are removed before reading the rest. */
const APPROX_WORDS = /(不太確定|不確定|不記得|左右|前後|上下|附近|大約|大概|大致|約莫|差不多|估計|應該是|可能是|好像是|似乎是|約略|約)/g;
/** Not knowing the day or the hour (「不確定哪天」「忘了幾點」): what was said is the start, approximate. */
const UNKNOWN_PART = /(?:忘了|記不(?:太)?清楚|記不得)?\s*(?:是)?(?<![\d十])(?:哪1天|哪天|幾號|幾點|星期幾|禮拜幾)/g;
/** 「禮拜二還是禮拜三我忘了」: not remembering, after what was said, makes it approximate. */
const FORGOT = /(?:我)?(?:忘了|忘記了|不記得了)(?=\s|$)/g;
/** Words for coming up to an hour: 快、快要、快到、將近、接近. */
const NEARLY = '(?:快要|快到|快|將近|接近)';
const APPROACHING_RANGE = new RegExp(
  `(\\d{1,2}\\s*[點点時时](?:\\s*(?:多|半|\\d{1,2}\\s*分?))?)\\s*${NEARLY}\\s*\\d{1,2}\\s*[點点時时]了?`,
  'g',
);
const APPROACHING = new RegExp(`${NEARLY}\\s*(\\d{1,2})\\s*[點点時时]了?(?!\\s*(?:\\d|半|多|整))`, 'g');
/** Sentence-final particles (「月初的時候吧」「昨天啦」): they carry no time. */
const PARTICLES = /\s*(?:吧|啦|喔|哦|耶|欸|囉|咧|呀|啊|嗯)+(?=\s|$)/g;
/** Filler that carries no time: 「在」「於」 at the start, 「的時候」, 「發現的」. */
const FILLER = /(^(?:在|於|是)|的時候|之時|的時間|發生|發現|時候|那天|當天|的)/g;

export interface TimePart {
  h: number;
  mi: number;
  approximate: boolean;
  /** Written so that it can only be the 24-hour clock: 09:30 (a leading zero), 0:15, 15:30. */
  twentyFour: boolean;
}
export function readPeriod(s: string): { period: Period; rest: string } | null {
  for (const [word, period] of PERIOD_WORDS) {
    if (s.startsWith(word)) return { period, rest: s.slice(word.length) };
  }
  return null;
}

/** Reads a clock time at the start of `s`: 15:30, 3點, 3點半, 3點15分, 3點1刻, 3點多, 3時30分, 3pm. */
export function readTime(s: string): { part: TimePart; rest: string } | 'invalid' | null {
  let m = /^(\d{1,2})\s*:\s*(\d{2})(?:\s*:\s*(\d{2}))?/.exec(s);
  if (m) {
    const h = Number(m[1]);
    const mi = Number(m[2]);
    if (h > 24 || mi > 59 || (h === 24 && mi > 0)) return 'invalid';
    // 「09:30」「15:30」 say the 24-hour clock; 「3:30」「3 : 30」「11:30」 say no more than 「3點半」 does, so they get the
    // same choice of the half of the day (hourIn).
    const twentyFour = m[1]!.startsWith('0') || h === 0 || h > 12;
    return { part: { h, mi, approximate: false, twentyFour }, rest: s.slice(m[0].length) };
  }
  m = /^(\d{1,2})\s*(?:點|点|時|时)\s*(?:鐘|钟)?\s*(?:(整)|(半)|(多)|(\d)\s*刻|(\d{1,2})\s*(幾)?\s*(?:分|分鐘)?(多)?)?/.exec(s);
  if (m) {
    const h = Number(m[1]);
    const mi = m[3] ? 30 : m[5] ? Number(m[5]) * 15 : m[6] ? Number(m[6]) : 0;
    if (h > 24 || mi > 59 || (h === 24 && mi > 0)) return 'invalid';
    return { part: { h, mi, approximate: !!(m[4] || m[7] || m[8]), twentyFour: false }, rest: s.slice(m[0].length) };
  }
  return null;
}

/**
 * The hour of the day for `h` said with `period` (下午3點 → 15, 晚上12點 → 24 i.e. the next midnight,
 * 凌晨12點 → 0), or null when they do not go together (下午9點 is fine as 21:00; 上午15點 is not).
 */
export function hourIn(period: Period | undefined, h: number, twentyFour: boolean): { hour: number; guessed: boolean } | null {
  if (period === undefined) {
    // 15:30, 09:30, 0點 are unambiguous; 「3:30」 is not (a colon says nothing of the half of the day).
    if (twentyFour || h === 0 || h > 12) return { hour: h, guessed: false };
    // 「3點」 without 上午/下午: school hours (07:00–18:59) decide; the person confirms.
    return { hour: h <= 6 ? h + 12 : h, guessed: true };
  }
  if (h > 12) {
    // 「下午15:30」: already 24-hour; accept it only where it agrees with the period.
    const pm = period === '下午' || period === '傍晚' || period === '晚上' || period === '深夜' || period === '中午';
    return pm ? { hour: h, guessed: false } : null;
  }
  switch (period) {
    case '凌晨':
    case '清晨':
    case '早上':
    case '上午':
      return { hour: h === 12 && period === '凌晨' ? 0 : h, guessed: false };
    case '中午':
      return { hour: h <= 2 ? h + 12 : h, guessed: false };
    case '下午':
    case '傍晚':
      return { hour: h === 12 ? 12 : h + 12, guessed: false };
    case '晚上':
    case '深夜':
    case '半夜':
    case '午夜':
      // 晚上12點 / 半夜12點 is the midnight that ends the day; 晚上1點 is the small hours after it, while 半夜2點 and
      // 深夜2點 are read on the day named (as 凌晨2點 is: the earlier, cautious reading).
      if (h === 12) return { hour: 24, guessed: false };
      if (h <= 4 || (h === 5 && period !== '晚上')) return { hour: period === '晚上' ? h + 24 : h, guessed: false };
      return { hour: h + 12, guessed: false };
  }
}

/** NFKC, lower case, Chinese numerals as digits, punctuation as spaces; the approximate words found. */
export function normalise(text: string): { s: string; approximate: boolean } {
  let s = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u200b\ufeff]/g, '');
  s = s.replace(/[，,、。！!？?]+/g, ' ').trim();
  s = fixSlips(s);
  // Early-morning words with 一 in them, before 一 becomes a digit: 一早、一大早、一早上 (早上), 清早、大清早 (清晨) —
  // not the 一 of a number or a day (「十一早上」「禮拜一早上」「初一早上」).
  s = s.replace(/(?<![\d〇零一二兩两三四五六七八九十百拜期週周第初月號日])一大?早(?:上|晨)?/g, '早上').replace(/(?:一)?大?清早/g, '清晨');
  let approximate = false;
  // Two neighbouring numbers said together (「八九點」「兩三天前」「三四個小時前」): the earlier reading, approximate.
  s = s.replace(
    /([一二兩两三四五六七八九])([二三四五六七八九])(?=\s*(點|点|時|时|天|日|個|个|小時|分鐘|分|週|周|星期|禮拜))/g,
    (all, a: string, b: string, unit: string) => {
      const x = chineseNumeral(a);
      const y = chineseNumeral(b);
      if (x === null || y !== x + 1) return all;
      approximate = true;
      // A clock time (「八九點」) starts at the first; a count back (「兩三天前」「這兩三天」) reaches furthest with the second.
      return /^(點|点|時|时|分)$/.test(unit) ? a : b;
    },
  );
  s = replaceChineseNumerals(s);
  // 「pm3:30」「PM 3點」 → 下午3點30
  s = s.replace(
    /(?<![a-z])([ap])\.?m\.?\s*(\d{1,2})(?::(\d{2}))?/g,
    (_, ap: string, h: string, mi: string | undefined) => `${ap === 'a' ? '上午' : '下午'}${h}點${mi ?? ''}`,
  );
  // 3pm, 9:30 a.m. → 下午3點, 上午9點30
  s = s.replace(
    /(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?(?![a-z])/g,
    (_, h: string, mi: string | undefined, ap: string) => `${ap === 'a' ? '上午' : '下午'}${h}點${mi ?? ''}`,
  );
  // 「十點多快十一點」「3點半將近4點」: a time said as approaching the next, a range read from its start (the first).
  s = s.replace(APPROACHING_RANGE, (_, first: string) => {
    approximate = true;
    return first;
  });
  // 「快三點」「將近三點」: the half hour before (the start of what "nearly" covers, the cautious reading).
  s = s.replace(APPROACHING, (_, h: string) => {
    approximate = true;
    const n = Number(h);
    return `${n <= 1 ? n + 11 : n - 1}點半`;
  });
  s = s.replace(APPROX_WORDS, () => {
    approximate = true;
    return ' ';
  });
  s = s.replace(UNKNOWN_PART, () => {
    approximate = true;
    return ' ';
  });
  s = s.replace(FORGOT, () => {
    approximate = true;
    return ' ';
  });
  s = s.replace(PARTICLES, ' ');
  s = s.trim().replace(FILLER, ' ');
  return { s: s.replace(/\s+/g, ' ').trim(), approximate };
}
