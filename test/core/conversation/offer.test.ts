import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../../src/app/demo.js';
import type {
  AdapterCapabilities,
  Button,
  ConversationAddress,
  Form,
  OutboundMessage,
  PlatformUser,
  TextMessage,
} from '../../../src/ports/chat-model.js';
import type { TestCoreDeps } from '../../helpers/core.js';
import { Bot } from '../../../src/core/conversation/bot.js';
import {
  headCountFrom,
  headCountText,
  occurredFrom,
  offerAction,
  offerReasons,
  parseOfferAction,
} from '../../../src/core/conversation/offer.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { testCoreDeps, testLibrary } from '../../helpers/core.js';

const { playbooks } = testLibrary;
const KINDS = new Set(['students', 'guardians', 'staff', 'others']);

describe('the offer button', () => {
  it('carries scenario, categories and people as ids, within the platform limit', () => {
    expect(offerAction({ scenario: 'misdirected-message', categories: ['grades', 'contact'], people: ['students'] })).toBe(
      'intake:start:misdirected-message:grades,contact:students',
    );
    expect(offerAction({ categories: ['grades'], people: [] })).toBe('intake:start::grades');
    expect(offerAction({ scenario: 'lost-media', categories: [], people: [] })).toBe('intake:start:lost-media');
    expect(offerAction({ categories: [], people: [] })).toBe('intake:start');
    const many = { scenario: 'misdirected-message', categories: playbooks.categories.map((c) => c.key), people: ['students', 'guardians'] };
    for (const limit of [100, 60, 40, 20]) {
      const action = offerAction(many, limit);
      expect(action.length).toBeLessThanOrEqual(Math.max(limit, 'intake:start:misdirected-message'.length));
      expect(action.startsWith('intake:start:misdirected-message')).toBe(true);
    }
    // Categories go first when it does not fit; people stay as long as possible.
    expect(offerAction(many, 60)).toMatch(/^intake:start:misdirected-message:[a-zA-Z,]*:students,guardians$/);
  });

  it('reads back only values the playbooks know', () => {
    expect(parseOfferAction(['misdirected-message', 'grades,nope,grades', 'students,aliens'], playbooks, KINDS)).toEqual({
      scenario: 'misdirected-message',
      categories: ['grades'],
      people: ['students'],
    });
    expect(parseOfferAction(['<script>', '', ''], playbooks, KINDS)).toEqual({ categories: [], people: [] });
    expect(parseOfferAction([], playbooks, KINDS)).toEqual({ categories: [], people: [] });
  });

  it('names the distinct words that triggered it', () => {
    expect(offerReasons(['名單+傳到+家長群組', '名單+傳到+錯', '外洩'])).toEqual(['名單', '傳到', '家長群組', '錯', '外洩']);
    // Words read from a mask token are the bot's own: not quoted back as what the user said.
    const masked = '外流的名單：陳小明 ［身分證號已遮蔽］ ［電話號碼已遮蔽］ 被傳到外面群組';
    expect(offerReasons(['外流+身分證+外面群組+被', '電話+名單'], 6, masked)).toEqual(['外流', '外面群組', '被', '名單']);
    expect(offerReasons(['外流+身分證'], 6, masked.normalize('NFKC'))).toEqual(['外流']);
  });
});

const PLATFORM = 'prefill';

interface Sent {
  to: ConversationAddress;
  message: OutboundMessage;
}

class FakeAdapter implements ChatAdapterLike {
  readonly platform = PLATFORM;
  readonly capabilities: AdapterCapabilities;
  readonly sent: Sent[] = [];
  private next = 1;
  constructor(maxFormFields: number) {
    this.capabilities = { maxFormFields, editMessages: false, maxButtonsPerRow: 3, maxActionLength: 100, quickReplies: true };
  }
  async send(to: ConversationAddress, message: OutboundMessage): Promise<{ messageId: string }> {
    this.sent.push({ to, message });
    return { messageId: `m${this.next++}` };
  }
  async update(): Promise<void> {}
  async directConversation(user: PlatformUser): Promise<ConversationAddress | null> {
    return { platform: PLATFORM, externalId: `dm:${user.externalId}`, kind: 'direct' };
  }
}
type ChatAdapterLike = Parameters<Bot['register']>[0];

const group: ConversationAddress = { platform: PLATFORM, externalId: 'demo-staff', kind: 'group' };
const dm: ConversationAddress = { platform: PLATFORM, externalId: 'dm:demo-teacher', kind: 'direct' };
const MESSAGE = '糟了，我剛把全班的成績單和家長電話傳到家長群組了';

