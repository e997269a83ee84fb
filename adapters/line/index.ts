import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import { messagingApi, validateSignature, type webhook } from '@line/bot-sdk';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../src/ports/logger.js';
import type {
  AdapterCapabilities,
  AdapterWording,
  ConversationAddress,
  FileReference,
  IncomingFile,
  OutboundMessage,
  PlatformUser,
} from '../../src/ports/chat-model.js';
import { OutboundLedger } from '../../src/core/chat/delivery.js';
import { T } from '../../src/core/conversation/texts.js';
import { newId } from '../../src/core/ids.js';
import type { FieldCipher } from '../../src/core/privacy/cipher.js';
import type { InboundSink, PlatformAdapter } from '../../src/ports/chat.js';
import type { PlatformInbox } from '../../src/ports/inbox.js';
import type { Repositories } from '../../src/ports/repositories/index.js';
import { LineContent, lineFileReference } from './content.js';
import { LineQuotaWatch } from './quota.js';
import { LineApiError, lineCall, lineErrorHeader } from './errors.js';
import { JsonTooDeepError, RejectionLog, parseJsonBounded } from '../../src/web/guards.js';
import { LINE_LIMITS, toLineMessages, type LineMessage } from './render.js';

/**
 * The LINE adapter (issue #3). LINE calls POST /webhooks/line; the adapter checks x-line-signature on the raw body,
 * stores the events (encrypted) in the pipeline's inbox (inbound_event, ordered mode: src/core/chat/inbox.ts) and
 * answers 200 at once; the inbox then drains them in arrival order, never two of one chat at once. A crash after the
 * 200 loses nothing: unprocessed rows are picked up at the next start. Redeliveries carry the same webhookEventId and
 * are dropped by the table's primary key.
 *
 * Messages the core sends while an event is handled are collected, then delivered: those for the chat where the event
 * happened with the event's reply token (free), the rest by push (counted against the monthly quota) with an
 * X-Line-Retry-Key derived from the event, so a retried push — even after a crash — is never delivered twice.
 *
 * Messages the core sends with an idempotency key (reminders, alerts) claim `line:<key>` in the one outbound ledger
 * (outbound_message, src/core/chat/delivery.ts) before pushing: another instance sending the same reminder gets the
 * recorded message id and never calls LINE. Their pushes keep a retry key derived from the core's key, which covers the
 * instant between LINE's answer and the record (a claim taken over after a crash is pushed again: LINE answers 409).
 */
export const LINE_PLATFORM = 'line';
export const LINE_WEBHOOK_PATH = '/webhooks/line';

export interface LineAdapterOptions {
  channelSecret: string;
  channelAccessToken: string;
  apiBaseUrl: string;
  /** api-data.line.me: where LINE serves the content of messages (images and files sent as evidence). */
  dataApiBaseUrl?: string;
  /** The largest file fetched from LINE (the evidence locker's limit, EVIDENCE_MAX_MB; default 25 MB). */
  maxFileBytes?: number;
  /**
   * Friends (line_friend), quota warnings given (line_quota_warning) and the outbound ledger (the core's idempotency
   * keys: outbound_message). The inbox is the pipeline's.
   */
  repos: Pick<Repositories, 'lineFriends' | 'lineQuotaWarnings' | 'outbound'>;
  cipher: FieldCipher;
  log: Logger;
  /** The product's HTTP server: POST /webhooks/line is registered on it when the adapter is attached. */
  http?: FastifyInstance;
  /** Monthly quota warnings: percentages (default 80 and 95) and how often consumption is read after pushes. */
  quotaWarnPercent?: number[];
  quotaCheckMinutes?: number;
}

interface EventScope {
  eventId: string;
  replyToken: string | undefined;
  /** The chat the event came from (group, room or user id): the reply token answers there. */
  chatId: string | undefined;
  outbox: Map<string, LineMessage[]>;
}

const PUSH_ATTEMPTS = 3;
/** How long the core's idempotency keys are remembered in outbound_message (the sweep forgets older ones). */
const SENT_KEYS_KEPT_MS = 30 * 86_400_000;

