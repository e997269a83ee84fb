import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateSend } from './spec.js';

/**
 * A local stand-in for the LINE platform (api.line.me): the real SDK client is pointed at it (LINE_API_BASE_URL).
 * Every request is recorded and its body checked against LINE's OpenAPI file plus the documented limits; an invalid
 * request is answered 400 like LINE would and listed by `invalidRequests()`, so a test can fail on it.
 * Reply tokens are single-use; push retry keys are remembered (a second push with the same key gets 409, as on LINE).
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  status: number;
  problems: string[];
}

export interface DeliveredMessage {
  chatId: string;
  via: 'reply' | 'push';
  message: Record<string, unknown>;
  retryKey?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class FakeLinePlatform {
  readonly requests: RecordedRequest[] = [];
  readonly delivered: DeliveredMessage[] = [];
  readonly friends = new Map<string, string>();
  readonly groups = new Map<string, string>();
  /** The next push is accepted (delivered, its key remembered) but answered 500, as when a response is lost. */
  loseNextPushResponse = false;
  private readonly replyTokens = new Map<string, { chatId: string; used: boolean }>();
  private readonly retryKeys = new Set<string>();
  private server!: Server;
  url = '';

  private constructor(readonly channelAccessToken: string) {}

  static async start(channelAccessToken: string): Promise<FakeLinePlatform> {
    const fake = new FakeLinePlatform(channelAccessToken);
    fake.server = createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A reply token for an event coming from this chat (group, room or user id). */
  issueReplyToken(chatId: string): string {
    const token = randomUUID().replace(/-/g, '');
    this.replyTokens.set(token, { chatId, used: false });
    return token;
  }

  invalidRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.problems.length > 0);
  }

  messagesIn(chatId: string): DeliveredMessage[] {
    return this.delivered.filter((d) => d.chatId === chatId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    const rec: RecordedRequest = { method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, headers: req.headers, body, status: 200, problems: [] };
    this.requests.push(rec);
    const answer = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(json));
    };
    if (req.headers.authorization !== `Bearer ${this.channelAccessToken}`) {
      rec.problems.push('missing or wrong channel access token');
      return answer(401, { message: 'Authentication failed. Confirm that the access token in the authorization header is valid.' });
    }
    if (raw) {
      try {
        body = JSON.parse(raw);
        rec.body = body;
      } catch {
        rec.problems.push('body is not JSON');
        return answer(400, { message: 'The request body could not be parsed as JSON' });
      }
    }
    const route = `${rec.method} ${rec.path}`;
    if (route === 'POST /v2/bot/message/reply') {
      rec.problems.push(...validateSend('ReplyMessageRequest', body));
      if (rec.problems.length) return answer(400, { message: 'The request body has errors', details: rec.problems.map((p) => ({ message: p })) });
      const b = body as { replyToken: string; messages: Record<string, unknown>[] };
      const token = this.replyTokens.get(b.replyToken);
      if (!token || token.used) return answer(400, { message: 'Invalid reply token' });
      token.used = true;
      for (const m of b.messages) this.delivered.push({ chatId: token.chatId, via: 'reply', message: m });
      return answer(200, { sentMessages: b.messages.map(() => ({ id: randomUUID() })) });
    }
    if (route === 'POST /v2/bot/message/push') {
      rec.problems.push(...validateSend('PushMessageRequest', body));
      const key = req.headers['x-line-retry-key'];
      if (key !== undefined && (typeof key !== 'string' || !UUID.test(key))) rec.problems.push('X-Line-Retry-Key is not a UUID');
      if (rec.problems.length) return answer(400, { message: 'The request body has errors', details: rec.problems.map((p) => ({ message: p })) });
      if (typeof key === 'string' && this.retryKeys.has(key)) {
        return answer(409, { message: 'The retry key is already accepted' }, { 'x-line-accepted-request-id': randomUUID() });
      }
      if (typeof key === 'string') this.retryKeys.add(key);
      const b = body as { to: string; messages: Record<string, unknown>[] };
      for (const m of b.messages) this.delivered.push({ chatId: b.to, via: 'push', message: m, ...(typeof key === 'string' ? { retryKey: key } : {}) });
      if (this.loseNextPushResponse) {
        this.loseNextPushResponse = false;
        return answer(500, { message: 'Internal error' });
      }
      return answer(200, { sentMessages: b.messages.map(() => ({ id: randomUUID() })) });
    }
    let m = /^GET \/v2\/bot\/profile\/([^/]+)$/.exec(route);
    if (m) {
      const name = this.friends.get(m[1]!);
      return name ? answer(200, { userId: m[1], displayName: name }) : answer(404, { message: 'Not found' });
    }
    m = /^GET \/v2\/bot\/group\/([^/]+)\/summary$/.exec(route);
    if (m) {
      const name = this.groups.get(m[1]!);
      return name ? answer(200, { groupId: m[1], groupName: name }) : answer(404, { message: 'Not found' });
    }
    rec.problems.push(`unexpected endpoint ${route}`);
    return answer(404, { message: 'Not found' });
  }
}
