import type { CoreDeps } from '../context.js';
import type { IncidentService } from '../incidents/service.js';
import { maskPersonalData } from '../privacy/mask.js';
import { LINK_ACTION } from '../../ports/chat-model.js';
import { can, roleNames, type Actor } from '../roles.js';
import { formatRocDateTime } from '../time/roc.js';
import type { IncidentFlow } from './incident-flow.js';
import type { IntakeFlow } from './intake-flow.js';
import { MAX_TEXT_LENGTH, type TextProblem } from './limits.js';
import { myTasks } from './mytasks.js';
import type { PromptStore } from './prompts.js';
import { reachPrivately } from './reach.js';
import { T } from './texts.js';
import { requireActor, type Ctx, type Place, type Turns } from './turn.js';

import type { Command } from './commands.js';

/**
 * The web console's sign-in (src/web/console, given to the bot by the app): the chat asks it for a person's one-time
 * link and to end that person's sessions. The console checks the person and their roles again on every page.
 */
export interface ConsoleAccess {
  /** A one-time sign-in link for this person; null when the product has no address to link to. */
  signInLink(actor: Actor): Promise<{ url: string; expiresAt: Date } | null>;
  /** Ends every console session of this person; returns how many were open. */
  signOutEverywhere(actor: Actor): Promise<number>;
}

/** The typed commands, and what the bot says to a text it cannot take (empty, too long). */
export class CommandFlow {
  constructor(
    private readonly deps: CoreDeps,
    private readonly turns: Turns,
    private readonly prompts: PromptStore,
    private readonly intake: IntakeFlow,
    private readonly incident: IncidentFlow,
    private readonly incidents: IncidentService,
    /** The web console, when the app serves one. */
    private readonly consoleAccess: () => ConsoleAccess | null = () => null,
  ) {}

  /**
   * An empty or too-long text is not processed. The person is told what is wrong where the text was meant for the
   * bot: a private chat, a question of theirs that is open here, or (too long) a group message that reads as a leak
   * report in its first part. Other group chatter is left alone, as ordinary chatter is.
   */
  async onUnusableText(ctx: Ctx, rawText: string, problem: TextProblem): Promise<void> {
    let addressed =
      ctx.conv.kind === 'direct' || (ctx.actor !== null && (await this.prompts.open(ctx.conv.id, ctx.actor.personId)) !== null);
    if (!addressed && problem.kind === 'too-long') {
      const head = maskPersonalData([...rawText].slice(0, MAX_TEXT_LENGTH).join(''), { now: this.deps.now(), keep: ctx.keep }).text;
      addressed = head.trim().startsWith('/') || this.deps.playbooks.detect(head.normalize('NFKC')).isLeakReport;
    }
    if (addressed) await this.turns.say(ctx.addr, { type: 'text', text: problem.message });
  }

  async run(ctx: Ctx, cmd: Command, arg: string | undefined): Promise<void> {
    switch (cmd) {
      case 'help':
        return this.turns.answer(ctx, T.help);
      case 'whoami': {
        const a = requireActor(ctx);
        return this.turns.answer(ctx, T.whoami(a.displayName, ctx.schoolName, roleNames(a.roles)));
      }
      case 'report':
        return this.intake.start(ctx);
      case 'cancel':
      case 'back':
        return this.turns.answer(ctx, T.nothingToCancel);
      case 'list':
        return this.incident.listIncidents(ctx);
      case 'mine': {
        // The steps name incidents: shown in a private chat or the response group, else moved to a private chat.
        const actor = requireActor(ctx);
        const tasks = await myTasks(this.deps.repos, actor);
        const reach = {
          here: ctx.conv.purpose === 'response',
          moved: T.detailsOnlyPrivately,
          noDirect: T.cannotShowHere(reachPrivately(ctx.adapter)),
          onlyFor: true,
        };
        return this.turns.privately(ctx, actor, reach, (where) => this.turns.say(where.addr, tasks));
      }
      case 'console':
        return this.consoleLink(ctx);
      case 'consoleSignOut': {
        const access = this.consoleAccess();
        if (!access) return this.turns.answer(ctx, T.consoleOff);
        return this.turns.answer(ctx, T.consoleSignedOut(await access.signOutEverywhere(requireActor(ctx))));
      }
      case 'summary':
      case 'checklist':
      case 'assess':
      case 'correct': {
        const actor = requireActor(ctx);
        const what = cmd === 'correct' ? 'fix' : cmd;
        if (!arg) {
          const open = await this.incidents.listOpen(actor.schoolId);
          if (open.length !== 1)
            return this.turns.say(ctx.addr, {
              type: 'text',
              text: T.refNeeded({ summary: '摘要', checklist: '清單', assess: '評估', correct: '更正' }[cmd]),
            });
          return this.incident.showIncident(ctx, open[0]!.id, what);
        }
        const incident = await this.incidents.findByRef(actor.schoolId, arg);
        if (!incident) return this.turns.say(ctx.addr, { type: 'text', text: T.refUnknown(arg) });
        return this.incident.showIncident(ctx, incident.id, what);
      }
    }
  }

  /** 「主控台」: a one-time sign-in link, only in the person's private chat and only for the roles that may open it. */
  private async consoleLink(ctx: Ctx): Promise<void> {
    const actor = requireActor(ctx);
    if (!can(actor, 'console.open')) return this.turns.answer(ctx, T.consoleRefused);
    const access = this.consoleAccess();
    if (!access) return this.turns.answer(ctx, T.consoleOff);
    const reach = { moved: T.consoleMoved, noDirect: T.consoleNoDirect(reachPrivately(ctx.adapter)), onlyFor: true };
    // Nothing is said to be in the private chat before it got there (DMs closed, not a friend, no DM on Slack).
    return this.turns.privately(ctx, actor, reach, (where) => this.sendConsoleLink(where, actor, access));
  }

  /** The sign-in link itself, in the person's private chat (or the console's address missing, said there). */
  private async sendConsoleLink(where: Place, actor: Actor, access: ConsoleAccess): Promise<void> {
    const link = await access.signInLink(actor);
    if (!link) return this.turns.say(where.addr, { type: 'text', text: T.consoleNoUrl });
    const text = T.consoleLink(formatRocDateTime(link.expiresAt));
    return this.turns.say(where.addr, {
      type: 'card',
      title: '主控台登入連結',
      tone: 'info',
      sections: [{ text }],
      buttons: [{ label: '登入主控台', action: LINK_ACTION, url: link.url, style: 'primary' }],
      // The link itself stays out of the notification text (lock screens, chat lists): only the button carries it.
      fallbackText: '主控台登入連結（10 分鐘內有效，只能使用一次）',
    });
  }
}
