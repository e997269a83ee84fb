import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackBody, ev, postWebhook, redelivered, sign } from '../../fakes/line/events.js';
import { LINE_SECRET, lineGroupId, seedLineIdentities, startLineTestApp, texts, uid, type LineTestApp } from '../../fakes/line/harness.js';

/** The webhook: signature, acknowledgement, durable inbox, redeliveries, reply tokens and retry keys. */
describe('LINE webhook', () => {
  let h: LineTestApp;
  const group = lineGroupId('webhook-staff');
  beforeAll(async () => {
    h = await startLineTestApp();
    await seedLineIdentities(h.t.app.db.prisma, ['demo-teacher', 'demo-window']);
    h.fake.groups.set(group, '示範國中 教職員');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('introduces itself in zh-TW when added to a group, with the reply token (free)', async () => {
    const out = await h.send([ev.join(group, h.fake.issueReplyToken(group))]);
    expect(out).toHaveLength(1);
    expect(out[0]!.via).toBe('reply');
    expect(out[0]!.chatId).toBe(group);
    expect(out[0]!.message.text).toContain('個資事件應變小幫手');
    expect(out[0]!.message.text).toContain('綁定群組');
    const conv = await h.t.app.db.prisma.conversation.findUniqueOrThrow({
      where: { platform_externalId: { platform: 'line', externalId: group } },
    });
    expect(conv.title).toBe('示範國中 教職員');
    expect(conv.schoolId).toBeNull();
    expect(h.fake.invalidRequests()).toEqual([]);
  });

  it('rejects a wrong or missing signature with 401 and does nothing', async () => {
    const requestsBefore = h.fake.requests.length;
    const rowsBefore = await h.t.app.db.prisma.inboundEvent.count({ where: { platform: 'line' } });
    const body = callbackBody([
      ev.text({ group }, uid('demo-teacher'), '我寄錯信了，把全班成績單寄給所有家長', h.fake.issueReplyToken(group)),
    ]);
    const wrong = await postWebhook(h.t.url, body, sign(body, 'ffffffffffffffffffffffffffffffff'));
    expect(wrong.status).toBe(401);
    const missing = await postWebhook(h.t.url, body, null);
    expect(missing.status).toBe(401);
    const tampered = await postWebhook(h.t.url, body.replace('成績單', '通訊錄'), sign(body, LINE_SECRET));
    expect(tampered.status).toBe(401);
    await h.t.app.line!.idle();
    expect(h.fake.requests.length).toBe(requestsBefore);
    expect(await h.t.app.db.prisma.inboundEvent.count({ where: { platform: 'line' } })).toBe(rowsBefore);
  });

  it('ignores a redelivered event (same webhookEventId, isRedelivery)', async () => {
    const e = ev.text({ group }, uid('demo-teacher'), '我寄錯信了，把全班成績單寄給所有家長', h.fake.issueReplyToken(group));
    const first = await h.send([e]);
    expect(texts(first).join('\n')).toContain('要開始通報嗎');
    const again = await h.send([redelivered(e)]);
    expect(again).toEqual([]);
    const processed = await h.t.app.db.prisma.inboundEvent.findUnique({
      where: { platform_eventId: { platform: 'line', eventId: e.webhookEventId } },
    });
    expect(processed?.status).toBe('done');
  });

  it('acknowledges before processing, and an acknowledged event survives a crash (processed at the next start)', async () => {
    h.t.app.line!.hold(); // the process stops handling events, as if it died right after answering LINE
    const e = ev.text({ group }, uid('demo-teacher'), '我寄錯信了，把學生名單寄給廠商', h.fake.issueReplyToken(group));
    const body = callbackBody([e]);
    const res = await postWebhook(h.t.url, body, sign(body, LINE_SECRET));
    expect(res.status).toBe(200);
    const row = await h.t.app.db.prisma.inboundEvent.findUniqueOrThrow({
      where: { platform_eventId: { platform: 'line', eventId: e.webhookEventId } },
    });
    expect(row.status).toBe('pending');
    expect(row.bodyEnc).toMatch(/^enc:v1:/); // the message text is not stored in clear
    const before = h.fake.delivered.length;
    await h.t.restart();
    await h.t.app.line!.idle();
    const out = h.fake.delivered.slice(before);
    expect(texts(out).join('\n')).toContain('要開始通報嗎');
    const done = await h.t.app.db.prisma.inboundEvent.findUniqueOrThrow({
      where: { platform_eventId: { platform: 'line', eventId: e.webhookEventId } },
    });
    expect(done.status).toBe('done');
    expect(done.bodyEnc).toBeNull();
  });

  it('a push whose response was lost is retried with the same X-Line-Retry-Key and delivered once', async () => {
    await h.send([ev.follow(uid('demo-teacher'), h.fake.issueReplyToken(uid('demo-teacher')))]);
    h.fake.loseNextPushResponse = true;
    // Starting a report from the group: the group gets a reply, the private chat gets pushes.
    const offer = await h.say({ group }, 'demo-teacher', '通報');
    const pushes = offer.filter((d) => d.via === 'push');
    expect(pushes.length).toBeGreaterThan(0);
    expect(pushes.every((d) => d.chatId === uid('demo-teacher'))).toBe(true);
    const pushRequests = h.fake.requests.filter((r) => r.path === '/v2/bot/message/push');
    const last = pushRequests.slice(-2);
    expect(last.map((r) => r.status)).toEqual([500, 409]);
    expect(last[0]!.headers['x-line-retry-key']).toBe(last[1]!.headers['x-line-retry-key']);
    const intros = h.fake.messagesIn(uid('demo-teacher')).filter((d) => String(d.message.text).includes('請填寫個資事件通報'));
    expect(intros).toHaveLength(1);
    expect(h.fake.invalidRequests()).toEqual([]);
  });

  // Changed by issue #14: the report used to be asked step by step in the group, where everyone read the answers.
  it('without the bot as a friend, the report is not asked in the group: it says to add the bot as a friend; unfollow and leave are recorded', async () => {
    await h.send([ev.unfollow(uid('demo-teacher'))]);
    const openBefore = await h.t.app.db.prisma.pendingPrompt.count({ where: { status: 'open' } });
    const out = await h.say({ group }, 'demo-teacher', '通報');
    const inGroup = out.filter((d) => d.chatId === group);
    expect(inGroup.every((d) => d.via === 'reply')).toBe(true);
    expect(texts(inGroup).join('\n')).toContain('請先加小幫手為好友');
    expect(texts(out).join('\n')).not.toContain('（1/');
    expect(out.some((d) => d.chatId === uid('demo-teacher'))).toBe(false);
    expect(await h.t.app.db.prisma.pendingPrompt.count({ where: { status: 'open' } })).toBe(openBefore);
    expect((await h.t.app.db.prisma.lineFriend.findUniqueOrThrow({ where: { userId: uid('demo-teacher') } })).following).toBe(false);

    const requestsBefore = h.fake.requests.length;
    expect(await h.send([ev.leave(group)])).toEqual([]);
    expect(h.fake.requests.length).toBe(requestsBefore); // nothing is sent to a group the bot has left
    const conv = await h.t.app.db.prisma.conversation.findUniqueOrThrow({
      where: { platform_externalId: { platform: 'line', externalId: group } },
    });
    expect(conv.purpose).toBe('left');
  });

  it('a message sent with an idempotency key (a reminder retried after a crash) reaches LINE once', async () => {
    const to = { platform: 'line', externalId: uid('demo-window'), kind: 'direct' as const };
    const before = h.fake.messagesIn(uid('demo-window')).length;
    const requests = h.fake.requests.length;
    const first = await h.t.app.line!.send(
      to,
      { type: 'text', text: '提醒：4小時內完成應變措施' },
      { idempotencyKey: 'reminder:inc1:contain-4h' },
    );
    const again = await h.t.app.line!.send(
      to,
      { type: 'text', text: '提醒：4小時內完成應變措施' },
      { idempotencyKey: 'reminder:inc1:contain-4h' },
    );
    expect(h.fake.messagesIn(uid('demo-window')).length - before).toBe(1);
    // The second send finds the key recorded in the outbound ledger: LINE is not called again.
    expect(again.messageId).toBe(first.messageId);
    expect(h.fake.requests.slice(requests).filter((r) => r.path === '/v2/bot/message/push')).toHaveLength(1);
  });

  it('ignores stickers and other non-text messages quietly', async () => {
    expect(await h.send([ev.sticker({ group }, uid('demo-window'), h.fake.issueReplyToken(group))])).toEqual([]);
  });
});

describe('LINE configuration', () => {
  it('needs both the channel secret and the access token, and says which one is missing', async () => {
    const { loadConfig, ConfigError } = await import('../../../src/app/config.js');
    const base = { DATA_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}` };
    expect(() => loadConfig({ ...base, LINE_CHANNEL_SECRET: LINE_SECRET })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, LINE_CHANNEL_SECRET: LINE_SECRET })).toThrow(/LINE_CHANNEL_ACCESS_TOKEN: required/);
    expect(() => loadConfig({ ...base, LINE_CHANNEL_SECRET: 'not-a-secret', LINE_CHANNEL_ACCESS_TOKEN: 'x'.repeat(40) })).toThrow(
      /LINE_CHANNEL_SECRET: must be the 32-character/,
    );
    const ok = loadConfig({ ...base, LINE_CHANNEL_SECRET: LINE_SECRET, LINE_CHANNEL_ACCESS_TOKEN: 'x'.repeat(40) });
    expect(ok.line).toEqual({
      channelSecret: LINE_SECRET,
      channelAccessToken: 'x'.repeat(40),
      apiBaseUrl: 'https://api.line.me',
      dataApiBaseUrl: 'https://api-data.line.me',
      quotaWarnPercent: [80, 95],
      quotaCheckMinutes: 15,
    });
    const tuned = loadConfig({
      ...base,
      LINE_CHANNEL_SECRET: LINE_SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: 'x'.repeat(40),
      LINE_QUOTA_WARN_PERCENT: '95, 70,95',
    });
    expect(tuned.line!.quotaWarnPercent).toEqual([70, 95]);
    expect(() =>
      loadConfig({ ...base, LINE_CHANNEL_SECRET: LINE_SECRET, LINE_CHANNEL_ACCESS_TOKEN: 'x'.repeat(40), LINE_QUOTA_WARN_PERCENT: '80%' }),
    ).toThrow(/LINE_QUOTA_WARN_PERCENT: must be percentages/);
    expect(() =>
      loadConfig({
        ...base,
        LINE_CHANNEL_SECRET: LINE_SECRET,
        LINE_CHANNEL_ACCESS_TOKEN: 'x'.repeat(40),
        LINE_QUOTA_WARN_PERCENT: '0,120',
      }),
    ).toThrow(/LINE_QUOTA_WARN_PERCENT: each percentage/);
    expect(loadConfig(base).line).toBeNull();
  });
});
