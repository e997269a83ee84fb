import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { types } from '@slack/bolt';

/**
 * Files hosted by the fake Slack, served as Slack serves them (https://api.slack.com/types/file#auth): a file's
 * `url_private` / `url_private_download` (https://files.slack.com/files-pri/<team>-<file>/…) gives its bytes only to a
 * request with `Authorization: Bearer <token>`; without it, or with a token Slack does not accept, Slack answers
 * `302 Found` to the workspace's sign-in page (`/?redir=…`), which is an HTML page with status 200 — the well-known
 * trap of apps that follow the redirect and store a web page. files.info (scope files:read) describes a file with the
 * fields of Slack's OpenAPI file object; its answer is checked against that description (spec.ts responseProblems).
 * The private URL is not a Web API method and is in no machine-readable Slack description: it is served here from
 * the file type's documentation and the behaviour quoted above.
 */
export interface HostedFile {
  id: string;
  bytes: Buffer;
  name: string;
  mimetype: string;
  filetype: string;
  user: string;
  channel: string;
  created: number;
  deleted: boolean;
}

export type EventFile = NonNullable<types.FileShareMessageEvent['files']>[number];

export interface FileDownload {
  fileId: string;
  /** The request carried the bot token (Slack served the file). */
  authorized: boolean;
  status: number;
}

/** Bytes sent per write: a file arrives in many chunks, as over a real connection. */
const CHUNK = 64 * 1024;

export class FakeSlackFiles {
  readonly hosted = new Map<string, HostedFile>();
  /** Every request to a private file URL (an accepted one and a refused one alike). */
  readonly downloads: FileDownload[] = [];
  /** The origin files.info names in private URLs (the fake's own by default; another host to test where the token goes). */
  origin = '';
  /** While set, a download sends its first chunks and then waits for this promise before the rest. */
  holdBefore: { afterBytes: number; until: Promise<void> } | null = null;
  private seq = 0;

  constructor(
    private readonly team: string,
    private readonly acceptedToken: () => string,
  ) {}

  /** Someone uploads a file in a channel: Slack hosts it; returns it as a file_share message event carries it. */
  upload(a: { bytes: Buffer; name: string; mimetype: string; user: string; channel: string }): EventFile {
    this.seq += 1;
    const id = `F0${createHash('sha256').update(`${a.name}:${this.seq}`).digest('hex').slice(0, 9).toUpperCase()}`;
    const filetype = a.name.split('.').pop()?.toLowerCase() ?? 'binary';
    const h: HostedFile = { id, ...a, filetype, created: Math.floor(Date.now() / 1000), deleted: false };
    this.hosted.set(id, h);
    const d = this.describe(h);
    // Typed by Slack's own SDK types (@slack/types FileShareMessageEvent): the event shape the adapter reads.
    const file: EventFile = {
      id,
      created: h.created,
      name: h.name,
      title: h.name,
      mimetype: h.mimetype,
      filetype,
      pretty_type: d.pretty_type as string,
      user: h.user,
      editable: false,
      size: h.bytes.length,
      mode: 'hosted',
      is_external: false,
      external_type: null,
      is_public: h.channel.startsWith('C'),
      public_url_shared: false,
      display_as_bot: false,
      username: null,
      url_private: d.url_private as string,
      url_private_download: d.url_private_download as string,
      permalink: d.permalink,
      channels: d.channels as string[],
      groups: d.groups as string[],
    };
    return file;
  }

  /** The file object of Slack's OpenAPI description (objs_file), as files.info returns it. */
  describe(h: HostedFile): Record<string, unknown> & { permalink: string } {
    const path = `/files-pri/${this.team}-${h.id}`;
    const name = encodeURIComponent(h.name);
    return {
      id: h.id,
      created: h.created,
      timestamp: h.created,
      name: h.name,
      title: h.name,
      mimetype: h.mimetype,
      filetype: h.filetype,
      pretty_type: h.filetype.toUpperCase(),
      user: h.user,
      editable: false,
      size: h.bytes.length,
      mode: 'hosted',
      is_external: false,
      external_type: '',
      is_public: h.channel.startsWith('C'),
      public_url_shared: false,
      display_as_bot: false,
      username: '',
      url_private: `${this.origin}${path}/${name}`,
      url_private_download: `${this.origin}${path}/download/${name}`,
      permalink: `https://school.slack.com/files/${h.user}/${h.id}/${name}`,
      channels: h.channel.startsWith('C') ? [h.channel] : [],
      groups: h.channel.startsWith('G') ? [h.channel] : [],
      ims: h.channel.startsWith('D') ? [h.channel] : [],
      comments_count: 0,
    };
  }

  /** files.info: the answer Slack gives (ok with the file, or file_not_found / file_deleted). */
  info(fileId: string): Record<string, unknown> {
    const h = this.hosted.get(fileId);
    if (!h) return { ok: false, error: 'file_not_found' };
    if (h.deleted) return { ok: false, error: 'file_deleted' };
    return { ok: true, file: this.describe(h), comments: [], response_metadata: { next_cursor: '' } };
  }

  /** Serves GET /files-pri/… and the sign-in page; false when the request is for something else. */
  async serve(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'GET' && url.pathname === '/' && url.searchParams.has('redir')) {
      // The workspace's sign-in page (what a client following the redirect ends up with).
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html lang="en-US"><head><title>Slack</title></head><body>Sign in to school.slack.com</body></html>');
      return true;
    }
    const m = /^\/files-pri\/([A-Z0-9]+)-(F[A-Z0-9]+)\/(?:download\/)?[^/]+$/.exec(url.pathname);
    if (!m) return false;
    const fileId = m[2]!;
    const authorized = req.headers.authorization === `Bearer ${this.acceptedToken()}`;
    const h = m[1] === this.team ? this.hosted.get(fileId) : undefined;
    const record = (status: number) => this.downloads.push({ fileId, authorized, status });
    if (req.method !== 'GET') {
      record(405);
      res.writeHead(405).end();
      return true;
    }
    if (!authorized) {
      record(302);
      res.writeHead(302, { location: `/?redir=${encodeURIComponent(url.pathname)}`, 'content-type': 'text/html; charset=utf-8' });
      res.end(`<a href="/?redir=${encodeURIComponent(url.pathname)}">Found</a>.`);
      return true;
    }
    if (!h || h.deleted) {
      record(404);
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('<html><body>File not found</body></html>');
      return true;
    }
    record(200);
    res.writeHead(200, {
      'content-type': h.mimetype,
      'content-length': String(h.bytes.length),
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(h.name)}`,
    });
    let sent = 0;
    let hold = this.holdBefore;
    for (let at = 0; at < h.bytes.length; at += CHUNK) {
      if (hold && sent >= hold.afterBytes) {
        await hold.until;
        hold = null;
      }
      const part = h.bytes.subarray(at, at + CHUNK);
      if (!res.write(part)) await new Promise<void>((resolve) => res.once('drain', resolve));
      sent += part.length;
      if (res.destroyed) return true;
    }
    res.end();
    return true;
  }
}
