import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../../src/app/demo.js';
import type {
  AdapterCapabilities,
  Button,
  Card,
  ConversationAddress,
  Form,
  OutboundMessage,
  PlatformUser,
  TextMessage,
} from '../../../src/ports/chat-model.js';
import { Bot } from '../../../src/core/conversation/bot.js';
import { T } from '../../../src/core/conversation/texts.js';
import { WHEN_TEXTS } from '../../../src/core/conversation/when.js';
import { toTaipeiIso, taipeiWallClock } from '../../../src/core/time/taipei.js';
import type { ChatAdapter } from '../../../src/ports/chat.js';
import type { PrismaClient } from '../../../src/generated/prisma/client.js';
import { readTimeline } from '../../../src/core/timeline/timeline.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { testCoreDeps } from '../../helpers/core.js';

/**
 * Typed times in the conversation: the one-tap confirmation of approximate answers step by step, the reading shown
 * after a form is filed, the specific errors, and 知悉時間 prefilled with the moment the report was started, on every
 * path (one form, pages of five, step by step).
 */
interface Sent {
  to: ConversationAddress;
  message: OutboundMessage;
}

class TestAdapter implements ChatAdapter {
  readonly capabilities: AdapterCapabilities;
  readonly sent: Sent[] = [];
  constructor(
    readonly platform: string,
    maxFormFields: number,
  ) {
    this.capabilities = { maxFormFields, editMessages: false, maxButtonsPerRow: 3, maxActionLength: 100, quickReplies: true };
  }
  async send(to: ConversationAddress, message: OutboundMessage) {
    this.sent.push({ to, message });
    return { messageId: `m${this.sent.length}` };
  }
  async update() {}
  async directConversation(user: PlatformUser): Promise<ConversationAddress> {
    return { platform: this.platform, externalId: `dm:${user.externalId}`, kind: 'direct' };
  }
}

// Sunday 2026-12-06 21:10 Taipei; the clock moves on as the reporter answers.
const START = new Date('2026-12-06T21:10:00+08:00');

