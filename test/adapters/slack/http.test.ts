import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT_DIR } from '../../../src/app/config.js';
import { ConfigError, loadConfig } from '../../../src/app/config.js';
import { eventEnvelope, post, sign, slackEvent, viewClosed } from '../../fakes/slack/events.js';
import { SLACK_SPECS_DIR } from '../../fakes/slack/spec.js';
import {
  SLACK_SECRET,
  buttonsIn,
  seedSlackIdentities,
  slackUser,
  startSlackTestApp,
  textOf,
  type SlackTestApp,
} from '../../fakes/slack/harness.js';

/** The HTTP transport: signature and timestamp, url_verification, and forms when no trigger is at hand. */
describe('Slack HTTP transport', () => {
  let h: SlackTestApp;
  const channel = 'C0HTTP001';
  const teacher = slackUser('demo-teacher');
  beforeAll(async () => {
    h = await startSlackTestApp();
    await seedSlackIdentities(h.t.app.db.prisma, ['demo-teacher']);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('rejects a bad signature, a missing one and an expired timestamp with 401, and does nothing', async () => {
    const req = eventEnvelope(slackEvent.message(channel, teacher, '我寄錯信了，把全班成績單寄給所有家長'));
    const callsBefore = h.fake.calls.length;
    const wrong = await post(h.t.url, req, sign(req.body, 'ffffffffffffffffffffffffffffffff'));
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { detail: string }).detail).toContain('SLACK_SIGNING_SECRET');
    expect((await post(h.t.url, req, {})).status).toBe(401);
    const tampered = await post(h.t.url, { ...req, body: req.body.replace('成績單', '通訊錄') }, sign(req.body, SLACK_SECRET));
    expect(tampered.status).toBe(401);
    const old = await post(h.t.url, req, sign(req.body, SLACK_SECRET, Math.floor(Date.now() / 1000) - 6 * 60));
    expect(old.status).toBe(401);
    expect(((await old.json()) as { detail: string }).detail).toContain('5 minutes');
    await h.t.app.slack!.idle();
    expect(h.fake.calls.length).toBe(callsBefore);
    // The same request, correctly signed and fresh, is accepted.
    expect((await h.request(req)).res.status).toBe(200);
  });

  it("answers Slack's url_verification challenge", async () => {
    const body = JSON.stringify({ token: 't', challenge: 'c-123', type: 'url_verification' });
    const res = await post(h.t.url, { body, contentType: 'application/json' }, sign(body, SLACK_SECRET));
    expect(await res.json()).toEqual({ challenge: 'c-123' });
  });

  it('a report started by a typed message (no trigger) posts 「填寫通報表」; its click opens the modal; closing it offers the button again', async () => {
    const { posted } = await h.say(h.fake.dmOf(teacher), teacher, '通報');
    const withButton = posted.find((m) => buttonsIn(m).some((b) => b.label === '填寫通報表'))!;
    expect(buttonsIn(withButton).map((b) => b.label)).toEqual(['填寫通報表', '取消通報']);
    const opened = await h.click(teacher, withButton, '填寫通報表');
    expect(opened.views).toHaveLength(1);
    const closed = await h.request(viewClosed({ user: teacher, view: opened.views[0]! }));
    expect(closed.res.status).toBe(200);
    expect(buttonsIn(closed.posted[0]!).map((b) => b.label)).toEqual(['填寫通報表', '取消通報']);
    const cancelled = await h.click(teacher, closed.posted[0]!, '取消通報');
    expect(textOf(cancelled.posted[0]!)).toContain('取消');
    expect(h.fake.invalidCalls()).toEqual([]);
  });

  it("an archived channel: Slack's refusal is logged for the operator and nothing is retried in a loop", async () => {
    h.fake.archived.add(channel);
    const before = h.fake.callsOf('chat.postMessage').length;
    const { res } = await h.say(channel, teacher, '我寄錯信了，把全班成績單寄給所有家長');
    expect(res.status).toBe(200);
    const calls = h.fake.callsOf('chat.postMessage').slice(before);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(2); // the offer, then the failure notice; both refused once
    expect(calls.every((c) => c.error === 'is_archived')).toBe(true);
  });
});

