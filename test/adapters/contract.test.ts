import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LineAdapter } from '../../adapters/line/index.js';
import { createLogger } from '../../src/app/logger.js';
import { parseAction } from '../../src/core/conversation/actions.js';
import { ChatPlatformError, type ChatErrorKind } from '../../src/ports/chat-errors.js';
import type { InboundEvent } from '../../src/ports/chat-model.js';
import type { PlatformAdapter } from '../../src/ports/chat.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  buttonsIn as discordButtons,
  discordUser,
  seedDiscordIdentities,
  startDiscordTestApp,
  type DiscordTestApp,
} from '../fakes/discord/harness.js';
import { actionsIn, LINE_SECRET, seedLineIdentities, startLineTestApp, uid, type LineTestApp } from '../fakes/line/harness.js';
import { ev as lineEvent, redelivered } from '../fakes/line/events.js';
import { eventEnvelope, slackEvent } from '../fakes/slack/events.js';
import { seedSlackIdentities, slackUser, startSlackTestApp, type SlackTestApp } from '../fakes/slack/harness.js';

/**
 * The adapter contract (issue #17), the same cases against every platform adapter through its fake: what a person does
 * on the platform reaches the core as the same neutral event (a message, an action, a form submitted), a platform's
 * redelivery of one event is processed once, and a platform's refusal is a ChatPlatformError of the kind it means,
 * with operator advice. Only the driver (how a fake platform is made to do it) differs per platform.
 */
const LEAK = '我寄錯信了，把全班成績單寄給所有家長';

interface Driver {
  platform: string;
  start(): Promise<TestApp>;
  adapter(): PlatformAdapter;
  /** The teacher writes `text` to the bot privately. */
  message(text: string): Promise<void>;
  /** The teacher describes a leak privately and presses 「不是」 on the offer. */
  refuseOffer(): Promise<void>;
  /** The teacher opens the report and submits its form (null: the platform has no forms). */
  submitForm: (() => Promise<void>) | null;
  /** The platform delivers one event twice (a retry or redelivery); returns the core event id it carries (null: never). */
  deliverTwice: (() => Promise<string>) | null;
  /** Makes the platform refuse a message; resolves with what the adapter threw (null: nothing refuses). */
  refusal: (() => Promise<unknown>) | null;
  refusalKind?: ChatErrorKind;
  close(): Promise<void>;
}

function lineDriver(): Driver {
  let h: LineTestApp;
  const dm = () => ({ user: uid('demo-teacher') });
  return {
    platform: 'line',
    async start() {
      h = await startLineTestApp();
      await seedLineIdentities(h.t.app.db.prisma, ['demo-teacher']);
      return h.t;
    },
    adapter: () => h.t.app.line!,
    message: async (text) => void (await h.say(dm(), 'demo-teacher', text)),
    async refuseOffer() {
      const offer = await h.say(dm(), 'demo-teacher', LEAK);
      const no = offer.flatMap((d) => actionsIn(d.message)).find((a) => a.label === '不是');
      await h.press(dm(), 'demo-teacher', no!.data!);
    },
    submitForm: null,
    async deliverTwice() {
      const e = lineEvent.text(dm(), uid('demo-teacher'), '我是誰', h.fake.issueReplyToken(uid('demo-teacher')));
      await h.send([e]);
      await h.send([redelivered(e)]);
      return e.webhookEventId as string;
    },
    refusal() {
      // A channel access token LINE does not accept (revoked, or copied wrong).
      const other = new LineAdapter({
        channelSecret: LINE_SECRET,
        channelAccessToken: 'not-the-channel-token',
        apiBaseUrl: h.fake.url,
        repos: h.t.app.db.repos,
        cipher: h.t.app.deps.cipher,
        log: createLogger({ level: 'silent' }),
      });
      return other
        .send({ platform: 'line', externalId: uid('demo-teacher'), kind: 'direct' }, { type: 'text', text: '測試' })
        .catch((e: unknown) => e);
    },
    refusalKind: 'auth',
    close: () => h.close(),
  };
}

