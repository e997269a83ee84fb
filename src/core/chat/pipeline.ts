import type { Card, ConversationAddress, InboundEvent, PlatformUser } from '../../ports/chat-model.js';
import type { InboundSink } from '../../ports/chat.js';
import type { Bot } from '../conversation/bot.js';

/**
 * The one inbound pipeline every adapter hands its events to (`InboundSink`): conversation events go to the bot's
 * router, the bot's membership to the binding service, home pages and warnings to theirs.
 */
export class InboundPipeline implements InboundSink {
  constructor(private readonly bot: Bot) {}

  handle(ev: InboundEvent): Promise<void> {
    return this.bot.handle(ev);
  }

  joined(conversation: ConversationAddress): Promise<string> {
    return this.bot.binding.joined(conversation);
  }

  left(conversation: ConversationAddress): Promise<void> {
    return this.bot.binding.left(conversation);
  }

  followed(user: PlatformUser): Promise<string> {
    return this.bot.binding.followed(user);
  }

  home(user: PlatformUser): Promise<Card[]> {
    return this.bot.home(user);
  }

  alert(platform: string, text: string, key: string): Promise<ConversationAddress[]> {
    return this.bot.alerts.tell(platform, text, key);
  }
}
