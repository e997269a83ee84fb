import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import {
  ChannelType,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  PermissionFlagsBits,
  RESTEvents,
  Routes,
  type Interaction,
  type Message,
  type ButtonInteraction,
  type StringSelectMenuInteraction,
  type ModalSubmitInteraction,
  type RepliableInteraction,
  type Guild,
} from 'discord.js';
import type { Logger } from '../../src/ports/logger.js';
import { EventInbox, OutboundLedger } from '../../src/core/chat/delivery.js';
import type { AdapterCapabilities, AdapterWording, ConversationAddress, FileReference, Form, IncidentRoomRequest, InboundEvent, IncomingFile, OutboundMessage, PlatformUser } from '../../src/ports/chat-model.js';
import type { Bot } from '../../src/core/conversation/bot.js';
import { T } from '../../src/core/conversation/texts.js';
import type { FieldCipher } from '../../src/core/privacy/cipher.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import type { ChatAdapter } from '../../src/ports/chat.js';
import { COMMAND_NAMES } from './commands.js';
import { attachmentEvents, DiscordFiles } from './files.js';
import { DiscordFormStore } from './forms.js';
import { DISCORD_LIMITS, DISCORD_PLATFORM_NAME, MODAL_PREFIX, OPEN_FORM_PREFIX, SELECT_PREFIX, formButtonMessage, formModal, formValues, toDiscordMessage, type DiscordMessage } from './render.js';

/**
 * The Discord adapter (issue #5), on discord.js 14 over the gateway (no public URL needed).
 *
 * Intents: Guilds (channels and threads the bot is in; a deleted channel unbinds it) and DirectMessages (binding codes
 * and step-by-step answers in DMs, whose content Discord always delivers). Nothing is read from server channels unless
 * DISCORD_READ_GROUP_MESSAGES is on (then GuildMessages + the privileged MessageContent intent, so a leak described in
 * ordinary chatter is noticed as on the other platforms); without it, server channels use /通報, /小幫手 and the message
 * context menu 「回報個資外洩」.
 *
 * Files (evidence, issue #15): an attachment sent in the bot's DM (or, with DISCORD_READ_GROUP_MESSAGES, in a server
 * channel) becomes an InboundFile per attachment, carrying ids only; the bytes are streamed from Discord's CDN when the
 * person files it (files.ts).
 *
 * Interactions must be answered within 3 s, and a modal can only be the *first* answer. So:
 * - buttons and select menus are acknowledged at once (DEFERRED_UPDATE_MESSAGE), then the core works; cards are edited
 *   in place through the channel's message. A form the core sends while handling a click is offered as an ephemeral
 *   「填寫表單」 button (only the clicker sees it); its click opens the modal at once (the form is kept in memory and,
 *   encrypted, in discord_form, so the button works after a restart and on another instance);
 * - slash commands and the context menu run the core first, for up to `ackBudgetMs`: when the core sends a form, it
 *   opens as the modal (the report form); otherwise the interaction is acknowledged with an ephemeral deferral that is
 *   deleted when the work is done (the core's messages are ordinary channel messages);
 * - a modal submission is acknowledged at once, then handed to the core as an InboundFormSubmit.
 * Resumes: discord.js resumes the gateway session after a disconnect and Discord replays what was missed.
 *
 * Several instances (PostgreSQL): each connects its own gateway session and Discord dispatches every event to each of
 * them. Every interaction and message is claimed in the database inbox (inbound_event, platform-neutral) before the
 * core sees it: one instance handles it, the others drop it, and so does an instance that gets a replay. The claim
 * never delays the first answer: clicks and submissions are claimed once their acknowledgement is answered (the
 * acknowledgement Discord refuses as "already acknowledged", 40060, because another instance was quicker is fine;
 * PGlite runs queries on this thread, so a claim started earlier would hold the acknowledgement back); commands,
 * whose first answer may be the modal the core sends, are claimed inside their 2 s budget. The stored event (the neutral one,
 * encrypted) is marked done when handled, and one whose process stopped first is handled by the next sweep.
 * Messages sent with an idempotency key claim it in outbound_message before posting (and carry a nonce too); forms
 * offered as a button are kept encrypted in discord_form (forms.ts) so the button works after a restart.
 */
export const DISCORD_PLATFORM = DISCORD_PLATFORM_NAME;
/** Interactions time out after 3 s: slash commands wait this long for a form before acknowledging without one. */
const DEFAULT_ACK_BUDGET_MS = 2000;
const SEEN_TTL_MS = 30 * 60_000;
/** An inbox event claimed this long ago and not done belongs to a process that stopped: it is handled again. */
const STALE_EVENT_MS = 2 * 60_000;
const SWEEP_INTERVAL_MS = 60_000;
/** Idempotency keys of messages are kept this long (jobs are retried within hours); incident rooms' keys always. */
const SENT_KEYS_KEPT_MS = 30 * 86_400_000;
/** Private threads archive after this many minutes without messages (a week; posting again unarchives them). */
const THREAD_ARCHIVE_MINUTES = 10080;
const READY_TIMEOUT_MS = 30_000;

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