function slackDriver(): Driver {
  let h: SlackTestApp;
  const teacher = slackUser('demo-teacher');
  const dm = () => h.fake.dmOf(teacher);
  return {
    platform: 'slack',
    async start() {
      h = await startSlackTestApp();
      await seedSlackIdentities(h.t.app.db.prisma, ['demo-teacher']);
      return h.t;
    },
    adapter: () => h.t.app.slack!,
    message: async (text) => void (await h.say(dm(), teacher, text, 'im')),
    async refuseOffer() {
      const { posted } = await h.say(dm(), teacher, LEAK, 'im');
      await h.click(teacher, posted.find((m) => m.channel === dm())!, '不是');
    },
    async submitForm() {
      const { views } = await h.command(dm(), teacher, '');
      await h.submit(teacher, views[0]!, {});
    },
    async deliverTwice() {
      const e = eventEnvelope(slackEvent.message(dm(), teacher, '我是誰', 'im'));
      await h.request(e);
      await h.request(e, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
      const body = JSON.parse(e.body) as { event: { channel: string; ts: string } };
      return `msg:${body.event.channel}:${body.event.ts}`;
    },
    async refusal() {
      h.fake.refuse.set('chat.postMessage', { error: 'not_in_channel' });
      try {
        return await h.t.app
          .slack!.send({ platform: 'slack', externalId: 'C0CONTRACT', kind: 'group' }, { type: 'text', text: '測試' })
          .catch((e: unknown) => e);
      } finally {
        h.fake.refuse.delete('chat.postMessage');
      }
    },
    refusalKind: 'permission',
    close: () => h.close(),
  };
}

function discordDriver(): Driver {
  let h: DiscordTestApp;
  const teacher = discordUser('demo-teacher');
  const dm = () => h.fake.dmOf(teacher);
  return {
    platform: 'discord',
    async start() {
      h = await startDiscordTestApp();
      await seedDiscordIdentities(h.t.app.db.prisma, ['demo-teacher']);
      return h.t;
    },
    adapter: () => h.adapter(),
    message: async (text) => void (await h.say(teacher, dm(), text)),
    async refuseOffer() {
      const { changed } = await h.say(teacher, dm(), LEAK);
      await h.click(teacher, changed.find((m) => discordButtons(m).some((b) => b.label === '不是'))!, '不是');
    },
    async submitForm() {
      const { modals } = await h.command(teacher, dm(), 'report');
      await h.submit(modals[0]!, {});
    },
    async deliverTwice() {
      const { interaction } = await h.command(teacher, dm(), 'pdi', '我是誰');
      await h.interact(() => {
        h.fake.redeliver(interaction!);
        return interaction!;
      });
      return `cmd:${interaction!.id}`;
    },
    refusal() {
      const locked = h.fake.textChannel('contract-locked');
      h.fake.forbidden.add(locked);
      return h
        .adapter()
        .send({ platform: 'discord', externalId: locked, kind: 'group' }, { type: 'text', text: '測試' })
        .catch((e: unknown) => e);
    },
    refusalKind: 'permission',
    close: () => h.close(),
  };
}

/** The local chat page: its JSON API makes a new event per request (no redelivery) and nothing on it refuses. */
function localDriver(): Driver {
  let t: TestApp;
  const me = 'demo-teacher';
  const dm = 'dm:demo-teacher';
  return {
    platform: 'local',
    async start() {
      t = await startTestApp();
      return t;
    },
    adapter: () => t.app.local!,
    message: async (text) => void (await t.client.say(me, dm, text)),
    async refuseOffer() {
      const offer = await t.client.say(me, dm, LEAK);
      const no = offer.flatMap((m) => (m.body.type === 'text' ? (m.body.quickReplies ?? []) : [])).find((q) => q.label === '不是');
      await t.client.press(me, dm, no!.action);
    },
    async submitForm() {
      const form = (await t.client.say(me, dm, '通報')).map((m) => m.body).find((b) => b.type === 'form');
      await t.client.submit(me, dm, form!.type === 'form' ? form!.formId : '', {});
    },
    deliverTwice: null,
    refusal: null,
    close: () => t.close(),
  };
}

describe.each([lineDriver(), slackDriver(), discordDriver(), localDriver()])('adapter contract: $platform', (d) => {
  let t: TestApp;
  const seen: InboundEvent[] = [];
  const since = (n: number) => seen.slice(n);

  beforeAll(async () => {
    t = await d.start();
    // What reaches the core's router, after the pipeline: the neutral events as the adapter made them.
    const handle = t.app.bot.handle.bind(t.app.bot);
    vi.spyOn(t.app.bot, 'handle').mockImplementation(async (ev) => {
      seen.push(ev);
      return handle(ev);
    });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await d.close();
  });

  it('is wired as every adapter is: registered, attached, started', () => {
    const a = d.adapter();
    expect(a.platform).toBe(d.platform);
    expect(t.app.bot.adapterFor(d.platform)).toBe(a);
    for (const m of ['attach', 'start', 'stop', 'idle', 'send', 'directConversation'] as const) expect(typeof a[m]).toBe('function');
  });

  it('a message reaches the core as a neutral message event from the person, in their private conversation', async () => {
    const n = seen.length;
    await d.message('我是誰');
    const [ev] = since(n);
    expect(ev).toMatchObject({
      type: 'message',
      text: '我是誰',
      conversation: { platform: d.platform, kind: 'direct' },
      user: { platform: d.platform },
    });
    expect(ev!.at).toBeInstanceOf(Date);
    expect(ev!.eventId).toEqual(expect.any(String));
  });

  it('a button pressed reaches the core as a neutral action with the id the core gave it', async () => {
    const n = seen.length;
    await d.refuseOffer();
    const actions = since(n).filter((e) => e.type === 'action');
    expect(actions).toHaveLength(1);
    const action = actions[0]!.type === 'action' ? actions[0]!.action : '';
    expect(parseAction(action).family).toBe('once');
    expect(actions[0]).toMatchObject({ conversation: { platform: d.platform, kind: 'direct' }, user: { platform: d.platform } });
  });

  it('a form submitted reaches the core as a neutral form event (or, without forms, the report is asked step by step)', async () => {
    if (!d.submitForm) {
      expect(d.adapter().capabilities.maxFormFields).toBe(0);
      return;
    }
    expect(d.adapter().capabilities.maxFormFields).toBeGreaterThan(0);
    const n = seen.length;
    await d.submitForm();
    const forms = since(n).filter((e) => e.type === 'form');
    expect(forms).toHaveLength(1);
    expect(forms[0]).toMatchObject({
      type: 'form',
      formId: expect.stringMatching(/^intake:/),
      values: expect.any(Object),
      user: { platform: d.platform },
    });
  });

  it.skipIf(!d.deliverTwice)('an event the platform delivers twice is processed once', async () => {
    const n = seen.length;
    const eventId = await d.deliverTwice!();
    expect(since(n).filter((e) => e.eventId === eventId)).toHaveLength(1);
    const row = await t.app.db.prisma.inboundEvent.findFirst({ where: { platform: d.platform, status: 'done' }, orderBy: { seq: 'desc' } });
    expect(row?.bodyEnc ?? null).toBeNull();
  });

  it.skipIf(!d.refusal)('a refusal is a ChatPlatformError of the kind it means, with advice for the operator', async () => {
    const err = await d.refusal!();
    expect(err).toBeInstanceOf(ChatPlatformError);
    const e = err as ChatPlatformError;
    expect([e.platform, e.kind]).toEqual([d.platform, d.refusalKind]);
    expect(e.advice.length).toBeGreaterThan(20);
    expect(e.message).toContain(e.advice);
  });
});