export class LineAdapter implements PlatformAdapter {
  readonly platform = LINE_PLATFORM;
  readonly capabilities: AdapterCapabilities = {
    maxFormFields: 0,
    editMessages: false,
    maxButtonsPerRow: 3,
    maxActionLength: LINE_LIMITS.postbackData,
    quickReplies: true,
  };
  readonly wording: AdapterWording = { reachPrivately: '加小幫手為好友' };
  readonly client: messagingApi.MessagingApiClient;
  readonly quota: LineQuotaWatch;
  private readonly content: LineContent;
  private readonly ledger: OutboundLedger;
  private readonly scope = new AsyncLocalStorage<EventScope>();
  /** Rejected requests: one warn line per reason per minute, the rest counted (a probe must not flood the log). */
  private rejectionLog: RejectionLog | null = null;
  private get rejections(): RejectionLog {
    this.rejectionLog ??= new RejectionLog(this.opts.log, 'LINE webhook rejected');
    return this.rejectionLog;
  }
  private inbound: InboundSink | null = null;
  /** The pipeline's inbox for LINE (inbound_event): ordered, drained after the 200 (src/core/chat/inbox.ts). */
  private inbox: PlatformInbox<webhook.Event> | null = null;

  constructor(private readonly opts: LineAdapterOptions) {
    this.client = new messagingApi.MessagingApiClient({ channelAccessToken: opts.channelAccessToken, baseURL: opts.apiBaseUrl });
    this.ledger = new OutboundLedger(opts.repos.outbound);
    this.quota = new LineQuotaWatch(
      this.client,
      opts.repos.lineQuotaWarnings,
      opts.log,
      { warnAt: opts.quotaWarnPercent ?? [80, 95], checkEveryMs: (opts.quotaCheckMinutes ?? 15) * 60_000 },
      (text, key) => (this.inbound ? this.inbound.alert(LINE_PLATFORM, text, key) : Promise.resolve([])),
    );
    this.content = new LineContent(
      { channelAccessToken: opts.channelAccessToken, dataApiBaseUrl: opts.dataApiBaseUrl ?? 'https://api-data.line.me' },
      opts.maxFileBytes ?? 25 * 1024 * 1024,
      opts.log,
    );
  }

  // ------------------------------------------------------------------ ChatAdapter

  async send(to: ConversationAddress, message: OutboundMessage, opts: { idempotencyKey?: string } = {}): Promise<{ messageId: string }> {
    const messages = toLineMessages(message, { group: to.kind === 'group' });
    const scope = this.scope.getStore();
    if (opts.idempotencyKey) {
      // A reminder or notice that may be sent again (after a crash, or by another instance): claimed in the ledger, so
      // it is pushed once; the retry key covers a push whose record was lost (LINE drops the repeat for 24 h).
      const key = opts.idempotencyKey;
      const r = await this.ledger.once(`line:${key}`, LINE_PLATFORM, to.externalId, async () => {
        const sent = await this.push(to.externalId, messages, (n) => retryKey(`idem:${key}`, to.externalId, n));
        // LINE answered 409 (it had the push already) and gave no message ids: a stand-in identifies the record.
        return sent ?? newId();
      });
      return { messageId: r.messageId };
    }
    if (scope) {
      const queued = scope.outbox.get(to.externalId) ?? [];
      queued.push(...messages);
      scope.outbox.set(to.externalId, queued);
      // Delivered after the event (by reply token or push): LINE cannot edit a sent message (editMessages: false), so
      // this id only identifies the card for the core.
      return { messageId: newId() };
    }
    return { messageId: (await this.push(to.externalId, messages, () => randomUUID())) ?? newId() };
  }

  /** An image or file someone sent (an InboundFile), streamed from LINE's content API when it is filed as evidence. */
  fetchFile(file: FileReference): Promise<IncomingFile> {
    return this.content.fetch(file);
  }