describe('a report prefilled from the first message', () => {
  let tdb: TestDatabase;
  let deps: TestCoreDeps;
  let bot: Bot;
  let adapter: FakeAdapter;
  const clock = new Date();

  function boot(maxFormFields: number) {
    deps = testCoreDeps(tdb.db.prisma, () => clock);
    bot = new Bot(deps);
    adapter = new FakeAdapter(maxFormFields);
    bot.register(adapter);
  }

  beforeAll(async () => {
    tdb = await createTestDatabase();
    await seedDemo(tdb.db, PLATFORM);
  });
  afterAll(async () => {
    await tdb?.destroy();
  });

  async function event(where: ConversationAddress, e: { text: string } | { action: string }): Promise<Sent[]> {
    const from = adapter.sent.length;
    const base = { eventId: randomUUID(), conversation: where, user: { platform: PLATFORM, externalId: 'demo-teacher' }, at: clock };
    await bot.handle('text' in e ? { ...base, type: 'message', text: e.text } : { ...base, type: 'action', action: e.action });
    return adapter.sent.slice(from);
  }
  const lastText = (sent: Sent[]) => sent.filter((s) => s.message.type === 'text').pop()!.message as TextMessage;
  const quick = (q: TextMessage, label: string) => {
    const b = (q.quickReplies ?? []).find((x: Button) => x.label === label);
    expect(b, `quick reply ${label}; has ${(q.quickReplies ?? []).map((x) => x.label).join(',')}`).toBeTruthy();
    return b!.action;
  };

  /** The offer after MESSAGE in the staff group: its text and the start button. */
  async function offer(): Promise<{ text: string; start: string }> {
    const q = lastText(await event(group, { text: MESSAGE }));
    return { text: q.text, start: quick(q, '開始通報') };
  }

  it('the offer says why, and its button carries ids only', async () => {
    boot(0);
    const o = await offer();
    expect(o.text).toContain('（寄錯信或傳錯群組）');
    expect(o.text).toMatch(/（因為提到：「(成績單?|電話)」「傳到」「家長群組」）/);
    // A one-shot choice (src/core/conversation/choices.ts): once:<16-char id>:<the start action with ids only>.
    expect(o.start).toMatch(/^once:[A-Za-z0-9_-]{16}:intake:start:misdirected-message:[a-zA-Z,]+:[a-z,]+$/);
    expect(o.start).toContain('grades');
    expect(o.start).toContain('contact');
    expect(o.start).not.toMatch(/[^\x20-\x7e]/u);
  });

  it('step by step: the scenario is taken from the offer, categories and people are shown and kept with 不變', async () => {
    boot(0);
    const o = await offer();
    let q = lastText(await event(group, { action: o.start }));
    expect(q.text).toMatch(/^（2\/10）外洩經過/);
    q = lastText(await event(dm, { text: '把全班成績單傳到家長群組' }));
    q = lastText(await event(dm, { action: quick(q, '現在') }));
    q = lastText(await event(dm, { action: quick(q, '現在') }));
    q = lastText(await event(dm, { text: '班級 LINE 群組' }));
    expect(q.text).toMatch(/^（6\/10）個資類別/);
    expect(q.text).toMatch(/目前：.*成績.*聯絡方式|目前：.*聯絡方式.*成績/);
    expect((q.quickReplies ?? []).map((b) => b.label)).toEqual(['不變', '上一步', '取消通報']);
    q = lastText(await event(dm, { action: quick(q, '不變') }));
    expect(q.text).toMatch(/^（7\/10）初估人數/);
    q = lastText(await event(dm, { text: '30' }));
    expect(q.text).toMatch(/^（8\/10）涉及對象/);
    expect(q.text).toContain('目前：學生、家長或監護人');
    // Another answer replaces the prefilled one.
    q = lastText(await event(dm, { text: '1' }));
    expect(q.text).toMatch(/^（9\/10）涉及資訊系統/);
    q = lastText(await event(dm, { text: '否' }));
    await event(dm, { text: '已請家長刪除' });
    const incident = await deps.prisma.incident.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    expect(incident.playbookId).toBe('misdirected-message');
    expect([...incident.categories].sort()).toEqual(expect.arrayContaining(['contact', 'grades']));
    expect(incident.affectedKinds).toEqual(['students']);
  });

  it('as one form: scenario, categories and people come filled in', async () => {
    boot(20);
    const o = await offer();
    const form = (await event(group, { action: o.start })).find((s) => s.message.type === 'form')!.message as Form;
    const initial = (id: string) => form.fields.find((f) => f.id === id)?.initial;
    expect(initial('scenario')).toBe('misdirected-message');
    expect(initial('categories')).toEqual(expect.arrayContaining(['grades', 'contact']));
    expect(initial('affectedKinds')).toEqual(['students', 'guardians']);
    expect(initial('howLeaked')).toBeUndefined();
    await event(dm, { text: '取消' });
  });

  it('in pages of five fields: the page with categories and people comes filled in', async () => {
    boot(5);
    const o = await offer();
    const first = (await event(group, { action: o.start })).find((s) => s.message.type === 'form')!.message as Form;
    expect(first.fields.find((f) => f.id === 'scenario')?.initial).toBe('misdirected-message');
    const values = { scenario: 'misdirected-message', howLeaked: '傳錯群組', occurredAt: 'now', awareAt: 'now', place: '班級群組' };
    const sent = await (async () => {
      const from = adapter.sent.length;
      await bot.handle({
        type: 'form',
        eventId: randomUUID(),
        conversation: dm,
        user: { platform: PLATFORM, externalId: 'demo-teacher' },
        at: clock,
        formId: first.formId,
        values,
      });
      return adapter.sent.slice(from);
    })();
    const page2 = sent.find((s) => s.message.type === 'form')!.message as Form;
    expect(page2.fields.find((f) => f.id === 'categories')?.initial).toEqual(expect.arrayContaining(['grades', 'contact']));
    expect(page2.fields.find((f) => f.id === 'affectedKinds')?.initial).toEqual(['students', 'guardians']);
    await event(dm, { text: '取消' });
  });
});

