import { createHash } from 'node:crypto';
import { Client, Events, GatewayIntentBits, Partials, RESTEvents, Routes } from 'discord.js';
import type { Logger } from '../../src/ports/logger.js';
import { OutboundLedger } from '../../src/core/chat/delivery.js';
import type {
  AdapterCapabilities,
  AdapterWording,
  ConversationAddress,
  FileReference,
  IncidentRoomRequest,
  InboundEvent,
  IncomingFile,
  OutboundMessage,
  PlatformUser,
} from '../../src/ports/chat-model.js';
import type { FieldCipher } from '../../src/core/privacy/cipher.js';
import type { InboundSink, PlatformAdapter } from '../../src/ports/chat.js';
import type { PlatformInbox } from '../../src/ports/inbox.js';
import type { Repositories } from '../../src/ports/repositories/index.js';
import { DiscordApiError, discordCall, logDiscordError } from './errors.js';
import { DiscordEvents } from './events.js';
import { DiscordFiles } from './files.js';
import { DiscordFormStore } from './forms.js';
import { DiscordInteractions } from './interactions.js';
import { DISCORD_LIMITS, DISCORD_PLATFORM_NAME, toDiscordMessage, type DiscordMessage } from './render.js';
import { DiscordRooms } from './rooms.js';

export { DiscordApiError, REQUIRED_PERMISSIONS, adviceFor } from './errors.js';
export { DISCORD_INTRO } from './events.js';
export { modalId, parseModalId } from './interactions.js';

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
 * Interactions must be answered within 3 s, and a modal can only be the *first* answer: interactions.ts says how each
 * kind is acknowledged and when a form opens as the modal or is offered as a 「填寫表單」 button.
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
 *
 * This file holds the outbound side, the inbox and the lifecycle; the rest lives by concern: events.ts (gateway
 * dispatches → neutral InboundEvents, the introduction in a new server), interactions.ts (acknowledgements, modals,
 * ephemeral answers), rooms.ts (a private thread per incident), forms.ts (offered forms kept), render.ts (neutral
 * messages → Discord components), files.ts (evidence downloads), commands.ts and errors.ts (DiscordApiError, advice).
 */
export const DISCORD_PLATFORM = DISCORD_PLATFORM_NAME;
/** Interactions time out after 3 s: slash commands wait this long for a form before acknowledging without one. */
const DEFAULT_ACK_BUDGET_MS = 2000;
/** Idempotency keys of messages are kept this long (jobs are retried within hours); incident rooms' keys always. */
const SENT_KEYS_KEPT_MS = 30 * 86_400_000;
const READY_TIMEOUT_MS = 30_000;

export interface DiscordAdapterOptions {
  botToken: string;
  applicationId: string;
  /** REST base (https://discord.com/api); the gateway address is asked from it (GET /gateway/bot). */
  apiBase: string;
  readGroupMessages: boolean;
  /**
   * The outbound ledger (idempotency keys and incident threads: outbound_message) and offered forms (discord_form).
   * The inbox is the pipeline's.
   */
  repos: Pick<Repositories, 'outbound' | 'discordForms'>;
  cipher: FieldCipher;
  log: Logger;
  ackBudgetMs?: number;
  /** The largest file filed as evidence (EVIDENCE_MAX_MB): a larger attachment is not downloaded. */
  maxFileBytes?: number;
}

/** An InboundEvent as stored in the inbox (JSON: the date as a string once read back). */
type StoredEvent = Omit<InboundEvent, 'at'> & { at: string | Date };
const revive = (e: StoredEvent): InboundEvent => ({ ...e, at: new Date(e.at) }) as InboundEvent;

export class DiscordAdapter implements PlatformAdapter {
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
  private readonly forms: DiscordFormStore;
  /** The pipeline's inbox for Discord (inbound_event): every interaction and message claimed there first. */
  private inbox: PlatformInbox<StoredEvent> | null = null;
  private readonly ledger: OutboundLedger;
  private readonly files: DiscordFiles;
  private readonly interactions: DiscordInteractions;
  private readonly rooms: DiscordRooms;
  private readonly dms = new Map<string, string>();
  private readonly working = new Set<Promise<unknown>>();
  private readonly ackBudgetMs: number;
  private inbound: InboundSink | null = null;
  private started = false;
  /** Interactions and messages received from the gateway so far (replays included). */
  received = 0;

