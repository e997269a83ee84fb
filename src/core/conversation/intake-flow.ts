import type { PromptRecord } from '../../ports/repositories/index.js';
import type { ChatAdapter } from '../../ports/chat.js';
import type { ConversationAddress, Form, FormField, InboundEvent } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';
import type { IncidentService, IncidentView } from '../incidents/service.js';
import { UserError } from '../incidents/types.js';
import { maskPersonalData, privacyNotice } from '../privacy/mask.js';
import { can, type Actor } from '../roles.js';
import { formatChatDateTime } from '../time/roc.js';
import { act, formIds } from './actions.js';
import type { Command } from './commands.js';
import { parseWhen, stepQuestion, validateField, validateIntake, type RawAnswers } from './intake.js';
import { headCountText, parseOfferAction, type OfferPrefill } from './offer.js';
import type { PromptStore } from './prompts.js';
import { fieldFromIntake } from './render.js';
import { tellContactWindows, reachPrivately } from './reach.js';
import { isResponsePlace } from './rooms.js';
import { FORM_STEP_TEXTS, KEEP, describeInitial, formPage, pageCount } from './steps.js';
import { T } from './texts.js';
import { addressOf, forPerson, requireActor, type Ctx, type Turns } from './turn.js';
import { WEB_FORM_WORDS, type WebForms } from './web-form.js';
import { IntakeWeb, type IntakeForWeb } from './web-form-intake.js';
import { WHEN_TEXTS, confirmAnswer, confirmButtons } from './when.js';

export interface IntakeState {
  /** `form`: all at once; `pages`: forms of at most `pageSize` fields (index = page); `steps`: one question at a time. */
  mode: 'form' | 'pages' | 'steps';
  pageSize?: number;
  index: number;
  answers: RawAnswers;
  originConversationId: string;
  scenario?: string;
  /** Fields prefilled from the first message, asked step by step as 「目前：…」 with 「不變」 until confirmed. */
  confirm?: string[];
  /** Step by step: an approximate time read for `field`, waiting for 對／重填 (ISO instant). */
  confirmTime?: { field: string; at: string };
  /** When the report was started (ISO): the 「現在」 default of 知悉時間. */
  startedAt?: string;
  /**
   * Time fields whose approximate reading was confirmed step by step, or prefilled from a vague first message
   * (「早上8點多」): recorded as estimates when the value filed is still that reading.
   */
  approximateFields?: string[];
}

/** Hands a filed report on to the response team and the places it concerns (fanout.ts). */
export type DeliverNewIncident = (
  adapter: ChatAdapter,
  intakeAddr: ConversationAddress,
  view: IncidentView,
  originConversationId: string,
) => Promise<void>;

/**
 * The report (intake): started from a command or an offer, asked privately where the platform allows — as one form,
 * in pages of at most `maxFormFields` fields, or step by step — its state an encrypted `pending_prompt` row so a
 * restart resumes it, and filed through `IncidentService.report`.
 */
export class IntakeFlow implements IntakeForWeb {
  constructor(
    private readonly deps: CoreDeps,
    private readonly turns: Turns,
    private readonly prompts: PromptStore,
    private readonly incidents: IncidentService,
    private readonly deliver: DeliverNewIncident,
    /** The web forms of the chat: the report as one page, offered beside the questions (web-form.ts). */
    private readonly web: WebForms | null = null,
  ) {
    web?.register('intake', new IntakeWeb(deps, this));
  }

  /** A submitted intake form: one page of a paged intake, or the whole report. */
  async onForm(ctx: Ctx, prompt: PromptRecord, page: string | undefined, values: RawAnswers): Promise<void> {
    const state = this.prompts.state<IntakeState>(prompt);
    if (state.mode === 'pages' && page !== undefined) return this.onPage(ctx, prompt, state, Number(page), values);
    return void (await this.finish(ctx, prompt, { ...state.answers, ...values }));
  }

  /** The intake's fields; with `shownAt`, fields whose default is 「現在」 are prefilled with that moment. */
  private fields(shownAt?: Date): FormField[] {
    return this.deps.playbooks.intake.map((f) => fieldFromIntake(f, this.deps.playbooks, shownAt));
  }