export interface DiscordAdapterOptions {
  botToken: string;
  applicationId: string;
  /** REST base (https://discord.com/api); the gateway address is asked from it (GET /gateway/bot). */
  apiBase: string;
  readGroupMessages: boolean;
  /** Durable inbox and idempotency keys (inbound_event, outbound_message) and offered forms (discord_form). */
  prisma: PrismaClient;
  cipher: FieldCipher;
  log: Logger;
  ackBudgetMs?: number;
  /** The largest file filed as evidence (EVIDENCE_MAX_MB): a larger attachment is not downloaded. */
  maxFileBytes?: number;
}

interface Scope {
  interaction: RepliableInteraction;
  channelId: string;
  /** Whether a form may still open as a modal (nothing answered yet, and the interaction allows it). */
  canModal: boolean;
  acked: boolean;
  /** Acknowledged with a (deferred, ephemeral) reply that is deleted at the end. */
  deferredReply: boolean;
  ack?: Promise<unknown>;
}

/** An InboundEvent as stored in the inbox (JSON: the date as a string). */
type StoredEvent = Omit<InboundEvent, 'at'> & { at: string };

/** A refusal from Discord, with what the operator should do about it (English). */
export class DiscordApiError extends Error {
  constructor(readonly action: string, readonly code: number | string, readonly status: number, advice: string) {
    super(`Discord refused ${action} (${status}, code ${code}): ${advice}`);
    this.name = 'DiscordApiError';
  }
}

export const REQUIRED_PERMISSIONS = 'View Channels, Send Messages, Send Messages in Threads, Create Private Threads, Embed Links, Read Message History';

export function adviceFor(code: number | string, status: number): string {
  switch (code) {
    case 50013:
      return `the bot lacks a permission in that channel. Give its role ${REQUIRED_PERMISSIONS} there (docs/discord.md lists why each is needed).`;
    case 50001:
      return 'the bot cannot see that channel. Give its role View Channels on the channel (or on its category).';
    case 50007:
      return 'the person does not accept direct messages from this server (User Settings → Privacy). Ask them to allow DMs from server members, or reach them in the response channel.';
    case 10003:
      return 'the channel no longer exists (deleted?). Bind another channel (/小幫手 指令:綁定群組 應變小組).';
    case 10008:
      return 'the message no longer exists (deleted by someone?); the card will be posted again on the next change.';
    case 50083:
      return 'the thread is archived and the bot may not unarchive it. Give the bot Send Messages in Threads, or unarchive the thread.';
    case 10062:
      return 'the interaction expired (Discord allows 3 s to answer): the server is overloaded or its clock is wrong.';
    case 40060:
      return 'the interaction was already answered (a replayed event).';
    case 160002:
      return 'the channel cannot have private threads. Use a text channel for the response team.';
    default:
      if (status === 401) return 'DISCORD_BOT_TOKEN is not valid. Copy it again from the Developer Portal (Bot → Reset Token).';
      if (status === 403) return `the bot is not allowed to do this. Check its role's permissions: ${REQUIRED_PERMISSIONS}.`;
      return 'see https://discord.com/developers/docs/topics/opcodes-and-status-codes#json for this error code.';
  }
}

export class DiscordAdapter implements ChatAdapter {
  readonly platform = DISCORD_PLATFORM;
  readonly capabilities: AdapterCapabilities = {
    maxFormFields: DISCORD_LIMITS.modalInputs,
    editMessages: true,
    maxButtonsPerRow: DISCORD_LIMITS.buttonsPerRow,
    maxActionLength: DISCORD_LIMITS.customId,
    quickReplies: true,
    incidentRooms: true,
    privateForms: true,
  };
  readonly wording: AdapterWording = { reachPrivately: '在這個伺服器的「隱私設定」允許伺服器成員傳送私人訊息給您' };
  readonly client: Client;
  private readonly scope = new AsyncLocalStorage<Scope>();
  /** Interactions and messages this process saw already: a replay is dropped without asking the database. */
  private readonly seen = new Map<string, number>();
  private readonly forms: DiscordFormStore;
  private readonly inbox: EventInbox;
  private readonly ledger: OutboundLedger;
  private readonly files: DiscordFiles;
  private readonly dms = new Map<string, string>();
  private readonly working = new Set<Promise<unknown>>();
  private readonly ackBudgetMs: number;
  private bot: Bot | null = null;
  private started = false;
  private sweeper: NodeJS.Timeout | null = null;
  /** Interactions and messages received from the gateway so far (replays included). */
  received = 0;

