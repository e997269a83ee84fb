import type { messagingApi } from '@line/bot-sdk';
import type { Button, Card, CardRow, CardSection, Form, OutboundMessage, TextMessage, Tone } from '../../src/ports/chat-model.js';

/**
 * The core's neutral messages as LINE messages: text with quick replies, cards as Flex bubbles (a carousel when a
 * card has more rows than a phone screen comfortably shows), forms as text (LINE has no forms: the adapter declares
 * maxFormFields 0, so the core asks step by step; a form that still arrives is explained, not dropped).
 *
 * Limits from the LINE Messaging API reference, also enforced by the fake platform in the tests.
 */
export const LINE_LIMITS = {
  messagesPerRequest: 5,
  textLength: 5000,
  altTextLength: 1500,
  quickReplyItems: 13,
  actionLabel: 20,
  postbackData: 300,
  messageActionText: 300,
  uri: 1000,
  carouselBubbles: 12,
  bubbleBytes: 30_000,
  carouselBytes: 50_000,
} as const;

/** Rows per bubble: longer cards become a carousel. */
const ROWS_PER_BUBBLE = 6;

const TONE_COLORS: Record<Tone, string> = { info: '#1E5AA8', success: '#1B7F3B', warning: '#A35C00', danger: '#B42318' };
const STATUS_MARKS: Record<NonNullable<CardRow['status']>, string> = { open: '☐', done: '✅', na: '➖', overdue: '⚠️', pending: '⏳' };
const MUTED = '#666666';

export type LineMessage = messagingApi.Message;
type Component = messagingApi.FlexComponent;
type Box = messagingApi.FlexBox;
type Bubble = messagingApi.FlexBubble;

export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** A button's action: `say:` answers are sent as the person's own message, everything else as a postback. */
export function lineAction(b: Button): messagingApi.Action {
  const label = clip(b.label, LINE_LIMITS.actionLabel);
  if (b.url) {
    // A link button (a signed download link): LINE opens it in its browser.
    if (b.url.length > LINE_LIMITS.uri) throw new Error(`Link of ${b.url.length} characters; LINE URI actions allow ${LINE_LIMITS.uri}.`);
    return { type: 'uri', label, uri: b.url } as messagingApi.URIAction;
  }
  if (b.action.startsWith('say:')) {
    return { type: 'message', label, text: clip(b.action.slice(4), LINE_LIMITS.messageActionText) } as messagingApi.MessageAction;
  }
  if (b.action.length > LINE_LIMITS.postbackData) {
    throw new Error(
      `Action "${b.action.slice(0, 40)}…" is ${b.action.length} characters; LINE postback data allows ${LINE_LIMITS.postbackData}. Keep action strings short (ids only).`,
    );
  }
  return { type: 'postback', label, data: b.action, displayText: label } as messagingApi.PostbackAction;
}

export interface RenderOptions {
  /** The destination is a group or multi-person chat: mentions become LINE mentions (textV2). */
  group?: boolean;
}

export function toLineMessages(message: OutboundMessage, opts: RenderOptions = {}): LineMessage[] {
  if (message.type === 'text') return [(opts.group && mentionMessage(message)) || textMessage(message)];
  if (message.type === 'card') return flexMessages(message);
  return [formAsText(message)];
}

function textMessage(m: TextMessage): LineMessage {
  const msg: messagingApi.TextMessage = { type: 'text', text: clip(m.text || ' ', LINE_LIMITS.textLength) };
  const quick = quickReply(m.quickReplies);
  return quick ? { ...msg, quickReply: quick } : msg;
}

/** LINE allows this many substitutions (mentions and emoji) in one textV2 message. */
const MAX_SUBSTITUTIONS = 100;

/**
 * A text naming people as a textV2 message: each mention's text becomes a `{key}` placeholder that LINE shows as the
 * person's @name and notifies them; literal braces are doubled (`{{`, `}}`), as textV2 requires. Null when no mention
 * has a LINE account (the plain text is sent instead).
 */
