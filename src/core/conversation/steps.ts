import type { PendingPrompt } from '../../generated/prisma/client.js';
import type { ChatAdapter } from '../../ports/chat.js';
import type { Button, ConversationAddress, Form, FormField, TextMessage } from '../chat/model.js';
import type { CoreDeps } from '../context.js';
import { UserError } from '../incidents/types.js';
import { resolveChoices, stepQuestion, validateField, type RawAnswers, type RawValue } from './intake.js';
import { act } from './render.js';
import { PromptStore } from './prompts.js';
import { T } from './texts.js';

/** The pending_prompt kind of a form asked step by step. */
export const FORM_STEPS_KIND = 'form';

/** Quick reply that keeps a field's current value (forms opened on existing data, e.g. the assessment). */
export const KEEP = '不變';

/**
 * Everything needed to go on after a restart: the form as it was shown (fields with their initial values), where
 * the questions are, and the answers so far in the shape a form submission has.
 */
export interface FormStepsState {
  formId: string;
  title: string;
  fields: FormField[];
  index: number;
  answers: RawAnswers;
}

/** Submits collected values through the same path as a platform form submission. */
export type FormSubmit = (formId: string, values: RawAnswers) => Promise<void>;

export const FORM_STEP_TEXTS = {
  intro: (title: string, n: number) => `${title}：這個平台無法顯示表單，我會一題一題問您（共 ${n} 題）。可隨時輸入「上一步」或「取消」。`,
  answerFirst: '請先回答上面的問題，或輸入「取消」。',
  current: (shown: string) => `目前：${shown}（點「${KEEP}」保留）`,
};

/** Whether the adapter can show this form at once; otherwise the core asks it step by step. */
export function fitsAsForm(adapter: ChatAdapter, form: Form): boolean {
  return adapter.capabilities.maxFormFields >= form.fields.length;
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
    quick.push(b.action === act.cancelPrompt(promptId) ? { label: '取消', action: b.action } : b);
  }
  return { type: 'text', text: lines.join('\n'), quickReplies: quick };
}

/**
 * Asks any form one field at a time on platforms that cannot show it (capabilities.maxFormFields too small), in a
 * durable prompt, then hands the collected values to the same submission code as a real form.
 */
export class FormSteps {
  private readonly prompts: PromptStore;

  constructor(private readonly deps: Pick<CoreDeps, 'prisma' | 'cipher' | 'now'>) {
    this.prompts = new PromptStore(deps);
  }

  /** Sends the form where it fits, or starts asking it step by step in `where` (conversation row `conversationId`). */
  async send(adapter: ChatAdapter, where: ConversationAddress, conversationId: string, personId: string, form: Form): Promise<void> {
    if (fitsAsForm(adapter, form)) {
      await adapter.send(where, form);
      return;
    }
    const state: FormStepsState = { formId: form.formId, title: form.title, fields: form.fields, index: 0, answers: {} };
    const prompt = await this.prompts.create(conversationId, personId, FORM_STEPS_KIND, state);
    const intro = [FORM_STEP_TEXTS.intro(form.title, form.fields.length), form.intro].filter(Boolean).join('\n');
    await adapter.send(where, { type: 'text', text: intro });
    await adapter.send(where, formStepQuestion(form.fields[0]!, 0, form.fields.length, prompt.id));
  }

  /**
   * A typed answer (already masked), or 「上一步」 (`back`), or another command while the form is open.
   * After the last field, `submit` runs; a UserError from it is shown and the last question asked again.
   */
  async onAnswer(
    adapter: ChatAdapter,
    where: ConversationAddress,
    prompt: PendingPrompt,
    text: string,
    command: 'back' | 'other' | null,
    submit: FormSubmit,
  ): Promise<void> {
    const state = this.prompts.state<FormStepsState>(prompt);
    const { fields } = state;
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
    const value = this.answerValue(field, text);
    if (!value.ok) return void (await ask(state.index, value.message));
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
    await this.deps.prisma.pendingPrompt.update({ where: { id: prompt.id }, data: { status: 'done' } });
  }

  /** Asks the current question again (「通報」 or a restart while a form is open). */
  async resume(adapter: ChatAdapter, where: ConversationAddress, prompt: PendingPrompt): Promise<void> {
    const state = this.prompts.state<FormStepsState>(prompt);
    await adapter.send(where, formStepQuestion(state.fields[state.index]!, state.index, state.fields.length, prompt.id));
  }

  /** Validates one typed answer and turns it into what a form would have submitted for the field. */
  private answerValue(field: FormField, text: string): { ok: true; raw: RawValue } | { ok: false; message: string } {
    if (text === KEEP && field.initial !== undefined) return { ok: true, raw: field.initial };
    const typed = text === T.skipped && !field.required ? '' : text;
    const r = validateField(field, typed, this.deps.now());
    if (!r.ok) return r;
    if (r.value === null) return { ok: true, raw: field.type === 'multiselect' ? [] : '' };
    switch (field.type) {
      case 'datetime':
        // Fixed when typed: 「昨天 9:00」 keeps its meaning after midnight or a restart.
        return { ok: true, raw: (r.value as Date).toISOString() };
      case 'boolean':
        return { ok: true, raw: r.value ? 'true' : 'false' };
      case 'number':
        return { ok: true, raw: String(r.value) };
      case 'select':
        return { ok: true, raw: String(r.value) };
      case 'multiselect':
        return { ok: true, raw: resolveChoices(field, typed).values };
      default:
        // Free text goes to submission as typed (already masked); the submission validates and masks it again.
        return { ok: true, raw: typed };
    }
  }
}
