import { AsyncLocalStorage } from 'node:async_hooks';
import {
  DiscordAPIError,
  MessageFlags,
  Routes,
  type ButtonInteraction,
  type ModalSubmitInteraction,
  type REST,
  type RepliableInteraction,
  type StringSelectMenuInteraction,
} from 'discord.js';
import type { Logger } from '../../src/ports/logger.js';
import type { ConversationAddress, Form, InboundEvent, PlatformUser } from '../../src/ports/chat-model.js';
import { T } from '../../src/core/conversation/texts.js';
import { DiscordApiError, type DiscordCall } from './errors.js';
import type { DiscordFormStore } from './forms.js';
import {
  DISCORD_PLATFORM_NAME as DISCORD_PLATFORM,
  MODAL_PREFIX,
  formButtonMessage,
  formModal,
  formValues,
  toDiscordMessage,
  type DiscordMessage,
} from './render.js';

/**
 * Interactions and modals on Discord. An interaction must be answered within 3 s, and a modal can only be the *first*
 * answer. So:
 * - buttons and select menus are acknowledged at once (DEFERRED_UPDATE_MESSAGE), then the core works; a form the core
 *   sends while handling a click is offered as an ephemeral 「填寫表單」 button (only the clicker sees it); its click
 *   opens the modal at once (the form is kept in memory and, encrypted, in discord_form: forms.ts);
 * - slash commands and the context menu run the core first, for up to `ackBudgetMs`: when the core sends a form, it
 *   opens as the modal; otherwise the interaction is acknowledged with an ephemeral deferral that is deleted when the
 *   work is done;
 * - a modal submission is acknowledged at once, then handed to the core as an InboundFormSubmit.
 * The interaction being handled is kept in an AsyncLocalStorage scope, so that what the core sends meanwhile (a form,
 * an answer for one person) becomes the interaction's answer. Answers are sent as Discord documents them, not with
 * interaction.reply() / followUp() / editReply(), which add message-only fields (tts, enforce_nonce) that the
 * interaction and webhook endpoints do not define.
 */

export interface Scope {
  interaction: RepliableInteraction;
  channelId: string;
  /** Whether a form may still open as a modal (nothing answered yet, and the interaction allows it). */
  canModal: boolean;
  acked: boolean;
  /** Acknowledged with a (deferred, ephemeral) reply that is deleted at the end. */
  deferredReply: boolean;
  ack?: Promise<unknown>;
}

export interface DiscordInteractionsDeps {
  rest: REST;
  log: Logger;
  call: DiscordCall;
  logError: (what: string, err: unknown) => void;
  forms: DiscordFormStore;
  /** Slash commands wait this long for a form before acknowledging without one. */
  ackBudgetMs: number;
  /** Claims an event in the shared inbox; false when it was claimed before. */
  claim: (ev: InboundEvent) => Promise<boolean>;
  /** Hands a claimed event to the core. */
  process: (ev: InboundEvent) => Promise<void>;
  post: (channelId: string, body: DiscordMessage) => Promise<{ id: string }>;
}

export class DiscordInteractions {
  readonly scope = new AsyncLocalStorage<Scope>();

  constructor(private readonly d: DiscordInteractionsDeps) {}

  /**
   * A button or a select menu: acknowledged first (Discord allows 3 s); the claim in the database and the core come once
   * it is answered.
   */
  async onClick(i: ButtonInteraction | StringSelectMenuInteraction, conversation: ConversationAddress, ev: InboundEvent): Promise<void> {
    // Acknowledged first (Discord allows 3 s); the claim in the database and the core come once it is answered (the
    // embedded database runs its queries on this thread: started earlier, they would hold the acknowledgement back).
    const scope: Scope = { interaction: i, channelId: conversation.externalId, canModal: false, acked: true, deferredReply: false };
    scope.ack = this.acknowledged(i.deferUpdate());
    await this.run(scope, conversation, async () => {
      await this.d.call('acknowledge the click', () => scope.ack!);
      if (await this.d.claim(ev)) await this.d.process(ev);
    });
  }

