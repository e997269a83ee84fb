import type { ChatAdapter } from '../../ports/chat.js';
import type { Button, Card, ConversationAddress, TextMessage } from '../../ports/chat-model.js';
import { MAX_ACTION_LENGTH } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';
import { newId } from '../ids.js';
import { UserError } from '../incidents/types.js';
import { T } from './texts.js';

/**
 * One-shot choices: a message whose buttons may be pressed once, by anyone who sees it (the offer 「開始通報 / 不是」
 * in a group). The first press takes it; the message is then shown, on every platform that can edit messages, with
 * who took it and without its buttons; every later press of a stale button (an old copy, another member, a platform
 * that cannot edit such as LINE) is answered politely and does nothing. Durable (one_shot_choice rows), so a restart
 * or another instance knows what was taken.
 */

/** A button of a one-shot message: what it does, and how it reads once someone pressed it. */
export interface OneShotButton extends Button {
  /** The line shown on the message and to later pressers, e.g. (name) => `已由 ${name} 開始通報。`. */
  taken: (name: string) => string;
}

export type OneShotMessage =
  | (Omit<TextMessage, 'quickReplies'> & { quickReplies: OneShotButton[] })
  | (Omit<Card, 'buttons'> & { buttons: OneShotButton[] });

/** What is kept of a posted one-shot message: the message with its inner actions and each button's taken line. */
interface Stored {
  message: TextMessage | Card;
  /** Per inner action, its taken line with 「{name}」 where the person's name goes. */
  taken: Record<string, string>;
}

const PREFIX = 'once';
/** What wrapping adds to a button's action (`once:` + a 16-character id + `:`): an inner action must leave room for it. */
export const ONE_SHOT_OVERHEAD = PREFIX.length + 1 + 16 + 1;
const NAME = '\u0000name\u0000';

/** `once:<id>:<inner action>` → its parts, or null for any other action. */
export function parseOneShot(action: string): { id: string; inner: string } | null {
  const m = /^once:([A-Za-z0-9_-]{8,40}):(.+)$/s.exec(action);
  return m ? { id: m[1]!, inner: m[2]! } : null;
}

export interface TakeContext {
  adapter: ChatAdapter;
  addr: ConversationAddress;
  /** The person pressing, as shown to others; null when their account is not linked (a linked name is preferred). */
  personId: string | null;
  name: string;
  /** The platform's id of the message the button was on, when the adapter reports it. */
  messageId?: string;
}

export class OneShotChoices {
  constructor(private readonly deps: Pick<CoreDeps, 'repos' | 'cipher' | 'now' | 'log'>) {}

  /** Posts a one-shot message to a conversation (its row id in `conversationId`). */
  async post(adapter: ChatAdapter, to: ConversationAddress, conversationId: string, message: OneShotMessage): Promise<void> {
    const id = newId();
    const buttons = message.type === 'text' ? message.quickReplies : message.buttons;
    const taken: Record<string, string> = {};
    const wrapped: Button[] = buttons.map(({ taken: line, ...b }) => {
      const action = `${PREFIX}:${id}:${b.action}`;
      if (action.length > MAX_ACTION_LENGTH)
        throw new Error(`One-shot action "${b.action}" is too long for a button (${action.length} > ${MAX_ACTION_LENGTH})`);
      taken[b.action] = line(NAME);
      return { ...b, action };
    });
    const inner: TextMessage | Card =
      message.type === 'text'
        ? { ...message, quickReplies: buttons.map(({ taken: _t, ...b }) => b) }
        : { ...message, buttons: buttons.map(({ taken: _t, ...b }) => b) };
    const stored: Stored = { message: inner, taken };
    await this.deps.repos.choices.add({ id, conversationId, messageEnc: this.deps.cipher.encrypt(JSON.stringify(stored), `once:${id}`) });
    const posted = message.type === 'text' ? { ...message, quickReplies: wrapped } : { ...message, buttons: wrapped };
    const { messageId } = await adapter.send(to, posted);
    await this.deps.repos.choices.posted(id, messageId);
  }

  /**
   * A press of a one-shot button: takes the choice and runs its inner action, or, if it was taken already, answers
   * who took it. If the inner action is refused (a UserError), the choice is given back so someone else may take it.
   */
  async take(ctx: TakeContext, action: string, run: (inner: string) => Promise<void>): Promise<void> {
    const parsed = parseOneShot(action);
    if (!parsed) return run(action);
    const { choices } = this.deps.repos;
    const row = await choices.find(parsed.id);
    if (!row) throw new UserError(T.promptExpired);
    const stored = JSON.parse(this.deps.cipher.decrypt(row.messageEnc, `once:${row.id}`)) as Stored;
    const line = stored.taken[parsed.inner];
    if (line === undefined) throw new UserError(T.promptExpired);
    const takenText = line.split(NAME).join(ctx.name);
    if (!(await choices.take(row.id, { personId: ctx.personId, text: takenText, at: this.deps.now() }))) {
      const now = await choices.find(row.id);
      await ctx.adapter.send(ctx.addr, { type: 'text', text: T.choiceAlreadyTaken(now?.takenText ?? '') });
      return;
    }
    try {
      await run(parsed.inner);
    } catch (err) {
      await choices.giveBack(row.id, takenText);
      throw err;
    }
    await this.showTaken(ctx, row.platformMessageId, stored.message, takenText);
  }

  /** The message as it reads once taken: its text or card, who took it, no buttons. */
  private async showTaken(ctx: TakeContext, postedId: string | null, message: TextMessage | Card, takenText: string): Promise<void> {
    const messageId = postedId ?? ctx.messageId;
    if (!messageId || !ctx.adapter.capabilities.editMessages || !ctx.adapter.update) return;
    const done: TextMessage | Card =
      message.type === 'text'
        ? { type: 'text', text: `${message.text}\n\n${takenText}`, ...(message.mentions ? { mentions: message.mentions } : {}) }
        : {
            ...message,
            buttons: [],
            footer: message.footer ? `${message.footer}\n${takenText}` : takenText,
            fallbackText: `${message.fallbackText}\n${takenText}`,
          };
    try {
      await ctx.adapter.update(ctx.addr, messageId, done);
    } catch (err) {
      // The choice is taken either way; a message that cannot be edited keeps its buttons, and a press answers.
      this.deps.log.warn(
        { err: { type: (err as Error).name, message: (err as Error).message }, platform: ctx.addr.platform },
        'a taken choice could not be re-rendered',
      );
    }
  }
}