export function mentionMessage(m: TextMessage): LineMessage | null {
  const mentions = (m.mentions ?? [])
    .map((x) => ({ text: x.text, userId: x.users.find((u) => u.platform === 'line')?.externalId }))
    .filter((x): x is { text: string; userId: string } => !!x.userId && x.text.length > 0 && m.text.includes(x.text))
    .sort((a, b) => b.text.length - a.text.length);
  if (mentions.length === 0) return null;
  const source = clip(m.text || ' ', LINE_LIMITS.textLength);
  const keys = new Map<string, string>();
  const substitution: Record<string, messagingApi.MentionSubstitutionObject> = {};
  let text = '';
  for (let i = 0; i < source.length; ) {
    const hit = mentions.find((x) => source.startsWith(x.text, i));
    if (hit && (keys.has(hit.userId) || keys.size < MAX_SUBSTITUTIONS)) {
      let key = keys.get(hit.userId);
      if (!key) {
        key = `m${keys.size}`;
        keys.set(hit.userId, key);
        substitution[key] = { type: 'mention', mentionee: { type: 'user', userId: hit.userId } as messagingApi.UserMentionTarget };
      }
      text += `{${key}}`;
      i += hit.text.length;
      continue;
    }
    const ch = source[i]!;
    text += ch === '{' ? '{{' : ch === '}' ? '}}' : ch;
    i += 1;
  }
  const msg: messagingApi.TextMessageV2 = { type: 'textV2', text, substitution };
  const quick = quickReply(m.quickReplies);
  return quick ? { ...msg, quickReply: quick } : msg;
}

function quickReply(buttons: Button[] | undefined): messagingApi.QuickReply | undefined {
  if (!buttons || buttons.length === 0) return undefined;
  return { items: buttons.slice(0, LINE_LIMITS.quickReplyItems).map((b) => ({ type: 'action', action: lineAction(b) })) };
}

function formAsText(f: Form): LineMessage {
  const lines = [`【${f.title}】`, f.intro ?? '', 'LINE 無法顯示表單，請改用逐題回答（輸入「說明」查看指令），或在電腦版填寫。'];
  lines.push(...f.fields.map((field, i) => `${i + 1}. ${field.label}${field.required ? '' : '（可略過）'}`));
  const msg: messagingApi.TextMessage = { type: 'text', text: clip(lines.filter(Boolean).join('\n'), LINE_LIMITS.textLength) };
  const quick = quickReply(f.cancelAction ? [{ label: '取消', action: f.cancelAction }] : undefined);
  return quick ? { ...msg, quickReply: quick } : msg;
}

// ---------------------------------------------------------------- Flex

function text(t: string, extra: Partial<messagingApi.FlexText> = {}): messagingApi.FlexText {
  return { type: 'text', text: t.trim() === '' ? ' ' : clip(t, 2000), wrap: true, size: 'sm', ...extra };
}

function box(layout: Box['layout'], contents: Component[], extra: Partial<Box> = {}): Box {
  return { type: 'box', layout, contents, ...extra };
}

function buttonRow(buttons: Button[]): Box {
  return box(
    'horizontal',
    buttons.map((b) => ({
      type: 'button',
      action: lineAction(b),
      style: b.style === 'primary' ? 'primary' : b.style === 'danger' ? 'secondary' : 'secondary',
      height: 'sm',
      ...(b.style === 'danger' ? { color: '#F2D7D5' } : {}),
    })),
    { spacing: 'sm', margin: 'sm' },
  );
}

function rowComponent(r: CardRow): Box {
  const contents: Component[] = [
    box('baseline', [text(r.status ? STATUS_MARKS[r.status] : '•', { flex: 0, size: 'sm' }), text(r.text, { flex: 1, margin: 'sm' })], {
      spacing: 'sm',
    }),
  ];
  if (r.detail) contents.push(text(r.detail, { size: 'xs', color: MUTED, margin: 'xs' }));
  if (r.buttons?.length) contents.push(buttonRow(r.buttons));
  return box('vertical', contents, { margin: 'md' });
}

function sectionComponents(s: CardSection, rows: CardRow[]): Component[] {
  const out: Component[] = [];
  if (s.heading) out.push(text(s.heading, { weight: 'bold', size: 'md', margin: 'lg' }));
  if (s.text) out.push(text(s.text, { margin: 'sm' }));
  for (const f of s.fields ?? []) {
    out.push(
      box(
        'baseline',
        [
          text(f.label, { flex: 2, color: MUTED, size: 'xs' }),
          text(f.value, { flex: 5, size: 'sm', ...(f.tone && f.tone !== 'info' ? { color: TONE_COLORS[f.tone] } : {}) }),
        ],
        { spacing: 'sm', margin: 'sm' },
      ),
    );
  }
  out.push(...rows.map(rowComponent));
  return out;
}

