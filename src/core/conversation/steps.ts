import type { PromptRecord } from '../../ports/repositories/index.js';
import type { ChatAdapter } from '../../ports/chat.js';
import type { Button, ConversationAddress, Form, FormField, TextMessage } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';
import { UserError } from '../incidents/types.js';
import { resolveChoices, stepQuestion, validateField, type RawAnswers, type RawValue } from './intake.js';
import { act, formIds } from './actions.js';
import { PromptStore } from './prompts.js';
import { T } from './texts.js';
import { WEB_FORM_WORDS, type WebForms } from './web-form.js';
import { WHEN_TEXTS, confirmAnswer, confirmButtons } from './when.js';

/** The pending_prompt kind of a form asked step by step. */
export const FORM_STEPS_KIND = 'form';

/** Quick reply that keeps a field's current value (forms opened on existing data, e.g. the assessment). */
export const KEEP = '不變';

/**
 * Everything needed to go on after a restart: the form as it was shown (fields with their initial values), where
 * the questions are, and the answers so far in the shape a form submission has.
 */
export interface FormStepsState {
  /** `steps`: one question at a time (no forms); `pages`: forms of at most `pageSize` fields (e.g. Discord's 5). */
  mode?: 'steps' | 'pages';
  pageSize?: number;
  formId: string;
  title: string;
  intro?: string;
  submitLabel?: string;
  fields: FormField[];
  /** The field asked now (`steps`) or the page shown now (`pages`). */
  index: number;
  answers: RawAnswers;
  /** Step by step: an approximate time read for the current field, waiting for 對／重填 (ISO instant). */
  confirm?: { field: string; at: string };
  /** The form's own cancelAction: run when the questions are cancelled (an evidence offer is dropped with them). */
  cancelAction?: string;
}

/** formId prefix of one page of a paged form: `fs:<promptId>:<page>`. */
export { FORM_PAGE_PREFIX } from './actions.js';

/** Submits collected values through the same path as a platform form submission. */
export type FormSubmit = (formId: string, values: RawAnswers) => Promise<void>;

export const FORM_STEP_TEXTS = {
  intro: (title: string, n: number) => `${title}：這個平台無法顯示表單，我會一題一題問您（共 ${n} 題）。可隨時輸入「上一步」或「取消」。`,
  answerFirst: '請先回答上面的問題，或輸入「取消」。',
  fillPageFirst: (page: number, pages: number) => `請先填寫上方的表單（第 ${page}/${pages} 頁）後送出，或輸入「取消」。`,
  next: '下一頁',
  pageTitle: (title: string, page: number, pages: number) => `${title}（${page}/${pages}）`,
  current: (shown: string) => `目前：${shown}（點「${KEEP}」保留）`,
};

/**
 * What a form would have submitted for a field, from its checked value (validateField) and what was typed: an instant
 * for a time (fixed when typed: 「昨天 9:00」 keeps its meaning after midnight or a restart), 'true'/'false', a number,
 * option values; free text as typed (the submission validates and masks it again).
 */
export function formValue(field: FormField, value: unknown, typed: RawValue): RawValue {
  if (value === null || value === undefined) return field.type === 'multiselect' ? [] : '';
  switch (field.type) {
    case 'datetime':
      return (value as Date).toISOString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
    case 'select':
      return String(value);
    case 'multiselect':
      return resolveChoices(field, typed).values;
    default:
      return typed;
  }
}

/** Whether the adapter can show this form at once; otherwise the core pages it or asks it step by step. */
export function fitsAsForm(adapter: ChatAdapter, form: Form): boolean {
  return adapter.capabilities.maxFormFields >= form.fields.length;
}

/** The pages a form is cut into for a platform whose forms hold at most `size` fields (each page at least one field). */
export function pageCount(fields: number, size: number): number {
  return Math.max(1, Math.ceil(fields / Math.max(1, size)));
}

/**
 * Page `page` (0-based) of a form cut into pages: an ordinary Form of at most `size` fields, prefilled from `answers`
 * (what was submitted on that page before, when someone goes back or a check at the end sends them back).
 */
