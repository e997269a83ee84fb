import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineContent, LineContentUnavailable, lineFileReference } from '../../../adapters/line/content.js';
import { createLogger } from '../../../src/app/logger.js';
import { FakeLinePlatform } from '../../fakes/line/platform.js';

/**
 * The LINE content fetch on its own (adapters/line/content.ts) against the fake content API: what becomes a file
 * reference, the bytes streamed as served, the size guard (a declared size over the limit is not read; without a
 * declared size, reading stops one chunk past the limit), and the errors. The fake writes a chunk only when the last
 * was taken, so what it sent shows how far the client read (plus what the sockets buffer).
 */
const TOKEN = 'content-test-token';
const MAX = 1024 * 1024;

async function drain(stream: AsyncIterable<Uint8Array>): Promise<{ bytes: number; chunks: number; data: Buffer[] }> {
  const data: Buffer[] = [];
  let bytes = 0;
  for await (const c of stream) {
    data.push(Buffer.from(c));
    bytes += c.byteLength;
  }
  return { bytes, chunks: data.length, data };
}

describe('LINE content (evidence files)', () => {
  let fake: FakeLinePlatform;
  let content: LineContent;
  beforeAll(async () => {
    fake = await FakeLinePlatform.start(TOKEN);
    content = new LineContent({ channelAccessToken: TOKEN, dataApiBaseUrl: fake.dataUrl }, MAX, createLogger({ level: 'silent' }));
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('image and file messages become references holding ids only; others and external images do not', () => {
    expect(lineFileReference({ type: 'image', id: '111', contentProvider: { type: 'line' }, quoteToken: 'q' } as never)).toEqual({
      ref: '111',
    });
    expect(lineFileReference({ type: 'file', id: '112', fileName: '紀錄.pdf', fileSize: 2048 } as never)).toEqual({
      ref: '112',
      fileName: '紀錄.pdf',
      size: 2048,
    });
    expect(
      lineFileReference({
        type: 'image',
        id: '113',
        contentProvider: { type: 'external', originalContentUrl: 'https://x.example/a.jpg' },
        quoteToken: 'q',
      } as never),
    ).toBeNull();
    for (const type of ['text', 'sticker', 'video', 'audio', 'location'])
      expect(lineFileReference({ type, id: '114' } as never)).toBeNull();
  });

  it('streams the content as served, in several chunks, with the declared size', async () => {
    const bytes = randomBytes(600_000);
    fake.contents.set('201', { bytes, contentType: 'image/jpeg' });
    const file = await content.fetch({ ref: '201' });
    expect(file.size).toBe(bytes.length);
    const got = await drain(file.stream);
    expect(Buffer.concat(got.data).equals(bytes)).toBe(true);
    expect(got.chunks).toBeGreaterThan(1);
    expect(fake.contentRequests('201').map((r) => [r.host, r.status])).toEqual([['data', 200]]);
  });

  it('a declared size over the limit is not read: nothing is handed on', async () => {
    fake.contents.set('202', { bytes: Buffer.alloc(16 * MAX, 1), contentType: 'application/pdf' });
    const file = await content.fetch({ ref: '202', fileName: 'big.pdf' });
    expect(file).toMatchObject({ size: 16 * MAX, fileName: 'big.pdf' });
    expect((await drain(file.stream)).bytes).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.contentBytesSent.get('202')).toBeLessThan(8 * MAX);
  });

  it('without a declared size, reading stops one chunk past the limit', async () => {
    fake.contents.set('203', { bytes: Buffer.alloc(16 * MAX, 2), contentType: 'text/plain' });
    fake.contentWithoutLength = true;
    try {
      const file = await content.fetch({ ref: '203' });
      expect(file.size).toBeUndefined();
      const got = await drain(file.stream);
      expect(got.bytes).toBeGreaterThan(MAX);
      expect(got.bytes).toBeLessThan(MAX + 256 * 1024);
    } finally {
      fake.contentWithoutLength = false;
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.contentBytesSent.get('203')).toBeLessThan(8 * MAX);
  });

  it('content LINE no longer has is LineContentUnavailable; a wrong token is an operator error', async () => {
    await expect(content.fetch({ ref: '299' })).rejects.toBeInstanceOf(LineContentUnavailable);
    fake.contents.set('204', { bytes: randomBytes(10), contentType: 'image/png' });
    const wrong = new LineContent({ channelAccessToken: 'wrong', dataApiBaseUrl: fake.dataUrl }, MAX, createLogger({ level: 'silent' }));
    await expect(wrong.fetch({ ref: '204' })).rejects.toThrow(/HTTP 401.*LINE_CHANNEL_ACCESS_TOKEN/);
    expect(fake.requests.at(-1)).toMatchObject({ status: 401, problems: ['missing or wrong channel access token'] });
    fake.requests.pop(); // the deliberate wrong token, not a request the product would send
    expect(fake.invalidRequests()).toEqual([]);
  });
});
