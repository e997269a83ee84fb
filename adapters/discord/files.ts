import { Routes, type Attachment, type Message, type REST } from 'discord.js';
import type { Logger } from '../../src/ports/logger.js';
import { ChatPlatformError } from '../../src/ports/chat-errors.js';
import type { ConversationAddress, FileReference, InboundFile, IncomingFile, PlatformUser } from '../../src/ports/chat-model.js';

/**
 * Files people send to the bot on Discord (issue #15): message attachments become InboundFile events, and the bytes
 * are streamed from Discord's CDN only when the person files one as evidence.
 *
 * The reference kept in the offer holds ids only — `<channel>/<message>/<attachment>` — never the attachment URL: its
 * signature (`ex`, `is`, `hm`) expires after about a day, and it grants the file to anyone holding it. At filing time
 * the message is fetched again (GET /channels/{channel}/messages/{message}, with the bot token, which Discord answers
 * with freshly signed URLs), then the file is streamed from that URL, which needs no token (the bot token is never
 * sent to the CDN). A deleted message or a channel the bot can no longer read means the file is gone: an error the core
 * answers with 「無法從聊天平台取得這個檔案…」. Attachment URLs are never logged.
 */

/** Hosts an attachment URL may point to: Discord's CDN and media proxy, or the configured API host (a test double). */
const CDN_HOSTS = new Set(['cdn.discordapp.com', 'media.discordapp.net']);
/** The whole download, from the first byte asked to the last received. */
const DOWNLOAD_TIMEOUT_MS = 120_000;

/** A file Discord no longer has (message or attachment deleted, URL refused) or will not give the bot. */
export class DiscordFileUnavailable extends ChatPlatformError {
  constructor(message: string) {
    super('discord', 'not-found', 'file_unavailable', message);
    this.name = 'DiscordFileUnavailable';
  }
}

export function attachmentRef(channelId: string, messageId: string, attachmentId: string): string {
  return `${channelId}/${messageId}/${attachmentId}`;
}

export function parseAttachmentRef(ref: string): { channelId: string; messageId: string; attachmentId: string } | null {
  const m = /^(\d{15,21})\/(\d{15,21})\/(\d{15,21})$/.exec(ref);
  return m ? { channelId: m[1]!, messageId: m[2]!, attachmentId: m[3]! } : null;
}

/** One InboundFile per attachment of a message (ids and what Discord declares; no URL). */
export function attachmentEvents(m: Message, conversation: ConversationAddress, user: PlatformUser): InboundFile[] {
  return [...m.attachments.values()].map((a: Attachment) => ({
    type: 'file',
    eventId: `file:${m.id}:${a.id}`,
    conversation,
    user,
    at: m.createdAt,
    messageId: m.id,
    file: {
      ref: attachmentRef(m.channelId, m.id, a.id),
      ...(a.name ? { fileName: a.name } : {}),
      size: a.size,
      ...(a.contentType ? { mediaType: a.contentType } : {}),
    },
  }));
}

interface AttachmentJson {
  id: string;
  filename?: string;
  size?: number;
  url?: string;
  content_type?: string;
}

export class DiscordFiles {
  private readonly allowedHosts: Set<string>;

  constructor(
    private readonly rest: REST,
    /** A REST call with Discord's refusals mapped (the adapter's `call`). */
    private readonly call: <R>(action: string, fn: () => Promise<R>) => Promise<R>,
    apiBase: string,
    /** The largest file the locker takes: a larger one is not downloaded at all. */
    private readonly maxBytes: number,
    private readonly log: Logger,
  ) {
    this.allowedHosts = new Set([...CDN_HOSTS, new URL(apiBase).host]);
  }

  async fetch(file: FileReference): Promise<IncomingFile> {
    const ids = parseAttachmentRef(file.ref);
    if (!ids) throw new DiscordFileUnavailable(`Not a Discord attachment reference: ${file.ref.slice(0, 60)}`);
    let message: { attachments?: AttachmentJson[] };
    try {
      message = (await this.call('fetch the message of an attachment', () =>
        this.rest.get(Routes.channelMessage(ids.channelId, ids.messageId)),
      )) as typeof message;
    } catch (err) {
      throw new DiscordFileUnavailable(
        `Discord message ${ids.messageId} could not be fetched (deleted, or the bot may no longer read that channel): ${(err as Error).message}`,
      );
    }
    const a = message.attachments?.find((x) => x.id === ids.attachmentId);
    // In a server channel, attachments come back empty without the Message Content intent (docs/discord.md).
    if (!a?.url)
      throw new DiscordFileUnavailable(
        `Attachment ${ids.attachmentId} is no longer on message ${ids.messageId} (removed, or hidden without the Message Content intent).`,
      );
    const url = new URL(a.url);
    if (!this.allowedHosts.has(url.host) || !/^https?:$/.test(url.protocol)) {
      throw new DiscordFileUnavailable(`Attachment ${ids.attachmentId} points to ${url.host}, not Discord's CDN: not fetched.`);
    }
    const fileName = a.filename ?? file.fileName;
    const declared = typeof a.size === 'number' ? a.size : file.size;
    if (declared !== undefined && declared > this.maxBytes) {
      // Not downloaded: the locker refuses it by its declared size before reading a byte.
      return { size: declared, ...(fileName ? { fileName } : {}), stream: notRead() };
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error('download took over 2 minutes')), DOWNLOAD_TIMEOUT_MS).unref();
    let res: Response;
    try {
      // No Authorization header: the URL's signature is the CDN's authorisation, the bot token stays with the API.
      res = await fetch(url, { redirect: 'error', signal: abort.signal });
    } catch (err) {
      clearTimeout(timer);
      throw new DiscordFileUnavailable(`Discord CDN unreachable for attachment ${ids.attachmentId}: ${(err as Error).message}`);
    }
    if (!res.ok || !res.body) {
      clearTimeout(timer);
      await res.body?.cancel().catch(() => undefined);
      this.log.warn(
        { attachmentId: ids.attachmentId, messageId: ids.messageId, status: res.status },
        'Discord CDN refused an attachment (expired or deleted)',
      );
      throw new DiscordFileUnavailable(`Discord CDN answered ${res.status} for attachment ${ids.attachmentId} (expired or deleted).`);
    }
    const length = Number(res.headers.get('content-length') ?? Number.NaN);
    const size = Number.isFinite(length) ? length : declared;
    if (size !== undefined && size > this.maxBytes) {
      clearTimeout(timer);
      await res.body.cancel().catch(() => undefined);
      return { size, ...(fileName ? { fileName } : {}), stream: notRead() };
    }
    return {
      ...(size !== undefined ? { size } : {}),
      ...(fileName ? { fileName } : {}),
      stream: guarded(res.body, this.maxBytes, () => clearTimeout(timer)),
    };
  }
}

/** The response body as it arrives, never more than `max` bytes past the point the reader stops (cancelled then). */
async function* guarded(body: ReadableStream<Uint8Array>, max: number, done: () => void): AsyncGenerator<Uint8Array> {
  let total = 0;
  try {
    for await (const chunk of body) {
      total += chunk.byteLength;
      yield chunk;
      // The locker stops at its limit itself; this holds if a reader ever does not.
      if (total > max) throw new DiscordFileUnavailable(`Discord attachment is over ${max} bytes: download stopped.`);
    }
  } finally {
    done();
  }
}

/** The stream of a file not downloaded (over the limit): reading it is a bug. */
function notRead(): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.reject(new DiscordFileUnavailable('This attachment was not downloaded (over the size limit).')),
    }),
  };
}