export function formPage(
  base: {
    formId: string;
    title: string;
    intro?: string | undefined;
    submitLabel?: string | undefined;
    fields: FormField[];
    cancelAction?: string | undefined;
  },
  page: number,
  size: number,
  answers: RawAnswers,
): Form {
  const pages = pageCount(base.fields.length, size);
  const last = page === pages - 1;
  return {
    type: 'form',
    formId: base.formId,
    title: FORM_STEP_TEXTS.pageTitle(base.title, page + 1, pages),
    ...(page === 0 && base.intro ? { intro: base.intro } : {}),
    fields: base.fields
      .slice(page * size, (page + 1) * size)
      .map((f) => (answers[f.id] !== undefined ? { ...f, initial: answers[f.id] } : f)),
    submitLabel: last ? (base.submitLabel ?? '送出') : FORM_STEP_TEXTS.next,
    ...(base.cancelAction ? { cancelAction: base.cancelAction } : {}),
    fallbackText: FORM_STEP_TEXTS.pageTitle(base.title, page + 1, pages),
  };
}

/** The current value of a field in words (option labels, 是/否), for 「目前：…」. */
export function describeInitial(field: FormField): string | null {
  const v = field.initial;
  if (v === undefined || (Array.isArray(v) ? v.length === 0 : v.trim() === '')) return null;
  if (field.type === 'boolean') return v === 'true' ? '是' : v === 'false' ? '否' : String(v);
  if (field.type === 'select' || field.type === 'multiselect') {
    const labels = (Array.isArray(v) ? v : [v]).map((x) => field.options?.find((o) => o.value === x)?.label ?? x);
    return labels.join('、');
  }
  return Array.isArray(v) ? v.join('、') : v;
}

/** The question for one field of a generic form: the intake's wording, plus the current value and 「不變」. */
export function formStepQuestion(field: FormField, index: number, total: number, promptId: string): TextMessage {
  const q = stepQuestion(field, index, total, promptId);
  const lines = [q.text];
  const current = describeInitial(field);
  const quick: Button[] = [];
  if (current !== null) {
    lines.splice(1, 0, FORM_STEP_TEXTS.current(current));
    quick.push({ label: KEEP, action: act.say(KEEP) });
  }
  for (const b of q.quickReplies) {
    if (b.action === act.cancelPrompt(promptId)) quick.push({ label: '取消', action: b.action });
    // With a value on record, 略過 would erase it: say so.
    else if (current !== null && b.label === T.skipped) quick.push({ label: '清空', action: b.action });
    else quick.push(b);
  }
  return { type: 'text', text: lines.join('\n'), quickReplies: quick };
}

/**
 * Asks any form one field at a time on platforms that cannot show it (capabilities.maxFormFields too small), in a
 * durable prompt, then hands the collected values to the same submission code as a real form.
 */
export class FormSteps {
  private readonly prompts: PromptStore;

  constructor(
    private readonly deps: Pick<CoreDeps, 'repos' | 'cipher' | 'now'>,
    /** The web forms of the chat (web-form.ts): the form as one page, offered in a private chat; null: none. */
    private readonly web: WebForms | null = null,
  ) {
    this.prompts = new PromptStore(deps);
  }

  /** Sends the form where it fits, or starts asking it step by step in `where` (conversation row `conversationId`). */
  async send(adapter: ChatAdapter, where: ConversationAddress, conversationId: string, personId: string, form: Form): Promise<void> {
    if (fitsAsForm(adapter, form)) {
      await adapter.send(where, form);
      return;
    }
    const size = adapter.capabilities.maxFormFields;
    if (size > 0) {
      // Forms, but smaller than this one: the same form in pages, the answers kept in a durable prompt.
      const state: FormStepsState = {
        mode: 'pages',
        pageSize: size,
        formId: form.formId,
        title: form.title,
        fields: form.fields,
        index: 0,
        answers: {},
        ...(form.intro ? { intro: form.intro } : {}),
        submitLabel: form.submitLabel,
        ...(form.cancelAction ? { cancelAction: form.cancelAction } : {}),
      };
      const prompt = await this.prompts.create(conversationId, personId, FORM_STEPS_KIND, state);
      await adapter.send(where, this.page(state, prompt.id));
      // After the page: a modal can only be the first answer to an interaction (Discord).
      await this.offerWeb(adapter, where, prompt, state);
      return;
    }
    const state: FormStepsState = {
      mode: 'steps',
      formId: form.formId,
      title: form.title,
      fields: form.fields,
      index: 0,
      answers: {},
      ...(form.intro ? { intro: form.intro } : {}),
      ...(form.submitLabel ? { submitLabel: form.submitLabel } : {}),
      ...(form.cancelAction ? { cancelAction: form.cancelAction } : {}),
    };
    const prompt = await this.prompts.create(conversationId, personId, FORM_STEPS_KIND, state);
    const intro = [FORM_STEP_TEXTS.intro(form.title, form.fields.length), form.intro].filter(Boolean).join('\n');
    await adapter.send(where, { type: 'text', text: intro });
    await this.offerWeb(adapter, where, prompt, state);
    await adapter.send(where, formStepQuestion(form.fields[0]!, 0, form.fields.length, prompt.id));
  }