  constructor(private readonly opts: DiscordAdapterOptions) {
    this.ackBudgetMs = opts.ackBudgetMs ?? DEFAULT_ACK_BUDGET_MS;
    this.forms = new DiscordFormStore(opts.repos.discordForms, opts.cipher, DISCORD_PLATFORM);
    this.ledger = new OutboundLedger(opts.repos.outbound);
    const intents = [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages];
    if (opts.readGroupMessages) intents.push(GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent);
    this.client = new Client({
      intents,
      // DMs arrive on channels discord.js has not cached; Partials.Channel lets their messages through.
      partials: [Partials.Channel],
      rest: { api: opts.apiBase.replace(/\/+$/, '') },
      allowedMentions: { parse: [] },
    });
    this.files = new DiscordFiles(
      this.client.rest,
      (action, fn) => this.call(action, fn),
      opts.apiBase,
      opts.maxFileBytes ?? 25 * 1024 * 1024,
      opts.log,
    );
    this.client.rest.on(RESTEvents.RateLimited, (info) => {
      opts.log.warn(
        { route: info.route, method: info.method, retryAfterMs: info.retryAfter, global: info.global, scope: info.scope },
        'Discord rate limit: waiting as Discord says, then retrying',
      );
    });
    this.client.on(Events.ShardDisconnect, (ev, shard) =>
      opts.log.warn({ shard, code: ev.code }, 'Discord gateway disconnected; reconnecting'),
    );
    this.client.on(Events.ShardResume, (shard, replayed) => opts.log.info({ shard, replayed }, 'Discord gateway session resumed'));
    this.client.on(Events.Error, (err) => opts.log.error({ err: { type: err.name, message: err.message } }, 'Discord client error'));
    const call = this.call.bind(this);
    const post = (channelId: string, body: DiscordMessage) => this.post(channelId, body);
    this.interactions = new DiscordInteractions({
      rest: this.client.rest,
      log: opts.log,
      call,
      logError: (what, err) => this.logError(what, err),
      forms: this.forms,
      ackBudgetMs: this.ackBudgetMs,
      claim: (ev) => this.claim(ev),
      process: (ev) => this.process(ev),
      post,
    });
    this.rooms = new DiscordRooms({ rest: this.client.rest, ledger: this.ledger, log: opts.log, call, post });
    new DiscordEvents({
      inbound: () => this.inbound,
      log: opts.log,
      readGroupMessages: opts.readGroupMessages,
      interactions: this.interactions,
      track: (p) => this.track(p),
      countReceived: () => {
        this.received += 1;
      },
      rememberDm: (userId, channelId) => this.dms.set(userId, channelId),
      send: (to, message, o) => this.send(to, message, o),
      claim: (ev) => this.claim(ev),
      process: (ev) => this.process(ev),
      left: async (id) => {
        if (!this.inbound) return;
        await this.inbound.left({ platform: DISCORD_PLATFORM, externalId: id, kind: 'group' });
        // A deleted incident thread is not returned for its incident any more (a new one is opened if asked).
        await this.opts.repos.outbound.forgetMessage(`room:${DISCORD_PLATFORM}:`, id);
      },
    }).listen(this.client);
  }

  /** Connects the adapter to the inbound pipeline (before start()). */
  attach(inbound: InboundSink): void {
    this.inbound = inbound;
    this.inbox = inbound.inbox<StoredEvent>({
      platform: DISCORD_PLATFORM,
      process: (body) => inbound.handle(revive(body)),
      // Its interaction has expired: answers (a failure too) go to the channel.
      resume: (e, run) => {
        this.opts.log.warn(
          { eventId: e.eventId, attempt: e.attempts },
          'Discord event claimed by a process that stopped before handling it: handling it now',
        );
        return this.interactions.run(null, e.body.conversation, run);
      },
      sweep: async () => {
        await this.ledger.forget(SENT_KEYS_KEPT_MS, ['room:']);
        await this.forms.forget();
      },
    });
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
    this.opts.log.info(
      { user: this.client.user?.id, application: this.opts.applicationId, readGroupMessages: this.opts.readGroupMessages },
      'Discord gateway ready',
    );
    // Events left unfinished by an instance that stopped are picked up now and then by whichever instance runs.
    await this.inbox?.start();
  }

  async stop(): Promise<void> {
    await this.inbox?.stop();
    await this.idle();
    if (this.started) await this.client.destroy();
    this.started = false;
  }

  /** Handles inbox events a stopped process left (their interactions have expired: answers go to the channel). */
  async housekeeping(): Promise<void> {
    await this.inbox?.sweep();
  }

  /** Resolves when every event received so far has been handled (tests and graceful shutdown). */
  async idle(): Promise<void> {
    while (this.working.size > 0) await Promise.allSettled([...this.working]);
    await this.inbox?.idle();
  }

  // ------------------------------------------------------------------ ChatAdapter

