import type { Card, ConversationAddress, InboundEvent, PlatformUser } from '../../ports/chat-model.js';
import type { InboundSink } from '../../ports/chat.js';
import type { InboxOptions, InboxStore, PlatformInbox } from '../../ports/inbox.js';
import type { Logger } from '../../ports/logger.js';
import type { Bot } from '../conversation/bot.js';
import type { FieldCipher } from '../privacy/cipher.js';
import { Inbox } from './inbox.js';

/**
 * The one inbound pipeline every adapter hands its events to (`InboundSink`): acknowledge → store → process → sweep.
 * Each adapter gets its platform's inbox from it (`inbox`: one table for all, inbox.ts), stores what it receives there
 * before the platform is answered, and processes it into neutral events handed to `handle`, which drops an event id
 * handled before (a redelivery that came some other way than the inbox) and routes it to the bot. The bot's
 * membership goes to the binding service, home pages and warnings to theirs.
 */
export class InboundPipeline implements InboundSink {
  constructor(
    private readonly bot: Bot,
    private readonly store: InboxStore,
    private readonly cipher: FieldCipher,
    private readonly log: Logger,
  ) {}

  inbox<B>(opts: InboxOptions<B>): PlatformInbox<B> {
    return new Inbox<B>(this.store, this.cipher, this.log, opts);
  }

  async handle(ev: InboundEvent): Promise<void> {
    const platform = ev.conversation.platform;
    if (await this.store.handled(platform, ev.eventId)) {
      this.log.info({ platform, eventId: ev.eventId }, 'duplicate event ignored');
      return;
    }
    await this.bot.handle(ev);
    await this.store.markHandled(platform, ev.eventId);
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
