import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockAction,
  eventEnvelope,
  post,
  sign,
  slackEvent,
  slashCommand,
  viewSubmission,
  type SlackRequest,
} from '../../fakes/slack/events.js';
import {
  SLACK_SECRET,
  answersFor,
  buttonsIn,
  seedSlackIdentities,
  slackUser,
  startSlackTestApp,
  textOf,
  type SlackTestApp,
} from '../../fakes/slack/harness.js';
import { FakeSocketMode } from '../../fakes/slack/socket.js';

const formOf = (r: SlackRequest) => Object.fromEntries(new URLSearchParams(r.body)) as Record<string, unknown>;
const payloadOf = (r: SlackRequest) => JSON.parse(new URLSearchParams(r.body).get('payload')!) as Record<string, unknown>;

/**
 * Socket Mode (SLACK_APP_TOKEN, SLACK_SOCKET_MODE=on): Bolt's socket client gets a ws:// URL from the fake
 * apps.connections.open, connects to the fake socket server and acknowledges each envelope over the socket; the same
 * listeners, inbox and core handle what arrives. No HTTP endpoint is registered.
 */
describe('Slack over Socket Mode', () => {
  let socket: FakeSocketMode;
  let h: SlackTestApp;
  const teacher = slackUser('demo-teacher');
  const staff = 'C0SOCKET1';

  beforeAll(async () => {
    socket = await FakeSocketMode.start();
    h = await startSlackTestApp({ socket });
    await socket.connected();
    await seedSlackIdentities(h.t.app.db.prisma, ['demo-teacher', 'demo-window']);
  });
  afterAll(async () => {
    await h?.close();
    await socket?.close();
  });

  const idle = () => h.t.app.slack!.idle();

  it('connects with the app-level token; the HTTP endpoint is not there', async () => {
    expect(h.t.app.slack!.transport).toBe('socket');
    expect(socket.connections).toBe(1);
    expect(h.fake.callsOf('apps.connections.open')).toHaveLength(1);
    expect(h.fake.callsOf('auth.test')).toHaveLength(1);
    const e = eventEnvelope(slackEvent.message(staff, teacher, '通報'));
    expect((await post(h.t.url, e, sign(e.body, SLACK_SECRET))).status).toBe(404);
  });

  it('a slash command arrives over the socket, is acknowledged at once, and opens the report modal', async () => {
    const ack = await socket.send(
      'slash_commands',
      formOf(slashCommand({ channel: staff, user: teacher, text: '', triggerId: h.fake.issueTrigger() })),
    );
    expect(ack.ms).toBeLessThan(3000);
    expect(ack.payload).toBeUndefined();
    await idle();
    expect(h.fake.messagesIn(staff).map(textOf).join('\n')).toContain('已私訊');
    expect(h.fake.views).toHaveLength(1);
    expect((h.fake.views[0]!.view.title as { text: string }).text).toBe('個資事件通報');
  });

  it('interactions arrive over the socket: the modal is submitted and the incident created; a button click is handled', async () => {
    const modal = h.fake.views[0]!;
    const submitted = viewSubmission({
      user: teacher,
      view: modal,
      values: answersFor(modal, { howLeaked: '成績單誤寄給全班家長', occurredAt: '今天 0:00', awareAt: '現在' }),
      triggerId: h.fake.issueTrigger(),
    });
    const ack = await socket.send('interactive', payloadOf(submitted));
    expect(ack.ms).toBeLessThan(3000);
    await idle();
    const dm = h.fake.messagesIn(h.fake.dmOf(teacher)).map(textOf).join('\n');
    expect(dm).toMatch(/已建立個資事件 \d{3}-\d{3}/);
    expect(await h.t.app.db.prisma.incident.count()).toBe(1);

    // An offer's 「不是」 button, clicked over the socket.
    await socket.send(
      'events_api',
      JSON.parse(eventEnvelope(slackEvent.message(staff, teacher, '我把學生通訊錄寄錯給別班家長了')).body) as Record<string, unknown>,
    );
    await idle();
    const offer = h.fake.messagesIn(staff).find((m) => buttonsIn(m).some((b) => b.label === '不是'))!;
    const no = buttonsIn(offer).find((b) => b.label === '不是')!;
    await socket.send(
      'interactive',
      payloadOf(
        blockAction({
          channel: staff,
          user: teacher,
          messageTs: offer.ts,
          actionId: no.actionId,
          value: no.value,
          triggerId: h.fake.issueTrigger(),
        }),
      ),
    );
    await idle();
    expect(h.fake.messagesIn(staff).at(-1)!.text).toContain('如需通報，隨時輸入「通報」');
  });

  it('an event Slack retries over the socket (retry_attempt) is acknowledged and dropped', async () => {
    const e = JSON.parse(eventEnvelope(slackEvent.message(staff, teacher, '我寄錯信了，把全班成績單寄給所有家長')).body) as Record<
      string,
      unknown
    >;
    await socket.send('events_api', e);
    await idle();
    const before = h.fake.messages.length;
    const ack = await socket.send('events_api', e, { retryAttempt: 1, retryReason: 'timeout' });
    await idle();
    expect(ack.envelopeId).toBeTruthy();
    expect(h.fake.messages.length).toBe(before);
    expect(h.fake.invalidCalls().map((c) => `${c.method}: ${c.problems.join('; ')}`)).toEqual([]);
  });
});
