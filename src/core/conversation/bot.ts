import { join } from 'node:path';
import type { Conversation, PendingPrompt } from '../../generated/prisma/client.js';
import type { ChatAdapter } from '../../ports/chat.js';
import type { Card, ConversationAddress, Form, FormField, InboundEvent, OutboundMessage, PlatformUser, TextMessage } from '../../ports/chat-model.js';
import { LINK_ACTION, MAX_ACTION_LENGTH } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';
import { newId } from '../ids.js';
import { IncidentService, type IncidentView } from '../incidents/service.js';
import { STATUS_LABELS, UserError, type Assessment } from '../incidents/types.js';
import { maskPersonalData, privacyNotice } from '../privacy/mask.js';
import { schoolKeepList } from '../privacy/kept.js';
import { BindingService, parseBindingCommand } from '../people/binding.js';
import { NoticeChat, parseNoticeCommand } from '../notices/chat.js';
import { ReportChat, parseReportCommand } from '../documents/chat.js';
import { EvidenceLocker } from '../evidence/locker.js';
import { EvidenceChat, parseEvidenceCommand } from './evidence.js';
import { ReportService, noticeSource } from '../documents/service.js';
import { loadNoticeTemplates } from '../notices/templates.js';
import { can, roleNames, type Actor } from '../roles.js';
import { formatChatDateTime } from '../time/roc.js';
import { ITEM_FORM_PREFIX, itemAsksNow, itemForm, readItemForm } from './item-form.js';
import { MINE_PREFIX, act, assessmentForm, checklistCard, fieldFromIntake, incidentCard, itemDetailText, summaryText } from './render.js';
import { WHEN_TEXTS, confirmAnswer, confirmButtons } from './when.js';
import { parseBoolean, parseWhen, stepQuestion, validateField, validateIntake, type RawAnswers } from './intake.js';
import { PromptStore } from './prompts.js';
import { ONE_SHOT_OVERHEAD, OneShotChoices } from './choices.js';
import { isResponsePlace, openRoom, ROOM_TEXTS } from './rooms.js';
import { ensureConversation } from './rows.js';
import { contactWindowChats, reachPrivately, tellContactWindows } from './reach.js';
import { FORM_PAGE_PREFIX, FORM_STEPS_KIND, FORM_STEP_TEXTS, FormSteps, type FormStepsState, KEEP, describeInitial, fitsAsForm, formPage, pageCount } from './steps.js';
import { headCountText, offerAction, offerReasons, parseOfferAction, prefillFrom, type OfferPrefill } from './offer.js';
import { T } from './texts.js';
import { chatTextProblem, formValueProblem, MAX_TEXT_LENGTH, type TextProblem } from './limits.js';
import { ContactWindowAlerts } from './alerts.js';
import { withMentions } from '../people/mentions.js';
import { myTasks } from './mytasks.js';
import { homeCards } from './home.js';
import { asksCompletionTime, completionForm, correctionForm, endingForm, openBeforeEnding, openItemsCard, readCompletion, readCorrection, readEnding } from './times.js';


interface Ctx {
  ev: InboundEvent;
  adapter: ChatAdapter;
  conv: Conversation;
  addr: ConversationAddress;
  actor: Actor | null;
  schoolName: string;
  /** The person's school's values on record that masking keeps (its contact telephone). */
  keep: string[];
}

interface IntakeState {
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

interface ItemPromptState {
  itemId: string;
  to: 'done' | 'na';
  title: string;
}

type Command = 'help' | 'report' | 'list' | 'summary' | 'checklist' | 'assess' | 'correct' | 'cancel' | 'back' | 'whoami' | 'mine';

const COMMANDS: [RegExp, Command][] = [
  [/^(\/help|help|說明|幫助|指令|選單)$/i, 'help'],
  [/^(\/report|通報|我要通報|回報|通報個資事件|開始通報)$/i, 'report'],
  [/^(\/incidents|事件|事件列表|進行中事件)$/i, 'list'],
  [/^(\/mytasks|我的工作|我的任務|我的待辦)$/i, 'mine'],
  [/^(\/summary|摘要)(\s+\S+)?$/i, 'summary'],
  [/^(\/checklist|清單|檢核清單)(\s+\S+)?$/i, 'checklist'],
  [/^(\/assess|評估|影響評估)(\s+\S+)?$/i, 'assess'],
  [/^(\/correct|更正|更正時間)(\s+\S+)?$/i, 'correct'],
  [/^(\/cancel|取消)$/i, 'cancel'],
  [/^(\/back|上一步)$/i, 'back'],
  [/^(\/whoami|我是誰)$/i, 'whoami'],
];

/** Commands that only show something: they are answered while a question is open, which stays open. */
const ANSWERED_DURING_PROMPT = new Set<Command>(['help', 'whoami', 'list', 'summary', 'checklist', 'assess', 'correct', 'mine']);

/**
 * The conversation engine: turns neutral inbound events into incident operations and neutral replies.
 * It decides *what* is said and *where* (a group, the response team, a private chat); adapters decide *how*.
 */
export class Bot {
  readonly incidents: IncidentService;
  readonly binding: BindingService;
  /** Notices to the affected people and the principal's approval (src/core/notices). */
  readonly notices: NoticeChat;
  /** Reports to the authority: download links, submission dates, the full export (src/core/documents). */
  readonly reports: ReportChat;
  /** Warnings about the bot itself for the contact windows (e.g. a platform's message quota running out). */
  readonly alerts: ContactWindowAlerts;
  /** Evidence sent from the chat, filed into the locker (src/core/conversation/evidence.ts). */
  readonly evidence: EvidenceChat;
  private readonly adapters = new Map<string, ChatAdapter>();
  private readonly prompts: PromptStore;
  /** Forms asked one field at a time where the platform cannot show them. */
  private readonly forms: FormSteps;
  /** Offers and other buttons that may be pressed once (src/core/conversation/choices.ts). */
  private readonly choices: OneShotChoices;

  constructor(private readonly deps: CoreDeps) {
    this.incidents = new IncidentService(deps);
    this.prompts = new PromptStore(deps);
    this.forms = new FormSteps(deps);
    this.choices = new OneShotChoices(deps);
    this.binding = new BindingService(deps);
    this.notices = new NoticeChat(deps, loadNoticeTemplates(join(deps.playbooks.dir, 'notices')), (p) => this.adapters.get(p));
    this.reports = new ReportChat(deps, new ReportService(deps, this.incidents, noticeSource(this.notices.service)), (p) => this.adapters.get(p),
      async (ctx, id) => this.refreshCards(ctx as Ctx, await this.incidents.get(id), ['checklist', 'incident']));
    this.alerts = new ContactWindowAlerts(deps, (p) => this.adapters.get(p));
    const locker = deps.evidence ? new EvidenceLocker(deps, deps.evidence) : null;
    this.evidence = new EvidenceChat(deps, locker, this.reports.links, () => this.reports.baseUrl, (p) => this.adapters.get(p),
      async (ctx, id) => this.refreshCards(ctx as Ctx, await this.incidents.get(id), ['checklist']));
  }

  register(adapter: ChatAdapter): void {
    this.adapters.set(adapter.platform, adapter);
  }

  /** The registered adapter of a platform (reminders are sent through the same adapters as replies). */
  adapterFor(platform: string): ChatAdapter | undefined {
    return this.adapters.get(platform);
  }

  /** A person's own overview (open incidents they may see, their tasks, clocks due next) for a platform's home page. */
  home(user: PlatformUser): Promise<Card[]> {
    return homeCards(this.deps, user);
  }

  /** Handles one inbound event. Redeliveries (same platform event id) are ignored. */
  async handle(ev: InboundEvent): Promise<void> {
    const { prisma } = this.deps;
    const seen = await prisma.processedEvent.findUnique({
      where: { platform_eventId: { platform: ev.conversation.platform, eventId: ev.eventId } },
    });
    if (seen) {
      this.deps.log.info({ platform: ev.conversation.platform, eventId: ev.eventId }, 'duplicate event ignored');
      return;
    }
    const ctx = await this.context(ev);
    try {
      await this.route(ctx);
    } catch (err) {
      if (err instanceof UserError) await this.answer(ctx, err.message);
      else throw err;
    }
    await prisma.processedEvent.createMany({
      data: [{ platform: ev.conversation.platform, eventId: ev.eventId }],
      skipDuplicates: true,
    });
  }

