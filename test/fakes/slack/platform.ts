import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeSocketMode } from './socket.js';
import { FakeSlackFiles } from './files.js';
import { blockProblems, homeViewProblems, methodProblems, responseProblems, viewProblems } from './spec.js';

/**
 * A local stand-in for the Slack Web API (https://slack.com/api/): Bolt's WebClient is pointed at it (SLACK_API_URL).
 * Every call is recorded and checked against Slack's OpenAPI file and the Block Kit limits; an invalid call is answered
 * like Slack would ({ ok: false, error: 'invalid_arguments' | 'invalid_blocks' }) and listed by `invalidCalls()`.
 * Trigger ids are issued by the fake, single-use and valid 3 seconds, like Slack's.
 */
export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  status: number;
  problems: string[];
  /** The Slack error answered (ok: false), if any. */
  error?: string;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: Record<string, unknown>[];
  /** Earlier versions, oldest first, when chat.update replaced it. */
  history: {
    text: string;
    blocks?: Record<string, unknown>[];
  }[] /** Set for chat.postEphemeral: the only user who sees it (Slack does not keep it in the channel). */;
  onlyFor?: string;
}

export interface OpenedView {
  id: string;
  hash: string;
  triggerId: string;
  view: Record<string, unknown>;
}

export interface FakeChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  topic: string;
  members: Set<string>;
}

export interface PublishedView {
  userId: string;
  view: Record<string, unknown>;
}

export const BOT_USER_ID = 'UBOT00000';
export const TEAM_ID = 'T0SCHOOL1';
const TRIGGER_TTL_MS = 3000;

export class FakeSlackApi {
  readonly calls: RecordedCall[] = [];
  readonly messages: PostedMessage[] = [];
  readonly views: OpenedView[] = [];
  readonly archived = new Set<string>();
  /** Users conversations.open gives no channel for (the bot cannot write to them privately). */
  readonly noDm = new Set<string>();
  /** Channels created with conversations.create (by id); `channelNames` also holds names taken by others. */
  readonly channels = new Map<string, FakeChannel>();
  readonly channelNames = new Set<string>();
  /** Users conversations.invite answers user_not_found for (e.g. deactivated accounts). */
  readonly unknownUsers = new Set<string>();
  /** Home tabs published with views.publish, in order. */
  readonly published: PublishedView[] = [];
  /** method → Retry-After seconds: the next call of that method is answered 429 once. */
  readonly rateLimitNext = new Map<string, number>();
  /** method → Retry-After seconds: every call of that method is answered 429 (until deleted). */
  readonly rateLimitAlways = new Map<string, number>();
  /** method → a Slack error (and the missing scope, for missing_scope) answered to every call of it until deleted. */
  readonly refuse = new Map<string, { error: string; needed?: string }>();
  /** method → milliseconds the fake waits before answering (widens races in multi-instance tests). */
  readonly latency = new Map<string, number>();
  /** Files people shared, served at their private URLs with the bot token only (files.ts). */
  readonly files: FakeSlackFiles;
  private readonly triggers = new Map<string, { at: number; used: boolean }>();
  private seq = 0;
  private server!: Server;
  url = '';

  /** Socket Mode: the app-level token apps.connections.open accepts, and the fake socket server it hands out. */
  appToken: string | null = null;
  socket: FakeSocketMode | null = null;

  private constructor(readonly botToken: string) {
    this.files = new FakeSlackFiles(TEAM_ID, () => this.botToken);
  }

