import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ItemFormPage } from '../../core/conversation/item-console.js';
import { ItemChangedMeanwhile } from '../../core/incidents/types.js';
import { NoticeChangedMeanwhile } from '../../core/notices/service.js';
import type { RawAnswers } from '../../core/conversation/intake.js';
import { UserError } from '../../core/incidents/types.js';
import { NOTICE_STATUS_LABELS } from '../../core/notices/views.js';
import { privacyNotice, type MaskFinding } from '../../core/privacy/mask.js';
import type { Actor } from '../../core/roles.js';
import { incidentPath, itemTarget, noticeTarget, redirectWithFlash, type ActKit, type Flash } from './acts.js';
import { pageFields } from './forms.js';
import { addTemplate, renderPage } from './templates.js';

/** The same as the notice acts' (routes.ts hands both the one kit). */
export type ItemActKit = ActKit;

/** An item's form (the chat's fields, pageFields), with the time readings to confirm and the state it was opened on. */
const ITEM_FORM = `<div class="narrow"><p><a href="<%= it.back %>">← 事件 <%= it.ref %></a></p>
<h1><%= it.title %></h1>
<p class="sub"><%= it.intro %></p>
<% if (it.error) { %><div class="flash error" role="alert"><%= it.error %></div><% } %>
<% if (it.errors.length) { %><div class="flash error" role="alert"><p>有 <%= it.errors.length %> 個欄位需要修改：</p><ul class="plain"><% it.errors.forEach(function (e) { %><li><a href="#<%= e.anchor %>"><%= e.message %></a></li><% }) %></ul></div><% } %>
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
  const flashTo = (reply: FastifyReply, ref: string, anchor: string, flash: Flash) =>
    redirectWithFlash(reply, kit.secure, `${incidentPath(ref)}#${anchor}`, flash);
  const item = (req: FastifyRequest<{ Params: ItemParams }>, reply: FastifyReply) => itemTarget(kit, req, reply);

  const formPage = (reply: FastifyReply, actor: Actor, ref: string, itemId: string, page: ItemFormPage, status: number) => {
    // Each problem beside its field (aria-describedby, aria-invalid, autofocus on the first), listed with links on top,
    // as the web form from chat shows them (forms.ts).
    const fields = pageFields(page);
    const errors = fields.filter((f) => f.error).map((f) => ({ anchor: `f-${f.id}`, message: f.error! }));
    const action = `${incidentPath(ref)}/items/${encodeURIComponent(itemId)}/form`;
    const data = { ...page, fields, errors, ref, back: `${incidentPath(ref)}#item-${itemId}`, action };
    const title = errors.length ? `（需修改）${page.title}` : page.title;
    return kit.html(reply, status, renderPage('@itemform', kit.frame(reply, actor, title), data));
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
        if (!r.ok) return formPage(reply, t.actor, t.ref, id, r.page, r.page.error || r.page.problems.length ? 400 : 200);
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
      const t = await noticeTarget(kit, req, reply, 'incident.coordinate');
      if (!t) return reply;
      const { actor } = t;
      const id = t.view.notice.id;
      const anchor = `notice-${id}`;
      const version = Number(one(req.body?.version));
      try {
        const said = await kit.acts.toActing(actor, id, Number.isInteger(version) && version > 0 ? version : 0);
        return flashTo(reply, t.ref, anchor, { kind: 'ok', text: said });
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        const now = await kit.notices.get(id);
        if (err instanceof NoticeChangedMeanwhile || now.status !== 'submitted') {
          const state = `「${now.audienceLabel}」第${now.version}版：${NOTICE_STATUS_LABELS[now.status]}`;
          return stale(reply, actor, { ref: t.ref, anchor, error: err.message, now: state });
        }
        return flashTo(reply, t.ref, anchor, { kind: 'error', text: err.message });
      }
    },
  );
}
