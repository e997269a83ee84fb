import type { FastifyInstance, FastifyReply } from 'fastify';
import { NoticeChangedMeanwhile } from '../../core/notices/service.js';
import { UserError } from '../../core/incidents/types.js';
import { CHANNEL_LABELS } from '../../core/notices/channels.js';
import { DeliveryRefused } from '../../core/notices/service.js';
import { NOTICE_STATUS_LABELS, type NoticeView } from '../../core/notices/views.js';
import { maskPersonalData, privacyNotice } from '../../core/privacy/mask.js';
import type { Actor } from '../../core/roles.js';
import { formatRocShort } from '../../core/time/roc.js';
import { incidentPath, noticeTarget, redirectWithFlash, type ActKit, type Flash } from './acts.js';
import { deliveryFormData } from './notice-section.js';
import { addTemplate, renderPage } from './templates.js';

/**
 * The delivery form on a page of its own: shown again with a refusal beside its field (400), or after someone changed
 * the notice or registered a batch meanwhile (409: what is there now, and the form with the values typed when the
 * notice may still take a batch).
 */
const DELIVERY_PAGE = `<div class="narrow"><p><a href="<%= it.back %>">← 事件 <%= it.ref %></a></p>
<h1>登記通知紀錄｜<%= it.audience %></h1>
<p class="sub">事件 <%= it.ref %>｜第 <%= it.version %> 版｜<%= it.status %></p>
<div class="flash error" role="alert"><p><% if (it.anchor) { %><a href="#<%= it.anchor %>"><%= it.error %></a><% } else { %><%= it.error %><% } %></p></div>
<% if (it.stale) { %><div class="panel"><h2>目前的通知紀錄</h2><% if (it.batches.length) { %><ul class="plain"><% it.batches.forEach(function (b) { %><li><%= b %></li><% }) %></ul><% } else { %><p>尚未登記通知紀錄。</p><% } %>
<p class="muted"><%= it.form ? '您填的內容仍在下方；確定這是另一批、不是別人剛登記的那一批，再按登記。' : '這份通知目前不能登記通知紀錄。' %></p></div><% } %>
<% if (it.form) { %><div class="panel"><%~ include('@delivery', { d: it.form, csrf: it.csrf }) %></div><% } %>
<p><a class="button" href="<%= it.back %>">回到事件 <%= it.ref %></a></p></div>`;
addTemplate('@deliverypage', DELIVERY_PAGE);

type Params = { ref: string; id: string };
type Body = Record<string, string | string[] | undefined>;
const FIELDS = ['channel', 'total', 'notified', 'publicReason', 'note'] as const;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join('、') : (v ?? ''));

/**
 * 登記通知紀錄 from the console (issue #18 point 4): a delivery batch of an approved notice (channel and head counts,
 * never names or contacts), through chat's own step (NoticeFlow.console.deliver → NoticeService.recordDelivery): the
 * same checks and messages, the masking of the public reason and the note, the timeline entry, the drafter's notice
 * cards edited where posted. What chat says after a batch is the result line here, with chat's offer to tick the
 * notification item once every notice is approved and delivered (a link to the item's form on the page).
 */
export function registerDeliveryActs(scope: FastifyInstance, kit: ActKit): void {
  const page = (
    reply: FastifyReply,
    actor: Actor,
    status: 400 | 409,
    o: { ref: string; view: NoticeView; values: Record<string, string>; error: string; field?: string },
  ) => {
    const { view, ref } = o;
    const stale = status === 409;
    const form =
      view.status === 'approved'
        ? deliveryFormData(view, ref, { values: o.values, level: 2, ...(o.field ? { problem: { field: o.field, message: o.error } } : {}) })
        : null;
    const data = {
      ref,
      back: `${incidentPath(ref)}#notice-${view.notice.id}`,
      audience: view.audienceLabel,
      version: view.version,
      status: NOTICE_STATUS_LABELS[view.status],
      error: o.error,
      anchor: form && o.field ? `${form.prefix}-${o.field}` : null,
      stale,
      batches: view.batches.map(
        (b) =>
          `${CHANNEL_LABELS[b.channel]}：${b.row.recipientsNotified} / ${b.row.recipientsTotal} 人（${b.recordedByName}，${formatRocShort(b.row.createdAt)}）`,
      ),
      form,
    };
    const title = `${stale ? '' : '（需修改）'}登記通知紀錄｜${view.audienceLabel}`;
    return kit.html(reply, status, renderPage('@deliverypage', kit.frame(reply, actor, title), data));
  };

  scope.post<{ Params: Params; Body: Body }>(
    '/console/incidents/:ref/notices/:id/deliveries',
    { preHandler: scope.csrfProtection },
    async (req, reply) => {
      const t = await noticeTarget(kit, req, reply, 'incident.coordinate');
      if (!t) return reply;
      const id = t.view.notice.id;
      const to = `${incidentPath(t.ref)}#notice-${id}`;
      const values: Record<string, string> = {};
      for (const k of FIELDS) values[k] = one(req.body?.[k]);
      try {
        const r = await kit.acts.deliver(t.actor, id, one(req.body?._basis), values);
        const masked = r.masked.length ? (privacyNotice(r.masked).split('\n')[0] ?? '') : '';
        const flash: Flash = {
          kind: 'ok',
          text: [[r.said, masked].filter(Boolean).join(' '), r.offer?.text].filter(Boolean).join('\n'),
          ...(r.offer?.complete ? { link: { href: `#item-${r.offer.itemId}`, label: '到檢核清單勾選' } } : {}),
        };
        return redirectWithFlash(reply, kit.secure, to, flash);
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        const now = await kit.notices.get(id);
        // What was typed goes back masked, as everything shown or stored is (the console's item forms do the same).
        for (const k of ['publicReason', 'note'] as const) values[k] = maskPersonalData(values[k] ?? '', { now: new Date() }).text;
        if (err instanceof NoticeChangedMeanwhile) return page(reply, t.actor, 409, { ref: t.ref, view: now, values, error: err.message });
        if (err instanceof DeliveryRefused) {
          return page(reply, t.actor, 400, { ref: t.ref, view: now, values, error: err.message, field: err.field });
        }
        // Not approved, a role that may not, a closed incident: chat's message as the page's result line.
        return redirectWithFlash(reply, kit.secure, to, { kind: 'error', text: err.message });
      }
    },
  );
}
