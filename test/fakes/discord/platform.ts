import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { requestProblems, responseProblems, schemaProblems } from './spec.js';

/**
 * A local stand-in for Discord: the REST API under /api/v10 and a gateway (ws://…/gateway) in one server. discord.js is
 * pointed at it with `rest.api` (DISCORD_API_BASE); it asks GET /gateway/bot for the gateway address and gets this
 * server's. The gateway speaks Discord's protocol without compression: HELLO → IDENTIFY → READY (+ GUILD_CREATE),
 * heartbeats, RECONNECT, RESUME (missed dispatches replayed, then RESUMED), INVALID_SESSION for unknown sessions.
 * Several bots identifying with the same token (several instances of the product) each get every dispatch, as Discord
 * does; the harness follows the first connected one. A message sent with a nonce and enforce_nonce is created once.
 * Every REST request is recorded and checked against Discord's OpenAPI file (spec.ts) and the documented limits the
 * file does not state; an invalid request is answered 400 like Discord (code 50035) and listed by `invalidCalls()`.
 * Files people send (`sendFile`) are attachments as Discord delivers them: metadata in the message (checked against
 * MessageAttachmentResponse) with a signed CDN URL, the bytes served under /attachments/… only with a valid, unexpired
 * signature (Discord's "Signed Attachment CDN URLs", test/fakes/specs/discord/signed-attachment-cdn-urls.md); a fetched
 * message (GET /channels/{id}/messages/{id}) carries freshly signed URLs, as Discord's does.
 */
export const APPLICATION_ID = '1300000000000000001';
export const BOT_USER_ID = '1300000000000000002';
export const GUILD_ID = '1300000000000000003';
const DISCORD_EPOCH = 1420070400000n;

export interface RecordedCall {
  method: string;
  path: string;
  body: unknown;
  status: number;
  problems: string[];
  /** performance.now() when the request arrived. */
  at: number;
}

export interface FakeMessage {
  id: string;
  channelId: string;
  content: string;
  embeds: Record<string, unknown>[];
  components: Record<string, unknown>[];
  flags: number;
  /** Set for ephemeral follow-ups and interaction replies: who sees it. */
  visibleTo?: string;
  /** The nonce it was sent with (enforce_nonce: a second send with it returns this message). */
  nonce?: string;
  /** Earlier versions, oldest first, when it was edited. */
  history: { content: string; embeds: Record<string, unknown>[]; components: Record<string, unknown>[] }[];
  deleted: boolean;
}

/** A file someone sent, as the fake's CDN holds it. */
export interface FakeAttachment {
  id: string;
  channelId: string;
  messageId: string;
  filename: string;
  contentType?: string;
  bytes: Buffer;
}

/** A message a person sent (kept so that the bot can fetch it again), with its attachments. */
export interface FakeUserMessage {
  id: string;
  channelId: string;
  authorId: string;
  content: string;
  attachments: FakeAttachment[];
  deleted: boolean;
}

/** A request to the fake CDN: its path (no query), the answer, whether it carried an Authorization header. */
export interface CdnCall {
  path: string;
  status: number;
  authorization: boolean;
  at: number;
}

export interface FakeChannel {
  id: string;
  type: number;
  archived?: boolean;
  name?: string;
  guildId?: string;
  parentId?: string;
  recipientId?: string;
  members: Set<string>;
}

export interface OpenedModal {
  interactionId: string;
  userId: string;
  channelId: string;
  /** The message whose button opened it, if any. */
  messageId?: string;
  data: { custom_id: string; title: string; components: Record<string, unknown>[] };
}

export interface InteractionRecord {
  id: string;
  token: string;
  userId: string;
  channelId: string;
  messageId?: string;
  dispatchedAt: number;
  /** The initial response (callback type) and when it arrived. */
  response?: { type: number; at: number; data?: Record<string, unknown> };
  originalMessageId?: string;
  waiters: ((r: NonNullable<InteractionRecord['response']>) => void)[];
  payload?: Record<string, unknown>;
  /** Initial responses attempted, including refused second ones (40060). */
  callbacks: number;
}

interface Session {
  id: string;
  seq: number;
  /** Dispatches of this session, for replay on RESUME. */
  log: { s: number; t: string; d: unknown }[];
  socket: WebSocket | null;
  intents: number;
  /** Interactions and messages dispatched on this session that the intents let through (the harness waits for them). */
  toBot: number;
}

export class FakeDiscord {
  readonly calls: RecordedCall[] = [];
  readonly messages: FakeMessage[] = [];
  readonly channels = new Map<string, FakeChannel>();
  readonly modals: OpenedModal[] = [];
  readonly interactions = new Map<string, InteractionRecord>();
  readonly commands: { scope: string; body: unknown }[] = [];
  /** "METHOD /route-prefix" → Retry-After seconds: the next matching request is answered 429 once. */
  readonly rateLimitNext = new Map<string, number>();
  /** The next interaction callback is answered 10062 Unknown interaction (it took too long). */
  expireNextInteraction = false;
  /** Users whose DMs are closed to the bot: messages to their DM channel are refused (403, 50007). */
  readonly closedDms = new Set<string>();
  /** Channel ids where the bot is refused (403, 50013 Missing Permissions). */
  readonly forbidden = new Set<string>();
  readonly gateway = { identifies: 0, resumes: 0, heartbeats: 0, connections: 0, lastIntents: 0 };
  /** Messages people sent (sendFile), by id. */
  readonly userMessages = new Map<string, FakeUserMessage>();
  /** Every request to the CDN (attachment downloads). */
  readonly cdnCalls: CdnCall[] = [];
  /** Where the fake's own answers or dispatches strayed from Discord's description (tests expect none). */
  readonly payloadProblems: string[] = [];
  /** How long a signed attachment URL stays valid (Discord: about a day). */
  attachmentUrlTtlMs = 24 * 3600_000;
  private readonly cdnKey = randomBytes(32);
  private readonly sessions = new Map<string, Session>();

