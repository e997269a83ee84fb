import type { Button, Card, CardRow, Form, FormField, OutboundMessage } from '../../src/ports/chat-model.js';

/**
 * The core's neutral messages as Discord message payloads (content, embeds, components) and modals.
 * Limits from Discord's reference (also checked by the fake Discord against the OpenAPI file in the tests).
 */
export const DISCORD_LIMITS = {
  content: 2000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  embedTotal: 6000,
  actionRows: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  customId: 100,
  selectOptions: 25,
  optionLabel: 100,
  modalInputs: 5,
  modalTitle: 45,
  inputLabel: 45,
  labelDescription: 100,
  inputPlaceholder: 100,
  inputValue: 4000,
  buttonUrl: 512,
} as const;

/** custom_id prefixes the adapter handles itself; every other custom_id is the core's opaque action string. */
export const OPEN_FORM_PREFIX = 'df:';
export const MODAL_PREFIX = 'dm:';
export const SELECT_PREFIX = 'ds:';

const COLORS = { info: 0x3b82f6, success: 0x22c55e, warning: 0xf59e0b, danger: 0xef4444 } as const;
const STATUS_MARKS: Record<NonNullable<CardRow['status']>, string> = { open: '☐', done: '✅', na: '➖', overdue: '⚠️', pending: '⏳' };

// Discord API enums (numbers on the wire).
const COMPONENT = { actionRow: 1, button: 2, stringSelect: 3, textInput: 4, label: 18 } as const;
const BUTTON_STYLE = { primary: 1, secondary: 2, danger: 4, link: 5 } as const;
const TEXT_STYLE = { short: 1, paragraph: 2 } as const;

export type Json = Record<string, unknown>;

export interface DiscordMessage {
  content?: string;
  embeds?: Json[];
  components?: Json[];
  /** Nobody is pinged by accident (@everyone, roles, names typed by people); only the core's mentions notify. */
  allowed_mentions: { parse: []; users?: string[] };
}

export const DISCORD_PLATFORM_NAME = 'discord';

export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function checkAction(action: string): void {
  if (action.length > DISCORD_LIMITS.customId) {
    throw new Error(
      `Action "${action.slice(0, 40)}…" is ${action.length} characters; Discord custom_id allows ${DISCORD_LIMITS.customId}. Keep action strings short (ids only).`,
    );
  }
}

/**
 * A link button (Button.url: a signed download link) is Discord's style 5: it opens the address and sends the bot no
 * interaction, so it has a url and no custom_id (Discord refuses either the other way round).
 */
function linkButton(b: Button & { url: string }): Json {
  if (!/^https?:\/\//.test(b.url) || b.url.length > DISCORD_LIMITS.buttonUrl) {
    throw new Error(
      `A link button's url must be an http(s) address of at most ${DISCORD_LIMITS.buttonUrl} characters (got ${b.url.length} characters).`,
    );
  }
  return { type: COMPONENT.button, style: BUTTON_STYLE.link, label: clip(b.label, DISCORD_LIMITS.buttonLabel), url: b.url };
}

/** What makes a button distinct within a message: its custom_id, or the address of a link button. */
function buttonKey(b: Button): string {
  return b.url ? `url:${b.url}` : b.action;
}

function button(b: Button): Json {
  if (b.url) return linkButton(b as Button & { url: string });
  checkAction(b.action);
  return {
    type: COMPONENT.button,
    style: b.style === 'primary' ? BUTTON_STYLE.primary : b.style === 'danger' ? BUTTON_STYLE.danger : BUTTON_STYLE.secondary,
    label: clip(b.label, DISCORD_LIMITS.buttonLabel),
    custom_id: b.action,
  };
}

/** Buttons in rows of five; a custom_id must be unique within a message, so repeated actions are shown once. */
function buttonRows(buttons: Button[], seen: Set<string>): Json[] {
  const unique = buttons.filter((b) => !seen.has(buttonKey(b)) && seen.add(buttonKey(b)));
  const rows: Json[] = [];
  for (let i = 0; i < unique.length; i += DISCORD_LIMITS.buttonsPerRow) {
    rows.push({ type: COMPONENT.actionRow, components: unique.slice(i, i + DISCORD_LIMITS.buttonsPerRow).map(button) });
  }
  return rows;
}