  async directConversation(user: PlatformUser): Promise<ConversationAddress | null> {
    if (user.platform !== LINE_PLATFORM) return null;
    let following = await this.opts.repos.lineFriends.following(user.externalId);
    if (following === undefined) {
      // No follow event seen (e.g. the bot existed before this product): ask LINE, which answers for friends only.
      try {
        await lineCall('getProfile', () => this.client.getProfile(user.externalId));
        following = true;
      } catch (err) {
        if (!(err instanceof LineApiError) || err.kind !== 'not-found') throw err;
        following = false;
      }
      await this.setFriend(user.externalId, following);
    }
    return following ? { platform: LINE_PLATFORM, externalId: user.externalId, kind: 'direct' } : null;
  }

  // ------------------------------------------------------------------ webhook

  /** Connects the adapter to the inbound pipeline and registers POST /webhooks/line on the server (when given). */
  attach(inbound: InboundSink): void {
    this.inbound = inbound;
    this.inbox = inbound.inbox<webhook.Event>({
      platform: LINE_PLATFORM,
      mode: 'ordered',
      process: (event) => this.handleEvent(event),
      // Idempotency keys of messages are kept for a month; incident rooms' keys always.
      sweep: async () => void (await this.ledger.forget(SENT_KEYS_KEPT_MS, ['room:'])),
    });
    if (this.opts.http) this.routes(this.opts.http);
  }

