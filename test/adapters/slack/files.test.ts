import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchSlackFile, fileOrigins, sharedFiles, SlackFileError } from '../../../adapters/slack/files.js';
import type { SlackAdapter } from '../../../adapters/slack/index.js';
import { SLACK_TOKEN, standaloneAdapter, type LoggedLine } from '../../fakes/slack/harness.js';
import { FakeSlackApi, TEAM_ID } from '../../fakes/slack/platform.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

/**
 * Files shared on Slack, fetched for the evidence locker (issue #15): files.info, then the private URL with the bot
 * token, streamed — against a fake that serves files as Slack does (302 to the sign-in page without the token).
 */
describe('Slack files for evidence', () => {
  let fake: FakeSlackApi;
  let tdb: TestDatabase;
  let adapter: SlackAdapter;
  let logs: LoggedLine[];
  const where = { platform: 'slack', externalId: 'D0TEACHER', kind: 'direct' as const };
  const upload = (bytes: Buffer, name = 'screenshot.png') =>
    fake.files.upload({ bytes, name, mimetype: 'image/png', user: 'UTEACHER', channel: 'D0TEACHER' });
  const readAll = async (stream: AsyncIterable<Uint8Array>) => {
    const parts: Buffer[] = [];
    for await (const p of stream) parts.push(Buffer.from(p));
    return { bytes: Buffer.concat(parts), chunks: parts.length };
  };

  beforeAll(async () => {
    fake = await FakeSlackApi.start(SLACK_TOKEN);
    tdb = await createTestDatabase();
    ({ adapter, logs } = standaloneAdapter(fake, tdb.db.prisma, { maxFileBytes: 1024 * 1024 }));
  });
  afterAll(async () => {
    await fake?.close();
    await tdb?.destroy();
  });

  it('the fake serves a private URL as Slack does: the bytes with the bot token, a redirect to the sign-in page without it', async () => {
    const bytes = randomBytes(5000);
    const file = upload(bytes);
    const url = file.url_private_download!;
    expect(url).toMatch(new RegExp(`/files-pri/${TEAM_ID}-${file.id}/download/screenshot\\.png$`));
    const ok = await fetch(url, { headers: { authorization: `Bearer ${SLACK_TOKEN}` } });
    expect([ok.status, ok.headers.get('content-type')]).toEqual([200, 'image/png']);
    expect(Buffer.from(await ok.arrayBuffer()).equals(bytes)).toBe(true);
    for (const headers of [{}, { authorization: 'Bearer xoxb-someone-else' }]) {
      const refused = await fetch(url, { headers, redirect: 'manual' });
      expect(refused.status).toBe(302);
      expect(refused.headers.get('location')).toMatch(/^\/\?redir=/);
      await refused.body?.cancel();
      // A client that follows it stores Slack's sign-in page, not the file.
      const followed = await fetch(url, { headers });
      expect([followed.status, followed.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
      expect(await followed.text()).toContain('<!DOCTYPE html>');
    }
    expect(fake.files.downloads.map((d) => [d.authorized, d.status])).toEqual([
      [true, 200],
      [false, 302],
      [false, 302],
      [false, 302],
      [false, 302],
    ]);
  });

  it('a shared file becomes a reference of ids only; external files are not offered', () => {
    const file = upload(randomBytes(10), 'a.png');
    const refs = sharedFiles([
      file,
      { id: 'F0EXTERNAL1', name: 'doc', mode: 'external', is_external: true },
      { id: 'not-an-id' },
      { id: 'F0CHECKINFO', file_access: 'check_file_info' },
    ]);
    expect(refs).toEqual([{ ref: file.id, fileName: 'a.png', size: 10, mediaType: 'image/png' }, { ref: 'F0CHECKINFO' }]);
    expect(JSON.stringify(refs)).not.toContain('files-pri');
    expect([...fileOrigins('https://slack.com/api/')]).toEqual(['https://slack.com', 'https://files.slack.com']);
  });

  it('streams the file: fetchFile returns while Slack is still sending, and the bytes arrive in chunks', async () => {
    const bytes = randomBytes(600 * 1024);
    const file = upload(bytes);
    let release!: () => void;
    fake.files.holdBefore = { afterBytes: 128 * 1024, until: new Promise<void>((r) => (release = r)) };
    const incoming = await adapter.fetchFile({ ref: file.id! }, where);
    expect(incoming).toMatchObject({ size: bytes.length, fileName: 'screenshot.png' });
    const it = incoming.stream[Symbol.asyncIterator]();
    const first = await it.next();
    // The first chunk is here although Slack has not sent the rest: nothing waited for the whole file.
    expect(first.done).toBe(false);
    expect(first.value!.byteLength).toBeLessThan(bytes.length);
    release();
    fake.files.holdBefore = null;
    const rest = await readAll({ [Symbol.asyncIterator]: () => it });
    expect(Buffer.concat([Buffer.from(first.value!), rest.bytes]).equals(bytes)).toBe(true);
    expect(rest.chunks).toBeGreaterThan(1);
    expect(fake.callsOf('files.info').at(-1)?.params).toMatchObject({ file: file.id });
    expect(fake.invalidCalls()).toEqual([]);
    expect(fake.files.downloads.at(-1)).toMatchObject({ fileId: file.id, authorized: true, status: 200 });
  });

  it('a file declared over the limit is not downloaded; its size goes to the locker, which refuses it', async () => {
    const file = upload(randomBytes(1024 * 1024 + 10));
    const before = fake.files.downloads.length;
    const incoming = await adapter.fetchFile({ ref: file.id! }, where);
    expect(incoming.size).toBe(1024 * 1024 + 10);
    expect((await readAll(incoming.stream)).bytes.length).toBe(0);
    expect(fake.files.downloads.length).toBe(before);
  });

  it('a deleted file, a missing scope, a foreign host and a refused token are errors; nothing is downloaded', async () => {
    const before = fake.files.downloads.length;
    const deleted = upload(randomBytes(100));
    fake.files.hosted.get(deleted.id!)!.deleted = true;
    await expect(adapter.fetchFile({ ref: deleted.id! }, where)).rejects.toMatchObject({ name: 'SlackFileError', code: 'file_deleted' });
    await expect(adapter.fetchFile({ ref: 'F0NOSUCHFILE' }, where)).rejects.toMatchObject({ code: 'file_not_found' });

    const file = upload(randomBytes(100));
    fake.refuse.set('files.info', { error: 'missing_scope', needed: 'files:read' });
    await expect(adapter.fetchFile({ ref: file.id! }, where)).rejects.toBeInstanceOf(SlackFileError);
    fake.refuse.delete('files.info');
    const scopeLine = logs.find((l) => l.code === 'missing_scope');
    expect(scopeLine?.level).toBe(50);
    expect(scopeLine?.msg).toContain('files:read');

    // files.info naming a URL elsewhere: the bot token is not sent there.
    const origin = fake.files.origin;
    fake.files.origin = 'https://files.example.org';
    await expect(adapter.fetchFile({ ref: file.id! }, where)).rejects.toMatchObject({ code: 'foreign_host' });
    fake.files.origin = origin;
    expect(fake.files.downloads.length).toBe(before);

    // A token Slack does not accept for the file: its redirect to the sign-in page is an error, never followed.
    await expect(
      fetchSlackFile({ ref: file.id! }, { client: adapter.client, botToken: 'xoxb-not-accepted', apiUrl: fake.url, maxBytes: 1024 * 1024 }),
    ).rejects.toMatchObject({ code: 'redirected' });
    expect(fake.files.downloads.slice(before).map((d) => [d.authorized, d.status])).toEqual([[false, 302]]);
    // No log line carries a private URL.
    expect(JSON.stringify(logs)).not.toContain('files-pri');
  });
});
