import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONSOLE_ANSWERED_IN_DM, CONSOLE_COMMAND } from '../../../adapters/slack/console.js';
import { ROOT_DIR } from '../../../src/app/config.js';
import { T } from '../../../src/core/conversation/texts.js';
import { eventEnvelope, homeAction, slackEvent, slashCommand } from '../../fakes/slack/events.js';
import type { PostedMessage } from '../../fakes/slack/platform.js';
import { buttonsIn, seedSlackIdentities, slackUser, startSlackTestApp, textOf, type SlackTestApp } from '../../fakes/slack/harness.js';

/** Every link button (a button with a url) in a message's blocks. */
function linkButtons(m: { blocks?: Record<string, unknown>[] }): { label: string; url: string }[] {
  const out: { label: string; url: string }[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o.type === 'button' && typeof o.url === 'string') out.push({ label: (o.text as { text: string }).text, url: o.url });
    Object.values(o).forEach(walk);
  };
  walk(m.blocks);
  return out;
}

/**
 * Slack's entries to the web console, through the fake Slack (signed requests; every Web API call checked against
 * Slack's OpenAPI file): `/console` and the Home tab's 「開啟主控台」 both run the core's 「主控台」 command, and the
 * sign-in link goes to the person's DM with the bot only — never to a channel.
 */
