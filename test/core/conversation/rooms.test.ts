import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../../src/app/demo.js';
import type {
  AdapterCapabilities,
  Card,
  ConversationAddress,
  Form,
  IncidentRoomRequest,
  OutboundMessage,
  PlatformUser,
  TextMessage,
} from '../../../src/ports/chat-model.js';
import type { TestCoreDeps } from '../../helpers/core.js';
import { Bot } from '../../../src/core/conversation/bot.js';
import { openRoom, ROOM_TEXTS, roomName } from '../../../src/core/conversation/rooms.js';
import { T } from '../../../src/core/conversation/texts.js';
import { readTimeline } from '../../../src/core/timeline/timeline.js';
import type { ChatAdapter } from '../../../src/ports/chat.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { testCoreDeps, testLibrary } from '../../helpers/core.js';

/**
 * Rooms per incident: on a platform that can open private rooms (Slack channels, Discord threads), a report opens one
 * with the responders and the reporter, the cards live there, and the wide conversations get only a pointer.
 */
const PLATFORM = 'rooms';

interface Sent {
  to: ConversationAddress;
  message: OutboundMessage;
}

class RoomsAdapter implements ChatAdapter {
  readonly platform = PLATFORM;
  readonly capabilities: AdapterCapabilities = {
    maxFormFields: 20,
    editMessages: true,
    maxButtonsPerRow: 5,
    maxActionLength: 100,
    quickReplies: false,
    incidentRooms: true,
  };
  readonly sent: Sent[] = [];
  readonly rooms: IncidentRoomRequest[] = [];
  failRooms = false;
  private next = 1;

  async send(to: ConversationAddress, message: OutboundMessage): Promise<{ messageId: string }> {
    this.sent.push({ to, message });
    return { messageId: `m${this.next++}` };
  }
  async update(): Promise<void> {}
  async directConversation(user: PlatformUser): Promise<ConversationAddress | null> {
    return { platform: PLATFORM, externalId: `dm:${user.externalId}`, kind: 'direct' };
  }
  async openIncidentRoom(req: IncidentRoomRequest): Promise<ConversationAddress> {
    if (this.failRooms) throw new Error('missing_scope');
    this.rooms.push(req);
    return { platform: PLATFORM, externalId: `room:${req.idempotencyKey}`, kind: 'group', title: req.name };
  }
}

const group = (id: string): ConversationAddress => ({ platform: PLATFORM, externalId: id, kind: 'group' });

