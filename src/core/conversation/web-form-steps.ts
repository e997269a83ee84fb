import type { PromptRecord } from '../../ports/repositories/index.js';
import type { CoreDeps } from '../context.js';
import { UserError } from '../incidents/types.js';
import type { MaskFinding } from '../privacy/mask.js';
import { privacyNotice } from '../privacy/mask.js';
import { validateField, type FieldProblem, type RawAnswers } from './intake.js';
import type { PromptStore } from './prompts.js';
import { formValue, type FormStepsState } from './steps.js';
import { T } from './texts.js';
import {
  echoTyped,
  formView,
  postedFields,
  shownValue,
  timeReadings,
  unseenReading,
  type BoundForm,
  type WebFormKind,
  type WebFormResult,
  type WebFormView,
} from './web-form.js';

/**
 * The chat's side of a form submitted on the page, without a chat turn (the bot builds the turn context of the
 * question's conversation, its platform's adapter and the person, as an inbound form submission would have).
 */
export interface ChatFormSubmission {
  /**
   * Says `before` in the question's conversation, then runs the bot's own form submission (Bot.onForm) with the form's
   * id and values; its UserError comes back as thrown. Null when the conversation's platform is not running here.
   */
  submit(prompt: PromptRecord, formId: string, values: RawAnswers, before: string): Promise<{ platform: string } | null>;
  /** Says something in the question's conversation (a platform not running here: nothing). */
  tell(prompt: PromptRecord, text: string): Promise<void>;
}

const DEFAULT_INTRO = '請在這一頁填完，送出後回到與小幫手的對話繼續。';

/**
 * Any form FormSteps asks step by step or in pages (`pending_prompt` kind `form`: the assessment, the times forms,
 * the item forms, a notice's delivery batch, a report's submission date, evidence) as one page: its own fields with
 * their initial values and the answers given in chat so far, each checked by the chat's own validateField (times by
 * the natural-time reader, read back to confirm as the report's page does), then submitted through the same
 * submission as in chat (Bot.onForm under the form's own id). A refusal of the submission (UserError) is shown beside
 * the field whose 「label」 it names; a final one (UserError.final) ends the question, as in chat.
 */
export class FormStepsWeb implements WebFormKind {
  constructor(
    private readonly deps: CoreDeps,
    private readonly prompts: PromptStore,
    private readonly chat: ChatFormSubmission,
  ) {}

  /** Who may submit is the submission's own check (roles, the incident's school), as in chat. */
  allowed(): boolean {
    return true;
  }

  async open(b: BoundForm): Promise<WebFormView> {
    const state = this.prompts.state<FormStepsState>(b.prompt);
    const now = this.deps.now();
    const values: RawAnswers = {};
    for (const f of state.fields) {
      const given = state.answers[f.id] ?? f.initial;
      if (given !== undefined) values[f.id] = shownValue(f, given, now);
    }
    return formView(b, texts(state), state.fields, values, [], false, now);
  }

  async submit(b: BoundForm, submitted: RawAnswers, shown: Record<string, string>): Promise<WebFormResult> {
    const state = this.prompts.state<FormStepsState>(b.prompt);
    const { fields } = state;
    const now = this.deps.now();
    const raw = postedFields(fields, submitted);
    const problems: FieldProblem[] = [];
    const values: RawAnswers = {};
    const masked: MaskFinding[] = [];
    for (const f of fields) {
      const r = validateField(f, raw[f.id], now);
      if (!r.ok) problems.push({ field: f.id, message: r.message });
      else {
        values[f.id] = formValue(f, r.value, raw[f.id] ?? '');
        masked.push(...(r.masked ?? []));
      }
    }
    const again = (problems: FieldProblem[], confirm: boolean): WebFormResult => {
      const echo = echoTyped(fields, raw, new Set(problems.map((p) => p.field)), now);
      return { ok: true, form: formView(b, texts(state), fields, echo, problems, confirm, now) };
    };
    if (problems.length) return again(problems, false);
    if (unseenReading(timeReadings(fields, raw, now), shown)) return again([], true);
    const { linkId } = b.claims;
    if (!(await this.deps.repos.webForms.claim(linkId, b.prompt.id, b.actor.personId))) return { ok: false, reason: 'used' };
    let done: { platform: string } | null;
    try {
      done = await this.chat.submit(b.prompt, state.formId, values, T.webFormSubmitted(state.title));
    } catch (err) {
      if (!(err instanceof UserError)) {
        await this.deps.repos.webForms.release(linkId);
        throw err;
      }
      if (err.final) {
        // Answered for good, as in chat (FormSteps.close): the question ends with its message.
        await this.deps.repos.prompts.close(b.prompt.id, 'done');
        await this.chat.tell(b.prompt, err.message);
        return { ok: 'ended', title: state.title, message: err.message, platform: await this.platformOf(b.prompt) };
      }
      // A check across fields: beside the field it names (else in the summary); the link may be sent again.
      await this.deps.repos.webForms.release(linkId);
      await this.chat.tell(b.prompt, T.webFormRefused(state.title));
      const named = fields.find((f) => err.message.includes(`「${f.label}」`));
      return again([{ field: named?.id ?? '', message: err.message }], false);
    }
    if (!done) {
      await this.deps.repos.webForms.release(linkId);
      return { ok: false, reason: 'closed' };
    }
    await this.deps.repos.prompts.close(b.prompt.id, 'done');
    return { ok: 'filed', title: state.title, masked: masked.length ? privacyNotice(merge(masked)) : null, platform: done.platform };
  }

  private async platformOf(prompt: PromptRecord): Promise<string> {
    return (await this.deps.repos.conversations.find(prompt.conversationId))?.platform ?? '';
  }
}

function texts(state: FormStepsState): { title: string; intro: string; submitLabel: string } {
  return { title: state.title, intro: state.intro ?? DEFAULT_INTRO, submitLabel: state.submitLabel ?? '送出' };
}

/** One count per kind of what was masked. */
function merge(found: MaskFinding[]): MaskFinding[] {
  const by = new Map<MaskFinding['kind'], number>();
  for (const m of found) by.set(m.kind, (by.get(m.kind) ?? 0) + m.count);
  return [...by].map(([kind, count]) => ({ kind, count }));
}
