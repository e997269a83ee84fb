import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type {
  AdapterCapabilities,
  AdapterWording,
  ConversationAddress,
  FileReference,
  InboundEvent,
  IncomingFile,
  OutboundMessage,
  PlatformUser,
} from '../../src/ports/chat-model.js';
import { LocalUploads } from './uploads.js';
import { maskPersonalData } from '../../src/core/privacy/mask.js';
import { chatTextProblem, formValueProblem, MAX_TEXT_LENGTH, textLength } from '../../src/core/conversation/limits.js';
import { schoolOnRecord } from '../../src/core/people/on-record.js';
import type { FieldCipher } from '../../src/core/privacy/cipher.js';
import type { InboundSink, PlatformAdapter } from '../../src/ports/chat.js';
import { ROLE_LABELS } from '../../src/core/roles.js';
import { PROJECT_ROOT } from '../../src/core/data/root.js';
import type { Logger } from '../../src/ports/logger.js';
import { BOT_NAME } from '../../src/core/bot-name.js';
import type { LocalMessageRecord, LocalUserRecord, RepositoryHub } from '../../src/ports/repositories/index.js';

/**
 * The local chat adapter: a chat page and a JSON API (docs/local-api.md) served by the product itself, so anyone can
 * try the bot without a chat-platform account, and tests and scripts can drive it. Conversations are the local rows
 * of `conversation`; messages are kept (encrypted) in `local_message`.
 */
export const LOCAL_PLATFORM = 'local';
/** The bot's name on the page and as the sender of its messages: the product's one name (src/core/bot-name.ts). */
export { BOT_NAME };
const RESPONSE_ROLES = ['contactWindow', 'principal', 'auditor', 'it', 'dataManager'];
const PUBLIC_DIR = join(PROJECT_ROOT, 'adapters', 'local', 'public');

export interface LocalMessageView {
  id: string;
  conversationId: string;
  sender: { kind: 'user' | 'bot'; name: string; userId?: string };
  at: string;
  editedAt?: string;
  body: OutboundMessage;
}

interface Collector {
  replies: LocalMessageView[];
}

export class LocalAdapter implements PlatformAdapter {
  readonly platform = LOCAL_PLATFORM;
  readonly capabilities: AdapterCapabilities;
  private readonly baseCapabilities: AdapterCapabilities = {
    maxFormFields: 20,
    editMessages: true,
    maxButtonsPerRow: 3,
    maxActionLength: 100,
    quickReplies: true,
  };
  readonly wording: AdapterWording = { reachPrivately: '在本機聊天頁左側打開與小幫手的私訊' };
  private readonly collector = new AsyncLocalStorage<Collector>();
  /** Files uploaded on the page and not yet filed or declined (memory only). */
  readonly uploads = new LocalUploads();

  constructor(
    /**
     * The page's messages, people and conversations (localChat), the school on record (schools), and transactions for
     * keyed sends (the message and its key in the outbound ledger, outbound_message, written together).
     */
    private readonly repos: Pick<RepositoryHub, 'schools' | 'localChat' | 'transaction'>,
    private readonly cipher: FieldCipher,
    _log: Logger,
    /** The largest upload taken (the evidence locker's limit, EVIDENCE_MAX_MB). */
    private readonly maxUploadBytes = 25 * 1024 * 1024,
    /** The product's HTTP server: the page and /local/api/* are registered on it when the adapter is attached. */
    private readonly http?: FastifyInstance,
    /**
     * LOCAL_CHAT_FORMS=steps: the page asks forms one question at a time as LINE does (no forms), so the demo shows
     * LINE's way and its 「在網頁填寫」 (web forms from chat, docs/console.md).
     */
    opts: { askStepByStep?: boolean } = {},
  ) {
    this.capabilities = { ...this.baseCapabilities, ...(opts.askStepByStep ? { maxFormFields: 0 } : {}) };
  }