  /**
   * A form opens as the modal when it is the first answer to the interaction being handled, else it is offered as a
   * 「填寫表單」 button. Either way it is kept (encrypted, in the database: forms.ts) so that its button and its
   * submission are understood on any instance and after a restart — once the modal is open (the embedded database
   * runs its queries on this thread: saving first would hold the modal back), before a button is posted.
   */
  async sendForm(to: ConversationAddress, form: Form, keep = true): Promise<{ messageId: string }> {
    const save = async () => {
      if (keep) await this.d.forms.save(form, to);
    };
    const s = this.scope.getStore();
    if (s?.canModal && !s.acked) {
      s.acked = true;
      s.canModal = false;
      s.ack = (s.interaction as Exclude<RepliableInteraction, ModalSubmitInteraction>).showModal(
        formModal(form, modalId(form, to)) as never,
      );
      try {
        await this.d.call('open the form', () => s.ack!);
        await save();
        return { messageId: `modal:${s.interaction.id}` };
      } catch (err) {
        if (!(err instanceof DiscordApiError)) throw err;
        s.ack = Promise.resolve();
        await save();
        // Another instance received the same click and opened the modal first (40060): nothing more to do.
        if (err.code === 40060) return { messageId: `modal:${s.interaction.id}` };
        // The interaction expired meanwhile (10062): the form is still offered, as a button where it was sent.
        return { messageId: (await this.d.post(to.externalId, formButtonMessage(form))).id };
      }
    }
    await save();
    const m = formButtonMessage(form);
    if (s?.acked && s.channelId === to.externalId) {
      // Only the person who clicked sees the button that opens their form.
      await s.ack;
      if (s.deferredReply) {
        s.deferredReply = false;
        return { messageId: (await this.editOriginal(s.interaction, m)).id };
      }
      return { messageId: (await this.followUpEphemeral(s.interaction, m)).id };
    }
    return { messageId: (await this.d.post(to.externalId, m)).id };
  }

  /**
   * An answer for one person (TextMessage.onlyFor) while their interaction is open: an ephemeral reply or follow-up
   * only they see. Null when there is no such interaction (a typed message, a job): then it is posted as usual.
   */
  async sendEphemeral(to: ConversationAddress, user: PlatformUser, body: DiscordMessage): Promise<{ messageId: string } | null> {
    const s = this.scope.getStore();
    if (!s || s.channelId !== to.externalId || s.interaction.user.id !== user.externalId) return null;
    if (!s.acked) {
      s.acked = true;
      s.canModal = false;
      const i = s.interaction;
      s.ack = this.d.call('answer the person', () =>
        this.d.rest.post(Routes.interactionCallback(i.id, i.token), {
          body: { type: 4, data: { ...body, flags: MessageFlags.Ephemeral } },
          auth: false,
        }),
      );
      await s.ack;
      return { messageId: `ephemeral:${i.id}` };
    }
    await s.ack;
    if (s.deferredReply) {
      // The deferral ("thinking…") becomes the answer instead of being removed.
      s.deferredReply = false;
      return { messageId: (await this.editOriginal(s.interaction, body)).id };
    }
    return { messageId: (await this.followUpEphemeral(s.interaction, body)).id };
  }

