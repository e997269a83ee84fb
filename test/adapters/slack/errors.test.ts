import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SlackApiError, type SlackAdapter } from '../../../adapters/slack/index.js';
import { SLACK_TOKEN, standaloneAdapter, type LoggedLine } from '../../fakes/slack/harness.js';
import { FakeSlackApi } from '../../fakes/slack/platform.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

/**
 * Slack API errors against the fake: a rate limit is waited out as Retry-After says and the call retried (a bounded
 * number of times); refusals that waiting cannot fix (a missing scope, an archived channel, the bot not in the
 * channel) are not retried and leave one clear English line for the operator.
 */
describe('Slack API errors', () => {
  let fake: FakeSlackApi;
  let tdb: TestDatabase;
  let adapter: SlackAdapter;
  let logs: LoggedLine[];
  const to = { platform: 'slack', externalId: 'C0ERRORS1', kind: 'group' as const };
  const text = { type: 'text' as const, text: '提醒：請於今日 17:00 前完成通報（示範）' };
  let mark = 0;
  const recent = () => logs.slice(mark);
  const errors = () => recent().filter((l) => l.level >= 50);

  beforeAll(async () => {
    fake = await FakeSlackApi.start(SLACK_TOKEN);
    tdb = await createTestDatabase();
    // Short backoff between retries (the wait Slack asks for is always honoured); at most 2 retries.
    ({ adapter, logs } = standaloneAdapter(fake, tdb.db.prisma, { retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 20 } }));
  });
  beforeEach(() => {
    mark = logs.length;
    fake.refuse.clear();
    fake.rateLimitAlways.clear();
  });
  afterAll(async () => {
    await fake?.close();
    await tdb?.destroy();
  });

  const postsOf = () => fake.callsOf('chat.postMessage').filter((c) => c.params.channel === to.externalId);

  it('429 with Retry-After: waits that long, retries, posts once, and logs a warning', async () => {
    fake.rateLimitNext.set('chat.postMessage', 1);
    const before = postsOf().length;
    const started = performance.now();
    const r = await adapter.send(to, text);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(
      postsOf()
        .slice(before)
        .map((c) => c.status),
    ).toEqual([429, 200]);
    expect(fake.messagesIn(to.externalId).filter((m) => m.ts === r.messageId)).toHaveLength(1);
    expect(recent().find((l) => l.msg.includes('rate limit'))).toMatchObject({
      level: 40,
      method: 'chat.postMessage',
      retryAfterSeconds: 1,
    });
  });

  it('a rate limit that does not end: given up after the configured retries, with an operator message', async () => {
    fake.rateLimitAlways.set('chat.postMessage', 1);
    const before = postsOf().length;
    const err = await adapter.send(to, text).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlackApiError);
    expect((err as SlackApiError).code).toBe('ratelimited');
    expect(postsOf().length - before).toBe(3); // the call and two retries, each after Retry-After
    expect(errors()).toHaveLength(1);
    expect(errors()[0]!.msg).toMatch(/Slack refused chat.postMessage \(ratelimited\): Slack kept answering 429/);
  });

  it('missing scope: not retried; the log names the scope to add and says to reinstall', async () => {
    fake.refuse.set('chat.postMessage', { error: 'missing_scope', needed: 'chat:write' });
    const before = postsOf().length;
    const err = await adapter.send(to, text).catch((e: unknown) => e);
    expect((err as SlackApiError).code).toBe('missing_scope');
    expect(postsOf().length - before).toBe(1);
    expect(errors()).toHaveLength(1);
    expect(errors()[0]).toMatchObject({ method: 'chat.postMessage', code: 'missing_scope', needed: 'chat:write' });
    expect(errors()[0]!.msg).toContain('lacks the "chat:write" scope. Add it under OAuth & Permissions');
    expect(errors()[0]!.msg).toContain('reinstall the app');
  });

  it('archived channel: not retried; the log says to unarchive it or bind another channel', async () => {
    fake.archived.add(to.externalId);
    const before = fake.callsOf('chat.update').length + postsOf().length;
    await expect(adapter.send(to, text)).rejects.toMatchObject({ code: 'is_archived' });
    await expect(adapter.update(to, '1700000000.000001', text)).rejects.toMatchObject({ code: 'is_archived' });
    fake.archived.delete(to.externalId);
    expect(fake.callsOf('chat.update').length + postsOf().length - before).toBe(2);
    expect(errors().map((l) => l.msg)).toEqual([
      expect.stringContaining('the channel is archived. Unarchive it, or bind another channel'),
      expect.stringContaining('the channel is archived. Unarchive it, or bind another channel'),
    ]);
  });

  it('bot not in the channel: not retried; the log says to invite it', async () => {
    fake.refuse.set('chat.postMessage', { error: 'not_in_channel' });
    const before = postsOf().length;
    await expect(adapter.send(to, text)).rejects.toMatchObject({ code: 'not_in_channel' });
    expect(postsOf().length - before).toBe(1);
    expect(errors()[0]!.msg).toContain('the bot is not a member of that channel. Invite it there');
  });

  it("a reminder refused by Slack releases its idempotency key, so the job's retry can post once the cause is fixed", async () => {
    fake.refuse.set('chat.postMessage', { error: 'not_in_channel' });
    await expect(adapter.send(to, text, { idempotencyKey: 'errors-1' })).rejects.toBeInstanceOf(SlackApiError);
    expect(await tdb.db.prisma.outboundMessage.count({ where: { idempotencyKey: 'errors-1' } })).toBe(0);
    fake.refuse.delete('chat.postMessage');
    const r = await adapter.send(to, text, { idempotencyKey: 'errors-1' });
    expect((await tdb.db.prisma.outboundMessage.findUniqueOrThrow({ where: { idempotencyKey: 'errors-1' } })).messageId).toBe(r.messageId);
  });

  it('never logs message bodies', () => {
    expect(logs.length).toBeGreaterThan(5);
    expect(JSON.stringify(logs)).not.toContain('請於今日');
  });
});
