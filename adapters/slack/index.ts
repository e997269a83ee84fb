import { AsyncLocalStorage } from 'node:async_hooks';
import { App, LogLevel, verifySlackRequest, webApi, type Logger as BoltLogger, type Receiver } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../src/app/logger.js';
import type { AdapterCapabilities, ConversationAddress, Form, InboundEvent, OutboundMessage, PlatformUser } from '../../src/core/chat/model.js';
import type { Bot } from '../../src/core/conversation/bot.js';
import { T } from '../../src/core/conversation/texts.js';
import type { ChatAdapter } from '../../src/ports/chat.js';
import { FORM_CALLBACK_ID, OPEN_FORM_PREFIX, SLACK_LIMITS, formButtonMessage, formModal, formValues, isIntakeForm, toSlackMessage, type FormMetadata } from './render.js';

/**
 * The Slack adapter (issue #4), on @slack/bolt. Over HTTP, Slack calls POST /slack/events on the product's Fastify
 * server for events, interactivity and slash commands alike; the request's v0 signature and timestamp are checked on
 * the raw body (Bolt's verifySlackRequest, 5-minute window), then Bolt dispatches it and every listener acknowledges
 * first and works after, so Slack gets its answer well inside 3 s. Retries (x-slack-retry-num) of an event that was
 * already received are answered 200 and dropped; the core's processed_event drops them too. With SLACK_APP_TOKEN the
 * same listeners run over Socket Mode instead (no public URL needed).
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
  apiUrl: string;
  log: Logger;
  /** Clock for the timestamp check (tests). */
  now?: () => number;
  /** Web API retry policy (tests shorten it); rate limits are always waited out as Slack's Retry-After says. */
  retryConfig?: { retries: number; factor?: number; minTimeout?: number; maxTimeout?: number };
}

interface EventScope {
  userId: string;
  triggerId?: string;
  triggerUsed: boolean;
  /** The conversation the interaction happened in, for the failure notice. */
  channel?: ConversationAddress;
}

interface StoredForm {
  form: Form;
  to: ConversationAddress;
}

