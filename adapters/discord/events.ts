import {
  ChannelType,
  Events,
  PermissionFlagsBits,
  type Client,
  type Guild,
  type Interaction,
  type Message,
  type RepliableInteraction,
} from 'discord.js';
import type { Logger } from '../../src/ports/logger.js';
import type { ConversationAddress, InboundEvent, OutboundMessage, PlatformUser } from '../../src/ports/chat-model.js';
import type { InboundSink } from '../../src/ports/chat.js';
import { COMMAND_NAMES, COMMAND_TEXTS } from './commands.js';
import { DiscordApiError } from './errors.js';
import { attachmentEvents } from './files.js';
import type { DiscordInteractions } from './interactions.js';
import { DISCORD_PLATFORM_NAME as DISCORD_PLATFORM, OPEN_FORM_PREFIX, SELECT_PREFIX } from './render.js';

/**
 * Inbound translation on Discord: gateway dispatches (interactions, messages, the bot added to a server, a channel or
 * thread deleted) become the core's neutral InboundEvents. Every interaction and message is claimed in the database
 * inbox before the core sees it (each instance gets every dispatch; one handles it); a replay this process saw already
 * is dropped without asking the database.
 */
const SEEN_TTL_MS = 30 * 60_000;

/**
 * Added after the core's introduction when the bot joins a server: on Discord the bot reads no channel messages by
 * default, so binding and reporting go through its slash commands, and people link their accounts in its DMs.
 */
export const DISCORD_INTRO = [
  '在 Discord 上請這樣開始：',
  '1. 校長或個資聯絡窗口先私訊小幫手「綁定 綁定碼」（綁定碼向系統管理者索取），連結自己的帳號。',
  '2. 在教職員頻道輸入 /小幫手 指令:綁定群組 教職員群組；在應變小組的私人頻道輸入 /小幫手 指令:綁定群組 應變小組。',
  '3. 發現個資外洩時，用 /通報，或在訊息上按右鍵 →「應用程式」→「回報個資外洩」。',
].join('\n');

/** What the gateway listeners need of the adapter. */
export interface DiscordEventsHost {
  inbound(): InboundSink | null;
  log: Logger;
  readGroupMessages: boolean;
  interactions: DiscordInteractions;
  track(p: Promise<unknown>): void;
  countReceived(): void;
  rememberDm(userId: string, channelId: string): void;
  send(to: ConversationAddress, message: OutboundMessage, opts?: { idempotencyKey?: string }): Promise<unknown>;
  claim(ev: InboundEvent): Promise<boolean>;
  process(ev: InboundEvent): Promise<void>;
  /** A channel or thread was deleted. */
  left(channelId: string): Promise<void>;
}

export class DiscordEvents {
  /** Interactions and messages this process saw already: a replay is dropped without asking the database. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly h: DiscordEventsHost) {}

  listen(client: Client): void {
    client.on(Events.InteractionCreate, (i) => this.h.track(this.onInteraction(i)));
    client.on(Events.MessageCreate, (m) => this.h.track(this.onMessage(m)));
    client.on(Events.GuildCreate, (g) => this.h.track(this.introduce(g)));
    client.on(Events.ChannelDelete, (c) => this.h.track(this.h.left(c.id)));
    client.on(Events.ThreadDelete, (t) => this.h.track(this.h.left(t.id)));
  }

  /**
   * Added to a server (GUILD_CREATE of a server the bot was not in): it introduces itself once, in the server's system
   * channel (where Discord greets new members) or else the first text channel it may write in — the core's
   * introduction plus how binding works on Discord (the slash commands). Every instance receives the event: the post
   * is claimed as `intro:<server>:<joined at>` in outbound_message, so it appears once; invited again after being
   * removed (a new joined_at), it introduces itself again.
   */
  async introduce(guild: Guild): Promise<void> {
    const inbound = this.h.inbound();
    if (!inbound) return;
    const me = guild.members.me;
    const texts = [...guild.channels.cache.values()]
      .filter((c) => c.type === ChannelType.GuildText)
      .sort((a, b) => ('rawPosition' in a ? a.rawPosition : 0) - ('rawPosition' in b ? b.rawPosition : 0));
    const candidates = [...(guild.systemChannel ? [guild.systemChannel] : []), ...texts]
      .filter((c, i, all) => all.findIndex((x) => x.id === c.id) === i)
      .filter((c) => !me || c.permissionsFor(me)?.has([PermissionFlagsBits.ViewChannel, PermissionFlagsBits.SendMessages]) !== false)
      .slice(0, 3);
    for (const c of candidates) {
      const conversation: ConversationAddress = { platform: DISCORD_PLATFORM, externalId: c.id, kind: 'group', title: c.name };
      try {
        const intro = await inbound.joined(conversation);
        await this.h.send(
          conversation,
          { type: 'text', text: `${intro}\n\n${DISCORD_INTRO}` },
          { idempotencyKey: `intro:${guild.id}:${guild.joinedTimestamp}` },
        );
        this.h.log.info({ guild: guild.id, channel: c.id }, 'Discord: added to a server; introduced itself');
        return;
      } catch (err) {
        if (!(err instanceof DiscordApiError)) throw err; // refused in that channel (logged with its advice): the next
      }
    }
    this.h.log.warn(
      { guild: guild.id },
      'Discord: added to a server but found no channel to introduce itself in (give the bot Send Messages in the system channel); /小幫手 指令:說明 explains the bot',
    );
  }

