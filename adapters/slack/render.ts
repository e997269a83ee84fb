import type { Button, Card, CardRow, CardSection, Form, FormField, OutboundMessage, TextMessage } from '../../src/ports/chat-model.js';

/**
 * The core's neutral messages as Slack Block Kit: texts (with their quick replies as buttons), cards as messages of
 * blocks that chat.update can replace, and forms either as a modal (views.open, needs a trigger_id) or as a message
 * with a 「填寫通報表」 button whose click opens that modal.
 *
 * Limits from Slack's Block Kit reference, also enforced by the fake Slack API in the tests.
 */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  blocksPerModal: 100,
  blocksPerHome: 100,
  elementsPerActions: 25,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  buttonText: 75,
  actionId: 255,
  blockId: 255,
  buttonValue: 2000,
  overflowOptions: 5,
  optionText: 75,
  optionValue: 150,
  selectOptions: 100,
  modalTitle: 24,
  modalButton: 24,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  privateMetadata: 3000,
  callbackId: 255,
  messageText: 40_000,
  plainTextInput: 3000,
} as const;

/** Button values that the adapter handles itself (never passed to the core). */
/** The platform name in neutral addresses and users. */
export const SLACK_PLATFORM_NAME = 'slack';
export const OPEN_FORM_PREFIX = 'slack:form:';
export const FORM_CALLBACK_ID = 'pdi_form';

const STATUS_MARKS: Record<NonNullable<CardRow['status']>, string> = { open: '☐', done: '✅', na: '➖', overdue: '⚠️', pending: '⏳' };
const TONE_MARKS = { info: 'ℹ️', success: '✅', warning: '🟠', danger: '🔴' } as const;

export type Block = Record<string, unknown>;

export interface SlackMessage {
  text: string;
  blocks?: Block[];
}

export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** Slack's mrkdwn treats &, < and > as markup: the core's text is plain, so they are escaped. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const plain = (text: string, max: number) => ({ type: 'plain_text', text: clip(text.trim() === '' ? ' ' : text, max), emoji: true });
const mrkdwn = (text: string, max: number = SLACK_LIMITS.sectionText) => ({
  type: 'mrkdwn',
  text: clip(escapeMrkdwn(text.trim() === '' ? ' ' : text), max),
});

/** A Block Kit button; `value` is the core's opaque action string. action_ids only need to be unique per message. */
export function slackButton(b: Button, actionId: string): Block {
  if (b.url) {
    // A link button: Slack opens the address (and still sends a block_actions payload without a value, which is acked and ignored).
    return {
      type: 'button',
      text: plain(b.label, SLACK_LIMITS.buttonText),
      action_id: actionId,
      url: b.url,
      ...(b.style === 'primary' ? { style: 'primary' } : {}),
    };
  }
  if (b.action.length > SLACK_LIMITS.buttonValue) {
    throw new Error(
      `Action "${b.action.slice(0, 40)}…" is ${b.action.length} characters; Slack button values allow ${SLACK_LIMITS.buttonValue}. Keep action strings short (ids only).`,
    );
  }
  return {
    type: 'button',
    text: plain(b.label, SLACK_LIMITS.buttonText),
    action_id: actionId,
    value: b.action,
    ...(b.style === 'primary' ? { style: 'primary' } : b.style === 'danger' ? { style: 'danger' } : {}),
  };
}

class ActionIds {
  private n = 0;
  next(): string {
    this.n += 1;
    return `pdi_${this.n}`;
  }
}

function actionsBlocks(buttons: Button[], ids: ActionIds): Block[] {
  const out: Block[] = [];
  for (let i = 0; i < buttons.length; i += SLACK_LIMITS.elementsPerActions) {
    out.push({ type: 'actions', elements: buttons.slice(i, i + SLACK_LIMITS.elementsPerActions).map((b) => slackButton(b, ids.next())) });
  }
  return out;
}

export function toSlackMessage(message: OutboundMessage): SlackMessage {
  if (message.type === 'text') return textMessage(message);
  if (message.type === 'card') return cardMessage(message);
  return formButtonMessage(message);
}

/**
 * The core's mentions (「@王老師（示範）」) become Slack mentions (<@U…>, which notify) for people with a Slack account;
 * the others stay plain text. Applied after escaping: the mention markup itself must stay unescaped.
 */
