import type { AsyncLocalStorage } from 'node:async_hooks';
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/ports/logger.js';
import type { ConversationAddress, Form, InboundEvent, OutboundMessage, PlatformUser } from '../../src/ports/chat-model.js';
import { T } from '../../src/core/conversation/texts.js';
import { SlackApiError, type SlackCall } from './errors.js';
import { formButtonMessage, formModal, type FormMetadata } from './render.js';

/**
 * Forms on Slack. A modal needs the trigger_id of the interaction that asks for it (valid 3 s): while the core handles a
 * slash command, shortcut or button click, a form it sends opens as a modal for that person at once; any other form (or
 * an expired trigger) is posted as a message with a 「填寫通報表」 button whose click opens the modal. Forms are kept in
 * memory (the newest MAX_STORED_FORMS) for that button and for a modal closed without submitting.
 */
const MAX_STORED_FORMS = 1000;

/** What the adapter knows about the interaction or event being handled (AsyncLocalStorage). */
export interface EventScope {
  userId: string;
  triggerId?: string;
  triggerUsed: boolean;
  /** The conversation the interaction happened in, for the failure notice. */
  channel?: ConversationAddress;
  /** A click on the Home tab: a modal it opens refreshes the tab when submitted. */
  fromHome?: boolean;
}

interface StoredForm {
  form: Form;
  to: ConversationAddress;
}

export interface SlackModalsDeps {
  client: webApi.WebClient;
  call: SlackCall;
  log: Logger;
  scope: AsyncLocalStorage<EventScope>;
  handle: (ev: InboundEvent) => Promise<void>;
  send: (to: ConversationAddress, message: OutboundMessage) => Promise<unknown>;
}

export class SlackModals {
  private readonly forms = new Map<string, StoredForm>();

  constructor(private readonly d: SlackModalsDeps) {}

  async send(to: ConversationAddress, form: Form): Promise<{ messageId: string }> {
    this.remember(form, to);
    const scope = this.d.scope.getStore();
    if (scope?.triggerId && !scope.triggerUsed) {
      scope.triggerUsed = true;
      const viewId = await this.openModal(scope.triggerId, form, to);
      if (viewId) return { messageId: viewId };
    }
    return this.postFormButton(to, form);
  }

  /** A modal submitted: its form is no longer offered. */
  submitted(formId: string): void {
    this.forms.delete(formId);
  }

  /** Closing the modal keeps the report open: a message with 「填寫通報表」 and 「取消通報」 lets the person choose. */
  async closed(formId: string): Promise<void> {
    const stored = this.forms.get(formId);
    if (stored) await this.postFormButton(stored.to, stored.form);
  }

  /** 「填寫通報表」 clicked: the modal opens with the click's trigger, else the core sends the report form again. */
  async reopen(formId: string, conversation: ConversationAddress, user: PlatformUser): Promise<void> {
    const stored = this.forms.get(formId);
    const scope = this.d.scope.getStore()!;
    if (stored && scope.triggerId && !scope.triggerUsed) {
      scope.triggerUsed = true;
      if (await this.openModal(scope.triggerId, stored.form, stored.to)) return;
    }
    if (formId.startsWith('intake:')) {
      // Not in memory (e.g. after a restart): the core resumes the open report and sends its form again.
      return this.d.handle({
        type: 'action',
        eventId: `reopen:${scope.triggerId ?? Date.now()}`,
        conversation,
        user,
        at: new Date(),
        action: 'intake:start',
      });
    }
    await this.d.send(conversation, { type: 'text', text: T.promptExpired });
  }

  private async postFormButton(to: ConversationAddress, form: Form): Promise<{ messageId: string }> {
    const m = formButtonMessage(form);
    const r = await this.d.call('chat.postMessage', () =>
      this.d.client.chat.postMessage({ channel: to.externalId, text: m.text, blocks: m.blocks as never }),
    );
    return { messageId: String(r.ts) };
  }

  /** Opens the form as a modal; null when the trigger can no longer be used (the caller posts a button instead). */
  private async openModal(triggerId: string, form: Form, to: ConversationAddress): Promise<string | null> {
    const meta: FormMetadata = {
      f: form.formId,
      c: to.externalId,
      k: to.kind === 'direct' ? 'd' : 'g',
      ...(this.d.scope.getStore()?.fromHome ? { h: 1 as const } : {}),
    };
    try {
      const r = await this.d.call('views.open', () =>
        this.d.client.views.open({ trigger_id: triggerId, view: formModal(form, meta) as never }),
      );
      return r.view?.id ?? 'view';
    } catch (err) {
      if (err instanceof SlackApiError && (err.code === 'expired_trigger_id' || err.code === 'exchanged_trigger_id')) {
        this.d.log.info({ formId: form.formId.split(':')[0] }, 'Slack trigger expired: the form is posted as a button');
        return null;
      }
      throw err;
    }
  }

  private remember(form: Form, to: ConversationAddress): void {
    this.forms.delete(form.formId);
    this.forms.set(form.formId, { form, to });
    while (this.forms.size > MAX_STORED_FORMS) this.forms.delete(this.forms.keys().next().value!);
  }
}