export function toDiscordMessage(message: OutboundMessage): DiscordMessage {
  if (message.type === 'card') return cardMessage(message);
  if (message.type === 'form') return formButtonMessage(message);
  const rows = buttonRows(message.quickReplies ?? [], new Set()).slice(0, DISCORD_LIMITS.actionRows);
  // The core's mentions (「@王老師（示範）」) become <@id> for people with a Discord account; the others stay text.
  let text = message.text || ' ';
  const users: string[] = [];
  for (const m of message.mentions ?? []) {
    const account = m.users.find((u) => u.platform === DISCORD_PLATFORM_NAME && /^\d{17,20}$/.test(u.externalId));
    if (!account || !text.includes(m.text)) continue;
    text = text.split(m.text).join(`<@${account.externalId}>`);
    if (!users.includes(account.externalId)) users.push(account.externalId);
  }
  return {
    content: clip(text, DISCORD_LIMITS.content),
    ...(rows.length ? { components: rows } : {}),
    allowed_mentions: users.length ? { parse: [], users: users.slice(0, 100) } : { parse: [] },
  };
}

function rowLine(r: CardRow): string {
  return `${r.status ? STATUS_MARKS[r.status] : '•'} ${r.text}${r.detail ? `\n　${r.detail}` : ''}`;
}

/**
 * A card as one embed plus components, so an edit replaces it whole. Row buttons (a checklist's 完成 / 不適用) become
 * buttons when everything fits in Discord's 5 rows of 5; otherwise each becomes an option of select menus (25 options
 * each), keeping the card's own buttons as buttons.
 */
export function cardMessage(card: Card): DiscordMessage {
  const lines: string[] = [];
  const fields: Json[] = [];
  if (card.subtitle) lines.push(card.subtitle);
  for (const s of card.sections) {
    if (s.heading) lines.push('', `**${s.heading}**`);
    if (s.text) lines.push(s.text);
    for (const f of s.fields ?? []) {
      if (fields.length < DISCORD_LIMITS.embedFields) {
        fields.push({
          name: clip(f.label, DISCORD_LIMITS.fieldName),
          value: clip(`${f.tone === 'danger' ? '⚠️ ' : ''}${f.value || '—'}`, DISCORD_LIMITS.fieldValue),
          inline: true,
        });
      }
    }
    for (const r of s.rows ?? []) lines.push(rowLine(r));
  }
  const embed: Json = {
    title: clip(card.title, DISCORD_LIMITS.embedTitle),
    color: COLORS[card.tone ?? 'info'],
    description: clip(lines.join('\n').trim() || card.fallbackText || ' ', DISCORD_LIMITS.embedDescription),
    ...(fields.length ? { fields } : {}),
    ...(card.footer ? { footer: { text: clip(card.footer, DISCORD_LIMITS.footer) } } : {}),
  };
  const rowButtons = card.sections.flatMap((s) => (s.rows ?? []).flatMap((r) => (r.buttons ?? []).map((b) => ({ row: r, b }))));
  const seen = new Set<string>();
  const cardRows = buttonRows(card.buttons ?? [], seen);
  let components: Json[];
  const asButtons = buttonRows(
    rowButtons.map((x) => x.b),
    new Set(seen),
  );
  if (cardRows.length + asButtons.length <= DISCORD_LIMITS.actionRows) {
    components = [...asButtons, ...cardRows];
  } else {
    // A link opens an address and cannot be a select option: a row's link buttons join the card's own buttons.
    const own = new Set<string>();
    const ownRows = buttonRows([...(card.buttons ?? []), ...rowButtons.filter((x) => x.b.url).map((x) => x.b)], own);
    cardRows.splice(0, cardRows.length, ...ownRows);
    const options = rowButtons
      .filter((x) => !x.b.url && !own.has(x.b.action) && own.add(x.b.action))
      .map((x) => {
        checkAction(x.b.action);
        return { label: clip(`${x.b.label}：${x.row.text}`, DISCORD_LIMITS.optionLabel), value: x.b.action };
      });
    const room = DISCORD_LIMITS.actionRows - Math.min(cardRows.length, DISCORD_LIMITS.actionRows - 1);
    const selects: Json[] = [];
    for (let i = 0; i < options.length && selects.length < room; i += DISCORD_LIMITS.selectOptions) {
      selects.push({
        type: COMPONENT.actionRow,
        components: [
          {
            type: COMPONENT.stringSelect,
            custom_id: `${SELECT_PREFIX}${selects.length + 1}`,
            placeholder: '選擇要處理的項目…',
            options: options.slice(i, i + DISCORD_LIMITS.selectOptions),
          },
        ],
      });
    }
    components = [...selects, ...cardRows].slice(0, DISCORD_LIMITS.actionRows);
  }
  return { embeds: [embed], ...(components.length ? { components } : {}), allowed_mentions: { parse: [] } };
}

