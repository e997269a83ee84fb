import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ChecklistConsoleActions } from '../../core/conversation/incident-flow.js';
import type { NoticeConsoleActions } from '../../core/conversation/notice-flow.js';
import { NT } from '../../core/conversation/notice-cards.js';
import { UserError } from '../../core/incidents/types.js';
import type { NoticeService } from '../../core/notices/service.js';
import { MAX_NOTICE_LENGTH, NOTICE_STATUS_LABELS, type NoticeView } from '../../core/notices/views.js';
import { privacyNotice, type MaskFinding } from '../../core/privacy/mask.js';
import { can, type Actor, type Permission } from '../../core/roles.js';
import type { IncidentService } from '../../core/incidents/service.js';
import { noticePath } from './notice-section.js';
import { renderPage, type Frame } from './templates.js';

/** What the acting routes share with the pages (routes.ts): answers, the session check and the page frame. */
export interface ActKit {
  incidents: IncidentService;
  notices: NoticeService;
  acts: NoticeConsoleActions;
  checklist: ChecklistConsoleActions;
  secure: boolean;
  html: (reply: FastifyReply, status: number, body: string) => FastifyReply;
  refuse: (reply: FastifyReply, why: 'notFound' | 'actDenied') => FastifyReply;
  signedIn: (req: FastifyRequest, reply: FastifyReply) => Promise<Actor | null>;
  frame: (reply: FastifyReply, actor: Actor, title: string) => Frame;
}

/** The result of the last action, shown once on the next page (POST → 303 → GET). */
export interface Flash {
  kind: 'ok' | 'error';
  text: string;
  /** A link to a part of the page (`#item-…`) after the text: what to do next there. */
  link?: { href: string; label: string };
}
export const FLASH_COOKIE = 'pdi-console-flash';

export function readFlash(req: FastifyRequest, reply: FastifyReply): Flash | null {
  const raw = req.cookies[FLASH_COOKIE];
  if (!raw) return null;
  reply.clearCookie(FLASH_COOKIE, { path: '/console' });
  // Signed by the server (routes.ts gives @fastify/cookie its secret): a line planted by whoever can set a cookie for
  // this site (a sibling subdomain) is not shown as the console's own words (attack round 1, docs/security.md).
  const signed = req.unsignCookie(raw);
  if (!signed.valid || signed.value === null) return null;
  try {
    const f = JSON.parse(signed.value) as Partial<Flash>;
    if ((f.kind !== 'ok' && f.kind !== 'error') || typeof f.text !== 'string') return null;
    const link =
      f.link && /^#[A-Za-z0-9_-]{1,60}$/.test(String(f.link.href))
        ? { href: f.link.href, label: String(f.link.label).slice(0, 100) }
        : null;
    return { kind: f.kind, text: f.text.slice(0, 2000), ...(link ? { link } : {}) };
  } catch {
    return null;
  }
}

/** 303 to `to` with the result line, shown once there: the way every console POST answers (POST → 303 → GET). */
export function redirectWithFlash(reply: FastifyReply, secure: boolean, to: string, flash: Flash): FastifyReply {
  return reply
    .setCookie(FLASH_COOKIE, JSON.stringify(flash), { path: '/console', httpOnly: true, sameSite: 'strict', secure, signed: true })
    .header('cache-control', 'no-store')
    .redirect(to, 303);
}

export const incidentPath = (ref: string) => `/console/incidents/${encodeURIComponent(ref)}`;

type Params = { ref: string; id: string };
type Body = Record<string, string | undefined>;
type TargetKit = Pick<ActKit, 'signedIn' | 'refuse' | 'incidents' | 'notices'>;

const ID = /^[A-Za-z0-9_-]{1,40}$/;
const REF = /^[0-9A-Za-z-]{1,20}$/;

