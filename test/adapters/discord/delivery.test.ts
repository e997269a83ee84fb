import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_INTRO, DiscordAdapter } from '../../../adapters/discord/index.js';
import { createLogger } from '../../../src/app/logger.js';
import { Bot } from '../../../src/core/conversation/bot.js';
import { InboundPipeline } from '../../../src/core/chat/pipeline.js';
import { PrismaInboxStore } from '../../../src/storage/inbox.js';
import {
  DISCORD_TOKEN,
  buttonsIn,
  discordUser,
  seedDiscordIdentities,
  startDiscordTestApp,
  textOf,
  type DiscordTestApp,
} from '../../fakes/discord/harness.js';
import { APPLICATION_ID, type FakeMessage, type InteractionRecord } from '../../fakes/discord/platform.js';

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Two instances of the product share one database (production on PostgreSQL): a second DiscordAdapter with its own
 * Bot and its own gateway session, on the test app's database. Discord dispatches every event to both sessions; the
 * inbox (inbound_event) lets one of them handle it, and idempotency keys (outbound_message) are posted once.
 */
describe('Discord delivery shared by two instances', () => {
  let h: DiscordTestApp;
  let b: DiscordAdapter;
  const teacher = discordUser('demo-teacher');
  let channel = '';

  beforeAll(async () => {
    h = await startDiscordTestApp();
    await seedDiscordIdentities(h.t.app.db.prisma, ['demo-teacher', 'demo-window']);
    channel = h.fake.textChannel('應變小組');
    const { deps } = h.t.app;
    b = new DiscordAdapter({
      botToken: DISCORD_TOKEN,
      applicationId: APPLICATION_ID,
      apiBase: h.fake.apiBase,
      readGroupMessages: false,
      repos: deps.repos,
      cipher: deps.cipher,
      log: createLogger({ level: 'silent' }),
    });
    const botB = new Bot(deps);
    botB.register(b);
    b.attach(new InboundPipeline(botB, new PrismaInboxStore(h.t.app.db.prisma), deps.cipher, createLogger({ level: 'silent' })));
    await b.start();
    expect(h.fake.gateway.identifies).toBe(2);
  });
  afterAll(async () => {
    await b?.stop();
    await h?.close();
  });

  const a = () => h.adapter();
  const to = () => ({ platform: 'discord', externalId: channel, kind: 'group' as const });
  const posts = (content: string) =>
    h.fake
      .callsTo('POST', new RegExp(`^/channels/${channel}/messages$`))
      .filter((c) => (c.body as { content?: string }).content === content);
  /** Dispatches to both instances (Discord does) and waits until each has received and handled it. */
  async function toBoth<T>(dispatch: () => T): Promise<T> {
    const [ra, rb] = [a().received, b.received];
    const out = dispatch();
    await until(() => a().received > ra && b.received > rb);
    await Promise.all([a().idle(), b.idle()]);
    return out;
  }

  it('the same idempotency key sent by both instances at once is posted once (claimed before posting); both get its id', async () => {
    const text = '提醒：3 日內陳報教育局（示範）';
    const results = await Promise.all([
      a().send(to(), { type: 'text', text }, { idempotencyKey: 'rem-1' }),
      b.send(to(), { type: 'text', text }, { idempotencyKey: 'rem-1' }),
      b.send(to(), { type: 'text', text }, { idempotencyKey: 'rem-1' }),
      a().send(to(), { type: 'text', text }, { idempotencyKey: 'rem-1' }),
    ]);
    // One request: the key is claimed in outbound_message before posting (the fake would also honour the nonce).
    expect(posts(text)).toHaveLength(1);
    expect(posts(text)[0]!.body).toMatchObject({ nonce: expect.any(String), enforce_nonce: true });
    expect(new Set(results.map((r) => r.messageId))).toEqual(new Set([h.fake.messagesIn(channel).at(-1)!.id]));
    // Later (a reminder job retried on the other instance after a crash, long after Discord forgot the nonce).
    await b.send(to(), { type: 'text', text }, { idempotencyKey: 'rem-1' });
    expect(posts(text)).toHaveLength(1);
    const row = await h.t.app.db.prisma.outboundMessage.findUniqueOrThrow({ where: { idempotencyKey: 'discord:rem-1' } });
    expect([row.platform, row.conversation, row.messageId]).toEqual(['discord', channel, results[0]!.messageId]);
    // Another key, or none, is posted.
    await b.send(to(), { type: 'text', text }, { idempotencyKey: 'rem-2' });
    await a().send(to(), { type: 'text', text });
    expect(posts(text)).toHaveLength(3);
  });

  it('a send Discord refused releases its key: the retry on the other instance posts it', async () => {
    const text = '提醒：1 個月內提出結案報告（示範）';
    h.fake.forbidden.add(channel);
    await expect(a().send(to(), { type: 'text', text }, { idempotencyKey: 'rem-3' })).rejects.toThrow(/50013/);
    h.fake.forbidden.delete(channel);
    await b.send(to(), { type: 'text', text }, { idempotencyKey: 'rem-3' });
    await a().send(to(), { type: 'text', text }, { idempotencyKey: 'rem-3' });
    expect(posts(text).filter((c) => c.status === 200)).toHaveLength(1);
  });

  it('a command dispatched to both instances is answered and handled by one of them', async () => {
    const dm = h.fake.dmOf(teacher);
    const before = h.fake.messagesIn(dm).length;
    const rec = await toBoth(() => h.fake.slashCommand(teacher, dm, 'pdi', [{ name: 'text', type: 3, value: '我是誰' }]));
    const replies = h.fake.messagesIn(dm).slice(before);
    expect(replies.map(textOf)).toEqual([expect.stringContaining('王老師')]);
    expect(rec.callbacks).toBe(1);
    expect(rec.response!.type).toBe(5);
    const row = await h.t.app.db.prisma.inboundEvent.findUniqueOrThrow({
      where: { platform_eventId: { platform: 'discord', eventId: `cmd:${rec.id}` } },
    });
    expect([row.status, row.bodyEnc, row.attempts]).toEqual(['done', null, 1]);
  });

  it('a modal submission and a click dispatched to both: both acknowledge at once, one handles them', async () => {
    const dm = h.fake.dmOf(teacher);
    const opened = await toBoth(() => h.fake.slashCommand(teacher, dm, 'report'));
    expect(opened.response!.type).toBe(9);
    const modal = h.fake.modals.find((m) => m.interactionId === opened.id)!;
    const answers: Record<string, string | string[]> = {};
    for (const row of modal.data.components) {
      const c = row.component as Record<string, unknown>;
      answers[String(c.custom_id)] = c.type === 3 ? [(c.options as { value: string }[])[0]!.value] : '今天 0:00';
    }
    const before = h.fake.messages.length;
    const deletes = h.fake.callsTo('DELETE', /\/messages\/@original$/).length;
    const submitted = await toBoth(() => h.fake.submitModal(modal, answers));
    // Both acknowledged within Discord's 3 s (one was refused as acknowledged already, 40060); nothing failed.
    expect(submitted.callbacks).toBe(2);
    expect(submitted.response!.type).toBe(5);
    // The next page is offered once, in the deferral ("thinking…") only the teacher sees, whichever instance made it.
    const posted = h.fake.messages.slice(before).filter((m) => !m.deleted && m.channelId === dm);
    const offers = posted.filter((m) => buttonsIn(m).some((x) => x.label === '填寫通報表'));
    expect(offers, posted.map(textOf).join('\n---\n')).toHaveLength(1);
    expect(offers[0]!.visibleTo).toBe(teacher);
    expect(posted).toHaveLength(1);
    expect(h.fake.callsTo('DELETE', /\/messages\/@original$/).length).toBe(deletes);
    // The next page's button clicked once, seen by both: one modal opens (the other's answer is refused, ignored).
    const next = await toBoth(() => h.fake.component(teacher, offers[0]!, buttonsIn(offers[0]!)[0]!.customId));
    expect(next.response!.type).toBe(9);
    expect(h.fake.modals.filter((m) => m.interactionId === next.id)).toHaveLength(1);
    expect(
      h.fake.messages.slice(before).filter((m) => !m.deleted && m.channelId === dm && buttonsIn(m).some((x) => x.label === '填寫通報表')),
    ).toHaveLength(1);
    // 取消通報 clicked: handled once.
    const cancelled = await toBoth(() =>
      h.fake.component(teacher, offers[0]!, buttonsIn(offers[0]!).find((x) => x.label === '取消通報')!.customId),
    );
    expect(cancelled.response!.type).toBe(6);
    const rows = await h.t.app.db.prisma.inboundEvent.findMany({
      where: { platform: 'discord', eventId: { in: [`modal:${submitted.id}`, `act:${cancelled.id}`] } },
    });
    expect(rows.map((r) => r.status)).toEqual(['done', 'done']);
    expect(h.fake.invalidCalls()).toEqual([]);
  });

  it('an event claimed by an instance that stopped before handling it is handled by the next sweep, once', async () => {
    const dm = h.fake.dmOf(teacher);
    const { prisma } = h.t.app.db;
    const { cipher } = h.t.app.deps;
    const eventId = 'msg:1399999999999999999';
    const ev = {
      type: 'message',
      eventId,
      conversation: { platform: 'discord', externalId: dm, kind: 'direct' },
      user: { platform: 'discord', externalId: teacher },
      at: new Date().toISOString(),
      text: '我是誰',
    };
    // As left by a crash right after the claim: stored (encrypted), claimed three minutes ago, not done.
    await prisma.inboundEvent.create({
      data: {
        platform: 'discord',
        eventId,
        bodyEnc: cipher.encrypt(JSON.stringify(ev), `inbound-event:discord:${eventId}`),
        claimedAt: new Date(Date.now() - 3 * 60_000),
      },
    });
    expect(
      (await prisma.inboundEvent.findUniqueOrThrow({ where: { platform_eventId: { platform: 'discord', eventId } } })).bodyEnc,
    ).not.toContain('我是誰');
    const before = h.fake.messagesIn(dm).length;
    await Promise.all([b.housekeeping(), a().housekeeping()]);
    const replies: FakeMessage[] = h.fake.messagesIn(dm).slice(before);
    expect(replies.map(textOf)).toEqual([expect.stringContaining('王老師')]);
    const row = await prisma.inboundEvent.findUniqueOrThrow({ where: { platform_eventId: { platform: 'discord', eventId } } });
    expect([row.status, row.bodyEnc, row.attempts]).toEqual(['done', null, 2]);
  });

  it('added to a server, both instances get GUILD_CREATE: it introduces itself once; invited again, once more', async () => {
    const posted = (id: string) => h.fake.messagesIn(id).map(textOf);
    const joined = await toGuild(() => h.fake.joinGuild({ name: '示範高中' }));
    expect(posted(joined.systemChannelId!)).toEqual([expect.stringContaining(DISCORD_INTRO)]);
    expect(posted(joined.channels[1]!)).toEqual([]);
    h.fake.leaveGuild(joined.guildId);
    await new Promise((r) => setTimeout(r, 50));
    await toGuild(() => h.fake.joinGuild({ guildId: joined.guildId, name: '示範高中' }));
    expect(posted(joined.systemChannelId!)).toHaveLength(2);
  });

  it('a duplicate delivery after a restart is dropped by the database (last: instance B keeps the closed database)', async () => {
    const dm = h.fake.dmOf(teacher);
    const rec = await toBoth(() => h.fake.slashCommand(teacher, dm, 'pdi', [{ name: 'text', type: 3, value: '我是誰' }]));
    await h.t.restart();
    await until(() => h.fake.gateway.identifies === 3);
    const calls = h.fake.calls.length;
    const messages = h.fake.messages.length;
    await toBoth(() => h.fake.redeliver(rec as InteractionRecord));
    expect(h.fake.calls.length).toBe(calls);
    expect(h.fake.messages.length).toBe(messages);
    expect(rec.callbacks).toBe(1);
  });

  /** GUILD_CREATE is no interaction: waits until the introduction was posted (or a second passed) and both are idle. */
  async function toGuild<T>(dispatch: () => T): Promise<T> {
    const before = h.fake.messages.length;
    const out = dispatch();
    await until(() => h.fake.messages.length > before, 5000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    await Promise.all([a().idle(), b.idle()]);
    return out;
  }
});