describe('Slack: /console and 開啟主控台 on the Home tab', () => {
  let h: SlackTestApp;
  const windowUser = slackUser('demo-window');
  const teacher = slackUser('demo-teacher');
  const channel = 'CSTAFF0001';

  beforeAll(async () => {
    h = await startSlackTestApp();
    await seedSlackIdentities(h.t.app.db.prisma, ['demo-window', 'demo-teacher']);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** The sign-in link in what the bot posted, checking it was posted in the person's DM only. */
  const linkIn = (posted: PostedMessage[], user: string): string => {
    expect(posted.map((m) => m.channel)).toEqual([h.fake.dmOf(user)]);
    const buttons = linkButtons(posted[0]!);
    expect(buttons.map((b) => b.label)).toEqual(['登入主控台']);
    expect(buttons[0]!.url).toMatch(new RegExp(`^${h.t.url}/console/sign-in/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$`));
    // The link is on the button only, not in the notification text.
    expect(posted[0]!.text).not.toContain('/console/');
    return buttons[0]!.url;
  };
  const signIn = async (url: string) =>
    (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '', redirect: 'manual' }))
      .status;

  it('the manifest declares /console, sent to the events URL like /pdi', () => {
    const manifest = parse(readFileSync(join(ROOT_DIR, 'adapters', 'slack', 'manifest.yaml'), 'utf8')) as {
      features: { slash_commands: { command: string; url: string }[]; app_home: { home_tab_enabled: boolean } };
      settings: { event_subscriptions: { bot_events: string[] } };
    };
    const commands = manifest.features.slash_commands;
    expect(commands.map((c) => c.command)).toContain(CONSOLE_COMMAND);
    expect(commands.find((c) => c.command === CONSOLE_COMMAND)!.url).toBe(commands.find((c) => c.command === '/pdi')!.url);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toContain('app_home_opened');
  });

  it('/console in the DM with the bot: the sign-in link there, and it signs her in', async () => {
    const { res, posted } = await h.request(
      slashCommand({ channel: h.fake.dmOf(windowUser), user: windowUser, text: '', triggerId: h.fake.issueTrigger(), command: '/console' }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(await signIn(linkIn(posted, windowUser))).toBe(303);
  });

  it('/console typed in a channel: nothing in the channel, an ephemeral note, the link in her DM', async () => {
    const before = h.fake.calls.length;
    const { res, posted } = await h.request(
      slashCommand({ channel, user: windowUser, text: '', triggerId: h.fake.issueTrigger(), command: '/console' }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ response_type: 'ephemeral', text: CONSOLE_ANSWERED_IN_DM });
    linkIn(posted, windowUser);
    // Not a word in the channel, not even an ephemeral message posted there.
    const calls = h.fake.calls.slice(before);
    expect(calls.filter((c) => JSON.stringify(c.params).includes(channel))).toEqual([]);
  });

  it('/console from a teacher (staff): a refusal in her DM, no link', async () => {
    const { posted } = await h.request(
      slashCommand({ channel, user: teacher, text: '', triggerId: h.fake.issueTrigger(), command: '/console' }),
    );
    expect(posted.map((m) => m.channel)).toEqual([h.fake.dmOf(teacher)]);
    expect(posted[0]!.text).toBe(T.consoleRefused);
    expect(posted.flatMap(linkButtons)).toEqual([]);
  });

  it('/console when Slack gives no DM with the bot: told how to open one, for her eyes only, and no link anywhere', async () => {
    const other = 'UNODM0001';
    await h.t.app.db.prisma.identity.create({
      data: { id: 'slack-test-nodm', personId: 'demo-principal', platform: 'slack', externalId: other },
    });
    h.fake.noDm.add(other);
    const { res, posted } = await h.request(
      slashCommand({ channel, user: other, text: '', triggerId: h.fake.issueTrigger(), command: '/console' }),
    );
    expect(await res.text()).toBe('');
    expect(posted.map((m) => [m.channel, m.onlyFor])).toEqual([[channel, other]]);
    expect(posted[0]!.text).toContain('主控台登入連結只以私訊提供，但小幫手無法私訊您');
    expect(posted.flatMap(linkButtons)).toEqual([]);
  });

  it('/console when conversations.open fails: never 「我已私訊給您」, told how to open a DM, for her eyes only, no link', async () => {
    const other = 'UNODM0002';
    await h.t.app.db.prisma.identity.create({
      data: { id: 'slack-test-open-fails', personId: 'demo-principal', platform: 'slack', externalId: other },
    });
    h.fake.refuse.set('conversations.open', { error: 'user_not_found' });
    try {
      const { res, posted } = await h.request(
        slashCommand({ channel, user: other, text: '', triggerId: h.fake.issueTrigger(), command: '/console' }),
      );
      expect(await res.text()).toBe('');
      expect(posted.map((m) => [m.channel, m.onlyFor])).toEqual([[channel, other]]);
      expect(posted[0]!.text).toContain(T.consoleNoDirect(h.t.app.slack!.wording.reachPrivately));
      expect(posted.map((m) => m.text).join('\n')).not.toContain(T.consoleMoved);
      expect(posted.flatMap(linkButtons)).toEqual([]);
    } finally {
      h.fake.refuse.delete('conversations.open');
    }
  });

  const openHome = async (user: string) => {
    const before = h.fake.published.length;
    await h.request(eventEnvelope(slackEvent.homeOpened(user, h.fake.dmOf(user))));
    const view = h.fake.published.slice(before).find((v) => v.userId === user)!;
    return buttonsIn({ blocks: view.view.blocks as never });
  };

  it('the Home tab offers 開啟主控台 to the contact window; its click sends the link to her DM', async () => {
    const button = (await openHome(windowUser)).find((b) => b.label === '開啟主控台');
    expect(button).toBeTruthy();
    const click = await h.request(
      homeAction({
        user: windowUser,
        viewId: 'VHOME1',
        actionId: button!.actionId,
        value: button!.value,
        triggerId: h.fake.issueTrigger(),
      }),
    );
    expect(click.res.status).toBe(200);
    const url = linkIn(
      click.posted.filter((m) => textOf(m).includes('主控台登入連結')),
      windowUser,
    );
    expect(click.posted.every((m) => m.channel === h.fake.dmOf(windowUser))).toBe(true);
    expect(await signIn(url)).toBe(303);
  });

  it('a teacher (staff) has no 開啟主控台 on her Home tab', async () => {
    const buttons = await openHome(teacher);
    expect(buttons.map((b) => b.label)).not.toContain('開啟主控台');
  });

  it('every Web API call (views.publish included) was one Slack accepts', () => {
    expect(h.fake.published.length).toBeGreaterThan(1);
    expect(h.fake.invalidCalls().map((c) => `${c.method}: ${c.problems.join('; ')}`)).toEqual([]);
  });
});