function withMentions(escaped: string, m: TextMessage): string {
  let out = escaped;
  for (const mention of m.mentions ?? []) {
    const user = mention.users.find((u) => u.platform === 'slack');
    if (user && /^[UW][A-Z0-9]+$/.test(user.externalId)) out = out.split(escapeMrkdwn(mention.text)).join(`<@${user.externalId}>`);
  }
  return out;
}

function textMessage(m: TextMessage): SlackMessage {
  const text = clip(m.text || ' ', SLACK_LIMITS.messageText);
  if (!m.quickReplies?.length) return { text: withMentions(escapeMrkdwn(text), m) };
  const ids = new ActionIds();
  const shown = clip(withMentions(escapeMrkdwn(text.trim() === '' ? ' ' : text), m), SLACK_LIMITS.sectionText);
  return { text: shown, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: shown } }, ...actionsBlocks(m.quickReplies, ids)] };
}

// ---------------------------------------------------------------- cards

function rowText(r: CardRow): string {
  const mark = r.status ? STATUS_MARKS[r.status] : '•';
  return `${mark} ${r.text}${r.detail ? `\n${r.detail}` : ''}`;
}

type RowMode = 'blocks' | 'overflow' | 'plain';

/** A row: its text, and its buttons as one accessory button, an actions block, or an overflow menu (compact). */
function rowBlocks(r: CardRow, mode: RowMode, ids: ActionIds): Block[] {
  const section: Block = { type: 'section', text: mrkdwn(rowText(r)) };
  const buttons = r.buttons ?? [];
  if (buttons.length === 0 || mode === 'plain') return [section];
  if (buttons.length === 1) return [{ ...section, accessory: slackButton(buttons[0]!, ids.next()) }];
  if (
    mode === 'overflow' &&
    buttons.length <= SLACK_LIMITS.overflowOptions &&
    buttons.every((b) => !b.url && b.action.length <= SLACK_LIMITS.optionValue)
  ) {
    return [
      {
        ...section,
        accessory: {
          type: 'overflow',
          action_id: ids.next(),
          options: buttons.map((b) => ({ text: plain(b.label, SLACK_LIMITS.optionText), value: b.action })),
        },
      },
    ];
  }
  return [section, ...actionsBlocks(buttons, ids)];
}

function sectionBlocks(s: CardSection, mode: RowMode, ids: ActionIds): Block[] {
  const out: Block[] = [];
  if (s.heading) out.push({ type: 'section', text: mrkdwn(`*${s.heading}*`) });
  if (s.text) out.push({ type: 'section', text: mrkdwn(s.text) });
  const fields = s.fields ?? [];
  for (let i = 0; i < fields.length; i += SLACK_LIMITS.sectionFields) {
    out.push({
      type: 'section',
      fields: fields
        .slice(i, i + SLACK_LIMITS.sectionFields)
        .map((f) => mrkdwn(`*${f.label}*\n${f.tone === 'danger' ? '⚠️ ' : ''}${f.value}`, SLACK_LIMITS.fieldText)),
    });
  }
  for (const r of s.rows ?? []) out.push(...rowBlocks(r, mode, ids));
  return out;
}

function cardBlocks(card: Card, mode: RowMode, ids = new ActionIds()): Block[] {
  const blocks: Block[] = [{ type: 'header', text: plain(`${TONE_MARKS[card.tone ?? 'info']} ${card.title}`, SLACK_LIMITS.headerText) }];
  if (card.subtitle) blocks.push({ type: 'context', elements: [mrkdwn(card.subtitle)] });
  card.sections.forEach((s, i) => {
    if (i > 0) blocks.push({ type: 'divider' });
    blocks.push(...sectionBlocks(s, mode, ids));
  });
  if (card.buttons?.length) blocks.push(...actionsBlocks(card.buttons, ids));
  if (card.footer) blocks.push({ type: 'context', elements: [mrkdwn(card.footer)] });
  return blocks;
}

/**
 * A card as one message (so chat.update can replace it). Rows take one block with one button, two with several;
 * when that exceeds Slack's 50 blocks, row buttons move into overflow menus, and if the card is still too long its
 * last rows are summarised in a closing line rather than rejected by Slack.
 */