  /** Connects the page's API to the inbound pipeline (each request is handled while it waits, so it gets the replies). */
  attach(inbound: InboundSink): void {
    if (this.http) this.routes(this.http, inbound);
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  /** Every request is answered once handled: nothing is left in hand. */
  async idle(): Promise<void> {}

  async fetchFile(file: FileReference): Promise<IncomingFile> {
    return this.uploads.take(file);
  }

  async releaseFile(file: FileReference): Promise<void> {
    this.uploads.release(file);
  }

  async send(to: ConversationAddress, message: OutboundMessage, opts: { idempotencyKey?: string } = {}): Promise<{ messageId: string }> {
    const newMessage = {
      conversationId: to.externalId,
      senderKind: 'bot' as const,
      senderName: BOT_NAME,
      bodyEnc: this.cipher.encrypt(JSON.stringify(message), `local:${to.externalId}`),
    };
    let row: LocalMessageRecord;
    if (opts.idempotencyKey) {
      // A reminder that may be sent again (after a crash, or by another instance): the key is claimed in the one
      // outbound ledger, the message inserted and its id recorded in ONE transaction. A second sender's claim waits for
      // the first transaction and then reads the recorded id; a crash rolls the claim back (no stale claim to wait for).
      const key = `local:${opts.idempotencyKey}`;
      const sent = await this.repos.transaction(async (tx) => {
        if (!(await tx.outbound.claim(key, LOCAL_PLATFORM, to.externalId, new Date()))) {
          const earlier = await tx.outbound.find(key);
          if (!earlier?.messageId) throw new Error(`outbound_message ${key.slice(0, 18)}… claimed without a message id`);
          return { repeated: earlier.messageId };
        }
        const added = await tx.localChat.add(newMessage);
        await tx.outbound.record(key, String(added.id));
        return { added };
      });
      if (!sent.added) return { messageId: sent.repeated };
      row = sent.added;
    } else {
      row = await this.repos.localChat.add(newMessage);
    }
    this.collector.getStore()?.replies.push(this.view(row, message));
    return { messageId: String(row.id) };
  }

  async update(to: ConversationAddress, messageId: string, message: OutboundMessage): Promise<void> {
    const row = await this.repos.localChat.edit(
      BigInt(messageId),
      this.cipher.encrypt(JSON.stringify(message), `local:${to.externalId}`),
      new Date(),
    );
    this.collector.getStore()?.replies.push(this.view(row, message));
  }

  async directConversation(user: PlatformUser): Promise<ConversationAddress | null> {
    const id = `dm:${user.externalId}`;
    const conv = await this.repos.localChat.conversation(LOCAL_PLATFORM, id);
    return { platform: LOCAL_PLATFORM, externalId: id, kind: 'direct', ...(conv?.title ? { title: conv.title } : {}) };
  }

  private view(row: Omit<LocalMessageRecord, 'bodyEnc'>, body: OutboundMessage, userId?: string): LocalMessageView {
    return {
      id: String(row.id),
      conversationId: row.conversationId,
      sender: {
        kind: row.senderKind === 'user' ? 'user' : 'bot',
        name: row.senderKind === 'user' ? row.senderName : BOT_NAME,
        ...(userId ? { userId } : {}),
      },
      at: row.createdAt.toISOString(),
      ...(row.editedAt ? { editedAt: row.editedAt.toISOString() } : {}),
      body,
    };
  }

  // ------------------------------------------------------------------ HTTP

  /** Registers the chat page and /local/api/* on the product's server. */
  private routes(app: FastifyInstance, inbound: InboundSink): void {
    const files = new Map(readdirSync(PUBLIC_DIR).map((f) => [f, join(PUBLIC_DIR, f)]));
    const types: Record<string, string> = {
      '.html': 'text/html; charset=utf-8',
      '.js': 'text/javascript; charset=utf-8',
      '.css': 'text/css; charset=utf-8',
      '.png': 'image/png',
      '.svg': 'image/svg+xml',
    };
    // The page carries the bot's one name (src/core/bot-name.ts) in place of {{botName}}.
    const page = (name: string, body: Buffer) =>
      name.endsWith('.html') ? body.toString('utf8').split('{{botName}}').join(BOT_NAME) : body;
    const serve = (name: string, reply: FastifyReply) => {
      const path = files.get(name);
      if (!path) return reply.code(404).send({ error: '找不到這個頁面。' });
      return reply
        .header('content-type', types[extname(name)] ?? 'application/octet-stream')
        .header('cache-control', 'no-cache')
        .header(
          'content-security-policy',
          "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        )
        .send(page(name, readFileSync(path)));
    };
    app.get('/', (_req, reply) => serve('index.html', reply));
    app.get<{ Params: { file: string } }>('/static/:file', (req, reply) => serve(req.params.file, reply));

    app.get('/local/api/state', async () => this.state());

    app.get<{ Params: { id: string }; Querystring: { as?: string } }>('/local/api/conversations/:id/messages', async (req, reply) => {
      const access = await this.access(req.params.id, req.query.as);
      if ('error' in access) return reply.code(access.code).send(access.error);
      const rows = await this.repos.localChat.latest(req.params.id, 300);
      const names = await this.userIndex();
      return {
        messages: rows.map((r) =>
          this.view(
            r,
            JSON.parse(this.cipher.decrypt(r.bodyEnc, `local:${r.conversationId}`)) as OutboundMessage,
            r.senderKind === 'user' ? names.byName.get(r.senderName) : undefined,
          ),
        ),
      };
    });

    const post = <S extends z.ZodType>(
      path: string,
      schema: S,
      toEvent: (body: z.output<S>, base: EventBase, schoolId: string) => Promise<{ event: InboundEvent; posted?: LocalMessageView }>,
    ) =>
      app.post<{ Params: { id: string } }>(`/local/api/conversations/:id/${path}`, async (req, reply) => {
        const parsed = schema.safeParse(req.body);
        if (!parsed.success) {
          return reply.code(400).send({
            error: '送出的內容格式不正確。',
            detail: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          });
        }
        const body = parsed.data as z.output<S> & { as: string };
        const access = await this.access(req.params.id, body.as);
        if ('error' in access) return reply.code(access.code).send(access.error);
        const base: EventBase = {
          eventId: randomUUID(),
          conversation: access.address,
          user: { platform: LOCAL_PLATFORM, externalId: body.as, displayName: access.userName },
          at: new Date(),
        };
        const collector: Collector = { replies: [] };
        let made: Awaited<ReturnType<typeof toEvent>>;
        try {
          made = await toEvent(body, base, access.schoolId);
        } catch (err) {
          if (err instanceof LocalRequestError) return reply.code(400).send({ error: err.message, detail: err.detail });
          throw err;
        }
        const { event, posted } = made;
        await this.collector.run(collector, () => inbound.handle(event));
        return { ok: true, ...(posted ? { posted } : {}), replies: collector.replies };
      });

    // A file from the page's 📎 button: the raw bytes as the body, the name in the query. Held in memory (uploads.ts)
    // and offered as evidence by the core; the chat shows only that a file was sent, with its name masked.
    app.register(async (scope) => {
      scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: this.maxUploadBytes }, (_req, body, done) =>
        done(null, body),
      );
      scope.setErrorHandler((err: { code?: string; statusCode?: number; message: string }, _req, reply) => {
        if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
          const mb = Math.floor(this.maxUploadBytes / 1024 / 1024);
          return reply.code(413).send({
            error: `檔案超過 ${mb} MB，無法存證。請壓縮或分成幾個檔案再傳一次。`,
            detail: `upload is over ${this.maxUploadBytes} bytes`,
          });
        }
        if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
          return reply.code(415).send({ error: '送出的檔案格式不正確。', detail: 'send the file as application/octet-stream' });
        }
        throw err;
      });
      scope.post<{ Params: { id: string }; Querystring: { as?: string; name?: string } }>(
        '/local/api/conversations/:id/files',
        async (req, reply) => {
          const access = await this.access(req.params.id, req.query.as);
          if ('error' in access) return reply.code(access.code).send(access.error);
          const bytes = req.body as Buffer;
          if (!Buffer.isBuffer(bytes) || bytes.length === 0)
            return reply.code(400).send({ error: '這個檔案是空的，沒有送出。', detail: 'empty upload' });
          const fileName =
            String(req.query.name ?? '')
              .normalize('NFC')
              .replace(/[\u0000-\u001f/\\]/g, '_')
              .slice(0, 200) || '檔案';
          const as = req.query.as as string;
          const file = this.uploads.hold(bytes, fileName);
          const shown = `📎 ${maskPersonalData(fileName).text}`;
          const row = await this.repos.localChat.add({
            conversationId: access.address.externalId,
            senderKind: 'user',
            senderName: access.userName,
            bodyEnc: this.cipher.encrypt(JSON.stringify({ type: 'text', text: shown }), `local:${access.address.externalId}`),
          });
          const event: InboundEvent = {
            eventId: randomUUID(),
            conversation: access.address,
            user: { platform: LOCAL_PLATFORM, externalId: as, displayName: access.userName },
            at: new Date(),
            type: 'file',
            file,
            messageId: String(row.id),
          };
          const collector: Collector = { replies: [] };
          await this.collector.run(collector, () => inbound.handle(event));
          return { ok: true, posted: this.view(row, { type: 'text', text: shown }, as), replies: collector.replies };
        },
      );
    });

    // Empty and too-long texts get their own zh-TW answer (the core's limit), checked before anything is stored.
    post('messages', z.object({ as: z.string().min(1), text: z.string() }), async (body, base, schoolId) => {
      const problem = chatTextProblem(body.text);
      if (problem) {
        const n = textLength(body.text);
        throw new LocalRequestError(
          problem.message,
          problem.kind === 'empty' ? 'text is empty' : `text has ${n} characters; the limit is ${MAX_TEXT_LENGTH}`,
        );
      }
      // What the person typed is stored masked: leaked data pasted into chat never reaches the database.
      const masked = maskPersonalData(body.text, { keep: await schoolOnRecord(this.repos, schoolId) });
      const row = await this.repos.localChat.add({
        conversationId: base.conversation.externalId,
        senderKind: 'user',
        senderName: base.user.displayName ?? body.as,
        bodyEnc: this.cipher.encrypt(JSON.stringify({ type: 'text', text: masked.text }), `local:${base.conversation.externalId}`),
      });
      const posted = this.view(row, { type: 'text', text: masked.text }, body.as);
      return { event: { ...base, type: 'message', text: body.text }, posted };
    });
    post(
      'actions',
      z.object({ as: z.string().min(1), action: z.string().min(1).max(200), messageId: z.string().optional() }),
      async (body, base) => ({
        event: { ...base, type: 'action', action: body.action, ...(body.messageId ? { messageId: body.messageId } : {}) },
      }),
    );
    post(
      'forms',
      z.object({
        as: z.string().min(1),
        formId: z.string().min(1).max(200),
        values: z.record(z.string(), z.union([z.string(), z.array(z.string().max(200)).max(100)])),
      }),
      async (body, base) => {
        const tooLong = formValueProblem(body.values);
        if (tooLong) throw new LocalRequestError(tooLong, `a form value is over ${MAX_TEXT_LENGTH} characters`);
        return { event: { ...base, type: 'form', formId: body.formId, values: body.values } };
      },
    );
  }

  private async userIndex() {
    const users = await this.repos.localChat.users(LOCAL_PLATFORM);
    return { users, byName: new Map(users.map((u) => [u.displayName, u.externalId])) };
  }

  async state() {
    const { users: accounts } = await this.userIndex();
    const convs = await this.repos.localChat.conversations(LOCAL_PLATFORM);
    const school = accounts[0] ? await this.repos.schools.find(accounts[0].schoolId) : null;
    const users = accounts.map((u: LocalUserRecord) => ({ id: u.externalId, name: u.displayName, roles: u.roles, unit: u.unit }));
    return {
      school: school ? { id: school.id, name: school.name, demo: school.isDemo } : null,
      botName: BOT_NAME,
      roleLabels: ROLE_LABELS,
      /** The page stops a text over this before sending and shows a counter near it (the core's limit). */
      limits: { maxTextLength: MAX_TEXT_LENGTH, maxUploadBytes: this.maxUploadBytes },
      users,
      conversations: convs.map((c) => ({
        id: c.externalId,
        title: c.title ?? c.externalId,
        kind: c.kind,
        purpose: c.purpose,
        members: users.filter((u) => this.isMember(c, u)).map((u) => u.id),
      })),
    };
  }

  private isMember(c: { kind: string; purpose: string; externalId: string }, u: { id: string; roles: string[] }): boolean {
    if (c.kind === 'direct') return c.externalId === `dm:${u.id}`;
    if (c.purpose === 'response') return u.roles.some((r) => RESPONSE_ROLES.includes(r));
    return true;
  }

  private async access(
    conversationId: string,
    as: unknown,
  ): Promise<
    { address: ConversationAddress; userName: string; schoolId: string } | { code: number; error: { error: string; detail: string } }
  > {
    // A repeated parameter (?as=a&as=b) arrives as an array: one identity, or none.
    if (Array.isArray(as)) return { code: 400, error: { error: '只能選擇一個身分。', detail: 'query parameter "as" must be given once' } };
    if (typeof as !== 'string' || !as)
      return {
        code: 400,
        error: { error: '請先選擇您的身分。', detail: 'query parameter or body field "as" (a user id from /local/api/state) is required' },
      };
    const identity = await this.repos.localChat.user(LOCAL_PLATFORM, as);
    if (!identity) return { code: 404, error: { error: '找不到這位使用者。', detail: `unknown user "${as}"` } };
    const conv = await this.repos.localChat.conversation(LOCAL_PLATFORM, conversationId);
    if (!conv) return { code: 404, error: { error: '找不到這個對話。', detail: `unknown conversation "${conversationId}"` } };
    if (!this.isMember(conv, { id: as, roles: identity.roles })) {
      return { code: 403, error: { error: '您不是這個對話的成員。', detail: `user "${as}" is not a member of "${conversationId}"` } };
    }
    return {
      address: {
        platform: LOCAL_PLATFORM,
        externalId: conv.externalId,
        kind: conv.kind as 'group' | 'direct',
        ...(conv.title ? { title: conv.title } : {}),
      },
      userName: identity.displayName,
      schoolId: identity.schoolId,
    };
  }
}

type EventBase = Pick<InboundEvent, 'eventId' | 'conversation' | 'user' | 'at'>;

/** A request the person must change (zh-TW `message`), answered 400 before anything is stored or handled. */
class LocalRequestError extends Error {
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
  }
}
