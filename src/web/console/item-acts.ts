import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ChecklistConsoleActions } from '../../core/conversation/incident-flow.js';
import { ItemChangedMeanwhile, type ItemFormPage } from '../../core/conversation/item-console.js';
import type { NoticeConsoleActions } from '../../core/conversation/notice-flow.js';
import { NoticeChangedMeanwhile } from '../../core/conversation/notice-review.js';
import type { RawAnswers } from '../../core/conversation/intake.js';
import type { IncidentService } from '../../core/incidents/service.js';
import { UserError } from '../../core/incidents/types.js';
import type { NoticeService } from '../../core/notices/service.js';
import { NOTICE_STATUS_LABELS } from '../../core/notices/views.js';
import { privacyNotice, type MaskFinding } from '../../core/privacy/mask.js';
import { can, type Actor } from '../../core/roles.js';
import { FLASH_COOKIE, type Flash } from './acts.js';
import { pageFields } from './forms.js';
import { addTemplate, renderPage, type Frame } from './templates.js';

export interface ItemActKit {
  incidents: IncidentService;
  notices: NoticeService;
  checklist: ChecklistConsoleActions;
  acts: NoticeConsoleActions;
  secure: boolean;
  html: (reply: FastifyReply, status: number, body: string) => FastifyReply;
  refuse: (reply: FastifyReply, why: 'notFound' | 'actDenied') => FastifyReply;
  signedIn: (req: FastifyRequest, reply: FastifyReply) => Promise<Actor | null>;
  frame: (reply: FastifyReply, actor: Actor, title: string) => Frame;
}

/** An item's form (the chat's fields, pageFields), with the time readings to confirm and the state it was opened on. */
const ITEM_FORM = `<div class="narrow"><p><a href="<%= it.back %>">← 事件 <%= it.ref %></a></p>
<h1><%= it.title %></h1>
<p class="sub"><%= it.intro %></p>
<% if (it.error) { %><div class="flash error" role="alert"><%= it.error %></div><% } %>
<% if (it.confirmTimes) { %><p class="flash ok" role="status">請確認下方「讀作」的時間是否正確，正確請再按一次「<%= it.submitLabel %>」；不正確請修改後再送出。</p><% } %>
<form method="post" class="webform" action="<%= it.action %>" novalidate>
<input type="hidden" name="_csrf" value="<%= it.csrf %>"><input type="hidden" name="_basis" value="<%= it.basis %>">
<%~ include('@formfields', it) %><div class="acts"><button type="submit"><%= it.submitLabel %></button><a class="button" href="<%= it.back %>">取消</a></div>
</form></div>`;
addTemplate('@itemform', ITEM_FORM);

/** A step refused because someone acted first: what is there now, and the way back to decide again. */
const STALE = `<h1><%= it.heading %></h1><div class="panel"><p class="flash error" role="alert"><%= it.error %></p>
<p>目前狀態：<strong><%= it.now %></strong></p><p><a class="button" href="<%= it.back %>">回到事件 <%= it.ref %></a></p></div>`;
addTemplate('@stale', STALE);

type ItemParams = { ref: string; id: string };
type Body = Record<string, string | string[] | undefined>;
const ID = /^[A-Za-z0-9_-]{1,40}$/;
const REF = /^[0-9A-Za-z-]{1,20}$/;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));
const maskedLine = (findings: MaskFinding[]) => (findings.length ? (privacyNotice(findings).split('\n')[0] ?? '') : '');
const STATE_LABELS = { open: '未完成', done: '已完成', na: '不適用' } as const;

/**
 * The console's checklist steps that ask more than a note, 重新開啟, and 改送代理人核定 (issue #18 point 4), through the
 * chat's own steps (IncidentFlow.console.items, NoticeFlow.console.toActing). Every POST: the CSRF token, the session
 * and roles read again, 404 for another school's incident, 403 for a role that may not act; a page shown before
 * someone else acted is refused with 409 and the current state; otherwise 303 back to the incident page.
 */