  // ------------------------------------------------------------------ context

  private async context(ev: InboundEvent): Promise<Ctx> {
    const adapter = this.adapters.get(ev.conversation.platform);
    if (!adapter) throw new Error(`No adapter registered for platform "${ev.conversation.platform}"`);
    const { prisma } = this.deps;
    const identity = await prisma.identity.findUnique({
      where: { platform_externalId: { platform: ev.user.platform, externalId: ev.user.externalId } },
      include: { person: { include: { school: true } } },
    });
    const person = identity?.person.active ? identity.person : null;
    const conv = await ensureConversation(prisma, {
      id: newId(),
      platform: ev.conversation.platform,
      externalId: ev.conversation.externalId,
      kind: ev.conversation.kind,
      purpose: ev.conversation.kind === 'direct' ? 'direct' : 'staff',
      title: ev.conversation.title ?? null,
      schoolId: ev.conversation.kind === 'direct' ? (person?.schoolId ?? null) : null,
    });
    const actor: Actor | null =
      person && (conv.schoolId === null || conv.schoolId === person.schoolId)
        ? { personId: person.id, schoolId: person.schoolId, displayName: person.displayName, roles: person.roles }
        : null;
    const keep = schoolKeepList(identity?.person.school);
    return { ev, adapter, conv, addr: ev.conversation, actor, schoolName: identity?.person.school.name ?? '', keep };
  }

  // ------------------------------------------------------------------ routing

  private async route(ctx: Ctx): Promise<void> {
    const { ev } = ctx;
    if (ev.type === 'message') return this.onText(ctx, ev.text);
    if (ev.type === 'action') return this.onAction(ctx, ev.action);
    if (ev.type === 'file') return this.evidence.onFile(ctx, ev);
    return this.onForm(ctx, ev.formId, ev.values);
  }

  private requireActor(ctx: Ctx): Actor {
    if (!ctx.actor) throw new UserError(ctx.conv.kind === 'group' && !ctx.conv.schoolId ? T.groupNotBound : T.unknownPerson);
    return ctx.actor;
  }

  private async onText(ctx: Ctx, rawText: string): Promise<void> {
    // Binding codes are read before masking (six digits look like a student number); they are never stored.
    const binding = parseBindingCommand(rawText);
    if (binding) {
      const text = await this.binding.command(binding, { conversation: ctx.conv, actor: ctx.actor, user: ctx.ev.user, reachPrivately: reachPrivately(ctx.adapter) });
      // Binding a group is news for the group; everything else (codes, refusals) is for the person alone.
      if (binding.kind === 'bindGroup' || binding.kind === 'unbindGroup') return this.say(ctx.addr, { type: 'text', text });
      return this.answer(ctx, text);
    }
    const problem = chatTextProblem(rawText);
    if (problem) return this.onUnusableText(ctx, rawText, problem);
    const masked = maskPersonalData(rawText, { now: this.deps.now(), keep: ctx.keep });
    const text = masked.text.normalize('NFKC').trim();
    if (masked.masked) await this.say(ctx.addr, { type: 'text', text: privacyNotice(masked.findings) });

    const prompt = ctx.actor ? await this.openPrompt(ctx.conv.id, ctx.actor.personId) : null;
    const command = parseCommand(text);
    if (prompt && !(command && ANSWERED_DURING_PROMPT.has(command.cmd))) {
      return this.onPromptAnswer(ctx, prompt, masked.text.trim(), command?.cmd);
    }
    if (command) return this.onCommand(ctx, command.cmd, command.arg);
    const noticeCommand = parseNoticeCommand(text);
    if (noticeCommand) return this.notices.onCommand(ctx, noticeCommand.arg);
    const reportCommand = parseReportCommand(text);
    if (reportCommand) return this.reports.onCommand(ctx, reportCommand.arg);
    const evidenceCommand = parseEvidenceCommand(text);
    if (evidenceCommand) return this.evidence.onCommand(ctx, evidenceCommand.arg);
    if (text.startsWith('/')) {
      return this.answer(ctx, T.unknownCommand(text.split(/\s/)[0]!) + T.help);
    }
    const detected = this.deps.playbooks.detect(text);
    if (detected.isLeakReport) {
      const scenario = detected.scenario ? this.deps.playbooks.get(detected.scenario) : undefined;
      // One-shot: once someone answers, the offer shows who did and loses its buttons for everyone.
      return this.choices.post(ctx.adapter, ctx.addr, ctx.conv.id, {
        type: 'text',
        text: T.offer(scenario && scenario.id !== 'general' ? scenario.title : undefined, offerReasons(detected.matched)),
        quickReplies: [
          // The offer is a one-shot choice: its actions are wrapped (choices.ts), so they leave room for the wrapper.
          { label: '開始通報', action: offerAction(prefillFrom(detected, text, this.deps.now()), Math.min(ctx.adapter.capabilities.maxActionLength, MAX_ACTION_LENGTH) - ONE_SHOT_OVERHEAD), style: 'primary', taken: T.offerStarted },
          { label: '不是', action: 'intake:dismiss', taken: T.offerRefused },
        ],
      });
    }
    if (ctx.conv.kind === 'direct') return this.say(ctx.addr, { type: 'text', text: `${T.notUnderstood}\n${T.help}` });
    // Ordinary group chatter: stay quiet.
  }

  /**
   * An empty or too-long text is not processed. The person is told what is wrong where the text was meant for the
   * bot: a private chat, a question of theirs that is open here, or (too long) a group message that reads as a leak
   * report in its first part. Other group chatter is left alone, as ordinary chatter is.
   */
  private async onUnusableText(ctx: Ctx, rawText: string, problem: TextProblem): Promise<void> {
    let addressed = ctx.conv.kind === 'direct' || (ctx.actor !== null && (await this.openPrompt(ctx.conv.id, ctx.actor.personId)) !== null);
    if (!addressed && problem.kind === 'too-long') {
      const head = maskPersonalData([...rawText].slice(0, MAX_TEXT_LENGTH).join(''), { now: this.deps.now(), keep: ctx.keep }).text;
      addressed = head.trim().startsWith('/') || this.deps.playbooks.detect(head.normalize('NFKC')).isLeakReport;
    }
    if (addressed) await this.say(ctx.addr, { type: 'text', text: problem.message });
  }

  private async onCommand(ctx: Ctx, cmd: Command, arg: string | undefined): Promise<void> {
    switch (cmd) {
      case 'help':
        return this.answer(ctx, T.help);
      case 'whoami': {
        const a = this.requireActor(ctx);
        return this.answer(ctx, T.whoami(a.displayName, ctx.schoolName, roleNames(a.roles)));
      }
      case 'report':
        return this.startIntake(ctx);
      case 'cancel':
      case 'back':
        return this.answer(ctx, T.nothingToCancel);
      case 'list':
        return this.listIncidents(ctx);
      case 'mine': {
        // The steps name incidents: shown in a private chat or the response group, else moved to a private chat.
        const actor = this.requireActor(ctx);
        let where = ctx.addr;
        if (ctx.conv.kind === 'group' && ctx.conv.purpose !== 'response') {
          const direct = await ctx.adapter.directConversation(ctx.ev.user);
          if (!direct) return this.answer(ctx, T.cannotShowHere(reachPrivately(ctx.adapter)));
          await this.answer(ctx, T.detailsOnlyPrivately);
          where = direct;
        }
        return this.say(where, await myTasks(this.deps.prisma, actor));
      }
      case 'summary':
      case 'checklist':
      case 'assess':
      case 'correct': {
        const actor = this.requireActor(ctx);
        const what = cmd === 'correct' ? 'fix' : cmd;
        if (!arg) {
          const open = await this.incidents.listOpen(actor.schoolId);
          if (open.length !== 1) return this.say(ctx.addr, { type: 'text', text: T.refNeeded({ summary: '摘要', checklist: '清單', assess: '評估', correct: '更正' }[cmd]) });
          return this.showIncident(ctx, open[0]!.id, what);
        }
        const incident = await this.incidents.findByRef(actor.schoolId, arg);
        if (!incident) return this.say(ctx.addr, { type: 'text', text: T.refUnknown(arg) });
        return this.showIncident(ctx, incident.id, what);
      }
    }
  }