interface Page {
  sections: { section: CardSection; rows: CardRow[] }[];
}

/** Splits the card's rows into pages of at most ROWS_PER_BUBBLE rows; fields and texts stay on the first page. */
function paginate(card: Card): Page[] {
  const pages: Page[] = [{ sections: [] }];
  let used = 0;
  for (const section of card.sections) {
    const rows = section.rows ?? [];
    if (rows.length === 0) {
      pages[pages.length - 1]!.sections.push({ section, rows: [] });
      continue;
    }
    for (let i = 0; i < rows.length; ) {
      if (used >= ROWS_PER_BUBBLE) {
        pages.push({ sections: [] });
        used = 0;
      }
      const take = rows.slice(i, i + (ROWS_PER_BUBBLE - used));
      const first = i === 0;
      const continued: CardSection = section.heading ? { heading: `${section.heading}（續）` } : {};
      pages[pages.length - 1]!.sections.push({ section: first ? section : continued, rows: take });
      used += take.length;
      i += take.length;
    }
  }
  return pages;
}

function bubble(card: Card, page: Page, index: number, total: number): Bubble {
  const color = TONE_COLORS[card.tone ?? 'info'];
  const header: Component[] = [text(card.title, { weight: 'bold', size: 'md', color: '#FFFFFF' })];
  const sub = [card.subtitle, total > 1 ? `第 ${index + 1}/${total} 頁` : ''].filter(Boolean).join('｜');
  if (sub) header.push(text(sub, { size: 'xs', color: '#FFFFFF' }));
  const body = page.sections.flatMap((p) => sectionComponents(p.section, p.rows));
  const footer: Component[] = [];
  const last = index === total - 1;
  if (last && card.buttons?.length) {
    for (let i = 0; i < card.buttons.length; i += 2) footer.push(buttonRow(card.buttons.slice(i, i + 2)));
  }
  if (last && card.footer) footer.push(text(card.footer, { size: 'xxs', color: MUTED, margin: 'sm' }));
  return {
    type: 'bubble',
    size: 'giga',
    header: box('vertical', header, { backgroundColor: color, paddingAll: 'md' }),
    body: box('vertical', body.length ? body : [text(' ')], { paddingAll: 'md' }),
    ...(footer.length ? { footer: box('vertical', footer, { paddingAll: 'md' }) } : {}),
  };
}

/**
 * A card as Flex messages: one bubble, or carousels of bubbles when the rows do not fit one. A carousel holds at most
 * 12 bubbles and 50 KB; a card longer than that continues in a second message rather than losing rows.
 */
export function flexMessages(card: Card): messagingApi.FlexMessage[] {
  const pages = paginate(card);
  const bubbles = pages.map((p, i) => bubble(card, p, i, pages.length));
  const groups: Bubble[][] = [[]];
  let bytes = 0;
  for (const b of bubbles) {
    const size = Buffer.byteLength(JSON.stringify(b));
    if (size > LINE_LIMITS.bubbleBytes)
      throw new Error(
        `Card "${card.key ?? card.title}" renders to a ${size}-byte Flex bubble; LINE accepts ${LINE_LIMITS.bubbleBytes}. Shorten its rows.`,
      );
    const current = groups[groups.length - 1]!;
    if (current.length === LINE_LIMITS.carouselBubbles || bytes + size + 100 > LINE_LIMITS.carouselBytes) {
      groups.push([b]);
      bytes = size;
    } else {
      current.push(b);
      bytes += size;
    }
  }
  const alt = clip(card.fallbackText || card.title, LINE_LIMITS.altTextLength - 10);
  return groups.map((g, i) => ({
    type: 'flex',
    altText: groups.length > 1 ? `${alt}（${i + 1}/${groups.length}）` : alt,
    contents: g.length === 1 ? g[0]! : { type: 'carousel', contents: g },
  }));
}

export function flexMessage(card: Card): messagingApi.FlexMessage {
  return flexMessages(card)[0]!;
}