export function cardMessage(card: Card): SlackMessage {
  const text = escapeMrkdwn(clip(card.fallbackText || card.title, SLACK_LIMITS.sectionText));
  for (const mode of ['blocks', 'overflow'] as const) {
    const blocks = cardBlocks(card, mode);
    if (blocks.length <= SLACK_LIMITS.blocksPerMessage) return { text, blocks };
  }
  const blocks = cardBlocks(card, 'overflow');
  const kept = blocks.slice(0, SLACK_LIMITS.blocksPerMessage - 1);
  const hidden = blocks.length - kept.length;
  kept.push({ type: 'context', elements: [mrkdwn(`還有 ${hidden} 個項目未顯示，請輸入「清單」或在私訊中查看完整內容。`)] });
  return { text, blocks: kept };
}

// ---------------------------------------------------------------- App Home

/** Marks a Home tab view: its buttons act on behalf of the person, in their direct conversation with the bot. */
export const HOME_CALLBACK_ID = 'pdi_home';

/**
 * The core's home cards as one Home tab view (views.publish): the cards one after another, divided, within Slack's
 * 100 blocks (rows' buttons move into overflow menus when needed, and what still does not fit is summarised).
 */
export function homeView(cards: Card[]): Block {
  let blocks: Block[] = [];
  for (const mode of ['blocks', 'overflow'] as const) {
    const ids = new ActionIds();
    blocks = cards.flatMap((c, i) => [...(i > 0 ? [{ type: 'divider' }] : []), ...cardBlocks(c, mode, ids)]);
    if (blocks.length <= SLACK_LIMITS.blocksPerHome) break;
  }
  if (blocks.length > SLACK_LIMITS.blocksPerHome) {
    const hidden = blocks.length - (SLACK_LIMITS.blocksPerHome - 1);
    blocks = [
      ...blocks.slice(0, SLACK_LIMITS.blocksPerHome - 1),
      { type: 'context', elements: [mrkdwn(`還有 ${hidden} 個項目未顯示，請在私訊輸入「事件」或「我的工作」查看。`)] },
    ];
  }
  return { type: 'home', callback_id: HOME_CALLBACK_ID, blocks };
}

// ---------------------------------------------------------------- forms

export interface FormMetadata {
  /** The core's form id (e.g. intake:<prompt id>). */
  f: string;
  /** The conversation the core addressed the form to (a channel or DM id). */
  c: string;
  /** Its kind: d(irect) or g(roup). */
  k: 'd' | 'g';
  /** Opened from the Home tab (refreshed after the submission). */
  h?: 1;
}

export function isIntakeForm(form: Form): boolean {
  return form.formId.startsWith('intake:');
}

/** Shown where the core sent a form when no modal could be opened at once: a button whose click opens it. */
export function formButtonMessage(form: Form): SlackMessage {
  const ids = new ActionIds();
  const buttons: Button[] = [
    { label: isIntakeForm(form) ? '填寫通報表' : '填寫表單', action: `${OPEN_FORM_PREFIX}${form.formId}`, style: 'primary' },
  ];
  if (form.cancelAction) buttons.push({ label: isIntakeForm(form) ? '取消通報' : '取消', action: form.cancelAction });
  const intro = [`*${form.title}*`, form.intro ?? '', `請按「${buttons[0]!.label}」在視窗中填寫。`].filter(Boolean).join('\n');
  return {
    text: escapeMrkdwn(clip(form.fallbackText || form.title, SLACK_LIMITS.sectionText)),
    blocks: [{ type: 'section', text: mrkdwn(intro) }, ...actionsBlocks(buttons, ids)],
  };
}

const optionOf = (o: { value: string; label: string }) => ({ text: plain(o.label, SLACK_LIMITS.optionText), value: o.value });

