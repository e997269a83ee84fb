import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedDemo } from '../../../src/app/demo.js';
import type {
  AdapterCapabilities,
  AdapterWording,
  Card,
  ConversationAddress,
  Form,
  OutboundMessage,
  PlatformUser,
  TextMessage,
} from '../../../src/ports/chat-model.js';
import type { TestCoreDeps } from '../../helpers/core.js';
import { Bot } from '../../../src/core/conversation/bot.js';
import { T } from '../../../src/core/conversation/texts.js';
import type { ChatAdapter } from '../../../src/ports/chat.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { testCoreDeps, testLibrary } from '../../helpers/core.js';

/**
 * Details never land in a wide room: when the bot cannot open a private chat with the reporter (or with any
 * responder), incident details go only to private chats, response groups or the incident's room, and the wide group
 * gets a detail-free message saying who must act and how — in the platform's own words.
 */
interface Sent {
  to: ConversationAddress;
  message: OutboundMessage;
}

const HOW = '按下「加入好友」';

class FakeAdapter implements ChatAdapter {
  readonly sent: Sent[] = [];
  readonly wording: AdapterWording = { reachPrivately: HOW };
  /** People the bot cannot write to privately. */
  readonly noDirect = new Set<string>();
  private next = 1;
  constructor(
    readonly platform: string,
    readonly capabilities: AdapterCapabilities,
  ) {}
  async send(to: ConversationAddress, message: OutboundMessage): Promise<{ messageId: string }> {
    this.sent.push({ to, message });
    return { messageId: `m${this.next++}` };
  }
  async update(to: ConversationAddress, _id: string, message: OutboundMessage): Promise<void> {
    this.sent.push({ to, message });
  }
  async directConversation(user: PlatformUser): Promise<ConversationAddress | null> {
    if (this.noDirect.has(user.externalId)) return null;
    return { platform: this.platform, externalId: `dm:${user.externalId}`, kind: 'direct' };
  }
}

const STEPS: AdapterCapabilities = { maxFormFields: 0, editMessages: false, maxButtonsPerRow: 3, maxActionLength: 300, quickReplies: true };
const MODALS: AdapterCapabilities = {
  maxFormFields: 40,
  editMessages: true,
  maxButtonsPerRow: 5,
  maxActionLength: 100,
  quickReplies: true,
  privateForms: true,
};

const HOW_LEAKED = '段考成績單寄錯班級家長';