describe('a private room per incident', () => {
  let tdb: TestDatabase;
  let adapter: RoomsAdapter;
  let bot: Bot;
  let deps: TestCoreDeps;
  const clock = new Date('2026-11-20T02:00:00Z');
  const { playbooks } = testLibrary;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    await seedDemo(tdb.db, PLATFORM);
    deps = testCoreDeps(tdb.db.prisma, () => clock);
    bot = new Bot(deps);
    adapter = new RoomsAdapter();
    bot.register(adapter);
  });
  afterAll(async () => {
    await tdb?.destroy();
  });

  async function event(
    user: string,
    where: ConversationAddress,
    e: { text: string } | { formId: string; values: Record<string, string | string[]> },
  ): Promise<Sent[]> {
    const from = adapter.sent.length;
    const base = { eventId: randomUUID(), conversation: where, user: { platform: PLATFORM, externalId: user }, at: clock };
    if ('text' in e) await bot.handle({ ...base, type: 'message', text: e.text });
    else await bot.handle({ ...base, type: 'form', formId: e.formId, values: e.values });
    return adapter.sent.slice(from);
  }
  const textsTo = (sent: Sent[], id: string) =>
    sent.filter((s) => s.to.externalId === id && s.message.type === 'text').map((s) => (s.message as TextMessage).text);
  const cardsTo = (sent: Sent[], id: string) =>
    sent.filter((s) => s.to.externalId === id && s.message.type === 'card').map((s) => (s.message as Card).key);

  async function report(user: string, howLeaked: string): Promise<Sent[]> {
    const started = await event(user, group('demo-staff'), { text: '通報' });
    const form = started.find((s) => s.message.type === 'form')!.message as Form;
    return event(
      user,
      { platform: PLATFORM, externalId: `dm:${user}`, kind: 'direct' },
      {
        formId: form.formId,
        values: {
          scenario: 'misdirected-message',
          howLeaked,
          occurredAt: '2026-11-20T01:00:00Z',
          awareAt: '2026-11-20T01:30:00Z',
          place: '教務處',
          categories: [playbooks.categories[0]!.key],
          affectedEstimate: '12',
          affectedKinds: ['students'],
          involvesSystem: 'false',
          stepsTaken: '已請收件人刪除',
        },
      },
    );
  }

  it('a report opens a room with the responders and the reporter; the wide groups only get a pointer', async () => {
    const sent = await report('demo-teacher', '段考成績寄錯班級');
    const incident = await deps.prisma.incident.findFirstOrThrow();
    expect(adapter.rooms).toHaveLength(1);
    const req = adapter.rooms[0]!;
    expect(req.name).toBe(roomName(incident.ref));
    expect(req.name).toMatch(/^pdi-\d{3}-\d{3}$/);
    expect(req.topic).toBe(ROOM_TEXTS.topic(incident.ref));
    expect(req.topic).not.toContain('段考');
    expect(req.near).toMatchObject({ externalId: 'demo-response' });
    expect(req.idempotencyKey).toBe(`room:${incident.id}`);
    const people = await deps.prisma.person.findMany({ include: { identities: true } });
    const expected = people
      .filter((p) => p.id === 'demo-teacher' || p.roles.some((r) => ['contactWindow', 'principal', 'it'].includes(r)))
      .flatMap((p) => p.identities.filter((i) => i.platform === PLATFORM).map((i) => i.externalId))
      .sort();
    expect(req.members.map((m) => m.externalId).sort()).toEqual(expected);
    expect(expected).toContain('demo-teacher');
    expect(expected).not.toContain('demo-auditor');

    const room = `room:room:${incident.id}`;
    // The welcome names the deadlines that end soon (deadlineNews), the 4-hour report to the contact window among them.
    const welcome = textsTo(sent, room)[0] ?? '';
    expect(welcome.startsWith(ROOM_TEXTS.welcome(incident.ref, '王老師（示範）').replace(/。$/, '：'))).toBe(true);
    expect(welcome).toMatch(/4小時內通報個資聯絡窗口：.+前/);
    expect(cardsTo(sent, room)).toEqual(['incident', 'checklist']);
    expect(cardsTo(sent, 'demo-response')).toEqual([]);
    expect(textsTo(sent, 'demo-response')).toEqual([ROOM_TEXTS.pointer(incident.ref, req.name)]);
    expect(textsTo(sent, 'demo-staff').at(-1)).toBe(T.pointer(incident.ref));
    // The reporter keeps her own copy privately.
    // The reporter (not a responder) gets her own items only (issue #13).
    expect(cardsTo(sent, 'dm:demo-teacher')).toEqual(['incident', 'mine:demo-teacher']);

    const conv = await deps.prisma.conversation.findFirstOrThrow({ where: { externalId: room } });
    expect(conv).toMatchObject({ purpose: 'incident', incidentId: incident.id, schoolId: incident.schoolId });
    const opened = (await readTimeline(deps, incident.id)).filter((e) => e.type === 'room.opened');
    expect(opened).toHaveLength(1);
  });

  it('the room shows its own incident, and moves another incident to a private chat', async () => {
    await report('demo-director', '名冊連結設為公開');
    const [first, second] = await deps.prisma.incident.findMany({ orderBy: { ref: 'asc' } });
    const roomA = group(`room:room:${first!.id}`);
    const own = await event('demo-window', roomA, { text: `摘要 ${first!.ref}` });
    expect(textsTo(own, roomA.externalId)[0]).toContain(first!.ref);
    const other = await event('demo-teacher', roomA, { text: `摘要 ${second!.ref}` });
    // The reporter of A may not see B at all; the window would be moved to a private chat.
    expect(textsTo(other, roomA.externalId).join('\n')).not.toContain('名冊');
    const moved = await event('demo-window', roomA, { text: `摘要 ${second!.ref}` });
    expect(textsTo(moved, roomA.externalId)).toEqual([T.detailsOnlyPrivately]);
    expect(textsTo(moved, 'dm:demo-window')[0]).toContain(second!.ref);
  });

  it('opening again returns the room already opened; a platform that refuses falls back to the response group', async () => {
    const first = await deps.prisma.incident.findFirstOrThrow({ orderBy: { ref: 'asc' } });
    const again = await openRoom(deps, adapter, first, null);
    expect(again?.created).toBe(false);
    expect(again?.conv.incidentId).toBe(first.id);
    expect(adapter.rooms).toHaveLength(2);

    adapter.failRooms = true;
    const sent = await report('demo-it', '系統權限設定錯誤');
    const third = await deps.prisma.incident.findFirstOrThrow({ where: { reporterId: 'demo-it' } });
    expect(cardsTo(sent, 'demo-response')).toEqual(['incident', 'checklist']);
    expect(await deps.prisma.conversation.count({ where: { incidentId: third.id } })).toBe(0);
    expect((await readTimeline(deps, third.id)).some((e) => e.type === 'room.opened')).toBe(false);
  });
});