describe('Slack configuration', () => {
  const base = { DATA_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}` };
  it('HTTP needs the signing secret, Socket Mode the app token, and says what is missing', () => {
    expect(() => loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1-2-abc' })).toThrow(/SLACK_SIGNING_SECRET: required/);
    expect(() => loadConfig({ ...base, SLACK_SIGNING_SECRET: SLACK_SECRET })).toThrow(/SLACK_BOT_TOKEN: required/);
    expect(() => loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxp-user-token', SLACK_SIGNING_SECRET: SLACK_SECRET })).toThrow(ConfigError);
    const http = loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: SLACK_SECRET });
    expect(http.slack).toEqual({
      botToken: 'xoxb-1-2-abc',
      signingSecret: SLACK_SECRET,
      appToken: null,
      apiUrl: 'https://slack.com/api/',
      socketMode: false,
    });
    const socket = loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_APP_TOKEN: 'xapp-1-A1-abc' });
    expect(socket.slack).toMatchObject({ appToken: 'xapp-1-A1-abc', socketMode: true });
    // SLACK_SOCKET_MODE chooses explicitly, and says what the chosen transport needs.
    const both = { ...base, SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_APP_TOKEN: 'xapp-1-A1-abc', SLACK_SIGNING_SECRET: SLACK_SECRET };
    expect(loadConfig({ ...both, SLACK_SOCKET_MODE: 'off' }).slack?.socketMode).toBe(false);
    expect(loadConfig({ ...both, SLACK_SOCKET_MODE: 'on' }).slack?.socketMode).toBe(true);
    expect(() =>
      loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: SLACK_SECRET, SLACK_SOCKET_MODE: 'on' }),
    ).toThrow(/SLACK_APP_TOKEN: required with SLACK_SOCKET_MODE=on/);
    expect(() =>
      loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_APP_TOKEN: 'xapp-1-A1-abc', SLACK_SOCKET_MODE: 'off' }),
    ).toThrow(/SLACK_SIGNING_SECRET: required with SLACK_SOCKET_MODE=off/);
    expect(loadConfig(base).slack).toBeNull();
  });
});

describe('Slack app manifest', () => {
  const manifest = parse(readFileSync(join(ROOT_DIR, 'adapters', 'slack', 'manifest.yaml'), 'utf8')) as {
    features: { app_home: { home_tab_enabled: boolean } };
    oauth_config: { scopes: { bot: string[] } };
    settings: { event_subscriptions: { bot_events: string[] } };
  };
  it('asks for the scopes of every Web API method the adapter calls, and the events it listens to', () => {
    // Method → scope, from Slack's method reference (views.* and auth.test need none).
    // files.info (evidence, issue #15): the scope its token parameter names in Slack's OpenAPI file.
    const spec = JSON.parse(readFileSync(join(SLACK_SPECS_DIR, 'slack_web_openapi_v2.json'), 'utf8')) as {
      paths: Record<string, { get: { parameters: { name: string; description?: string }[] } }>;
    };
    const filesScope = /Requires scope: `([^`]+)`/.exec(
      spec.paths['/files.info']!.get.parameters.find((p) => p.name === 'token')!.description!,
    )![1]!;
    expect(filesScope).toBe('files:read');
    const needed = [
      'chat:write',
      'im:write',
      'groups:write',
      'commands',
      'channels:history',
      'groups:history',
      'im:history',
      'channels:read',
      'groups:read',
      filesScope,
    ];
    expect(manifest.oauth_config.scopes.bot.sort()).toEqual(needed.sort());
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(
      ['message.channels', 'message.groups', 'message.im', 'member_joined_channel', 'channel_left', 'group_left', 'app_home_opened'].sort(),
    );
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });
});
