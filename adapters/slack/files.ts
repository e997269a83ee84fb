import type { webApi } from '@slack/bolt';
import type { FileReference, IncomingFile } from '../../src/ports/chat-model.js';
import { ChatPlatformError, type ChatErrorKind } from '../../src/ports/chat-errors.js';
import { kindOfSlackError } from './errors.js';

/**
 * Files people share with the bot (issue #15, docs/slack.md「證據（截圖與檔案）」). A `message` event of subtype
 * `file_share` names its files; only their ids travel to the core (InboundFile). When a person files one as
 * evidence, `fetchSlackFile` asks Slack about it (files.info, scope files:read) and streams it from its private URL
 * with the bot token (`Authorization: Bearer xoxb-…`) — the only way Slack serves a file's bytes to an app. A file
 * declared over the limit is not downloaded at all; the bytes are counted while they stream, never held whole.
 * URLs are never logged (they name the file), nor the bytes.
 */

/** A file as Slack describes it in a message event (@slack/types File; only what is read here). */
export interface SlackEventFile {
  id?: string;
  name?: string | null;
  title?: string | null;
  mimetype?: string;
  size?: number;
  mode?: string;
  is_external?: boolean;
  /** 'check_file_info': the event carries only the id; files.info tells the rest. */
  file_access?: string;
}

/** Slack file ids: F followed by upper-case letters and digits. */
const FILE_ID_RE = /^F[A-Z0-9]{2,30}$/;
/** Kinds of file Slack hosts itself (an external file is a link to another service, a tombstone a deleted file). */
const NOT_HOSTED = new Set(['external', 'tombstone', 'hidden_by_limit']);
/** A download that stalls this long is given up (and its connection closed, read or not). */
const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;

/** Why a file could not be fetched (operator English); the core answers the person 「無法從聊天平台取得這個檔案…」. */
export class SlackFileError extends ChatPlatformError {
  declare readonly code: string;
  constructor(code: string, message: string) {
    super('slack', kindOfFileError(code), code, message);
    this.name = 'SlackFileError';
  }
}

/** The chat error kind of a file that could not be fetched (a Web API code, or one of the download's own). */
function kindOfFileError(code: string): ChatErrorKind {
  if (code === 'not_hosted' || code === 'file_not_found' || code === 'file_deleted') return 'not-found';
  if (code === 'download_failed' || code === 'request_failed') return 'network';
  if (code === 'redirected' || code === 'sign_in_page') return 'auth';
  if (code === 'bad_reference' || code === 'bad_url' || code === 'no_url' || code === 'foreign_host' || code === 'too_large')
    return 'validation';
  return kindOfSlackError(code);
}

/** The files of a file_share message the bot can fetch later, as references (ids, name, declared size and type). */
export function sharedFiles(files: readonly SlackEventFile[] | undefined): FileReference[] {
  const out: FileReference[] = [];
  for (const f of files ?? []) {
    if (!f.id || !FILE_ID_RE.test(f.id)) continue;
    if (f.is_external || (f.mode && NOT_HOSTED.has(f.mode))) continue;
    const name = (f.name ?? f.title ?? '')
      .normalize('NFC')
      .replace(/[\u0000-\u001f/\\]/g, '_')
      .slice(0, 200);
    out.push({
      ref: f.id,
      ...(name ? { fileName: name } : {}),
      ...(typeof f.size === 'number' && f.size >= 0 ? { size: f.size } : {}),
      ...(f.mimetype ? { mediaType: f.mimetype } : {}),
    });
  }
  return out;
}

/**
 * Where the bot token may be sent with a download: Slack's file host next to the Web API it was configured with
 * (https://files.slack.com for https://slack.com/api/), or the Web API's own origin. A URL elsewhere is refused: the
 * token never leaves Slack.
 */
export function fileOrigins(apiUrl: string): Set<string> {
  const api = new URL(apiUrl);
  return new Set([api.origin, `${api.protocol}//files.${api.host}`]);
}

export interface FetchSlackFileOptions {
  client: webApi.WebClient;
  botToken: string;
  apiUrl: string;
  /** Largest file taken (EVIDENCE_MAX_MB): one declared larger is not downloaded. */
  maxBytes: number;
  fetch?: typeof fetch;
}

