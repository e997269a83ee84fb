import { join } from 'node:path';
import type { PromptRecord } from '../../ports/repositories/index.js';
import type { ChatAdapter } from '../../ports/chat.js';
import type { Card, InboundEvent, InboundFormSubmit, PlatformUser } from '../../ports/chat-model.js';
import { MAX_ACTION_LENGTH } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';
import { newId } from '../ids.js';
import { IncidentService } from '../incidents/service.js';
import { UserError } from '../incidents/types.js';
import { maskPersonalData, privacyNotice } from '../privacy/mask.js';
import { schoolKeepList } from '../privacy/kept.js';
import { BindingService, parseBindingCommand } from '../people/binding.js';
import { EvidenceLocker } from '../evidence/locker.js';
import { EvidenceChat, integrityAlarm, parseEvidenceCommand } from './evidence.js';
import { ReportService, noticeSource } from '../documents/service.js';
import { loadNoticeTemplates } from '../notices/templates.js';
import type { Actor } from '../roles.js';
import { act, parseAction, parseFormId } from './actions.js';
import { ANSWERED_DURING_PROMPT, parseCommand, type Command } from './commands.js';
import { CommandFlow, type ConsoleAccess } from './command-flow.js';
import { PromptStore } from './prompts.js';
import { ONE_SHOT_OVERHEAD, OneShotChoices } from './choices.js';
import { reachPrivately, tellContactWindows } from './reach.js';
import { FORM_STEPS_KIND, FormSteps, type FormStepsState } from './steps.js';
import { offerAction, offerReasons, prefillFrom } from './offer.js';
import { T } from './texts.js';
import { chatTextProblem, formValueProblem } from './limits.js';
import { ContactWindowAlerts } from './alerts.js';
import { homeCards } from './home.js';
import { addressOf, requireActor, Turns, type Ctx } from './turn.js';
import { IntakeFlow } from './intake-flow.js';
import { WebForms, type WebFormActions } from './web-form.js';
import { FormStepsWeb } from './web-form-steps.js';
import type { RawAnswers } from './intake.js';
import { IncidentFanout } from './fanout.js';
import { IncidentFlow, type ChecklistConsoleActions } from './incident-flow.js';
import { parseNoticeCommand } from './notice-cards.js';
import { NoticeFlow } from './notice-flow.js';
import { NoticeService } from '../notices/service.js';
import { ReportFlow, parseReportCommand } from './report-flow.js';
import { CYBER_TEXTS, offerCarriesCyber } from './cyber.js';
import { NotBreachFlow, parseNotBreachCommand } from './not-breach-flow.js';

export { parseCommand } from './commands.js';

export interface BotOptions {
  /**
   * Where download links point: PUBLIC_URL, else the address the server listens on. Asked each time a link is
   * made, so the app can pass it before the server has chosen its port. Without it, links are refused.
   */
  baseUrl?: () => string | null;
  /** The web console's sign-in (src/web/console), when the app serves the console; asked each time 「主控台」 is typed. */
  console?: () => ConsoleAccess | null;
}

/**
 * The conversation engine: turns neutral inbound events into incident operations and neutral replies.
 * It decides *what* is said and *where* (a group, the response team, a private chat); adapters decide *how*.
 * This class only routes: the flows live beside it (turn.ts has the shared context and helpers; intake-flow.ts,
 * fanout.ts, incident-flow.ts, notice-flow.ts, report-flow.ts and evidence.ts each handle their part).
 */
