import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepositoryHub } from '../../src/ports/repositories/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { at } from '../helpers/jobs.js';
import { seedIncidents } from '../helpers/record.js';

/** The conversation layer's repositories (conversations, identities, prompts, one-shot choices, posted cards) on the run's engine. */
describe('conversation repositories', () => {
  let tdb: TestDatabase;
  let repos: RepositoryHub;
  let incidentId: string;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    const { ids } = await seedIncidents(tdb.db, { count: 1, ticks: 0 });
    incidentId = ids[0]!;
    repos = tdb.db.repos;
  });
  afterAll(async () => tdb.destroy());

  it('a conversation is created once, even by two events at once, and then left as it is', async () => {
    const meet = (id: string, title: string) =>
      repos.conversations.ensure({ id, platform: 'slack', externalId: 'C-ONCE', kind: 'group', purpose: 'staff', title });
    const [a, b] = await Promise.all([meet('conv-once-a', '第一'), meet('conv-once-b', '第二')]);
    expect(a.id).toBe(b.id);
    const again = await meet('conv-once-c', '第三');
    expect(again).toEqual(a);
    expect(await repos.conversations.find(a.id)).toEqual(a);
    expect(await repos.conversations.find('no-such-conversation')).toBeNull();
  });

  it('response groups by school and platform, the team of an incident, and its rooms', async () => {
    const group = (id: string, platform: string, schoolId: string | null, purpose: string, createdAt: string, incident?: string) =>
      tdb.db.prisma.conversation.create({
        data: {
          id,
          platform,
          externalId: `ext-${id}`,
          kind: 'group',
          purpose,
          title: `群組 ${id}`,
          schoolId,
          incidentId: incident ?? null,
          createdAt: at(createdAt),
        },
      });
    await group('g-slack-2', 'slack', 'demo-school', 'response', '2026-11-02 09:00');
    await group('g-slack-1', 'slack', 'demo-school', 'response', '2026-11-01 09:00');
    await group('g-line', 'line', 'demo-school', 'response', '2026-11-03 09:00');
    await group('g-staff', 'slack', 'demo-school', 'staff', '2026-11-01 08:00');
    await group('g-unbound', 'slack', null, 'response', '2026-11-01 07:00');
    // The demo school's own local response group (seedDemo) is left out.
    const ids = (list: { id: string }[]) => list.map((c) => c.id).filter((id) => id !== 'local-demo-response');
    expect(ids(await repos.conversations.responseGroups({ schoolId: 'demo-school' }))).toEqual(['g-slack-1', 'g-slack-2', 'g-line']);
    expect(ids(await repos.conversations.responseGroups({ schoolId: 'demo-school', platform: 'slack' }))).toEqual([
      'g-slack-1',
      'g-slack-2',
    ]);
    expect(ids(await repos.conversations.responseGroups({ platform: 'slack' }))).toEqual(['g-slack-1', 'g-slack-2']);

    // A room: a known conversation becomes the incident's (its title kept unless the platform gave one); an unknown
    // one is created as it, titled by the platform or else by the product.
    const room = (id: string, externalId: string, platform: string, title: string | null) =>
      repos.conversations.recordRoom(
        { id, platform, externalId, kind: 'group', incidentId, schoolId: 'demo-school', title },
        '應變室 115-0001',
      );
    expect(await room('room-slack', 'ext-g-staff', 'slack', null)).toMatchObject({
      id: 'g-staff',
      purpose: 'incident',
      incidentId,
      title: '群組 g-staff',
    });
    expect(await room('room-discord', 'thread-1', 'discord', null)).toMatchObject({
      id: 'room-discord',
      purpose: 'incident',
      kind: 'group',
      schoolId: 'demo-school',
      title: '應變室 115-0001',
    });
    expect((await room('room-discord-2', 'thread-1', 'discord', '事件討論串')).title).toBe('事件討論串');
    expect(ids(await repos.conversations.roomsOf(incidentId))).toEqual(['g-staff', 'room-discord']);
    expect(ids(await repos.conversations.teamOf({ id: incidentId, schoolId: 'demo-school' }))).toEqual([
      'g-staff',
      'g-slack-1',
      'g-slack-2',
      'g-line',
      'room-discord',
    ]);
    expect(ids(await repos.conversations.teamOf({ id: 'another-incident', schoolId: 'demo-school' }))).toEqual([
      'g-slack-1',
      'g-slack-2',
      'g-line',
    ]);
  });

  it('an account is found with its person and school; a person by platform', async () => {
    await tdb.db.prisma.identity.create({
      data: { id: 'id-window-slack', personId: 'demo-window', platform: 'slack', externalId: 'U-WINDOW', displayName: '李組長' },
    });
    const owner = await repos.identities.owner('slack', 'U-WINDOW');
    expect(owner).toMatchObject({ personId: 'demo-window', person: { id: 'demo-window', school: { id: 'demo-school' } } });
    expect(await repos.identities.owner('slack', 'U-NOBODY')).toBeNull();
    expect(await repos.identities.onPlatform('demo-window', 'slack')).toMatchObject({ externalId: 'U-WINDOW' });
    expect(await repos.identities.onPlatform('demo-window', 'teams')).toBeNull();
  });

  it('one open question per person and conversation, an open intake kept; expired ones are not open', async () => {
    const expiresAt = at('2026-11-06 10:00');
    const ask = (id: string, kind: string) =>
      repos.prompts.open({ id, conversationId: 'conv-q', personId: 'demo-window', kind, stateEnc: `enc-${id}`, expiresAt });
    await ask('q-intake', 'intake');
    await ask('q-item', 'item');
    const last = await ask('q-reason', 'na-reason');
    expect(last).toMatchObject({ status: 'open', step: null, stateEnc: 'enc-q-reason' });
    expect((await repos.prompts.find('q-item'))?.status).toBe('cancelled');
    expect((await repos.prompts.openIds('conv-q', 'demo-window')).sort()).toEqual(['q-intake', 'q-reason']);
    expect((await repos.prompts.openOf('conv-q', 'demo-window', at('2026-11-05 10:00')))?.id).toBe('q-reason');
    expect(await repos.prompts.openOf('conv-q', 'demo-window', at('2026-11-06 10:00'))).toBeNull();

    await repos.prompts.save('q-reason', 'enc-2', 'why');
    expect(await repos.prompts.find('q-reason')).toMatchObject({ stateEnc: 'enc-2', step: 'why' });
    await repos.prompts.close('q-reason', 'done');
    expect((await repos.prompts.find('q-reason'))?.status).toBe('done');

    await ask('q-new', 'item');
    await repos.prompts.cancelOpenExcept('conv-q', 'demo-window', ['q-intake']);
    expect(await repos.prompts.openIds('conv-q', 'demo-window')).toEqual(['q-intake']);
    await repos.prompts.cancelOpenExcept('conv-q', 'demo-window', []);
    expect(await repos.prompts.openIds('conv-q', 'demo-window')).toEqual([]);
  });

  it('a one-shot choice is taken once, and given back only by the one who took it', async () => {
    await repos.choices.add({ id: 'choice-1', conversationId: 'conv-q', messageEnc: 'enc' });
    await repos.choices.posted('choice-1', 'msg-1');
    const takes = await Promise.all([
      repos.choices.take('choice-1', { personId: 'demo-window', text: '已由 李組長 開始通報。', at: at('2026-11-05 10:00') }),
      repos.choices.take('choice-1', { personId: null, text: '已由 某人 開始通報。', at: at('2026-11-05 10:00') }),
    ]);
    expect(takes.filter(Boolean)).toHaveLength(1);
    const taken = await repos.choices.find('choice-1');
    expect(taken).toMatchObject({ platformMessageId: 'msg-1', takenAt: at('2026-11-05 10:00') });
    await repos.choices.giveBack('choice-1', 'not the text it was taken with');
    expect((await repos.choices.find('choice-1'))?.takenAt).not.toBeNull();
    await repos.choices.giveBack('choice-1', taken!.takenText!);
    expect(await repos.choices.find('choice-1')).toMatchObject({ takenAt: null, takenById: null, takenText: null });
    expect(await repos.choices.take('choice-1', { personId: null, text: 'x', at: at('2026-11-05 10:01') })).toBe(true);
  });

  it('posted cards: one copy per conversation, found with their conversations by key or key prefix', async () => {
    const card = (id: string, cardKey: string, conversationId: string, platformMessageId: string) =>
      repos.postedCards.record({ id, incidentId, cardKey, conversationId, platformMessageId });
    await card('pc-1', 'incident', 'g-slack-1', 'm1');
    await card('pc-1b', 'incident', 'g-slack-1', 'm1-again');
    await card('pc-2', 'checklist', 'g-slack-1', 'm2');
    await card('pc-3', 'mine:demo-teacher', 'g-line', 'm3');
    await card('pc-4', 'incident', 'conversation-gone', 'm4');
    expect(await repos.postedCards.find(incidentId, 'incident', 'g-slack-1')).toMatchObject({ id: 'pc-1', platformMessageId: 'm1-again' });
    expect(await repos.postedCards.find(incidentId, 'notice', 'g-slack-1')).toBeNull();

    const copies = (await repos.postedCards.copies(incidentId, ['incident'])).map((c) => [c.id, c.conversation.id]);
    expect(copies).toEqual([['pc-1', 'g-slack-1']]);
    const withMine = await repos.postedCards.copies(incidentId, ['checklist'], ['mine:']);
    expect(withMine.map((c) => [c.cardKey, c.conversation.platform]).sort()).toEqual([
      ['checklist', 'slack'],
      ['mine:demo-teacher', 'line'],
    ]);
    expect(await repos.postedCards.copies(incidentId, ['report'])).toEqual([]);

    await repos.postedCards.edited('pc-2', at('2026-11-05 11:00'));
    expect((await repos.postedCards.find(incidentId, 'checklist', 'g-slack-1'))?.updatedAt).toEqual(at('2026-11-05 11:00'));
    await repos.postedCards.reposted('pc-2', 'm2-new');
    expect((await repos.postedCards.find(incidentId, 'checklist', 'g-slack-1'))?.platformMessageId).toBe('m2-new');
  });
});