describe('when it happened and how many, from the first message', () => {
  const now = new Date('2026-12-08T10:40:00+08:00');

  it('reads the occurrence time outside clauses about finding out, the earliest when several', () => {
    expect(occurredFrom('剛剛發現成績單被傳到家長LINE群組，大概今天早上8點多傳的', now)).toEqual({
      at: new Date('2026-12-08T08:00:00+08:00'),
      approximate: true,
    });
    expect(occurredFrom('今天上午10點半寄給家長的通知信附件有學生電話', now)).toEqual({
      at: new Date('2026-12-08T10:30:00+08:00'),
      approximate: false,
    });
    expect(occurredFrom('今天早上才發現，上週三下午寄錯了成績單', now)?.at).toEqual(new Date('2026-12-02T12:00:00+08:00'));
    expect(occurredFrom('昨天晚上9點傳錯群組，今天上午10點又轉傳了一次', now)?.at).toEqual(new Date('2026-12-07T21:00:00+08:00'));
    expect(occurredFrom('我寄錯信了，把全班成績單寄給所有家長', now)).toBeUndefined();
    expect(occurredFrom('今天早上才發現成績單寄錯了', now)).toBeUndefined();
  });

  it('reads one head count of people, never who told about it or two different counts', () => {
    expect(headCountFrom('成績單被傳到家長群組，約30位學生')).toBe('~30');
    expect(headCountFrom('附件誤夾了全年級45位學生的電話')).toBe('45');
    expect(headCountFrom('三十幾名學生的成績寄錯了')).toBe('30+');
    expect(headCountFrom('名單有30到40人')).toBe('30-40');
    expect(headCountFrom('兩位家長反映成績單被傳到群組')).toBeUndefined();
    expect(headCountFrom('3位老師和30位學生的資料')).toBeUndefined();
    expect(headCountFrom('三年二班的成績單8點多傳錯群組')).toBeUndefined();
    expect(['~30', '45', '30+', '30-40'].map(headCountText)).toEqual(['約30人', '45人', '30多人', '30到40人']);
  });

  it('the button carries them compactly and reads back only a past time and a well-formed count', () => {
    const occurred = { at: new Date('2026-12-08T08:00:00+08:00'), approximate: true };
    const action = offerAction({
      scenario: 'misdirected-message',
      categories: ['grades'],
      people: ['students'],
      occurred,
      headCount: '~30',
    });
    expect(action).toMatch(/^intake:start:misdirected-message:grades:students:[0-9a-z]+~:~30$/);
    expect(action).not.toMatch(/[^\x20-\x7e]/u);
    expect(parseOfferAction(action.split(':').slice(2), playbooks, KINDS, now)).toEqual({
      scenario: 'misdirected-message',
      categories: ['grades'],
      people: ['students'],
      occurred,
      headCount: '~30',
    });
    // No categories or people: the places stay, empty.
    expect(offerAction({ categories: [], people: [], headCount: '45' })).toBe('intake:start:::::45');
    // A time to come, garbage and a backwards range are dropped.
    const future = offerAction({
      categories: [],
      people: [],
      occurred: { at: new Date(now.getTime() + 3_600_000), approximate: false },
      headCount: '40-30',
    });
    expect(parseOfferAction(future.split(':').slice(2), playbooks, KINDS, now)).toEqual({ categories: [], people: [] });
    expect(parseOfferAction(['', '', '', '<x>', '9'.repeat(20)], playbooks, KINDS, now)).toEqual({ categories: [], people: [] });
    // When it does not fit, the count and then the time go after the categories and the people.
    const many = {
      scenario: 'misdirected-message',
      categories: playbooks.categories.map((c) => c.key),
      people: ['students', 'guardians'],
      occurred,
      headCount: '30-40',
    };
    expect(offerAction(many, 70)).toMatch(/^intake:start:misdirected-message:[a-zA-Z,]*:students,guardians:[0-9a-z]+~:30-40$/);
    expect(offerAction(many, 60)).toMatch(/^intake:start:misdirected-message::students:[0-9a-z]+~:30-40$/);
    expect(offerAction(many, 48)).toMatch(/^intake:start:misdirected-message:::[0-9a-z]{5}~:30-40$/);
    expect(offerAction(many, 45)).toMatch(/^intake:start:misdirected-message:::[0-9a-z]{5}~$/);
    expect(offerAction(many, 40)).toBe('intake:start:misdirected-message');
  });
});