  private routes(app: FastifyInstance): void {
    app.register(async (scope) => {
      // The signature covers the exact bytes LINE sent: keep the raw body, parse it only once it is verified.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      scope.post(LINE_WEBHOOK_PATH, async (req, reply) => {
        const signature = req.headers['x-line-signature'];
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        if (typeof signature !== 'string' || signature === '') {
          this.rejections.reject('no x-line-signature header', { ip: req.ip, bytes: raw.length });
          return reply.code(401).send({ error: 'missing signature', detail: 'x-line-signature header is required' });
        }
        if (!validateSignature(raw, this.opts.channelSecret, signature)) {
          this.rejections.reject('x-line-signature does not match the body (wrong LINE_CHANNEL_SECRET, or not from LINE)', {
            ip: req.ip,
            bytes: raw.length,
          });
          return reply.code(401).send({ error: 'bad signature', detail: 'x-line-signature does not match the request body' });
        }
        let events: webhook.Event[];
        try {
          const body = parseJsonBounded(raw.toString('utf8')) as webhook.CallbackRequest;
          if (!Array.isArray(body.events)) throw new Error('events is not an array');
          events = body.events;
        } catch (err) {
          // The parser's message quotes the body (it may hold personal data): only the kind of failure is logged.
          this.rejections.reject(err instanceof JsonTooDeepError ? 'body nested too deep' : 'body is not a LINE callback');
          return reply
            .code(400)
            .send({ error: 'bad request', detail: 'body must be a LINE webhook callback ({ destination, events: [] })' });
        }
        const received = await this.store(events);
        reply.code(200).send({ ok: true });
        // Processing starts once the 200 is on its way: with the embedded database the work runs on this thread and
        // would otherwise hold the response back.
        if (received > 0) this.inbox?.kick();
        return reply;
      });
    });
  }

  /** Stores verified events for processing; returns how many were new (redeliveries are dropped here). */
  async store(events: webhook.Event[]): Promise<number> {
    if (!this.inbox) throw new Error('LineAdapter.attach(inbound) must be called before events arrive');
    const rows = events
      .filter((e) => typeof e.webhookEventId === 'string' && e.webhookEventId !== '')
      .map((e) => ({ eventId: e.webhookEventId, body: e, conversation: e.source ? (chatIdOf(e.source) ?? null) : null }));
    if (rows.length === 0) return 0;
    const count = (await this.inbox.receive(rows)).length;
    if (count < rows.length) {
      this.opts.log.info(
        { duplicates: rows.length - count, redelivered: events.filter((e) => e.deliveryContext?.isRedelivery).length },
        'LINE events already received were ignored',
      );
    }
    return count;
  }

  /** Processes what is waiting, including events acknowledged by a process that stopped before handling them. */
  async start(): Promise<void> {
    await this.inbox?.start();
    void this.quota.check();
  }

  /** Resolves when every stored event has been processed (tests and graceful shutdown). */
  async idle(): Promise<void> {
    await this.inbox?.idle();
  }

  /** Stops taking events from the table (they stay pending, as after a crash). */
  hold(): void {
    this.inbox?.hold();
  }

  async stop(): Promise<void> {
    await this.inbox?.stop();
    await this.quota.idle();
  }

  // ------------------------------------------------------------------ events

  /** Handles one webhook event: translated to the core's neutral events, with the messages it causes delivered after. */
  async handleEvent(event: webhook.Event): Promise<void> {
    const source = event.source;
    const chatId = source ? chatIdOf(source) : undefined;
    const scope: EventScope = {
      eventId: event.webhookEventId,
      replyToken: 'replyToken' in event ? (event.replyToken as string | undefined) : undefined,
      chatId,
      outbox: new Map(),
    };
    try {
      await this.scope.run(scope, () => this.dispatch(event));
    } catch (err) {
      if (scope.replyToken && chatId) {
        scope.outbox = new Map([[chatId, toLineMessages({ type: 'text', text: T.failed })]]);
        await this.flush(scope).catch(() => undefined);
      }
      throw err;
    }
    await this.flush(scope);
  }

  private async dispatch(event: webhook.Event): Promise<void> {
    const inbound = this.inbound!;
    const source = event.source;
    if (!source) return;
    const conversation = addressOf(source);
    const userId = source.userId;
    const user: PlatformUser | null = userId ? { platform: LINE_PLATFORM, externalId: userId } : null;
    const at = new Date(event.timestamp);
    const base = { eventId: event.webhookEventId, conversation, at };
    switch (event.type) {
      case 'message': {
        const m = (event as webhook.MessageEvent).message;
        if (!user) return;
        if (m.type === 'text') return inbound.handle({ ...base, user, type: 'message', text: (m as webhook.TextMessageContent).text });
        // An image or a file: offered as evidence by the core; only the message id travels, LINE keeps the bytes.
        const file = lineFileReference(m);
        if (file) return inbound.handle({ ...base, user, type: 'file', file, messageId: m.id });
        if (m.type === 'image')
          this.opts.log.debug(
            { eventId: event.webhookEventId },
            'LINE image held outside LINE (external content provider) not offered as evidence',
          );
        return;
      }
      case 'postback': {
        if (!user) return;
        return inbound.handle({ ...base, user, type: 'action', action: (event as webhook.PostbackEvent).postback.data });
      }
      case 'follow': {
        if (!user) return;
        await this.setFriend(user.externalId, true);
        await this.send(
          { platform: LINE_PLATFORM, externalId: user.externalId, kind: 'direct' },
          { type: 'text', text: await inbound.followed(user) },
        );
        return;
      }
      case 'unfollow':
        if (user) await this.setFriend(user.externalId, false);
        return;
      case 'join': {
        const title = source.type === 'group' ? await this.groupName(source.groupId) : undefined;
        const intro = await inbound.joined({ ...conversation, ...(title ? { title } : {}) });
        await this.send(conversation, { type: 'text', text: intro });
        return;
      }
      case 'leave':
        return inbound.left(conversation);
      default:
        this.opts.log.debug({ type: event.type }, 'LINE event type not used');
    }
  }

  private async groupName(groupId: string): Promise<string | undefined> {
    try {
      return (await lineCall('getGroupSummary', () => this.client.getGroupSummary(groupId))).groupName;
    } catch (err) {
      this.opts.log.warn({ err: { type: (err as Error).name, message: (err as Error).message } }, 'LINE group summary unavailable');
      return undefined;
    }
  }

  private async setFriend(userId: string, following: boolean): Promise<void> {
    await this.opts.repos.lineFriends.set(userId, following);
  }

  // ------------------------------------------------------------------ delivery

  private async flush(scope: EventScope): Promise<void> {
    for (const [to, messages] of scope.outbox) {
      let rest = messages;
      if (to === scope.chatId && scope.replyToken) {
        const first = rest.slice(0, LINE_LIMITS.messagesPerRequest);
        try {
          await lineCall('replyMessage', () => this.client.replyMessage({ replyToken: scope.replyToken!, messages: first }));
          rest = rest.slice(first.length);
        } catch (err) {
          // An expired or used token (e.g. an event processed after a restart): the messages go by push instead.
          if (!(err instanceof LineApiError) || err.status !== 400) throw err;
          this.opts.log.info({ eventId: scope.eventId }, 'LINE reply token not accepted; pushing instead');
        }
        scope.replyToken = undefined;
      }
      if (rest.length > 0) await this.push(to, rest, (n) => retryKey(scope.eventId, to, n));
    }
    scope.outbox.clear();
  }

  /**
   * Pushes in chunks of five; returns the id LINE gave the first message, or undefined when LINE had that push already
   * (409: it answers without ids).
   */
  private async push(to: string, messages: LineMessage[], keyFor: (chunk: number) => string): Promise<string | undefined> {
    let firstId: string | undefined;
    for (let i = 0, n = 0; i < messages.length; i += LINE_LIMITS.messagesPerRequest, n += 1) {
      const chunk = messages.slice(i, i + LINE_LIMITS.messagesPerRequest);
      const key = keyFor(n);
      for (let attempt = 1; ; attempt += 1) {
        try {
          const res = await lineCall('pushMessage', () => this.client.pushMessage({ to, messages: chunk }, key));
          if (n === 0) firstId = res.sentMessages?.[0]?.id;
          this.quota.afterPush();
          break;
        } catch (err) {
          // 409: LINE already accepted a request with this retry key (a retry after a lost response, or the same
          // reminder sent again by another instance) — the messages were delivered once, as intended.
          if (err instanceof LineApiError && err.status === 409) {
            this.opts.log.info(
              { retryKey: key, acceptedRequestId: lineErrorHeader(err, 'x-line-accepted-request-id') },
              'LINE push already accepted with this retry key; not sent again',
            );
            break;
          }
          const transient = !(err instanceof LineApiError) || err.kind === 'network' || err.kind === 'rate-limited';
          if (!transient || attempt >= PUSH_ATTEMPTS) throw err;
          await new Promise((r) => setTimeout(r, 200 * 4 ** (attempt - 1)));
        }
      }
    }
    return firstId;
  }
}