  private async onAction(ctx: Ctx, action: string): Promise<void> {
    const [kind, a, b] = action.split(':');
    if (kind === 'once') {
      const name = ctx.actor?.displayName ?? ctx.ev.user.displayName ?? T.someone;
      const messageId = ctx.ev.type === 'action' ? ctx.ev.messageId : undefined;
      const take = { adapter: ctx.adapter, addr: ctx.addr, personId: ctx.actor?.personId ?? null, name, ...(messageId ? { messageId } : {}) };
      return this.choices.take(take, action, (inner) => this.onAction(ctx, inner));
    }
    if (kind === 'say') return this.onText(ctx, action.slice(4));
    // A link button opened its address on the platform; nothing to do here.
    if (action === LINK_ACTION) return;
    if (kind === 'ntc') return this.notices.onAction(ctx, action);
    if (kind === 'rpt') return this.reports.onAction(ctx, action);
    if (kind === 'evd') return this.evidence.onAction(ctx, action);
    if (kind === 'intake' && a === 'start') return this.startIntake(ctx, parseOfferAction(action.split(':').slice(2), this.deps.playbooks, this.peopleKinds(), this.deps.now()));
    if (kind === 'intake' && a === 'dismiss') return this.answer(ctx, T.offerDismissed);
    if (kind === 'prompt' && a === 'cancel' && b) return this.cancelPrompt(ctx, b);
    if (kind === 'ck' && a && b) return this.onItemAction(ctx, a, b);
    if (kind === 'inc' && a && b) {
      const actor = this.requireActor(ctx);
      if (b === 'checklist' || b === 'summary' || b === 'assess') return this.showIncident(ctx, a, b);
      if (b === 'card') return this.showIncident(ctx, a, 'card');
      // 處理結束 asks for its real time and settles every open item first (a form, src/core/conversation/times.ts).
      if (b === 'end' || b === 'fix') return this.showIncident(ctx, a, b);
      const to = b === 'notifying' ? 'notifying' : b === 'close' ? 'closed' : null;
      if (!to) throw new UserError(T.promptExpired);
      const view = await this.incidents.advance(actor, a, to);
      return this.refreshCards(ctx, view, ['incident']);
    }
    this.deps.log.warn({ action: action.slice(0, 40) }, 'unknown action');
    return this.say(ctx.addr, { type: 'text', text: T.promptExpired });
  }

  private async onForm(ctx: Ctx, formId: string, values: Record<string, string | string[]>): Promise<void> {
    const [kind, id, page] = formId.split(':');
    if (!id) throw new UserError(T.promptExpired);
    const tooLong = formValueProblem(values);
    if (tooLong) throw new UserError(tooLong);
    if (kind === 'assess') return this.submitAssessment(ctx, id, values);
    if (kind === 'end' || kind === 'fix' || kind === 'done') return this.submitTimes(ctx, kind, id, values);
    if (kind === 'ntc') return this.notices.onForm(ctx, formId, values);
    if (kind === 'rpt') return this.reports.onForm(ctx, formId, values);
    if (kind === 'evd') return this.evidence.onForm(ctx, formId, values);
    if (kind === ITEM_FORM_PREFIX) return this.submitItemForm(ctx, id, values);
    const actor = this.requireActor(ctx);
    const prompt = await this.deps.prisma.pendingPrompt.findUnique({ where: { id } });
    if (!prompt || prompt.personId !== actor.personId || prompt.status !== 'open' || prompt.expiresAt < this.deps.now()) {
      throw new UserError(T.promptExpired);
    }
    if (kind === FORM_PAGE_PREFIX && prompt.kind === FORM_STEPS_KIND) {
      return this.forms.onPage(ctx.adapter, ctx.addr, prompt, Number(page), values, (realId, all) => this.onForm(ctx, realId, all));
    }
    if (kind === 'intake') {
      const state = this.promptState<IntakeState>(prompt);
      if (state.mode === 'pages' && page !== undefined) return this.onIntakePage(ctx, prompt, state, Number(page), values);
      return this.finishIntake(ctx, prompt, { ...state.answers, ...values });
    }
    if (kind === 'item') {
      const note = Array.isArray(values.note) ? values.note.join('、') : (values.note ?? '');
      return this.finishItemPrompt(ctx, prompt, note);
    }
    throw new UserError(T.promptExpired);
  }

  // ------------------------------------------------------------------ intake

  /** The intake's fields; with `shownAt`, fields whose default is 「現在」 are prefilled with that moment. */
  private intakeFields(shownAt?: Date): FormField[] {
    return this.deps.playbooks.intake.map((f) => fieldFromIntake(f, this.deps.playbooks, shownAt));
  }

  /** The options of 「涉及對象」, which an offer may prefill. */
  private peopleKinds(): Set<string> {
    return new Set(this.deps.playbooks.intake.find((f) => f.key === 'affectedKinds')?.options?.map((o) => o.value) ?? []);
  }