  constructor(private readonly opts: DiscordAdapterOptions) {
    this.ackBudgetMs = opts.ackBudgetMs ?? DEFAULT_ACK_BUDGET_MS;
    this.forms = new DiscordFormStore(opts.prisma, opts.cipher, DISCORD_PLATFORM);
    this.inbox = new EventInbox(opts.prisma, opts.cipher, DISCORD_PLATFORM, opts.log);
    this.ledger = new OutboundLedger(opts.prisma);
    const intents = [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages];
    if (opts.readGroupMessages) intents.push(GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent);
    this.client = new Client({
      intents,
      // DMs arrive on channels discord.js has not cached; Partials.Channel lets their messages through.
      partials: [Partials.Channel],
      rest: { api: opts.apiBase.replace(/\/+$/, '') },
      allowedMentions: { parse: [] },
    });
    this.files = new DiscordFiles(this.client.rest, (action, fn) => this.call(action, fn), opts.apiBase, opts.maxFileBytes ?? 25 * 1024 * 1024, opts.log);
    this.client.rest.on(RESTEvents.RateLimited, (info) => {
      opts.log.warn({ route: info.route, method: info.method, retryAfterMs: info.retryAfter, global: info.global, scope: info.scope }, 'Discord rate limit: waiting as Discord says, then retrying');
    });
    this.client.on(Events.ShardDisconnect, (ev, shard) => opts.log.warn({ shard, code: ev.code }, 'Discord gateway disconnected; reconnecting'));
    this.client.on(Events.ShardResume, (shard, replayed) => opts.log.info({ shard, replayed }, 'Discord gateway session resumed'));
    this.client.on(Events.Error, (err) => opts.log.error({ err: { type: err.name, message: err.message } }, 'Discord client error'));
    this.listen();
  }

  /** The core that handles events (set before start()). */
  attach(bot: Bot): void {
    this.bot = bot;
  }

