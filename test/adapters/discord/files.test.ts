import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentRef, DiscordFiles, DiscordFileUnavailable, parseAttachmentRef } from '../../../adapters/discord/files.js';
import { createLogger } from '../../../src/app/logger.js';
import type { IncomingFile } from '../../../src/ports/chat-model.js';
import { DISCORD_TOKEN } from '../../fakes/discord/harness.js';
import { FakeDiscord } from '../../fakes/discord/platform.js';
import { DISCORD_SPECS_DIR } from '../../fakes/discord/spec.js';

const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');
const user = '1400000000000000077';

async function readAll(f: IncomingFile): Promise<{ bytes: Buffer; chunks: number }> {
  const parts: Buffer[] = [];
  for await (const c of f.stream) parts.push(Buffer.from(c));
  return { bytes: Buffer.concat(parts), chunks: parts.length };
}

/**
 * The Discord attachment download on its own (adapters/discord/files.ts), against the fake Discord's REST API and CDN:
 * streamed as it arrives, nothing downloaded over the limit, a deleted message or a refused URL an error, and only
 * Discord's CDN (or the configured API host) fetched from.
 */
describe('Discord attachments: fetching a file when it is filed', () => {
  let fake: FakeDiscord;
  let rest: REST;
  /** Everything logged, at every level: attachment URLs (their signatures) must never appear. */
  const logged: string[] = [];
  const log = createLogger({ level: 'trace', destination: { write: (line: string) => void logged.push(line) } });
  const files = (maxBytes: number, r: REST = rest) => new DiscordFiles(r, (_a, fn) => fn(), fake.apiBase, maxBytes, log);

  beforeAll(async () => {
    fake = await FakeDiscord.start(DISCORD_TOKEN);
    rest = new REST({ api: fake.apiBase, retries: 0 }).setToken(DISCORD_TOKEN);
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('streams the file as the CDN sends it (several chunks), byte for byte', async () => {
    const bytes = randomBytes(3 * 1024 * 1024);
    const dm = fake.dmOf(user);
    const m = fake.sendFile(user, dm, [{ name: 'server.log', bytes, contentType: 'text/plain; charset=utf-8' }]);
    const got = await files(25 * 1024 * 1024).fetch({ ref: attachmentRef(dm, m.id, m.attachments[0]!.id) });
    expect(got).toMatchObject({ size: bytes.length, fileName: 'server.log' });
    const read = await readAll(got);
    expect(sha(read.bytes)).toBe(sha(bytes));
    // Handed on as it arrives, not gathered first: one chunk would mean the whole file was held in memory.
    expect(read.chunks).toBeGreaterThan(1);
  });

  it('does not download a file over the limit (the locker refuses it by its declared size)', async () => {
    const dm = fake.dmOf(user);
    const m = fake.sendFile(user, dm, [{ name: 'big.zip', bytes: randomBytes(5000) }]);
    const before = fake.cdnCalls.length;
    const got = await files(4000).fetch({ ref: attachmentRef(dm, m.id, m.attachments[0]!.id) });
    expect(got.size).toBe(5000);
    await expect(readAll(got)).rejects.toThrow(DiscordFileUnavailable);
    expect(fake.cdnCalls.length).toBe(before);
  });

  it("a file longer than Discord declared is caught by the CDN's Content-Length and not read", async () => {
    const dm = fake.dmOf(user);
    const bytes = randomBytes(2 * 1024 * 1024);
    const m = fake.sendFile(user, dm, [{ name: 'a.bin', bytes }]);
    // The message says 10 bytes; the CDN's answer says 2 MB: its body is cancelled unread.
    const lying = {
      get: async (route: string) => ({
        attachments: ((await rest.get(route as `/${string}`)) as { attachments: { id: string; size: number }[] }).attachments.map((a) => ({
          ...a,
          size: 10,
        })),
      }),
    } as unknown as REST;
    const got = await files(1024 * 1024, lying).fetch({ ref: attachmentRef(dm, m.id, m.attachments[0]!.id) });
    expect(got.size).toBe(bytes.length);
    await expect(readAll(got)).rejects.toThrow(/not downloaded/);
  });

  it('a deleted message, an expired URL, a foreign host or a malformed reference is an error, not a file', async () => {
    const dm = fake.dmOf(user);
    const m = fake.sendFile(user, dm, [{ name: 'x.png', bytes: randomBytes(100) }]);
    const ref = attachmentRef(dm, m.id, m.attachments[0]!.id);
    // Discord hands out URLs that are already expired (as if the message were fetched long ago): the CDN answers 404.
    fake.attachmentUrlTtlMs = -60_000;
    await expect(files(1e6).fetch({ ref })).rejects.toThrow(/answered 404/);
    fake.attachmentUrlTtlMs = 24 * 3600_000;
    fake.deleteUserMessage(m.id);
    await expect(files(1e6).fetch({ ref })).rejects.toThrow(/could not be fetched/);
    const foreign = {
      get: async () => ({ attachments: [{ id: m.attachments[0]!.id, url: 'https://files.example.org/x.png', size: 100 }] }),
    } as unknown as REST;
    await expect(files(1e6, foreign).fetch({ ref })).rejects.toThrow(/not Discord's CDN/);
    await expect(files(1e6).fetch({ ref: 'https://cdn.discordapp.com/attachments/1/2/x.png' })).rejects.toThrow(DiscordFileUnavailable);
    expect(parseAttachmentRef(ref)).toEqual({ channelId: dm, messageId: m.id, attachmentId: m.attachments[0]!.id });
    // The CDN's refusal was logged (attachment id and status), never the URL it refused.
    expect(logged.some((l) => l.includes('Discord CDN refused') && l.includes(m.attachments[0]!.id))).toBe(true);
    expect(logged.join('\n')).not.toMatch(/hm=|\/attachments\/|files\.example\.org/);
  });

  it("the fake signs URLs in the shape of Discord's documented example (ex, is, hm; hex)", () => {
    const doc = readFileSync(join(DISCORD_SPECS_DIR, 'signed-attachment-cdn-urls.md'), 'utf8');
    const example = new URL(/https:\/\/cdn\.discordapp\.com\/attachments\/\S+/.exec(doc)![0]);
    const dm = fake.dmOf(user);
    const ours = new URL(fake.signedUrl(fake.sendFile(user, dm, [{ name: 'y.png', bytes: randomBytes(10) }]).attachments[0]!));
    expect([...ours.searchParams.keys()]).toEqual([...example.searchParams.keys()]);
    expect(ours.pathname.split('/').slice(0, 2)).toEqual(example.pathname.split('/').slice(0, 2));
    for (const k of ['ex', 'is', 'hm']) expect(ours.searchParams.get(k)).toMatch(/^[0-9a-f]+$/);
    expect(example.search.endsWith('&')).toBe(ours.search.endsWith('&'));
    expect(fake.invalidCalls()).toEqual([]);
    expect(fake.payloadProblems).toEqual([]);
  });
});