  async onMessage(m: Message): Promise<void> {
    this.h.countReceived();
    if (m.author.bot || m.system || (!m.content && m.attachments.size === 0)) return;
    if (this.alreadySeen(`m:${m.id}`)) return;
    const direct = m.channel.type === ChannelType.DM;
    if (!direct && !this.h.readGroupMessages) return;
    const conversation: ConversationAddress = { platform: DISCORD_PLATFORM, externalId: m.channelId, kind: direct ? 'direct' : 'group' };
    if (direct) this.h.rememberDm(m.author.id, m.channelId);
    const user = userOf(m.author);
    const events: InboundEvent[] = [];
    if (m.content)
      events.push({
        type: 'message',
        eventId: `msg:${m.id}`,
        conversation,
        user,
        at: m.createdAt,
        text: m.content.replace(/<@!?\d+>/g, '').trim(),
      });
    // Each attachment is offered as evidence (ids only; the bytes are fetched if and when the person files it).
    events.push(...attachmentEvents(m, conversation, user));
    for (const ev of events) {
      await this.h.interactions.run(null, conversation, async () => {
        if (await this.h.claim(ev)) await this.h.process(ev);
      });
    }
  }

  async onInteraction(i: Interaction): Promise<void> {
    this.h.countReceived();
    if (!i.isRepliable()) return;
    if (this.alreadySeen(`i:${i.id}`)) {
      this.h.log.info({ interaction: i.id }, 'Discord interaction received again (gateway replay): ignored');
      return;
    }
    const user = userOf(i.user);
    const conversation = addressOf(i);
    if (i.channel?.type === ChannelType.DM || !i.inGuild()) this.h.rememberDm(i.user.id, i.channelId!);
    const base = { conversation, user, at: i.createdAt };

    if (i.isChatInputCommand()) {
      const text = COMMAND_TEXTS[i.commandName] ?? i.options.getString('text') ?? '說明';
      const ev: InboundEvent =
        i.commandName === COMMAND_NAMES.report
          ? { type: 'action', eventId: `cmd:${i.id}`, action: 'intake:start', ...base }
          : { type: 'message', eventId: `cmd:${i.id}`, text, ...base };
      return this.h.interactions.runFirstAnswer(i, conversation, ev);
    }
    if (i.isMessageContextMenuCommand()) {
      // 「回報個資外洩」 on a message: the message's text is deliberately not copied into the report (it may be the leak).
      return this.h.interactions.runFirstAnswer(i, conversation, {
        type: 'action',
        eventId: `ctx:${i.id}`,
        action: 'intake:start',
        ...base,
      });
    }
    if (i.isButton() || i.isStringSelectMenu()) {
      const action = i.isStringSelectMenu() && i.customId.startsWith(SELECT_PREFIX) ? i.values[0] : i.customId;
      if (!action) return;
      if (action.startsWith(OPEN_FORM_PREFIX))
        return this.h.interactions.openStoredForm(i, conversation, user, action.slice(OPEN_FORM_PREFIX.length));
      return this.h.interactions.onClick(i, conversation, {
        type: 'action',
        eventId: `act:${i.id}`,
        action,
        messageId: i.message.id,
        ...base,
      });
    }
    if (i.isModalSubmit()) return this.h.interactions.onModalSubmit(i, user);
  }

  private alreadySeen(id: string): boolean {
    const now = Date.now();
    for (const [k, at] of this.seen) {
      if (now - at < SEEN_TTL_MS) break;
      this.seen.delete(k);
    }
    if (this.seen.has(id)) return true;
    this.seen.set(id, now);
    return false;
  }
}

function addressOf(i: RepliableInteraction): ConversationAddress {
  const direct = i.channel?.type === ChannelType.DM || !i.inGuild();
  return { platform: DISCORD_PLATFORM, externalId: i.channelId ?? '', kind: direct ? 'direct' : 'group' };
}

function userOf(u: { id: string; globalName?: string | null; username: string }): PlatformUser {
  return { platform: DISCORD_PLATFORM, externalId: u.id, displayName: u.globalName ?? u.username };
}