function inputElement(f: FormField): Block {
  const initial = f.initial;
  const first = Array.isArray(initial) ? initial[0] : initial;
  const placeholder = f.placeholder ? { placeholder: plain(f.placeholder, SLACK_LIMITS.placeholder) } : {};
  switch (f.type) {
    case 'text':
    case 'textarea':
    case 'datetime':
      // Times stay free text: the core understands 「昨天下午3點」 and approximate answers a picker cannot express.
      return {
        type: 'plain_text_input',
        action_id: 'v',
        multiline: f.type === 'textarea',
        max_length: Math.min(f.maxLength ?? SLACK_LIMITS.plainTextInput, SLACK_LIMITS.plainTextInput),
        ...(first ? { initial_value: first } : {}),
        ...placeholder,
      };
    case 'number':
      return {
        type: 'number_input',
        action_id: 'v',
        is_decimal_allowed: false,
        min_value: '0',
        ...(first ? { initial_value: first } : {}),
        ...placeholder,
      };
    case 'select': {
      const options = (f.options ?? []).slice(0, SLACK_LIMITS.selectOptions).map(optionOf);
      const chosen = options.find((o) => o.value === first);
      return { type: 'static_select', action_id: 'v', options, ...(chosen ? { initial_option: chosen } : {}), ...placeholder };
    }
    case 'multiselect': {
      const options = (f.options ?? []).slice(0, SLACK_LIMITS.selectOptions).map(optionOf);
      const wanted = new Set(Array.isArray(initial) ? initial : initial ? [initial] : []);
      const chosen = options.filter((o) => wanted.has(o.value));
      return {
        type: 'multi_static_select',
        action_id: 'v',
        options,
        ...(chosen.length ? { initial_options: chosen } : {}),
        ...placeholder,
      };
    }
    case 'boolean': {
      const options = [optionOf({ value: 'true', label: '是' }), optionOf({ value: 'false', label: '否' })];
      const chosen = options.find((o) => o.value === first);
      return { type: 'radio_buttons', action_id: 'v', options, ...(chosen ? { initial_option: chosen } : {}) };
    }
  }
}

function hintOf(f: FormField): string {
  const parts = [f.help ?? '', f.suggestions?.length ? `常見回答：${f.suggestions.join('、')}` : ''].filter(Boolean);
  return parts.join('\n');
}

/** The modal (views.open `view`) for a form; block_id = the field id, so the submission maps back to it. */
export function formModal(form: Form, meta: FormMetadata): Block {
  const blocks: Block[] = [];
  if (form.intro) blocks.push({ type: 'section', text: mrkdwn(form.intro) });
  for (const f of form.fields) {
    const hint = hintOf(f);
    blocks.push({
      type: 'input',
      block_id: clip(f.id, SLACK_LIMITS.blockId),
      label: plain(f.label, SLACK_LIMITS.inputLabel),
      optional: !f.required,
      element: inputElement(f),
      ...(hint ? { hint: plain(hint, SLACK_LIMITS.inputHint) } : {}),
    });
  }
  if (blocks.length > SLACK_LIMITS.blocksPerModal) {
    throw new Error(
      `Form "${form.formId}" has ${form.fields.length} fields; a Slack modal holds ${SLACK_LIMITS.blocksPerModal} blocks. Lower maxFormFields.`,
    );
  }
  const metadata = JSON.stringify(meta);
  if (metadata.length > SLACK_LIMITS.privateMetadata)
    throw new Error(`Form id "${form.formId.slice(0, 40)}…" is too long for the modal's private_metadata.`);
  return {
    type: 'modal',
    callback_id: FORM_CALLBACK_ID,
    private_metadata: metadata,
    notify_on_close: true,
    title: plain(form.title, SLACK_LIMITS.modalTitle),
    submit: plain(form.submitLabel, SLACK_LIMITS.modalButton),
    close: plain('稍後再填', SLACK_LIMITS.modalButton),
    blocks,
  };
}

interface StateValue {
  type: string;
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_options?: { value: string }[];
}

/** A modal's submitted state as the core's form values (empty answers are left out). */
export function formValues(state: Record<string, Record<string, StateValue>>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [blockId, actions] of Object.entries(state)) {
    const v = actions.v;
    if (!v) continue;
    if (v.type === 'multi_static_select') out[blockId] = (v.selected_options ?? []).map((o) => o.value);
    else if (v.type === 'static_select' || v.type === 'radio_buttons') {
      if (v.selected_option) out[blockId] = v.selected_option.value;
    } else if (typeof v.value === 'string' && v.value.trim() !== '') out[blockId] = v.value;
  }
  return out;
}