  /** The options of 「涉及對象」, which an offer may prefill. */
  private peopleKinds(): Set<string> {
    return new Set(this.deps.playbooks.intake.find((f) => f.key === 'affectedKinds')?.options?.map((o) => o.value) ?? []);
  }

  /** 開始通報 on an offer: the parts after `intake:start:` prefill what the first message named. */
  startFromOffer(ctx: Ctx, prefill: readonly string[]): Promise<void> {
    return this.start(ctx, parseOfferAction(prefill, this.deps.playbooks, this.peopleKinds(), this.deps.now()));
  }

  async start(ctx: Ctx, prefill?: OfferPrefill): Promise<void> {
    const actor = requireActor(ctx);
    if (!can(actor, 'incident.report')) throw new UserError('您的身分無法通報事件，請洽個資聯絡窗口。');
    // Details are asked in private where the platform allows it; the group only sees that a report is under way.
    let where = ctx.addr;
    let introduced = false;
    if (ctx.conv.kind === 'group') {
      // The introduction goes first: a private chat that refuses messages (Discord DMs closed) counts as none.
      const direct = await this.turns.inPrivateChat(ctx, actor, (p) => this.turns.say(p.addr, { type: 'text', text: T.intakeIntro }));
      if (direct) {
        introduced = true;
        where = direct.where.addr;
        await this.turns.say(ctx.addr, { type: 'text', text: T.intakeMovedToDirect(actor.displayName) });
      } else if (!isResponsePlace(ctx.conv, actor.schoolId) && !ctx.adapter.capabilities.privateForms) {
        // Answers typed here would be read by the whole group: the report waits for a private chat, and the contact
        // windows hear at once that someone is trying to report (the 4-hour clock may be running).
        await this.turns.say(ctx.addr, { type: 'text', text: T.cannotAskInGroup(actor.displayName, reachPrivately(ctx.adapter)) });
        await tellContactWindows(
          this.deps,
          this.turns.adapters(),
          actor.schoolId,
          T.reporterUnreachable(actor.displayName, ctx.conv.title ?? ctx.addr.title ?? '群組'),
          ctx.adapter.platform,
        );
        return;
      }
    }
    const whereConv = await this.turns.conversationRow(where, actor.schoolId);
    const existing = await this.prompts.open(whereConv.id, actor.personId);
    if (existing?.kind === 'intake') {
      await this.turns.say(where, forPerson(where, ctx.ev.user, T.intakeResume));
      introduced = true;
      const resumed = this.prompts.state<IntakeState>(existing);
      if (resumed.mode !== 'form') await this.offerWeb(where, existing);
      return this.ask(ctx.adapter, where, existing, resumed);
    }
    const fields = this.fields();
    const max = ctx.adapter.capabilities.maxFormFields;
    const mode: IntakeState['mode'] = max >= fields.length ? 'form' : max > 0 ? 'pages' : 'steps';
    const answers: RawAnswers = {};
    const scenario = prefill?.scenario;
    if (scenario && this.deps.playbooks.list().some((p) => p.id === scenario)) {
      answers.scenario = scenario;
      const defaults = this.deps.playbooks.get(scenario).defaults as { involvesSystem?: boolean } | undefined;
      if (defaults?.involvesSystem !== undefined) answers.involvesSystem = defaults.involvesSystem ? 'true' : 'false';
    }
    // What the first message named is prefilled; step by step it is shown with 「不變」 to confirm in one tap.
    const confirm: string[] = [];
    if (prefill?.categories.length) {
      answers.categories = prefill.categories;
      confirm.push('categories');
    }
    if (prefill?.people.length) {
      answers.affectedKinds = prefill.people;
      confirm.push('affectedKinds');
    }
    // When it happened and how many, as the message said: shown to be confirmed (a vague time as 「… 左右」).
    if (prefill?.occurred) {
      answers.occurredAt = prefill.occurred.at.toISOString();
      confirm.push('occurredAt');
    }
    const estimate = prefill?.headCount ? headCountText(prefill.headCount) : undefined;
    if (estimate) {
      answers.affectedEstimate = estimate;
      confirm.push('affectedEstimate');
    }
    const state: IntakeState = {
      mode,
      index: 0,
      answers,
      originConversationId: ctx.conv.id,
      startedAt: this.deps.now().toISOString(),
      ...(scenario ? { scenario } : {}),
      ...(mode === 'pages' ? { pageSize: max } : {}),
      ...(confirm.length ? { confirm } : {}),
      ...(prefill?.occurred?.approximate ? { approximateFields: ['occurredAt'] } : {}),
    };
    const prompt = await this.prompts.create(whereConv.id, actor.personId, 'intake', state);
    // A form in a group is a private modal carrying its own introduction: a message before it would use up the
    // platform's one chance to open it (Discord answers an interaction once).
    if (!introduced && (where.kind === 'direct' || mode === 'steps')) await this.turns.say(where, { type: 'text', text: T.intakeIntro });
    if (mode === 'steps') await this.offerWeb(where, prompt);
    await this.ask(ctx.adapter, where, prompt, state);
    // In pages (Discord), the link follows the first page: a modal can only be the first answer to an interaction.
    if (mode === 'pages') await this.offerWeb(where, prompt);
  }

