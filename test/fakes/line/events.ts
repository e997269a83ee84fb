import { createHash, createHmac, randomBytes } from 'node:crypto';
import { problems, webhookSchema } from './spec.js';

/**
 * Webhook events shaped like test/fakes/specs/line/webhook.yml (each callback is validated against it before it is
 * sent, so a test cannot feed the bot something LINE would never send) and signed like LINE signs them.
 */
export const BOT_DESTINATION = `U${'b'.repeat(32)}`;

const hex32 = (seed: string) => createHash('sha256').update(seed).digest('hex').slice(0, 32);
export const lineUserId = (seed: string) => `U${hex32(`user:${seed}`)}`;
export const lineGroupId = (seed: string) => `C${hex32(`group:${seed}`)}`;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** A ULID, as LINE's webhookEventId. */
export function ulid(now = Date.now()): string {
  let time = '';
  for (let t = now, i = 0; i < 10; i += 1, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  return time + [...randomBytes(16)].map((b) => CROCKFORD[b % 32]).join('');
}

export type Where = { group: string } | { user: string };

type LineEvent = Record<string, unknown> & { webhookEventId: string };

function base(type: string, where: Where, userId: string | undefined, extra: Record<string, unknown>): LineEvent {
  const source =
    'group' in where ? { type: 'group', groupId: where.group, ...(userId ? { userId } : {}) } : { type: 'user', userId: where.user };
  return {
    type,
    mode: 'active',
    timestamp: Date.now(),
    webhookEventId: ulid(),
    deliveryContext: { isRedelivery: false },
    source,
    ...extra,
  };
}

export const ev = {
  text: (where: Where, from: string, text: string, replyToken: string): LineEvent =>
    base('message', where, from, { replyToken, message: { type: 'text', id: String(Date.now()), text, quoteToken: `q${Date.now()}` } }),
  sticker: (where: Where, from: string, replyToken: string): LineEvent =>
    base('message', where, from, {
      replyToken,
      message: {
        type: 'sticker',
        id: String(Date.now()),
        packageId: '446',
        stickerId: '1988',
        stickerResourceType: 'STATIC',
        quoteToken: 'q',
      },
    }),
  /** An image sent from the LINE app (content held by LINE: fetched with GET api-data…/message/{id}/content). */
  image: (where: Where, from: string, messageId: string, replyToken: string): LineEvent =>
    base('message', where, from, {
      replyToken,
      message: { type: 'image', id: messageId, contentProvider: { type: 'line' }, quoteToken: `q${messageId}` },
    }),
  /** An image whose bytes LINE does not hold (sent through LIFF with its own URLs). */
  externalImage: (where: Where, from: string, messageId: string, replyToken: string): LineEvent =>
    base('message', where, from, {
      replyToken,
      message: {
        type: 'image',
        id: messageId,
        contentProvider: {
          type: 'external',
          originalContentUrl: 'https://img.example/a.jpg',
          previewImageUrl: 'https://img.example/a-s.jpg',
        },
        quoteToken: `q${messageId}`,
      },
    }),
  /** A file (PDF, eml, zip…) sent from the LINE app, with the name and size LINE reports. */
  file: (where: Where, from: string, messageId: string, fileName: string, fileSize: number, replyToken: string): LineEvent =>
    base('message', where, from, { replyToken, message: { type: 'file', id: messageId, fileName, fileSize } }),
  postback: (where: Where, from: string, data: string, replyToken: string): LineEvent =>
    base('postback', where, from, { replyToken, postback: { data } }),
  follow: (user: string, replyToken: string): LineEvent => base('follow', { user }, user, { replyToken, follow: { isUnblocked: false } }),
  unfollow: (user: string): LineEvent => base('unfollow', { user }, user, {}),
  join: (group: string, replyToken: string): LineEvent => base('join', { group }, undefined, { replyToken }),
  leave: (group: string): LineEvent => base('leave', { group }, undefined, {}),
};

/** The same event as LINE redelivers it (same webhookEventId). */
export function redelivered(e: LineEvent): LineEvent {
  return { ...e, deliveryContext: { isRedelivery: true } };
}

export function callbackBody(events: LineEvent[]): string {
  const body = { destination: BOT_DESTINATION, events };
  const v = webhookSchema('CallbackRequest');
  if (!v(body)) throw new Error(`Test built a webhook LINE would never send: ${problems(v).join('; ')}`);
  return JSON.stringify(body);
}

export function sign(body: string, channelSecret: string): string {
  return createHmac('sha256', channelSecret).update(body).digest('base64');
}

export async function postWebhook(url: string, body: string, signature: string | null): Promise<Response> {
  return fetch(`${url}/webhooks/line`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature !== null ? { 'x-line-signature': signature } : {}) },
    body,
  });
}
