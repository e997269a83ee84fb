import { expect } from 'vitest';
import { DEMO_PEOPLE } from '../../../src/app/demo.js';
import type { PrismaClient } from '../../../src/generated/prisma/client.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { callbackBody, ev, lineGroupId, lineUserId, postWebhook, sign, type Where } from './events.js';
import { FakeLinePlatform, type DeliveredMessage } from './platform.js';

/** The product with LINE on, its API pointed at a fake LINE platform; helpers send signed webhooks like LINE. */
export const LINE_SECRET = '0123456789abcdef0123456789abcdef';
export const LINE_TOKEN = 'test-channel-access-token-000000000000';

export type DemoId = (typeof DEMO_PEOPLE)[number]['id'];
export const uid = (person: DemoId) => lineUserId(person);

export interface LineTestApp {
  t: TestApp;
  fake: FakeLinePlatform;
  /** Sends these events in one signed webhook request; resolves with what the bot delivered because of them. */
  send(events: Record<string, unknown>[]): Promise<DeliveredMessage[]>;
  say(where: Where, from: DemoId | string, text: string): Promise<DeliveredMessage[]>;
  press(where: Where, from: DemoId | string, data: string): Promise<DeliveredMessage[]>;
  close(): Promise<void>;
}

const asUser = (from: string) => (from.startsWith('demo-') ? uid(from as DemoId) : from);
const chatOf = (where: Where) => ('group' in where ? where.group : where.user);

export async function startLineTestApp(opts: { env?: Record<string, string>; now?: () => Date } = {}): Promise<LineTestApp> {
  const fake = await FakeLinePlatform.start(LINE_TOKEN);
  const t = await startTestApp({
    env: {
      LINE_CHANNEL_SECRET: LINE_SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: LINE_TOKEN,
      LINE_API_BASE_URL: fake.url,
      LINE_API_DATA_URL: fake.dataUrl,
      ...opts.env,
    },
    ...(opts.now ? { now: opts.now } : {}),
  });
  const h: LineTestApp = {
    t,
    fake,
    async send(events) {
      const before = fake.delivered.length;
      const body = callbackBody(events as never);
      const res = await postWebhook(t.url, body, sign(body, LINE_SECRET));
      expect(res.status).toBe(200);
      await t.app.line!.idle();
      return fake.delivered.slice(before);
    },
    say(where, from, text) {
      return h.send([ev.text(where, asUser(from), text, fake.issueReplyToken(chatOf(where)))]);
    },
    press(where, from, data) {
      return h.send([ev.postback(where, asUser(from), data, fake.issueReplyToken(chatOf(where)))]);
    },
    async close() {
      await t.close();
      await fake.close();
    },
  };
  return h;
}

/** Test data only: links the demo people's (fake) LINE accounts, as the binding codes would. */
export async function seedLineIdentities(prisma: PrismaClient, people: readonly DemoId[]): Promise<void> {
  for (const id of people) {
    const p = DEMO_PEOPLE.find((d) => d.id === id)!;
    await prisma.identity.upsert({
      where: { platform_externalId: { platform: 'line', externalId: uid(id) } },
      update: {},
      create: { id: `line-${id}`, personId: id, platform: 'line', externalId: uid(id), displayName: p.name },
    });
  }
}

export { lineGroupId, lineUserId };

// ---------------------------------------------------------------- reading what the bot sent

export const texts = (d: DeliveredMessage[]) => d.filter((m) => m.message.type === 'text').map((m) => m.message.text as string);
export const flexes = (d: DeliveredMessage[]) => d.filter((m) => m.message.type === 'flex');

export interface FoundAction {
  label: string;
  type: string;
  data?: string;
  text?: string;
}

/** Every action (Flex buttons and quick replies) inside a message, in order. */
export function actionsIn(message: Record<string, unknown>): FoundAction[] {
  const out: FoundAction[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if ((o.type === 'postback' || o.type === 'message') && typeof o.label === 'string') {
      out.push({
        label: o.label,
        type: o.type,
        ...(typeof o.data === 'string' ? { data: o.data } : {}),
        ...(typeof o.text === 'string' ? { text: o.text } : {}),
      });
      return;
    }
    Object.values(o).forEach(walk);
  };
  walk(message);
  return out;
}

/** All text shown in a Flex message, joined (to assert on titles and rows). */
export function flexText(message: Record<string, unknown>): string {
  const out: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o.type === 'text' && typeof o.text === 'string') out.push(o.text);
    for (const [k, v] of Object.entries(o)) if (k !== 'action') walk(v);
  };
  walk((message as { contents?: unknown }).contents);
  return out.join('\n');
}

// ---------------------------------------------------------------- answering a checklist item's questions

/** The numbered question (「（1/3）…」) among these messages, if the bot asked one. */
function questionIn(d: DeliveredMessage[]): { text: string; label: string; quick: FoundAction[] } | null {
  const m = [...d].reverse().find((x) => x.message.type === 'text' && /^（\d+\/\d+）/m.test(String(x.message.text)));
  if (!m) return null;
  const text = String(m.message.text);
  const label = /^（\d+\/\d+）(.*)$/m.exec(text)![1]!;
  return { text, label, quick: actionsIn(m.message) };
}

/**
 * Answers what the bot asks after 完成 on an item, in `where`: a single 完成情形 question, or the short step-by-step
 * form of an item that asks more (LINE shows no forms) — the first offered option for a choice, 現在 for a time,
 * today for a date, `note` otherwise. `out` is what the bot sent for 完成; returns the questions it answered and what
 * the bot sent after the last answer (the edited checklist card).
 */
export async function answerItemQuestions(
  h: LineTestApp,
  where: Where,
  from: DemoId | string,
  out: DeliveredMessage[],
  note: string,
): Promise<{ asked: string[]; last: DeliveredMessage[] }> {
  const asked: string[] = [];
  let last = out;
  for (let guard = 0; guard < 10; guard += 1) {
    const q = questionIn(last);
    // A note-only item asks 完成情形 in one message, without a number.
    if (!q && guard === 0 && texts(last).some((t) => t.includes('完成情形'))) {
      asked.push('完成情形');
      last = await h.say(where, from, note);
      continue;
    }
    if (!q) break;
    asked.push(q.label);
    const choice = q.quick.find((a) => a.type === 'message' && /^\d+$/.test(a.text ?? ''));
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const answer = q.text.includes('請回覆編號')
      ? (choice?.text ?? '1')
      : q.quick.some((a) => a.label === '現在')
        ? '現在'
        : q.label.includes('日期')
          ? today
          : note;
    last = await h.say(where, from, answer);
  }
  return { asked, last };
}

/** Every URI action inside a message (link buttons: the console's sign-in, 「在網頁填寫」). */
export function uris(message: Record<string, unknown>): { label: string; uri: string }[] {
  const out: { label: string; uri: string }[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o.type === 'uri' && typeof o.uri === 'string') out.push({ label: String(o.label), uri: o.uri });
    Object.values(o).forEach(walk);
  };
  walk(message);
  return out;
}
