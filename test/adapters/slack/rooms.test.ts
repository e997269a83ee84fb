import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackApiError, type SlackAdapter } from '../../../adapters/slack/index.js';
import type { IncidentRoomRequest } from '../../../src/ports/chat-model.js';
import { SLACK_TOKEN, standaloneAdapter, type LoggedLine } from '../../fakes/slack/harness.js';
import { FakeSlackApi } from '../../fakes/slack/platform.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

/** A private channel per incident (conversations.create / setTopic / invite) against the fake Slack Web API. */
describe('Slack incident rooms', () => {
  let fake: FakeSlackApi;
  let tdb: TestDatabase;
  let adapter: SlackAdapter;
  let logs: LoggedLine[];
  const user = (externalId: string) => ({ platform: 'slack', externalId });
  const request = (n: string, members: string[]): IncidentRoomRequest => ({
    name: `pdi-2026-${n}`,
    topic: `個資事件 ${n} 應變頻道：請勿在此張貼外洩的個人資料`,
    near: null,
    members: members.map(user),
    idempotencyKey: `incident-${n}`,
  });

  beforeAll(async () => {
    fake = await FakeSlackApi.start(SLACK_TOKEN);
    tdb = await createTestDatabase();
    ({ adapter, logs } = standaloneAdapter(fake, tdb.db.prisma));
  });
  afterAll(async () => {
    await fake?.close();
    await tdb?.destroy();
  });

  it('declares the capability', () => {
    expect(adapter.capabilities.incidentRooms).toBe(true);
  });

  it('opens a private channel with the topic and the responders; a member Slack cannot add is skipped and logged', async () => {
    fake.unknownUsers.add('UGONE0001');
    const room = await adapter.openIncidentRoom(request('0007', ['UWINDOW01', 'UGONE0001', 'UPRINC001']));
    const ch = fake.channels.get(room.externalId)!;
    expect(room).toMatchObject({ platform: 'slack', kind: 'group' });
    expect([ch.name, ch.isPrivate, ch.topic]).toEqual(['pdi-2026-0007', true, '個資事件 0007 應變頻道：請勿在此張貼外洩的個人資料']);
    expect([...ch.members].sort()).toEqual(['UBOT00000', 'UPRINC001', 'UWINDOW01']);
    const skipped = logs.find((l) => l.msg.includes('could not add a responder'));
    expect(skipped).toMatchObject({ level: 40, code: 'user_not_found', user: 'UGONE0001' });
    expect(fake.invalidCalls()).toEqual([]);
  });

  it("is idempotent by the request's key: a retried call returns the same room and creates nothing", async () => {
    const creates = fake.callsOf('conversations.create').length;
    const first = await adapter.openIncidentRoom(request('0008', ['UWINDOW01']));
    const again = await adapter.openIncidentRoom(request('0008', ['UWINDOW01', 'UIT000001']));
    expect(again.externalId).toBe(first.externalId);
    expect(fake.callsOf('conversations.create').length).toBe(creates + 1);
    // The retry still adds who was missing; already_in_channel is not an error.
    expect([...fake.channels.get(first.externalId)!.members].sort()).toEqual(['UBOT00000', 'UIT000001', 'UWINDOW01']);
  });

  it('a name already taken in the workspace gets a suffix', async () => {
    fake.channelNames.add('pdi-2026-0009');
    fake.channelNames.add('pdi-2026-0009-2');
    const room = await adapter.openIncidentRoom(request('0009', ['UWINDOW01']));
    expect(fake.channels.get(room.externalId)!.name).toBe('pdi-2026-0009-3');
    expect(
      fake
        .callsOf('conversations.create')
        .filter((c) => String(c.params.name).startsWith('pdi-2026-0009'))
        .map((c) => c.error ?? 'ok'),
    ).toEqual(['name_taken', 'name_taken', 'ok']);
  });

  it('adds a responder given an item later', async () => {
    const room = await adapter.openIncidentRoom(request('0010', ['UWINDOW01']));
    await adapter.addToIncidentRoom(room, [user('UDATA0001'), user('UWINDOW01')]);
    expect([...fake.channels.get(room.externalId)!.members].sort()).toEqual(['UBOT00000', 'UDATA0001', 'UWINDOW01']);
  });

  it('without the groups:write scope: an English operator message naming the scope, and the key is free for a retry', async () => {
    fake.refuse.set('conversations.create', { error: 'missing_scope', needed: 'groups:write' });
    const err = await adapter.openIncidentRoom(request('0011', ['UWINDOW01'])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlackApiError);
    expect((err as Error).message).toMatch(/lacks the "groups:write" scope.*reinstall/);
    expect(logs.some((l) => l.level === 50 && l.msg.includes('groups:write'))).toBe(true);
    fake.refuse.delete('conversations.create');
    const room = await adapter.openIncidentRoom(request('0011', ['UWINDOW01']));
    expect(fake.channels.get(room.externalId)!.name).toBe('pdi-2026-0011');
  });
});
