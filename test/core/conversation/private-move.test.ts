import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedDemo } from '../../../src/app/demo.js';
import type { TestCoreDeps } from '../../helpers/core.js';
import { Bot } from '../../../src/core/conversation/bot.js';
import { T } from '../../../src/core/conversation/texts.js';
import type { ChatAdapter } from '../../../src/ports/chat.js';
import { ChatPlatformError } from '../../../src/ports/chat-errors.js';
import type { AdapterCapabilities, ConversationAddress, OutboundMessage, PlatformUser } from '../../../src/ports/chat-model.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { testCoreDeps } from '../../helpers/core.js';
import { DEMO_TEACHER, sampleAnswers } from '../../helpers/jobs.js';
import { IncidentService } from '../../../src/core/incidents/service.js';

/**
 * 「我已私訊給您」 must be true: the private chat is written to first, and the group hears that something moved there
 * only once it got there. A private chat the platform opens but refuses to deliver to (Discord DMs closed to server
 * members, code 50007) leaves the person told how to open one — never a generic failure, never the secret in the group.
 */
interface Sent {
  to: ConversationAddress;
  message: OutboundMessage;
}

const HOW = '允許伺服器成員傳送私人訊息';
const CAPS: AdapterCapabilities = { maxFormFields: 0, editMessages: false, maxButtonsPerRow: 3, maxActionLength: 300, quickReplies: true };

class RefusingAdapter implements ChatAdapter {
  readonly platform = 'dmclosed';
  readonly capabilities = CAPS;
  readonly wording = { reachPrivately: HOW };
  readonly sent: Sent[] = [];
  /** People whose private chat opens but refuses every message. */
  readonly closed = new Set<string>();
  private next = 1;
  async send(to: ConversationAddress, message: OutboundMessage): Promise<{ messageId: string }> {
    const user = to.kind === 'direct' ? to.externalId.replace(/^dm:/, '') : null;
    if (user && this.closed.has(user)) throw new ChatPlatformError(this.platform, 'permission', 50007, 'Cannot send messages to this user');
    this.sent.push({ to, message });
    return { messageId: `m${this.next++}` };
  }
  async directConversation(user: PlatformUser): Promise<ConversationAddress | null> {
    return { platform: this.platform, externalId: `dm:${user.externalId}`, kind: 'direct' };
  }
}

describe('moving to a private chat: said only once it got there', () => {
  let tdb: TestDatabase;
  let deps: TestCoreDeps;
  let bot: Bot;
  let a: RefusingAdapter;
  const clock = new Date('2026-11-20T02:00:00Z');
  const staff: ConversationAddress = { platform: 'dmclosed', externalId: 'demo-staff', kind: 'group' };
  const signed: string[] = [];

  beforeEach(async () => {
    tdb = await createTestDatabase();
    deps = testCoreDeps(tdb.db.prisma, () => clock);
    bot = new Bot(deps, {
      console: () => ({
        signInLink: async (actor) => {
          signed.push(actor.personId);
          return { url: 'https://pdi.example/console/sign-in/secret', expiresAt: new Date(clock.getTime() + 600_000) };
        },
        signOutEverywhere: async () => 0,
      }),
    });
    await seedDemo(tdb.db, 'dmclosed');
    a = new RefusingAdapter();
    bot.register(a);
  });
  afterEach(async () => {
    await tdb?.destroy();
  });

  async function say(user: string, where: ConversationAddress, text: string): Promise<Sent[]> {
    const from = a.sent.length;
    await bot.handle({
      type: 'message',
      eventId: randomUUID(),
      conversation: where,
      user: { platform: a.platform, externalId: user },
      at: clock,
      text,
    });
    return a.sent.slice(from);
  }
  const texts = (sent: Sent[]) => sent.map((s) => (s.message.type === 'text' ? s.message.text : JSON.stringify(s.message)));

  it('「主控台」 in a group, DMs closed: no 「我已私訊給您」, no link anywhere, how to open one for her alone', async () => {
    a.closed.add('demo-window');
    const sent = await say('demo-window', staff, '主控台');
    expect(texts(sent)).toEqual([T.consoleNoDirect(HOW)]);
    expect(sent[0]!.to.externalId).toBe('demo-staff');
    expect(sent[0]!.message).toMatchObject({ onlyFor: { externalId: 'demo-window' } });
    expect(JSON.stringify(sent)).not.toContain('sign-in');
  });

  it('「主控台」 in a group, DMs open: the link first in her DM, then the word in the group', async () => {
    const sent = await say('demo-window', staff, '主控台');
    expect(sent.map((s) => s.to.externalId)).toEqual(['dm:demo-window', 'demo-staff']);
    expect(JSON.stringify(sent[0]!.message)).toContain('sign-in');
    expect(texts(sent.slice(1))).toEqual([T.consoleMoved]);
  });

  it('「我的待辦」 in a group, DMs closed: told how to open one, nothing said to have moved', async () => {
    a.closed.add('demo-teacher');
    const sent = await say('demo-teacher', staff, '我的待辦');
    expect(texts(sent)).toEqual([T.cannotShowHere(HOW)]);
  });

  it('「通報」 in a group, DMs closed: never moved, no question left waiting in the private chat', async () => {
    a.closed.add('demo-teacher');
    const sent = await say('demo-teacher', staff, '通報');
    const said = texts(sent).join('\n');
    expect(said).not.toContain(T.intakeMovedToDirect('王老師（示範）'));
    expect(said).toContain(T.cannotAskInGroup('王老師（示範）', HOW));
    expect(said).not.toContain(T.failed);
    expect(await deps.prisma.pendingPrompt.count({ where: { status: 'open' } })).toBe(0);
  });

  it('「評估」 asked step by step, DMs closed: the question opened for the private chat is cancelled, not left waiting', async () => {
    const view = await new IncidentService(deps).report(DEMO_TEACHER, null, sampleAnswers(new Date('2026-11-20T01:00:00Z')));
    a.closed.add('demo-window');
    const before = await deps.prisma.pendingPrompt.count({ where: { status: 'open' } });
    const sent = await say('demo-window', staff, `評估 ${view.incident.ref}`);
    expect(texts(sent)).toEqual([T.cannotShowHere(HOW)]);
    expect(await deps.prisma.pendingPrompt.count({ where: { status: 'open' } })).toBe(before);
  });
});