  /** Logs in and waits until the gateway session is ready. */
  async start(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      this.client.once(Events.ClientReady, () => resolve());
      // A refused identify (bad token 4004, intents not enabled in the portal 4014) never becomes ready.
      timer = setTimeout(() => reject(new Error('no READY from the gateway within 30 s')), READY_TIMEOUT_MS);
    });
    try {
      await this.client.login(this.opts.botToken);
      await ready;
    } catch (err) {
      await this.client.destroy().catch(() => undefined);
      throw new Error(
        `Discord login failed: ${(err as Error).message}. Check DISCORD_BOT_TOKEN (Developer Portal → Bot → Reset Token)` +
          `${this.opts.readGroupMessages ? ' and that the Message Content intent is switched on there (DISCORD_READ_GROUP_MESSAGES=on needs it)' : ''} (docs/discord.md).`,
      );
    } finally {
      clearTimeout(timer);
    }
    this.started = true;
    this.opts.log.info({ user: this.client.user?.id, application: this.opts.applicationId, readGroupMessages: this.opts.readGroupMessages }, 'Discord gateway ready');
    // Events left unfinished by an instance that stopped are picked up now and then by whichever instance runs.
    const sweep = () => this.track(this.housekeeping().catch((err: unknown) => this.logError('resume the inbox', err)));
    sweep();
    this.sweeper ??= setInterval(sweep, SWEEP_INTERVAL_MS).unref();
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    await this.idle();
    if (this.started) await this.client.destroy();
    this.started = false;
  }

  /** Handles inbox events a stopped process left (their interactions have expired: answers go to the channel). */
  async housekeeping(): Promise<void> {
    if (!this.bot) return;
    for (const e of await this.inbox.stale<StoredEvent>(STALE_EVENT_MS)) {
      this.opts.log.warn({ eventId: e.eventId, attempt: e.attempts }, 'Discord event claimed by a process that stopped before handling it: handling it now');
      const ev = { ...e.body, at: new Date(e.body.at) } as InboundEvent;
      await this.run(null, ev.conversation, () => this.process(ev));
    }
    await this.ledger.forget(SENT_KEYS_KEPT_MS, ['room:']);
    await this.forms.forget();
  }

  /** Resolves when every event received so far has been handled (tests and graceful shutdown). */
  async idle(): Promise<void> {
    while (this.working.size > 0) await Promise.allSettled([...this.working]);
  }

  // ------------------------------------------------------------------ ChatAdapter

  /**
   * Posts a message. With an idempotency key (reminders, warnings: a job retried on another instance after a crash)
   * the key is claimed in outbound_message first, so it is posted once across every instance and any time later; the
   * message also carries a Discord nonce with enforce_nonce, which covers the instant between Discord's answer and the
   * record (a retry within a few minutes returns the message already created). Keys are stored as `discord:<key>`.
   */
  async send(to: ConversationAddress, message: OutboundMessage, opts: { idempotencyKey?: string } = {}): Promise<{ messageId: string }> {
    if (message.type === 'form') return this.sendForm(to, message);
    const key = opts.idempotencyKey;
    const body = toDiscordMessage(message);
    if (message.type === 'text' && message.onlyFor && to.kind === 'group') {
      const personal = await this.sendEphemeral(to, message.onlyFor, body);
      if (personal) return personal;
    }
    if (!key) return { messageId: (await this.post(to.externalId, body)).id };
    const nonce = createHash('sha256').update(key).digest('base64url').slice(0, 25);
    const r = await this.ledger.once(`${DISCORD_PLATFORM}:${key}`, DISCORD_PLATFORM, to.externalId, async () => (await this.post(to.externalId, body, nonce)).id);
    if (r.repeated) this.opts.log.info({ channel: to.externalId }, 'Discord message with this idempotency key was already posted: not posted again');
    return { messageId: r.messageId };
  }

  /**
   * Edits a posted card. An incident thread archived for a week of silence is unarchived first (Discord refuses edits
   * in archived threads, 50083); a card someone deleted (10008) is logged and left alone rather than failing the
   * person's action.
   */
  async update(to: ConversationAddress, messageId: string, message: OutboundMessage): Promise<void> {
    if (message.type === 'form') throw new Error('A form cannot replace a posted message; send it instead.');
    const body = toDiscordMessage(message);
    const edit = () =>
      this.call('edit a card', () =>
        this.client.rest.patch(Routes.channelMessage(to.externalId, messageId), {
          body: { content: body.content ?? '', embeds: body.embeds ?? [], components: body.components ?? [], allowed_mentions: body.allowed_mentions },
        }),
      );
    try {
      await edit();
    } catch (err) {
      if (err instanceof DiscordApiError && err.code === 50083) {
        await this.call('unarchive the incident thread', () => this.client.rest.patch(Routes.channel(to.externalId), { body: { archived: false } }));
        await edit();
      } else if (err instanceof DiscordApiError && err.code === 10008) {
        this.opts.log.warn({ channel: to.externalId, message: messageId }, 'Discord: a card to update was deleted; it is not posted again');
      } else {
        throw err;
      }
    }
  }

  /**
   * An attachment someone sent, streamed from Discord's CDN when they file it as evidence (files.ts): the message is
   * fetched again for a freshly signed URL; a deleted message or file throws.
   */
  async fetchFile(file: FileReference): Promise<IncomingFile> {
    return this.files.fetch(file);
  }

  async directConversation(user: PlatformUser): Promise<ConversationAddress | null> {
    if (user.platform !== DISCORD_PLATFORM) return null;
    let channel = this.dms.get(user.externalId);
    if (!channel) {
      try {
        const r = (await this.call('open a DM', () => this.client.rest.post(Routes.userChannels(), { body: { recipient_id: user.externalId } }))) as { id: string };
        channel = r.id;
      } catch (err) {
        this.opts.log.warn({ err: { type: (err as Error).name, message: (err as Error).message } }, 'Discord direct conversation unavailable');
        return null;
      }
      this.dms.set(user.externalId, channel);
    }
    return { platform: DISCORD_PLATFORM, externalId: channel, kind: 'direct' };
  }

  /**
   * A private thread (type 12) in `near` (a server text channel), not invitable by its members, with the members added.
   * A retried call (same idempotencyKey, or after a restart the same name among the channel's active threads) returns
   * the thread opened before. Members Discord refuses are skipped and logged.
   */
  async openIncidentRoom(req: IncidentRoomRequest): Promise<ConversationAddress> {
    if (!req.near || req.near.platform !== DISCORD_PLATFORM || req.near.kind !== 'group') {
      throw new Error('A Discord incident room is a private thread inside a server text channel: bind the response channel (綁定群組 應變小組) first.');
    }
    const parent = req.near.externalId;
    // Claimed in outbound_message (kept for good, 'room:'): two instances asked at once open one thread.
    const { messageId: threadId } = await this.ledger.once(`room:${DISCORD_PLATFORM}:${req.idempotencyKey}`, DISCORD_PLATFORM, parent, async () => {
      const found = await this.findThread(parent, req.name);
      if (found) return found;
      const t = (await this.call('create a private thread', () =>
        this.client.rest.post(Routes.threads(parent), {
          body: { name: req.name.slice(0, 100), type: ChannelType.PrivateThread, invitable: false, auto_archive_duration: THREAD_ARCHIVE_MINUTES },
        }),
      )) as { id: string };
      await this.post(t.id, toDiscordMessage({ type: 'text', text: req.topic }));
      return t.id;
    });
    const room: ConversationAddress = { platform: DISCORD_PLATFORM, externalId: threadId, kind: 'group', title: req.name };
    await this.addToIncidentRoom(room, req.members);
    return room;
  }

  async addToIncidentRoom(room: ConversationAddress, members: PlatformUser[]): Promise<void> {
    for (const m of members) {
      if (m.platform !== DISCORD_PLATFORM) continue;
      try {
        await this.call('add a member to the incident thread', () => this.client.rest.put(Routes.threadMembers(room.externalId, m.externalId)));
      } catch (err) {
        this.opts.log.warn({ thread: room.externalId, user: m.externalId, err: { type: (err as Error).name, message: (err as Error).message } }, 'Discord: member not added to the incident thread');
      }
    }
  }

  private async findThread(parent: string, name: string): Promise<string | undefined> {
    try {
      const ch = (await this.client.rest.get(Routes.channel(parent))) as { guild_id?: string };
      if (!ch.guild_id) return undefined;
      const active = (await this.client.rest.get(Routes.guildActiveThreads(ch.guild_id))) as { threads: { id: string; name: string; parent_id?: string }[] };
      const hit = active.threads.find((t) => t.parent_id === parent && t.name === name);
      if (hit) return hit.id;
      const archived = (await this.client.rest.get(Routes.channelJoinedArchivedThreads(parent))) as { threads: { id: string; name: string }[] };
      return archived.threads.find((t) => t.name === name)?.id;
    } catch (err) {
      this.opts.log.warn({ err: { type: (err as Error).name, message: (err as Error).message } }, 'Discord: could not look for an existing incident thread; opening a new one');
      return undefined;
    }
  }

  // ------------------------------------------------------------------ forms

  /**
   * A form opens as the modal when it is the first answer to the interaction being handled, else it is offered as a
   * 「填寫表單」 button. Either way it is kept (encrypted, in the database: forms.ts) so that its button and its
   * submission are understood on any instance and after a restart — once the modal is open (the embedded database
   * runs its queries on this thread: saving first would hold the modal back), before a button is posted.
   */
  private async sendForm(to: ConversationAddress, form: Form, keep = true): Promise<{ messageId: string }> {
    const save = async () => {
      if (keep) await this.forms.save(form, to);
    };
    const s = this.scope.getStore();
    if (s?.canModal && !s.acked) {
      s.acked = true;
      s.canModal = false;
      s.ack = (s.interaction as Exclude<RepliableInteraction, ModalSubmitInteraction>).showModal(formModal(form, modalId(form, to)) as never);
      try {
        await this.call('open the form', () => s.ack!);
        await save();
        return { messageId: `modal:${s.interaction.id}` };
      } catch (err) {
        if (!(err instanceof DiscordApiError)) throw err;
        s.ack = Promise.resolve();
        await save();
        // Another instance received the same click and opened the modal first (40060): nothing more to do.
        if (err.code === 40060) return { messageId: `modal:${s.interaction.id}` };
        // The interaction expired meanwhile (10062): the form is still offered, as a button where it was sent.
        return { messageId: (await this.post(to.externalId, formButtonMessage(form))).id };
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
    return { messageId: (await this.post(to.externalId, m)).id };
  }

  /**
   * An answer for one person (TextMessage.onlyFor) while their interaction is open: an ephemeral reply or follow-up
   * only they see. Null when there is no such interaction (a typed message, a job): then it is posted as usual.
   */
  private async sendEphemeral(to: ConversationAddress, user: PlatformUser, body: DiscordMessage): Promise<{ messageId: string } | null> {
    const s = this.scope.getStore();
    if (!s || s.channelId !== to.externalId || s.interaction.user.id !== user.externalId) return null;
    if (!s.acked) {
      s.acked = true;
      s.canModal = false;
      const i = s.interaction;
      s.ack = this.call('answer the person', () =>
        this.client.rest.post(Routes.interactionCallback(i.id, i.token), { body: { type: 4, data: { ...body, flags: MessageFlags.Ephemeral } }, auth: false }),
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

  // ------------------------------------------------------------------ events

  private listen(): void {
    this.client.on(Events.InteractionCreate, (i) => this.track(this.onInteraction(i)));
    this.client.on(Events.MessageCreate, (m) => this.track(this.onMessage(m)));
    this.client.on(Events.GuildCreate, (g) => this.track(this.introduce(g)));
    const left = async (id: string) => {
      if (!this.bot) return;
      await this.bot.binding.left({ platform: DISCORD_PLATFORM, externalId: id, kind: 'group' });
      // A deleted incident thread is not returned for its incident any more (a new one is opened if asked).
      await this.opts.prisma.outboundMessage.deleteMany({ where: { messageId: id, idempotencyKey: { startsWith: `room:${DISCORD_PLATFORM}:` } } });
    };
    this.client.on(Events.ChannelDelete, (c) => this.track(left(c.id)));
    this.client.on(Events.ThreadDelete, (t) => this.track(left(t.id)));
  }

  /**
   * Added to a server (GUILD_CREATE of a server the bot was not in): it introduces itself once, in the server's system
   * channel (where Discord greets new members) or else the first text channel it may write in — the core's
   * introduction plus how binding works on Discord (the slash commands). Every instance receives the event: the post
   * is claimed as `intro:<server>:<joined at>` in outbound_message, so it appears once; invited again after being
   * removed (a new joined_at), it introduces itself again.
   */
  private async introduce(guild: Guild): Promise<void> {
    if (!this.bot) return;
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
        const intro = await this.bot.binding.joined(conversation);
        await this.send(conversation, { type: 'text', text: `${intro}\n\n${DISCORD_INTRO}` }, { idempotencyKey: `intro:${guild.id}:${guild.joinedTimestamp}` });
        this.opts.log.info({ guild: guild.id, channel: c.id }, 'Discord: added to a server; introduced itself');
        return;
      } catch (err) {
        if (!(err instanceof DiscordApiError)) throw err; // refused in that channel (logged with its advice): the next
      }
    }
    this.opts.log.warn({ guild: guild.id }, 'Discord: added to a server but found no channel to introduce itself in (give the bot Send Messages in the system channel); /小幫手 指令:說明 explains the bot');
  }

  private async onMessage(m: Message): Promise<void> {
    this.received += 1;
    if (m.author.bot || m.system || (!m.content && m.attachments.size === 0)) return;
    if (this.alreadySeen(`m:${m.id}`)) return;
    const direct = m.channel.type === ChannelType.DM;
    if (!direct && !this.opts.readGroupMessages) return;
    const conversation: ConversationAddress = { platform: DISCORD_PLATFORM, externalId: m.channelId, kind: direct ? 'direct' : 'group' };
    if (direct) this.dms.set(m.author.id, m.channelId);
    const user = this.user(m.author);
    const events: InboundEvent[] = [];
    if (m.content) events.push({ type: 'message', eventId: `msg:${m.id}`, conversation, user, at: m.createdAt, text: m.content.replace(/<@!?\d+>/g, '').trim() });
    // Each attachment is offered as evidence (ids only; the bytes are fetched if and when the person files it).
    events.push(...attachmentEvents(m, conversation, user));
    for (const ev of events) {
      await this.run(null, conversation, async () => {
        if (await this.claim(ev)) await this.process(ev);
      });
    }
  }

  private async onInteraction(i: Interaction): Promise<void> {
    this.received += 1;
    if (!i.isRepliable()) return;
    if (this.alreadySeen(`i:${i.id}`)) {
      this.opts.log.info({ interaction: i.id }, 'Discord interaction received again (gateway replay): ignored');
      return;
    }
    const user = this.user(i.user);
    const conversation = this.address(i);
    if (i.channel?.type === ChannelType.DM || !i.inGuild()) this.dms.set(i.user.id, i.channelId!);
    const base = { conversation, user, at: i.createdAt };

    if (i.isChatInputCommand()) {
      const text = i.commandName === COMMAND_NAMES.report ? '通報' : (i.options.getString('text') ?? '說明');
      const ev: InboundEvent = i.commandName === COMMAND_NAMES.report ? { type: 'action', eventId: `cmd:${i.id}`, action: 'intake:start', ...base } : { type: 'message', eventId: `cmd:${i.id}`, text, ...base };
      return this.runFirstAnswer(i, conversation, ev);
    }
    if (i.isMessageContextMenuCommand()) {
      // 「回報個資外洩」 on a message: the message's text is deliberately not copied into the report (it may be the leak).
      return this.runFirstAnswer(i, conversation, { type: 'action', eventId: `ctx:${i.id}`, action: 'intake:start', ...base });
    }
    if (i.isButton() || i.isStringSelectMenu()) {
      const action = i.isStringSelectMenu() && i.customId.startsWith(SELECT_PREFIX) ? i.values[0] : i.customId;
      if (!action) return;
      if (action.startsWith(OPEN_FORM_PREFIX)) return this.openStoredForm(i, conversation, user, action.slice(OPEN_FORM_PREFIX.length));
      // Acknowledged first (Discord allows 3 s); the claim in the database and the core come once it is answered (the
      // embedded database runs its queries on this thread: started earlier, they would hold the acknowledgement back).
      const scope: Scope = { interaction: i, channelId: conversation.externalId, canModal: false, acked: true, deferredReply: false };
      scope.ack = this.acknowledged(i.deferUpdate());
      const ev: InboundEvent = { type: 'action', eventId: `act:${i.id}`, action, messageId: i.message.id, ...base };
      await this.run(scope, conversation, async () => {
        await this.call('acknowledge the click', () => scope.ack!);
        if (await this.claim(ev)) await this.process(ev);
      });
      return;
    }
    if (i.isModalSubmit()) return this.onModalSubmit(i, user);
  }

  private async onModalSubmit(i: ModalSubmitInteraction, user: PlatformUser): Promise<void> {
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
      await this.call('acknowledge the form', () => scope.ack!);
      // The form as it was offered (also after a restart): choices typed into a text input map back to their values.
      const stored = await this.forms.load(parsed.channelId, parsed.formId);
      const ev: InboundEvent = { type: 'form', eventId: `modal:${i.id}`, conversation, user, at: i.createdAt, formId: parsed.formId, values: formValues(stored?.form, raw) };
      if (!(await this.claim(ev))) return;
      mine = true;
      // Dropped before the core runs: a form it sends again (a correction asked for) is kept anew.
      await this.forms.drop(parsed.channelId, parsed.formId);
      await this.process(ev);
    });
    if (mine && scope.deferredReply) await this.deleteOriginal(i);
  }

  /**
   * 「填寫表單」: the form offered there opens as a modal at once (from memory, else from the database: also after a
   * restart or on another instance). A report form no longer kept is asked from the core again; any other form that
   * was submitted or is too old answers 「這個問答已過期」. Not claimed in the inbox: opening a modal changes nothing,
   * and when two instances race only one answer is accepted (the other's 40060 is ignored).
   */
  private async openStoredForm(i: ButtonInteraction | StringSelectMenuInteraction, conversation: ConversationAddress, user: PlatformUser, formId: string): Promise<void> {
    const scope: Scope = { interaction: i, channelId: conversation.externalId, canModal: true, acked: false, deferredReply: false };
    let found = false;
    await this.run(scope, conversation, async () => {
      const stored = await this.forms.load(conversation.externalId, formId);
      found = stored !== null;
      if (stored) await this.sendForm(stored.to, stored.form, false);
    });
    if (found || scope.acked) return;
    if (formId.startsWith('intake:')) {
      return this.runFirstAnswer(i, conversation, { type: 'action', eventId: `reopen:${i.id}`, conversation, user, at: i.createdAt, action: 'intake:start' });
    }
    await this.replyEphemeral(i, T.promptExpired);
  }

  /**
   * Runs the core while the interaction is still unanswered, so that a form it sends can be the modal (the first
   * answer). Acknowledged (ephemeral, deleted later) when the core is done without a form or the budget runs out.
   * Claimed in the inbox first (inside the budget): an instance that loses the claim leaves the answer to the other.
   */
  private async runFirstAnswer(i: RepliableInteraction, conversation: ConversationAddress, ev: InboundEvent): Promise<void> {
    const scope: Scope = { interaction: i, channelId: conversation.externalId, canModal: true, acked: false, deferredReply: false };
    const defer = () => {
      if (scope.acked) return;
      scope.acked = true;
      scope.canModal = false;
      scope.deferredReply = true;
      scope.ack = this.acknowledged(i.deferReply({ flags: MessageFlags.Ephemeral })).catch((err: unknown) => this.logError('acknowledge the command', err));
    };
    const timer = setTimeout(defer, this.ackBudgetMs);
    let claimed = false;
    try {
      await this.run(scope, conversation, async () => {
        claimed = await this.claim(ev);
        if (claimed) await this.process(ev);
      });
    } finally {
      clearTimeout(timer);
      if (claimed) defer();
      await scope.ack;
      if (scope.deferredReply) await this.deleteOriginal(i);
    }
  }

  private async run(scope: Scope | null, conversation: ConversationAddress, work: () => Promise<void>): Promise<void> {
    try {
      if (scope) await this.scope.run(scope, work);
      else await work();
    } catch (err) {
      this.logError('handle an event', err);
      try {
        if (scope && scope.acked) {
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
          await this.post(conversation.externalId, toDiscordMessage({ type: 'text', text: T.failed }));
        }
      } catch {
        // The failure was logged; telling the person failed as well.
      }
    }
  }

  /**
   * Claims an event in the shared inbox (inbound_event; the neutral event stored encrypted until handled). False when
   * it was claimed before: a replay, or another instance — each gets every dispatch — is handling it.
   */
  private async claim(ev: InboundEvent): Promise<boolean> {
    if (await this.inbox.receive(ev.eventId, ev)) return true;
    this.opts.log.info({ eventId: ev.eventId }, 'Discord event claimed already (a replay, or another instance handles it): ignored');
    return false;
  }

  /** Hands a claimed event to the core and marks it done (or failed) in the inbox. */
  private async process(ev: InboundEvent): Promise<void> {
    if (!this.bot) throw new Error('DiscordAdapter.attach(bot) must be called before events arrive');
    try {
      await this.bot.handle(ev);
    } catch (err) {
      await this.inbox.failed(ev.eventId, `${(err as Error).name}: ${(err as Error).message}`).catch(() => undefined);
      throw err;
    }
    await this.inbox.done(ev.eventId);
  }

  /** An acknowledgement Discord refuses as given already (40060: another instance was quicker) counts as given. */
  private acknowledged(ack: Promise<unknown>): Promise<unknown> {
    return ack.catch((err: unknown) => {
      if (!(err instanceof DiscordAPIError && err.code === 40060)) throw err;
      this.opts.log.info({ code: 40060 }, 'Discord interaction acknowledged by another instance already');
      return undefined;
    });
  }

  // ------------------------------------------------------------------ helpers

  /** A message after the first answer that only the person who acted sees. */
  private async followUpEphemeral(i: RepliableInteraction, body: DiscordMessage): Promise<{ id: string }> {
    return (await this.call('answer the person', () =>
      this.client.rest.post(Routes.webhook(i.applicationId, i.token), { body: { ...body, flags: MessageFlags.Ephemeral }, query: new URLSearchParams({ wait: 'true' }), auth: false }),
    )) as { id: string };
  }

  /** Removes the interaction's deferred answer ("thinking…"), whichever instance made it (the token is the key). */
  private async deleteOriginal(i: RepliableInteraction): Promise<void> {
    await this.call('remove the acknowledgement', () => this.client.rest.delete(Routes.webhookMessage(i.applicationId, i.token, '@original'), { auth: false })).catch((err: unknown) =>
      this.logError('remove the acknowledgement', err),
    );
  }

  /** Replaces the interaction's deferred answer ("thinking…"). */
  private async editOriginal(i: RepliableInteraction, body: DiscordMessage): Promise<{ id: string }> {
    return (await this.call('answer the person', () =>
      this.client.rest.patch(Routes.webhookMessage(i.applicationId, i.token, '@original'), { body, auth: false }),
    )) as { id: string };
  }

  /**
   * Interaction answers are sent as Discord documents them, not with interaction.reply() / followUp() / editReply(),
   * which add message-only fields (tts, enforce_nonce) that the interaction and webhook endpoints do not define.
   */
  private async replyEphemeral(i: RepliableInteraction, content: string): Promise<void> {
    await this.call('answer the interaction', () =>
      this.client.rest.post(Routes.interactionCallback(i.id, i.token), { body: { type: 4, data: { content, flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } } }, auth: false }),
    );
  }

  private async post(channelId: string, body: DiscordMessage, nonce?: string): Promise<{ id: string }> {
    return (await this.call('send a message', () =>
      this.client.rest.post(Routes.channelMessages(channelId), { body: { ...body, ...(nonce ? { nonce, enforce_nonce: true } : {}) } }),
    )) as { id: string };
  }

  /** Runs a REST call; Discord's refusals become DiscordApiError with what to fix (rate limits are waited out by discord.js). */
  private async call<R>(action: string, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DiscordAPIError) {
        const wrapped = new DiscordApiError(action, err.code, err.status, adviceFor(err.code, err.status));
        const handled = err.code === 50083 || err.code === 10008 || err.code === 40060;
        this.opts.log[handled ? 'info' : 'error']({ action, code: err.code, status: err.status, route: err.url.replace(/^.*\/api\/v\d+/, '').replace(/\/[\w-]{60,}/g, '/<token>') }, wrapped.message);
        throw wrapped;
      }
      throw err;
    }
  }

  private logError(what: string, err: unknown): void {
    if (err instanceof DiscordApiError) return; // logged with its advice already
    this.opts.log.error({ err: { type: (err as Error).name, message: (err as Error).message } }, `Discord: failed to ${what}`);
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

  private track(p: Promise<unknown>): void {
    const guarded = p.catch((err: unknown) => this.logError('handle an event', err));
    this.working.add(guarded);
    void guarded.finally(() => this.working.delete(guarded));
  }

  private address(i: RepliableInteraction): ConversationAddress {
    const direct = i.channel?.type === ChannelType.DM || !i.inGuild();
    return { platform: DISCORD_PLATFORM, externalId: i.channelId ?? '', kind: direct ? 'direct' : 'group' };
  }

  private user(u: { id: string; globalName?: string | null; username: string }): PlatformUser {
    return { platform: DISCORD_PLATFORM, externalId: u.id, displayName: u.globalName ?? u.username };
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
