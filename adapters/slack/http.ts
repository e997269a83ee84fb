import { verifySlackRequest, type ReceiverEvent } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import { JsonTooDeepError, parseJsonBounded, type RejectionLog } from '../../src/web/guards.js';

/**
 * The HTTP transport of the Slack adapter: POST /slack/events on the product's Fastify server, for events,
 * interactivity and slash commands alike. The v0 signature and timestamp are checked on the raw body (Bolt's
 * verifySlackRequest, 5-minute window) before anything is parsed; the verified request goes to `receive` (the adapter's
 * inbox, then Bolt), and Slack gets what the listener acknowledged with, or an empty 200 when none does.
 */
export const SLACK_EVENTS_PATH = '/slack/events';
const SIGNATURE_WINDOW_S = 5 * 60;

export interface SlackHttpDeps {
  signingSecret: string;
  /** Clock for the timestamp check (tests). */
  now?: () => number;
  rejections: () => RejectionLog;
  receive: (ev: ReceiverEvent) => Promise<void>;
}

export function registerSlackRoutes(app: FastifyInstance, d: SlackHttpDeps): void {
  app.register(async (scope) => {
    // The signature covers the exact bytes Slack sent: keep the raw body, parse it only once it is verified.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.post(SLACK_EVENTS_PATH, async (req, reply) => {
      const raw = (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)).toString('utf8');
      const signature = req.headers['x-slack-signature'];
      const timestamp = Number(req.headers['x-slack-request-timestamp']);
      const nowMs = d.now?.() ?? Date.now();
      const reject = (why: string) => {
        d.rejections().reject(why, { ip: req.ip, bytes: raw.length });
        return reply.code(401).send({ error: 'unauthorized', detail: why });
      };
      if (typeof signature !== 'string' || !Number.isFinite(timestamp))
        return reject('x-slack-signature and x-slack-request-timestamp headers are required');
      if (Math.abs(nowMs / 1000 - timestamp) > SIGNATURE_WINDOW_S) {
        return reject(
          'x-slack-request-timestamp is more than 5 minutes from the server clock (a replay, or the server clock is wrong: check NTP)',
        );
      }
      try {
        verifySlackRequest({
          signingSecret: d.signingSecret,
          body: raw,
          headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
          nowMilliseconds: nowMs,
        });
      } catch {
        return reject('x-slack-signature does not match the body (wrong SLACK_SIGNING_SECRET, or not from Slack)');
      }
      let body: Record<string, unknown>;
      try {
        body = parseBody(raw, String(req.headers['content-type'] ?? ''));
      } catch (err) {
        // The parser's message quotes the body (it may hold personal data): only the kind of failure is logged.
        d.rejections().reject(err instanceof JsonTooDeepError ? 'body nested too deep' : 'body not understood');
        return reply
          .code(400)
          .send({ error: 'bad request', detail: 'body must be a Slack event (JSON), interaction (payload=…) or slash command (form)' });
      }
      if (body.type === 'url_verification') return reply.send({ challenge: body.challenge });
      if (body.ssl_check) return reply.send('');
      const retryNum = Number(req.headers['x-slack-retry-num'] ?? 0) || undefined;
      const retryReason = typeof req.headers['x-slack-retry-reason'] === 'string' ? req.headers['x-slack-retry-reason'] : undefined;
      let acked!: (v: unknown) => void;
      const ack = new Promise<unknown>((resolve) => (acked = resolve));
      const work = d.receive({
        body,
        ack: async (r?: unknown) => acked(r),
        ...(retryNum ? { retryNum } : {}),
        ...(retryReason ? { retryReason } : {}),
      });
      // A request no listener acknowledges (an event type not used, a dropped retry) is answered when Bolt is done.
      const response = await Promise.race([ack, work.then(() => undefined)]);
      return reply.code(200).send(response ?? '');
    });
  });
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
