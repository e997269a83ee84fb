/**
 * How a notice reaches the people affected: the means 個人資料保護法施行細則第22條第1項 lists (言詞、書面、電話、簡訊、
 * 電子郵件、傳真、電子文件或其他足以使當事人知悉或可得知悉之方式), and, only where notifying each person would cost
 * too much (需費過鉅), a public one (同項但書: 網際網路、新聞媒體或其他適當公開方式, weighing technical feasibility and the
 * people's privacy). The keys are stored on delivery batches: existing keys never change meaning.
 */
export const CHANNELS = ['in-person', 'letter', 'phone', 'sms', 'email', 'fax', 'electronic', 'other', 'public'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CHANNEL_LABELS: Record<Channel, string> = {
  'in-person': '言詞（當面告知）',
  letter: '書面（信件、聯絡簿）',
  phone: '電話',
  sms: '簡訊',
  email: '電子郵件',
  fax: '傳真',
  electronic: '電子文件（校務系統、學習平台等）',
  other: '其他足以使當事人知悉的方式',
  public: '公開方式（網際網路、新聞媒體等；限個別通知需費過鉅時）',
};

/** The rule behind a public notice, quoted where the drafter must give the reason. */
export const PUBLIC_RULE = '個人資料保護法施行細則第22條第1項但書';

/** Why the reason is asked: in the rule's own words. */
export const PUBLIC_REASON_HELP = `選「公開方式」時必填：為何個別通知需費過鉅（${PUBLIC_RULE}），以及如何兼顧當事人的隱私`;

/** Which channels need a free-text description to say what was done. */
export const NEEDS_NOTE: readonly Channel[] = ['other'];

/** Words people type for each channel (the typed fallback 「書面 30/32」). */
export const CHANNEL_WORDS: [RegExp, Channel][] = [
  [/^(言詞|口頭|當面|當面告知|面告|in-person|oral)$/i, 'in-person'],
  [/^(書面|信件|信|聯絡簿|書函|letter)$/i, 'letter'],
  [/^(電話|phone)$/i, 'phone'],
  [/^(簡訊|sms)$/i, 'sms'],
  [/^(電子郵件|email|e-mail|郵件|信箱|電郵)$/i, 'email'],
  [/^(傳真|fax)$/i, 'fax'],
  [/^(電子文件|校務系統|學習平台|electronic)$/i, 'electronic'],
  [/^(其他|其他方式|other)$/i, 'other'],
  [/^(公開|公開方式|公告|網站公告|新聞媒體|public)$/i, 'public'],
];

export function channelFromWord(word: string): Channel | null {
  return CHANNEL_WORDS.find(([re]) => re.test(word.normalize('NFKC').trim()))?.[1] ?? null;
}