/** files.info, then the private download URL with the bot token, streamed. Throws SlackFileError when Slack will not give it. */
export async function fetchSlackFile(file: FileReference, opts: FetchSlackFileOptions): Promise<IncomingFile> {
  if (!FILE_ID_RE.test(file.ref)) throw new SlackFileError('bad_reference', 'not a Slack file id');
  let info: webApi.FilesInfoResponse;
  try {
    info = await opts.client.files.info({ file: file.ref });
  } catch (err) {
    const e = err as { code?: string; data?: { error?: string; needed?: string } };
    const code = e.code === 'slack_webapi_platform_error' && e.data?.error ? e.data.error : 'request_failed';
    throw new SlackFileError(code, `files.info refused (${code})${fileAdvice(code, e.data?.needed)}`);
  }
  const f = info.file;
  if (!f || f.is_external || (f.mode && NOT_HOSTED.has(f.mode)))
    throw new SlackFileError('not_hosted', 'the file is not hosted by Slack (an external link or a deleted file)');
  const fileName = (f.name ?? f.title ?? file.fileName ?? '').slice(0, 200) || undefined;
  const size = typeof f.size === 'number' ? f.size : file.size;
  const base = { ...(fileName ? { fileName } : {}), ...(size !== undefined ? { size } : {}) };
  // Declared over the limit: nothing is downloaded; the locker refuses it by its declared size.
  if (size !== undefined && size > opts.maxBytes) return { ...base, stream: (async function* () {})() };
  const address = f.url_private_download ?? f.url_private;
  if (!address) throw new SlackFileError('no_url', 'files.info gave no private URL for the file');
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new SlackFileError('bad_url', 'files.info gave a private URL that is not a URL');
  }
  if (!fileOrigins(opts.apiUrl).has(url.origin)) {
    throw new SlackFileError(
      'foreign_host',
      `the file's private URL is on ${url.host}, not Slack's file host: the bot token is not sent there`,
    );
  }
  const res = await (opts.fetch ?? fetch)(url, {
    headers: { authorization: `Bearer ${opts.botToken}` },
    // Slack answers a token it does not accept with a redirect to its sign-in page: never followed.
    redirect: 'manual',
    signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
  }).catch((err: unknown) => {
    throw new SlackFileError('download_failed', `the download could not start (${(err as Error).name})`);
  });
  const refuse = async (code: string, message: string): Promise<never> => {
    await res.body?.cancel().catch(() => undefined);
    throw new SlackFileError(code, message);
  };
  if (res.status >= 300 && res.status < 400) {
    return refuse(
      'redirected',
      `Slack redirected the download (HTTP ${res.status}) instead of serving the file: the bot token was not accepted for it (the app needs files:read; reinstall it after adding the scope)`,
    );
  }
  if (res.status === 404 || res.status === 410) return refuse('file_not_found', `Slack no longer has the file (HTTP ${res.status})`);
  if (!res.ok || !res.body) return refuse('download_failed', `Slack answered HTTP ${res.status} to the download`);
  const served = String(res.headers.get('content-type') ?? '');
  if (/^text\/html/i.test(served) && !/html/i.test(f.mimetype ?? '')) {
    return refuse(
      'sign_in_page',
      'Slack served a web page instead of the file (its sign-in page: the bot token was not accepted for the file)',
    );
  }
  const length = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(length) && length > opts.maxBytes) {
    // Served larger than the limit: closed at once; the locker refuses it by this size.
    await res.body.cancel().catch(() => undefined);
    return { ...base, size: length, stream: (async function* () {})() };
  }
  return { ...base, ...(Number.isFinite(length) ? { size: length } : {}), stream: counted(res.body, opts.maxBytes) };
}

/** The body as it arrives, chunk by chunk; more than `max` bytes stop it (the locker refuses the file). */
async function* counted(body: ReadableStream<Uint8Array>, max: number): AsyncIterable<Uint8Array> {
  const reader = body.getReader();
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.byteLength;
      // One byte over is enough for the locker to refuse it by size: nothing more is read.
      if (total > max + 1) {
        yield value.subarray(0, value.byteLength - (total - max - 1));
        return;
      }
      yield value;
    }
  } finally {
    // Read to the end, or given up (the locker refused it, or stopped reading): the connection is closed either way.
    await reader.cancel().catch(() => undefined);
  }
}

function fileAdvice(code: string, needed?: string): string {
  switch (code) {
    case 'missing_scope':
      return `: the app lacks the "${needed ?? 'files:read'}" scope. Add it under OAuth & Permissions (adapters/slack/manifest.yaml) and reinstall the app.`;
    case 'file_not_found':
    case 'file_deleted':
      return ': the file was deleted in Slack, or the bot cannot see it.';
    case 'invalid_auth':
    case 'not_authed':
    case 'token_revoked':
      return ': SLACK_BOT_TOKEN is not valid for this workspace.';
    default:
      return '.';
  }
}
