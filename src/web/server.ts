import { createRequire } from 'node:module';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Logger } from '../ports/logger.js';
import { UserError } from '../core/incidents/types.js';
import { isDatabaseDown } from '../storage/errors.js';
import { hostName } from './hosts.js';
import { JsonTooDeepError, parseJsonBounded } from './guards.js';

export interface ServerOptions {
  log: Logger;
  /** Readiness: resolves when the database answers. */
  ready: () => Promise<void>;
  /** Which proxies' X-Forwarded-For is believed (TRUST_PROXY): false = none, the default. */
  trustProxy?: false | number | string;
  /** Host names the local chat page and API answer (DNS rebinding); null = no check (the local chat is off). */
  allowedHosts?: string[] | null;
}

/** The local chat's page and API: checked against the Host allow-list. */
const LOCAL_PATHS = /^\/(?:$|\?|static\/|local\/)/;

/** The policy of every answer that does not set its own: nothing may load, frame or be framed. */
const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The product's HTTP server: health endpoints, the local chat (when on) and, later, the platforms' webhooks.
 * Errors become JSON with a zh-TW `error` for people and an English `detail` for developers; request bodies are never
 * logged (they may hold leaked personal data).
 */
const BODY_LIMIT = 256 * 1024;

/** What was wrong with a request the framework refused, said plainly (the person's text is never echoed). */
function requestErrorText(err: Error & { code?: string }, status: number): string {
  if (status === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return `送出的內容太大了（上限 ${BODY_LIMIT / 1024} KB），沒有處理。請分成幾次送出，或只寫重點。`;
  }
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return '送出的內容是空的，沒有處理。';
  if (status === 415 || err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return '送出的內容格式不支援（請以 JSON 送出）。';
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return '送出的內容不是正確的 JSON 格式，沒有處理。';
  return '送出的內容格式不正確。';
}

/**
 * Fastify requires its JSON-schema compilers (Ajv, fast-json-stringify: ~50–150 ms) when the server is made, though
 * no route of the product declares a schema (bodies are checked with zod). These factories load the same compilers
 * on first use instead, from Fastify's own dependencies, so a route with a schema still works as before.
 */
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'));
type Compilers = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<Compilers['buildValidator']>;
type SerializerFactory = NonNullable<Compilers['buildSerializer']>;
/** A factory that makes the real one on its first call and hands every call to it. */
function lazy<F>(load: () => F): F {
  let real: F | undefined;
  return ((...args: unknown[]) => {
    real ??= load();
    return (real as (...a: unknown[]) => unknown)(...args);
  }) as F;
}
const compilersFactory: Compilers = {
  buildValidator: lazy(() => (fastifyRequire('@fastify/ajv-compiler') as () => ValidatorFactory)()),
  buildSerializer: lazy(() => (fastifyRequire('@fastify/fast-json-stringify-compiler') as () => SerializerFactory)()),
};

export function buildServer(opts: ServerOptions): FastifyInstance {
  const hops = opts.trustProxy;
  // A hop count trusts that many proxies in front of the server, whatever their address.
  const trustProxy = typeof hops === 'number' ? (_address: string, hop: number) => hop < hops : (hops ?? false);
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT, trustProxy, schemaController: { compilersFactory } });
  const allowed = opts.allowedHosts ? new Set(opts.allowedHosts) : null;

  // JSON bodies (the local API) are depth-bounded before parsing; the webhooks parse their raw bodies themselves.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      const text = String(body);
      if (/"(?:__proto__|constructor)"\s*:/.test(text))
        return done(Object.assign(new Error('JSON with __proto__ or constructor keys'), { statusCode: 400 }));
      done(null, text === '' ? undefined : parseJsonBounded(text));
    } catch (err) {
      done(Object.assign(new Error(err instanceof JsonTooDeepError ? err.message : 'body is not valid JSON'), { statusCode: 400 }));
    }
  });

  // DNS rebinding: a web page on another name that resolves to this machine must not reach the local chat.
  app.addHook('onRequest', async (req, reply) => {
    if (!allowed || !LOCAL_PATHS.test(req.url)) return;
    const host = hostName(String(req.headers.host ?? ''));
    if (allowed.has(host)) return;
    opts.log.warn({ host: host.slice(0, 100) }, 'local chat request refused: Host not in ALLOWED_HOSTS');
    return reply
      .code(421)
      .send({ error: '這個網址無法使用本機聊天頁。', detail: 'Host header not allowed (add it to ALLOWED_HOSTS if this name is yours)' });
  });

  // Headers on every answer: no sniffing, no referrer, never framed, nothing cached unless the route allows it.
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', DEFAULT_CSP);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    opts.log.debug(
      { method: req.method, url: req.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'http',
    );
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof UserError) return reply.code(400).send({ error: err.message, detail: 'rejected by a business rule' });
    if (isDatabaseDown(err)) {
      opts.log.error(
        { err: { type: (err as Error).name, message: (err as Error).message }, url: req.routeOptions.url },
        'database unavailable',
      );
      return reply.code(503).header('retry-after', '5').send({
        error: '系統暫時無法連線資料庫，您的操作沒有被記錄，請稍後再試一次。',
        detail: 'database unavailable; nothing was recorded; retry later',
      });
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status).send({ error: requestErrorText(err as Error & { code?: string }, status), detail: (err as Error).message });
    }
    opts.log.error({ err, url: req.routeOptions.url }, 'request failed');
    return reply
      .code(500)
      .send({ error: '系統發生錯誤，您的操作可能沒有完成，請稍後再試或通知系統管理者。', detail: 'internal error (see the server log)' });
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: '找不到這個頁面。', detail: `no route for ${req.method} ${req.url.split('?')[0]}` }),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await opts.ready();
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', detail: 'database not reachable' });
    }
  });
  return app;
}