  /**
   * A typed answer (already masked), or 「上一步」 (`back`), or another command while the form is open.
   * After the last field, `submit` runs; a UserError from it is shown and the last question asked again.
   */
  async onAnswer(
    adapter: ChatAdapter,
    where: ConversationAddress,
    prompt: PromptRecord,
    text: string,
    command: 'back' | 'other' | null,
    submit: FormSubmit,
  ): Promise<void> {
    const state = this.prompts.state<FormStepsState>(prompt);
    const { fields } = state;
    if (!command && WEB_FORM_WORDS.has(text.trim())) {
      // A new link (the last one expired or was lost), then the question or page where the chat stands.
      await this.offerWeb(adapter, where, prompt, state);
      return this.resume(adapter, where, prompt, false);
    }
    if (state.mode === 'pages') {
      // A page is open; typing is not an answer to it. 上一步 shows the page before.
      if (command === 'back') {
        state.index = Math.max(0, state.index - 1);
        await this.prompts.save(prompt, state, `page:${state.index}`);
      } else {
        await adapter.send(where, {
          type: 'text',
          text: FORM_STEP_TEXTS.fillPageFirst(state.index + 1, pageCount(fields.length, state.pageSize!)),
        });
      }
      return void (await adapter.send(where, this.page(state, prompt.id)));
    }
    const ask = (i: number, before?: string) => {
      const q = formStepQuestion(state.fields[i]!, i, fields.length, prompt.id);
      return adapter.send(where, before ? { ...q, text: `${before}\n\n${q.text}` } : q);
    };
    if (command === 'other') {
      await adapter.send(where, { type: 'text', text: FORM_STEP_TEXTS.answerFirst });
      return void (await ask(state.index));
    }
    if (command === 'back') {
      state.index = Math.max(0, state.index - 1);
      delete state.answers[fields[state.index]!.id];
      await this.prompts.save(prompt, state, fields[state.index]!.id);
      return void (await ask(state.index));
    }
    const field = state.fields[state.index]!;
    let value: { ok: true; raw: RawValue; approximate?: Date } | { ok: false; message: string } | null = null;
    if (state.confirm) {
      // 「記為 … 左右，對嗎？」: 對 keeps the reading, 重填 asks again, any other text is a new answer.
      const pending = state.confirm;
      delete state.confirm;
      const c = pending.field === field.id ? confirmAnswer(text) : 'redo';
      if (c === 'redo') {
        await this.prompts.save(prompt, state, field.id);
        return void (await ask(state.index));
      }
      if (c === 'yes') value = { ok: true, raw: pending.at };
    }
    value ??= this.answerValue(field, text);
    if (!value.ok) return void (await ask(state.index, value.message));
    if (value.approximate) {
      state.confirm = { field: field.id, at: value.approximate.toISOString() };
      await this.prompts.save(prompt, state, field.id);
      const quick = [...confirmButtons(), { label: '取消', action: act.cancelPrompt(prompt.id) }];
      return void (await adapter.send(where, {
        type: 'text',
        text: WHEN_TEXTS.confirm(field.label, value.approximate),
        quickReplies: quick,
      }));
    }
    state.answers[field.id] = value.raw;
    state.index += 1;
    if (state.index < fields.length) {
      await this.prompts.save(prompt, state, fields[state.index]!.id);
      return void (await ask(state.index));
    }
    await this.prompts.save(prompt, state, null);
    try {
      await submit(state.formId, state.answers);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      if (err.final) return this.close(adapter, where, prompt, err.message);
      // Checks across fields happen on submission. The questions are asked again from the field the problem names
      // (else from the first), each offering 「不變」 for what was answered.
      const named = fields.findIndex((f) => err.message.includes(`「${f.label}」`));
      state.index = Math.max(0, named);
      state.fields = fields.map((f, i) => {
        const answered = state.answers[f.id];
        return i >= state.index && answered !== undefined ? { ...f, initial: answered } : f;
      });
      for (const f of fields.slice(state.index)) delete state.answers[f.id];
      await this.prompts.save(prompt, state, fields[state.index]!.id);
      const q = formStepQuestion(state.fields[state.index]!, state.index, fields.length, prompt.id);
      return void (await adapter.send(where, { ...q, text: `${err.message}\n\n${q.text}` }));
    }
    await this.deps.repos.prompts.close(prompt.id, 'done');
  }

