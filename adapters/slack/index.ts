import { AsyncLocalStorage } from 'node:async_hooks';
import { App, SocketModeReceiver, webApi, type Receiver, type ReceiverEvent } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../src/ports/logger.js';
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
import { DEFAULT_MAX_EVIDENCE_BYTES } from '../../src/core/evidence/types.js';
import { OutboundLedger } from '../../src/core/chat/delivery.js';
import type { FieldCipher } from '../../src/core/privacy/cipher.js';
import { T } from '../../src/core/conversation/texts.js';
import type { InboundSink, PlatformAdapter } from '../../src/ports/chat.js';
import type { PlatformInbox } from '../../src/ports/inbox.js';
import type { Repositories } from '../../src/ports/repositories/index.js';
import { RejectionLog } from '../../src/web/guards.js';
import { SLACK_LIMITS, SLACK_PLATFORM_NAME, homeView, toSlackMessage } from './render.js';
import { SlackFileError, fetchSlackFile } from './files.js';
import { boltLogger, slackCall } from './errors.js';
import { registerSlackRoutes } from './http.js';
import { registerSlackListeners, yieldToAck } from './listeners.js';
import { SlackModals, type EventScope } from './modals.js';
import { SlackRooms } from './rooms.js';

export { SlackApiError, adviceFor } from './errors.js';
export { SLACK_EVENTS_PATH } from './http.js';
export { REPORT_MESSAGE_SHORTCUT, REPORT_SHORTCUT } from './listeners.js';
export { slackChannelName } from './rooms.js';

/**
 * The Slack adapter (issue #4), on @slack/bolt. Over HTTP, Slack calls POST /slack/events on the product's Fastify
 * server for events, interactivity and slash commands alike; the request's v0 signature and timestamp are checked on
 * the raw body (Bolt's verifySlackRequest, 5-minute window), then Bolt dispatches it and every listener acknowledges
 * first and works after, so Slack gets its answer well inside 3 s. Events API events are stored in the pipeline's inbox
 * (inbound_event, shared by every instance) before they are acknowledged: a retry (x-slack-retry-num) of one already
 * received is dropped, and one whose process stopped is handled by the inbox's sweep. Idempotency keys of sends are claimed in outbound_message. With SLACK_APP_TOKEN (SLACK_SOCKET_MODE)
 * the same listeners run over Socket Mode instead (no public URL needed). Also: a private channel per incident, the
 * App Home tab (the core's homeCards), and Slack API errors turned into operator advice.
 *
 * This file holds the adapter's outbound side and lifecycle (attach to the pipeline's inbox, start/stop); the rest lives by
 * concern: http.ts (the signed HTTP endpoint), listeners.ts (Slack events → neutral InboundEvents), modals.ts (forms as
 * modals or a 「填寫通報表」 button), rooms.ts (a private channel per incident), render.ts (neutral messages → Block
 * Kit), files.ts (evidence downloads) and errors.ts (SlackApiError with operator advice, Bolt's log).
 */
export const SLACK_PLATFORM = SLACK_PLATFORM_NAME;

export interface SlackAdapterOptions {
  botToken: string;
  /** HTTP transport: the app's signing secret. */
  signingSecret: string | null;
  /** Socket Mode transport: an app-level token (xapp-…) with connections:write. */
  appToken: string | null;
  /** Which transport (config SLACK_SOCKET_MODE; default: Socket Mode when appToken is set). */
  socketMode?: boolean;
  apiUrl: string;
  /** The outbound ledger: idempotency keys and incident rooms (outbound_message). The inbox is the pipeline's. */
  repos: Pick<Repositories, 'outbound'>;
  cipher: FieldCipher;
  log: Logger;
  /** Clock for the timestamp check (tests). */
  now?: () => number;
  /** Web API retry policy (tests shorten it); rate limits are always waited out as Slack's Retry-After says. */
  retryConfig?: { retries: number; factor?: number; minTimeout?: number; maxTimeout?: number };
  /** Largest evidence file downloaded (EVIDENCE_MAX_MB; default 25 MB). */
  maxFileBytes?: number;
  /** The product's HTTP server: POST /slack/events is registered on it when the adapter is attached (HTTP transport). */
  http?: FastifyInstance;
}