function chatIdOf(source: webhook.Source): string | undefined {
  if (source.type === 'group') return (source as webhook.GroupSource).groupId;
  if (source.type === 'room') return (source as webhook.RoomSource).roomId;
  return (source as webhook.UserSource).userId;
}

function addressOf(source: webhook.Source): ConversationAddress {
  if (source.type === 'group') return { platform: LINE_PLATFORM, externalId: (source as webhook.GroupSource).groupId, kind: 'group' };
  if (source.type === 'room') return { platform: LINE_PLATFORM, externalId: (source as webhook.RoomSource).roomId, kind: 'group' };
  return { platform: LINE_PLATFORM, externalId: (source as webhook.UserSource).userId ?? '', kind: 'direct' };
}

/** Namespace of the product's retry keys (a fixed random UUID): keys of other software never collide with ours. */
const RETRY_KEY_NAMESPACE = Buffer.from('6f1d2c4e8a3b4c7d9e0f1a2b3c4d5e6f', 'hex');

/**
 * A name-based UUID (RFC 4122 version 5: SHA-1 of namespace + name) — the format LINE asks for in X-Line-Retry-Key.
 * The same name always gives the same key, on any instance and after any restart.
 */
export function uuidV5(name: string, namespace: Buffer = RETRY_KEY_NAMESPACE): string {
  const h = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * The retry key of one push: determined by what caused it (the webhook event, or the core's idempotencyKey), the chat
 * and the chunk (a long message list is pushed in chunks of 5), so a retried push gets the same key.
 */
export function retryKey(cause: string, to: string, chunk: number): string {
  return uuidV5(`${cause}\u0000${to}\u0000${chunk}`);
}