  /**
   * Step by step or in pages: the same report as one web page, through a one-time link (when the app serves the page).
   * Only in a private chat: a link for one person is not posted where a group would see it (a response group asked in
   * place).
   */
  private async offerWeb(where: ConversationAddress, prompt: PromptRecord): Promise<void> {
    if (where.kind !== 'direct') return;
    const paged = this.prompts.state<IntakeState>(prompt).mode === 'pages';
    const text = (until: string) => T.webFormOffer(until, '通報', paged);
    const card = this.web?.offer(prompt, { text, fallback: '也可以在網頁一次填完通報（連結只能使用一次）' });
    if (card) await this.turns.say(where, card);
  }

  /** The page's fields: those of the chat, 「現在」 being the moment the report was started. */
  fieldsFor(prompt: PromptRecord): FormField[] {
    const state = this.prompts.state<IntakeState>(prompt);
    return this.fields(state.startedAt ? new Date(state.startedAt) : prompt.createdAt);
  }

  /** What was answered in chat so far (masked as stored). */
  answersOf(prompt: PromptRecord): RawAnswers {
    return this.prompts.state<IntakeState>(prompt).answers;
  }

  /**
   * A report filled on the web page (already checked by validateIntake): the chat where it was asked is told, then the
   * chat's own last step files it (the same confirmation, cards and places as after the last question) and closes
   * the question. Null when the conversation's platform is not running here.
   */
  async fileFromWeb(prompt: PromptRecord, raw: RawAnswers): Promise<{ ref: string; platform: string } | null> {
    const conv = await this.deps.repos.conversations.find(prompt.conversationId);
    if (!conv) throw new Error(`Conversation ${prompt.conversationId} of prompt ${prompt.id} is gone`);
    const adapter = this.turns.adapterFor(conv.platform);
    if (!adapter) return null;
    const addr = addressOf(conv);
    await this.turns.say(addr, { type: 'text', text: T.webFormFiled });
    const view = await this.finish({ adapter, addr }, prompt, raw);
    return view ? { ref: view.incident.ref, platform: conv.platform } : null;
  }

  /** A form field prefilled from the first message says so, with the reading to check (「… 左右」 when vague). */
  private readFromMessage(f: FormField, state: IntakeState): Partial<FormField> {
    const value = state.answers[f.id];
    if (!state.confirm?.includes(f.id) || typeof value !== 'string' || (f.id !== 'occurredAt' && f.id !== 'affectedEstimate')) return {};
    const at = f.type === 'datetime' ? parseWhen(value, this.deps.now()) : null;
    if (f.type === 'datetime' && !at) return {};
    const shown = at ? formatChatDateTime(at) + (state.approximateFields?.includes(f.id) ? ' 左右' : '') : value;
    return { help: T.readFromMessage(shown) };
  }