// ---------------------------------------------------------------- forms

/** Posted where a form cannot open as a modal right now (no interaction to answer): a button whose click opens it. */
export function formButtonMessage(form: Form): DiscordMessage {
  const intake = form.formId.startsWith('intake:');
  const buttons: Button[] = [{ label: intake ? '填寫通報表' : '填寫表單', action: `${OPEN_FORM_PREFIX}${form.formId}`, style: 'primary' }];
  if (form.cancelAction) buttons.push({ label: intake ? '取消通報' : '取消', action: form.cancelAction });
  const text = [`**${form.title}**`, form.intro ?? '', `請按「${buttons[0]!.label}」填寫。`].filter(Boolean).join('\n');
  return { content: clip(text, DISCORD_LIMITS.content), components: buttonRows(buttons, new Set()), allowed_mentions: { parse: [] } };
}

function optionHint(f: FormField): string {
  return (f.options ?? []).map((o, i) => `${i + 1} ${o.label}`).join('、');
}

/** Whether a choice field can be a select menu inside the modal (Discord allows 25 options per select). */
function asSelect(f: FormField): boolean {
  if (f.type === 'boolean') return true;
  return (
    (f.type === 'select' || f.type === 'multiselect') && (f.options?.length ?? 0) > 0 && f.options!.length <= DISCORD_LIMITS.selectOptions
  );
}

function choicesOf(f: FormField): { label: string; value: string }[] {
  return f.type === 'boolean'
    ? [
        { label: '是', value: 'true' },
        { label: '否', value: 'false' },
      ]
    : (f.options ?? []);
}

function placeholderOf(f: FormField): string | undefined {
  if (f.type === 'boolean') return '是 或 否';
  if (f.type === 'select' || f.type === 'multiselect') {
    if (asSelect(f)) return f.type === 'multiselect' ? '可複選' : '請選擇';
    const example = (f.options ?? [])
      .slice(0, 2)
      .map((o) => o.label)
      .join('、');
    return clip(
      f.type === 'multiselect' ? `輸入名稱，以「、」分隔，例：${example}` : `輸入名稱或編號：${optionHint(f)}`,
      DISCORD_LIMITS.inputPlaceholder,
    );
  }
  const p = f.placeholder ?? (f.suggestions?.length ? `例：${f.suggestions.join('、')}` : undefined);
  return p ? clip(p, DISCORD_LIMITS.inputPlaceholder) : undefined;
}

