import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messagingOperation, messagingSchema, problems as schemaProblems, validateSend } from './spec.js';

/**
 * A local stand-in for the LINE platform (api.line.me): the real SDK client is pointed at it (LINE_API_BASE_URL).
 * Every request is recorded and its body checked against LINE's OpenAPI file plus the documented limits; an invalid
 * request is answered 400 like LINE would and listed by `invalidRequests()`, so a test can fail on it.
 * Reply tokens are single-use; push retry keys are remembered for 24 hours (a second push with the same key within
 * that window gets 409 with the x-line-accepted-request-id of the first, as on LINE). Rich menus (create, image,
 * default, list, delete) and the monthly quota and consumption are kept like LINE keeps them.
 * The content of messages people sent (`contents`: images and files) is served on a second address, `dataUrl`, as
 * LINE serves it from api-data.line.me: the bytes with their Content-Type and Content-Length, 404 once deleted.
 */
export interface RecordedRequest {
  /** Which of LINE's hosts it came to: api.line.me (`url`) or api-data.line.me (`dataUrl`). */
  host: 'api' | 'data';
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
  /** Accepted retry keys: when, and the request id LINE gave the accepted request. */
  private readonly retryKeys = new Map<string, { at: number; requestId: string }>();
  /** How long LINE remembers a retry key. */
  retryKeyWindowMs = 24 * 3600_000;
  /** The fake's clock (tests move it to step past the retry-key window). */
  now: () => number = () => Date.now();
  /** Monthly target limit (GET /v2/bot/message/quota); null = no limit ("none"). */
  quota: number | null = 1000;
  /** Messages sent this month (GET /v2/bot/message/quota/consumption); each accepted push adds one. */
  consumption = 0;
  readonly richMenus = new Map<
    string,
    { menu: Record<string, unknown>; image: { contentType: string; bytes: Buffer; width: number; height: number } | null }
  >();
  defaultRichMenuId: string | null = null;
  /** Content of the messages people sent (by message id), as LINE keeps it; delete one to make it expire. */
  readonly contents = new Map<string, { bytes: Buffer; contentType: string }>();
  /** How many content bytes the client actually took per message (less than the file when it closed the stream). */
  readonly contentBytesSent = new Map<string, number>();
  /** Serve content without Content-Length (chunked), as for content whose size is not known up front. */
  contentWithoutLength = false;
  private server!: Server;
  private dataServer!: Server;
  url = '';
  /** The stand-in for https://api-data.line.me (LINE_API_DATA_URL). */
  dataUrl = '';

  private constructor(readonly channelAccessToken: string) {}