  private async ask(adapter: ChatAdapter, where: ConversationAddress, prompt: PromptRecord, state: IntakeState): Promise<void> {
    // 「現在」 defaults (知悉時間) are the moment the report was started: the reporter knew of the leak by then.
    const fields = this.fields(state.startedAt ? new Date(state.startedAt) : prompt.createdAt);
    if (state.mode === 'pages') {
      const base = {
        formId: '',
        title: T.intakeTitle,
        intro: T.intakeFormIntro,
        submitLabel: '送出通報',
        fields,
        cancelAction: act.cancelPrompt(prompt.id),
      };
      const form = formPage(
        { ...base, fields: fields.map((f) => ({ ...f, ...this.readFromMessage(f, state) })) },
        state.index,
        state.pageSize!,
        state.answers,
      );
      return void (await adapter.send(where, { ...form, formId: formIds.intake(prompt.id, state.index) }));
    }
    if (state.mode === 'form') {
      const form: Form = {
        type: 'form',
        formId: formIds.intake(prompt.id),
        title: T.intakeTitle,
        intro: T.intakeFormIntro,
        fields: fields.map((f) => {
          const initial = state.answers[f.id];
          return initial !== undefined ? { ...f, initial, ...this.readFromMessage(f, state) } : f;
        }),
        submitLabel: '送出通報',
        cancelAction: act.cancelPrompt(prompt.id),
        fallbackText: '個資事件通報表',
      };
      return void (await adapter.send(where, form));
    }
    // Step by step: skip fields already answered (e.g. the scenario chosen from the offer), except those prefilled
    // from the first message, which are shown with their value to confirm.
    const toConfirm = (id: string) => state.confirm?.includes(id) === true;
    let index = state.index;
    while (index < fields.length && state.answers[fields[index]!.id] !== undefined && !toConfirm(fields[index]!.id)) index += 1;
    if (index !== state.index) {
      state.index = index;
      await this.prompts.save(prompt, state, fields[index]?.id ?? null);
    }
    if (index >= fields.length) return void (await this.finish({ adapter, addr: where } as Ctx, prompt, state.answers));
    const field = fields[index]!;
    const initial = toConfirm(field.id) ? state.answers[field.id] : undefined;
    const q = stepQuestion(field, index, fields.length, prompt.id);
    if (initial !== undefined) {
      // The intake's own question and buttons, with the prefilled value and 「不變」 first.
      const lines = q.text.split('\n');
      const shown =
        field.type === 'datetime' && typeof initial === 'string'
          ? formatChatDateTime(new Date(initial)) + (state.approximateFields?.includes(field.id) ? ' 左右' : '')
          : describeInitial({ ...field, initial });
      lines.splice(1, 0, FORM_STEP_TEXTS.current(shown ?? ''));
      return void (await this.turns.say(where, {
        type: 'text',
        text: lines.join('\n'),
        quickReplies: [{ label: KEEP, action: act.say(KEEP) }, ...q.quickReplies],
      }));
    }
    await this.turns.say(where, { type: 'text', text: q.text, quickReplies: q.quickReplies });
  }