/** Idempotency keys of messages are kept this long (jobs are retried within hours); incident rooms' keys always. */
const SENT_KEYS_KEPT_MS = 30 * 86_400_000;
/** File errors that need the operator (a scope, the token), as opposed to a file deleted meanwhile. */
const FILE_SETUP_ERRORS = [
  'missing_scope',
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'account_inactive',
  'redirected',
  'sign_in_page',
  'foreign_host',
];

/** Slack channel ids of direct messages start with D. */
function kindOf(channelId: string, channelType?: string): 'direct' | 'group' {
  return channelType === 'im' || channelId.startsWith('D') ? 'direct' : 'group';
}

export class SlackAdapter implements PlatformAdapter {
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
    this.rejectionLog ??= new RejectionLog(this.opts.log, 'Slack request rejected');
    return this.rejectionLog;
  }
  /** The pipeline's inbox for Slack (inbound_event): Events API events stored before they are acknowledged. */
  private inbox: PlatformInbox<Record<string, unknown>> | null = null;
  private readonly ledger: OutboundLedger;
  private readonly modals: SlackModals;
  private readonly rooms: SlackRooms;
  private readonly dms = new Map<string, string>();
  private readonly working = new Set<Promise<unknown>>();
  private inbound: InboundSink | null = null;
  private initialized = false;

  constructor(private readonly opts: SlackAdapterOptions) {
    const clientOptions = {
      slackApiUrl: opts.apiUrl,
      ...(opts.retryConfig ? { retryConfig: opts.retryConfig } : {}),
    };
    const logger = boltLogger(opts.log);
    this.ledger = new OutboundLedger(opts.repos.outbound);
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
      opts.log.warn(
        { method: url.split('/').pop(), retryAfterSeconds: seconds },
        'Slack rate limit: waiting as Retry-After says, then retrying',
      );
    });
    const call = this.call.bind(this);
    this.modals = new SlackModals({
      client: this.client,
      call,
      log: opts.log,
      scope: this.scope,
      handle: (ev) => this.handle(ev),
      send: (to, m) => this.send(to, m),
    });
    this.rooms = new SlackRooms({
      client: this.client,
      ledger: this.ledger,
      log: opts.log,
      call,
      recordedRoom: (channelId) => opts.repos.outbound.recordedUnder('room:', channelId),
    });
    registerSlackListeners(this.bolt, {
      run: (scope, work) => this.run(scope, work),
      handle: (ev) => this.handle(ev),
      address: (channelId, channelType) => this.address(channelId, channelType),
      user: (id, name) => this.user(id, name),
      directConversation: (user) => this.directConversation(user),
      publishHome: (userId) => this.publishHome(userId),
      reopenForm: (formId, conversation, user) => this.modals.reopen(formId, conversation, user),
      formSubmitted: (formId) => this.modals.submitted(formId),
      formClosed: (formId) => this.modals.closed(formId),
      isIncidentRoom: (channelId) => this.rooms.isIncidentRoom(channelId),
      joined: async (conversation) => {
        const intro = await this.sink().joined(conversation);
        await this.send(conversation, { type: 'text', text: intro });
      },
      left: async (conversation) => {
        await this.sink().left(conversation);
      },
    });
  }

  get transport(): 'http' | 'socket' {
    return (this.opts.socketMode ?? !!this.opts.appToken) && this.opts.appToken ? 'socket' : 'http';
  }

  // ------------------------------------------------------------------ ChatAdapter

  async send(to: ConversationAddress, message: OutboundMessage, opts: { idempotencyKey?: string } = {}): Promise<{ messageId: string }> {
    if (message.type === 'form') return this.modals.send(to, message);
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
        this.client.chat.postMessage({
          channel: to.externalId,
          text: m.text,
          ...(m.blocks ? { blocks: m.blocks as never } : {}),
          unfurl_links: false,
          unfurl_media: false,
        }),
      );
      return String(r.ts);
    };
    if (!opts.idempotencyKey) return { messageId: await post() };
    // Reminders may be sent again by another instance after a crash: the key is claimed in the database first.
    const r = await this.ledger.once(opts.idempotencyKey, SLACK_PLATFORM, to.externalId, post);
    if (r.repeated)
      this.opts.log.info({ channel: to.externalId }, 'Slack message with this idempotency key was already posted: not posted again');
    return { messageId: r.messageId };
  }

  async update(to: ConversationAddress, messageId: string, message: OutboundMessage): Promise<void> {
    if (message.type === 'form') throw new Error('A form cannot replace a posted message; send it instead.');
    const m = toSlackMessage(message);
    // Slack keeps a message's old blocks when an update has none: a plain text (an offer once taken, its buttons gone)
    // replaces them with one section holding the text, or none at all when it is longer than a section takes.
    const blocks = m.blocks ?? (m.text.length <= 3000 ? [{ type: 'section', text: { type: 'mrkdwn', text: m.text } }] : []);
    await this.call('chat.update', () =>
      this.client.chat.update({ channel: to.externalId, ts: messageId, text: m.text, blocks: blocks as never }),
    );
  }

  /** A file someone shared, streamed from Slack when they file it as evidence (files.info, then its private URL). */
  async fetchFile(file: FileReference, _where?: ConversationAddress): Promise<IncomingFile> {
    try {
      return await fetchSlackFile(file, {
        client: this.client,
        botToken: this.opts.botToken,
        apiUrl: this.opts.apiUrl,
        maxBytes: this.opts.maxFileBytes ?? DEFAULT_MAX_EVIDENCE_BYTES,
      });
    } catch (err) {
      // What the operator must fix is said once at error level; a file deleted meanwhile is the person's to send again.
      if (err instanceof SlackFileError && FILE_SETUP_ERRORS.includes(err.code))
        this.opts.log.error({ code: err.code }, `Slack file not fetched: ${err.message}`);
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
        this.opts.log.warn(
          { err: { type: (err as Error).name, message: (err as Error).message } },
          'Slack direct conversation unavailable',
        );
        return null;
      }
      if (!channel) return null;
      this.dms.set(user.externalId, channel);
    }
    return { platform: SLACK_PLATFORM, externalId: channel, kind: 'direct' };
  }

  // ------------------------------------------------------------------ incident rooms (rooms.ts)

  /**
   * A private channel for one incident, idempotent by req.idempotencyKey (the channel id is recorded under it in
   * outbound_message, so a retried call — on any instance — returns the room already opened).
   */
  openIncidentRoom(req: IncidentRoomRequest): Promise<ConversationAddress> {
    return this.rooms.open(req);
  }

  /** Invites people to an incident room (one call each: Slack refuses a whole list for one member it cannot add). */
  addToIncidentRoom(room: ConversationAddress, members: PlatformUser[]): Promise<void> {
    return this.rooms.add(room, members);
  }

  // ------------------------------------------------------------------ HTTP transport

  /**
   * Connects the adapter to the inbound pipeline; over HTTP, registers POST /slack/events (events, interactivity and
   * slash commands) on the product's server (when given).
   */
  attach(inbound: InboundSink): void {
    this.inbound = inbound;
    this.inbox = inbound.inbox<Record<string, unknown>>({
      platform: SLACK_PLATFORM,
      process: (body) => this.bolt.processEvent({ body, ack: async () => undefined }),
      resume: (e, run) => {
        this.opts.log.warn(
          { eventId: e.eventId, attempt: e.attempts },
          'Slack event acknowledged by a process that stopped before handling it: handling it now',
        );
        return run();
      },
      // Idempotency keys of messages are kept for a month; incident rooms' keys always.
      sweep: async () => void (await this.ledger.forget(SENT_KEYS_KEPT_MS, ['room:'])),
    });
    if (this.transport !== 'http' || !this.opts.http) return;
    registerSlackRoutes(this.opts.http, {
      signingSecret: this.opts.signingSecret!,
      ...(this.opts.now ? { now: this.opts.now } : {}),
      rejections: () => this.rejections,
      receive: (ev) => this.receive(ev),
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
      if (!eventId) return this.bolt.processEvent(ev);
      if (!this.inbox) throw new Error('SlackAdapter.attach(inbound) must be called before events arrive');
      // Stored before it is acknowledged: once Slack has its 200 it never sends the event again, so an event must be
      // durable by then (a crash right after the ack would otherwise lose it). One INSERT, a few milliseconds.
      const fresh = (await this.inbox.receive([{ eventId, body: ev.body }])).length === 1;
      await ev.ack();
      if (!fresh) {
        this.opts.log.info({ eventId, retryNum: ev.retryNum, reason: ev.retryReason }, 'Slack retry of an event already received: ignored');
        return;
      }
      await yieldToAck();
      await this.inbox.process(eventId, ev.body);
    })().catch((err: unknown) =>
      this.opts.log.error({ err: { type: (err as Error).name, message: (err as Error).message } }, 'Slack request failed'),
    );
    this.track(work);
    return work;
  }

  /** Socket Mode: Bolt's receiver hands over an envelope (its ack answers over the socket). */
  private fromSocket(ev: ReceiverEvent): Promise<void> {
    return this.receive(ev);
  }

  private track(p: Promise<unknown>): void {
    this.working.add(p);
    void p.finally(() => this.working.delete(p));
  }

  /** Resolves when every request received so far has been handled (tests and graceful shutdown). */
  async idle(): Promise<void> {
    while (this.working.size > 0) await Promise.allSettled([...this.working]);
    await this.inbox?.idle();
  }

  /** Checks the token (auth.test) and, in Socket Mode, connects; then the inbox resumes what a stopped process left. */
  async start(): Promise<void> {
    if (!this.initialized) {
      await this.bolt.init();
      this.initialized = true;
    }
    if (this.transport === 'socket') await this.bolt.start();
    // Events left by an instance that stopped are picked up now and then by whichever instance is running.
    await this.inbox?.start();
  }

  async stop(): Promise<void> {
    await this.inbox?.stop();
    await this.idle();
    if (this.transport === 'socket' && this.initialized) await this.bolt.stop();
  }

  // ------------------------------------------------------------------ listeners (listeners.ts)

  /** Publishes the person's Home tab: the core's overview of their incidents, tasks and clocks (views.publish). */
  async publishHome(userId: string): Promise<void> {
    try {
      const cards = await this.sink().home(this.user(userId));
      await this.call('views.publish', () => this.client.views.publish({ user_id: userId, view: homeView(cards) as never }));
    } catch (err) {
      this.opts.log.error({ err: { type: (err as Error).name, message: (err as Error).message } }, 'Slack Home tab not published');
    }
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
    await this.sink().handle(ev);
  }

  private sink(): InboundSink {
    if (!this.inbound) throw new Error('SlackAdapter.attach(inbound) must be called before events arrive');
    return this.inbound;
  }

  private address(channelId: string, channelType?: string): ConversationAddress {
    return { platform: SLACK_PLATFORM, externalId: channelId, kind: kindOf(channelId, channelType) };
  }

  private user(id: string, name?: string): PlatformUser {
    return { platform: SLACK_PLATFORM, externalId: id, ...(name ? { displayName: name } : {}) };
  }

  /** Runs a Web API call; Slack's refusals become SlackApiError with what to fix (errors.ts). */
  private call<R>(method: string, fn: () => Promise<R>, expected: readonly string[] = []): Promise<R> {
    return slackCall(this.opts.log, method, fn, expected);
  }
}
