import type { App } from '@slack/bolt';
import type { ConversationAddress, InboundEvent, PlatformUser } from '../../src/ports/chat-model.js';
import { CONSOLE_COMMAND, consoleCommand } from './console.js';
import { sharedFiles, type SlackEventFile } from './files.js';
import type { EventScope } from './modals.js';
import { FORM_CALLBACK_ID, OPEN_FORM_PREFIX, SLACK_PLATFORM_NAME, formValues, type FormMetadata } from './render.js';

/**
 * Inbound translation: Bolt's listeners turn slash commands, shortcuts, clicks, modal submissions and messages into the
 * core's neutral InboundEvents. Every listener acknowledges first, then works inside `run` (the event's scope: its
 * trigger for a modal, its conversation for the failure notice).
 */
export const REPORT_SHORTCUT = 'report_incident';
export const REPORT_MESSAGE_SHORTCUT = 'report_message';

/** What the listeners need of the adapter. */
export interface SlackListenerHost {
  run(scope: EventScope, work: () => Promise<void>): Promise<void>;
  handle(ev: InboundEvent): Promise<void>;
  address(channelId: string, channelType?: string): ConversationAddress;
  user(id: string, name?: string): PlatformUser;
  directConversation(user: PlatformUser): Promise<ConversationAddress | null>;
  publishHome(userId: string): Promise<void>;
  reopenForm(formId: string, conversation: ConversationAddress, user: PlatformUser): Promise<void>;
  formSubmitted(formId: string): void;
  formClosed(formId: string): Promise<void>;
  isIncidentRoom(channelId: string): Promise<boolean>;
  /** The bot was added to a channel: it introduces itself. */
  joined(conversation: ConversationAddress): Promise<void>;
  left(conversation: ConversationAddress): Promise<void>;
}

