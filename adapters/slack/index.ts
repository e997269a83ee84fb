import { AsyncLocalStorage } from 'node:async_hooks';
import { App, LogLevel, SocketModeReceiver, verifySlackRequest, webApi, type Logger as BoltLogger, type Receiver, type ReceiverEvent } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../src/ports/logger.js';
import type { AdapterCapabilities, AdapterWording, ConversationAddress, FileReference, Form, IncidentRoomRequest, InboundEvent, IncomingFile, OutboundMessage, PlatformUser } from '../../src/ports/chat-model.js';
import { DEFAULT_MAX_EVIDENCE_BYTES } from '../../src/core/evidence/types.js';
import { EventInbox, OutboundLedger } from '../../src/core/chat/delivery.js';
import type { Bot } from '../../src/core/conversation/bot.js';
import type { FieldCipher } from '../../src/core/privacy/cipher.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { T } from '../../src/core/conversation/texts.js';
import type { ChatAdapter } from '../../src/ports/chat.js';
import { JsonTooDeepError, RejectionLog, parseJsonBounded } from '../../src/web/guards.js';
import { FORM_CALLBACK_ID, OPEN_FORM_PREFIX, SLACK_LIMITS, formButtonMessage, formModal, formValues, homeView, toSlackMessage, type FormMetadata } from './render.js';
import { BOT_NAME } from '../../src/core/bot-name.js';
import { SlackFileError, fetchSlackFile, sharedFiles, type SlackEventFile } from './files.js';

/**
 * The Slack adapter (issue #4), on @slack/bolt. Over HTTP, Slack calls POST /slack/events on the product's Fastify
 * server for events, interactivity and slash commands alike; the request's v0 signature and timestamp are checked on
 * the raw body (Bolt's verifySlackRequest, 5-minute window), then Bolt dispatches it and every listener acknowledges
 * first and works after, so Slack gets its answer well inside 3 s. Events are then stored in inbound_event (shared by
 * every instance): a retry (x-slack-retry-num) of one already received is dropped, and one whose process stopped is
 * handled later. Idempotency keys of sends are claimed in outbound_message. With SLACK_APP_TOKEN (SLACK_SOCKET_MODE)
 * the same listeners run over Socket Mode instead (no public URL needed). Also: a private channel per incident, the
 * App Home tab (the core's homeCards), and Slack API errors turned into operator advice.
 *
 * Forms: a Slack modal needs the trigger_id of the interaction that asks for it (valid 3 s). While the core handles a
 * slash command, shortcut or button click, a form it sends opens as a modal for that person at once; any other form
 * (or an expired trigger) is posted as a message with a 「填寫通報表」 button whose click opens the modal.
 */
export const SLACK_PLATFORM = 'slack';
export const SLACK_EVENTS_PATH = '/slack/events';
export const REPORT_SHORTCUT = 'report_incident';
export const REPORT_MESSAGE_SHORTCUT = 'report_message';

export interface SlackAdapterOptions {
  botToken: string;
  /** HTTP transport: the app's signing secret. */
  signingSecret: string | null;
  /** Socket Mode transport: an app-level token (xapp-…) with connections:write. */
  appToken: string | null;
  /** Which transport (config SLACK_SOCKET_MODE; default: Socket Mode when appToken is set). */
  socketMode?: boolean;
  apiUrl: string;
  /** Durable inbox (retries dropped across instances) and idempotency keys (tables inbound_event, outbound_message). */
  prisma: PrismaClient;
  cipher: FieldCipher;
  log: Logger;
  /** Clock for the timestamp check (tests). */
  now?: () => number;
  /** Web API retry policy (tests shorten it); rate limits are always waited out as Slack's Retry-After says. */
  retryConfig?: { retries: number; factor?: number; minTimeout?: number; maxTimeout?: number };
  /** Largest evidence file downloaded (EVIDENCE_MAX_MB; default 25 MB). */
  maxFileBytes?: number;
}