  private async startIntake(ctx: Ctx, prefill?: OfferPrefill): Promise<void> {
    const actor = this.requireActor(ctx);
    if (!can(actor, 'incident.report')) throw new UserError('您的身分無法通報事件，請洽個資聯絡窗口。');
    // Details are asked in private where the platform allows it; the group only sees that a report is under way.
    let where = ctx.addr;
    let introduced = false;
    if (ctx.conv.kind === 'group') {
      let direct = await ctx.adapter.directConversation(ctx.ev.user);
      if (direct) {
        // A private chat that exists but refuses messages (Discord DMs closed) counts as none.
        try {
          await this.say(direct, { type: 'text', text: T.intakeIntro });
          introduced = true;
        } catch (err) {
          this.deps.log.warn({ err: { type: (err as Error).name, message: (err as Error).message }, platform: ctx.adapter.platform }, 'the reporter\'s private chat refused a message; the report is handled as if there were none');
          direct = null;
        }
      }
      if (direct) {
        where = direct;
        await this.say(ctx.addr, { type: 'text', text: T.intakeMovedToDirect(actor.displayName) });
      } else if (!isResponsePlace(ctx.conv, actor.schoolId) && !ctx.adapter.capabilities.privateForms) {
        // Answers typed here would be read by the whole group: the report waits for a private chat, and the contact
        // windows hear at once that someone is trying to report (the 4-hour clock may be running).
        await this.say(ctx.addr, { type: 'text', text: T.cannotAskInGroup(actor.displayName, reachPrivately(ctx.adapter)) });
        await tellContactWindows(this.deps, this.adapters.values(), actor.schoolId, T.reporterUnreachable(actor.displayName, ctx.conv.title ?? ctx.addr.title ?? '群組'), ctx.adapter.platform);
        return;
      }
    }
    const whereConv = await this.conversationRow(where, actor.schoolId);
    const existing = await this.openPrompt(whereConv.id, actor.personId);
    if (existing?.kind === 'intake') {
      await this.say(where, this.forPerson(where, ctx.ev.user, T.intakeResume));
      introduced = true;
      return this.askIntake(ctx.adapter, where, existing, this.promptState<IntakeState>(existing));
    }
    const fields = this.intakeFields();
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
    if (prefill?.categories.length) (answers.categories = prefill.categories), confirm.push('categories');
    if (prefill?.people.length) (answers.affectedKinds = prefill.people), confirm.push('affectedKinds');
    // When it happened and how many, as the message said: shown to be confirmed (a vague time as 「… 左右」).
    if (prefill?.occurred) (answers.occurredAt = prefill.occurred.at.toISOString()), confirm.push('occurredAt');
    if (prefill?.headCount && headCountText(prefill.headCount)) (answers.affectedEstimate = headCountText(prefill.headCount)), confirm.push('affectedEstimate');
    const state: IntakeState = {
      mode, index: 0, answers, originConversationId: ctx.conv.id, startedAt: this.deps.now().toISOString(), ...(scenario ? { scenario } : {}), ...(mode === 'pages' ? { pageSize: max } : {}),
      ...(confirm.length ? { confirm } : {}),
      ...(prefill?.occurred?.approximate ? { approximateFields: ['occurredAt'] } : {}),
    };
    const prompt = await this.createPrompt(whereConv.id, actor.personId, 'intake', state);
    // A form in a group is a private modal carrying its own introduction: a message before it would use up the
    // platform's one chance to open it (Discord answers an interaction once).
    if (!introduced && (where.kind === 'direct' || mode === 'steps')) await this.say(where, { type: 'text', text: T.intakeIntro });
    return this.askIntake(ctx.adapter, where, prompt, state);
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

  private async askIntake(adapter: ChatAdapter, where: ConversationAddress, prompt: PendingPrompt, state: IntakeState): Promise<void> {
    // 「現在」 defaults (知悉時間) are the moment the report was started: the reporter knew of the leak by then.
    const fields = this.intakeFields(state.startedAt ? new Date(state.startedAt) : prompt.createdAt);
    if (state.mode === 'pages') {
      const base = { formId: '', title: T.intakeTitle, intro: T.intakeFormIntro, submitLabel: '送出通報', fields, cancelAction: `prompt:cancel:${prompt.id}` };
      const form = formPage({ ...base, fields: fields.map((f) => ({ ...f, ...this.readFromMessage(f, state) })) }, state.index, state.pageSize!, state.answers);
      return void (await adapter.send(where, { ...form, formId: `intake:${prompt.id}:${state.index}` }));
    }
    if (state.mode === 'form') {
      const form: Form = {
        type: 'form',
        formId: `intake:${prompt.id}`,
        title: T.intakeTitle,
        intro: T.intakeFormIntro,
        fields: fields.map((f) => {
          const initial = state.answers[f.id];
          return initial !== undefined ? { ...f, initial, ...this.readFromMessage(f, state) } : f;
        }),
        submitLabel: '送出通報',
        cancelAction: `prompt:cancel:${prompt.id}`,
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
      await this.savePrompt(prompt, state, fields[index]?.id ?? null);
    }
    if (index >= fields.length) return this.finishIntake({ adapter, addr: where } as Ctx, prompt, state.answers);
    const field = fields[index]!;
    const initial = toConfirm(field.id) ? state.answers[field.id] : undefined;
    const q = stepQuestion(field, index, fields.length, prompt.id);
    if (initial !== undefined) {
      // The intake's own question and buttons, with the prefilled value and 「不變」 first.
      const lines = q.text.split('\n');
      const shown = field.type === 'datetime' && typeof initial === 'string' ? formatChatDateTime(new Date(initial)) + (state.approximateFields?.includes(field.id) ? ' 左右' : '') : describeInitial({ ...field, initial });
      lines.splice(1, 0, FORM_STEP_TEXTS.current(shown ?? ''));
      return void (await this.say(where, { type: 'text', text: lines.join('\n'), quickReplies: [{ label: KEEP, action: act.say(KEEP) }, ...q.quickReplies] }));
    }
    await this.say(where, { type: 'text', text: q.text, quickReplies: q.quickReplies });
  }

  private async onPromptAnswer(ctx: Ctx, prompt: PendingPrompt, text: string, cmd: Command | undefined): Promise<void> {
    if (cmd === 'cancel') return this.cancelPrompt(ctx, prompt.id);
    if (prompt.kind.startsWith('notice-')) return this.notices.onPromptAnswer(ctx, prompt, text, cmd !== undefined);
    if (prompt.kind === FORM_STEPS_KIND) {
      const command = cmd === 'back' ? 'back' : cmd ? 'other' : null;
      return this.forms.onAnswer(ctx.adapter, ctx.addr, prompt, text, command, (formId, values) => this.onForm(ctx, formId, values));
    }
    if (prompt.kind === 'item') {
      if (cmd) return this.say(ctx.addr, { type: 'text', text: '請先回答上面的問題，或輸入「取消」。' });
      return this.finishItemPrompt(ctx, prompt, text);
    }
    const state = this.promptState<IntakeState>(prompt);
    const fields = this.intakeFields();
    if (state.mode === 'pages' && cmd === 'back' && state.index > 0) {
      state.index -= 1;
      await this.savePrompt(prompt, state, `page:${state.index}`);
      return this.askIntake(ctx.adapter, ctx.addr, prompt, state);
    }
    if (state.mode === 'form' || state.mode === 'pages') {
      if (cmd === 'back' || cmd === 'report') return this.askIntake(ctx.adapter, ctx.addr, prompt, state);
      // A form is open; plain text is not an answer to it.
      await this.say(ctx.addr, { type: 'text', text: '請填寫上方的通報表後送出，或輸入「取消」。' });
      if (state.mode === 'pages') return this.askIntake(ctx.adapter, ctx.addr, prompt, state);
      return;
    }
    if (cmd === 'back') {
      const prev = Math.max(0, state.index - 1);
      delete state.answers[fields[prev]!.id];
      if (prev === 0 && state.scenario) delete state.scenario;
      state.index = prev;
      await this.savePrompt(prompt, state, fields[prev]!.id);
      const q = stepQuestion(fields[prev]!, prev, fields.length, prompt.id);
      return this.say(ctx.addr, { type: 'text', text: q.text, quickReplies: q.quickReplies });
    }
    if (cmd === 'report') {
      await this.say(ctx.addr, { type: 'text', text: T.intakeResume });
      return this.askIntake(ctx.adapter, ctx.addr, prompt, state);
    }
    const field = fields[state.index]!;
    if (state.confirm?.includes(field.id)) {
      state.confirm = state.confirm.filter((id) => id !== field.id);
      if (text === KEEP && state.answers[field.id] !== undefined) {
        state.index += 1;
        await this.savePrompt(prompt, state, fields[state.index]?.id ?? null);
        return this.askIntake(ctx.adapter, ctx.addr, prompt, state);
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
        await this.savePrompt(prompt, state, fields[state.index]?.id ?? null);
        return this.askIntake(ctx.adapter, ctx.addr, prompt, state);
      }
      if (c === 'redo') {
        await this.savePrompt(prompt, state, field.id);
        const q = stepQuestion(field, state.index, fields.length, prompt.id);
        return this.say(ctx.addr, { type: 'text', text: q.text, quickReplies: q.quickReplies });
      }
    }
    const answer = text === T.skipped && !field.required ? '' : text;
    const r = validateField(field, answer, this.deps.now());
    if (!r.ok) {
      const q = stepQuestion(field, state.index, fields.length, prompt.id);
      return this.say(ctx.addr, { type: 'text', text: `${r.message}\n\n${q.text}`, quickReplies: q.quickReplies });
    }
    if (r.approximate && r.value instanceof Date) {
      state.confirmTime = { field: field.id, at: r.value.toISOString() };
      await this.savePrompt(prompt, state, field.id);
      const quick = [...confirmButtons(), { label: '取消通報', action: act.cancelPrompt(prompt.id) }];
      return this.say(ctx.addr, { type: 'text', text: WHEN_TEXTS.confirm(field.label, r.value), quickReplies: quick });
    }
    // Relative times (「現在」「昨天 9:00」) are fixed when typed: the intake may be finished after midnight or a restart.
    state.answers[field.id] = r.value instanceof Date ? r.value.toISOString() : answer;
    if (state.approximateFields?.includes(field.id)) state.approximateFields = state.approximateFields.filter((f) => f !== field.id);
    state.index += 1;
    await this.savePrompt(prompt, state, fields[state.index]?.id ?? null);
    return this.askIntake(ctx.adapter, ctx.addr, prompt, state);
  }

  private async finishIntake(ctx: Pick<Ctx, 'adapter' | 'addr'> & { ev?: InboundEvent }, prompt: PendingPrompt, raw: RawAnswers): Promise<void> {
    const fields = this.intakeFields();
    const now = this.deps.now();
    const v = validateIntake(fields, raw, now);
    // A report filled in a private form inside a group (a modal): what is said about it is for the reporter alone.
    const user = ctx.ev?.user;
    if (!v.ok) {
      const state = this.promptState<IntakeState>(prompt);
      await this.say(ctx.addr, this.forPerson(ctx.addr, user, T.problems(v.problems.map((p) => p.message))));
      if (state.mode === 'form' || state.mode === 'pages') {
        // The form goes back with what was typed, masked like everything else that is sent and stored.
        const bad = new Set(v.problems.map((p) => p.field));
        const echo: RawAnswers = {};
        for (const [key, value] of Object.entries(raw)) {
          const type = fields.find((f) => f.id === key)?.type;
          const free = type === 'text' || type === 'textarea' || bad.has(key);
          echo[key] = free && typeof value === 'string' ? maskPersonalData(value, { now }).text : value;
        }
        if (state.mode === 'form') return this.askIntake(ctx.adapter, ctx.addr, prompt, { ...state, answers: echo });
        // Paged: back to the page of the first problem, everything entered kept (masked).
        const firstBadField = fields.findIndex((f) => bad.has(f.id));
        const next: IntakeState = { ...state, answers: echo, index: Math.floor(Math.max(0, firstBadField) / state.pageSize!) };
        await this.savePrompt(prompt, next, `page:${next.index}`);
        return this.askIntake(ctx.adapter, ctx.addr, prompt, next);
      }
      const firstBad = fields.findIndex((f) => f.id === v.problems[0]!.field);
      delete raw[fields[firstBad]!.id];
      const next = { ...state, answers: raw, index: firstBad };
      await this.savePrompt(prompt, next, fields[firstBad]!.id);
      return this.askIntake(ctx.adapter, ctx.addr, prompt, next);
    }
    const person = await this.deps.prisma.person.findUniqueOrThrow({ where: { id: prompt.personId } });
    const reporter: Actor = { personId: person.id, schoolId: person.schoolId, displayName: person.displayName, roles: person.roles };
    const state = this.promptState<IntakeState>(prompt);
    // A reading kept as it was (confirmed step by step, or a vague prefill sent unchanged) stays an estimate.
    const kept = (state.approximateFields ?? []).filter((f) => {
      const filed = (v.result.answers as unknown as Record<string, unknown>)[f];
      const read = state.answers[f];
      return filed instanceof Date && typeof read === 'string' && parseWhen(read, now)?.getTime() === filed.getTime();
    });
    const approximateTimes = [...new Set([...(v.result.answers.approximateTimes ?? []), ...kept])];
    const answers = { ...v.result.answers, ...(approximateTimes.length ? { approximateTimes } : {}) };
    const view = await this.incidents.report(reporter, state.originConversationId, answers);
    await this.deps.prisma.pendingPrompt.update({ where: { id: prompt.id }, data: { status: 'done' } });
    if (v.result.masked.length > 0) await this.say(ctx.addr, this.forPerson(ctx.addr, user, privacyNotice(v.result.masked)));
    const approximate = [...v.result.approximate, ...(state.mode === 'steps' ? [] : kept.map((field) => ({ field, at: (v.result.answers as unknown as Record<string, Date>)[field]! })))];
    if (approximate.length > 0) {
      // A form was filed with a vague time (「昨天下午」): the reading is shown at once, to be corrected if wrong.
      const parts = approximate.map((a) => WHEN_TEXTS.approxPart(fields.find((f) => f.id === a.field)?.label ?? a.field, a.at));
      await this.say(ctx.addr, this.forPerson(ctx.addr, user, WHEN_TEXTS.filedApproximate(parts)));
    }
    await this.deliverNewIncident(ctx.adapter, ctx.addr, view, state.originConversationId);
  }

  /** One page of the paged intake was submitted: keep its answers, show the next page or finish. */
  private async onIntakePage(ctx: Ctx, prompt: PendingPrompt, state: IntakeState, page: number, values: RawAnswers): Promise<void> {
    const fields = this.intakeFields();
    const size = state.pageSize!;
    const pages = pageCount(fields.length, size);
    if (!Number.isInteger(page) || page < 0 || page >= pages) throw new UserError(T.promptExpired);
    for (const f of fields.slice(page * size, (page + 1) * size)) {
      if (values[f.id] !== undefined) state.answers[f.id] = values[f.id]!;
    }
    if (page + 1 < pages) {
      state.index = page + 1;
      await this.savePrompt(prompt, state, `page:${state.index}`);
      return this.askIntake(ctx.adapter, ctx.addr, prompt, state);
    }
    await this.savePrompt(prompt, state, null);
    return this.finishIntake(ctx, prompt, state.answers);
  }

  private async cancelPrompt(ctx: Ctx, promptId: string): Promise<void> {
    const prompt = await this.deps.prisma.pendingPrompt.findUnique({ where: { id: promptId } });
    if (!prompt || prompt.status !== 'open' || prompt.personId !== ctx.actor?.personId) {
      return this.say(ctx.addr, { type: 'text', text: T.nothingToCancel });
    }
    await this.deps.prisma.pendingPrompt.update({ where: { id: promptId }, data: { status: 'cancelled' } });
    // A form asked step by step carries its own cancelAction (an evidence offer: dropping it forgets the file).
    const cancelAction = prompt.kind === FORM_STEPS_KIND ? this.promptState<FormStepsState>(prompt).cancelAction : undefined;
    if (cancelAction && !cancelAction.startsWith('prompt:')) return this.onAction(ctx, cancelAction);
    return this.say(ctx.addr, { type: 'text', text: prompt.kind === 'intake' ? T.intakeCancelled : '已取消。' });
  }

  // ------------------------------------------------------------------ delivery

  /**
   * Where the new incident goes: the reporter privately, the incident's room or the response team, and a detail-free
   * pointer to the group it came from. Details only ever go to a private chat, a response group or the incident's
   * room: a report filled in a group (a private form there, no private chat possible) gets a detail-free answer in that
   * group, and when no responder can be reached at all, the group is told who must act and how.
   */
  private async deliverNewIncident(adapter: ChatAdapter, intakeAddr: ConversationAddress, view: IncidentView, originConversationId: string) {
    const ref = view.incident.ref;
    const schoolId = view.incident.schoolId;
    const how = reachPrivately(adapter);
    const intakeConv = await this.conversationRow(intakeAddr, schoolId);
    const intakePrivate = intakeConv.kind === 'direct' || isResponsePlace(intakeConv, schoolId, view.incident.id);
    await this.say(intakeAddr, { type: 'text', text: intakePrivate ? T.reported(ref) : T.reportedNotHere(ref, view.reporterName, how) });
    const origin = await this.deps.prisma.conversation.findUnique({ where: { id: originConversationId } });
    const wide = origin && origin.id !== intakeConv.id && !isResponsePlace(origin, schoolId, view.incident.id) ? origin : null;
    const delivered = await this.deliverToTeam(adapter, view, intakeConv, origin);
    if (wide) await this.say(this.addressOf(wide), { type: 'text', text: T.pointer(ref) });
    if (intakePrivate) {
      // The reporter's own cards come last, so they show the report to the window already recorded. In a private chat
      // a reporter who is not a responder sees only the items they own; the full checklist is the responders'.
      const latest = delivered ?? view;
      const reporter = await this.deps.prisma.person.findUniqueOrThrow({ where: { id: view.incident.reporterId } });
      const onlyMine = intakeConv.kind === 'direct' && !can({ roles: reporter.roles }, 'incident.act');
      await this.postCard(adapter, intakeAddr, intakeConv.id, view.incident.id, incidentCard(latest, this.deps.now()));
      await this.postCard(adapter, intakeAddr, intakeConv.id, view.incident.id, checklistCard(latest, onlyMine ? reporter.id : undefined));
    }
    if (delivered) return;
    // Nobody responsible can see the details: the wide group (or the reporter) is told who must act and how.
    const windows = await this.deps.prisma.person.findMany({ where: { schoolId, active: true, roles: { has: 'contactWindow' } }, select: { id: true } });
    const notice: TextMessage = { type: 'text', text: T.teamUnreachable(ref, how) };
    const target = !intakePrivate ? intakeAddr : wide ? this.addressOf(wide) : intakeAddr;
    await this.say(target, target.kind === 'group' ? await withMentions(this.deps.prisma, notice, windows.map((w) => w.id)) : notice);
    this.deps.log.warn({ incidentId: view.incident.id, platform: adapter.platform }, 'new incident: no incident room, response group or contact window could be reached; the group was told who must act');
  }

  /**
   * The response team's copy: the incident's room, the response groups, or the contact windows privately (here, or
   * else on another platform). The first delivery that reaches a contact window is the report to the window (seed 004
   * pt. 45): it is recorded and ticks that item (IncidentService.recordWindowReport). Returns the incident as it is
   * after that, or null when no responder could be reached anywhere.
   */
  private async deliverToTeam(adapter: ChatAdapter, first: IncidentView, intakeConv: Conversation, origin: Conversation | null): Promise<IncidentView | null> {
    let view = first;
    const ref = view.incident.ref;
    const record = async (where: string) => {
      if (await this.incidents.recordWindowReport(view.incident.id, this.deps.now(), where)) view = await this.incidents.get(view.incident.id);
    };
    const team = await this.deps.prisma.conversation.findMany({
      where: { schoolId: view.incident.schoolId, purpose: 'response', platform: adapter.platform },
      orderBy: { createdAt: 'asc' },
    });
    // Where the platform can, the incident gets its own private room with the responders; the wide conversations
    // (the response group and the one the report came from) only get a pointer to it.
    const nearConv = team[0] ?? (origin && origin.platform === adapter.platform && origin.kind === 'group' ? origin : null);
    const room = await openRoom(this.deps, adapter, view.incident, nearConv ? this.addressOf(nearConv) : null);
    const cards = async (a: ChatAdapter, addr: ConversationAddress, convId: string) => {
      await this.postCard(a, addr, convId, view.incident.id, incidentCard(view, this.deps.now()));
      await this.postCard(a, addr, convId, view.incident.id, checklistCard(view));
    };
    if (room) {
      await this.say(room.addr, { type: 'text', text: ROOM_TEXTS.welcome(ref, view.reporterName) });
      await record(room.conv.title ?? room.addr.title ?? '事件專屬頻道');
      await cards(adapter, room.addr, room.conv.id);
      const roomLabel = room.conv.title ?? room.addr.title ?? '';
      for (const conv of team) {
        if (conv.id !== intakeConv.id) await this.say(this.addressOf(conv), { type: 'text', text: ROOM_TEXTS.pointer(ref, roomLabel) });
      }
      return view;
    }
    let reached = false;
    for (const conv of team) {
      reached = true;
      await record(conv.title ?? '應變小組群組');
      if (conv.id === intakeConv.id) continue; // its cards are posted as the reporter's
      const addr = this.addressOf(conv);
      // The responders who own the checklist's steps are @mentioned in the response group (where the platform can).
      const ownerRoles = [...new Set(view.checklist.map((c) => c.row.ownerRole).filter((r) => r !== 'unit'))];
      const responders = await this.deps.prisma.person.findMany({
        where: { schoolId: view.incident.schoolId, active: true, roles: { hasSome: ownerRoles } },
        select: { id: true },
      });
      await this.say(addr, await withMentions(this.deps.prisma, { type: 'text', text: T.newIncidentForTeam(ref, view.reporterName) }, responders.map((r) => r.id)));
      await cards(adapter, addr, conv.id);
    }
    if (reached) return view;
    // No response group on this platform: the contact windows get it privately, here or else on another platform.
    let chats = await contactWindowChats(this.deps, [adapter], view.incident.schoolId);
    if (chats.length === 0) chats = await contactWindowChats(this.deps, this.adapters.values(), view.incident.schoolId, { exceptPlatform: adapter.platform });
    for (const c of chats) {
      reached = true;
      await record('個資聯絡窗口私訊');
      if (c.addr.platform === intakeConv.platform && c.addr.externalId === intakeConv.externalId) continue;
      const conv = await this.conversationRow(c.addr, view.incident.schoolId);
      await this.say(c.addr, { type: 'text', text: T.newIncidentForTeam(ref, view.reporterName) });
      await cards(c.adapter, c.addr, conv.id);
    }
    return reached ? view : null;
  }

  /** Whether incident details may be shown in this conversation to this person. */
  private mayShowHere(ctx: Ctx, actor: Actor, view: IncidentView): boolean {
    if (ctx.conv.kind === 'direct') {
      return can(actor, 'incident.view', {
        isReporter: view.incident.reporterId === actor.personId,
        isOwner: view.checklist.some((c) => c.row.ownerPersonId === actor.personId),
      });
    }
    return isResponsePlace(ctx.conv, view.incident.schoolId, view.incident.id);
  }

  private async showIncident(ctx: Ctx, incidentId: string, what: 'summary' | 'checklist' | 'assess' | 'card' | 'end' | 'fix'): Promise<void> {
    const actor = this.requireActor(ctx);
    const view = await this.incidents.get(incidentId);
    if (view.incident.schoolId !== actor.schoolId) throw new UserError(T.refUnknown(''));
    const involvement = { isReporter: view.incident.reporterId === actor.personId, isOwner: view.checklist.some((c) => c.row.ownerPersonId === actor.personId) };
    if (!can(actor, 'incident.view', involvement)) return this.answer(ctx, T.detailsNotAllowed);
    // Asked before the form, so nobody answers its questions only to be refused at the end.
    if ((what === 'end' || what === 'fix') && !can(actor, 'incident.coordinate')) {
      throw new UserError(what === 'end' ? '只有個資聯絡窗口或校長可以變更事件階段。' : '只有個資聯絡窗口或校長可以更正事件時間。');
    }
    if (what === 'end' && view.status !== 'assessing' && view.status !== 'notifying' && view.status !== 'containing' && view.status !== 'reported') {
      throw new UserError(`事件 ${view.incident.ref} 目前為「${STATUS_LABELS[view.status]}」，不能再標示處理結束。`);
    }
    let where = ctx.addr;
    let whereConvId = ctx.conv.id;
    if (!this.mayShowHere(ctx, actor, view)) {
      const direct = await ctx.adapter.directConversation(ctx.ev.user);
      if (!direct) return this.answer(ctx, T.cannotShowHere(reachPrivately(ctx.adapter)));
      await this.answer(ctx, T.detailsOnlyPrivately);
      where = direct;
      whereConvId = (await this.conversationRow(direct, actor.schoolId)).id;
    }
    const now = this.deps.now();
    if (what === 'summary') return this.say(where, { type: 'text', text: summaryText(view, now) });
    if (what === 'assess') return this.forms.send(ctx.adapter, where, whereConvId, actor.personId, assessmentForm(view, this.deps.playbooks));
    if (what === 'end' && openBeforeEnding(view, this.deps.clockRules).length > 0) return this.say(where, openItemsCard(view, this.deps.clockRules));
    if (what === 'end') return this.forms.send(ctx.adapter, where, whereConvId, actor.personId, endingForm(view, now));
    if (what === 'fix') return this.forms.send(ctx.adapter, where, whereConvId, actor.personId, correctionForm(view, now));
    const card = what === 'card' ? incidentCard(view, now) : checklistCard(view, can(actor, 'incident.act') ? undefined : actor.personId);
    await this.postCard(ctx.adapter, where, whereConvId, view.incident.id, card, true);
  }

  private async listIncidents(ctx: Ctx): Promise<void> {
    const actor = this.requireActor(ctx);
    const open = await this.incidents.listOpen(actor.schoolId);
    if (open.length === 0) return this.say(ctx.addr, { type: 'text', text: T.noOpenIncidents });
    // 查看 only where the card may be opened: the response group, or a private chat of someone allowed to see it.
    const here = ctx.conv.kind === 'direct' || ctx.conv.purpose === 'response';
    const owned = new Set(
      (await this.deps.prisma.checklistItem.findMany({
        where: { incidentId: { in: open.map((i) => i.id) }, ownerPersonId: actor.personId },
        select: { incidentId: true },
      })).map((r) => r.incidentId),
    );
    const detailed = (i: (typeof open)[number]) =>
      here && can(actor, 'incident.view', { isReporter: i.reporterId === actor.personId, isOwner: owned.has(i.id) });
    const card: Card = {
      type: 'card',
      title: '進行中的個資事件',
      sections: [
        {
          rows: open.map((i) => ({
            text: `${i.ref}｜${this.deps.playbooks.get(i.playbookId).title}`,
            detail: `知悉：${formatChatDateTime(i.awareAt)}`,
            status: 'open' as const,
            ...(detailed(i) ? { buttons: [{ label: '查看', action: `inc:${i.id}:card` }] } : {}),
          })),
        },
      ],
      fallbackText: `進行中的個資事件：${open.map((i) => i.ref).join('、')}`,
    };
    return this.say(ctx.addr, card);
  }

  // ------------------------------------------------------------------ checklist and assessment

  private async onItemAction(ctx: Ctx, itemId: string, to: string): Promise<void> {
    const actor = this.requireActor(ctx);
    const item = await this.deps.prisma.checklistItem.findUnique({ where: { id: itemId } });
    if (!item) throw new UserError('找不到這個檢核項目。');
    const view = await this.incidents.get(item.incidentId);
    const entry = view.checklist.find((c) => c.row.id === itemId)!;
    if (to === 'o') {
      const r = await this.incidents.setChecklistState(actor, itemId, 'open', null);
      return this.refreshCards(ctx, r.view, ['checklist', 'incident']);
    }
    // Items that ask more than a note get a form of their own: the real completion time of an item that starts a clock
    // (cyber recovery), or a plan with its date, the cyber level, a delay reason (playbook `asks`).
    const asks = to === 'd' ? itemAsksNow(view, entry, 'done', this.deps.now()) : [];
    if (to === 'd' && (asksCompletionTime(entry) || asks.length > 0)) {
      if (!can(actor, 'incident.act', { isOwner: item.ownerPersonId === actor.personId })) {
        throw new UserError('只有應變人員（個資聯絡窗口、資訊組、資料管理人、校長）或該項目負責人可以勾選。');
      }
      if (entry.state === 'done') return this.say(ctx.addr, { type: 'text', text: `「${item.title}」已經完成了。` });
      const form = asksCompletionTime(entry) ? completionForm(entry, this.deps.now()) : itemForm(view, entry, asks, this.deps.now());
      return this.forms.send(ctx.adapter, ctx.addr, ctx.conv.id, actor.personId, form);
    }
    if (to === 'd' && !entry.requiresEvidence) {
      const r = await this.incidents.setChecklistState(actor, itemId, 'done', null);
      if (!r.changed) return this.say(ctx.addr, { type: 'text', text: `「${item.title}」已經完成了。` });
      return this.refreshCards(ctx, r.view, ['checklist', 'incident']);
    }
    // Not applicable needs a reason; some items need a note of what was done. Check permission before asking.
    if (!can(actor, 'incident.act', { isOwner: item.ownerPersonId === actor.personId })) {
      throw new UserError('只有應變人員（個資聯絡窗口、資訊組、資料管理人、校長）或該項目負責人可以勾選。');
    }
    const state: ItemPromptState = { itemId, to: to === 'n' ? 'na' : 'done', title: item.title };
    const prompt = await this.createPrompt(ctx.conv.id, actor.personId, 'item', state);
    const question = state.to === 'na' ? T.askNaReason(item.title) : T.askEvidence(item.title, entry.requiresEvidence ?? '');
    if (ctx.adapter.capabilities.maxFormFields >= 1) {
      return void (await ctx.adapter.send(ctx.addr, {
        type: 'form',
        formId: `item:${prompt.id}`,
        title: item.title,
        intro: `${question}\n\n${itemDetailText(entry)}`,
        fields: [{ id: 'note', label: state.to === 'na' ? '不適用原因' : '完成情形', type: 'text', required: true, maxLength: 300 }],
        submitLabel: '送出',
        cancelAction: `prompt:cancel:${prompt.id}`,
        fallbackText: question,
      }));
    }
    return this.say(ctx.addr, { type: 'text', text: question, quickReplies: [{ label: '取消', action: `prompt:cancel:${prompt.id}` }] });
  }

  /** The tick form of an item that asks a plan, a level or a delay reason (item-form.ts). */
  private async submitItemForm(ctx: Ctx, itemId: string, values: Record<string, string | string[]>): Promise<void> {
    const actor = this.requireActor(ctx);
    const item = await this.deps.prisma.checklistItem.findUnique({ where: { id: itemId } });
    if (!item) throw new UserError('找不到這個檢核項目。');
    const view = await this.incidents.get(item.incidentId);
    const entry = view.checklist.find((c) => c.row.id === itemId)!;
    const now = this.deps.now();
    const read = readItemForm(values, view.playbook.checklist.find((i) => i.key === item.key)?.asks ?? [], now);
    if (read.masked.length) await this.say(ctx.addr, { type: 'text', text: privacyNotice(read.masked) });
    const r = await this.incidents.setChecklistState(actor, itemId, 'done', read.note, { facts: read.facts });
    if (!r.changed) return this.say(ctx.addr, { type: 'text', text: `「${entry.row.title}」已經完成了。` });
    return this.refreshCards(ctx, r.view, ['checklist', 'incident']);
  }

  private async finishItemPrompt(ctx: Ctx, prompt: PendingPrompt, rawNote: string): Promise<void> {
    const actor = this.requireActor(ctx);
    const state = this.promptState<ItemPromptState>(prompt);
    const masked = maskPersonalData(rawNote.trim(), { now: this.deps.now(), keep: ctx.keep });
    if (!masked.text) return this.say(ctx.addr, { type: 'text', text: state.to === 'na' ? T.askNaReason(state.title) : '請簡述完成情形。' });
    if (masked.masked) await this.say(ctx.addr, { type: 'text', text: privacyNotice(masked.findings) });
    const r = await this.incidents.setChecklistState(actor, state.itemId, state.to, masked.text.slice(0, 300));
    await this.deps.prisma.pendingPrompt.update({ where: { id: prompt.id }, data: { status: 'done' } });
    return this.refreshCards(ctx, r.view, ['checklist', 'incident']);
  }

  /** The forms of times.ts: 處理結束 (end), a correction (fix), the recovery item's completion time (done). */
  private async submitTimes(ctx: Ctx, kind: 'end' | 'fix' | 'done', id: string, values: Record<string, string | string[]>): Promise<void> {
    const actor = this.requireActor(ctx);
    const now = this.deps.now();
    if (kind === 'done') {
      const item = await this.deps.prisma.checklistItem.findUnique({ where: { id } });
      if (!item) throw new UserError('找不到這個檢核項目。');
      const entry = (await this.incidents.get(item.incidentId)).checklist.find((c) => c.row.id === id)!;
      const { at, note } = readCompletion(entry, values, now);
      const r = await this.incidents.setChecklistState(actor, id, 'done', note, { happenedAt: at });
      if (!r.changed) return this.say(ctx.addr, { type: 'text', text: `「${item.title}」已經完成了。` });
      return this.refreshCards(ctx, r.view, ['checklist', 'incident']);
    }
    const current = await this.incidents.get(id);
    const form = kind === 'end' ? endingForm(current, now) : correctionForm(current, now);
    let view: IncidentView;
    try {
      if (kind === 'end') view = await this.incidents.endHandling(actor, id, readEnding(current, values, now));
      else {
        const c = readCorrection(current, values, now);
        view = await this.incidents.correctTime(actor, id, c.field, c.to, c.reason);
      }
    } catch (err) {
      // A whole form came back: say what is wrong and show it again with what was entered, so nothing is lost.
      // (Forms asked in steps or pages are re-asked by FormSteps, which sees the same error.)
      if (!(err instanceof UserError) || !fitsAsForm(ctx.adapter, form)) throw err;
      await this.say(ctx.addr, { type: 'text', text: err.message });
      return void (await ctx.adapter.send(ctx.addr, { ...form, fields: form.fields.map((f) => { const v = values[f.id]; return v === undefined ? f : { ...f, initial: typeof v === 'string' ? maskPersonalData(v, { now }).text : v }; }) }));
    }
    if (kind === 'end') await this.say(ctx.addr, { type: 'text', text: T.handlingEnded(view.incident.ref, view.incident.handlingEndedAt!) });
    else await this.say(ctx.addr, { type: 'text', text: T.timeCorrected(view.incident.ref) });
    return this.refreshCards(ctx, view, kind === 'end' ? ['checklist', 'incident'] : ['incident']);
  }

  private async submitAssessment(ctx: Ctx, incidentId: string, values: Record<string, string | string[]>): Promise<void> {
    const actor = this.requireActor(ctx);
    const current = await this.incidents.get(incidentId);
    const form = assessmentForm(current, this.deps.playbooks);
    const out: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const f of form.fields) {
      const r = validateField(f, values[f.id], this.deps.now());
      if (!r.ok) problems.push(r.message);
      else out[f.id] = r.value;
    }
    if (problems.length) throw new UserError(T.problems(problems));
    const a: Assessment = {
      categories: out.categories as string[],
      studentsCount: out.studentsCount as number | null,
      guardiansCount: out.guardiansCount as number | null,
      staffCount: out.staffCount as number | null,
      othersCount: out.othersCount as number | null,
      minorsCount: out.minorsCount as number | null,
      involvesSystem: (out.involvesSystem as boolean | null) ?? parseBoolean(String(values.involvesSystem ?? '')) ?? false,
      systemRecordsHeld: out.systemRecordsHeld as number | null,
      ...(out.occurredAt ? { occurredAt: out.occurredAt as Date } : {}),
      ...(out.correctionReason ? { correctionReason: out.correctionReason as string } : {}),
    };
    const view = await this.incidents.recordAssessment(actor, incidentId, a);
    await this.say(ctx.addr, { type: 'text', text: T.assessmentSaved(view.incident.ref) });
    const itemsAdded = view.checklist.length !== current.checklist.length;
    return this.refreshCards(ctx, view, itemsAdded ? ['checklist', 'incident'] : ['incident']);
  }

  /**
   * Re-renders an incident's cards everywhere they were posted: edited in place where the platform can, and sent
   * afresh in the conversation where the change was made where it cannot.
   */
  private async refreshCards(ctx: Ctx, view: IncidentView, keys: ('incident' | 'checklist')[]): Promise<void> {
    const now = this.deps.now();
    const render = (key: string) =>
      key === 'incident' ? incidentCard(view, now) : key.startsWith(MINE_PREFIX) ? checklistCard(view, key.slice(MINE_PREFIX.length)) : checklistCard(view);
    // A person's own checklist (the reporter's 1:1 chat) is refreshed with the checklist.
    const posted = await this.deps.prisma.postedCard.findMany({
      where: { incidentId: view.incident.id, OR: [{ cardKey: { in: keys } }, ...(keys.includes('checklist') ? [{ cardKey: { startsWith: MINE_PREFIX } }] : [])] },
    });
    let updatedHere = new Set<string>();
    for (const p of posted) {
      const conv = await this.deps.prisma.conversation.findUnique({ where: { id: p.conversationId } });
      const adapter = conv && this.adapters.get(conv.platform);
      if (!conv || !adapter?.capabilities.editMessages || !adapter.update) continue;
      await adapter.update(this.addressOf(conv), p.platformMessageId, render(p.cardKey));
      await this.deps.prisma.postedCard.update({ where: { id: p.id }, data: { updatedAt: now } });
      if (conv.id === ctx.conv.id) updatedHere = new Set([...updatedHere, p.cardKey]);
    }
    const dm = ctx.conv.kind === 'direct' && ctx.actor ? ctx.actor : null;
    const allowedHere = isResponsePlace(ctx.conv, view.incident.schoolId, view.incident.id) || dm !== null;
    if (!allowedHere) return;
    const own = dm && !can(dm, 'incident.act') ? `${MINE_PREFIX}${dm.personId}` : null;
    for (const key of keys) {
      if (updatedHere.has(key) || (key === 'incident' && !ctx.adapter.capabilities.editMessages && keys.includes('checklist'))) continue;
      // In a private chat of someone who is not a responder, the checklist shown is their own items.
      const shown = key === 'checklist' && own ? own : key;
      if (updatedHere.has(shown)) continue;
      await this.postCard(ctx.adapter, ctx.addr, ctx.conv.id, view.incident.id, render(shown), true);
    }
  }

  private async postCard(adapter: ChatAdapter, addr: ConversationAddress, conversationId: string, incidentId: string, card: Card, preferEdit = false) {
    const key = card.key ?? 'card';
    // Only an edit needs the card posted before (a new incident's cards are always sent).
    if (preferEdit && adapter.capabilities.editMessages && adapter.update) {
      const existing = await this.deps.prisma.postedCard.findUnique({
        where: { incidentId_cardKey_conversationId: { incidentId, cardKey: key, conversationId } },
      });
      if (existing) {
        await adapter.update(addr, existing.platformMessageId, card);
        return;
      }
    }
    const { messageId } = await adapter.send(addr, card);
    await this.deps.prisma.postedCard.upsert({
      where: { incidentId_cardKey_conversationId: { incidentId, cardKey: key, conversationId } },
      update: { platformMessageId: messageId },
      create: { id: newId(), incidentId, cardKey: key, conversationId, platformMessageId: messageId },
    });
  }

  // ------------------------------------------------------------------ helpers

  /** An answer to the person who acted: only for them where the platform can show it so (in a group). */
  private answer(ctx: Ctx, text: string): Promise<void> {
    return this.say(ctx.addr, this.forPerson(ctx.addr, ctx.ev.user, text));
  }

  private forPerson(addr: ConversationAddress, user: PlatformUser | undefined, text: string): OutboundMessage {
    return addr.kind === 'group' && user ? { type: 'text', text, onlyFor: user } : { type: 'text', text };
  }

  private async say(addr: ConversationAddress, message: OutboundMessage): Promise<void> {
    const adapter = this.adapters.get(addr.platform);
    if (!adapter) throw new Error(`No adapter registered for platform "${addr.platform}"`);
    await adapter.send(addr, message);
  }

  private addressOf(conv: Conversation): ConversationAddress {
    return { platform: conv.platform, externalId: conv.externalId, kind: conv.kind as 'group' | 'direct', ...(conv.title ? { title: conv.title } : {}) };
  }

  private async conversationRow(addr: ConversationAddress, schoolId: string): Promise<Conversation> {
    return ensureConversation(this.deps.prisma, {
      id: newId(),
      platform: addr.platform,
      externalId: addr.externalId,
      kind: addr.kind,
      purpose: addr.kind === 'direct' ? 'direct' : 'staff',
      schoolId,
    });
  }

  private async openPrompt(conversationId: string, personId: string): Promise<PendingPrompt | null> {
    return this.deps.prisma.pendingPrompt.findFirst({
      where: { conversationId, personId, status: 'open', expiresAt: { gt: this.deps.now() } },
      orderBy: { createdAt: 'desc' },
    });
  }

  private createPrompt(conversationId: string, personId: string, kind: string, state: object): Promise<PendingPrompt> {
    return this.prompts.create(conversationId, personId, kind, state);
  }

  private promptState<S>(prompt: PendingPrompt): S {
    return this.prompts.state<S>(prompt);
  }

  private savePrompt(prompt: PendingPrompt, state: object, step: string | null): Promise<void> {
    return this.prompts.save(prompt, state, step);
  }
}

export function parseCommand(text: string): { cmd: Command; arg?: string } | null {
  const t = text.normalize('NFKC').trim().replace(/^@\S+\s+/, '');
  for (const [re, cmd] of COMMANDS) {
    const m = re.exec(t);
    if (m) {
      const arg = m[2]?.trim();
      return arg ? { cmd, arg } : { cmd };
    }
  }
  return null;
}