/** Resolves after pending I/O callbacks: an acknowledgement already given is written to the socket before work goes on. */
export function yieldToAck(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function registerSlackListeners(app: App, h: SlackListenerHost): void {
  app.command(/.*/, async ({ command, ack }) => {
    // `/console` is answered in the person's DM with the bot, wherever it was typed (console.ts).
    if (command.command === CONSOLE_COMMAND) return consoleCommand(h, command, ack);
    await ack();
    const conversation = h.address(command.channel_id);
    const text = command.text.trim() || '通報';
    await h.run({ userId: command.user_id, triggerId: command.trigger_id, triggerUsed: false, channel: conversation }, () =>
      h.handle({
        type: 'message',
        eventId: `cmd:${command.trigger_id}`,
        conversation,
        user: h.user(command.user_id, command.user_name),
        at: new Date(),
        text,
      }),
    );
  });

  app.shortcut(REPORT_SHORTCUT, async ({ shortcut, ack }) => {
    await ack();
    const user = h.user(shortcut.user.id);
    const dm = await h.directConversation(user);
    if (!dm) return;
    await h.run({ userId: user.externalId, triggerId: shortcut.trigger_id, triggerUsed: false, channel: dm }, () =>
      h.handle({ type: 'action', eventId: `sc:${shortcut.trigger_id}`, conversation: dm, user, at: new Date(), action: 'intake:start' }),
    );
  });

  // 「回報此訊息為個資外洩」: the message's text is deliberately not copied into the report (it may be the leak itself).
  app.shortcut(REPORT_MESSAGE_SHORTCUT, async ({ shortcut, ack }) => {
    await ack();
    const s = shortcut as { trigger_id: string; user: { id: string }; channel?: { id: string } };
    const user = h.user(s.user.id);
    const conversation = s.channel ? h.address(s.channel.id) : await h.directConversation(user);
    if (!conversation) return;
    await h.run({ userId: user.externalId, triggerId: s.trigger_id, triggerUsed: false, channel: conversation }, () =>
      h.handle({ type: 'action', eventId: `sc:${s.trigger_id}`, conversation, user, at: new Date(), action: 'intake:start' }),
    );
  });

  app.action(/.*/, async ({ body, action, ack }) => {
    await ack();
    if (body.type !== 'block_actions') return;
    const a = action as { value?: string; selected_option?: { value: string }; action_ts?: string };
    const value = a.value ?? a.selected_option?.value;
    const user = h.user(body.user.id);
    // A button on the Home tab has no channel: it acts in the person's direct conversation with the bot.
    const fromHome = (body.view as { type?: string } | undefined)?.type === 'home';
    const channelId =
      body.channel?.id ??
      (body.container as { channel_id?: string } | undefined)?.channel_id ??
      (fromHome ? (await h.directConversation(user))?.externalId : undefined);
    if (!value || !channelId) return;
    const conversation = fromHome
      ? { platform: SLACK_PLATFORM_NAME, externalId: channelId, kind: 'direct' as const }
      : h.address(channelId);
    const triggerId = (body as { trigger_id?: string }).trigger_id;
    await h.run(
      { userId: user.externalId, ...(triggerId ? { triggerId } : {}), triggerUsed: false, channel: conversation, fromHome },
      async () => {
        if (value.startsWith(OPEN_FORM_PREFIX)) return h.reopenForm(value.slice(OPEN_FORM_PREFIX.length), conversation, user);
        const messageTs = body.message?.ts;
        return h.handle({
          type: 'action',
          eventId: `act:${triggerId ?? `${channelId}:${a.action_ts}`}`,
          conversation,
          user,
          at: new Date(),
          action: value,
          ...(messageTs ? { messageId: String(messageTs) } : {}),
        });
      },
    );
    // What the click changed (a step ticked) shows on the Home tab at once.
    if (fromHome) await h.publishHome(user.externalId);
  });

  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await h.publishHome(event.user);
  });

  app.view({ callback_id: FORM_CALLBACK_ID, type: 'view_submission' }, async ({ body, view, ack }) => {
    await ack();
    const meta = JSON.parse(view.private_metadata) as FormMetadata;
    h.formSubmitted(meta.f);
    const user = h.user(body.user.id);
    const conversation: ConversationAddress = {
      platform: SLACK_PLATFORM_NAME,
      externalId: meta.c,
      kind: meta.k === 'd' ? 'direct' : 'group',
    };
    const values = formValues(view.state.values as never);
    await h.run({ userId: user.externalId, triggerUsed: true, channel: conversation }, () =>
      h.handle({ type: 'form', eventId: `view:${view.id}:${view.hash}`, conversation, user, at: new Date(), formId: meta.f, values }),
    );
    if (meta.h) await h.publishHome(user.externalId);
  });

  // Closing the modal keeps the report open: a message with 「填寫通報表」 and 「取消通報」 lets the person choose.
  app.view({ callback_id: FORM_CALLBACK_ID, type: 'view_closed' }, async ({ view, ack }) => {
    await ack();
    const meta = JSON.parse(view.private_metadata) as FormMetadata;
    await h.formClosed(meta.f);
  });

  app.event('message', async ({ event }) => {
    const e = event as {
      subtype?: string;
      bot_id?: string;
      user?: string;
      text?: string;
      channel: string;
      channel_type?: string;
      ts: string;
      files?: SlackEventFile[];
    };
    // A file shared in the app (subtype file_share; files posted through the API may carry none) brings its files.
    const fileShare = e.subtype === 'file_share' || (!e.subtype && !!e.files?.length);
    if ((e.subtype && !fileShare) || e.bot_id || !e.user || (typeof e.text !== 'string' && !fileShare)) return;
    const conversation = h.address(e.channel, e.channel_type);
    const eventId = `msg:${e.channel}:${e.ts}`;
    const user = h.user(e.user);
    const at = new Date(Number(e.ts) * 1000);
    await h.run({ userId: e.user, triggerUsed: true, channel: conversation }, async () => {
      const text = stripMentions(e.text ?? '');
      // A file's caption is read like any message; each file is then offered as evidence (ids only, issue #15).
      if (!fileShare || text) await h.handle({ type: 'message', eventId, conversation, user, at, text });
      if (!fileShare) return;
      for (const file of sharedFiles(e.files)) {
        await h.handle({
          type: 'file',
          eventId: `file:${e.channel}:${e.ts}:${file.ref}`,
          conversation,
          user,
          at,
          file,
          messageId: `${e.channel}:${e.ts}`,
        });
      }
    });
  });

  app.event('member_joined_channel', async ({ event, context }) => {
    if (event.user !== context.botUserId) return;
    await yieldToAck();
    // Slack may announce the bot joining a private channel it created itself: an incident room is not a group to bind.
    if (await h.isIncidentRoom(event.channel)) return;
    await h.joined(h.address(event.channel, event.channel_type === 'G' ? 'private_channel' : 'channel'));
  });

  const left = async ({ event }: { event: { channel: string } }) => {
    await yieldToAck();
    await h.left(h.address(event.channel));
  };
  app.event('channel_left', left);
  app.event('group_left', left);
}

/** Mentions (<@U123>) are Slack markup, not words: the core sees the text without them. */
function stripMentions(text: string): string {
  return text
    .replace(/<@[A-Z0-9]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}