  /** A typed answer to the intake (or a command while it is open: 上一步, 通報 again). `text` is already masked. */
  async onAnswer(ctx: Ctx, prompt: PromptRecord, text: string, cmd: Command | undefined): Promise<void> {
    const state = this.prompts.state<IntakeState>(prompt);
    const fields = this.fields();
    if (state.mode === 'pages' && cmd === 'back' && state.index > 0) {
      state.index -= 1;
      await this.prompts.save(prompt, state, `page:${state.index}`);
      return this.ask(ctx.adapter, ctx.addr, prompt, state);
    }
    if (state.mode !== 'form' && WEB_FORM_WORDS.has(text.trim())) {
      // A new link (the last one expired or was lost), then the question or page where the chat stands.
      await this.offerWeb(ctx.addr, prompt);
      return this.ask(ctx.adapter, ctx.addr, prompt, state);
    }
    if (state.mode === 'form' || state.mode === 'pages') {
      if (cmd === 'back' || cmd === 'report') return this.ask(ctx.adapter, ctx.addr, prompt, state);
      // A form is open; plain text is not an answer to it.
      await this.turns.say(ctx.addr, { type: 'text', text: '請填寫上方的通報表後送出，或輸入「取消」。' });
      if (state.mode === 'pages') return this.ask(ctx.adapter, ctx.addr, prompt, state);
      return;
    }
    if (cmd === 'back') {
      const prev = Math.max(0, state.index - 1);
      delete state.answers[fields[prev]!.id];
      if (prev === 0 && state.scenario) delete state.scenario;
      state.index = prev;
      await this.prompts.save(prompt, state, fields[prev]!.id);
      const q = stepQuestion(fields[prev]!, prev, fields.length, prompt.id);
      return this.turns.say(ctx.addr, { type: 'text', text: q.text, quickReplies: q.quickReplies });
    }
    if (cmd === 'report') {
      await this.turns.say(ctx.addr, { type: 'text', text: T.intakeResume });
      return this.ask(ctx.adapter, ctx.addr, prompt, state);
    }
    const field = fields[state.index]!;
    if (state.confirm?.includes(field.id)) {
      state.confirm = state.confirm.filter((id) => id !== field.id);
      if (text === KEEP && state.answers[field.id] !== undefined) {
        state.index += 1;
        await this.prompts.save(prompt, state, fields[state.index]?.id ?? null);
        return this.ask(ctx.adapter, ctx.addr, prompt, state);
      }
      // Another answer replaces the prefilled one (an invalid one is asked again without it).
      delete state.answers[field.id];
    }
    if (state.confirmTime) {
      // 「記為 … 左右，對嗎？」: 對 keeps the reading, 重填 asks again, any other text is a new answer.
      const pending = state.confirmTime;
      delete state.confirmTime;
      const c = pending.field === field.id ? confirmAnswer(text) : 'redo';
      if (c === 'yes') {
        state.answers[field.id] = pending.at;
        state.approximateFields = [...new Set([...(state.approximateFields ?? []), field.id])];
        state.index += 1;
        await this.prompts.save(prompt, state, fields[state.index]?.id ?? null);
        return this.ask(ctx.adapter, ctx.addr, prompt, state);
      }
      if (c === 'redo') {
        await this.prompts.save(prompt, state, field.id);
        const q = stepQuestion(field, state.index, fields.length, prompt.id);
        return this.turns.say(ctx.addr, { type: 'text', text: q.text, quickReplies: q.quickReplies });
      }
    }
    const answer = text === T.skipped && !field.required ? '' : text;
    const r = validateField(field, answer, this.deps.now());
    if (!r.ok) {
      const q = stepQuestion(field, state.index, fields.length, prompt.id);
      return this.turns.say(ctx.addr, { type: 'text', text: `${r.message}\n\n${q.text}`, quickReplies: q.quickReplies });
    }
    if (r.approximate && r.value instanceof Date) {
      state.confirmTime = { field: field.id, at: r.value.toISOString() };
      await this.prompts.save(prompt, state, field.id);
      const quick = [...confirmButtons(), { label: '取消通報', action: act.cancelPrompt(prompt.id) }];
      return this.turns.say(ctx.addr, { type: 'text', text: WHEN_TEXTS.confirm(field.label, r.value), quickReplies: quick });
    }
    // Relative times (「現在」「昨天 9:00」) are fixed when typed: the intake may be finished after midnight or a restart.
    state.answers[field.id] = r.value instanceof Date ? r.value.toISOString() : answer;
    if (state.approximateFields?.includes(field.id)) state.approximateFields = state.approximateFields.filter((f) => f !== field.id);
    state.index += 1;
    await this.prompts.save(prompt, state, fields[state.index]?.id ?? null);
    return this.ask(ctx.adapter, ctx.addr, prompt, state);
  }

