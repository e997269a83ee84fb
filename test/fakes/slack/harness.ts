import { expect } from 'vitest';
import { SlackAdapter, type SlackAdapterOptions } from '../../../adapters/slack/index.js';
import { createLogger } from '../../../src/app/logger.js';
import { FieldCipher, parseKeyRing } from '../../../src/core/privacy/cipher.js';
import { TEST_KEYS } from '../../helpers/app.js';
import { DEMO_PEOPLE } from '../../../src/app/demo.js';
import type { PrismaClient } from '../../../src/generated/prisma/client.js';
import { prismaRepositories } from '../../../src/storage/repositories/index.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { blockAction, eventEnvelope, post, sign, slashCommand, slackEvent, viewSubmission, type SlackRequest } from './events.js';
import { FakeSlackApi, type OpenedView, type PostedMessage } from './platform.js';
import type { FakeSocketMode } from './socket.js';
import type { Form } from '../../../src/ports/chat-model.js';
import { fillItemForm } from '../../helpers/scenario.js';

/** The product with Slack on (HTTP transport), Bolt's Web API client pointed at a fake Slack. */
export const SLACK_SECRET = '8f742231b10e8888abcd99eeeeee85a5';
export const SLACK_TOKEN = 'xoxb-1111-2222-testtoken';

export type DemoId = (typeof DEMO_PEOPLE)[number]['id'];
/** A Slack user id per demo person (test data). */
export const slackUser = (person: DemoId) => `U${person.replace('demo-', '').toUpperCase().slice(0, 8)}`;

export interface SlackTestApp {
  t: TestApp;
  fake: FakeSlackApi;
  /** Sends a signed request and waits until the bot has handled it; returns the response and what it posted. */
  request(req: SlackRequest, headers?: Record<string, string>): Promise<{ res: Response; posted: PostedMessage[]; views: OpenedView[] }>;
  command(channel: string, user: string, text: string): Promise<{ res: Response; posted: PostedMessage[]; views: OpenedView[] }>;
  say(
    channel: string,
    user: string,
    text: string,
    channelType?: 'channel' | 'im',
  ): Promise<{ res: Response; posted: PostedMessage[]; views: OpenedView[] }>;
  click(user: string, message: PostedMessage, label: string): Promise<{ res: Response; posted: PostedMessage[]; views: OpenedView[] }>;
  submit(
    user: string,
    view: OpenedView,
    values: Record<string, Record<string, unknown>>,
  ): Promise<{ res: Response; posted: PostedMessage[]; views: OpenedView[] }>;
  close(): Promise<void>;
}

export interface FoundButton {
  label: string;
  value: string;
  actionId: string;
  overflow: boolean;
}

/** Every button and overflow option in a message's blocks, in order. */
export function buttonsIn(m: { blocks?: Record<string, unknown>[] }): FoundButton[] {
  const out: FoundButton[] = [];
  const el = (e: Record<string, unknown>) => {
    if (e.type === 'button')
      out.push({ label: (e.text as { text: string }).text, value: String(e.value), actionId: String(e.action_id), overflow: false });
    if (e.type === 'overflow') {
      for (const o of e.options as { text: { text: string }; value: string }[])
        out.push({ label: o.text.text, value: o.value, actionId: String(e.action_id), overflow: true });
    }
  };
  for (const b of m.blocks ?? []) {
    if (b.accessory) el(b.accessory as Record<string, unknown>);
    for (const e of (b.elements as Record<string, unknown>[] | undefined) ?? []) el(e);
  }
  return out;
}

/** All text in a message (its fallback and its blocks). */
export function textOf(m: { text: string; blocks?: Record<string, unknown>[] }): string {
  const out = [m.text];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') out.push(o.text);
    Object.values(o).forEach(walk);
  };
  walk(m.blocks);
  return out.join('\n');
}

export const SLACK_APP_TOKEN = 'xapp-1-A0PDIBOT1-1234-socketmodetoken';

/** The product with Slack on, over HTTP (default) or Socket Mode (`socket`: a fake socket server is started too). */
export async function startSlackTestApp(opts: { socket?: FakeSocketMode } = {}): Promise<SlackTestApp> {
  const fake = await FakeSlackApi.start(SLACK_TOKEN);
  if (opts.socket) {
    fake.appToken = SLACK_APP_TOKEN;
    fake.socket = opts.socket;
  }
  const transport: Record<string, string> = opts.socket
    ? { SLACK_APP_TOKEN, SLACK_SOCKET_MODE: 'on' }
    : { SLACK_SIGNING_SECRET: SLACK_SECRET };
  const t = await startTestApp({ env: { SLACK_BOT_TOKEN: SLACK_TOKEN, ...transport, SLACK_API_URL: fake.url } });
  const h: SlackTestApp = {
    t,
    fake,
    async request(req, headers) {
      const before = fake.messages.length;
      const viewsBefore = fake.views.length;
      const updatedBefore = new Map(fake.messages.map((m) => [m, m.history.length]));
      const signed = headers && 'x-slack-signature' in headers ? headers : { ...sign(req.body, SLACK_SECRET), ...headers };
      const res = await post(t.url, req, signed);
      await t.app.slack!.idle();
      const changed = fake.messages.filter((m, i) => i >= before || m.history.length !== updatedBefore.get(m));
      return { res, posted: changed, views: fake.views.slice(viewsBefore) };
    },
    command(channel, user, text) {
      return h.request(slashCommand({ channel, user, text, triggerId: fake.issueTrigger() }));
    },
    say(channel, user, text, channelType = channel.startsWith('D') ? 'im' : 'channel') {
      return h.request(eventEnvelope(slackEvent.message(channel, user, text, channelType)));
    },
    click(user, message, label) {
      const b = buttonsIn(message).find((x) => x.label === label);
      expect(
        b,
        `no button ${label} in: ${buttonsIn(message)
          .map((x) => x.label)
          .join(', ')}`,
      ).toBeTruthy();
      return h.request(
        blockAction({
          channel: message.channel,
          user,
          messageTs: message.ts,
          actionId: b!.actionId,
          value: b!.value,
          triggerId: fake.issueTrigger(),
          overflow: b!.overflow,
        }),
      );
    },
    submit(user, view, values) {
      return h.request(viewSubmission({ user, view, values, triggerId: fake.issueTrigger() }));
    },
    async close() {
      await t.close();
      await fake.close();
    },
  };
  return h;
}