interface EventScope {
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

const SIGNATURE_WINDOW_S = 5 * 60;
const SLACK_CHANNEL_NAME_MAX = 80;
const MAX_ROOM_SUFFIX = 20;
/** Refusals that concern one member of an incident room: that member is skipped (logged), the others are added. */
const ROOM_INVITE_SKIPPED = ['already_in_channel', 'user_not_found', 'cant_invite', 'cant_invite_self', 'user_is_restricted', 'user_is_ultra_restricted', 'user_is_bot', 'ura_max_channels', 'no_user'];
/** An event still "processing" this long after it was received belongs to a process that stopped: processed again. */
const STALE_EVENT_MS = 2 * 60_000;
const SWEEP_INTERVAL_MS = 60_000;
/** Idempotency keys of messages are kept this long (jobs are retried within hours); incident rooms' keys always. */
const SENT_KEYS_KEPT_MS = 30 * 86_400_000;
const MAX_STORED_FORMS = 1000;
/** File errors that need the operator (a scope, the token), as opposed to a file deleted meanwhile. */
const FILE_SETUP_ERRORS = ['missing_scope', 'invalid_auth', 'not_authed', 'token_revoked', 'account_inactive', 'redirected', 'sign_in_page', 'foreign_host'];

/** An error Slack returned, with what the operator should do about it (English). */
export class SlackApiError extends Error {
  constructor(readonly method: string, readonly code: string, advice: string) {
    super(`Slack refused ${method} (${code}): ${advice}`);
    this.name = 'SlackApiError';
  }
}

export function adviceFor(code: string, needed?: string): string {
  switch (code) {
    case 'missing_scope':
      return `the app lacks the "${needed ?? '?'}" scope. Add it under OAuth & Permissions (adapters/slack/manifest.yaml lists every scope the bot needs) and reinstall the app to the workspace.`;
    case 'not_in_channel':
      return `the bot is not a member of that channel. Invite it there (/invite @${BOT_NAME}).`;
    case 'channel_not_found':
      return 'the channel does not exist or the bot cannot see it (private channels need the bot invited).';
    case 'is_archived':
      return 'the channel is archived. Unarchive it, or bind another channel as the response team (綁定群組 應變小組).';
    case 'invalid_auth':
    case 'not_authed':
    case 'token_revoked':
    case 'account_inactive':
      return 'SLACK_BOT_TOKEN is not valid for this workspace. Copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions.';
    case 'ratelimited':
      return 'Slack kept answering 429 (rate limited) after every retry, each after the wait Retry-After asked for; the call was given up. Too many calls in a short time (Slack allows about one message per second per channel).';
    case 'name_taken':
      return 'a channel with that name already exists.';
    case 'restricted_action':
      return 'the workspace does not let apps create channels. A workspace admin can allow it (Settings & permissions → Permissions → Channel Management), or incidents are handled in the response channel.';
    case 'expired_trigger_id':
    case 'exchanged_trigger_id':
      return 'the trigger_id was used or older than 3 seconds; the form is posted as a button instead.';
    default:
      return 'see https://api.slack.com/methods for this error code.';
  }
}

/** Slack channel ids of direct messages start with D. */
function kindOf(channelId: string, channelType?: string): 'direct' | 'group' {
  return channelType === 'im' || channelId.startsWith('D') ? 'direct' : 'group';
}

export class SlackAdapter implements ChatAdapter {
  readonly platform = SLACK_PLATFORM;
  readonly capabilities: AdapterCapabilities = {
    maxFormFields: 40,
    editMessages: true,
    maxButtonsPerRow: 5,
    maxActionLength: SLACK_LIMITS.buttonValue,
    quickReplies: true,
    incidentRooms: true,
    privateForms: true,
  };
  readonly wording: AdapterWording = { reachPrivately: '在 Slack 左側「應用程式」點選小幫手，打開與它的私訊（「訊息」分頁）' };
  readonly bolt: App;
  readonly client: webApi.WebClient;
  private readonly scope = new AsyncLocalStorage<EventScope>();
  /** Rejected requests: one warn line per reason per minute, the rest counted (a probe must not flood the log). */
  private rejectionLog: RejectionLog | null = null;
  private get rejections(): RejectionLog {
    return (this.rejectionLog ??= new RejectionLog(this.opts.log, 'Slack request rejected'));
  }
  private readonly inbox: EventInbox;
  private readonly ledger: OutboundLedger;
  private readonly forms = new Map<string, StoredForm>();
  private readonly dms = new Map<string, string>();
  private readonly working = new Set<Promise<unknown>>();
  /** Incident rooms this instance created (the others are found in outbound_message). */
  private readonly createdRooms = new Set<string>();
  private bot: Bot | null = null;
  private initialized = false;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly opts: SlackAdapterOptions) {
    const clientOptions = {
      slackApiUrl: opts.apiUrl,
      ...(opts.retryConfig ? { retryConfig: opts.retryConfig } : {}),
    };
    const logger = boltLogger(opts.log);
    this.inbox = new EventInbox(opts.prisma, opts.cipher, SLACK_PLATFORM, opts.log);
    this.ledger = new OutboundLedger(opts.prisma);
    let receiver: Receiver;
    if (this.transport === 'socket' && opts.appToken) {
      // Socket Mode: Bolt's receiver holds the WebSocket and acknowledges envelopes; what it hands to the app passes
      // through the same inbox as HTTP requests (retries dropped, events kept until processed).
      // (A copy of the client options: the socket client adds its own reconnection retry policy to them.)
      const socket = new SocketModeReceiver({ appToken: opts.appToken, logger, installerOptions: { clientOptions: { ...clientOptions } } });
      receiver = {
        init: () => socket.init({ processEvent: (ev: ReceiverEvent) => this.fromSocket(ev) } as unknown as App),
        start: () => socket.start(),
        stop: () => socket.stop(),
      };
    } else {
      receiver = { init: () => undefined, start: async () => undefined, stop: async () => undefined };
    }
    this.bolt = new App({ token: opts.botToken, receiver, clientOptions, logger, deferInitialization: true });
    this.client = this.bolt.client;
    this.client.on(webApi.WebClientEvent.RATE_LIMITED, (seconds: number, { url }: { url: string }) => {
      opts.log.warn({ method: url.split('/').pop(), retryAfterSeconds: seconds }, 'Slack rate limit: waiting as Retry-After says, then retrying');
    });
    this.listen();
  }

