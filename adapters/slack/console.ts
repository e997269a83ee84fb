import type { SlashCommand } from '@slack/bolt';
import type { ConversationAddress, InboundEvent, PlatformUser } from '../../src/ports/chat-model.js';
import type { EventScope } from './modals.js';

/**
 * `/console` (manifest.yaml): the web console's one-time sign-in link, for the person alone. The command is handed to
 * the core as 「主控台」 typed in the person's direct conversation with the bot, wherever it was typed: the core's own
 * console command answers there (the link, or a refusal for a role without the console), so the link never goes to a
 * channel, also from a channel the bot is not in or a DM between two people. Typed elsewhere than that DM, the
 * acknowledgement says (ephemerally, to the person only) where the answer is.
 */
export const CONSOLE_COMMAND = '/console';
/** What the core reads as its console command (src/core/conversation/commands.ts). */
export const CONSOLE_TEXT = '主控台';
// Said in the acknowledgement, which Slack wants within 3 s, before the core has answered: so it says where the answer
// will be, not that it was sent.
export const CONSOLE_ANSWERED_IN_DM = '主控台登入連結只以私訊提供：請到您與小幫手的私訊查看回覆。';

/** What the command needs of the adapter (a part of listeners.ts' SlackListenerHost). */
export interface ConsoleCommandHost {
  run(scope: EventScope, work: () => Promise<void>): Promise<void>;
  handle(ev: InboundEvent): Promise<void>;
  address(channelId: string, channelType?: string): ConversationAddress;
  user(id: string, name?: string): PlatformUser;
  directConversation(user: PlatformUser): Promise<ConversationAddress | null>;
}

type Ack = (response?: { response_type: 'ephemeral'; text: string }) => Promise<void>;

export async function consoleCommand(h: ConsoleCommandHost, command: SlashCommand, ack: Ack): Promise<void> {
  const user = h.user(command.user_id, command.user_name);
  // The direct conversation is known after the first time (kept by the adapter), else one conversations.open.
  const dm = await h.directConversation(user).catch(() => null);
  const conversation = dm ?? h.address(command.channel_id);
  await ack(dm && dm.externalId !== command.channel_id ? { response_type: 'ephemeral', text: CONSOLE_ANSWERED_IN_DM } : undefined);
  // Without a direct conversation the core is asked where the command was typed: it says how to open one.
  await h.run({ userId: command.user_id, triggerId: command.trigger_id, triggerUsed: false, channel: conversation }, () =>
    h.handle({ type: 'message', eventId: `cmd:${command.trigger_id}`, conversation, user, at: new Date(), text: CONSOLE_TEXT }),
  );
}
