import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, registerCommands } from '../../../adapters/discord/commands.js';
import { DiscordApiError } from '../../../adapters/discord/index.js';
import {
  DISCORD_TOKEN,
  buttonsIn,
  discordUser,
  seedDiscordIdentities,
  startDiscordTestApp,
  textOf,
  type DiscordTestApp,
} from '../../fakes/discord/harness.js';
import { APPLICATION_ID, GUILD_ID } from '../../fakes/discord/platform.js';
import { T } from '../../../src/core/conversation/texts.js';
import { type ConfigError, loadConfig } from '../../../src/app/config.js';

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The gateway and REST plumbing against the fake Discord: intents, acknowledgements inside 3 s, a disconnect with a
 * RESUME that replays what was missed (once), rate limits waited out, refusals turned into operator messages, and the
 * command registration. Every REST request is checked against Discord's OpenAPI file by the fake.
 */
const teacher = discordUser('demo-teacher');

describe('Discord gateway and REST', () => {
  let h: DiscordTestApp;
  beforeAll(async () => {
    h = await startDiscordTestApp();
    await seedDiscordIdentities(h.t.app.db.prisma, ['demo-teacher', 'demo-window']);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('identifies once with only the intents the flow needs (Guilds, DirectMessages)', () => {
    expect(h.fake.gateway.identifies).toBe(1);
    expect(h.fake.gateway.lastIntents).toBe((1 << 0) | (1 << 12));
  });

  it('answers a DM typed to it; a slash command is acknowledged and its deferral removed', async () => {
    const dm = h.fake.dmOf(teacher);
    const typed = await h.say(teacher, dm, '我是誰');
    expect(typed.changed.map(textOf).join('\n')).toContain('王老師');
    const cmd = await h.command(teacher, dm, 'pdi', '說明');
    expect(cmd.interaction!.response!.type).toBe(5);
    expect(cmd.interaction!.response!.at - cmd.interaction!.dispatchedAt).toBeLessThan(3000);
    expect(h.fake.messagesIn(dm).map(textOf).at(-1)).toContain('我是個資事件應變小幫手');
    expect(h.fake.callsTo('DELETE', /\/messages\/@original$/)).toHaveLength(1);
  });

  it('a disconnect: the session is resumed, the interaction sent meanwhile is replayed and handled once', async () => {
    const dm = h.fake.dmOf(teacher);
    h.fake.disconnect(4000);
    await until(() => !h.fake.connected);
    const rec = h.fake.slashCommand(teacher, dm, 'pdi', [{ name: 'text', type: 3, value: '我是誰' }]);
    const answered = await h.fake.responseOf(rec, 10_000);
    await h.settle();
    expect(answered.at - rec.dispatchedAt).toBeLessThan(3000);
    expect(h.fake.gateway.resumes).toBe(1);
    expect(h.fake.gateway.identifies).toBe(1);
    expect(textOf(h.fake.messagesIn(dm).at(-1)!)).toContain('王老師');
    // Delivered twice (at-least-once): the second copy is dropped, no second answer, nothing posted.
    const calls = h.fake.calls.length;
    const messages = h.fake.messages.length;
    h.fake.redeliver(rec);
    await h.settle();
    expect(rec.callbacks).toBe(1);
    expect(h.fake.calls.length).toBe(calls);
    expect(h.fake.messages.length).toBe(messages);
    // Asked to reconnect (op 7): resumed again.
    h.fake.requestReconnect();
    await until(() => h.fake.gateway.resumes === 2);
    const again = await h.say(teacher, dm, '我是誰');
    expect(again.changed.map(textOf).join()).toContain('王老師');
  });

  it('a rate limit (429) is waited out as Retry-After says, then the message goes through', async () => {
    const dm = h.fake.dmOf(teacher);
    h.fake.rateLimitNext.set('POST /channels/', 1);
    const started = performance.now();
    const out = await h.say(teacher, dm, '我是誰');
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(out.changed.map(textOf).join()).toContain('王老師');
    expect(
      h.fake
        .callsTo('POST', /^\/channels\/\d+\/messages$/)
        .slice(-2)
        .map((c) => c.status),
    ).toEqual([429, 200]);
  });

  it('a permission refusal becomes an operator message saying what to grant; the person is told it failed', async () => {
    const locked = h.fake.textChannel('locked');
    h.fake.forbidden.add(locked);
    const adapter = h.adapter();
    await expect(adapter.send({ platform: 'discord', externalId: locked, kind: 'group' }, { type: 'text', text: '測試' })).rejects.toThrow(
      /code 50013.*View Channels, Send Messages, Send Messages in Threads, Create Private Threads, Embed Links, Read Message History/,
    );
    await expect(
      adapter.send({ platform: 'discord', externalId: locked, kind: 'group' }, { type: 'text', text: '測試' }),
    ).rejects.toBeInstanceOf(DiscordApiError);
    // 「事件」 answers in the channel itself (「我是誰」 is now answered to the person alone, which works anywhere).
    const out = await h.command(teacher, locked, 'pdi', '事件');
    expect(out.interaction!.response!.type).toBe(4);
    expect(out.interaction!.response!.data).toMatchObject({ content: T.failed, flags: 64 });
  });

  it('opens an incident room as a private thread once per key, also after a restart; needs a server channel', async () => {
    const team = h.fake.textChannel('應變小組');
    const near = { platform: 'discord', externalId: team, kind: 'group' as const };
    const members = [teacher, discordUser('demo-window')].map((externalId) => ({ platform: 'discord', externalId }));
    const req = { name: 'pdi-115-900', topic: '個資事件 115-900 應變室', near, members, idempotencyKey: 'room:test-900' };
    const room = await h.adapter().openIncidentRoom(req);
    expect(room).toMatchObject({ platform: 'discord', kind: 'group', title: 'pdi-115-900' });
    const thread = h.fake.channels.get(room.externalId)!;
    expect([thread.type, thread.parentId]).toEqual([12, team]);
    expect([...thread.members].sort()).toEqual([...members.map((m) => m.externalId), '1300000000000000002'].sort());
    expect(h.fake.messagesIn(room.externalId).map(textOf)).toEqual(['個資事件 115-900 應變室']);
    expect((await h.adapter().openIncidentRoom(req)).externalId).toBe(room.externalId);
    // A week of silence archives the thread: a card edit there unarchives it first; a deleted card is left alone.
    const card = await h.adapter().send(room, { type: 'card', title: '檢核清單', sections: [], fallbackText: '檢核清單' });
    thread.archived = true;
    await h.adapter().update(room, card.messageId, { type: 'card', title: '檢核清單（已更新）', sections: [], fallbackText: '檢核清單' });
    expect(thread.archived).toBe(false);
    expect(h.fake.message(card.messageId)!.embeds[0]!.title).toBe('檢核清單（已更新）');
    h.fake.message(card.messageId)!.deleted = true;
    await expect(h.adapter().update(room, card.messageId, { type: 'text', text: 'x' })).resolves.toBeUndefined();
    await h.t.restart();
    expect((await h.adapter().openIncidentRoom(req)).externalId).toBe(room.externalId);
    expect(h.fake.callsTo('POST', /\/threads$/)).toHaveLength(1);
    expect(h.fake.gateway.identifies).toBe(2);
    await expect(h.adapter().openIncidentRoom({ ...req, near: null, idempotencyKey: 'room:other' })).rejects.toThrow(/server text channel/);
  });

  it('a bound channel that is deleted is unbound (nothing is sent there any more)', async () => {
    const ch = h.fake.textChannel('臨時');
    await seedDiscordIdentities(h.t.app.db.prisma, ['demo-principal']);
    await h.command(discordUser('demo-principal'), ch, 'pdi', '綁定群組 教職員群組');
    const row = () =>
      h.t.app.db.prisma.conversation.findUniqueOrThrow({ where: { platform_externalId: { platform: 'discord', externalId: ch } } });
    expect((await row()).purpose).toBe('staff');
    h.fake.deleteChannel(ch);
    const end = Date.now() + 5000;
    while ((await row()).purpose !== 'left' && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect((await row()).purpose).toBe('left');
  });

  it('registers its commands per server or globally, as Discord accepts them', async () => {
    const guild = await registerCommands({
      botToken: DISCORD_TOKEN,
      applicationId: APPLICATION_ID,
      apiBase: h.fake.apiBase,
      guildId: GUILD_ID,
    });
    expect(guild.scope).toBe(`server ${GUILD_ID}`);
    expect(guild.names).toEqual(COMMANDS.map((c) => c.name));
    await registerCommands({ botToken: DISCORD_TOKEN, applicationId: APPLICATION_ID, apiBase: h.fake.apiBase });
    expect(h.fake.commands.map((c) => c.scope)).toEqual([`guild:${GUILD_ID}`, 'global']);
  });

  it('「回報個資外洩」 on a message opens the report form as a modal without copying the message into it', async () => {
    const ch = h.fake.textChannel('導師群');
    const leaked = { id: h.fake.snowflake(), content: '王小明 家長電話 0912345678', authorId: '1400000000000000077' };
    const out = await h.interact(() => h.fake.messageCommand(teacher, ch, 'Report data leak', leaked));
    expect(out.interaction!.response!.type).toBe(9);
    const modal = out.modals[0]!;
    expect(modal.data.custom_id).toMatch(new RegExp(`^dm:d${h.fake.dmOf(teacher)}:intake:`));
    expect(modal.data.components.length).toBeLessThanOrEqual(5);
    expect(JSON.stringify(modal.data)).not.toContain('0912345678');
    expect(JSON.stringify(h.fake.calls.map((c) => c.body))).not.toContain('0912345678');
    // The modal was closed (Discord does not tell): 「通報」 typed in the DM offers the form as a button instead.
    const dm = h.fake.dmOf(teacher);
    const typed = await h.say(teacher, dm, '通報');
    const offer = typed.changed.find((m) => buttonsIn(m).some((b) => b.label === '填寫通報表'))!;
    expect(buttonsIn(offer).map((b) => b.label)).toEqual(['填寫通報表', '取消通報']);
    // After a restart the form is no longer in memory: the click asks the core again and the modal still opens.
    await h.t.restart();
    const click = await h.click(teacher, offer, '填寫通報表');
    expect(click.interaction!.response!.type).toBe(9);
    expect(click.modals[0]!.data.custom_id).toBe(modal.data.custom_id);
    await h.click(teacher, offer, '取消通報');
  });

  it('when the interaction expired before the modal could open, the form is offered as a button where it was sent', async () => {
    const dm = h.fake.dmOf(teacher);
    h.fake.expireNextInteraction = true;
    const before = h.fake.messages.length;
    const rec = h.fake.slashCommand(teacher, dm, 'report');
    await h.settle();
    expect(rec.callbacks).toBe(1);
    const offer = h.fake.messages.slice(before).find((m) => buttonsIn(m).some((b) => b.label === '填寫通報表'))!;
    expect(offer.channelId).toBe(dm);
    const opened = await h.click(teacher, offer, '填寫通報表');
    expect(opened.interaction!.response!.type).toBe(9);
    await h.click(teacher, offer, '取消通報');
  });

  it("added to a server, it introduces itself in the system channel: the core's introduction and binding on Discord", async () => {
    const joined = h.fake.joinGuild({ name: '示範高中' });
    await until(() => h.fake.messagesIn(joined.systemChannelId!).length > 0);
    await h.adapter().idle();
    const intro = h.fake.messagesIn(joined.systemChannelId!).map(textOf);
    expect(intro).toHaveLength(1);
    expect(intro[0]).toContain('大家好，我是個資事件應變小幫手。');
    expect(intro[0]).toContain('私訊小幫手「綁定 綁定碼」');
    expect(intro[0]).toContain('/小幫手 指令:綁定群組 教職員群組');
    expect(intro[0]).toContain('/小幫手 指令:綁定群組 應變小組');
    expect(intro[0]).toContain('/通報');
    expect(h.fake.messagesIn(joined.channels[1]!)).toEqual([]);
    // The channel is known to the core, bound to no school yet.
    const conv = await h.t.app.db.prisma.conversation.findUniqueOrThrow({
      where: { platform_externalId: { platform: 'discord', externalId: joined.systemChannelId! } },
    });
    expect([conv.kind, conv.schoolId, conv.title]).toEqual(['group', null, '一般']);
    // A server without a system channel whose first channel refuses the bot: the next channel it may write in.
    const guildId = h.fake.snowflake();
    const [first, second] = ['公告', '閒聊'].map((name) => h.fake.addChannel({ id: h.fake.snowflake(), type: 0, name, guildId }).id);
    h.fake.forbidden.add(first!);
    h.fake.joinGuild({ guildId, systemChannel: false });
    await until(() => h.fake.messagesIn(second!).length > 0);
    expect(h.fake.callsTo('POST', new RegExp(`^/channels/${first}/messages$`)).map((c) => c.status)).toEqual([403]);
    expect(textOf(h.fake.messagesIn(second!)[0]!)).toContain('/小幫手 指令:綁定群組');
    // The server the bot was in already (GUILD_CREATE at every connection) gets no introduction.
    expect(h.fake.messagesIn(GUILD_ID)).toEqual([]);
  });

  it('every REST request it sent was one Discord accepts', () => {
    expect(h.fake.invalidCalls().map((c) => `${c.method} ${c.path}: ${c.problems.join('; ')}`)).toEqual([]);
  });
});

describe('Discord configuration', () => {
  const base = { DATA_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 3).toString('base64')}`, LOG_LEVEL: 'silent' };
  it('needs the token and the application id together, each in its own format, and says where to find them', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...base, ...env });
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ DISCORD_BOT_TOKEN: DISCORD_TOKEN })).toEqual([
      expect.stringMatching(/^DISCORD_APPLICATION_ID: required when DISCORD_BOT_TOKEN is set/),
    ]);
    expect(problems({ DISCORD_BOT_TOKEN: 'not-a-token', DISCORD_APPLICATION_ID: '12' }).join('\n')).toMatch(
      /DISCORD_BOT_TOKEN: .*Reset Token[\s\S]*DISCORD_APPLICATION_ID: .*General Information/,
    );
    expect(problems({ DISCORD_BOT_TOKEN: 'not-a-token' }).join()).not.toContain('not-a-token');
    const c = loadConfig({ ...base, DISCORD_BOT_TOKEN: DISCORD_TOKEN, DISCORD_APPLICATION_ID: APPLICATION_ID });
    expect(c.discord).toEqual({
      botToken: DISCORD_TOKEN,
      applicationId: APPLICATION_ID,
      apiBase: 'https://discord.com/api',
      readGroupMessages: false,
    });
    expect(loadConfig(base).discord).toBeNull();
  });
});

describe('Discord with DISCORD_READ_GROUP_MESSAGES=on', () => {
  let h: DiscordTestApp;
  beforeAll(async () => {
    h = await startDiscordTestApp({ DISCORD_READ_GROUP_MESSAGES: 'on' });
    await seedDiscordIdentities(h.t.app.db.prisma, ['demo-teacher', 'demo-window']);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('asks for GuildMessages and MessageContent too, and offers a report when a leak is described in a bound channel', async () => {
    expect(h.fake.gateway.lastIntents).toBe((1 << 0) | (1 << 9) | (1 << 12) | (1 << 15));
    const staff = h.fake.textChannel('教職員');
    await h.say(discordUser('demo-window'), staff, `<@1300000000000000002> 綁定群組 教職員群組`);
    const out = await h.say(teacher, staff, '我寄錯信了，把全班成績單寄給所有家長');
    const offer = out.changed.find((m) => textOf(m).includes('要開始通報嗎'))!;
    expect(offer).toBeTruthy();
    expect(offer.components).toEqual([
      { type: 1, components: [expect.objectContaining({ label: '開始通報', style: 1 }), expect.objectContaining({ label: '不是' })] },
    ]);
    expect((await h.say(teacher, staff, '明天的會議改到下午兩點')).changed).toEqual([]);
  });
});