  static async start(botToken: string): Promise<FakeSlackApi> {
    const fake = new FakeSlackApi(botToken);
    fake.server = createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/api/`;
    fake.files.origin = new URL(fake.url).origin;
    return fake;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  issueTrigger(): string {
    this.seq += 1;
    const id = `${this.seq}.${Date.now()}.${createHash('sha256').update(String(this.seq)).digest('hex').slice(0, 32)}`;
    this.triggers.set(id, { at: Date.now(), used: false });
    return id;
  }

  dmOf(userId: string): string {
    return `D${createHash('sha256').update(userId).digest('hex').slice(0, 8).toUpperCase()}`;
  }

  invalidCalls(): RecordedCall[] {
    return this.calls.filter((c) => c.problems.length > 0);
  }

  messagesIn(channel: string): PostedMessage[] {
    return this.messages.filter((m) => m.channel === channel);
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A file's private URL (and the sign-in page a refused download is sent to) is not a Web API method.
    if (!(req.url ?? '').startsWith('/api/') && (await this.files.serve(req, res))) return;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = (req.url ?? '').split('?')[0]!.replace(/^\/api\//, '');
    const type = String(req.headers['content-type'] ?? '');
    let params: Record<string, unknown> = {};
    if (type.includes('application/json') && raw) params = JSON.parse(raw) as Record<string, unknown>;
    else params = Object.fromEntries(new URLSearchParams(raw || (req.url ?? '').split('?')[1] || ''));
    const rec: RecordedCall = { method, params, status: 200, problems: [] };
    this.calls.push(rec);
    const answer = (status: number, json: Record<string, unknown>, headers: Record<string, string> = {}) => {
      rec.status = status;
      if (json.ok === false) rec.error = String(json.error);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(json));
    };
    if (method === 'apps.connections.open') {
      // Socket Mode (not in the OpenAPI file, which predates it): app-level token, no parameters.
      if (!this.socket || !this.appToken || req.headers.authorization !== `Bearer ${this.appToken}`) {
        rec.problems.push('apps.connections.open needs the app-level token (xapp-…)');
        return answer(200, { ok: false, error: 'invalid_auth' });
      }
      if (Object.keys(params).filter((k) => k !== 'token').length) rec.problems.push('apps.connections.open takes no parameters');
      return answer(200, { ok: true, url: this.socket.openUrl() });
    }
    if (req.headers.authorization !== `Bearer ${this.botToken}`) {
      rec.problems.push('missing or wrong bot token');
      return answer(200, { ok: false, error: 'invalid_auth' });
    }
    const delay = this.latency.get(method);
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const limited = this.rateLimitNext.get(method) ?? this.rateLimitAlways.get(method);
    if (limited !== undefined) {
      this.rateLimitNext.delete(method);
      return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limited) });
    }
    const refusal = this.refuse.get(method);
    if (refusal)
      return answer(200, {
        ok: false,
        error: refusal.error,
        ...(refusal.needed ? { needed: refusal.needed, provided: 'chat:write,commands' } : {}),
      });
    rec.problems.push(...methodProblems(method, params));
    const json = (name: string): unknown => {
      const v = params[name];
      if (typeof v !== 'string') return v;
      try {
        return JSON.parse(v);
      } catch {
        rec.problems.push(`${name} is not JSON`);
        return undefined;
      }
    };
    if (method === 'chat.postMessage' || method === 'chat.update') {
      const blocks = params.blocks !== undefined ? (json('blocks') as Record<string, unknown>[]) : undefined;
      if (blocks) rec.problems.push(...blockProblems(blocks, 'message'));
      if (typeof params.text !== 'string' || params.text === '')
        rec.problems.push(`${method}: text (the notification fallback) is missing`);
      if (rec.problems.length)
        return answer(200, { ok: false, error: blocks ? 'invalid_blocks' : 'invalid_arguments', errors: rec.problems });
      const channel = String(params.channel);
      if (this.archived.has(channel)) return answer(200, { ok: false, error: 'is_archived' });
      if (method === 'chat.postMessage') {
        this.seq += 1;
        const ts = `${Math.floor(Date.now() / 1000)}.${String(this.seq).padStart(6, '0')}`;
        this.messages.push({ channel, ts, text: String(params.text), ...(blocks ? { blocks } : {}), history: [] });
        return answer(200, { ok: true, channel, ts });
      }
      const m = this.messages.find((x) => x.channel === channel && x.ts === params.ts);
      if (!m) return answer(200, { ok: false, error: 'message_not_found' });
      m.history.push({ text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}) });
      m.text = String(params.text);
      if (blocks) m.blocks = blocks;
      return answer(200, { ok: true, channel, ts: m.ts });
    }
    if (method === 'chat.postEphemeral') {
      const blocks = params.blocks !== undefined ? (json('blocks') as Record<string, unknown>[]) : undefined;
      if (blocks) rec.problems.push(...blockProblems(blocks, 'message'));
      if (rec.problems.length)
        return answer(200, { ok: false, error: blocks ? 'invalid_blocks' : 'invalid_arguments', errors: rec.problems });
      this.seq += 1;
      const ts = `${Math.floor(Date.now() / 1000)}.${String(this.seq).padStart(6, '0')}`;
      this.messages.push({
        channel: String(params.channel),
        ts,
        text: String(params.text ?? ''),
        ...(blocks ? { blocks } : {}),
        history: [],
        onlyFor: String(params.user),
      });
      return answer(200, { ok: true, message_ts: ts });
    }
    if (method === 'views.open') {
      const view = json('view') as Record<string, unknown>;
      rec.problems.push(...viewProblems(view));
      if (rec.problems.length) return answer(200, { ok: false, error: 'invalid_arguments', errors: rec.problems });
      const trigger = this.triggers.get(String(params.trigger_id));
      if (!trigger) return answer(200, { ok: false, error: 'invalid_trigger_id' });
      if (trigger.used) return answer(200, { ok: false, error: 'exchanged_trigger_id' });
      if (Date.now() - trigger.at > TRIGGER_TTL_MS) return answer(200, { ok: false, error: 'expired_trigger_id' });
      trigger.used = true;
      this.seq += 1;
      const opened: OpenedView = {
        id: `V${String(this.seq).padStart(8, '0')}`,
        hash: `h${this.seq}`,
        triggerId: String(params.trigger_id),
        view,
      };
      this.views.push(opened);
      return answer(200, { ok: true, view: { id: opened.id, hash: opened.hash, ...view } });
    }
    if (method === 'conversations.open') {
      if (rec.problems.length) return answer(200, { ok: false, error: 'invalid_arguments' });
      if (this.noDm.has(String(params.users))) return answer(200, { ok: true, no_op: true });
      return answer(200, { ok: true, channel: { id: this.dmOf(String(params.users)) } });
    }
    if (method === 'conversations.create') {
      if (rec.problems.length) return answer(200, { ok: false, error: 'invalid_arguments' });
      const name = String(params.name ?? '');
      if (!/^[a-z0-9_-]{1,80}$/.test(name)) {
        rec.problems.push(`conversations.create: name "${name}" has characters Slack does not allow`);
        return answer(200, { ok: false, error: 'invalid_name_specials' });
      }
      if (this.channelNames.has(name)) return answer(200, { ok: false, error: 'name_taken' });
      this.seq += 1;
      const isPrivate = params.is_private === true || params.is_private === 'true';
      const ch: FakeChannel = {
        id: `${isPrivate ? 'G' : 'C'}0ROOM${String(this.seq).padStart(4, '0')}`,
        name,
        isPrivate,
        topic: '',
        members: new Set([BOT_USER_ID]),
      };
      this.channels.set(ch.id, ch);
      this.channelNames.add(name);
      return answer(200, {
        ok: true,
        channel: {
          id: ch.id,
          name,
          is_private: isPrivate,
          is_channel: !isPrivate,
          is_group: isPrivate,
          created: Math.floor(Date.now() / 1000),
        },
      });
    }
    if (method === 'conversations.invite' || method === 'conversations.setTopic') {
      if (rec.problems.length) return answer(200, { ok: false, error: 'invalid_arguments' });
      const ch = this.channels.get(String(params.channel));
      if (!ch) return answer(200, { ok: false, error: 'channel_not_found' });
      if (this.archived.has(ch.id)) return answer(200, { ok: false, error: 'is_archived' });
      if (method === 'conversations.setTopic') {
        if ([...String(params.topic ?? '')].length > 250) rec.problems.push('conversations.setTopic: topic longer than 250 characters');
        ch.topic = String(params.topic ?? '');
        return answer(200, { ok: true, channel: { id: ch.id, topic: { value: ch.topic } } });
      }
      const users = String(params.users ?? '')
        .split(',')
        .filter(Boolean);
      if (users.length === 0) return answer(200, { ok: false, error: 'no_user' });
      if (users.includes(BOT_USER_ID)) return answer(200, { ok: false, error: 'cant_invite_self' });
      const unknown = users.find((u) => this.unknownUsers.has(u));
      if (unknown) return answer(200, { ok: false, error: 'user_not_found' });
      if (users.every((u) => ch.members.has(u))) return answer(200, { ok: false, error: 'already_in_channel' });
      for (const u of users) ch.members.add(u);
      return answer(200, { ok: true, channel: { id: ch.id, name: ch.name } });
    }
    if (method === 'views.publish') {
      const view = json('view') as Record<string, unknown>;
      rec.problems.push(...homeViewProblems(view));
      if (rec.problems.length) return answer(200, { ok: false, error: 'invalid_arguments', errors: rec.problems });
      this.published.push({ userId: String(params.user_id), view });
      return answer(200, { ok: true, view: { id: `VH${this.published.length}`, ...view } });
    }
    if (method === 'files.info') {
      if (rec.problems.length) return answer(200, { ok: false, error: 'invalid_arguments' });
      const json = this.files.info(String(params.file ?? ''));
      // The answer itself must be what Slack's description says files.info returns.
      if (json.ok) rec.problems.push(...responseProblems(method, json));
      return answer(200, json);
    }
    if (method === 'auth.test') {
      return answer(200, {
        ok: true,
        url: 'https://school.slack.com/',
        team: '示範國中',
        user: 'pdi-bot',
        team_id: TEAM_ID,
        user_id: BOT_USER_ID,
        bot_id: 'BBOT00000',
      });
    }
    rec.problems.push(`unexpected method ${method}`);
    return answer(200, { ok: false, error: 'unknown_method' });
  }
}