  static async start(channelAccessToken: string): Promise<FakeLinePlatform> {
    const fake = new FakeLinePlatform(channelAccessToken);
    fake.server = createServer((req, res) => void fake.handle(req, res, 'api'));
    fake.dataServer = createServer((req, res) => void fake.handle(req, res, 'data'));
    for (const s of [fake.server, fake.dataServer]) await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    fake.dataUrl = `http://127.0.0.1:${(fake.dataServer.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    for (const s of [this.server, this.dataServer]) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }

  /** Requests for the content of one message (GET …/message/{id}/content), whatever their answer. */
  contentRequests(messageId?: string): RecordedRequest[] {
    return this.requests.filter(
      (r) => /^\/v2\/bot\/message\/[^/]+\/content$/.test(r.path) && (messageId === undefined || r.path.split('/')[4] === messageId),
    );
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

  private async handle(req: IncomingMessage, res: ServerResponse, host: 'api' | 'data'): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    const contentType = String(req.headers['content-type'] ?? '');
    const isJson = contentType === '' || contentType.startsWith('application/json');
    const raw = isJson ? bytes.toString('utf8') : '';
    let body: unknown = isJson ? undefined : bytes;
    const rec: RecordedRequest = {
      host,
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0]!,
      headers: req.headers,
      body,
      status: 200,
      problems: [],
    };
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
      if (rec.problems.length)
        return answer(400, { message: 'The request body has errors', details: rec.problems.map((p) => ({ message: p })) });
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
      if (rec.problems.length)
        return answer(400, { message: 'The request body has errors', details: rec.problems.map((p) => ({ message: p })) });
      const known = typeof key === 'string' ? this.retryKeys.get(key) : undefined;
      if (known && this.now() - known.at < this.retryKeyWindowMs) {
        return answer(
          409,
          { message: 'The retry key is already accepted', sentMessages: [] },
          { 'x-line-accepted-request-id': known.requestId },
        );
      }
      const requestId = randomUUID();
      if (typeof key === 'string') this.retryKeys.set(key, { at: this.now(), requestId });
      this.consumption += 1;
      const b = body as { to: string; messages: Record<string, unknown>[] };
      for (const m of b.messages)
        this.delivered.push({ chatId: b.to, via: 'push', message: m, ...(typeof key === 'string' ? { retryKey: key } : {}) });
      if (this.loseNextPushResponse) {
        this.loseNextPushResponse = false;
        return answer(500, { message: 'Internal error' });
      }
      return answer(200, { sentMessages: b.messages.map(() => ({ id: randomUUID() })) }, { 'x-line-request-id': requestId });
    }
    const content = /^GET \/v2\/bot\/message\/([^/]+)\/content$/.exec(route);
    if (content) return this.serveContent(rec, res, decodeURIComponent(content[1]!), bytes.length);
    if (route === 'GET /v2/bot/message/quota') {
      return answer(200, this.quota === null ? { type: 'none' } : { type: 'limited', value: this.quota });
    }
    if (route === 'GET /v2/bot/message/quota/consumption') return answer(200, { totalUsage: this.consumption });
    const menu = this.richMenuRoute(rec, body, contentType);
    if (menu) return answer(menu.status, menu.json);
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

  /**
   * GET /v2/bot/message/{messageId}/content (operation getMessageContent of messaging-api.yml): served only on the
   * host the description names (api-data.line.me), no request body, the bytes as they were sent with their type, in
   * chunks (the client must read a stream); 404 when LINE no longer has them.
   */
  private serveContent(rec: RecordedRequest, res: ServerResponse, messageId: string, bodyBytes: number): void {
    const op = messagingOperation('GET', '/v2/bot/message/{messageId}/content');
    const dataHost = op.servers.some((s) => s.includes('api-data.line.me'));
    if (dataHost && rec.host !== 'data') rec.problems.push(`${op.operationId} is served by ${op.servers.join(', ')}, not api.line.me`);
    if (bodyBytes > 0) rec.problems.push(`${op.operationId} takes no request body`);
    if (rec.problems.length) {
      rec.status = 404;
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ message: 'Not found' }));
    }
    const held = this.contents.get(messageId);
    if (!held) {
      rec.status = 404;
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ message: 'Not found' }));
    }
    rec.status = 200;
    res.writeHead(200, {
      'content-type': held.contentType,
      ...(this.contentWithoutLength ? {} : { 'content-length': String(held.bytes.length) }),
    });
    const CHUNK = 64 * 1024;
    let at = 0;
    let closed = false;
    // Paced by the client: the next chunk is written only when the previous one was taken (socket drained).
    const pump = () => {
      while (!closed && at < held.bytes.length) {
        const piece = held.bytes.subarray(at, at + CHUNK);
        at += piece.length;
        this.contentBytesSent.set(messageId, at);
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      if (!closed) res.end();
    };
    res.on('close', () => (closed = true));
    pump();
  }

  /** Rich menu endpoints (api.line.me and api-data.line.me share the fake). Null when the route is not one of them. */
  private richMenuRoute(rec: RecordedRequest, body: unknown, contentType: string): { status: number; json: unknown } | null {
    const route = `${rec.method} ${rec.path}`;
    const bad = (list: string[]) => {
      rec.problems.push(...list);
      return { status: 400, json: { message: 'The request body has errors', details: list.map((p) => ({ message: p })) } };
    };
    if (route === 'POST /v2/bot/richmenu') {
      const v = messagingSchema('RichMenuRequest');
      const list = v(body) ? [] : schemaProblems(v);
      list.push(...richMenuLimitProblems(body as Record<string, unknown>));
      if (list.length) return bad(list);
      const id = `richmenu-${randomUUID().replace(/-/g, '')}`;
      this.richMenus.set(id, { menu: body as Record<string, unknown>, image: null });
      return { status: 200, json: { richMenuId: id } };
    }
    if (route === 'GET /v2/bot/richmenu/list') {
      return { status: 200, json: { richmenus: [...this.richMenus].map(([richMenuId, r]) => ({ richMenuId, ...r.menu })) } };
    }
    if (route === 'GET /v2/bot/user/all/richmenu') {
      return this.defaultRichMenuId
        ? { status: 200, json: { richMenuId: this.defaultRichMenuId } }
        : { status: 404, json: { message: 'no default rich menu' } };
    }
    let m = /^POST \/v2\/bot\/richmenu\/([^/]+)\/content$/.exec(route);
    if (m) {
      const r = this.richMenus.get(m[1]!);
      if (!r) return { status: 404, json: { message: 'Not found' } };
      if (r.image) return bad(['An image has already been uploaded to the rich menu']);
      const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
      const list: string[] = [];
      if (contentType !== 'image/png' && contentType !== 'image/jpeg')
        list.push(`content-type ${contentType || '(none)'} is not image/png or image/jpeg`);
      if (bytes.length > 1024 * 1024) list.push(`image is ${bytes.length} bytes (max 1 MB)`);
      const dims = pngSize(bytes);
      if (contentType === 'image/png' && !dims) list.push('body is not a PNG image');
      const size = r.menu.size as { width: number; height: number };
      if (dims && (dims.width !== size.width || dims.height !== size.height)) {
        list.push(`image is ${dims.width}x${dims.height}, the rich menu is ${size.width}x${size.height}`);
      }
      if (list.length) return bad(list);
      r.image = { contentType, bytes, width: dims?.width ?? 0, height: dims?.height ?? 0 };
      return { status: 200, json: {} };
    }
    m = /^POST \/v2\/bot\/user\/all\/richmenu\/([^/]+)$/.exec(route);
    if (m) {
      const r = this.richMenus.get(m[1]!);
      if (!r) return { status: 404, json: { message: 'Not found' } };
      if (!r.image) return bad(['Must upload richmenu image before applying it to user']);
      this.defaultRichMenuId = m[1]!;
      return { status: 200, json: {} };
    }
    m = /^DELETE \/v2\/bot\/richmenu\/([^/]+)$/.exec(route);
    if (m) {
      if (!this.richMenus.delete(m[1]!)) return { status: 404, json: { message: 'Not found' } };
      if (this.defaultRichMenuId === m[1]) this.defaultRichMenuId = null;
      return { status: 200, json: {} };
    }
    return null;
  }
}

/** Width and height from a PNG's IHDR chunk, or null when the bytes are not a PNG. */
export function pngSize(bytes: Buffer): { width: number; height: number } | null {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(sig) || bytes.toString('ascii', 12, 16) !== 'IHDR') return null;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Rich menu limits from the LINE reference that the OpenAPI file does not state. */
export function richMenuLimitProblems(menu: Record<string, unknown>): string[] {
  const out: string[] = [];
  const size = menu?.size as { width?: number; height?: number } | undefined;
  for (const k of ['size', 'selected', 'name', 'chatBarText', 'areas']) if (!(k in (menu ?? {}))) out.push(`/${k} is required`);
  if (size?.width !== undefined && size.height !== undefined) {
    if (size.width < 800 || size.width > 2500) out.push(`/size/width ${size.width} is not between 800 and 2500`);
    if (size.height < 250) out.push(`/size/height ${size.height} is below 250`);
    if (size.width / size.height < 1.45) out.push('/size aspect ratio (width/height) is below 1.45');
  }
  const areas = Array.isArray(menu?.areas) ? (menu.areas as { bounds?: Record<string, number>; action?: Record<string, unknown> }[]) : [];
  if (areas.length > 20) out.push(`/areas has ${areas.length} areas (max 20)`);
  areas.forEach((a, i) => {
    const b = a.bounds;
    if (!b || !a.action) {
      out.push(`/areas/${i} needs bounds and action`);
      return;
    }
    if (size?.width && size.height && (b.x! + b.width! > size.width || b.y! + b.height! > size.height))
      out.push(`/areas/${i}/bounds outside the menu`);
    const label = a.action.label;
    if (typeof label === 'string' && [...label].length > 20) out.push(`/areas/${i}/action/label longer than 20`);
    if (a.action.type === 'postback' && typeof a.action.data === 'string' && a.action.data.length > 300)
      out.push(`/areas/${i}/action/data longer than 300`);
    if (a.action.type === 'message' && typeof a.action.text === 'string' && [...a.action.text].length > 300)
      out.push(`/areas/${i}/action/text longer than 300`);
  });
  return out;
}
