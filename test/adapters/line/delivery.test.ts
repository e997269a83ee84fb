import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineAdapter, retryKey, uuidV5 } from '../../../adapters/line/index.js';
import { LineQuotaWatch, quotaMonth } from '../../../adapters/line/quota.js';
import { mentionMessage, toLineMessages } from '../../../adapters/line/render.js';
import { createLogger } from '../../../src/app/logger.js';
import type { IntakeAnswers } from '../../../src/core/incidents/types.js';
import type { Actor } from '../../../src/core/roles.js';
import { validateSend } from '../../fakes/line/spec.js';
import { LINE_TOKEN, lineGroupId, seedLineIdentities, startLineTestApp, uid, type LineTestApp } from '../../fakes/line/harness.js';

/**
 * What the LINE adapter sends on its own initiative: pushes claimed in the outbound ledger under the core's idempotency
 * keys, with retry keys derived from them (a reminder retried by another instance is delivered once), @mentions of
 * responders in groups (textV2, from the job queue's reminders and the new-incident message), and the monthly quota
 * warning to the contact window.
 */
const HOUR = 3600_000;

async function waitFor<T>(
  what: string,
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('LINE pushes: retry keys, @mentions, monthly quota', () => {
  let h: LineTestApp;
  const team = lineGroupId('delivery-response');
  const teacher: Actor = { personId: 'demo-teacher', schoolId: 'demo-school', displayName: '王老師（示範）', roles: ['staff'] };
  const dm = (person: Parameters<typeof uid>[0]) => ({ platform: 'line', externalId: uid(person), kind: 'direct' as const });

  beforeAll(async () => {
    h = await startLineTestApp({ env: { JOBS_POLL_SECONDS: '0.5', LINE_QUOTA_CHECK_MINUTES: '0' } });
    await seedLineIdentities(h.t.app.db.prisma, ['demo-teacher', 'demo-window', 'demo-principal']);
    for (const p of ['demo-teacher', 'demo-window', 'demo-principal'] as const) h.fake.friends.set(uid(p), p);
    // Test data: the response group, bound as 「綁定群組 應變小組」 would (covered in scenario.test.ts).
    await h.t.app.db.prisma.conversation.create({
      data: {
        id: 'line-team',
        platform: 'line',
        externalId: team,
        kind: 'group',
        purpose: 'response',
        title: '個資應變小組',
        schoolId: 'demo-school',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('retry keys are name-based UUIDs (version 5): the same cause always gives the same key, another cause another', () => {
    const k = retryKey('idem:reminder:abc', uid('demo-window'), 0);
    expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(retryKey('idem:reminder:abc', uid('demo-window'), 0)).toBe(k);
    expect(retryKey('idem:reminder:abc', uid('demo-window'), 1)).not.toBe(k);
    expect(retryKey('idem:reminder:abd', uid('demo-window'), 0)).not.toBe(k);
    expect(retryKey('idem:reminder:abc', uid('demo-teacher'), 0)).not.toBe(k);
    // RFC 4122 appendix B test vector for version 5 (DNS namespace, "www.example.com").
    expect(uuidV5('www.example.com', Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex'))).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('a reminder sent again by another instance reaches LINE once: the second gets the recorded id (409 is success)', async () => {
    const other = new LineAdapter({
      channelSecret: '0'.repeat(32),
      channelAccessToken: LINE_TOKEN,
      apiBaseUrl: h.fake.url,
      repos: h.t.app.db.repos,
      cipher: h.t.app.deps.cipher,
      log: createLogger({ level: 'silent' }),
    });
    const prisma = h.t.app.db.prisma;
    const message = { type: 'text' as const, text: '【期限提醒】個資事件 115-900' };
    const key = 'reminder:inc-x:report-window-4h:due|dm:demo-window:line';
    const pushes = () => h.fake.requests.filter((r) => r.path === '/v2/bot/message/push');
    const before = h.fake.messagesIn(uid('demo-window')).length;
    const pushesBefore = pushes().length;
    const first = await h.t.app.line!.send(dm('demo-window'), message, { idempotencyKey: key });
    // The key is claimed in the one outbound ledger and the id LINE gave the message recorded.
    const row = await prisma.outboundMessage.findUnique({ where: { idempotencyKey: `line:${key}` } });
    expect(row).toMatchObject({ platform: 'line', conversation: uid('demo-window'), messageId: first.messageId });
    const second = await other.send(dm('demo-window'), message, { idempotencyKey: key });
    expect(second.messageId).toBe(first.messageId);
    expect(pushes().length - pushesBefore).toBe(1); // the second sender never called LINE
    expect(h.fake.messagesIn(uid('demo-window')).length - before).toBe(1);
    // LINE forgets a retry key after 24 hours; the ledger keeps the key for 30 days: still not sent again.
    const realNow = h.fake.now;
    h.fake.now = () => realNow() + 25 * HOUR;
    try {
      expect((await other.send(dm('demo-window'), message, { idempotencyKey: key })).messageId).toBe(first.messageId);
    } finally {
      h.fake.now = realNow;
    }
    expect(pushes().length - pushesBefore).toBe(1);
    // A sender that stopped between LINE's answer and the record leaves a claim without an id: taken over once stale,
    // pushed again with the same retry key, and LINE's 409 (it has the push already) counts as delivered.
    await prisma.outboundMessage.update({
      where: { idempotencyKey: `line:${key}` },
      data: { messageId: null, claimedAt: new Date(Date.now() - 2 * 60_000) },
    });
    const retaken = await other.send(dm('demo-window'), message, { idempotencyKey: key });
    const [pushed, repeated] = pushes().slice(-2);
    expect(pushes().length - pushesBefore).toBe(2);
    expect(repeated!.headers['x-line-retry-key']).toBe(pushed!.headers['x-line-retry-key']);
    expect([pushed!.status, repeated!.status]).toEqual([200, 409]);
    expect(h.fake.messagesIn(uid('demo-window')).length - before).toBe(1);
    const recorded = await prisma.outboundMessage.findUnique({ where: { idempotencyKey: `line:${key}` } });
    expect(recorded?.messageId).toBe(retaken.messageId);
    expect(h.fake.invalidRequests()).toEqual([]);
    // The LINE inbox's sweep forgets keys older than 30 days (as Slack's and Discord's do), a younger one stays.
    const sweep = () => (h.t.app.line as unknown as { inbox: { sweep(): Promise<void> } }).inbox.sweep();
    await sweep();
    expect(await prisma.outboundMessage.count({ where: { idempotencyKey: `line:${key}` } })).toBe(1);
    await prisma.outboundMessage.update({
      where: { idempotencyKey: `line:${key}` },
      data: { createdAt: new Date(Date.now() - 31 * 24 * HOUR) },
    });
    await sweep();
    expect(await prisma.outboundMessage.count({ where: { idempotencyKey: `line:${key}` } })).toBe(0);
  });

  it('a text naming people becomes a textV2 mention in a group (braces escaped), plain text in a 1:1 chat', () => {
    const message = {
      type: 'text' as const,
      text: '提醒 {請勿刪除} @王老師（示範） 與 @李組長（示範）；再次提醒 @王老師（示範）',
      mentions: [
        {
          text: '@王老師（示範）',
          users: [
            { platform: 'local', externalId: 'demo-teacher' },
            { platform: 'line', externalId: uid('demo-teacher') },
          ],
        },
        { text: '@李組長（示範）', users: [{ platform: 'line', externalId: uid('demo-window') }] },
        { text: '@陳校長（示範）', users: [{ platform: 'line', externalId: uid('demo-principal') }] }, // not in the text
      ],
    };
    const [group] = toLineMessages(message, { group: true });
    expect(group).toEqual({
      type: 'textV2',
      text: '提醒 {{請勿刪除}} {m0} 與 {m1}；再次提醒 {m0}',
      substitution: {
        m0: { type: 'mention', mentionee: { type: 'user', userId: uid('demo-teacher') } },
        m1: { type: 'mention', mentionee: { type: 'user', userId: uid('demo-window') } },
      },
    });
    expect(validateSend('PushMessageRequest', { to: team, messages: [group] })).toEqual([]);
    // The fake rejects what LINE would: an unescaped brace, a placeholder without its substitution.
    expect(validateSend('PushMessageRequest', { to: team, messages: [{ ...group, text: '提醒 {請勿刪除} {m0} {m1}' }] }).join()).toContain(
      'unescaped',
    );
    expect(validateSend('PushMessageRequest', { to: team, messages: [{ ...group, text: '{m0} {m2}' }] }).join()).toContain(
      '{m2} has no substitution',
    );
    expect(toLineMessages(message, { group: false })).toEqual([{ type: 'text', text: message.text }]);
    expect(
      mentionMessage({
        type: 'text',
        text: '沒有 LINE 帳號的 @某人',
        mentions: [{ text: '@某人', users: [{ platform: 'local', externalId: 'x' }] }],
      }),
    ).toBeNull();
  });

  it('an overdue reminder from the job queue @mentions the step owners in the response group, through the spec-checked API', async () => {
    const now = Date.now();
    const answers: IntakeAnswers = {
      scenario: 'general',
      howLeaked: '成績單寄給全班家長',
      occurredAt: new Date(now - 7 * HOUR),
      awareAt: new Date(now - 5.5 * HOUR),
      place: '教務處',
      categories: ['identity'],
      affectedEstimate: 30,
      affectedKinds: ['students'],
      involvesSystem: false,
      stepsTaken: '尚未處置',
    };
    const view = await h.t.app.bot.incidents.report(teacher, null, answers);
    const ref = view.incident.ref;
    const pushed = await waitFor('the overdue reminder in the response group', () =>
      h.fake
        .messagesIn(team)
        .find((d) => String(d.message.text).includes(`個資事件 ${ref}`) && String(d.message.text).includes('逾期提醒')),
    );
    expect(pushed.via).toBe('push');
    expect(pushed.message.type).toBe('textV2');
    const substitution = pushed.message.substitution as Record<string, { mentionee: { userId: string } }>;
    const mentioned = Object.values(substitution).map((s) => s.mentionee.userId);
    // 「4小時內通報個資聯絡窗口」 is the reporting unit's step: the reporter is named; the contact window as the role.
    expect(mentioned).toContain(uid('demo-teacher'));
    expect(String(pushed.message.text)).toMatch(/請 .*\{m\d\}.* 留意。$/);
    // The same reminder in a private chat is plain text (no mention markup).
    const inDm = await waitFor('the reminder in the reporter’s 1:1 chat', () =>
      h.fake
        .messagesIn(uid('demo-teacher'))
        .find((d) => String(d.message.text).includes(`個資事件 ${ref}`) && String(d.message.text).includes('逾期提醒')),
    );
    expect(inDm.message.type).toBe('text');
    expect(String(inDm.message.text)).not.toContain('留意。');
    expect(h.fake.invalidRequests().map((r) => r.problems.join('; '))).toEqual([]);
  });

  it('warns the contact window once when this month’s consumption passes 80%, once more past 95%', async () => {
    const prisma = h.t.app.db.prisma;
    const line = h.t.app.line!;
    // The reminders of the previous test would keep pushing (and so reading the quota) in the background.
    await h.t.app.jobs.stop();
    await line.quota.idle();
    await prisma.lineQuotaWarning.deleteMany();
    const warnings = () => h.fake.messagesIn(uid('demo-window')).filter((d) => String(d.message.text).includes('LINE 訊息額度提醒'));
    h.fake.quota = 100;
    h.fake.consumption = 78;
    await line.send(dm('demo-teacher'), { type: 'text', text: '測試推播 1' });
    await line.quota.idle();
    expect(warnings()).toHaveLength(0); // 79%
    await line.send(dm('demo-teacher'), { type: 'text', text: '測試推播 2' });
    await line.quota.idle();
    expect(warnings()).toHaveLength(1); // 80%
    expect(String(warnings()[0]!.message.text)).toContain('本月的推播訊息已用 80%（80／100 則）');
    expect(String(warnings()[0]!.message.text)).toContain('期限提醒');
    for (let i = 0; i < 3; i += 1) {
      await line.send(dm('demo-teacher'), { type: 'text', text: `測試推播 ${i + 3}` });
      await line.quota.idle();
    }
    expect(warnings()).toHaveLength(1);
    h.fake.consumption = 96;
    await line.send(dm('demo-teacher'), { type: 'text', text: '測試推播 9' });
    await line.quota.idle();
    expect(warnings()).toHaveLength(2);
    expect(String(warnings()[1]!.message.text)).toMatch(/已用 9\d%/);
    const rows = await prisma.lineQuotaWarning.findMany({ orderBy: { threshold: 'asc' } });
    expect(rows.map((r) => [r.month, r.threshold])).toEqual([
      [quotaMonth(new Date()), 80],
      [quotaMonth(new Date()), 95],
    ]);

    // Another instance (or this one after a restart) reads the same consumption: nobody is warned again.
    const told: string[] = [];
    const other = new LineQuotaWatch(
      line.client,
      h.t.app.db.repos.lineQuotaWarnings,
      createLogger({ level: 'silent' }),
      { warnAt: [80, 95], checkEveryMs: 0 },
      async (text) => void told.push(text),
    );
    expect(await other.check()).toMatchObject({ quota: 100, warned: null });
    expect(told).toEqual([]);
    // A warning that could not be delivered is not marked as given: the next check tries again.
    await prisma.lineQuotaWarning.deleteMany();
    const failing = new LineQuotaWatch(
      line.client,
      h.t.app.db.repos.lineQuotaWarnings,
      createLogger({ level: 'silent' }),
      { warnAt: [80, 95], checkEveryMs: 0 },
      async () => {
        throw new Error('LINE unavailable');
      },
    );
    expect(await failing.check()).toBeNull();
    expect(await prisma.lineQuotaWarning.count()).toBe(0);
    expect(await other.check()).toMatchObject({ warned: 95 });
    expect(told).toHaveLength(1);
    // No target limit set on the account: nothing to warn about.
    h.fake.quota = null;
    await prisma.lineQuotaWarning.deleteMany();
    expect(await other.check()).toMatchObject({ quota: null, percent: null, warned: null });
    expect(told).toHaveLength(1);
    const quotaReads = h.fake.requests.filter((r) => r.path.startsWith('/v2/bot/message/quota'));
    expect(quotaReads.length).toBeGreaterThan(4);
    expect(h.fake.invalidRequests()).toEqual([]);
  });

  it('the month is counted in Japan time, as LINE counts it', () => {
    expect(quotaMonth(new Date('2026-11-30T14:59:59Z'))).toBe('2026-11');
    expect(quotaMonth(new Date('2026-11-30T15:00:00Z'))).toBe('2026-12');
  });
});