  get transport(): 'http' | 'socket' {
    return (this.opts.socketMode ?? !!this.opts.appToken) && this.opts.appToken ? 'socket' : 'http';
  }

  // ------------------------------------------------------------------ ChatAdapter

  async send(to: ConversationAddress, message: OutboundMessage, opts: { idempotencyKey?: string } = {}): Promise<{ messageId: string }> {
    if (message.type === 'form') return this.sendForm(to, message);
    const m = toSlackMessage(message);
    if (message.type === 'text' && message.onlyFor && to.kind === 'group' && !opts.idempotencyKey) {
      // An answer for one person: only they see it (chat.postEphemeral), and it is not kept in the channel.
      const user = message.onlyFor.externalId;
      const r = await this.call('chat.postEphemeral', () =>
        this.client.chat.postEphemeral({ channel: to.externalId, user, text: m.text, ...(m.blocks ? { blocks: m.blocks as never } : {}) }),
      );
      return { messageId: String(r.message_ts ?? '') };
    }
    const post = async () => {
      const r = await this.call('chat.postMessage', () =>
        this.client.chat.postMessage({ channel: to.externalId, text: m.text, ...(m.blocks ? { blocks: m.blocks as never } : {}), unfurl_links: false, unfurl_media: false }),
      );
      return String(r.ts);
    };
    if (!opts.idempotencyKey) return { messageId: await post() };
    // Reminders may be sent again by another instance after a crash: the key is claimed in the database first.
    const r = await this.ledger.once(opts.idempotencyKey, SLACK_PLATFORM, to.externalId, post);
    if (r.repeated) this.opts.log.info({ channel: to.externalId }, 'Slack message with this idempotency key was already posted: not posted again');
    return { messageId: r.messageId };
  }

  async update(to: ConversationAddress, messageId: string, message: OutboundMessage): Promise<void> {
    if (message.type === 'form') throw new Error('A form cannot replace a posted message; send it instead.');
    const m = toSlackMessage(message);
    // Slack keeps a message's old blocks when an update has none: a plain text (an offer once taken, its buttons gone)
    // replaces them with one section holding the text, or none at all when it is longer than a section takes.
    const blocks = m.blocks ?? (m.text.length <= 3000 ? [{ type: 'section', text: { type: 'mrkdwn', text: m.text } }] : []);
    await this.call('chat.update', () => this.client.chat.update({ channel: to.externalId, ts: messageId, text: m.text, blocks: blocks as never }));
  }

  /** A file someone shared, streamed from Slack when they file it as evidence (files.info, then its private URL). */
  async fetchFile(file: FileReference, _where?: ConversationAddress): Promise<IncomingFile> {
    try {
      return await fetchSlackFile(file, { client: this.client, botToken: this.opts.botToken, apiUrl: this.opts.apiUrl, maxBytes: this.opts.maxFileBytes ?? DEFAULT_MAX_EVIDENCE_BYTES });
    } catch (err) {
      // What the operator must fix is said once at error level; a file deleted meanwhile is the person's to send again.
      if (err instanceof SlackFileError && FILE_SETUP_ERRORS.includes(err.code)) this.opts.log.error({ code: err.code }, `Slack file not fetched: ${err.message}`);
      throw err;
    }
  }

  async directConversation(user: PlatformUser): Promise<ConversationAddress | null> {
    if (user.platform !== SLACK_PLATFORM) return null;
    let channel = this.dms.get(user.externalId);
    if (!channel) {
      try {
        const r = await this.call('conversations.open', () => this.client.conversations.open({ users: user.externalId }));
        channel = r.channel?.id;
      } catch (err) {
        this.opts.log.warn({ err: { type: (err as Error).name, message: (err as Error).message } }, 'Slack direct conversation unavailable');
        return null;
      }
      if (!channel) return null;
      this.dms.set(user.externalId, channel);
    }
    return { platform: SLACK_PLATFORM, externalId: channel, kind: 'direct' };
  }

  // ------------------------------------------------------------------ incident rooms