export function registerItemActs(scope: FastifyInstance, kit: ItemActKit): void {
  const incidentPath = (ref: string) => `/console/incidents/${encodeURIComponent(ref)}`;
  const flashTo = (reply: FastifyReply, ref: string, anchor: string, flash: Flash) =>
    reply
      .setCookie(FLASH_COOKIE, JSON.stringify(flash), { path: '/console', httpOnly: true, sameSite: 'strict', secure: kit.secure })
      .header('cache-control', 'no-store')
      .redirect(`${incidentPath(ref)}#${anchor}`, 303);

  /** The person, the incident of their school and its item; or the refusal sent. */
  async function item(req: FastifyRequest<{ Params: ItemParams }>, reply: FastifyReply) {
    const actor = await kit.signedIn(req, reply);
    if (!actor) return null;
    const { ref, id } = req.params;
    const incident =
      REF.test(ref) && ID.test(id) && can(actor, 'incident.view') ? await kit.incidents.findByRef(actor.schoolId, ref) : null;
    const entry = incident ? (await kit.incidents.get(incident.id)).checklist.find((c) => c.row.id === id) : undefined;
    if (!incident || !entry) {
      await kit.refuse(reply, 'notFound');
      return null;
    }
    if (!can(actor, 'incident.act', { isOwner: entry.row.ownerPersonId === actor.personId })) {
      await kit.refuse(reply, 'actDenied');
      return null;
    }
    return { actor, ref: incident.ref, incidentId: incident.id, entry };
  }

  const formPage = (reply: FastifyReply, actor: Actor, ref: string, itemId: string, page: ItemFormPage, status: number) => {
    const fields = pageFields({ ...page, problems: [] });
    const action = `${incidentPath(ref)}/items/${encodeURIComponent(itemId)}/form`;
    const data = { ...page, fields, ref, back: `${incidentPath(ref)}#item-${itemId}`, action };
    return kit.html(reply, status, renderPage('@itemform', kit.frame(reply, actor, page.title), data));
  };

  const stale = (reply: FastifyReply, actor: Actor, o: { ref: string; anchor: string; error: string; now: string }) =>
    kit.html(
      reply,
      409,
      renderPage('@stale', kit.frame(reply, actor, '已有人先處理'), {
        heading: '已有人先處理',
        ref: o.ref,
        error: o.error,
        now: o.now,
        back: `${incidentPath(o.ref)}#${o.anchor}`,
      }),
    );

  /** 409 with the item as it is now. */
  const itemStale = async (reply: FastifyReply, actor: Actor, t: { ref: string; incidentId: string }, id: string, err: Error) => {
    const now = (await kit.incidents.get(t.incidentId)).checklist.find((c) => c.row.id === id)!;
    const by = now.state !== 'open' && now.doneByName ? `（${now.doneByName}）` : '';
    return stale(reply, actor, {
      ref: t.ref,
      anchor: `item-${id}`,
      error: err.message,
      now: `${now.row.title}：${STATE_LABELS[now.state]}${by}`,
    });
  };

  scope.get<{ Params: ItemParams }>('/console/incidents/:ref/items/:id/form', async (req, reply) => {
    const t = await item(req, reply);
    if (!t) return reply;
    try {
      return formPage(reply, t.actor, t.ref, t.entry.row.id, await kit.checklist.items.open(t.actor, t.entry.row.id), 200);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return flashTo(reply, t.ref, `item-${t.entry.row.id}`, { kind: 'error', text: err.message });
    }
  });

  scope.post<{ Params: ItemParams; Body: Body }>(
    '/console/incidents/:ref/items/:id/form',
    { preHandler: scope.csrfProtection },
    async (req, reply) => {
      const t = await item(req, reply);
      if (!t) return reply;
      const id = t.entry.row.id;
      const values: RawAnswers = {};
      const shown: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.body ?? {})) {
        if (value === undefined || key === '_csrf' || key === '_basis') continue;
        if (key.startsWith('_read_')) shown[key.slice('_read_'.length)] = one(value);
        else values[key] = value;
      }
      try {
        const r = await kit.checklist.items.complete(t.actor, id, one(req.body?._basis), values, shown);
        if (!r.ok) return formPage(reply, t.actor, t.ref, id, r.page, r.page.error ? 400 : 200);
        const said = `已將「${r.title}」標為完成，聊天中的檢核清單已更新。`;
        return flashTo(reply, t.ref, `item-${id}`, { kind: 'ok', text: [said, maskedLine(r.masked)].filter(Boolean).join(' ') });
      } catch (err) {
        if (err instanceof ItemChangedMeanwhile) return itemStale(reply, t.actor, t, id, err);
        if (err instanceof UserError) return flashTo(reply, t.ref, `item-${id}`, { kind: 'error', text: err.message });
        throw err;
      }
    },
  );

  scope.post<{ Params: ItemParams; Body: Body }>(
    '/console/incidents/:ref/items/:id/reopen',
    { preHandler: scope.csrfProtection },
    async (req, reply) => {
      const t = await item(req, reply);
      if (!t) return reply;
      const id = t.entry.row.id;
      try {
        const r = await kit.checklist.items.reopen(t.actor, id, one(req.body?._basis), one(req.body?.reason));
        const said = `已重新開啟「${r.title}」，聊天中的檢核清單已更新。`;
        return flashTo(reply, t.ref, `item-${id}`, { kind: 'ok', text: [said, maskedLine(r.masked)].filter(Boolean).join(' ') });
      } catch (err) {
        if (err instanceof ItemChangedMeanwhile) return itemStale(reply, t.actor, t, id, err);
        if (err instanceof UserError) return flashTo(reply, t.ref, `item-${id}`, { kind: 'error', text: err.message });
        throw err;
      }
    },
  );

  // 改送代理人核定: the chat's button on a submitted notice (notice-cards.ts), for those who may send for approval.
  scope.post<{ Params: ItemParams; Body: Body }>(
    '/console/incidents/:ref/notices/:id/acting',
    { preHandler: scope.csrfProtection },
    async (req, reply) => {
      const actor = await kit.signedIn(req, reply);
      if (!actor) return reply;
      const { ref, id } = req.params;
      const incident =
        REF.test(ref) && ID.test(id) && can(actor, 'incident.view') ? await kit.incidents.findByRef(actor.schoolId, ref) : null;
      const view = incident
        ? await kit.notices.get(id).catch((err: unknown) => (err instanceof UserError ? null : Promise.reject(err)))
        : null;
      if (!incident || !view || view.incident.id !== incident.id) return kit.refuse(reply, 'notFound');
      if (!can(actor, 'incident.coordinate')) return kit.refuse(reply, 'actDenied');
      const anchor = `notice-${id}`;
      const version = Number(one(req.body?.version));
      try {
        const said = await kit.acts.toActing(actor, id, Number.isInteger(version) && version > 0 ? version : 0);
        return flashTo(reply, incident.ref, anchor, { kind: 'ok', text: said });
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        const now = await kit.notices.get(id);
        if (err instanceof NoticeChangedMeanwhile || now.status !== 'submitted') {
          const state = `「${now.audienceLabel}」第${now.version}版：${NOTICE_STATUS_LABELS[now.status]}`;
          return stale(reply, actor, { ref: incident.ref, anchor, error: err.message, now: state });
        }
        return flashTo(reply, incident.ref, anchor, { kind: 'error', text: err.message });
      }
    },
  );
}