  async onModalSubmit(i: ModalSubmitInteraction, user: PlatformUser): Promise<void> {
    const parsed = parseModalId(i.customId);
    if (!parsed) return;
    const fromMessage = i.isFromMessage();
    const scope: Scope = { interaction: i, channelId: i.channelId ?? '', canModal: false, acked: true, deferredReply: !fromMessage };
    scope.ack = this.acknowledged(fromMessage ? i.deferUpdate() : i.deferReply({ flags: MessageFlags.Ephemeral }));
    const conversation: ConversationAddress = { platform: DISCORD_PLATFORM, externalId: parsed.channelId, kind: parsed.kind };
    const raw: Record<string, string | string[]> = {};
    for (const [id, field] of i.fields.fields) {
      if ('values' in field && Array.isArray(field.values)) raw[id] = [...field.values];
      else if ('value' in field && typeof field.value === 'string') raw[id] = field.value;
    }
    let mine = false;
    await this.run(scope, conversation, async () => {
      await this.d.call('acknowledge the form', () => scope.ack!);
      // The form as it was offered (also after a restart): choices typed into a text input map back to their values.
      const stored = await this.d.forms.load(parsed.channelId, parsed.formId);
      const ev: InboundEvent = {
        type: 'form',
        eventId: `modal:${i.id}`,
        conversation,
        user,
        at: i.createdAt,
        formId: parsed.formId,
        values: formValues(stored?.form, raw),
      };
      if (!(await this.d.claim(ev))) return;
      mine = true;
      // Dropped before the core runs: a form it sends again (a correction asked for) is kept anew.
      await this.d.forms.drop(parsed.channelId, parsed.formId);
      await this.d.process(ev);
    });
    if (mine && scope.deferredReply) await this.deleteOriginal(i);
  }

  /**
   * 「填寫表單」: the form offered there opens as a modal at once (from memory, else from the database: also after a
   * restart or on another instance). A report form no longer kept is asked from the core again; any other form that
   * was submitted or is too old answers 「這個問答已過期」. Not claimed in the inbox: opening a modal changes nothing,
   * and when two instances race only one answer is accepted (the other's 40060 is ignored).
   */
  async openStoredForm(
    i: ButtonInteraction | StringSelectMenuInteraction,
    conversation: ConversationAddress,
    user: PlatformUser,
    formId: string,
  ): Promise<void> {
    const scope: Scope = { interaction: i, channelId: conversation.externalId, canModal: true, acked: false, deferredReply: false };
    let found = false;
    await this.run(scope, conversation, async () => {
      const stored = await this.d.forms.load(conversation.externalId, formId);
      found = stored !== null;
      if (stored) await this.sendForm(stored.to, stored.form, false);
    });
    if (found || scope.acked) return;
    if (formId.startsWith('intake:')) {
      return this.runFirstAnswer(i, conversation, {
        type: 'action',
        eventId: `reopen:${i.id}`,
        conversation,
        user,
        at: i.createdAt,
        action: 'intake:start',
      });
    }
    await this.replyEphemeral(i, T.promptExpired);
  }

  /**
   * Runs the core while the interaction is still unanswered, so that a form it sends can be the modal (the first
   * answer). Acknowledged (ephemeral, deleted later) when the core is done without a form or the budget runs out.
   * Claimed in the inbox first (inside the budget): an instance that loses the claim leaves the answer to the other.
   */
  async runFirstAnswer(i: RepliableInteraction, conversation: ConversationAddress, ev: InboundEvent): Promise<void> {
    const scope: Scope = { interaction: i, channelId: conversation.externalId, canModal: true, acked: false, deferredReply: false };
    const defer = () => {
      if (scope.acked) return;
      scope.acked = true;
      scope.canModal = false;
      scope.deferredReply = true;
      scope.ack = this.acknowledged(i.deferReply({ flags: MessageFlags.Ephemeral })).catch((err: unknown) =>
        this.d.logError('acknowledge the command', err),
      );
    };
    const timer = setTimeout(defer, this.d.ackBudgetMs);
    let claimed = false;
    try {
      await this.run(scope, conversation, async () => {
        claimed = await this.d.claim(ev);
        if (claimed) await this.d.process(ev);
      });
    } finally {
      clearTimeout(timer);
      if (claimed) defer();
      await scope.ack;
      if (scope.deferredReply) await this.deleteOriginal(i);
    }
  }