  /**
   * A private channel for one incident (conversations.create is_private), its detail-free topic set and the members
   * invited one by one (a member Slack refuses is skipped and logged, never the whole room). A name already taken in
   * the workspace gets a suffix (pdi-2026-0007-2, …). Idempotent by req.idempotencyKey: the channel id is recorded
   * under it in outbound_message, so a retried call — on any instance — returns the room already opened.
   */
  async openIncidentRoom(req: IncidentRoomRequest): Promise<ConversationAddress> {
    const { messageId: channelId, repeated } = await this.ledger.once(`room:${req.idempotencyKey}`, SLACK_PLATFORM, req.name, () => this.createRoom(req));
    const room: ConversationAddress = { platform: SLACK_PLATFORM, externalId: channelId, kind: 'group', title: req.name };
    if (!repeated) {
      await this.call('conversations.setTopic', () => this.client.conversations.setTopic({ channel: channelId, topic: clipTopic(req.topic) })).catch((err: unknown) =>
        this.opts.log.warn({ channel: channelId, err: { type: (err as Error).name, message: (err as Error).message } }, 'Slack incident room topic not set'),
      );
    }
    await this.addToIncidentRoom(room, req.members);
    return room;
  }

  private async createRoom(req: IncidentRoomRequest): Promise<string> {
    const base = slackChannelName(req.name);
    for (let n = 1; n <= MAX_ROOM_SUFFIX; n += 1) {
      const name = n === 1 ? base : `${base.slice(0, SLACK_CHANNEL_NAME_MAX - String(n).length - 1)}-${n}`;
      try {
        const r = await this.call('conversations.create', () => this.client.conversations.create({ name, is_private: true }), ['name_taken']);
        if (!r.channel?.id) throw new Error('conversations.create answered without a channel id');
        this.createdRooms.add(r.channel.id);
        this.opts.log.info({ channel: r.channel.id, name }, 'Slack incident room created');
        return r.channel.id;
      } catch (err) {
        if (err instanceof SlackApiError && err.code === 'name_taken') continue;
        throw err;
      }
    }
    throw new SlackApiError('conversations.create', 'name_taken', `channel names ${base} to ${base}-${MAX_ROOM_SUFFIX} are all taken; archive or rename old ones.`);
  }

  private async isIncidentRoom(channelId: string): Promise<boolean> {
    if (this.createdRooms.has(channelId)) return true;
    return (await this.opts.prisma.outboundMessage.count({ where: { messageId: channelId, idempotencyKey: { startsWith: 'room:' } } })) > 0;
  }

  /** Invites people to an incident room (one call each: Slack refuses a whole list for one member it cannot add). */
  async addToIncidentRoom(room: ConversationAddress, members: PlatformUser[]): Promise<void> {
    for (const m of members) {
      if (m.platform !== SLACK_PLATFORM) continue;
      try {
        await this.call('conversations.invite', () => this.client.conversations.invite({ channel: room.externalId, users: m.externalId }), ROOM_INVITE_SKIPPED);
      } catch (err) {
        if (err instanceof SlackApiError && err.code === 'already_in_channel') continue;
        if (err instanceof SlackApiError && ROOM_INVITE_SKIPPED.includes(err.code)) {
          this.opts.log.warn({ channel: room.externalId, user: m.externalId, code: err.code }, `Slack could not add a responder to the incident room (${err.code}); they are skipped. ${adviceFor(err.code)}`);
          continue;
        }
        throw err;
      }
    }
  }

  // ------------------------------------------------------------------ forms

  private async sendForm(to: ConversationAddress, form: Form): Promise<{ messageId: string }> {
    this.remember(form, to);
    const scope = this.scope.getStore();
    if (scope?.triggerId && !scope.triggerUsed) {
      scope.triggerUsed = true;
      const viewId = await this.openModal(scope.triggerId, form, to);
      if (viewId) return { messageId: viewId };
    }
    return this.postFormButton(to, form);
  }

  private async postFormButton(to: ConversationAddress, form: Form): Promise<{ messageId: string }> {
    const m = formButtonMessage(form);
    const r = await this.call('chat.postMessage', () => this.client.chat.postMessage({ channel: to.externalId, text: m.text, blocks: m.blocks as never }));
    return { messageId: String(r.ts) };
  }

