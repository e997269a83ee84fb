/**
 * Typing slips around the time words, set right before the grammar reads them (natural.ts). People answer on phones
 * with a zhuyin (注音) keyboard, so the slips are of two families:
 *
 * - 注音文: a zhuyin symbol typed for the character it spells — ㄧ (the vowel i, which looks like 一) for 一 in day
 *   and number words (「禮拜ㄧ」「ㄧ點」), ㄉ for 的 and ㄌ for 了 (「昨天ㄉ晚上」).
 * - the same syllable picked from the wrong candidate: 晚尚/早尚 for 晚上/早上 (ㄕㄤˋ), 下五/中五/上五 for 下午…
 *   (ㄨˇ, also 下舞), 禮敗 for 禮拜 (ㄅㄞˋ), 星其 for 星期 (ㄑㄧ), 作天/做天 for 昨天 (ㄗㄨㄛ, the tone missed), 昨填 for
 *   昨天 (ㄊㄧㄢ), and the clock's own words as a family: 9電／9店 for 9點 (ㄉㄧㄢ), 點辦／點伴 for 點半 (ㄅㄢ), 15份 for 15分
 *   (ㄈㄣ).
 * - a look-alike character (handwriting input, a candidate picked by its shape): 下牛 for 下午, 令天 for 今天.
 *
 * Only these words are changed, never a character standing alone, so other text is left as it was and still refused.
 */
const SLIPS: [RegExp, string][] = [
  // ㄧ next to a number or day word: the digit 一 (禮拜ㄧ, 週ㄧ, ㄧ點, 十ㄧ月, 前ㄧ天, 第ㄧ節).
  [/(?<=[週周期拜第十前後后上這这])ㄧ|ㄧ(?=\s*(?:[點点時时號号日月天節个個]|小時|週|周|星期|禮拜|\d|[〇一二兩三四五六七八九十]))/g, '一'],
  [/ㄉ/g, '的'],
  [/ㄌ/g, '了'],
  [/([早晚])尚/g, '$1上'],
  // 下五 not followed by a clock word of its own (「下五點」 is read as 下午 only when a number follows: 「下五三點」).
  [/([上下中])[五舞](?![點点時时分])/g, '$1午'],
  // The homophones of 點 (ㄉㄧㄢˇ, the tone missed: 電 店 墊 殿 惦 典), of 半 after it (ㄅㄢˋ/ㄅㄢ: 辦 伴 拌 扮 絆 班 般)
  // and of 分 after its minutes (ㄈㄣ: 份 芬 紛 粉): only right after a number, and where a time word or the end follows,
  // so 「3電話」「3點辦公室」「3份資料」 stay as they were.
  [/(?<=[\d〇一二兩三四五六七八九十]\s*)[電店墊殿惦典](?=$|\s|\d|[〇一二兩三四五六七八九十半整多左前後的許鐘辦伴拌扮絆班般])/g, '點'],
  [/(?<=[點点時时]\s*)[辦伴拌扮絆班般](?=$|\s|[左多前後的許])/g, '半'],
  [/(?<=[點点時时]\s*[\d〇一二兩三四五六七八九十]{1,3}\s*)[份芬紛粉](?=$|\s|[鐘左多前後的許])/g, '分'],
  // 作天／做天晚上 (ㄗㄨㄛ, the tone missed), 令天 (looks like 今天): only where a word starts, so 「工作天」 stays.
  [/(?<=^|[\s是在就那])[作做](?=天|晚)/g, '昨'],
  [/(?<=^|[\s是在就那])令(?=天|晚|早)/g, '今'],
  // 昨填／今添／前田 for 昨天… (ㄊㄧㄢ, the tone missed): after a day word only, where a time or the end follows.
  [/(?<=(?:^|[\s是在就那])(?:[昨今前明]|大前))[添填田甜恬](?=$|\s|\d|[〇一二兩三四五六七八九十早上中下午傍晚夜半凌深清的])/g, '天'],
  // 下牛 (looks like 下午), as 下五 above, where a time or the end follows (「下牛排」 stays).
  [/([上下中])牛(?=$|\s|\d|[〇一二兩三四五六七八九十點点時时的左前多])/g, '$1午'],
  [/禮敗|理拜/g, '禮拜'],
  [/星其/g, '星期'],
];

/** `text` with the slips set right; every replacement keeps the length, so positions found in it hold in the original. */
export function fixSlips(text: string): string {
  let s = text;
  for (const [re, to] of SLIPS) s = s.replace(re, to);
  return s;
}