/** The person, the incident of their school (by number) and its notice `id`, with `permission`; or the refusal sent. */
export async function noticeTarget(kit: TargetKit, req: FastifyRequest<{ Params: Params }>, reply: FastifyReply, permission: Permission) {
  const actor = await kit.signedIn(req, reply);
  if (!actor) return null;
  const { ref, id } = req.params;
  const incident = REF.test(ref) && ID.test(id) && can(actor, 'incident.view') ? await kit.incidents.findByRef(actor.schoolId, ref) : null;
  const view = incident ? await kit.notices.get(id).catch((err: unknown) => (err instanceof UserError ? null : Promise.reject(err))) : null;
  if (!incident || !view || view.incident.id !== incident.id) {
    await kit.refuse(reply, 'notFound');
    return null;
  }
  if (!can(actor, permission)) {
    await kit.refuse(reply, 'actDenied');
    return null;
  }
  return { actor, ref: incident.ref, view };
}

/** The person, the incident of their school (by number) and its checklist item `id`, if they may act on it; or the refusal sent. */
export async function itemTarget(kit: TargetKit, req: FastifyRequest<{ Params: Params }>, reply: FastifyReply) {
  const actor = await kit.signedIn(req, reply);
  if (!actor) return null;
  const { ref, id } = req.params;
  const incident = REF.test(ref) && ID.test(id) && can(actor, 'incident.view') ? await kit.incidents.findByRef(actor.schoolId, ref) : null;
  const view = incident ? await kit.incidents.get(incident.id) : undefined;
  const entry = view?.checklist.find((c) => c.row.id === id);
  if (!incident || !view || !entry) {
    await kit.refuse(reply, 'notFound');
    return null;
  }
  // An item only some roles may complete (the auditor's review) goes on to the service, which refuses others in words.
  const only = view.playbook.checklist.find((i) => i.key === entry.row.key)?.completedBy;
  if (!only && !can(actor, 'incident.act', { isOwner: entry.row.ownerPersonId === actor.personId })) {
    await kit.refuse(reply, 'actDenied');
    return null;
  }
  return { actor, ref: incident.ref, incidentId: incident.id, entry };
}
const masked = (findings: MaskFinding[]) => privacyNotice(findings).split('\n')[0] ?? '';

/**
 * The console's actions on notices (issue #18 point 4), through the same core steps as the chat's buttons
 * (NoticeFlow.console): edit (a new version, from the version the form was opened on), send for approval, approve,
 * send back with a comment. Every POST: the CSRF token, the session and roles read again, 403 for a role that may not
 * act, 404 for another school's incident or notice, then 303 back to the incident page with the result on it.
 */
