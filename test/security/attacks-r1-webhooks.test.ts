import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeLinePlatform } from '../fakes/line/platform.js';
import { callbackBody, ev, lineGroupId, lineUserId, postWebhook, redelivered, sign } from '../fakes/line/events.js';
import { settledRowCounts, startCapturedApp, type SecuredApp } from './harness.js';

/**
 * Attack round 1 (docs/security.md), the LINE webhook with a valid signature: what LINE itself (or someone holding a
 * captured request) could send that the fuzz suite does not: the same event twice, a body re-encoded under the old
 * signature, an event from a group no school has bound, and a very long events array.
 */
const LINE_SECRET = '0123456789abcdef0123456789abcdef';
const LINE_TOKEN = 'attack-round-1-channel-access-token-0000';

describe('attack round 1: the LINE webhook', () => {
  let s: SecuredApp;
  let line: FakeLinePlatform;
  const signed = (body: string) => postWebhook(s.app.url, body, sign(body, LINE_SECRET));
  const inboundOf = (eventId: string) => s.app.db.prisma.inboundEvent.count({ where: { eventId } });

  beforeAll(async () => {
    line = await FakeLinePlatform.start(LINE_TOKEN);
    s = await startCapturedApp({
      LINE_CHANNEL_SECRET: LINE_SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: LINE_TOKEN,
      LINE_API_BASE_URL: line.url,
      LINE_API_DATA_URL: line.url,
    });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await line?.close();
  });

  it('the same webhookEventId twice in one callback and again as a redelivery: stored and handled once', async () => {
    const group = lineGroupId('rt-dup');
    const e = ev.text({ group }, lineUserId('rt-dup-user'), '大家早安', line.issueReplyToken(group));
    expect((await signed(callbackBody([e, e]))).status).toBe(200);
    expect((await signed(callbackBody([redelivered(e)]))).status).toBe(200);
    await settledRowCounts(s.app);
    expect(await inboundOf(e.webhookEventId)).toBe(1);
  });

  it('a leak reported in a group no school has bound: no incident, and nothing of the message is said back there', async () => {
    const group = lineGroupId('rt-unknown');
    const before = await settledRowCounts(s.app);
    const text = '成績系統被駭客入侵，學生資料外洩了，家長 A123456789 0912345678';
    const e = ev.text({ group }, lineUserId('rt-stranger'), text, line.issueReplyToken(group));
    expect((await signed(callbackBody([e]))).status).toBe(200);
    const after = await settledRowCounts(s.app);
    expect(after.incident).toBe(before.incident);
    const said = JSON.stringify(line.messagesIn(group).map((d) => d.message));
    for (const secret of ['A123456789', '0912345678', '駭客入侵']) expect(said).not.toContain(secret);
    expect(s.logs.join('\n')).not.toMatch(/A123456789|0912345678/);
  });

  it('a body re-encoded under the signature of its UTF-8 bytes is refused; a BOM before signed JSON is a 400; nothing stored', async () => {
    const group = lineGroupId('rt-encoding');
    const e = ev.text({ group }, lineUserId('rt-encoding-user'), '測試編碼', line.issueReplyToken(group));
    const body = callbackBody([e]);
    const signature = sign(body, LINE_SECRET);
    const before = await settledRowCounts(s.app);
    const escaped = body.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    for (const bytes of [Buffer.from(escaped), Buffer.from(`\ufeff${body}`, 'utf16le'), Buffer.from(body, 'latin1')]) {
      const res = await fetch(`${s.app.url}/webhooks/line`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-16', 'x-line-signature': signature },
        body: bytes,
      });
      expect(res.status).toBe(401);
    }
    const bom = `\ufeff${body}`;
    expect((await postWebhook(s.app.url, bom, sign(bom, LINE_SECRET))).status).toBe(400);
    expect(await settledRowCounts(s.app)).toEqual(before);
  });

  it('a long events array is answered at once and the server keeps answering while it is processed; over the body limit, a 413', async () => {
    const events = Array.from({ length: 300 }, (_, i) => {
      const group = lineGroupId(`rt-flood-${i % 20}`);
      return ev.text({ group }, lineUserId(`rt-flood-${i}`), '午安', line.issueReplyToken(group));
    });
    const body = callbackBody(events);
    let started = Date.now();
    expect((await signed(body)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await s.app.db.prisma.inboundEvent.count({ where: { eventId: { in: events.map((e) => e.webhookEventId) } } })).toBe(300);
    // While the 300 events are being handled (on this same thread with the embedded database), the server answers.
    started = Date.now();
    expect((await fetch(`${s.app.url}/healthz`)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    const pending = await s.app.db.prisma.inboundEvent.count({ where: { status: { in: ['pending', 'processing'] } } });
    expect(pending).toBeGreaterThan(0); // the answer above came while the drain was still going
    const more = Array.from({ length: 1200 }, (_, i) =>
      ev.text({ group: lineGroupId('rt-over') }, lineUserId(`rt-over-${i}`), '午安', `t${i}`),
    );
    const over = await signed(callbackBody(more));
    expect(over.status).toBe(413);
    expect(await s.app.db.prisma.inboundEvent.count({ where: { eventId: { in: more.map((e) => e.webhookEventId) } } })).toBe(0);
  }, 120_000);
});