  /**
   * Posts a message. With an idempotency key (reminders, warnings: a job retried on another instance after a crash)
   * the key is claimed in outbound_message first, so it is posted once across every instance and any time later; the
   * message also carries a Discord nonce with enforce_nonce, which covers the instant between Discord's answer and the
   * record (a retry within a few minutes returns the message already created). Keys are stored as `discord:<key>`.
   */
  async send(to: ConversationAddress, message: OutboundMessage, opts: { idempotencyKey?: string } = {}): Promise<{ messageId: string }> {
    if (message.type === 'form') return this.interactions.sendForm(to, message);
    const key = opts.idempotencyKey;
    const body = toDiscordMessage(message);
    if (message.type === 'text' && message.onlyFor && to.kind === 'group') {
      const personal = await this.interactions.sendEphemeral(to, message.onlyFor, body);
      if (personal) return personal;
    }
    if (!key) return { messageId: (await this.post(to.externalId, body)).id };
    const nonce = createHash('sha256').update(key).digest('base64url').slice(0, 25);
    const r = await this.ledger.once(
      `${DISCORD_PLATFORM}:${key}`,
      DISCORD_PLATFORM,
      to.externalId,
      async () => (await this.post(to.externalId, body, nonce)).id,
    );
    if (r.repeated)
      this.opts.log.info({ channel: to.externalId }, 'Discord message with this idempotency key was already posted: not posted again');
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
          body: {
            content: body.content ?? '',
            embeds: body.embeds ?? [],
            components: body.components ?? [],
            allowed_mentions: body.allowed_mentions,
          },
        }),
      );
    try {
      await edit();
    } catch (err) {
      if (err instanceof DiscordApiError && err.code === 50083) {
        await this.call('unarchive the incident thread', () =>
          this.client.rest.patch(Routes.channel(to.externalId), { body: { archived: false } }),
        );
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
        const r = (await this.call('open a DM', () =>
          this.client.rest.post(Routes.userChannels(), { body: { recipient_id: user.externalId } }),
        )) as { id: string };
        channel = r.id;
      } catch (err) {
        this.opts.log.warn(
          { err: { type: (err as Error).name, message: (err as Error).message } },
          'Discord direct conversation unavailable',
        );
        return null;
      }
      this.dms.set(user.externalId, channel);
    }
    return { platform: DISCORD_PLATFORM, externalId: channel, kind: 'direct' };
  }

  /**
   * A private thread in `near` (a server text channel) with the members added; a retried call returns the thread
   * opened before (rooms.ts).
   */
  openIncidentRoom(req: IncidentRoomRequest): Promise<ConversationAddress> {
    return this.rooms.open(req);
  }

  addToIncidentRoom(room: ConversationAddress, members: PlatformUser[]): Promise<void> {
    return this.rooms.add(room, members);
  }

  // ------------------------------------------------------------------ inbox

  /**
   * Claims an event in the shared inbox (inbound_event; the neutral event stored encrypted until handled). False when
   * it was claimed before: a replay, or another instance — each gets every dispatch — is handling it.
   */
  private async claim(ev: InboundEvent): Promise<boolean> {
    if (!this.inbox) throw new Error('DiscordAdapter.attach(inbound) must be called before events arrive');
    if ((await this.inbox.receive([{ eventId: ev.eventId, body: ev }])).length === 1) return true;
    this.opts.log.info({ eventId: ev.eventId }, 'Discord event claimed already (a replay, or another instance handles it): ignored');
    return false;
  }

  /** Hands a claimed event to the core and marks it done (or failed) in the inbox. */
  private async process(ev: InboundEvent): Promise<void> {
    if (!this.inbox) throw new Error('DiscordAdapter.attach(inbound) must be called before events arrive');
    await this.inbox.process(ev.eventId, ev);
  }

  // ------------------------------------------------------------------ helpers

  private async post(channelId: string, body: DiscordMessage, nonce?: string): Promise<{ id: string }> {
    return (await this.call('send a message', () =>
      this.client.rest.post(Routes.channelMessages(channelId), { body: { ...body, ...(nonce ? { nonce, enforce_nonce: true } : {}) } }),
    )) as { id: string };
  }

  /** Runs a REST call; Discord's refusals become DiscordApiError with what to fix (errors.ts). */
  private call<R>(action: string, fn: () => Promise<R>): Promise<R> {
    return discordCall(this.opts.log, action, fn);
  }

  private logError(what: string, err: unknown): void {
    logDiscordError(this.opts.log, what, err);
  }

  private track(p: Promise<unknown>): void {
    const guarded = p.catch((err: unknown) => this.logError('handle an event', err));
    this.working.add(guarded);
    void guarded.finally(() => this.working.delete(guarded));
  }
}