  private current: Session | null = null;
  private seq = 0n;
  private server!: Server;
  private wss!: WebSocketServer;
  url = '';
  apiBase = '';

  private constructor(readonly botToken: string) {}

  static async start(botToken: string): Promise<FakeDiscord> {
    const fake = new FakeDiscord(botToken);
    fake.server = createServer((req, res) => void fake.handle(req, res));
    fake.wss = new WebSocketServer({ server: fake.server, path: '/gateway' });
    fake.wss.on('connection', (ws) => fake.onSocket(ws));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    fake.apiBase = `${fake.url}/api`;
    fake.addChannel({ id: GUILD_ID, type: 0, name: 'general', guildId: GUILD_ID });
    return fake;
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  snowflake(): string {
    this.seq += 1n;
    return (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (this.seq & 0x3fffffn)).toString();
  }

  addChannel(c: Omit<FakeChannel, 'members'> & { members?: string[] }): FakeChannel {
    const ch: FakeChannel = { ...c, members: new Set(c.members ?? []) };
    this.channels.set(c.id, ch);
    return ch;
  }

  /** A guild text channel (announced with CHANNEL_CREATE when the bot is connected). */
  textChannel(name: string): string {
    const ch = this.addChannel({ id: this.snowflake(), type: 0, name, guildId: GUILD_ID });
    if (this.current) this.dispatch('CHANNEL_CREATE', this.channelPayload(ch));
    return ch.id;
  }

  /** Someone deletes a channel (CHANNEL_DELETE). */
  deleteChannel(id: string): void {
    const ch = this.channels.get(id)!;
    this.channels.delete(id);
    this.dispatch('CHANNEL_DELETE', this.channelPayload(ch));
  }

  /** The DM channel between the bot and a user (opened by the bot with POST /users/@me/channels, or here). */
  dmOf(userId: string): string {
    for (const c of this.channels.values()) if (c.type === 1 && c.recipientId === userId) return c.id;
    return this.addChannel({ id: this.snowflake(), type: 1, recipientId: userId, members: [userId] }).id;
  }

  invalidCalls(): RecordedCall[] {
    return this.calls.filter((c) => c.problems.length > 0);
  }

  callsTo(method: string, prefix: RegExp): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && prefix.test(c.path));
  }

  /** Messages visible in a channel (ephemerals only to their user), oldest first. */
  messagesIn(channelId: string, viewer?: string): FakeMessage[] {
    return this.messages.filter((m) => m.channelId === channelId && !m.deleted && (!m.visibleTo || m.visibleTo === viewer));
  }

  message(id: string): FakeMessage | undefined {
    return this.messages.find((m) => m.id === id);
  }

  // ------------------------------------------------------------------ gateway

  private onSocket(ws: WebSocket): void {
    this.gateway.connections += 1;
    let session: Session | null = null;
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41250 }, s: null, t: null }));
    ws.on('message', (raw) => {
      const p = JSON.parse(String(raw)) as { op: number; d: Record<string, unknown> | number | null };
      switch (p.op) {
        case 1:
          this.gateway.heartbeats += 1;
          ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
          break;
        case 2: {
          const d = p.d as { token: string; intents: number };
          if (d.token !== this.botToken) return ws.close(4004, 'Authentication failed.');
          this.gateway.identifies += 1;
          this.gateway.lastIntents = d.intents;
          session = { id: randomBytes(16).toString('hex'), seq: 0, log: [], socket: ws, intents: d.intents, toBot: 0 };
          this.sessions.set(session.id, session);
          // A second instance connecting does not take the harness's place; a restarted bot (old socket gone) does.
          if (this.current?.socket?.readyState !== 1) this.current = session;
          this.emit(session, 'READY', {
            v: 10,
            user: this.botUser(),
            guilds: [{ id: GUILD_ID, unavailable: true }],
            session_id: session.id,
            resume_gateway_url: `${this.url.replace('http', 'ws')}/gateway`,
            shard: [0, 1],
            application: { id: APPLICATION_ID, flags: 0 },
          });
          this.emit(session, 'GUILD_CREATE', this.guildPayload(GUILD_ID));
          break;
        }
        case 6: {
          const d = p.d as { token: string; session_id: string; seq: number };
          const known = this.sessions.get(d.session_id);
          if (d.token !== this.botToken || !known) {
            ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
            return;
          }
          this.gateway.resumes += 1;
          session = known;
          known.socket = ws;
          this.current = known;
          for (const e of known.log.filter((x) => x.s > d.seq)) ws.send(JSON.stringify({ op: 0, ...e }));
          known.seq += 1;
          ws.send(JSON.stringify({ op: 0, t: 'RESUMED', s: known.seq, d: {} }));
          break;
        }
        default:
          break;
      }
    });
    ws.on('close', () => {
      if (session?.socket === ws) session.socket = null;
    });
  }

  private emit(session: Session, t: string, d: unknown): void {
    session.seq += 1;
    const e = { s: session.seq, t, d };
    session.log.push(e);
    if (session.socket && session.socket.readyState === 1) session.socket.send(JSON.stringify({ op: 0, ...e }));
  }

  /**
   * Sends a dispatch on the current session (while the bot is disconnected it waits in the log for the RESUME) and on
   * every other connected session (another instance of the bot).
   */
  dispatch(t: string, d: unknown, countForBot = false): void {
    for (const s of this.targets()) {
      if (countForBot) s.toBot += 1;
      this.emit(s, t, d);
    }
  }

  private targets(): Session[] {
    if (!this.current) throw new Error('the bot has not identified yet');
    return [this.current, ...[...this.sessions.values()].filter((s) => s !== this.current && s.socket?.readyState === 1)];
  }

  /** Drops the connection like a network failure (close code 4000, resumable). */
  disconnect(code = 4000): void {
    const s = this.current?.socket;
    if (s) s.close(code, 'fake disconnect');
  }

  /** Asks the bot to reconnect (op 7), as Discord does before moving a session. */
  requestReconnect(): void {
    this.current?.socket?.send(JSON.stringify({ op: 7, d: null, s: null, t: null }));
  }

  get connected(): boolean {
    return this.current?.socket?.readyState === 1;
  }

  botUser(): Record<string, unknown> {
    return {
      id: BOT_USER_ID,
      username: 'pdi-bot',
      discriminator: '0',
      global_name: '個資事件應變小幫手',
      avatar: null,
      bot: true,
      public_flags: 0,
      flags: 0,
      primary_guild: null,
    };
  }

  user(id: string): Record<string, unknown> {
    return {
      id,
      username: `user${id.slice(-4)}`,
      discriminator: '0',
      global_name: null,
      avatar: null,
      public_flags: 0,
      flags: 0,
      primary_guild: null,
    };
  }

  channelPayload(c: FakeChannel): Record<string, unknown> {
    if (c.type === 1) return { id: c.id, type: 1, recipients: [this.user(c.recipientId!)], last_message_id: null, flags: 0 };
    return {
      id: c.id,
      type: c.type,
      guild_id: c.guildId,
      name: c.name ?? 'channel',
      position: 0,
      permission_overwrites: [],
      nsfw: false,
      parent_id: c.parentId ?? null,
      flags: 0,
      ...(c.type === 12 || c.type === 11
        ? {
            thread_metadata: {
              archived: c.archived ?? false,
              auto_archive_duration: 10080,
              archive_timestamp: new Date().toISOString(),
              locked: false,
              invitable: false,
            },
            owner_id: BOT_USER_ID,
            member_count: c.members.size,
            message_count: 0,
          }
        : { topic: null, last_message_id: null, rate_limit_per_user: 0 }),
    };
  }

  /**
   * The bot is added to another server: GUILD_CREATE of a guild it was not in, with text channels 一般 (the system
   * channel, unless `systemChannel` is false) and 公告. `guildId` again (after leaveGuild) is an invitation back.
   */
  joinGuild(opts: { guildId?: string; name?: string; systemChannel?: boolean } = {}): {
    guildId: string;
    channels: string[];
    systemChannelId: string | null;
  } {
    const guildId = opts.guildId ?? this.snowflake();
    let channels = [...this.channels.values()].filter((c) => c.guildId === guildId && c.type === 0).map((c) => c.id);
    if (channels.length === 0)
      channels = ['一般', '公告'].map((name) => this.addChannel({ id: this.snowflake(), type: 0, name, guildId }).id);
    const systemChannelId = opts.systemChannel === false ? null : channels[0]!;
    this.dispatch('GUILD_CREATE', this.guildPayload(guildId, opts.name ?? '另一所學校', systemChannelId));
    return { guildId, channels, systemChannelId };
  }

  /** The bot is removed from a server (GUILD_DELETE without unavailable). */
  leaveGuild(guildId: string): void {
    this.dispatch('GUILD_DELETE', { id: guildId });
  }

  private guildPayload(guildId: string, name = '示範國民中學', systemChannelId: string | null = null): Record<string, unknown> {
    const channels = [...this.channels.values()]
      .filter((c) => c.guildId === guildId && c.type === 0)
      .map((c, i) => ({ ...this.channelPayload(c), position: i }));
    const threads = [...this.channels.values()].filter((c) => c.guildId === guildId && c.type === 12).map((c) => this.channelPayload(c));
    return {
      id: guildId,
      name,
      icon: null,
      owner_id: '1300000000000000099',
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 1,
      default_message_notifications: 1,
      explicit_content_filter: 0,
      roles: [
        {
          id: guildId,
          name: '@everyone',
          color: 0,
          hoist: false,
          position: 0,
          permissions: '1024',
          managed: false,
          mentionable: false,
          flags: 0,
        },
      ],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      system_channel_id: systemChannelId,
      system_channel_flags: 0,
      joined_at: new Date().toISOString(),
      large: false,
      unavailable: false,
      member_count: 10,
      members: [],
      channels,
      threads,
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      premium_tier: 0,
      preferred_locale: 'zh-TW',
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
    };
  }

  // ------------------------------------------------------------------ interactions

  private newInteraction(userId: string, channelId: string, messageId?: string): InteractionRecord {
    const rec: InteractionRecord = {
      id: this.snowflake(),
      token: `aW50ZXJhY3Rpb246${randomBytes(24).toString('base64url')}`,
      userId,
      channelId,
      ...(messageId ? { messageId } : {}),
      dispatchedAt: 0,
      waiters: [],
      callbacks: 0,
    };
    this.interactions.set(rec.id, rec);
    return rec;
  }

  private interactionBase(rec: InteractionRecord, type: number): Record<string, unknown> {
    const ch = this.channels.get(rec.channelId)!;
    const inGuild = ch.type !== 1;
    return {
      id: rec.id,
      application_id: APPLICATION_ID,
      type,
      token: rec.token,
      version: 1,
      channel_id: rec.channelId,
      channel: this.channelPayload(ch),
      ...(inGuild
        ? {
            guild_id: GUILD_ID,
            guild: { id: GUILD_ID, locale: 'zh-TW', features: [] },
            guild_locale: 'zh-TW',
            member: {
              user: this.user(rec.userId),
              roles: [],
              joined_at: new Date().toISOString(),
              deaf: false,
              mute: false,
              flags: 0,
              permissions: '2248473465835073',
              pending: false,
              nick: null,
              avatar: null,
            },
          }
        : { user: this.user(rec.userId) }),
      locale: 'zh-TW',
      app_permissions: '2248473465835073',
      entitlements: [],
      authorizing_integration_owners: { '0': GUILD_ID },
      context: inGuild ? 0 : 1,
      attachment_size_limit: 10485760,
    };
  }

  private send(rec: InteractionRecord, payload: Record<string, unknown>): InteractionRecord {
    rec.dispatchedAt = performance.now();
    rec.payload = payload;
    this.dispatch('INTERACTION_CREATE', payload, true);
    return rec;
  }

  /** Resolves with the interaction's initial response (or rejects after `ms`, as Discord shows a failure after 3 s). */
  responseOf(rec: InteractionRecord, ms = 3000): Promise<NonNullable<InteractionRecord['response']>> {
    if (rec.response) return Promise.resolve(rec.response);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`interaction ${rec.id} was not answered within ${ms} ms`)), ms);
      rec.waiters.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  slashCommand(
    userId: string,
    channelId: string,
    name: string,
    options: { name: string; type: number; value: string }[] = [],
  ): InteractionRecord {
    const rec = this.newInteraction(userId, channelId);
    return this.send(rec, {
      ...this.interactionBase(rec, 2),
      data: { id: this.snowflake(), name, type: 1, ...(options.length ? { options } : {}) },
    });
  }

  messageCommand(
    userId: string,
    channelId: string,
    name: string,
    target: FakeMessage | { id: string; content: string; authorId: string },
  ): InteractionRecord {
    const rec = this.newInteraction(userId, channelId);
    const msg =
      'authorId' in target
        ? this.messagePayload(
            { id: target.id, channelId, content: target.content, embeds: [], components: [], flags: 0, history: [], deleted: false },
            target.authorId,
          )
        : this.messagePayload(target);
    return this.send(rec, {
      ...this.interactionBase(rec, 2),
      data: { id: this.snowflake(), name, type: 3, target_id: target.id, resolved: { messages: { [target.id]: msg } } },
    });
  }

  /** A click on a button (or a choice in a select menu) of a posted message. */
  component(userId: string, message: FakeMessage, customId: string, values?: string[]): InteractionRecord {
    const rec = this.newInteraction(userId, message.channelId, message.id);
    return this.send(rec, {
      ...this.interactionBase(rec, 3),
      message: this.messagePayload(message),
      data: values ? { custom_id: customId, component_type: 3, values } : { custom_id: customId, component_type: 2 },
    });
  }

  /** Submits an opened modal: text answers by custom_id (string) and select answers (string[]). */
  submitModal(modal: OpenedModal, answers: Record<string, string | string[]>): InteractionRecord {
    const rec = this.newInteraction(modal.userId, modal.channelId, modal.messageId);
    const components = modal.data.components.map((row) => {
      const c = (row.type === 18 ? row.component : (row.components as Record<string, unknown>[])[0]) as Record<string, unknown>;
      const id = String(c.custom_id);
      const a = answers[id];
      const submitted =
        c.type === 3
          ? { type: 3, id: 2, custom_id: id, values: Array.isArray(a) ? a : a ? [a] : [] }
          : { type: 4, id: 2, custom_id: id, value: Array.isArray(a) ? a.join(',') : (a ?? '') };
      return row.type === 18 ? { type: 18, id: 1, component: submitted } : { type: 1, id: 1, components: [submitted] };
    });
    const msg = modal.messageId ? this.message(modal.messageId) : undefined;
    return this.send(rec, {
      ...this.interactionBase(rec, 5),
      ...(msg ? { message: this.messagePayload(msg) } : {}),
      data: { custom_id: modal.data.custom_id, components },
    });
  }

  /** A user types in a channel (DMs always carry content; guild messages only with the MessageContent intent). */
  say(userId: string, channelId: string, content: string): FakeMessage {
    const m: FakeMessage = { id: this.snowflake(), channelId, content, embeds: [], components: [], flags: 0, history: [], deleted: false };
    const ch = this.channels.get(channelId)!;
    const intents = this.current?.intents ?? 0;
    // Discord sends guild messages only with GuildMessages (1 << 9), DMs only with DirectMessages (1 << 12), and the
    // content of guild messages only with MessageContent (1 << 15) or when the bot is mentioned.
    if (ch.type === 1 ? (intents & (1 << 12)) === 0 : (intents & (1 << 9)) === 0) return m;
    const payload: Record<string, unknown> = { ...this.messagePayload(m, userId), channel_type: ch.type };
    if (ch.type !== 1) {
      Object.assign(payload, {
        guild_id: GUILD_ID,
        member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
      });
      if ((intents & (1 << 15)) === 0 && !content.includes(`<@${BOT_USER_ID}>`)) payload.content = '';
    }
    this.dispatch('MESSAGE_CREATE', payload, true);
    return m;
  }

  /**
   * A person sends files (and optionally text) in a channel: MESSAGE_CREATE with the attachments, each with a signed
   * CDN URL. Guild messages reach the bot only with GuildMessages, and carry their content and attachments only with
   * MessageContent (or when the bot is mentioned); DMs always do (DirectMessages).
   */
  sendFile(
    userId: string,
    channelId: string,
    files: { name: string; bytes: Buffer; contentType?: string }[],
    content = '',
  ): FakeUserMessage {
    const id = this.snowflake();
    const msg: FakeUserMessage = { id, channelId, authorId: userId, content, deleted: false, attachments: [] };
    for (const f of files) {
      msg.attachments.push({
        id: this.snowflake(),
        channelId,
        messageId: id,
        filename: f.name,
        bytes: f.bytes,
        ...(f.contentType ? { contentType: f.contentType } : {}),
      });
    }
    this.userMessages.set(id, msg);
    const ch = this.channels.get(channelId)!;
    const intents = this.current?.intents ?? 0;
    if (ch.type === 1 ? (intents & (1 << 12)) === 0 : (intents & (1 << 9)) === 0) return msg;
    const payload: Record<string, unknown> = { ...this.userMessagePayload(msg), channel_type: ch.type };
    if (ch.type !== 1)
      Object.assign(payload, {
        guild_id: GUILD_ID,
        member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
      });
    for (const a of payload.attachments as unknown[]) this.payloadProblems.push(...schemaProblems('MessageAttachmentResponse', a));
    this.dispatch('MESSAGE_CREATE', payload, true);
    return msg;
  }

  /** The person deletes their message (its attachments go with it, on the CDN too). */
  deleteUserMessage(id: string): void {
    const m = this.userMessages.get(id)!;
    m.deleted = true;
    if (this.current)
      this.dispatch('MESSAGE_DELETE', {
        id,
        channel_id: m.channelId,
        ...(this.channels.get(m.channelId)?.type === 1 ? {} : { guild_id: GUILD_ID }),
      });
  }

  /** Whether a message's content and attachments reach this bot (MessageContent, a DM, or a mention). */
  private contentVisible(m: FakeUserMessage): boolean {
    if (this.channels.get(m.channelId)?.type === 1) return true;
    return ((this.current?.intents ?? 0) & (1 << 15)) !== 0 || m.content.includes(`<@${BOT_USER_ID}>`);
  }

  private userMessagePayload(m: FakeUserMessage): Record<string, unknown> {
    const visible = this.contentVisible(m);
    const base = this.messagePayload(
      {
        id: m.id,
        channelId: m.channelId,
        content: visible ? m.content : '',
        embeds: [],
        components: [],
        flags: 0,
        history: [],
        deleted: false,
      },
      m.authorId,
    );
    return { ...base, attachments: visible ? m.attachments.map((a) => this.attachmentPayload(a)) : [] };
  }

  /** An attachment's URL as Discord would hand it out now (signed, valid for attachmentUrlTtlMs). */
  signedUrl(a: FakeAttachment): string {
    return String(this.attachmentPayload(a).url);
  }

  /** An attachment object as Discord sends it: the URL signed now, valid for attachmentUrlTtlMs. */
  private attachmentPayload(a: FakeAttachment): Record<string, unknown> {
    const path = `/attachments/${a.channelId}/${a.id}/${encodeURIComponent(a.filename)}`;
    const is = Math.floor(Date.now() / 1000);
    const ex = Math.floor((Date.now() + this.attachmentUrlTtlMs) / 1000);
    const query = `ex=${ex.toString(16)}&is=${is.toString(16)}&hm=${this.cdnSignature(path, ex.toString(16), is.toString(16))}&`;
    const png = a.contentType === 'image/png' && a.bytes.length >= 24 && a.bytes.subarray(12, 16).toString('latin1') === 'IHDR';
    return {
      id: a.id,
      filename: a.filename,
      size: a.bytes.length,
      url: `${this.url}${path}?${query}`,
      proxy_url: `${this.url}/media${path}?${query}`,
      ...(a.contentType ? { content_type: a.contentType } : {}),
      ...(png ? { width: a.bytes.readUInt32BE(16), height: a.bytes.readUInt32BE(20) } : {}),
    };
  }

  private cdnSignature(path: string, ex: string, is: string): string {
    return createHmac('sha256', this.cdnKey).update(`${path}|${ex}|${is}`).digest('hex');
  }

  /**
   * The CDN: GET /attachments/{channel}/{attachment}/{filename}?ex&is&hm. The signature is the authorisation (no
   * bot token needed); a missing, wrong or expired one, or a deleted message's file, is 404 "This content is no
   * longer available." as Discord's CDN answers. Served with the type the sender declared and its length.
   */
  private cdn(method: string, url: URL, authorization: boolean, res: ServerResponse): void {
    const record = (status: number) => this.cdnCalls.push({ path: url.pathname, status, authorization, at: performance.now() });
    const gone = () => {
      record(404);
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('This content is no longer available.');
    };
    if (method !== 'GET' && method !== 'HEAD') {
      gone();
      return;
    }
    const [, , channelId, attachmentId, name] = url.pathname.split('/');
    const ex = url.searchParams.get('ex') ?? '';
    const is = url.searchParams.get('is') ?? '';
    const hm = Buffer.from(url.searchParams.get('hm') ?? '', 'hex');
    const expected = Buffer.from(this.cdnSignature(url.pathname, ex, is), 'hex');
    if (hm.length !== expected.length || !timingSafeEqual(hm, expected) || Number.parseInt(ex, 16) * 1000 < Date.now()) {
      gone();
      return;
    }
    const msg = [...this.userMessages.values()].find((m) => m.channelId === channelId && m.attachments.some((a) => a.id === attachmentId));
    const a = msg?.attachments.find((x) => x.id === attachmentId);
    if (!msg || msg.deleted || !a || encodeURIComponent(a.filename) !== name) {
      gone();
      return;
    }
    record(200);
    res.writeHead(200, { 'content-type': a.contentType ?? 'application/octet-stream', 'content-length': String(a.bytes.length) });
    res.end(method === 'HEAD' ? undefined : a.bytes);
  }

  /** How many interactions and messages were dispatched to the bot on its current session. */
  dispatchedToBot(): number {
    return this.current?.toBot ?? 0;
  }

  /** Dispatches an interaction again with the same id and token (a duplicate delivery). */
  redeliver(rec: InteractionRecord): void {
    this.dispatch('INTERACTION_CREATE', rec.payload, true);
  }

  messagePayload(m: FakeMessage, authorId = BOT_USER_ID): Record<string, unknown> {
    return {
      id: m.id,
      channel_id: m.channelId,
      author: authorId === BOT_USER_ID ? this.botUser() : this.user(authorId),
      content: m.content,
      timestamp: new Date().toISOString(),
      edited_timestamp: m.history.length ? new Date().toISOString() : null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: m.embeds,
      components: m.components,
      pinned: false,
      type: 0,
      flags: m.flags,
    };
  }

  // ------------------------------------------------------------------ REST

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const answer = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
      return status;
    };
    if (url.pathname.startsWith('/attachments/')) {
      this.cdn(req.method ?? 'GET', url, req.headers.authorization !== undefined, res);
      return;
    }
    if (!url.pathname.startsWith('/api/v10/')) {
      answer(404, { message: '404: Not Found', code: 0 });
      return;
    }
    const path = decodeURIComponent(url.pathname).slice('/api/v10'.length);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const call: RecordedCall = { method, path: path + url.search, body, status: 0, problems: [], at: performance.now() };
    this.calls.push(call);
    call.problems = [
      ...requestProblems(method, path + url.search, req.headers['content-type'], body),
      ...limitProblems(method, path, body),
    ];
    const interactionRoute = /^\/(interactions|webhooks)\//.test(path);
    if (!interactionRoute && req.headers.authorization !== `Bot ${this.botToken}`) {
      call.status = answer(401, { message: '401: Unauthorized', code: 0 });
      return;
    }
    if (call.problems.length) {
      call.status = answer(400, {
        message: 'Invalid Form Body',
        code: 50035,
        errors: { _errors: call.problems.map((m) => ({ code: 'INVALID', message: m })) },
      });
      return;
    }
    for (const [key, seconds] of this.rateLimitNext) {
      const [m, prefix] = key.split(' ');
      if (m === method && path.startsWith(prefix!)) {
        this.rateLimitNext.delete(key);
        call.status = answer(
          429,
          { message: 'You are being rate limited.', retry_after: seconds, global: false },
          {
            'retry-after': String(seconds),
            'x-ratelimit-limit': '5',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset-after': String(seconds),
            'x-ratelimit-bucket': 'fakebucket',
            'x-ratelimit-scope': 'user',
          },
        );
        return;
      }
    }
    const r = this.route(method, path, body as Record<string, unknown> | undefined);
    call.status = answer(r.status, r.body);
  }

  private route(method: string, path: string, body: Record<string, unknown> | undefined): { status: number; body?: unknown } {
    const seg = path.split('/').filter(Boolean);
    const missingPermissions = { status: 403, body: { message: 'Missing Permissions', code: 50013 } };
    if (method === 'GET' && path === '/gateway/bot') {
      return {
        status: 200,
        body: {
          url: `${this.url.replace('http', 'ws')}/gateway`,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14400000, max_concurrency: 1 },
        },
      };
    }
    if (method === 'GET' && path === '/users/@me') return { status: 200, body: this.botUser() };
    if (method === 'POST' && path === '/users/@me/channels') {
      const id = this.dmOf(String(body!.recipient_id));
      return { status: 200, body: this.channelPayload(this.channels.get(id)!) };
    }
    if (seg[0] === 'applications' && method === 'PUT') {
      this.commands.push({ scope: seg[2] === 'guilds' ? `guild:${seg[3]}` : 'global', body });
      return {
        status: 200,
        body: (body as unknown as Record<string, unknown>[]).map((c) => ({
          ...c,
          id: this.snowflake(),
          application_id: APPLICATION_ID,
          version: this.snowflake(),
        })),
      };
    }
    if (seg[0] === 'channels') {
      const ch = this.channels.get(seg[1]!);
      if (!ch) return { status: 404, body: { message: 'Unknown Channel', code: 10003 } };
      if (this.forbidden.has(ch.id)) return missingPermissions;
      if (seg.length === 2 && method === 'GET') return { status: 200, body: this.channelPayload(ch) };
      if (seg.length === 2 && method === 'PATCH') {
        if ('archived' in body!) ch.archived = Boolean(body!.archived);
        return { status: 200, body: this.channelPayload(ch) };
      }
      const archived = { status: 400, body: { message: 'Thread is archived', code: 50083 } };
      if (seg[2] === 'messages' && seg.length === 3 && method === 'POST' && ch.type === 1 && this.closedDms.has(ch.recipientId!)) {
        return { status: 403, body: { message: 'Cannot send messages to this user', code: 50007 } };
      }
      if (seg[2] === 'messages' && seg.length === 3 && method === 'POST') {
        // Sending a message to an archived thread unarchives it (Discord does so when the thread is not locked).
        ch.archived = false;
        // enforce_nonce: the message already created with this nonce (Discord keeps them a few minutes) is returned.
        const nonce = body!.enforce_nonce && body!.nonce !== undefined ? String(body!.nonce) : undefined;
        const earlier = nonce ? this.messages.find((x) => x.channelId === ch.id && x.nonce === nonce) : undefined;
        if (earlier) return { status: 200, body: this.messagePayload(earlier) };
        const m = this.store(ch.id, body!);
        if (nonce) m.nonce = nonce;
        return { status: 200, body: this.messagePayload(m) };
      }
      if (seg[2] === 'messages' && seg.length === 4 && method === 'GET') {
        // A person's message: its attachments with freshly signed URLs (what Discord advises fetching for a valid one).
        const own = this.userMessages.get(seg[3]!);
        const bots = own ? undefined : this.message(seg[3]!);
        if ((own && (own.deleted || own.channelId !== ch.id)) || (!own && (!bots || bots.deleted || bots.channelId !== ch.id))) {
          return { status: 404, body: { message: 'Unknown Message', code: 10008 } };
        }
        const payload = own ? this.userMessagePayload(own) : this.messagePayload(bots!);
        this.payloadProblems.push(...responseProblems('GET', path, 200, payload));
        return { status: 200, body: payload };
      }
      if (seg[2] === 'messages' && seg.length === 4 && method === 'PATCH') {
        const m = this.message(seg[3]!);
        if (!m || m.channelId !== ch.id || m.deleted) return { status: 404, body: { message: 'Unknown Message', code: 10008 } };
        if (ch.archived) return archived;
        this.edit(m, body!);
        return { status: 200, body: this.messagePayload(m) };
      }
      if (seg[2] === 'threads' && seg.length === 3 && method === 'POST') {
        const t = this.addChannel({
          id: this.snowflake(),
          type: Number(body!.type ?? 11),
          name: String(body!.name),
          guildId: ch.guildId!,
          parentId: ch.id,
          members: [BOT_USER_ID],
        });
        this.dispatch('THREAD_CREATE', { ...this.channelPayload(t), newly_created: true });
        return { status: 201, body: this.channelPayload(t) };
      }
      if (seg[2] === 'thread-members' && method === 'PUT') {
        ch.members.add(seg[3]!);
        return { status: 204 };
      }
      if (seg[2] === 'users' && seg[5] === 'private') return { status: 200, body: { threads: [], members: [], has_more: false } };
    }
    if (seg[0] === 'guilds' && seg[2] === 'threads' && seg[3] === 'active') {
      const threads = [...this.channels.values()].filter((c) => c.guildId === seg[1] && (c.type === 11 || c.type === 12));
      return { status: 200, body: { threads: threads.map((t) => this.channelPayload(t)), members: [] } };
    }
    if (seg[0] === 'interactions' && seg[3] === 'callback') return this.callback(seg[1]!, seg[2]!, body!);
    if (seg[0] === 'webhooks' && seg[1] === APPLICATION_ID) {
      const rec = [...this.interactions.values()].find((i) => i.token === seg[2]);
      if (!rec) return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
      if (seg.length === 3 && method === 'POST') {
        const m = this.store(rec.channelId, body!, rec.userId);
        return { status: 200, body: this.messagePayload(m) };
      }
      if (seg[3] === 'messages' && seg[4] === '@original') {
        const m = rec.originalMessageId ? this.message(rec.originalMessageId) : rec.messageId ? this.message(rec.messageId) : undefined;
        if (!m) return { status: 404, body: { message: 'Unknown Message', code: 10008 } };
        if (method === 'DELETE') {
          m.deleted = true;
          return { status: 204 };
        }
        if (method === 'PATCH') {
          this.edit(m, body!);
          return { status: 200, body: this.messagePayload(m) };
        }
      }
    }
    return { status: 404, body: { message: '404: Not Found', code: 0 } };
  }

  private callback(id: string, token: string, body: Record<string, unknown>): { status: number; body?: unknown } {
    const rec = this.interactions.get(id);
    if (!rec || rec.token !== token) return { status: 404, body: { message: 'Unknown interaction', code: 10062 } };
    rec.callbacks += 1;
    if (this.expireNextInteraction) {
      this.expireNextInteraction = false;
      return { status: 404, body: { message: 'Unknown interaction', code: 10062 } };
    }
    if (rec.response) return { status: 400, body: { message: 'Interaction has already been acknowledged.', code: 40060 } };
    const type = Number(body.type);
    const data = body.data as Record<string, unknown> | undefined;
    rec.response = { type, at: performance.now(), ...(data ? { data } : {}) };
    if (type === 4 || type === 5) {
      const ephemeral = (Number(data?.flags ?? 0) & 64) !== 0;
      const m = this.store(rec.channelId, data ?? { content: '' }, ephemeral ? rec.userId : undefined);
      rec.originalMessageId = m.id;
    } else if (type === 7 && rec.messageId) {
      this.edit(this.message(rec.messageId)!, data ?? {});
    } else if (type === 9) {
      this.modals.push({
        interactionId: rec.id,
        userId: rec.userId,
        channelId: rec.channelId,
        ...(rec.messageId ? { messageId: rec.messageId } : {}),
        data: data as OpenedModal['data'],
      });
    }
    for (const w of rec.waiters.splice(0)) w(rec.response);
    return { status: 204 };
  }

  /** A message as if the bot had posted it earlier (benchmarks: a card to click on). */
  seedMessage(channelId: string, body: Record<string, unknown>): FakeMessage {
    return this.store(channelId, body);
  }

  private store(channelId: string, body: Record<string, unknown>, visibleToIfEphemeral?: string): FakeMessage {
    const flags = Number(body.flags ?? 0);
    const m: FakeMessage = {
      id: this.snowflake(),
      channelId,
      content: String(body.content ?? ''),
      embeds: (body.embeds as Record<string, unknown>[]) ?? [],
      components: (body.components as Record<string, unknown>[]) ?? [],
      flags,
      history: [],
      deleted: false,
      ...((flags & 64) !== 0 && visibleToIfEphemeral ? { visibleTo: visibleToIfEphemeral } : {}),
    };
    this.messages.push(m);
    return m;
  }

  private edit(m: FakeMessage, body: Record<string, unknown>): void {
    m.history.push({ content: m.content, embeds: m.embeds, components: m.components });
    if ('content' in body) m.content = String(body.content ?? '');
    if ('embeds' in body) m.embeds = (body.embeds as Record<string, unknown>[]) ?? [];
    if ('components' in body) m.components = (body.components as Record<string, unknown>[]) ?? [];
  }
}

