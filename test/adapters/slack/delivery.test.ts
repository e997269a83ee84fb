import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackAdapter } from '../../../adapters/slack/index.js';
import { createLogger } from '../../../src/app/logger.js';
import { OutboundLedger } from '../../../src/core/chat/delivery.js';
import { Bot } from '../../../src/core/conversation/bot.js';
import { InboundPipeline } from '../../../src/core/chat/pipeline.js';
import { PrismaInboxStore } from '../../../src/storage/inbox.js';
import { eventEnvelope, slackEvent } from '../../fakes/slack/events.js';
import { SLACK_TOKEN, seedSlackIdentities, slackUser, startSlackTestApp, textOf, type SlackTestApp } from '../../fakes/slack/harness.js';

/**
 * Two instances of the product share one database (production runs several behind a load balancer): a second
 * SlackAdapter with its own Bot, on the same database as the test app's. Idempotency keys and Slack's retried events
 * are claimed in the database (outbound_message, inbound_event), so neither is handled twice by the two.
 */
describe('Slack delivery shared by two instances', () => {
  let h: SlackTestApp;
  let b: SlackAdapter;
  const teacher = slackUser('demo-teacher');
  const channel = 'C0DELIV01';

  beforeAll(async () => {
    h = await startSlackTestApp();
    await seedSlackIdentities(h.t.app.db.prisma, ['demo-teacher']);
    const { deps } = h.t.app;
    b = new SlackAdapter({
      botToken: SLACK_TOKEN,
      signingSecret: null,
      appToken: null,
      apiUrl: h.fake.url,
      repos: deps.repos,
      cipher: deps.cipher,
      log: createLogger({ level: 'silent' }),
    });
    const botB = new Bot(deps);
    botB.register(b);
    b.attach(new InboundPipeline(botB, new PrismaInboxStore(h.t.app.db.prisma), deps.cipher, createLogger({ level: 'silent' })));
  });
  afterAll(async () => {
    await b?.stop();
    await h?.close();
  });

  const a = () => h.t.app.slack!;
  const to = { platform: 'slack', externalId: channel, kind: 'group' as const };
  const posts = (text: string) => h.fake.callsOf('chat.postMessage').filter((c) => c.params.text === text);

  it('the same idempotency key sent by both instances at once is posted once; both get its ts', async () => {
    h.fake.latency.set('chat.postMessage', 150);
    const text = '提醒：3 日內陳報教育局（示範）';
    const results = await Promise.all([
      a().send(to, { type: 'text', text }, { idempotencyKey: 'rem-1' }),
      b.send(to, { type: 'text', text }, { idempotencyKey: 'rem-1' }),
      b.send(to, { type: 'text', text }, { idempotencyKey: 'rem-1' }),
      a().send(to, { type: 'text', text }, { idempotencyKey: 'rem-1' }),
    ]);
    h.fake.latency.delete('chat.postMessage');
    expect(posts(text)).toHaveLength(1);
    expect(new Set(results.map((r) => r.messageId)).size).toBe(1);
    expect(results[0]!.messageId).toBe(h.fake.messagesIn(channel).at(-1)!.ts);
    // Later, e.g. a reminder job retried on the other instance after a crash: still not posted again.
    await b.send(to, { type: 'text', text }, { idempotencyKey: 'rem-1' });
    expect(posts(text)).toHaveLength(1);
    // Without a key, or with another key, it is posted.
    await b.send(to, { type: 'text', text }, { idempotencyKey: 'rem-2' });
    expect(posts(text)).toHaveLength(2);
  });

  it('a send Slack refused releases its key: the retry posts it', async () => {
    const text = '提醒：1 個月內提出結案報告（示範）';
    h.fake.archived.add(channel);
    await expect(a().send(to, { type: 'text', text }, { idempotencyKey: 'rem-3' })).rejects.toThrow(/is_archived/);
    h.fake.archived.delete(channel);
    await b.send(to, { type: 'text', text }, { idempotencyKey: 'rem-3' });
    await a().send(to, { type: 'text', text }, { idempotencyKey: 'rem-3' });
    expect(posts(text).filter((c) => c.error === undefined)).toHaveLength(1);
  });

  it('a claim left by an instance that stopped before posting is taken over once it is stale', async () => {
    const text = '提醒：4 小時內通報個資聯絡窗口（示範）';
    await h.t.app.db.prisma.outboundMessage.create({
      data: { idempotencyKey: 'rem-4', platform: 'slack', conversation: channel, claimedAt: new Date(Date.now() - 5 * 60_000) },
    });
    const r = await b.send(to, { type: 'text', text }, { idempotencyKey: 'rem-4' });
    await a().send(to, { type: 'text', text }, { idempotencyKey: 'rem-4' });
    expect(posts(text)).toHaveLength(1);
    const row = await h.t.app.db.prisma.outboundMessage.findUniqueOrThrow({ where: { idempotencyKey: 'rem-4' } });
    expect(row.messageId).toBe(r.messageId);
  });

  it("old idempotency keys are forgotten, incident rooms' keys are kept", async () => {
    const { prisma } = h.t.app.db;
    const old = new Date(Date.now() - 40 * 86_400_000);
    await prisma.outboundMessage.createMany({
      data: [
        { idempotencyKey: 'old-reminder', platform: 'slack', conversation: channel, messageId: '1.1', claimedAt: old, createdAt: old },
        {
          idempotencyKey: 'room:old-incident',
          platform: 'slack',
          conversation: 'pdi-114-001',
          messageId: 'G0OLD0001',
          claimedAt: old,
          createdAt: old,
        },
      ],
    });
    expect(await new OutboundLedger(h.t.app.db.repos.outbound).forget(30 * 86_400_000, ['room:'])).toBe(1);
    const left = await prisma.outboundMessage.findMany({
      where: { idempotencyKey: { in: ['old-reminder', 'room:old-incident', 'rem-1'] } },
    });
    expect(left.map((r) => r.idempotencyKey).sort()).toEqual(['rem-1', 'room:old-incident']);
  });

  it('Slack retrying an event to the other instance (x-slack-retry-num) is dropped there', async () => {
    const e = eventEnvelope(slackEvent.message(channel, teacher, '我寄錯信了，把全班成績單寄給所有家長'));
    const first = await h.request(e);
    expect(textOf(first.posted[0]!)).toContain('要開始通報嗎');
    const before = h.fake.calls.length;
    let acked = false;
    await b.receive({
      body: JSON.parse(e.body) as Record<string, unknown>,
      retryNum: 1,
      retryReason: 'http_timeout',
      ack: async () => {
        acked = true;
      },
    });
    await b.idle();
    expect(acked).toBe(true);
    expect(h.fake.calls.length).toBe(before);
    const row = await h.t.app.db.prisma.inboundEvent.findUniqueOrThrow({
      where: { platform_eventId: { platform: 'slack', eventId: e.eventId } },
    });
    expect(row.status).toBe('done');
    expect(row.bodyEnc).toBeNull();
  });

  it('an event acknowledged by an instance that stopped before handling it is handled by the next start', async () => {
    const e = eventEnvelope(slackEvent.message(channel, teacher, '我把學生通訊錄寄錯給別班家長了'));
    const { prisma } = h.t.app.db;
    const { cipher } = h.t.app.deps;
    // As left by a crash right after the acknowledgement: stored (encrypted), claimed three minutes ago, not done.
    await prisma.inboundEvent.create({
      data: {
        platform: 'slack',
        eventId: e.eventId,
        bodyEnc: cipher.encrypt(e.body, `inbound-event:slack:${e.eventId}`),
        claimedAt: new Date(Date.now() - 3 * 60_000),
      },
    });
    const stored = await prisma.inboundEvent.findUniqueOrThrow({ where: { platform_eventId: { platform: 'slack', eventId: e.eventId } } });
    expect(stored.bodyEnc).not.toContain('通訊錄');
    const before = h.fake.messages.length;
    await b.start();
    await b.idle();
    const offered = h.fake.messages.slice(before).filter((m) => m.channel === channel);
    expect(offered.map(textOf).join('\n')).toContain('要開始通報嗎');
    const row = await prisma.inboundEvent.findUniqueOrThrow({ where: { platform_eventId: { platform: 'slack', eventId: e.eventId } } });
    expect([row.status, row.attempts, row.bodyEnc]).toEqual(['done', 2, null]);
    // A later retry of it is still dropped.
    const again = h.fake.messages.length;
    await h.request(e, { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_error' });
    expect(h.fake.messages.length).toBe(again);
  });
});
