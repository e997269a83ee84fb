import type { Readable } from 'node:stream';
import { HTTPFetchError, messagingApi, type webhook } from '@line/bot-sdk';
import { ChatPlatformError } from '../../src/ports/chat-errors.js';
import { LineApiError, adviceFor } from './errors.js';
import type { Logger } from '../../src/ports/logger.js';
import type { FileReference, IncomingFile } from '../../src/ports/chat-model.js';

/**
 * Files and images people send the bot on LINE (evidence, issue #15). A message event carries only the message id:
 * LINE keeps the bytes, and the bot fetches them through the content API (GET api-data.line.me/v2/bot/message/{id}/
 * content, the SDK's MessagingApiBlobClient) only when the person files the message as evidence — a declined file
 * is never downloaded. LINE deletes content after a while; an expired message answers 404.
 */

/** The message types offered as evidence; video, audio, stickers and locations are not (the locker does not take them). */
const FILE_TYPES = new Set(['image', 'file']);

/**
 * The reference the core keeps for an image or file message: the message id only (never a token, never the bytes).
 * Null for other messages, and for images whose content LINE does not hold (`contentProvider.type: external`, e.g.
 * sent through LIFF: the bytes are at an address of the sender's choosing, which the bot does not fetch).
 */
export function lineFileReference(m: webhook.MessageContent): FileReference | null {
  if (!FILE_TYPES.has(m.type) || typeof m.id !== 'string' || m.id === '') return null;
  if (m.type === 'image') {
    const provider = (m as webhook.ImageMessageContent).contentProvider;
    if (provider?.type !== 'line') return null;
    return { ref: m.id };
  }
  const f = m as webhook.FileMessageContent;
  return {
    ref: m.id,
    ...(typeof f.fileName === 'string' && f.fileName !== '' ? { fileName: f.fileName.normalize('NFC').slice(0, 200) } : {}),
    ...(Number.isSafeInteger(f.fileSize) && f.fileSize >= 0 ? { size: f.fileSize } : {}),
  };
}

/** LINE no longer has the content (expired or deleted); the core answers 「無法從聊天平台取得這個檔案…」. */
export class LineContentUnavailable extends ChatPlatformError {
  constructor(message: string, status = 404) {
    super('line', 'not-found', status, message);
    this.name = 'LineContentUnavailable';
  }
}

export class LineContent {
  private readonly blob: messagingApi.MessagingApiBlobClient;

  constructor(
    opts: { channelAccessToken: string; dataApiBaseUrl: string },
    /** The largest file read (the locker's limit, EVIDENCE_MAX_MB): a larger one is not read past its headers. */
    private readonly maxBytes: number,
    private readonly log: Logger,
  ) {
    this.blob = new messagingApi.MessagingApiBlobClient({ channelAccessToken: opts.channelAccessToken, baseURL: opts.dataApiBaseUrl });
  }

  /**
   * Streams one message's content as LINE serves it. The size LINE declares (Content-Length) is handed to the locker,
   * which refuses an oversized file before reading it; the stream itself stops one chunk past the limit.
   */
  async fetch(file: FileReference): Promise<IncomingFile> {
    let res: { httpResponse: Response; body: Readable };
    try {
      res = await this.blob.getMessageContentWithHttpInfo(file.ref);
    } catch (err) {
      if (err instanceof HTTPFetchError) {
        // The SDK's message may quote LINE's answer; only the status is kept.
        if (err.status === 404 || err.status === 410)
          throw new LineContentUnavailable(
            `LINE no longer has the content of message ${file.ref} (HTTP ${err.status}: expired or deleted)`,
            err.status,
          );
        const advice = adviceFor(err.status);
        throw new LineApiError(
          `the content of message ${file.ref}`,
          err.status,
          `LINE content API answered HTTP ${err.status}${err.status === 401 ? ' (check LINE_CHANNEL_ACCESS_TOKEN)' : ''}: ${advice}`,
        );
      }
      throw new LineApiError(
        `the content of message ${file.ref}`,
        0,
        `LINE content API could not be reached (${(err as Error).name}): ${adviceFor(0)}`,
      );
    }
    const length = res.httpResponse.headers.get('content-length');
    const declared = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
    this.log.debug({ messageId: file.ref, bytes: declared ?? null }, 'LINE content fetched for evidence');
    if (declared !== undefined && declared > this.maxBytes) {
      // Not read at all: the locker refuses it by its declared size (in words the person understands). The SDK's
      // stream cannot cancel the request under it; unread, the response holds only what the socket buffered until
      // it is collected.
      res.body.destroy();
      return { stream: (async function* () {})(), size: declared, ...(file.fileName ? { fileName: file.fileName } : {}) };
    }
    return {
      stream: limited(res.body, this.maxBytes),
      ...(declared !== undefined ? { size: declared } : {}),
      ...(file.fileName ? { fileName: file.fileName } : {}),
    };
  }
}

/**
 * The response body as it arrives, chunk by chunk (never held whole: the next chunk is read when the locker has
 * taken the last). Once more than `max` bytes have come, the chunk that passed the limit is handed on (the locker
 * refuses the file on it) and nothing more is read.
 */
async function* limited(body: Readable, max: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      yield chunk;
      if (total > max) return;
    }
  } finally {
    body.destroy();
  }
}