export class Bot {
  readonly incidents: IncidentService;
  readonly binding: BindingService;
  /** Notices to the affected people and the principal's approval (src/core/notices). */
  readonly notices: NoticeFlow;
  /** Reports to the authority: download links, submission dates, the full export (src/core/documents). */
  readonly reports: ReportFlow;
  /** Warnings about the bot itself for the contact windows (e.g. a platform's message quota running out). */
  readonly alerts: ContactWindowAlerts;
  /** Evidence sent from the chat, filed into the locker (src/core/conversation/evidence.ts). */
  readonly evidence: EvidenceChat;
  /** 「判定非個資事件」 and the follow-ups of a reported incident (已尋回／不是外洩). */
  private readonly notBreach: NotBreachFlow;
  private readonly adapters = new Map<string, ChatAdapter>();
  private readonly turns: Turns;
  private readonly prompts: PromptStore;
  /** Forms asked one field at a time where the platform cannot show them. */
  private readonly forms: FormSteps;
  /** Offers and other buttons that may be pressed once (src/core/conversation/choices.ts). */
  private readonly choices: OneShotChoices;
  private readonly intake: IntakeFlow;
  private readonly incident: IncidentFlow;
  private readonly commands: CommandFlow;
  private readonly consoleAccess: () => ConsoleAccess | null;
  /** Forms asked in chat as one web page (web-form.ts): the report and every FormSteps form. */
  private readonly web: WebForms;

  constructor(
    private readonly deps: CoreDeps,
    opts: BotOptions = {},
  ) {
    this.consoleAccess = opts.console ?? (() => null);
    this.incidents = new IncidentService(deps);
    this.turns = new Turns(
      deps,
      (p) => this.adapters.get(p),
      () => this.adapters.values(),
    );
    this.prompts = new PromptStore(deps);
    // A form asked in chat as one web page is served by the console: offered only when the app serves it.
    this.web = new WebForms(deps, this.prompts, () => (opts.console?.() ? (opts.baseUrl?.() ?? null) : null));
    this.web.register(
      FORM_STEPS_KIND,
      new FormStepsWeb(deps, this.prompts, {
        submit: (prompt, formId, values, before) => this.submitFromWeb(prompt, formId, values, before),
        tell: async (prompt, text) => {
          const conv = await deps.repos.conversations.find(prompt.conversationId);
          if (conv && this.adapters.has(conv.platform)) await this.turns.say(addressOf(conv), { type: 'text', text });
        },
      }),
    );
    this.forms = new FormSteps(deps, this.web);
    this.choices = new OneShotChoices(deps);
    this.binding = new BindingService(deps);
    const fanout = new IncidentFanout(deps, this.turns, this.incidents);
    this.intake = new IntakeFlow(deps, this.turns, this.prompts, this.incidents, (...args) => fanout.deliverNewIncident(...args), this.web);
    this.incident = new IncidentFlow(deps, this.turns, this.prompts, this.forms, this.incidents);
    this.commands = new CommandFlow(
      deps,
      this.turns,
      this.prompts,
      this.intake,
      this.incident,
      this.incidents,
      opts.console ?? (() => null),
    );
    const notices = new NoticeService(deps, loadNoticeTemplates(join(deps.playbooks.dir, 'notices')));
    this.notices = new NoticeFlow(deps, this.turns, this.prompts, this.forms, notices);
    const reports = new ReportService(deps, this.incidents, noticeSource(notices));
    this.reports = new ReportFlow(deps, reports, this.turns, this.forms, this.incidents, opts.baseUrl ?? (() => null));
    this.notBreach = new NotBreachFlow(deps, this.turns, this.incidents);
    this.alerts = new ContactWindowAlerts(deps, (p) => this.adapters.get(p));
    // An integrity failure is told to the school's contact windows at once (privately, else in the response group).
    const onIntegrityFailure = async ({ incidentId, seq }: { incidentId: string; seq: number }) => {
      const incident = await deps.repos.incidents.find(incidentId);
      if (!incident) throw new Error(`incident ${incidentId} not found`);
      await tellContactWindows(deps, this.adapters.values(), incident.schoolId, integrityAlarm(incident.ref, seq), '');
    };
    const locker = deps.evidence ? new EvidenceLocker(deps, { ...deps.evidence, onIntegrityFailure }) : null;
    this.evidence = new EvidenceChat(deps, locker, this.reports.links, this.reports.baseUrl, this.turns, this.forms, this.incidents);
  }

  /** The checklist tick of the web console (src/web/console), the chat's own step (IncidentFlow.console). */
  get checklistConsole(): ChecklistConsoleActions {
    return this.incident.console;
  }