function initialList(f: FormField): string[] {
  const v = f.initial;
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The initial text of a text input (choices typed as labels when they do not fit a select menu). */
function initialText(f: FormField): string | undefined {
  const list = initialList(f);
  if (list.length === 0) return undefined;
  if (f.type === 'select' || f.type === 'multiselect') return list.map((x) => f.options?.find((o) => o.value === x)?.label ?? x).join(',');
  return list.join(',');
}

/**
 * The modal for a form of at most five fields (Discord's limit; the adapter declares maxFormFields 5).
 *
 * Each field is a Label component (type 18: the field's label, its help text as the description) around one input.
 * Classic modals could hold only text inputs in action rows, so choices had to be typed; Discord's Label component,
 * which discord.js 14.28 reads back (ModalSubmitFields#getStringSelectValues) and the OpenAPI file describes
 * (LabelComponentForModalRequest), lets a modal hold string selects. So: text, times and numbers are text inputs;
 * select, multiselect and yes/no are select menus (multiselect with max_values); a choice with more than 25 options
 * (the select's limit; e.g. the 29 personal-data categories) falls back to a text input where the labels (or numbers)
 * are typed, 「姓名、成績」, and mapped back to option values on submission (formValues).
 */
export function formModal(form: Form, customId: string): Json {
  if (form.fields.length > DISCORD_LIMITS.modalInputs) {
    throw new Error(
      `Form "${form.formId}" has ${form.fields.length} fields; a Discord modal holds ${DISCORD_LIMITS.modalInputs}. The core should send it in pages (maxFormFields 5).`,
    );
  }
  checkAction(customId);
  return {
    custom_id: customId,
    title: clip(form.title, DISCORD_LIMITS.modalTitle),
    components: form.fields.map((f) => {
      const description = f.help ? clip(f.help, DISCORD_LIMITS.labelDescription) : undefined;
      const placeholder = placeholderOf(f);
      let component: Json;
      if (asSelect(f)) {
        const chosen = new Set(initialList(f));
        const options = choicesOf(f).map((o) => ({
          label: clip(o.label, DISCORD_LIMITS.optionLabel),
          value: o.value,
          ...(chosen.has(o.value) ? { default: true } : {}),
        }));
        component = {
          type: COMPONENT.stringSelect,
          custom_id: f.id,
          options,
          min_values: f.required ? 1 : 0,
          max_values: f.type === 'multiselect' ? options.length : 1,
          required: f.required,
          ...(placeholder ? { placeholder } : {}),
        };
      } else {
        const value = initialText(f);
        component = {
          type: COMPONENT.textInput,
          custom_id: f.id,
          style: f.type === 'textarea' ? TEXT_STYLE.paragraph : TEXT_STYLE.short,
          required: f.required,
          max_length: Math.min(f.maxLength ?? DISCORD_LIMITS.inputValue, DISCORD_LIMITS.inputValue),
          ...(placeholder ? { placeholder } : {}),
          ...(value ? { value: clip(value, DISCORD_LIMITS.inputValue) } : {}),
        };
      }
      return { type: COMPONENT.label, label: clip(f.label, DISCORD_LIMITS.inputLabel), ...(description ? { description } : {}), component };
    }),
  };
}

/**
 * A submitted modal as the core's values: select menus give their values (a select → one value, yes/no → "true" or
 * "false", multiselect → a list); choices typed into a text input (more than 25 options) map by number or label.
 */
export function formValues(form: Form | undefined, raw: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [id, given] of Object.entries(raw)) {
    const f = form?.fields.find((x) => x.id === id);
    if (Array.isArray(given)) {
      if (given.length === 0) continue;
      out[id] = f?.type === 'multiselect' ? given : given[0]!;
      continue;
    }
    const value = given.trim();
    if (value === '') continue;
    if (!f) {
      out[id] = value;
      continue;
    }
    const pick = (t: string) => {
      const n = Number(t);
      const opts = f.options ?? [];
      return (Number.isInteger(n) && opts[n - 1]?.value) || opts.find((o) => o.label === t || o.value === t)?.value || t;
    };
    if (f.type === 'boolean') out[id] = /^(是|y|yes|true|1)$/i.test(value) ? 'true' : /^(否|n|no|false|0)$/i.test(value) ? 'false' : value;
    else if (f.type === 'select') out[id] = pick(value);
    else if (f.type === 'multiselect')
      out[id] = value
        .split(/[,，、\s]+/)
        .filter(Boolean)
        .map(pick);
    else out[id] = value;
  }
  return out;
}