describe('details never land in a wide room', () => {
  let tdb: TestDatabase;
  let deps: TestCoreDeps;
  let bot: Bot;
  const clock = new Date('2026-11-20T02:00:00Z');

  beforeEach(async () => {
    tdb = await createTestDatabase();
    deps = testCoreDeps(tdb.db.prisma, () => clock);
    bot = new Bot(deps);
  });
  afterEach(async () => {
    await tdb?.destroy();
  });

  async function withAdapter(platform: string, caps: AdapterCapabilities): Promise<FakeAdapter> {
    await seedDemo(tdb.db, platform);
    const a = new FakeAdapter(platform, caps);
    bot.register(a);
    return a;
  }

  async function event(
    a: FakeAdapter,
    user: string,
    where: ConversationAddress,
    e: { text: string } | { formId: string; values: Record<string, string | string[]> },
  ): Promise<Sent[]> {
    const from = a.sent.length;
    const base = { eventId: randomUUID(), conversation: where, user: { platform: a.platform, externalId: user }, at: clock };
    if ('text' in e) await bot.handle({ ...base, type: 'message', text: e.text });
    else await bot.handle({ ...base, type: 'form', formId: e.formId, values: e.values });
    return a.sent.slice(from);
  }
  const group = (a: FakeAdapter, id: string): ConversationAddress => ({ platform: a.platform, externalId: id, kind: 'group' });
  const textsTo = (sent: Sent[], id: string) =>
    sent.filter((s) => s.to.externalId === id && s.message.type === 'text').map((s) => (s.message as TextMessage).text);
  const cardsTo = (sent: Sent[], id: string) =>
    sent.filter((s) => s.to.externalId === id && s.message.type === 'card').map((s) => (s.message as Card).key);
  const allText = (sent: Sent[], id: string) =>
    sent
      .filter((s) => s.to.externalId === id)
      .map((s) => JSON.stringify(s.message))
      .join('\n');
  const values = () => ({
    scenario: 'misdirected-message',
    howLeaked: HOW_LEAKED,
    occurredAt: '2026-11-20T01:00:00Z',
    awareAt: '2026-11-20T01:30:00Z',
    place: '教務處',
    categories: [testLibrary.playbooks.categories[0]!.key],
    affectedEstimate: '12',
    affectedKinds: ['students'],
    involvesSystem: 'false',
    stepsTaken: '已請收件人刪除',
  });

  it('a platform that asks step by step never asks the report in a group: the group is told how, the contact window at once', async () => {
    const a = await withAdapter('steps', STEPS);
    a.noDirect.add('demo-teacher');
    const sent = await event(a, 'demo-teacher', group(a, 'demo-staff'), { text: '通報' });
    expect(textsTo(sent, 'demo-staff')).toEqual([T.cannotAskInGroup('王老師（示範）', HOW)]);
    expect(sent.filter((s) => s.to.externalId === 'demo-staff' && s.message.type !== 'text')).toEqual([]);
    // The contact window hears of it privately, with where it happened and nothing of what leaked.
    expect(textsTo(sent, 'dm:demo-window')).toEqual([T.reporterUnreachable('王老師（示範）', '示範國中 教職員群組（示範）')]);
    expect(await deps.prisma.pendingPrompt.count()).toBe(0);
    // The answer typed next in the group is not taken as a report answer.
    const chatter = await event(a, 'demo-teacher', group(a, 'demo-staff'), { text: '教務處' });
    expect(chatter).toEqual([]);
  });

  it('in the response group the report may be asked there (details are allowed there)', async () => {
    const a = await withAdapter('steps2', STEPS);
    a.noDirect.add('demo-it');
    const sent = await event(a, 'demo-it', group(a, 'demo-response'), { text: '通報' });
    expect(textsTo(sent, 'demo-response')[0]).toBe(T.intakeIntro);
    expect(await deps.prisma.pendingPrompt.count({ where: { status: 'open' } })).toBe(1);
  });

  it('a private form in a group: the incident is created, the group gets a detail-free answer, the details go to the response group', async () => {
    const a = await withAdapter('modal', MODALS);
    a.noDirect.add('demo-teacher');
    const started = await event(a, 'demo-teacher', group(a, 'demo-staff'), { text: '通報' });
    // Only the private form: nothing is said to the whole group while the report is being filled.
    expect(started.map((s) => s.message.type)).toEqual(['form']);
    const form = started.find((s) => s.message.type === 'form')!.message as Form;
    const sent = await event(a, 'demo-teacher', group(a, 'demo-staff'), { formId: form.formId, values: values() });
    const incident = await deps.prisma.incident.findFirstOrThrow();
    expect(textsTo(sent, 'demo-staff')).toEqual([T.reportedNotHere(incident.ref, '王老師（示範）', HOW)]);
    expect(cardsTo(sent, 'demo-staff')).toEqual([]);
    expect(allText(sent, 'demo-staff')).not.toContain(HOW_LEAKED);
    expect(cardsTo(sent, 'demo-response')).toEqual(['incident', 'checklist']);
    expect(allText(sent, 'demo-response')).toContain(HOW_LEAKED);

    // Ticking an item later edits the cards where they are, and never brings them to the staff group.
    const item = await deps.prisma.checklistItem.findFirstOrThrow({ where: { incidentId: incident.id } });
    const base = {
      eventId: randomUUID(),
      conversation: group(a, 'demo-staff'),
      user: { platform: a.platform, externalId: 'demo-window' },
      at: clock,
    };
    const from = a.sent.length;
    await bot.handle({ ...base, type: 'action', action: `ck:${item.id}:d` });
    const after = a.sent.slice(from);
    expect(cardsTo(after, 'demo-staff')).toEqual([]);
    expect(allText(after, 'demo-staff')).not.toContain(HOW_LEAKED);
  });

  it('no room, no response group, no contact window reachable: the group is told who must act, with nothing of the leak', async () => {
    const a = await withAdapter('lonely', MODALS);
    await deps.prisma.conversation.deleteMany({ where: { platform: 'lonely', purpose: 'response' } });
    for (const p of ['demo-teacher', 'demo-window']) a.noDirect.add(p);
    const started = await event(a, 'demo-teacher', group(a, 'demo-staff'), { text: '通報' });
    const form = started.find((s) => s.message.type === 'form')!.message as Form;
    const sent = await event(a, 'demo-teacher', group(a, 'demo-staff'), { formId: form.formId, values: values() });
    const incident = await deps.prisma.incident.findFirstOrThrow();
    const said = sent.filter((s) => s.to.externalId === 'demo-staff').map((s) => s.message as TextMessage);
    expect(said.map((m) => m.text)).toEqual([
      T.reportedNotHere(incident.ref, '王老師（示範）', HOW),
      `${T.teamUnreachable(incident.ref, HOW)}\n請 @李組長（示範） 留意。`,
    ]);
    expect(said[1]!.mentions?.[0]?.users).toEqual([{ platform: 'lonely', externalId: 'demo-window', displayName: '李組長（示範）' }]);
    expect(allText(sent, 'demo-staff')).not.toContain(HOW_LEAKED);
    expect(sent.filter((s) => s.message.type === 'card')).toEqual([]);
  });

  it('the contact window is reached privately on another platform when none can be here', async () => {
    const other = await withAdapter('elsewhere', STEPS);
    const a = await withAdapter('lonely2', MODALS);
    await deps.prisma.conversation.deleteMany({ where: { platform: { in: ['lonely2', 'elsewhere'] }, purpose: 'response' } });
    for (const p of ['demo-teacher', 'demo-window']) a.noDirect.add(p);
    const started = await event(a, 'demo-teacher', group(a, 'demo-staff'), { text: '通報' });
    const form = started.find((s) => s.message.type === 'form')!.message as Form;
    const from = other.sent.length;
    const sent = await event(a, 'demo-teacher', group(a, 'demo-staff'), { formId: form.formId, values: values() });
    const incident = await deps.prisma.incident.findFirstOrThrow();
    const there = other.sent.slice(from);
    expect(cardsTo(there, 'dm:demo-window')).toEqual(['incident', 'checklist']);
    expect(textsTo(sent, 'demo-staff')).toEqual([T.reportedNotHere(incident.ref, '王老師（示範）', HOW)]);
  });

  it('refusals and codes in a group are for the person alone; the binding code says how on this platform', async () => {
    const a = await withAdapter('modal3', MODALS);
    const refused = await event(a, 'demo-teacher', group(a, 'demo-staff'), { text: '綁定群組 應變小組' });
    expect(refused).toHaveLength(1);
    expect((refused[0]!.message as TextMessage).onlyFor).toMatchObject({ externalId: 'demo-teacher' });
    const code = await event(
      a,
      'demo-window',
      { platform: a.platform, externalId: 'dm:demo-window', kind: 'direct' },
      { text: '產生綁定碼 王老師' },
    );
    const text = (code[0]!.message as TextMessage).text;
    expect(text).toContain(`${HOW}後，在私訊中輸入「綁定`);
    expect(text).not.toContain('好友後');
  });
});