  /**
   * One page of a paged form was submitted (formId `fs:<promptId>:<page>`). Its values are kept; the next page is
   * shown, or after the last one everything goes to `submit` under the form's own id. A problem found on submission
   * shows the page with the field it names, prefilled with what was entered.
   */
  async onPage(
    adapter: ChatAdapter,
    where: ConversationAddress,
    prompt: PromptRecord,
    page: number,
    values: RawAnswers,
    submit: FormSubmit,
  ): Promise<void> {
    const state = this.prompts.state<FormStepsState>(prompt);
    const size = state.pageSize ?? 1;
    const pages = pageCount(state.fields.length, size);
    if (state.mode !== 'pages' || !Number.isInteger(page) || page < 0 || page >= pages) throw new UserError(T.promptExpired);
    // Only the fields of that page are taken from the submission (an old page submitted again just overwrites them).
    for (const f of state.fields.slice(page * size, (page + 1) * size)) {
      if (values[f.id] !== undefined) state.answers[f.id] = values[f.id]!;
    }
    if (page + 1 < pages) {
      state.index = page + 1;
      await this.prompts.save(prompt, state, `page:${state.index}`);
      return void (await adapter.send(where, this.page(state, prompt.id)));
    }
    await this.prompts.save(prompt, state, null);
    try {
      await submit(state.formId, state.answers);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      if (err.final) return this.close(adapter, where, prompt, err.message);
      const named = state.fields.findIndex((f) => err.message.includes(`「${f.label}」`));
      state.index = named === -1 ? 0 : Math.floor(named / size);
      await this.prompts.save(prompt, state, `page:${state.index}`);
      await adapter.send(where, { type: 'text', text: err.message });
      return void (await adapter.send(where, this.page(state, prompt.id)));
    }
    await this.deps.repos.prompts.close(prompt.id, 'done');
  }

  /** The submission answered for good (UserError.final): the questions end with its message. */
  private async close(adapter: ChatAdapter, where: ConversationAddress, prompt: PromptRecord, message: string): Promise<void> {
    await this.deps.repos.prompts.close(prompt.id, 'done');
    await adapter.send(where, { type: 'text', text: message });
  }

  /** Asks the current question (or shows the current page) again: 「通報」 or a restart while a form is open. */
  async resume(adapter: ChatAdapter, where: ConversationAddress, prompt: PromptRecord, offer = true): Promise<void> {
    const state = this.prompts.state<FormStepsState>(prompt);
    if (state.mode === 'pages') {
      await adapter.send(where, this.page(state, prompt.id));
      if (offer) await this.offerWeb(adapter, where, prompt, state);
      return;
    }
    if (offer) await this.offerWeb(adapter, where, prompt, state);
    await adapter.send(where, formStepQuestion(state.fields[state.index]!, state.index, state.fields.length, prompt.id));
  }

  /**
   * The same form as one web page, through a one-time link (when the app serves the page). Only in a private chat: a
   * link for one person is never posted where a group would see it.
   */
  private async offerWeb(adapter: ChatAdapter, where: ConversationAddress, prompt: PromptRecord, state: FormStepsState): Promise<void> {
    if (where.kind !== 'direct' || !this.web) return;
    const card = this.web.offer(prompt, {
      text: (until) => T.webFormOffer(until, `「${state.title}」`, state.mode === 'pages'),
      fallback: `也可以在網頁一次填完「${state.title}」（連結只能使用一次）`,
    });
    if (card) await adapter.send(where, card);
  }

  private page(state: FormStepsState, promptId: string): Form {
    const form = formPage({ ...state, cancelAction: `prompt:cancel:${promptId}` }, state.index, state.pageSize!, state.answers);
    return { ...form, formId: formIds.formPage(promptId, state.index) };
  }

  /** Validates one typed answer and turns it into what a form would have submitted for the field. */
  private answerValue(field: FormField, text: string): { ok: true; raw: RawValue; approximate?: Date } | { ok: false; message: string } {
    if (text === KEEP && field.initial !== undefined) return { ok: true, raw: field.initial };
    const typed = text === T.skipped && !field.required ? '' : text;
    const r = validateField(field, typed, this.deps.now());
    if (!r.ok) return r;
    const raw = formValue(field, r.value, typed);
    return { ok: true, raw, ...(field.type === 'datetime' && r.approximate ? { approximate: r.value as Date } : {}) };
  }
}