  private async finish(
    ctx: Pick<Ctx, 'adapter' | 'addr'> & { ev?: InboundEvent },
    prompt: PromptRecord,
    raw: RawAnswers,
  ): Promise<IncidentView | undefined> {
    const fields = this.fields();
    const now = this.deps.now();
    const v = validateIntake(fields, raw, now);
    // A report filled in a private form inside a group (a modal): what is said about it is for the reporter alone.
    const user = ctx.ev?.user;
    if (!v.ok) {
      const state = this.prompts.state<IntakeState>(prompt);
      await this.turns.say(ctx.addr, forPerson(ctx.addr, user, T.problems(v.problems.map((p) => p.message))));
      if (state.mode === 'form' || state.mode === 'pages') {
        // The form goes back with what was typed, masked like everything else that is sent and stored.
        const bad = new Set(v.problems.map((p) => p.field));
        const echo: RawAnswers = {};
        for (const [key, value] of Object.entries(raw)) {
          const type = fields.find((f) => f.id === key)?.type;
          const free = type === 'text' || type === 'textarea' || bad.has(key);
          echo[key] = free && typeof value === 'string' ? maskPersonalData(value, { now }).text : value;
        }
        if (state.mode === 'form') return void (await this.ask(ctx.adapter, ctx.addr, prompt, { ...state, answers: echo }));
        // Paged: back to the page of the first problem, everything entered kept (masked).
        const firstBadField = fields.findIndex((f) => bad.has(f.id));
        const next: IntakeState = { ...state, answers: echo, index: Math.floor(Math.max(0, firstBadField) / state.pageSize!) };
        await this.prompts.save(prompt, next, `page:${next.index}`);
        return void (await this.ask(ctx.adapter, ctx.addr, prompt, next));
      }
      const firstBad = fields.findIndex((f) => f.id === v.problems[0]!.field);
      delete raw[fields[firstBad]!.id];
      const next = { ...state, answers: raw, index: firstBad };
      await this.prompts.save(prompt, next, fields[firstBad]!.id);
      return void (await this.ask(ctx.adapter, ctx.addr, prompt, next));
    }
    const person = await this.deps.repos.people.find(prompt.personId);
    if (!person) throw new Error(`Person ${prompt.personId} of prompt ${prompt.id} not found`);
    const reporter: Actor = { personId: person.id, schoolId: person.schoolId, displayName: person.displayName, roles: person.roles };
    const state = this.prompts.state<IntakeState>(prompt);
    // A reading kept as it was (confirmed step by step, or a vague prefill sent unchanged) stays an estimate.
    const kept = (state.approximateFields ?? []).filter((f) => {
      const filed = (v.result.answers as unknown as Record<string, unknown>)[f];
      const read = state.answers[f];
      return filed instanceof Date && typeof read === 'string' && parseWhen(read, now)?.getTime() === filed.getTime();
    });
    const approximateTimes = [...new Set([...(v.result.answers.approximateTimes ?? []), ...kept])];
    const answers = { ...v.result.answers, ...(approximateTimes.length ? { approximateTimes } : {}) };
    const view = await this.incidents.report(reporter, state.originConversationId, answers);
    await this.deps.repos.prompts.close(prompt.id, 'done');
    if (v.result.masked.length > 0) await this.turns.say(ctx.addr, forPerson(ctx.addr, user, privacyNotice(v.result.masked)));
    const approximate = [
      ...v.result.approximate,
      ...(state.mode === 'steps'
        ? []
        : kept.map((field) => ({ field, at: (v.result.answers as unknown as Record<string, Date>)[field]! }))),
    ];
    if (approximate.length > 0) {
      // A form was filed with a vague time (「昨天下午」): the reading is shown at once, to be corrected if wrong.
      const parts = approximate.map((a) => WHEN_TEXTS.approxPart(fields.find((f) => f.id === a.field)?.label ?? a.field, a.at));
      await this.turns.say(ctx.addr, forPerson(ctx.addr, user, WHEN_TEXTS.filedApproximate(parts)));
    }
    await this.deliver(ctx.adapter, ctx.addr, view, state.originConversationId);
    return view;
  }

  /** One page of the paged intake was submitted: keep its answers, show the next page or finish. */
  private async onPage(ctx: Ctx, prompt: PromptRecord, state: IntakeState, page: number, values: RawAnswers): Promise<void> {
    const fields = this.fields();
    const size = state.pageSize!;
    const pages = pageCount(fields.length, size);
    if (!Number.isInteger(page) || page < 0 || page >= pages) throw new UserError(T.promptExpired);
    for (const f of fields.slice(page * size, (page + 1) * size)) {
      if (values[f.id] !== undefined) state.answers[f.id] = values[f.id]!;
    }
    if (page + 1 < pages) {
      state.index = page + 1;
      await this.prompts.save(prompt, state, `page:${state.index}`);
      return this.ask(ctx.adapter, ctx.addr, prompt, state);
    }
    await this.prompts.save(prompt, state, null);
    return void (await this.finish(ctx, prompt, state.answers));
  }
}
