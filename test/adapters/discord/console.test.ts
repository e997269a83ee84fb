import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, registerCommands } from '../../../adapters/discord/commands.js';
import { T } from '../../../src/core/conversation/texts.js';
import {
  DISCORD_TOKEN,
  discordUser,
  seedDiscordIdentities,
  startDiscordTestApp,
  textOf,
  type DiscordTestApp,
} from '../../fakes/discord/harness.js';
import { APPLICATION_ID, GUILD_ID, type FakeMessage } from '../../fakes/discord/platform.js';

/** Every link button (style 5, with a url) of a message. */
function links(m: FakeMessage): { label: string; url: string }[] {
  return m.components.flatMap((row) =>
    ((row.components as Record<string, unknown>[]) ?? [])
      .filter((c) => c.type === 2 && c.style === 5)
      .map((c) => ({ label: String(c.label), url: String(c.url) })),
  );
}

/**
 * Discord's entry to the web console: `/console` (zh-TW /主控台), registered by `npm run discord:commands`, runs the
 * core's 「主控台」 command. Against the fake Discord (every REST request checked against Discord's OpenAPI file): the
 * interaction is answered ephemerally, and the sign-in link goes to the person's DM only.
 */
describe('Discord: /console', () => {
  let h: DiscordTestApp;
  const windowUser = discordUser('demo-window');
  const teacher = discordUser('demo-teacher');

  beforeAll(async () => {
    h = await startDiscordTestApp();
    await seedDiscordIdentities(h.t.app.db.prisma, ['demo-window', 'demo-teacher']);
  });
  afterAll(async () => {
    await h?.close();
  });

  const consoleCommand = (user: string, channel: string) => h.interact(() => h.fake.slashCommand(user, channel, 'console'));

  /** The sign-in link among what changed, checking that nothing with it went anywhere but the person's DM. */
  const linkIn = (changed: FakeMessage[], user: string): string => {
    const withLink = changed.filter((m) => links(m).length > 0);
    expect(withLink.map((m) => m.channelId)).toEqual([h.fake.dmOf(user)]);
    const [button] = links(withLink[0]!);
    expect(button!.label).toBe('登入主控台');
    expect(button!.url).toMatch(new RegExp(`^${h.t.url}/console/sign-in/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$`));
    return button!.url;
  };

  it('npm run discord:commands registers /console (zh-TW 主控台) as Discord accepts it', async () => {
    const r = await registerCommands({
      botToken: DISCORD_TOKEN,
      applicationId: APPLICATION_ID,
      apiBase: h.fake.apiBase,
      guildId: GUILD_ID,
    });
    expect(r.names).toContain('console');
    const body = h.fake.commands.at(-1)!.body as { name: string; name_localizations?: Record<string, string>; type: number }[];
    expect(body.find((c) => c.name === 'console')).toMatchObject({ type: 1, name_localizations: { 'zh-TW': '主控台' } });
    expect(COMMANDS.map((c) => c.name)).toContain('console');
    expect(h.fake.invalidCalls()).toEqual([]);
  });

  it('in a server channel: an ephemeral answer there, the sign-in link in her DM; it signs her in', async () => {
    const channel = h.fake.textChannel('行政群');
    const out = await consoleCommand(windowUser, channel);
    // The interaction's answer only she sees (deferred ephemeral, or an ephemeral reply).
    expect(out.interaction!.response!.data?.flags ?? 0).toBe(64);
    const inChannel = out.changed.filter((m) => m.channelId === channel);
    expect(inChannel.length).toBeGreaterThan(0);
    expect(inChannel.every((m) => m.visibleTo === windowUser)).toBe(true);
    expect(inChannel.map(textOf).join('\n')).toContain(T.consoleMoved);
    expect(h.fake.messagesIn(channel).filter((m) => !m.visibleTo)).toEqual([]);
    const url = linkIn(out.changed, windowUser);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
  });

  it('in her DM with the bot: the link there', async () => {
    const out = await consoleCommand(windowUser, h.fake.dmOf(windowUser));
    expect(out.interaction!.response!.data?.flags ?? 0).toBe(64);
    linkIn(out.changed, windowUser);
  });

  it('a teacher (staff): a refusal only she sees, no link', async () => {
    const channel = h.fake.textChannel('導師群');
    const out = await consoleCommand(teacher, channel);
    expect(out.changed.flatMap(links)).toEqual([]);
    const refusal = out.changed.find((m) => textOf(m).includes(T.consoleRefused));
    expect(refusal?.visibleTo).toBe(teacher);
  });

  it('DMs closed to the server (50007): never 「我已私訊給您」, no link anywhere; how to allow DMs, for her eyes only', async () => {
    const principal = discordUser('demo-principal');
    await seedDiscordIdentities(h.t.app.db.prisma, ['demo-principal']);
    h.fake.closedDms.add(principal);
    try {
      const channel = h.fake.textChannel('行政群二');
      const out = await consoleCommand(principal, channel);
      const said = out.changed.map(textOf).join('\n');
      expect(said).not.toContain(T.consoleMoved);
      expect(said).not.toContain(T.failed);
      expect(out.changed.flatMap(links)).toEqual([]);
      const howTo = out.changed.filter((m) => textOf(m).includes(T.consoleNoDirect(h.adapter().wording.reachPrivately)));
      expect(howTo).toHaveLength(1);
      expect(howTo[0]!.visibleTo).toBe(principal);
      expect(h.fake.messagesIn(channel).filter((m) => !m.visibleTo)).toEqual([]);
      // The same through /小幫手 指令:主控台.
      const typed = await h.command(principal, channel, 'pdi', '主控台');
      const typedText = typed.changed.map(textOf).join('\n');
      expect(typedText).toContain(T.consoleNoDirect(h.adapter().wording.reachPrivately));
      expect(typedText).not.toContain(T.consoleMoved);
      expect(typed.changed.flatMap(links)).toEqual([]);
    } finally {
      h.fake.closedDms.delete(principal);
    }
  });

  it('every REST request was one Discord accepts', () => {
    expect(h.fake.invalidCalls()).toEqual([]);
  });
});
