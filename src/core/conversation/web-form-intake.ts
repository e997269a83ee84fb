import type { FormField } from '../../ports/chat-model.js';
import type { PromptRecord } from '../../ports/repositories/index.js';
import type { CoreDeps } from '../context.js';
import { privacyNotice } from '../privacy/mask.js';
import { can, type Actor } from '../roles.js';
import { validateIntake, type RawAnswers } from './intake.js';
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

/** What the intake flow provides: its fields and texts, and its last step (filing and telling the chat). */
export interface IntakeForWeb {
  fieldsFor(prompt: PromptRecord): FormField[];
  answersOf(prompt: PromptRecord): RawAnswers;
  fileFromWeb(prompt: PromptRecord, raw: RawAnswers): Promise<{ ref: string; platform: string } | null>;
}

const TEXTS = { title: T.intakeTitle, intro: T.webFormIntro, submitLabel: '送出通報' };

/**
 * The report asked in chat (`pending_prompt` kind `intake`) as one page: checked by the intake's own validation
 * (validateIntake, the natural-time reader, the masking) and filed by the chat's own last step
 * (IntakeFlow.fileFromWeb), so the chat continues as after its last question.
 */
export class IntakeWeb implements WebFormKind {
  constructor(
    private readonly deps: CoreDeps,
    private readonly intake: IntakeForWeb,
  ) {}

  allowed(actor: Actor): boolean {
    return can(actor, 'incident.report');
  }

  async open(b: BoundForm): Promise<WebFormView> {
    const now = this.deps.now();
    const fields = this.intake.fieldsFor(b.prompt);
    const answers = this.intake.answersOf(b.prompt);
    const values: RawAnswers = {};
    for (const f of fields) {
      const given = answers[f.id] ?? f.initial;
      if (given !== undefined) values[f.id] = shownValue(f, given, now);
    }
    return formView(b, TEXTS, fields, values, [], false, now);
  }

  async submit(b: BoundForm, submitted: RawAnswers, shown: Record<string, string>): Promise<WebFormResult> {
    const fields = this.intake.fieldsFor(b.prompt);
    const now = this.deps.now();
    const raw = postedFields(fields, submitted);
    const v = validateIntake(fields, raw, now);
    const unseen = unseenReading(timeReadings(fields, raw, now), shown);
    if (!v.ok || unseen) {
      const echo = echoTyped(fields, raw, new Set(v.ok ? [] : v.problems.map((p) => p.field)), now);
      return { ok: true, form: formView(b, TEXTS, fields, echo, v.ok ? [] : v.problems, v.ok, now) };
    }
    if (!(await this.deps.repos.webForms.claim(b.claims.linkId, b.prompt.id, b.actor.personId))) return { ok: false, reason: 'used' };
    let filed: { ref: string; platform: string } | null;
    try {
      filed = await this.intake.fileFromWeb(b.prompt, raw);
    } catch (err) {
      await this.deps.repos.webForms.release(b.claims.linkId);
      throw err;
    }
    if (!filed) return { ok: false, reason: 'closed' };
    return {
      ok: 'filed',
      title: T.intakeTitle,
      ref: filed.ref,
      masked: v.result.masked.length ? privacyNotice(v.result.masked) : null,
      platform: filed.platform,
    };
  }
}