describe('a report prefilled with the time and head count of the first message', () => {
  let tdb: TestDatabase;
  let bot: Bot;
  let adapter: FakeAdapter;
  let deps: TestCoreDeps;
  const start = Date.now();
  // A school morning in Taipei, running.
  const clock = () => new Date(Date.parse('2026-12-08T10:40:00+08:00') + (Date.now() - start));
  const MORNING = '剛剛發現三年二班的成績單被傳到家長LINE群組，大概今天早上8點多傳的，約30位學生';

  function boot(maxFormFields: number) {
    deps = testCoreDeps(tdb.db.prisma, clock);
    bot = new Bot(deps);
    adapter = new FakeAdapter(maxFormFields);
    bot.register(adapter);
  }
  beforeAll(async () => {
    tdb = await createTestDatabase();
    await seedDemo(tdb.db, PLATFORM);
  });
  afterAll(async () => {
    await tdb?.destroy();
  });

  async function event(where: ConversationAddress, e: { text: string } | { action: string }): Promise<Sent[]> {
    const from = adapter.sent.length;
    const base = { eventId: randomUUID(), conversation: where, user: { platform: PLATFORM, externalId: 'demo-teacher' }, at: clock() };
    await bot.handle('text' in e ? { ...base, type: 'message', text: e.text } : { ...base, type: 'action', action: e.action });
    return adapter.sent.slice(from);
  }
  const lastText = (sent: Sent[]) => sent.filter((s) => s.message.type === 'text').pop()!.message as TextMessage;
  const quick = (q: TextMessage, label: string) => {
    const b = (q.quickReplies ?? []).find((x: Button) => x.label === label);
    expect(b, `quick reply ${label}; has ${(q.quickReplies ?? []).map((x) => x.label).join(',')}`).toBeTruthy();
    return b!.action;
  };
  const start_ = async () => quick(lastText(await event(group, { text: MORNING })), '開始通報');

  it('as one form: 發生時間 and 初估人數 come filled in, saying they were read from the message; sent unchanged, the time is an estimate', async () => {
    boot(20);
    const form = (await event(group, { action: await start_() })).find((s) => s.message.type === 'form')!.message as Form;
    const field = (id: string) => form.fields.find((f) => f.id === id)!;
    expect(field('occurredAt').initial).toBe(new Date('2026-12-08T08:00:00+08:00').toISOString());
    expect(field('occurredAt').help).toBe('依您的訊息帶入：12/8（二）08:00 左右。請確認，不對就直接修改。');
    expect(field('affectedEstimate').initial).toBe('約30人');
    expect(field('affectedKinds').initial).toEqual(['students']);
    expect(field('howLeaked').help).not.toContain('依您的訊息');
    const values = {
      scenario: 'misdirected-message',
      howLeaked: '成績單傳錯群組',
      occurredAt: '2026-12-08T08:00',
      awareAt: '2026-12-08T10:40',
      place: '家長LINE群組',
      categories: ['grades'],
      affectedEstimate: '約30人',
      affectedKinds: ['students'],
      involvesSystem: 'false',
      stepsTaken: '尚未處置',
    };
    const from = adapter.sent.length;
    await bot.handle({
      type: 'form',
      eventId: randomUUID(),
      conversation: dm,
      user: { platform: PLATFORM, externalId: 'demo-teacher' },
      at: clock(),
      formId: form.formId,
      values,
    });
    const said = adapter.sent
      .slice(from)
      .filter((s) => s.message.type === 'text')
      .map((s) => (s.message as TextMessage).text);
    expect(said).toContain('以下時間是依您的描述推定的約略時間：發生時間 12/8（二）08:00 左右。如不正確，請在事件卡上更正。');
    const incident = await deps.prisma.incident.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    expect(incident.occurredAt.toISOString()).toBe(new Date('2026-12-08T08:00:00+08:00').toISOString());
    expect(incident.affectedEstimate).toBe(30);
  });

  it('as one form: a time the reporter corrects is filed as typed, not as an estimate', async () => {
    boot(20);
    const form = (await event(group, { action: await start_() })).find((s) => s.message.type === 'form')!.message as Form;
    const values = {
      scenario: 'misdirected-message',
      howLeaked: '成績單傳錯群組',
      occurredAt: '2026-12-08T08:20',
      awareAt: '2026-12-08T10:40',
      place: '家長LINE群組',
      categories: ['grades'],
      affectedEstimate: '32',
      affectedKinds: ['students'],
      involvesSystem: 'false',
      stepsTaken: '尚未處置',
    };
    const from = adapter.sent.length;
    await bot.handle({
      type: 'form',
      eventId: randomUUID(),
      conversation: dm,
      user: { platform: PLATFORM, externalId: 'demo-teacher' },
      at: clock(),
      formId: form.formId,
      values,
    });
    const said = adapter.sent
      .slice(from)
      .filter((s) => s.message.type === 'text')
      .map((s) => (s.message as TextMessage).text);
    expect(said.some((t) => t.includes('約略時間'))).toBe(false);
    const incident = await deps.prisma.incident.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    expect(incident.occurredAt.toISOString()).toBe(new Date('2026-12-08T08:20:00+08:00').toISOString());
    expect(incident.affectedEstimate).toBe(32);
  });

  it('step by step: the time is shown as 「目前：… 左右」 and kept with one tap of 不變, as is the head count', async () => {
    boot(0);
    let q = lastText(await event(group, { action: await start_() }));
    expect(q.text).toMatch(/^（2\/10）外洩經過/);
    q = lastText(await event(dm, { text: '把成績單傳到家長群組' }));
    expect(q.text).toMatch(/^（3\/10）發生時間/);
    expect(q.text).toContain('目前：12/8（二）08:00 左右');
    expect((q.quickReplies ?? [])[0]?.label).toBe('不變');
    q = lastText(await event(dm, { action: quick(q, '不變') }));
    expect(q.text).toMatch(/^（4\/10）知悉時間/);
    q = lastText(await event(dm, { action: quick(q, '現在') }));
    q = lastText(await event(dm, { text: '家長LINE群組' }));
    q = lastText(await event(dm, { action: quick(q, '不變') }));
    expect(q.text).toMatch(/^（7\/10）初估人數/);
    expect(q.text).toContain('目前：約30人');
    q = lastText(await event(dm, { action: quick(q, '不變') }));
    q = lastText(await event(dm, { action: quick(q, '不變') }));
    q = lastText(await event(dm, { text: '否' }));
    await event(dm, { text: '尚未處置' });
    const incident = await deps.prisma.incident.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    expect(incident.occurredAt.toISOString()).toBe(new Date('2026-12-08T08:00:00+08:00').toISOString());
    expect(incident.affectedEstimate).toBe(30);
    const reported = await deps.prisma.timelineEntry.findFirstOrThrow({ where: { incidentId: incident.id, type: 'incident.reported' } });
    expect(reported.summary).toContain(incident.ref);
  });
});