  /** Opens the form as a modal; null when the trigger can no longer be used (the caller posts a button instead). */
  private async openModal(triggerId: string, form: Form, to: ConversationAddress): Promise<string | null> {
    const meta: FormMetadata = { f: form.formId, c: to.externalId, k: to.kind === 'direct' ? 'd' : 'g', ...(this.scope.getStore()?.fromHome ? { h: 1 as const } : {}) };
    try {
      const r = await this.call('views.open', () => this.client.views.open({ trigger_id: triggerId, view: formModal(form, meta) as never }));
      return r.view?.id ?? 'view';
    } catch (err) {
      if (err instanceof SlackApiError && (err.code === 'expired_trigger_id' || err.code === 'exchanged_trigger_id')) {
        this.opts.log.info({ formId: form.formId.split(':')[0] }, 'Slack trigger expired: the form is posted as a button');
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

  // ------------------------------------------------------------------ HTTP transport

  /** Registers POST /slack/events (events, interactivity and slash commands) on the product's server. */
  routes(app: FastifyInstance, bot: Bot): void {
    this.bot = bot;
    if (this.transport !== 'http') return;
    app.register(async (scope) => {
      // The signature covers the exact bytes Slack sent: keep the raw body, parse it only once it is verified.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      scope.post(SLACK_EVENTS_PATH, async (req, reply) => {
        const raw = (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)).toString('utf8');
        const signature = req.headers['x-slack-signature'];
        const timestamp = Number(req.headers['x-slack-request-timestamp']);
        const nowMs = this.opts.now?.() ?? Date.now();
        const reject = (why: string) => {
          this.rejections.reject(why, { ip: req.ip, bytes: raw.length });
          return reply.code(401).send({ error: 'unauthorized', detail: why });
        };
        if (typeof signature !== 'string' || !Number.isFinite(timestamp)) return reject('x-slack-signature and x-slack-request-timestamp headers are required');
        if (Math.abs(nowMs / 1000 - timestamp) > SIGNATURE_WINDOW_S) {
          return reject('x-slack-request-timestamp is more than 5 minutes from the server clock (a replay, or the server clock is wrong: check NTP)');
        }
        try {
          verifySlackRequest({ signingSecret: this.opts.signingSecret!, body: raw, headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp }, nowMilliseconds: nowMs });
        } catch {
          return reject('x-slack-signature does not match the body (wrong SLACK_SIGNING_SECRET, or not from Slack)');
        }
        let body: Record<string, unknown>;
        try {
          body = parseBody(raw, String(req.headers['content-type'] ?? ''));
        } catch (err) {
          // The parser's message quotes the body (it may hold personal data): only the kind of failure is logged.
          this.rejections.reject(err instanceof JsonTooDeepError ? 'body nested too deep' : 'body not understood');
          return reply.code(400).send({ error: 'bad request', detail: 'body must be a Slack event (JSON), interaction (payload=…) or slash command (form)' });
        }
        if (body.type === 'url_verification') return reply.send({ challenge: body.challenge });
        if (body.ssl_check) return reply.send('');
        const retryNum = Number(req.headers['x-slack-retry-num'] ?? 0) || undefined;
        const retryReason = typeof req.headers['x-slack-retry-reason'] === 'string' ? req.headers['x-slack-retry-reason'] : undefined;
        let acked!: (v: unknown) => void;
        const ack = new Promise<unknown>((resolve) => (acked = resolve));
        const work = this.receive({ body, ack: async (r?: unknown) => acked(r), ...(retryNum ? { retryNum } : {}), ...(retryReason ? { retryReason } : {}) });
        // A request no listener acknowledges (an event type not used, a dropped retry) is answered when Bolt is done.
        const response = await Promise.race([ack, work.then(() => undefined)]);
        return reply.code(200).send(response ?? '');
      });
    });
  }

  /**
   * A verified request from either transport. Events API events (they carry an event_id; Slack expects nothing but the
   * acknowledgement) are stored in the inbox, then acknowledged: a retry of one already received — on this
   * instance or another — is dropped there; the stored event is marked done once handled, so one whose process
   * stopped before handling it is handled at the next start. Interactions and slash commands carry no event id, are
   * acknowledged by their listener (which may answer in the ack) and are never retried by Slack.
   */
  receive(ev: ReceiverEvent): Promise<void> {
    const work = (async () => {
      const eventId = typeof ev.body.event_id === 'string' ? ev.body.event_id : null;
      if (!eventId) return this.process(ev, null);
      // Stored before it is acknowledged: once Slack has its 200 it never sends the event again, so an event must be
      // durable by then (a crash right after the ack would otherwise lose it). One INSERT, a few milliseconds.
      const fresh = await this.inbox.receive(eventId, ev.body);
      await ev.ack();
      if (!fresh) {
        this.opts.log.info({ eventId, retryNum: ev.retryNum, reason: ev.retryReason }, 'Slack retry of an event already received: ignored');
        return;
      }
      await yieldToAck();
      await this.process({ ...ev, ack: async () => undefined }, eventId);
    })().catch((err: unknown) => this.opts.log.error({ err: { type: (err as Error).name, message: (err as Error).message } }, 'Slack request failed'));
    this.track(work);
    return work;
  }

  private async process(ev: ReceiverEvent, eventId: string | null): Promise<void> {
    try {
      await this.bolt.processEvent(ev);
    } catch (err) {
      if (eventId) await this.inbox.failed(eventId, (err as Error).message);
      throw err;
    }
    if (eventId) await this.inbox.done(eventId);
  }

  /** Socket Mode: Bolt's receiver hands over an envelope (its ack answers over the socket). */
  private fromSocket(ev: ReceiverEvent): Promise<void> {
    return this.receive(ev);
  }

  /** Events received but not finished by a process that stopped: handled now (their triggers have expired). */
  private async resumeInbox(): Promise<void> {
    const stale = await this.inbox.stale<Record<string, unknown>>(STALE_EVENT_MS);
    for (const e of stale) {
      this.opts.log.warn({ eventId: e.eventId, attempt: e.attempts }, 'Slack event acknowledged by a process that stopped before handling it: handling it now');
      const work = this.process({ body: e.body, ack: async () => undefined }, e.eventId).catch((err: unknown) =>
        this.opts.log.error({ err: { type: (err as Error).name, message: (err as Error).message } }, 'Slack request failed'),
      );
      this.track(work);
      await work;
    }
  }

  private track(p: Promise<unknown>): void {
    this.working.add(p);
    void p.finally(() => this.working.delete(p));
  }

  /** Resolves when every request received so far has been handled (tests and graceful shutdown). */
  async idle(): Promise<void> {
    while (this.working.size > 0) await Promise.allSettled([...this.working]);
  }

  /** Checks the token (auth.test) and, in Socket Mode, connects. */
  async start(): Promise<void> {
    if (!this.initialized) {
      await this.bolt.init();
      this.initialized = true;
    }
    if (this.transport === 'socket') await this.bolt.start();
    if (!this.bot) return;
    // Events left by an instance that stopped are picked up now and then by whichever instance is running.
    const sweep = () => this.track(this.housekeeping().catch((err: unknown) => this.opts.log.error({ err: { type: (err as Error).name, message: (err as Error).message } }, 'Slack inbox could not be resumed')));
    sweep();
    this.sweeper ??= setInterval(sweep, SWEEP_INTERVAL_MS).unref();
  }

  private async housekeeping(): Promise<void> {
    await this.resumeInbox();
    await this.ledger.forget(SENT_KEYS_KEPT_MS, ['room:']);
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    await this.idle();
    if (this.transport === 'socket' && this.initialized) await this.bolt.stop();
  }

  // ------------------------------------------------------------------ listeners

  private listen(): void {
    const app = this.bolt;
    app.command(/.*/, async ({ command, ack }) => {
      await ack();
      const conversation = this.address(command.channel_id);
      const text = command.text.trim() || '通報';
      await this.run({ userId: command.user_id, triggerId: command.trigger_id, triggerUsed: false, channel: conversation }, () =>
        this.handle({ type: 'message', eventId: `cmd:${command.trigger_id}`, conversation, user: this.user(command.user_id, command.user_name), at: new Date(), text }),
      );
    });

    app.shortcut(REPORT_SHORTCUT, async ({ shortcut, ack }) => {
      await ack();
      const user = this.user(shortcut.user.id);
      const dm = await this.directConversation(user);
      if (!dm) return;
      await this.run({ userId: user.externalId, triggerId: shortcut.trigger_id, triggerUsed: false, channel: dm }, () =>
        this.handle({ type: 'action', eventId: `sc:${shortcut.trigger_id}`, conversation: dm, user, at: new Date(), action: 'intake:start' }),
      );
    });

    // 「回報此訊息為個資外洩」: the message's text is deliberately not copied into the report (it may be the leak itself).
    app.shortcut(REPORT_MESSAGE_SHORTCUT, async ({ shortcut, ack }) => {
      await ack();
      const s = shortcut as { trigger_id: string; user: { id: string }; channel?: { id: string } };
      const user = this.user(s.user.id);
      const conversation = s.channel ? this.address(s.channel.id) : await this.directConversation(user);
      if (!conversation) return;
      await this.run({ userId: user.externalId, triggerId: s.trigger_id, triggerUsed: false, channel: conversation }, () =>
        this.handle({ type: 'action', eventId: `sc:${s.trigger_id}`, conversation, user, at: new Date(), action: 'intake:start' }),
      );
    });

    app.action(/.*/, async ({ body, action, ack }) => {
      await ack();
      if (body.type !== 'block_actions') return;
      const a = action as { value?: string; selected_option?: { value: string }; action_ts?: string };
      const value = a.value ?? a.selected_option?.value;
      const user = this.user(body.user.id);
      // A button on the Home tab has no channel: it acts in the person's direct conversation with the bot.
      const fromHome = (body.view as { type?: string } | undefined)?.type === 'home';
      const channelId = body.channel?.id ?? (body.container as { channel_id?: string } | undefined)?.channel_id ?? (fromHome ? (await this.directConversation(user))?.externalId : undefined);
      if (!value || !channelId) return;
      const conversation = fromHome ? { platform: SLACK_PLATFORM, externalId: channelId, kind: 'direct' as const } : this.address(channelId);
      const triggerId = (body as { trigger_id?: string }).trigger_id;
      await this.run({ userId: user.externalId, ...(triggerId ? { triggerId } : {}), triggerUsed: false, channel: conversation, fromHome }, async () => {
        if (value.startsWith(OPEN_FORM_PREFIX)) return this.reopenForm(value.slice(OPEN_FORM_PREFIX.length), conversation, user);
        const messageTs = body.message?.ts;
        return this.handle({
          type: 'action',
          eventId: `act:${triggerId ?? `${channelId}:${a.action_ts}`}`,
          conversation,
          user,
          at: new Date(),
          action: value,
          ...(messageTs ? { messageId: String(messageTs) } : {}),
        });
      });
      // What the click changed (a step ticked) shows on the Home tab at once.
      if (fromHome) await this.publishHome(user.externalId);
    });

    app.event('app_home_opened', async ({ event }) => {
      if (event.tab !== 'home') return;
      await this.publishHome(event.user);
    });

    app.view({ callback_id: FORM_CALLBACK_ID, type: 'view_submission' }, async ({ body, view, ack }) => {
      await ack();
      const meta = JSON.parse(view.private_metadata) as FormMetadata;
      this.forms.delete(meta.f);
      const user = this.user(body.user.id);
      const conversation: ConversationAddress = { platform: SLACK_PLATFORM, externalId: meta.c, kind: meta.k === 'd' ? 'direct' : 'group' };
      const values = formValues(view.state.values as never);
      await this.run({ userId: user.externalId, triggerUsed: true, channel: conversation }, () =>
        this.handle({ type: 'form', eventId: `view:${view.id}:${view.hash}`, conversation, user, at: new Date(), formId: meta.f, values }),
      );
      if (meta.h) await this.publishHome(user.externalId);
    });

    // Closing the modal keeps the report open: a message with 「填寫通報表」 and 「取消通報」 lets the person choose.
    app.view({ callback_id: FORM_CALLBACK_ID, type: 'view_closed' }, async ({ view, ack }) => {
      await ack();
      const meta = JSON.parse(view.private_metadata) as FormMetadata;
      const stored = this.forms.get(meta.f);
      if (stored) await this.postFormButton(stored.to, stored.form);
    });

    app.event('message', async ({ event }) => {
      const e = event as { subtype?: string; bot_id?: string; user?: string; text?: string; channel: string; channel_type?: string; ts: string; files?: SlackEventFile[] };
      // A file shared in the app (subtype file_share; files posted through the API may carry none) brings its files.
      const fileShare = e.subtype === 'file_share' || (!e.subtype && !!e.files?.length);
      if ((e.subtype && !fileShare) || e.bot_id || !e.user || (typeof e.text !== 'string' && !fileShare)) return;
      const conversation = this.address(e.channel, e.channel_type);
      const eventId = `msg:${e.channel}:${e.ts}`;
      const user = this.user(e.user);
      const at = new Date(Number(e.ts) * 1000);
      await this.run({ userId: e.user, triggerUsed: true, channel: conversation }, async () => {
        const text = stripMentions(e.text ?? '');
        // A file's caption is read like any message; each file is then offered as evidence (ids only, issue #15).
        if (!fileShare || text) await this.handle({ type: 'message', eventId, conversation, user, at, text });
        if (!fileShare) return;
        for (const file of sharedFiles(e.files)) {
          await this.handle({ type: 'file', eventId: `file:${e.channel}:${e.ts}:${file.ref}`, conversation, user, at, file, messageId: `${e.channel}:${e.ts}` });
        }
      });
    });

    app.event('member_joined_channel', async ({ event, context }) => {
      if (event.user !== context.botUserId) return;
      await yieldToAck();
      // Slack may announce the bot joining a private channel it created itself: an incident room is not a group to bind.
      if (await this.isIncidentRoom(event.channel)) return;
      const conversation = this.address(event.channel, event.channel_type === 'G' ? 'private_channel' : 'channel');
      const intro = await this.bot!.binding.joined(conversation);
      await this.send(conversation, { type: 'text', text: intro });
    });

    const left = async ({ event }: { event: { channel: string } }) => {
      await yieldToAck();
      await this.bot!.binding.left(this.address(event.channel));
    };
    app.event('channel_left', left);
    app.event('group_left', left);
  }

  /** Publishes the person's Home tab: the core's overview of their incidents, tasks and clocks (views.publish). */
  async publishHome(userId: string): Promise<void> {
    if (!this.bot) throw new Error('SlackAdapter.routes(server, bot) must be called before events arrive');
    try {
      const cards = await this.bot.home(this.user(userId));
      await this.call('views.publish', () => this.client.views.publish({ user_id: userId, view: homeView(cards) as never }));
    } catch (err) {
      this.opts.log.error({ err: { type: (err as Error).name, message: (err as Error).message } }, 'Slack Home tab not published');
    }
  }

  private async reopenForm(formId: string, conversation: ConversationAddress, user: PlatformUser): Promise<void> {
    const stored = this.forms.get(formId);
    const scope = this.scope.getStore()!;
    if (stored && scope.triggerId && !scope.triggerUsed) {
      scope.triggerUsed = true;
      if (await this.openModal(scope.triggerId, stored.form, stored.to)) return;
    }
    if (formId.startsWith('intake:')) {
      // Not in memory (e.g. after a restart): the core resumes the open report and sends its form again.
      return this.handle({ type: 'action', eventId: `reopen:${scope.triggerId ?? Date.now()}`, conversation, user, at: new Date(), action: 'intake:start' });
    }
    await this.send(conversation, { type: 'text', text: T.promptExpired });
  }

  private async run(scope: EventScope, work: () => Promise<void>): Promise<void> {
    // Let the acknowledgement go out first: the core's database work (PGlite runs on this thread) must not delay it.
    await yieldToAck();
    try {
      await this.scope.run(scope, work);
    } catch (err) {
      this.opts.log.error({ err: { type: (err as Error).name, message: (err as Error).message } }, 'Slack event failed');
      if (scope.channel) await this.send(scope.channel, { type: 'text', text: T.failed }).catch(() => undefined);
    }
  }

  private async handle(ev: InboundEvent): Promise<void> {
    if (!this.bot) throw new Error('SlackAdapter.routes(server, bot) must be called before events arrive');
    await this.bot.handle(ev);
  }

  private address(channelId: string, channelType?: string): ConversationAddress {
    return { platform: SLACK_PLATFORM, externalId: channelId, kind: kindOf(channelId, channelType) };
  }

  private user(id: string, name?: string): PlatformUser {
    return { platform: SLACK_PLATFORM, externalId: id, ...(name ? { displayName: name } : {}) };
  }

  /** Runs a Web API call; Slack's refusals become SlackApiError with what to fix. */
  private async call<R>(method: string, fn: () => Promise<R>, expected: readonly string[] = []): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      const e = err as { code?: string; data?: { error?: string; needed?: string } };
      if (e.code === 'slack_webapi_platform_error' && e.data?.error) {
        const wrapped = new SlackApiError(method, e.data.error, adviceFor(e.data.error, e.data.needed));
        const quiet = e.data.error === 'expired_trigger_id' || e.data.error === 'exchanged_trigger_id' || expected.includes(e.data.error);
        if (!quiet) this.opts.log.error({ method, code: e.data.error, ...(e.data.needed ? { needed: e.data.needed } : {}) }, wrapped.message);
        throw wrapped;
      }
      if (e.code === 'slack_webapi_request_error' && /rate limit was exceeded/.test((err as Error).message)) {
        const wrapped = new SlackApiError(method, 'ratelimited', adviceFor('ratelimited'));
        this.opts.log.error({ method, code: 'ratelimited' }, wrapped.message);
        throw wrapped;
      }
      throw err;
    }
  }
}

