import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '../ports/logger.js';
import type { Repositories } from '../ports/repositories/index.js';
import type { DocumentLinks, LinkClaims } from '../core/documents/links.js';
import { targetLabel, type ReportService } from '../core/documents/service.js';
import type { EvidenceLocker } from '../core/evidence/locker.js';
import { UserError } from '../core/incidents/types.js';
import type { Actor } from '../core/roles.js';
import { formatRocDateTime } from '../core/time/roc.js';

export interface DocumentRoutesOptions {
  /** The incidents a link names (its page shows the incident's number), and the people links are made for. */
  repos: Pick<Repositories, 'incidents' | 'people'>;
  links: DocumentLinks;
  reports: ReportService;
  /** The evidence locker, when evidence is configured: its files are downloaded through the same links. */
  evidence?: EvidenceLocker | null;
  log: Logger;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-Hant-TW"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,"Noto Sans TC",sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.7;color:#222}
h1{font-size:1.3rem}button{font-size:1.1rem;padding:.6rem 1.4rem;border-radius:.4rem;border:0;background:#1f6feb;color:#fff;cursor:pointer}
.note{color:#555;font-size:.9rem}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

/** The document pages: their own inline style, a form posting to themselves, nothing else; never framed. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Where a new link comes from: 「報告」 for reports and the export, 「證據」 for evidence (unknown for a broken link). */
const ASK_AGAIN = '請回到聊天室輸入「報告」（證據檔案請輸入「證據」），取得新的連結。';
const ASK_AGAIN_EVIDENCE = '請回到聊天室輸入「證據」，取得新的連結。';

const REFUSALS = {
  expired: ['下載連結已過期', `<p>這個下載連結已超過有效時間（15分鐘）。${ASK_AGAIN}</p>`],
  invalid: ['下載連結無效', `<p>這個下載連結無效或已被修改，無法下載。${ASK_AGAIN}</p>`],
  used: [
    '下載連結已使用過',
    '<p>每個下載連結只能使用一次，這個連結已經下載過了。如需再次下載，請回到聊天室輸入「報告」，取得新的連結。</p>',
  ],
  evidenceUsed: ['下載連結已使用過', `<p>每個下載連結只能使用一次，這個連結已經下載過了。如需再次下載，${ASK_AGAIN_EVIDENCE}</p>`],
  denied: ['沒有下載權限', '<p>您目前沒有下載這份文件的權限（限個資聯絡窗口、管理人（校長）及稽核人員）。如有疑問請洽個資聯絡窗口。</p>'],
  evidenceDenied: [
    '沒有下載權限',
    '<p>您目前沒有下載這份證據的權限（限事件的應變人員、稽核人員及存證人本人）。如有疑問請洽個資聯絡窗口。</p>',
  ],
} as const;

/**
 * Downloads of the reports and the full export through signed, short-lived links (src/core/documents/links.ts).
 * GET shows a page with a download button and changes nothing, so link previews and scanners neither regenerate a
 * document nor put a false download on the timeline; POST checks the link and the person's role again, records the
 * download on the timeline (who and which document, never the content) and sends the document, regenerated from
 * the current record. Refusals are 403 with a zh-TW page; the token is never logged.
 */
export function registerDocumentRoutes(server: FastifyInstance, opts: DocumentRoutesOptions): void {
  const refuse = (reply: FastifyReply, why: keyof typeof REFUSALS) =>
    reply
      .code(why === 'used' || why === 'evidenceUsed' ? 410 : 403)
      .header('cache-control', 'no-store')
      .header('content-security-policy', PAGE_CSP)
      .type('text/html; charset=utf-8')
      .send(page(REFUSALS[why][0], REFUSALS[why][1]));

  /** The person the link was made for, if they may still download this incident's documents. */
  async function holder(claims: LinkClaims): Promise<Actor | null> {
    const person = await opts.repos.people.find(claims.personId);
    if (!person?.active) return null;
    const actor: Actor = { personId: person.id, schoolId: person.schoolId, displayName: person.displayName, roles: person.roles };
    try {
      if (claims.target.kind === 'evidence') {
        if (!opts.evidence) return null;
        const { row } = await opts.evidence.visible(actor, claims.target.format);
        return row.incidentId === claims.incidentId ? actor : null;
      }
      await opts.reports.assertMayDownload(actor, claims.incidentId);
      return actor;
    } catch (err) {
      if (err instanceof UserError) return null;
      throw err;
    }
  }

  async function check(token: string, reply: FastifyReply): Promise<{ claims: LinkClaims; actor: Actor } | null> {
    const v = opts.links.verify(token);
    if (!v.ok) {
      opts.log.info({ reason: v.reason }, 'document link refused');
      await refuse(reply, v.reason === 'expired' ? 'expired' : 'invalid');
      return null;
    }
    const actor = await holder(v.claims);
    if (!actor) {
      opts.log.info({ reason: 'not allowed', incidentId: v.claims.incidentId }, 'document link refused');
      await refuse(reply, v.claims.target.kind === 'evidence' ? 'evidenceDenied' : 'denied');
      return null;
    }
    return { claims: v.claims, actor };
  }

  server.register(async (scope) => {
    // The download button posts an empty form.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, _body, done) =>
      done(null, {}),
    );

    // A wildcard rather than :token, which the router limits to 100 characters (a token is about 190).
    scope.get<{ Params: { '*': string } }>('/documents/*', { exposeHeadRoute: false }, async (req, reply) => {
      const ok = await check(req.params['*'], reply);
      if (!ok) return reply;
      const incident = await opts.repos.incidents.find(ok.claims.incidentId);
      if (!incident) throw new Error(`incident ${ok.claims.incidentId} not found`);
      const what =
        ok.claims.target.kind === 'evidence' && opts.evidence
          ? `證據 ${(await opts.evidence.visible(ok.actor, ok.claims.target.format)).row.seq}`
          : targetLabel(ok.claims.target);
      const explain =
        ok.claims.target.kind === 'evidence'
          ? '按下按鈕後，系統會先核對這份證據的雜湊值（SHA-256），相符才提供下載，並在事件紀錄上記下您的下載。'
          : '按下按鈕後，系統會依目前的事件紀錄產生這份文件，並在事件紀錄上記下您的下載。';
      return reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header('content-security-policy', PAGE_CSP)
        .type('text/html; charset=utf-8')
        .send(
          page(
            `事件 ${incident.ref}｜${what}`,
            `<p>${escapeHtml(ok.actor.displayName)}，您好：${explain}</p>
<form method="post"><button type="submit">下載</button></form>
<p class="note">連結有效至 ${escapeHtml(formatRocDateTime(ok.claims.expiresAt))}，僅限您本人使用，請勿轉傳。文件含事件資料，請存放於限制存取之位置。</p>`,
          ),
        );
    });

    scope.post<{ Params: { '*': string } }>('/documents/*', async (req, reply) => {
      const ok = await check(req.params['*'], reply);
      if (!ok) return reply;
      const { claims, actor } = ok;
      let file: { filename: string; mime: string; bytes: Buffer | Uint8Array };
      try {
        if (claims.target.kind === 'evidence') {
          if (!opts.evidence) return refuse(reply, 'evidenceDenied');
          const got = await opts.evidence.download(actor, claims.target.format, { linkId: claims.linkId, clientAddress: req.ip ?? null });
          file = { filename: got.view.fileName, mime: got.view.mediaType, bytes: got.bytes };
        } else {
          // Recorded with the document, which uses the link up (the export records itself first, so its zip holds
          // that record); a second use of the same link fails on the link's unique use row.
          file = await opts.reports.download(actor, claims.incidentId, claims.target, 'link', {
            linkId: claims.linkId,
            clientAddress: req.ip ?? null,
          });
        }
      } catch (err) {
        if ((err as { code?: string }).code === 'P2002') {
          opts.log.info({ reason: 'used', incidentId: claims.incidentId }, 'document link refused');
          return refuse(reply, claims.target.kind === 'evidence' ? 'evidenceUsed' : 'used');
        }
        if (!(err instanceof UserError)) throw err;
        const title = claims.target.kind === 'evidence' ? '無法提供這份證據' : '找不到這份文件';
        return reply
          .code(404)
          .header('cache-control', 'no-store')
          .header('content-security-policy', PAGE_CSP)
          .type('text/html; charset=utf-8')
          .send(page(title, `<p>${escapeHtml(err.message)}</p>`));
      }
      opts.log.info(
        { incidentId: claims.incidentId, document: claims.target.kind, format: claims.target.format, bytes: file.bytes.length },
        'document downloaded',
      );
      const ascii = file.filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
      return reply
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
        .type(file.mime)
        .send(file.bytes);
    });
  });
}