export function registerConsoleActs(scope: FastifyInstance, kit: ActKit): void {
  /** 303 back to the incident page, at `anchor`, with the result line. */
  const flashTo = (reply: FastifyReply, ref: string, anchor: string, flash: Flash) =>
    redirectWithFlash(reply, kit.secure, `${incidentPath(ref)}#${anchor}`, flash);
  const target = (req: FastifyRequest<{ Params: Params }>, reply: FastifyReply, permission: Permission) =>
    noticeTarget(kit, req, reply, permission);

  /** Runs a step; a refusal of the service (a UserError, in zh-TW) comes back to the page as its result line. */
  async function step(reply: FastifyReply, ref: string, anchor: string, run: () => Promise<string>) {
    try {
      return flashTo(reply, ref, anchor, { kind: 'ok', text: await run() });
    } catch (err) {
      if (err instanceof UserError) return flashTo(reply, ref, anchor, { kind: 'error', text: err.message });
      throw err;
    }
  }

  const version = (body: Body | undefined) => {
    const v = Number(body?.version);
    return Number.isInteger(v) && v > 0 ? v : 0;
  };

  const editPage = (
    reply: FastifyReply,
    actor: Actor,
    status: number,
    o: { ref: string; view: NoticeView; text: string; error?: string; latest?: boolean },
  ) =>
    kit.html(
      reply,
      status,
      renderPage('@edit', kit.frame(reply, actor, `修改通知稿｜${o.view.audienceLabel}`), {
        ref: o.ref,
        back: `/console/incidents/${encodeURIComponent(o.ref)}#notice-${o.view.notice.id}`,
        action: noticePath(o.ref, o.view.notice.id, 'edit'),
        audience: o.view.audienceLabel,
        version: o.view.version,
        status: NOTICE_STATUS_LABELS[o.view.status],
        withdraws: o.view.status === 'submitted' || o.view.status === 'approved',
        text: o.text,
        latest: o.latest ? o.view.text : null,
        error: o.error ?? null,
        max: MAX_NOTICE_LENGTH,
      }),
    );

  scope.get<{ Params: Params }>('/console/incidents/:ref/notices/:id/edit', async (req, reply) => {
    const t = await target(req, reply, 'incident.coordinate');
    if (!t) return reply;
    return editPage(reply, t.actor, 200, { ref: t.ref, view: t.view, text: await kit.notices.refreshedText(t.view) });
  });

  scope.post<{ Params: Params; Body: Body }>(
    '/console/incidents/:ref/notices/:id/edit',
    { preHandler: scope.csrfProtection },
    async (req, reply) => {
      const t = await target(req, reply, 'incident.coordinate');
      if (!t) return reply;
      const basedOn = version(req.body);
      const text = String(req.body?.text ?? '');
      try {
        const r = await kit.acts.revise(t.actor, t.view.notice.id, basedOn, text);
        return flashTo(reply, t.ref, `notice-${t.view.notice.id}`, {
          kind: 'ok',
          text: [NT.revised(r.value.version), masked(r.masked)].filter(Boolean).join(' '),
        });
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        // The text typed is kept on the page; when another version was saved meanwhile, it is shown beside it.
        const now = await kit.notices.get(t.view.notice.id);
        const conflict = now.version !== basedOn;
        return editPage(reply, t.actor, conflict ? 409 : 400, { ref: t.ref, view: now, text, error: err.message, latest: conflict });
      }
    },
  );

  scope.post<{ Params: Params; Body: Body }>(
    '/console/incidents/:ref/notices/:id/submit',
    { preHandler: scope.csrfProtection },
    async (req, reply) => {
      const t = await target(req, reply, 'incident.coordinate');
      if (!t) return reply;
      return step(reply, t.ref, `notice-${t.view.notice.id}`, () => kit.acts.submit(t.actor, t.view.notice.id, version(req.body)));
    },
  );

  scope.post<{ Params: Params; Body: Body }>(
    '/console/incidents/:ref/notices/:id/approve',
    { preHandler: scope.csrfProtection },
    async (req, reply) => {
      const t = await target(req, reply, 'notice.approve');
      if (!t) return reply;
      return step(reply, t.ref, `notice-${t.view.notice.id}`, async () => {
        const v = await kit.acts.approve(t.actor, t.view.notice.id, version(req.body));
        return `已核定「${v.audienceLabel}」通知稿第${v.version}版；撰稿人已在聊天中收到通知，可以開始通知當事人。`;
      });
    },
  );

  scope.post<{ Params: Params; Body: Body }>(
    '/console/incidents/:ref/notices/:id/send-back',
    { preHandler: scope.csrfProtection },
    async (req, reply) => {
      const t = await target(req, reply, 'notice.approve');
      if (!t) return reply;
      return step(reply, t.ref, `notice-${t.view.notice.id}`, async () => {
        const n = version(req.body);
        const r = await kit.acts.sendBack(t.actor, t.view.notice.id, n, String(req.body?.comment ?? ''));
        return [`已退回「${r.value.audienceLabel}」通知稿第${n}版；撰稿人會在聊天中收到您的意見。`, masked(r.masked)]
          .filter(Boolean)
          .join(' ');
      });
    },
  );

  // A checklist item ticked done or not applicable, with a note (issue #18 point 3).
  scope.post<{ Params: Params; Body: Body }>(
    '/console/incidents/:ref/items/:id',
    { preHandler: scope.csrfProtection },
    async (req, reply) => {
      const t = await itemTarget(kit, req, reply);
      if (!t) return reply;
      const { actor } = t;
      const id = t.entry.row.id;
      const to = req.body?.to === 'na' ? 'na' : 'done';
      return step(reply, t.ref, `item-${id}`, async () => {
        const r = await kit.checklist.tick(actor, id, to, String(req.body?.note ?? ''));
        const said = !r.changed
          ? `「${r.title}」已經是這個狀態了。`
          : `已將「${r.title}」標為${to === 'na' ? '不適用' : '完成'}，聊天中的檢核清單已更新。`;
        return [said, masked(r.masked)].filter(Boolean).join(' ');
      });
    },
  );
}