  /** The forms asked in chat, as one web page (src/web/console/forms.ts): web-form.ts. */
  get webForms(): WebFormActions {
    return this.web;
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
    return homeCards(this.deps, user, { console: this.consoleAccess() !== null });
  }

  /** Handles one inbound event (the inbound pipeline, src/core/chat/pipeline.ts, has dropped redeliveries). */
  async handle(ev: InboundEvent): Promise<void> {
    const ctx = await this.context(ev);
    try {
      await this.route(ctx);
    } catch (err) {
      if (err instanceof UserError) await this.turns.answer(ctx, err.message);
      else throw err;
    }
  }

  // ------------------------------------------------------------------ context

  private async context(ev: InboundEvent): Promise<Ctx> {
    const adapter = this.adapters.get(ev.conversation.platform);
    if (!adapter) throw new Error(`No adapter registered for platform "${ev.conversation.platform}"`);
    const { repos } = this.deps;
    const identity = await repos.identities.owner(ev.user.platform, ev.user.externalId);
    const person = identity?.person.active ? identity.person : null;
    const conv = await repos.conversations.ensure({
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

  /**
   * A FormSteps form filled on the web page (web-form-steps.ts): the bot's own form submission, without a chat turn —
   * the turn context is the one an inbound form submission of the person in the question's conversation would have
   * (its platform's adapter, address, the person's actor); the chat is told `before` first.
   */
  private async submitFromWeb(
    prompt: PromptRecord,
    formId: string,
    values: RawAnswers,
    before: string,
  ): Promise<{ platform: string } | null> {
    const conv = await this.deps.repos.conversations.find(prompt.conversationId);
    if (!conv || !this.adapters.has(conv.platform)) return null;
    const identity = await this.deps.repos.identities.onPlatform(prompt.personId, conv.platform);
    if (!identity) return null;
    const ev: InboundFormSubmit = {
      type: 'form',
      eventId: `web-form:${prompt.id}`,
      conversation: addressOf(conv),
      user: {
        platform: conv.platform,
        externalId: identity.externalId,
        ...(identity.displayName ? { displayName: identity.displayName } : {}),
      },
      at: this.deps.now(),
      formId,
      values,
    };
    const ctx = await this.context(ev);
    await this.turns.say(ctx.addr, { type: 'text', text: before });
    await this.onForm(ctx, formId, values);
    return { platform: conv.platform };
  }

  // ------------------------------------------------------------------ routing

  private async route(ctx: Ctx): Promise<void> {
    const { ev } = ctx;
    if (ev.type === 'message') return this.onText(ctx, ev.text);
    if (ev.type === 'action') return this.onAction(ctx, ev.action);
    if (ev.type === 'file') return this.evidence.onFile(ctx, ev);
    return this.onForm(ctx, ev.formId, ev.values);
  }

  private async onText(ctx: Ctx, rawText: string): Promise<void> {
    // Binding codes are read before masking (six digits look like a student number); they are never stored.
    const binding = parseBindingCommand(rawText);
    if (binding) {
      const text = await this.binding.command(binding, {
        conversation: ctx.conv,
        actor: ctx.actor,
        user: ctx.ev.user,
        reachPrivately: reachPrivately(ctx.adapter),
      });
      // Binding a group is news for the group; everything else (codes, refusals) is for the person alone.
      if (binding.kind === 'bindGroup' || binding.kind === 'unbindGroup') return this.turns.say(ctx.addr, { type: 'text', text });
      return this.turns.answer(ctx, text);
    }
    const problem = chatTextProblem(rawText);
    if (problem) return this.commands.onUnusableText(ctx, rawText, problem);
    const masked = maskPersonalData(rawText, { now: this.deps.now(), keep: ctx.keep });
    const text = masked.text.normalize('NFKC').trim();
    if (masked.masked) await this.turns.say(ctx.addr, { type: 'text', text: privacyNotice(masked.findings) });

    const prompt = ctx.actor ? await this.prompts.open(ctx.conv.id, ctx.actor.personId) : null;
    const command = parseCommand(text);
    if (prompt && !(command && ANSWERED_DURING_PROMPT.has(command.cmd))) {
      return this.onPromptAnswer(ctx, prompt, masked.text.trim(), command?.cmd);
    }
    if (command) return this.commands.run(ctx, command.cmd, command.arg);
    const noticeCommand = parseNoticeCommand(text);
    if (noticeCommand) return this.notices.onCommand(ctx, noticeCommand.arg);
    const reportCommand = parseReportCommand(text);
    if (reportCommand) return this.reports.onCommand(ctx, reportCommand.arg);
    const evidenceCommand = parseEvidenceCommand(text);
    if (evidenceCommand) return this.evidence.onCommand(ctx, evidenceCommand.arg);
    const notBreach = parseNotBreachCommand(masked.text);
    if (notBreach) return this.notBreach.onCommand(ctx, notBreach);
    if (text.startsWith('/')) {
      return this.turns.answer(ctx, T.unknownCommand(text.split(/\s/)[0]!) + T.help);
    }
    const detected = this.deps.playbooks.detect(text);
    // A follow-up of a reported incident (its number, its room, 「找到了」「不是外洩」) goes to it, not to a new report.
    if (await this.notBreach.onFollowUp(ctx, text, detected.isLeakReport)) return;
    if (detected.isLeakReport) {
      const scenario = detected.scenario ? this.deps.playbooks.get(detected.scenario) : undefined;
      const cyber = await offerCarriesCyber(this.deps, scenario?.defaults, ctx.conv.schoolId);
      // One-shot: once someone answers, the offer shows who did and loses its buttons for everyone.
      return this.choices.post(ctx.adapter, ctx.addr, ctx.conv.id, {
        type: 'text',
        text: T.offer(
          scenario && scenario.id !== 'general' ? scenario.title : undefined,
          offerReasons(detected.matched, 6, text),
          cyber ? CYBER_TEXTS.offer : undefined,
        ),
        quickReplies: [
          // The offer is a one-shot choice: its actions are wrapped (choices.ts), so they leave room for the wrapper.
          {
            label: '開始通報',
            action: offerAction(
              prefillFrom(detected, text, this.deps.now()),
              Math.min(ctx.adapter.capabilities.maxActionLength, MAX_ACTION_LENGTH) - ONE_SHOT_OVERHEAD,
            ),
            style: 'primary',
            taken: T.offerStarted,
          },
          { label: '不是', action: act.dismiss, taken: T.offerRefused },
        ],
      });
    }
    if (ctx.conv.kind === 'direct') return this.turns.say(ctx.addr, { type: 'text', text: `${T.notUnderstood}\n${T.help}` });
    // Ordinary group chatter: stay quiet.
  }

  private async onAction(ctx: Ctx, action: string): Promise<void> {
    const a = parseAction(action);
    switch (a.family) {
      case 'once': {
        const name = ctx.actor?.displayName ?? ctx.ev.user.displayName ?? T.someone;
        const messageId = ctx.ev.type === 'action' ? ctx.ev.messageId : undefined;
        const take = {
          adapter: ctx.adapter,
          addr: ctx.addr,
          personId: ctx.actor?.personId ?? null,
          name,
          ...(messageId ? { messageId } : {}),
        };
        return this.choices.take(take, a.raw, (inner) => this.onAction(ctx, inner));
      }
      case 'say':
        return this.onText(ctx, a.text);
      case 'link':
        return; // A link button opened its address on the platform; nothing to do here.
      case 'ntc':
        return this.notices.onAction(ctx, a);
      case 'rpt':
        return this.reports.onAction(ctx, a);
      case 'evd':
        return this.evidence.onAction(ctx, a);
      case 'intake':
        return a.verb === 'start' ? this.intake.startFromOffer(ctx, a.prefill) : this.turns.answer(ctx, T.offerDismissed);
      case 'prompt':
        return this.cancelPrompt(ctx, a.promptId);
      case 'ck':
        return this.incident.onItemAction(ctx, a.itemId, a.to);
      case 'inc':
        return this.incident.onAction(ctx, a.incidentId, a.what);
      case 'unknown':
        this.deps.log.warn({ action: action.slice(0, 40) }, 'unknown action');
        return this.turns.say(ctx.addr, { type: 'text', text: T.promptExpired });
      default:
        return unreachable(a);
    }
  }

  private async onForm(ctx: Ctx, formId: string, values: Record<string, string | string[]>): Promise<void> {
    const f = parseFormId(formId);
    if (!f) throw new UserError(T.promptExpired);
    const tooLong = formValueProblem(values);
    if (tooLong) throw new UserError(tooLong);
    switch (f.family) {
      case 'assess':
        return this.incident.submitAssessment(ctx, f.id, values);
      case 'end':
      case 'fix':
      case 'done':
        return this.incident.submitTimes(ctx, f.family, f.id, values);
      case 'ntc':
        return this.notices.onForm(ctx, formId, values);
      case 'rpt':
        return this.reports.onForm(ctx, formId, values);
      case 'evd':
        return this.evidence.onForm(ctx, formId, values);
      case 'itemx':
        return this.incident.submitItemForm(ctx, f.id, values);
      case 'fs':
      case 'intake':
      case 'item':
      case 'unknown':
        break;
      default:
        return unreachable(f.family);
    }
    // The rest answer an open question of this person.
    const actor = requireActor(ctx);
    const prompt = await this.deps.repos.prompts.find(f.id);
    if (!prompt || prompt.personId !== actor.personId || prompt.status !== 'open' || prompt.expiresAt < this.deps.now()) {
      throw new UserError(T.promptExpired);
    }
    if (f.family === 'fs' && prompt.kind === FORM_STEPS_KIND) {
      return this.forms.onPage(ctx.adapter, ctx.addr, prompt, Number(f.page), values, (realId, all) => this.onForm(ctx, realId, all));
    }
    if (f.family === 'intake') return this.intake.onForm(ctx, prompt, f.page, values);
    if (f.family === 'item') return this.incident.onItemNoteForm(ctx, prompt, values);
    throw new UserError(T.promptExpired);
  }

  private async onPromptAnswer(ctx: Ctx, prompt: PromptRecord, text: string, cmd: Command | undefined): Promise<void> {
    if (cmd === 'cancel') return this.cancelPrompt(ctx, prompt.id);
    if (prompt.kind.startsWith('notice-')) return this.notices.onPromptAnswer(ctx, prompt, text, cmd !== undefined);
    if (prompt.kind === FORM_STEPS_KIND) {
      const command = cmd === 'back' ? 'back' : cmd ? 'other' : null;
      return this.forms.onAnswer(ctx.adapter, ctx.addr, prompt, text, command, (formId, values) => this.onForm(ctx, formId, values));
    }
    if (prompt.kind === 'item') {
      if (cmd) return this.turns.say(ctx.addr, { type: 'text', text: '請先回答上面的問題，或輸入「取消」。' });
      return this.incident.finishItemPrompt(ctx, prompt, text);
    }
    return this.intake.onAnswer(ctx, prompt, text, cmd);
  }

  private async cancelPrompt(ctx: Ctx, promptId: string): Promise<void> {
    const prompt = await this.deps.repos.prompts.find(promptId);
    if (prompt?.status !== 'open' || prompt.personId !== ctx.actor?.personId) {
      return this.turns.say(ctx.addr, { type: 'text', text: T.nothingToCancel });
    }
    await this.deps.repos.prompts.close(promptId, 'cancelled');
    // A form asked step by step carries its own cancelAction (an evidence offer: dropping it forgets the file).
    const cancelAction = prompt.kind === FORM_STEPS_KIND ? this.prompts.state<FormStepsState>(prompt).cancelAction : undefined;
    if (cancelAction && !cancelAction.startsWith('prompt:')) return this.onAction(ctx, cancelAction);
    return this.turns.say(ctx.addr, { type: 'text', text: prompt.kind === 'intake' ? T.intakeCancelled : '已取消。' });
  }
}

function unreachable(x: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(x)}`);
}