/** Test data only: links the demo people's Slack accounts, as a binding code would. */
export async function seedSlackIdentities(prisma: PrismaClient, people: readonly DemoId[]): Promise<void> {
  for (const id of people) {
    const p = DEMO_PEOPLE.find((d) => d.id === id)!;
    await prisma.identity.upsert({
      where: { platform_externalId: { platform: 'slack', externalId: slackUser(id) } },
      update: {},
      create: { id: `slack-${id}`, personId: id, platform: 'slack', externalId: slackUser(id), displayName: p.name },
    });
  }
}

export interface LoggedLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A SlackAdapter on its own (no product around it) against the fake, with its log lines captured (JSON). */
export function standaloneAdapter(
  fake: FakeSlackApi,
  prisma: PrismaClient,
  more: Partial<SlackAdapterOptions> = {},
): { adapter: SlackAdapter; logs: LoggedLine[] } {
  const logs: LoggedLine[] = [];
  const log = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(JSON.parse(line) as LoggedLine) } });
  const adapter = new SlackAdapter({
    botToken: SLACK_TOKEN,
    signingSecret: SLACK_SECRET,
    appToken: null,
    apiUrl: fake.url,
    repos: prismaRepositories(prisma),
    cipher: new FieldCipher(parseKeyRing(TEST_KEYS)),
    log,
    ...more,
  });
  return { adapter, logs };
}

/** Answers for every input of a modal, chosen by the element type (the first option of each select). */
export function answersFor(view: OpenedView, text: Record<string, string> = {}): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const b of view.view.blocks as Record<string, unknown>[]) {
    if (b.type !== 'input') continue;
    const id = String(b.block_id);
    const el = b.element as { type: string; options?: { value: string }[]; initial_value?: string };
    // 初估人數 is typed as text now (a number, a range, 約…人 or 尚不清楚＋what is done) and is required.
    if (el.type === 'plain_text_input')
      out[id] = { v: { type: el.type, value: text[id] ?? el.initial_value ?? (id === 'affectedEstimate' ? '30' : '教務處') } };
    else if (el.type === 'number_input') out[id] = { v: { type: el.type, value: '30' } };
    else if (el.type === 'static_select') out[id] = { v: { type: el.type, selected_option: { value: el.options![0]!.value } } };
    else if (el.type === 'multi_static_select') out[id] = { v: { type: el.type, selected_options: [{ value: el.options![0]!.value }] } };
    else if (el.type === 'radio_buttons') out[id] = { v: { type: el.type, selected_option: { value: 'false' } } };
  }
  return out;
}

/**
 * Answers a checklist item's modal as test/helpers/scenario.ts `fillItemForm` does for a core form: the note, and
 * where the item asks more (planned date, 辦理情形, 資安事件等級, delay reason, completion time) a valid answer.
 */
export function itemAnswersFor(view: OpenedView, note: string, over: Record<string, string> = {}): Record<string, Record<string, unknown>> {
  const inputs = (view.view.blocks as Record<string, unknown>[]).filter((b) => b.type === 'input');
  const elementOf = (b: Record<string, unknown>) => b.element as { type: string; options?: { value: string }[] };
  const form = {
    fields: inputs.map((b) => {
      const el = elementOf(b);
      const choice = el.type === 'static_select' || el.type === 'radio_buttons' || el.type === 'multi_static_select';
      return {
        id: String(b.block_id),
        label: '',
        type: choice ? 'select' : 'text',
        ...(choice ? { options: el.options!.map((o) => ({ value: o.value, label: o.value })) } : {}),
      };
    }),
  } as unknown as Form;
  const values = fillItemForm(form, note, over);
  const out: Record<string, Record<string, unknown>> = {};
  for (const b of inputs) {
    const id = String(b.block_id);
    const el = elementOf(b);
    const value = values[id]!;
    if (el.type === 'multi_static_select') out[id] = { v: { type: el.type, selected_options: [{ value }] } };
    else if (el.type === 'static_select' || el.type === 'radio_buttons') out[id] = { v: { type: el.type, selected_option: { value } } };
    else out[id] = { v: { type: el.type, value } };
  }
  return out;
}