/** Resolves after pending I/O callbacks: an acknowledgement already given is written to the socket before work goes on. */
function yieldToAck(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return objectOf(parseJsonBounded(raw));
  const form = Object.fromEntries(new URLSearchParams(raw));
  if (typeof form.payload === 'string') return objectOf(parseJsonBounded(form.payload));
  if (typeof form.command !== 'string' && !form.ssl_check) throw new Error('form body is neither an interaction nor a slash command');
  return form;
}

function objectOf(v: unknown): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('body is not a JSON object');
  return v as Record<string, unknown>;
}

/** Slack channel names: lowercase letters, digits, hyphens and underscores, at most 80 characters. */
export function slackChannelName(name: string): string {
  const clean = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  return (clean || 'pdi-incident').slice(0, SLACK_CHANNEL_NAME_MAX - 3);
}

function clipTopic(topic: string): string {
  const chars = [...topic];
  return chars.length <= 250 ? topic : `${chars.slice(0, 249).join('')}…`;
}

/** Mentions (<@U123>) are Slack markup, not words: the core sees the text without them. */
function stripMentions(text: string): string {
  return text.replace(/<@[A-Z0-9]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').trim();
}

/** Bolt's logger on ours: warnings and errors only (Bolt's debug lines may quote request bodies). */
function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.WARN;
  const text = (msg: unknown[]) => msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : '[object]')).join(' ');
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (...msg: unknown[]) => log.warn({ source: 'bolt' }, text(msg)),
    error: (...msg: unknown[]) => log.error({ source: 'bolt' }, text(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