const SIGNATURE_WINDOW_S = 5 * 60;
const SEEN_TTL_MS = 60 * 60_000;
const MAX_STORED_FORMS = 1000;

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
      return 'the bot is not a member of that channel. Invite it there (/invite @個資事件應變小幫手).';
    case 'channel_not_found':
      return 'the channel does not exist or the bot cannot see it (private channels need the bot invited).';
    case 'is_archived':
      return 'the channel is archived. Unarchive it, or bind another channel as the response team (綁定群組 應變小組).';
    case 'invalid_auth':
    case 'not_authed':
    case 'token_revoked':
    case 'account_inactive':
      return 'SLACK_BOT_TOKEN is not valid for this workspace. Copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions.';
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
  };
  readonly bolt: App;
  readonly client: webApi.WebClient;
  private readonly scope = new AsyncLocalStorage<EventScope>();
  private readonly seen = new Map<string, number>();
  private readonly forms = new Map<string, StoredForm>();
  private readonly dms = new Map<string, string>();
  private readonly sentKeys = new Map<string, string>();
  private readonly working = new Set<Promise<unknown>>();
  private bot: Bot | null = null;
  private initialized = false;

  constructor(private readonly opts: SlackAdapterOptions) {
    const clientOptions = {
      slackApiUrl: opts.apiUrl,
      ...(opts.retryConfig ? { retryConfig: opts.retryConfig } : {}),
    };
    const logger = boltLogger(opts.log);
    if (opts.appToken) {
      this.bolt = new App({ token: opts.botToken, appToken: opts.appToken, socketMode: true, clientOptions, logger, deferInitialization: true });
    } else {
      const receiver: Receiver = { init: () => undefined, start: async () => undefined, stop: async () => undefined };
      this.bolt = new App({ token: opts.botToken, receiver, clientOptions, logger, deferInitialization: true });
    }
    this.client = this.bolt.client;
    this.client.on(webApi.WebClientEvent.RATE_LIMITED, (seconds: number, { url }: { url: string }) => {
      opts.log.warn({ method: url.split('/').pop(), retryAfterSeconds: seconds }, 'Slack rate limit: waiting as Retry-After says, then retrying');
    });
    this.listen();
  }

  get transport(): 'http' | 'socket' {
    return this.opts.appToken ? 'socket' : 'http';
  }

  // ------------------------------------------------------------------ ChatAdapter

  async send(to: ConversationAddress, message: OutboundMessage, opts: { idempotencyKey?: string } = {}): Promise<{ messageId: string }> {
    if (message.type === 'form') return this.sendForm(to, message);
    if (opts.idempotencyKey) {
      const prior = this.sentKeys.get(opts.idempotencyKey);
      if (prior) return { messageId: prior };
    }
    const m = toSlackMessage(message);
    const r = await this.call('chat.postMessage', () =>
      this.client.chat.postMessage({ channel: to.externalId, text: m.text, ...(m.blocks ? { blocks: m.blocks as never } : {}), unfurl_links: false, unfurl_media: false }),
    );
    const ts = String(r.ts);
    if (opts.idempotencyKey) this.sentKeys.set(opts.idempotencyKey, ts);
    return { messageId: ts };
  }

  async update(to: ConversationAddress, messageId: string, message: OutboundMessage): Promise<void> {
    if (message.type === 'form') throw new Error('A form cannot replace a posted message; send it instead.');
    const m = toSlackMessage(message);
    await this.call('chat.update', () =>
      this.client.chat.update({ channel: to.externalId, ts: messageId, text: m.text, ...(m.blocks ? { blocks: m.blocks as never } : {}) }),
    );
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
    const meta: FormMetadata = { f: form.formId, c: to.externalId, k: to.kind === 'direct' ? 'd' : 'g' };
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
          this.opts.log.warn({ ip: req.ip, bytes: raw.length, reason: why }, 'Slack request rejected');
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
          this.opts.log.warn({ reason: (err as Error).message }, 'Slack request rejected: body not understood');
          return reply.code(400).send({ error: 'bad request', detail: 'body must be a Slack event (JSON), interaction (payload=…) or slash command (form)' });
        }
        if (body.type === 'url_verification') return reply.send({ challenge: body.challenge });
        if (body.ssl_check) return reply.send('');
        const retryNum = Number(req.headers['x-slack-retry-num'] ?? 0) || undefined;
        const eventId = typeof body.event_id === 'string' ? body.event_id : null;
        if (eventId && this.alreadySeen(eventId)) {
          this.opts.log.info({ eventId, retryNum, reason: req.headers['x-slack-retry-reason'] }, 'Slack retry of an event already received: ignored');
          return reply.send('');
        }
        const response = await this.dispatch(body, retryNum);
        return reply.code(200).send(response ?? '');
      });
    });
  }

  /** Hands a verified request to Bolt; resolves with the acknowledgement's body as soon as a listener acks. */
  async dispatch(body: Record<string, unknown>, retryNum?: number): Promise<unknown> {
    let acked!: (v: unknown) => void;
    const ack = new Promise<unknown>((resolve) => (acked = resolve));
    const work = this.bolt
      .processEvent({ body, ack: async (r?: unknown) => acked(r), ...(retryNum ? { retryNum } : {}) })
      .catch((err: unknown) => this.opts.log.error({ err: { type: (err as Error).name, message: (err as Error).message } }, 'Slack request failed'));
    this.track(work);
    // A request no listener acknowledges (an event type not used) is still answered, at the latest when Bolt is done.
    return Promise.race([ack, work.then(() => undefined)]);
  }

  private alreadySeen(eventId: string): boolean {
    const now = Date.now();
    for (const [id, at] of this.seen) {
      if (now - at < SEEN_TTL_MS) break;
      this.seen.delete(id);
    }
    if (this.seen.has(eventId)) return true;
    this.seen.set(eventId, now);
    return false;
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
  }

  async close(): Promise<void> {
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
      const channelId = body.channel?.id ?? (body.container as { channel_id?: string } | undefined)?.channel_id;
      if (!value || !channelId) return;
      const user = this.user(body.user.id);
      const conversation = this.address(channelId);
      const triggerId = (body as { trigger_id?: string }).trigger_id;
      await this.run({ userId: user.externalId, ...(triggerId ? { triggerId } : {}), triggerUsed: false, channel: conversation }, async () => {
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
    });

    // Closing the modal keeps the report open: a message with 「填寫通報表」 and 「取消通報」 lets the person choose.
    app.view({ callback_id: FORM_CALLBACK_ID, type: 'view_closed' }, async ({ view, ack }) => {
      await ack();
      const meta = JSON.parse(view.private_metadata) as FormMetadata;
      const stored = this.forms.get(meta.f);
      if (stored) await this.postFormButton(stored.to, stored.form);
    });

    app.event('message', async ({ event }) => {
      const e = event as { subtype?: string; bot_id?: string; user?: string; text?: string; channel: string; channel_type?: string; ts: string };
      if (e.subtype || e.bot_id || !e.user || typeof e.text !== 'string') return;
      const conversation = this.address(e.channel, e.channel_type);
      const eventId = `msg:${e.channel}:${e.ts}`;
      await this.run({ userId: e.user, triggerUsed: true, channel: conversation }, () =>
        this.handle({ type: 'message', eventId, conversation, user: this.user(e.user!), at: new Date(Number(e.ts) * 1000), text: stripMentions(e.text!) }),
      );
    });

    app.event('member_joined_channel', async ({ event, context }) => {
      if (event.user !== context.botUserId) return;
      const conversation = this.address(event.channel, event.channel_type === 'G' ? 'private_channel' : 'channel');
      const intro = await this.bot!.binding.joined(conversation);
      await this.send(conversation, { type: 'text', text: intro });
    });

    const left = async ({ event }: { event: { channel: string } }) => this.bot!.binding.left(this.address(event.channel));
    app.event('channel_left', left);
    app.event('group_left', left);
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
  private async call<R>(method: string, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      const e = err as { code?: string; data?: { error?: string; needed?: string } };
      if (e.code === 'slack_webapi_platform_error' && e.data?.error) {
        const wrapped = new SlackApiError(method, e.data.error, adviceFor(e.data.error, e.data.needed));
        if (e.data.error !== 'expired_trigger_id' && e.data.error !== 'exchanged_trigger_id') this.opts.log.error({ method, code: e.data.error }, wrapped.message);
        throw wrapped;
      }
      throw err;
    }
  }
}

function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const form = Object.fromEntries(new URLSearchParams(raw));
  if (typeof form.payload === 'string') return JSON.parse(form.payload) as Record<string, unknown>;
  if (typeof form.command !== 'string' && !form.ssl_check) throw new Error('form body is neither an interaction nor a slash command');
  return form;
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