describe('typed times in the conversation', () => {
  let tdb: TestDatabase;
  let prisma: PrismaClient;
  let clock = START;
  const bots = new Map<string, { bot: Bot; adapter: TestAdapter }>();

  beforeAll(async () => {
    tdb = await createTestDatabase();
    prisma = tdb.db.prisma;
    for (const [platform, max] of [
      ['steps', 0],
      ['pages', 5],
      ['form', 20],
    ] as const) {
      await seedDemo(tdb.db, platform);
      const adapter = new TestAdapter(platform, max);
      const bot = new Bot(testCoreDeps(prisma, () => clock));
      bot.register(adapter);
      bots.set(platform, { bot, adapter });
    }
  });
  afterAll(async () => {
    await tdb?.destroy();
  });

  async function event(platform: string, e: Parameters<typeof eventAs>[2], who = 'demo-teacher', where = `dm:${who}`) {
    return eventAs(platform, who, e, where);
  }
  async function eventAs(
    platform: string,
    who: string,
    e: { text: string } | { action: string } | { formId: string; values: Record<string, string | string[]> },
    where: string,
  ) {
    const { bot, adapter } = bots.get(platform)!;
    const from = adapter.sent.length;
    const kind = where.startsWith('dm:') ? ('direct' as const) : ('group' as const);
    const base = {
      eventId: randomUUID(),
      conversation: { platform, externalId: where, kind },
      user: { platform, externalId: who },
      at: clock,
    };
    if ('text' in e) await bot.handle({ ...base, type: 'message', text: e.text });
    else if ('action' in e) await bot.handle({ ...base, type: 'action', action: e.action });
    else await bot.handle({ ...base, type: 'form', formId: e.formId, values: e.values });
    return adapter.sent.slice(from).map((s) => s.message);
  }
  const last = (sent: OutboundMessage[]): TextMessage => sent.filter((m): m is TextMessage => m.type === 'text').pop()!;
  const texts = (sent: OutboundMessage[]) => sent.filter((m): m is TextMessage => m.type === 'text').map((m) => m.text);
  const formsIn = (sent: OutboundMessage[]) => sent.filter((m): m is Form => m.type === 'form');
  const tap = (q: TextMessage, label: string) => {
    const b = (q.quickReplies ?? []).find((x: Button) => x.label === label);
    expect(b, `quick reply ${label}; has ${(q.quickReplies ?? []).map((x) => x.label).join(',')}`).toBeTruthy();
    return b!.action;
  };
  const reportedDetail = async (incidentId: string) => {
    const entries = await readTimeline(
      testCoreDeps(prisma, () => clock),
      incidentId,
    );
    return entries.find((e) => e.type === 'incident.reported')!.detail as Record<string, unknown>;
  };
  const latestIncident = () => prisma.incident.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });

  it('step by step: a vague time is confirmed in one tap (對／重填), a typed time replaces it, the future is refused', async () => {
    let q = last(await event('steps', { text: '通報' }));
    q = last(await event('steps', { action: tap(q, '寄錯信或傳錯群組') }));
    q = last(await event('steps', { text: '成績單寄到家長群組' }));
    expect(q.text).toMatch(/^（3\/10）發生時間/);
    expect(q.text).toContain(WHEN_TEXTS.hint);

    // Unreadable: specific, with examples that parse.
    q = last(await event('steps', { text: '不太記得' }));
    expect(q.text.startsWith(WHEN_TEXTS.unreadable('發生時間'))).toBe(true);
    // In the future: said so, with the reading.
    q = last(await event('steps', { text: '明天早上' }));
    expect(q.text).toMatch(/^「發生時間」不能是未來的時間（看起來是 12\/7（一）06:00）/);
    // A date with a weekday that does not agree: which day that is, asked again.
    q = last(await event('steps', { text: '11月28號禮拜五' }));
    expect(q.text).toMatch(/^「發生時間」的日期和後面的星期或節日對不上（11\/28 是星期六）。請再確認日期。/);

    // Vague: confirmed. 重填 asks again; another typed time is a new answer.
    q = last(await event('steps', { text: '昨天下午' }));
    expect(q.text).toBe('「發生時間」記為 12/5（六）12:00 左右，對嗎？');
    expect(q.quickReplies!.map((b) => b.label)).toEqual(['對', '重填', '取消通報']);
    q = last(await event('steps', { action: tap(q, '重填') }));
    expect(q.text).toMatch(/^（3\/10）發生時間/);
    q = last(await event('steps', { text: '昨天下午3點左右' }));
    expect(q.text).toBe('「發生時間」記為 12/5（六）15:00 左右，對嗎？');
    q = last(await event('steps', { text: '昨天下午3點20分' }));
    expect(q.text).toMatch(/^（4\/10）知悉時間/);
    // 知悉時間: 「現在」 is one tap.
    expect(q.quickReplies![0]!.label).toBe('現在');
    q = last(await event('steps', { text: '兩小時前' }));
    expect(q.text).toBe('「知悉時間」記為 12/6（日）19:10 左右，對嗎？');
    q = last(await event('steps', { action: tap(q, '對') }));
    expect(q.text).toMatch(/^（5\/10）發生地點/);
    q = last(await event('steps', { text: '家長群組' }));
    q = last(await event('steps', { text: '1' }));
    // 初估人數 is required now (an estimate such as 約30人), no longer skipped.
    q = last(await event('steps', { text: '約30人' }));
    q = last(await event('steps', { text: '1' }));
    q = last(await event('steps', { action: tap(q, '否') }));
    await event('steps', { text: '尚未處置' });
    const inc = await latestIncident();
    expect(toTaipeiIso(inc.occurredAt)).toBe('2026-12-05T15:20:00+08:00');
    expect(toTaipeiIso(inc.awareAt)).toBe('2026-12-06T19:10:00+08:00');
    // The confirmed estimate is recorded as one; the exact occurrence time is not.
    expect(await reportedDetail(inc.id)).toMatchObject({ approximateTimes: ['awareAt'] });
    // Kept on the incident too: cards and signed documents say 「左右」 for it (recordedTime).
    expect(inc.approximateTimes).toEqual(['awareAt']);
  });

  it('any other form asked step by step confirms a vague time the same way (the assessment’s corrected 發生時間)', async () => {
    const inc = await prisma.incident.findFirstOrThrow({ where: { reporterId: 'demo-teacher' }, orderBy: { createdAt: 'asc' } });
    const say = (text: string) => event('steps', { text }, 'demo-window', 'demo-response');
    let q = last(await say(`評估 ${inc.ref}`));
    for (let i = 0; i < 12 && !q.text.includes('發生時間（如需更正）'); i += 1) {
      const keep = (q.quickReplies ?? []).find((b) => b.label === '不變' || b.label === '略過');
      q = last(await event('steps', { action: keep!.action }, 'demo-window', 'demo-response'));
    }
    expect(q.text).toContain('發生時間（如需更正）');
    q = last(await say('前天下午'));
    expect(q.text).toBe('「發生時間（如需更正）」記為 12/4（五）12:00 左右，對嗎？');
    expect(q.quickReplies!.map((b) => b.label)).toEqual(['對', '重填', '取消']);
    let sent = await event('steps', { action: tap(q, '對') }, 'demo-window', 'demo-response');
    for (let i = 0; i < 3 && !texts(sent).includes(T.assessmentSaved(inc.ref)); i += 1) {
      sent = await say('發現發生時間記錯了');
    }
    expect(texts(sent)).toContain(T.assessmentSaved(inc.ref));
    const after = await prisma.incident.findUniqueOrThrow({ where: { id: inc.id } });
    expect(toTaipeiIso(after.occurredAt)).toBe('2026-12-04T12:00:00+08:00');
  });

  it('one form: 知悉時間 is prefilled with the moment the report started; a vague time is filed and its reading shown', async () => {
    clock = new Date(START.getTime() + 60 * 60_000);
    const started = await event('form', { text: '通報' });
    const form = formsIn(started)[0]!;
    const aware = form.fields.find((f) => f.id === 'awareAt')!;
    expect(aware.initial).toBe('2026-12-06T22:10');
    expect(form.fields.find((f) => f.id === 'occurredAt')!.initial).toBeUndefined();
    clock = new Date(clock.getTime() + 3 * 60_000);
    const values = {
      scenario: 'misdirected-message',
      howLeaked: '成績單寄到家長群組',
      occurredAt: '今天早上',
      awareAt: aware.initial as string,
      place: '家長群組',
      categories: ['name'],
      affectedEstimate: '約30人',
      affectedKinds: ['students'],
      involvesSystem: 'false',
      stepsTaken: '尚未處置',
    };
    const filed = await event('form', { formId: form.formId, values });
    expect(texts(filed)).toContain(WHEN_TEXTS.filedApproximate([WHEN_TEXTS.approxPart('發生時間', new Date('2026-12-06T06:00:00+08:00'))]));
    const inc = await latestIncident();
    expect(toTaipeiIso(inc.occurredAt)).toBe('2026-12-06T06:00:00+08:00');
    expect(toTaipeiIso(inc.awareAt)).toBe('2026-12-06T22:10:00+08:00');
    expect(await reportedDetail(inc.id)).toMatchObject({ approximateTimes: ['occurredAt'] });
    expect(inc.approximateTimes).toEqual(['occurredAt']);
    const card = filed.find((b): b is Card => b.type === 'card' && b.key === 'incident');
    expect(card?.sections.flatMap((x) => x.fields ?? []).find((f) => f.label === '發生時間')?.value).toMatch(/06:00 左右$/);
  });

  it('pages: the page holding 知悉時間 is prefilled too, and a re-shown page keeps it', async () => {
    clock = new Date(START.getTime() + 2 * 60 * 60_000);
    const page1 = formsIn(await event('pages', { text: '通報' }))[0]!;
    const aware = page1.fields.find((f) => f.id === 'awareAt');
    expect(aware?.initial).toBe(taipeiWallClock(clock));
    expect(aware?.initial).toBe('2026-12-06T23:10');
  });
});