  async run(scope: Scope | null, conversation: ConversationAddress, work: () => Promise<void>): Promise<void> {
    try {
      if (scope) await this.scope.run(scope, work);
      else await work();
    } catch (err) {
      this.d.logError('handle an event', err);
      try {
        if (scope?.acked) {
          await scope.ack;
          if (scope.deferredReply) {
            // The deferral ("thinking…") becomes the failure notice instead of being removed.
            scope.deferredReply = false;
            await this.editOriginal(scope.interaction, toDiscordMessage({ type: 'text', text: T.failed }));
          } else {
            await this.followUpEphemeral(scope.interaction, toDiscordMessage({ type: 'text', text: T.failed }));
          }
        } else if (scope) {
          scope.acked = true;
          await this.replyEphemeral(scope.interaction, T.failed);
        } else {
          await this.d.post(conversation.externalId, toDiscordMessage({ type: 'text', text: T.failed }));
        }
      } catch {
        // The failure was logged; telling the person failed as well.
      }
    }
  }

  /** An acknowledgement Discord refuses as given already (40060: another instance was quicker) counts as given. */
  private acknowledged(ack: Promise<unknown>): Promise<unknown> {
    return ack.catch((err: unknown) => {
      if (!(err instanceof DiscordAPIError && err.code === 40060)) throw err;
      this.d.log.info({ code: 40060 }, 'Discord interaction acknowledged by another instance already');
      return undefined;
    });
  }

  /** A message after the first answer that only the person who acted sees. */
  private async followUpEphemeral(i: RepliableInteraction, body: DiscordMessage): Promise<{ id: string }> {
    return (await this.d.call('answer the person', () =>
      this.d.rest.post(Routes.webhook(i.applicationId, i.token), {
        body: { ...body, flags: MessageFlags.Ephemeral },
        query: new URLSearchParams({ wait: 'true' }),
        auth: false,
      }),
    )) as { id: string };
  }

  /** Removes the interaction's deferred answer ("thinking…"), whichever instance made it (the token is the key). */
  private async deleteOriginal(i: RepliableInteraction): Promise<void> {
    await this.d
      .call('remove the acknowledgement', () =>
        this.d.rest.delete(Routes.webhookMessage(i.applicationId, i.token, '@original'), { auth: false }),
      )
      .catch((err: unknown) => this.d.logError('remove the acknowledgement', err));
  }

  /** Replaces the interaction's deferred answer ("thinking…"). */
  private async editOriginal(i: RepliableInteraction, body: DiscordMessage): Promise<{ id: string }> {
    return (await this.d.call('answer the person', () =>
      this.d.rest.patch(Routes.webhookMessage(i.applicationId, i.token, '@original'), { body, auth: false }),
    )) as { id: string };
  }

  /**
   * Interaction answers are sent as Discord documents them, not with interaction.reply() / followUp() / editReply(),
   * which add message-only fields (tts, enforce_nonce) that the interaction and webhook endpoints do not define.
   */
  private async replyEphemeral(i: RepliableInteraction, content: string): Promise<void> {
    await this.d.call('answer the interaction', () =>
      this.d.rest.post(Routes.interactionCallback(i.id, i.token), {
        body: { type: 4, data: { content, flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } } },
        auth: false,
      }),
    );
  }
}

/** A modal's custom_id: the form id and where it was sent (d = a DM, g = a server channel or thread), ids only. */
export function modalId(form: Form, to: ConversationAddress): string {
  return `${MODAL_PREFIX}${to.kind === 'direct' ? 'd' : 'g'}${to.externalId}:${form.formId}`;
}

export function parseModalId(customId: string): { kind: 'direct' | 'group'; channelId: string; formId: string } | null {
  const m = new RegExp(`^${MODAL_PREFIX}([dg])(\\d+):(.+)$`).exec(customId);
  return m ? { kind: m[1] === 'd' ? 'direct' : 'group', channelId: m[2]!, formId: m[3]! } : null;
}