/**
 * Limits from Discord's reference that the OpenAPI file does not state: at most 5 action rows of classic components
 * per message, custom_ids unique within a message, 6000 characters across a message's embeds, at most 5 components in a
 * modal, and content within 2000 characters. Buttons: a link button (style 5) has a url (http, https or discord
 * scheme, ≤ 512 characters) and no custom_id; the other styles (1–4) have a custom_id and no url.
 */
export function limitProblems(method: string, path: string, body: unknown): string[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
  const b = body as Record<string, unknown>;
  const payloads: { where: string; p: Record<string, unknown>; modal: boolean }[] = [];
  if (/\/callback$/.test(path) && b.data) payloads.push({ where: 'callback', p: b.data as Record<string, unknown>, modal: b.type === 9 });
  else if (method === 'POST' || method === 'PATCH') payloads.push({ where: 'message', p: b, modal: false });
  const out: string[] = [];
  for (const { where, p, modal } of payloads) {
    const comps = (p.components as Record<string, unknown>[] | undefined) ?? [];
    if (modal && comps.length > 5) out.push(`${where}: a modal holds at most 5 components (got ${comps.length})`);
    if (!modal && comps.length > 5) out.push(`${where}: at most 5 action rows (got ${comps.length})`);
    const ids = new Set<string>();
    const walk = (n: unknown) => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (!n || typeof n !== 'object') return;
      const o = n as Record<string, unknown>;
      if (o.type === 2) {
        const label = String(o.label ?? o.custom_id ?? o.url);
        if (o.style === 5) {
          if (typeof o.url !== 'string' || !/^(https?|discord):\/\/\S+$/.test(o.url))
            out.push(`${where}: link button "${label}" needs an http(s) url`);
          else if (o.url.length > 512) out.push(`${where}: link button "${label}" url longer than 512`);
          if (o.custom_id !== undefined) out.push(`${where}: link button "${label}" cannot have a custom_id`);
        } else if (typeof o.style === 'number' && o.style >= 1 && o.style <= 4) {
          if (typeof o.custom_id !== 'string') out.push(`${where}: button "${label}" (style ${o.style}) needs a custom_id`);
          if (o.url !== undefined) out.push(`${where}: button "${label}" (style ${o.style}) cannot have a url (links are style 5)`);
        }
      }
      if (typeof o.custom_id === 'string') {
        if (ids.has(o.custom_id)) out.push(`${where}: custom_id "${o.custom_id}" is not unique`);
        ids.add(o.custom_id);
      }
      Object.values(o).forEach(walk);
    };
    walk(comps);
    if (typeof p.content === 'string' && [...p.content].length > 2000) out.push(`${where}: content longer than 2000`);
    let total = 0;
    for (const e of (p.embeds as Record<string, unknown>[] | undefined) ?? []) {
      const f = (e.fields as { name: string; value: string }[] | undefined) ?? [];
      total += [e.title, e.description, (e.footer as { text?: string } | undefined)?.text].reduce(
        (n: number, s) => n + (typeof s === 'string' ? [...s].length : 0),
        0,
      );
      total += f.reduce((n, x) => n + [...x.name].length + [...x.value].length, 0);
    }
    if (total > 6000) out.push(`${where}: embeds total ${total} characters (max 6000)`);
  }
  return out;
}
