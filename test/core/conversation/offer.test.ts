import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../../src/app/demo.js';
import type { AdapterCapabilities, Button, ConversationAddress, Form, OutboundMessage, PlatformUser, TextMessage } from '../../../src/core/chat/model.js';
import type { CoreDeps } from '../../../src/core/context.js';
import { Bot } from '../../../src/core/conversation/bot.js';
import { offerAction, offerReasons, parseOfferAction } from '../../../src/core/conversation/offer.js';
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
  let deps: CoreDeps;
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
    await seedDemo(tdb.db.prisma, PLATFORM);
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
      await bot.handle({ type: 'form', eventId: randomUUID(), conversation: dm, user: { platform: PLATFORM, externalId: 'demo-teacher' }, at: clock, formId: first.formId, values });
      return adapter.sent.slice(from);
    })();
    const page2 = sent.find((s) => s.message.type === 'form')!.message as Form;
    expect(page2.fields.find((f) => f.id === 'categories')?.initial).toEqual(expect.arrayContaining(['grades', 'contact']));
    expect(page2.fields.find((f) => f.id === 'affectedKinds')?.initial).toEqual(['students', 'guardians']);
    await event(dm, { text: '取消' });
  });
});
