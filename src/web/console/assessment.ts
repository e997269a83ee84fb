import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ChecklistConsoleActions } from '../../core/conversation/incident-flow.js';
import { assessmentForm } from '../../core/conversation/render.js';
import { AssessmentEditedMeanwhile, type IncidentService, type IncidentView } from '../../core/incidents/service.js';
import { UserError } from '../../core/incidents/types.js';
import type { PlaybookLibrary } from '../../core/playbooks/index.js';
import { can, type Actor } from '../../core/roles.js';
import { incidentPath, redirectWithFlash, type Flash } from './acts.js';
import { addTemplate, renderPage, type Frame } from './templates.js';

export interface AssessmentKit {
  incidents: IncidentService;
  checklist: ChecklistConsoleActions;
  playbooks: PlaybookLibrary;
  secure: boolean;
  html: (reply: FastifyReply, status: number, body: string) => FastifyReply;
  refuse: (reply: FastifyReply, why: 'notFound' | 'actDenied') => FastifyReply;
  signedIn: (req: FastifyRequest, reply: FastifyReply) => Promise<Actor | null>;
  frame: (reply: FastifyReply, actor: Actor, title: string) => Frame;
}

/** The chat's assessment form as one page: every field of assessmentForm, labelled, with the values it starts from. */
const ASSESS = `<p><a href="<%= it.back %>">← 事件 <%= it.ref %></a></p>
<h1>影響評估｜<%= it.ref %></h1>
<p class="sub"><%= it.intro %></p>
<% if (it.error) { %><p class="flash error" role="alert"><%= it.error %></p><% } %>
<% if (it.latest) { %><div class="panel"><h2>目前的影響評估（別人剛更新的）</h2><dl><% it.latest.forEach(function (a) { %><dt><%= a[0] %></dt><dd><%= a[1] %></dd><% }) %></dl><p class="muted">您填的內容仍在下方；對照後確定要以它取代，再按儲存。</p></div><% } %>
<form class="panel" method="post" action="<%= it.action %>"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><input type="hidden" name="version" value="<%= it.version %>">
<% it.fields.forEach(function (f) { %><% if (f.type === 'multiselect') { %><fieldset><legend><%= f.label %><%= f.required ? '（必填）' : '' %></legend><div class="checks"><% f.options.forEach(function (o) { %><label><input type="checkbox" name="<%= f.id %>" value="<%= o.value %>"<%= o.checked ? ' checked' : '' %>><%= o.label %></label><% }) %></div></fieldset>
<% } else if (f.type === 'boolean') { %><fieldset><legend><%= f.label %></legend><div class="checks"><label><input type="radio" name="<%= f.id %>" value="true"<%= f.value === 'true' ? ' checked' : '' %>>是</label><label><input type="radio" name="<%= f.id %>" value="false"<%= f.value !== 'true' ? ' checked' : '' %>>否</label></div></fieldset>
<% } else { %><div class="field"><label for="f-<%= f.id %>"><%= f.label %></label><% if (f.help) { %><span id="h-<%= f.id %>" class="muted"><%= f.help %></span><% } %><input id="f-<%= f.id %>" name="<%= f.id %>" value="<%= f.value %>"<% if (f.help) { %> aria-describedby="h-<%= f.id %>"<% } %><% if (f.type === 'number') { %> inputmode="numeric" pattern="[0-9]*"<% } else if (f.type === 'datetime') { %> type="datetime-local"<% } else { %> maxlength="<%= f.max || 200 %>"<% } %> autocomplete="off"></div><% } %><% }) %>
<div class="acts"><button type="submit">儲存評估</button><a class="button" href="<%= it.back %>">取消</a></div></form>`;
addTemplate('@assess', ASSESS);

const REF = /^[0-9A-Za-z-]{1,20}$/;
type Values = Record<string, string | string[]>;

/**
 * The assessment editor (issue #18 point 4): the chat's assessment form (assessmentForm) as one page, saved through the
 * same step (IncidentFlow.console.assess → IncidentService.recordAssessment): the timeline entry, the checklist items it
 * brings in, the chat cards edited. A save based on an older version of the incident is refused with 409 and the form
 * again, with what was typed and the current assessment beside it.
 */
export function registerAssessmentEditor(scope: FastifyInstance, kit: AssessmentKit): void {
  const path = (ref: string) => `/console/incidents/${encodeURIComponent(ref)}/assessment`;

  async function target(req: FastifyRequest<{ Params: { ref: string } }>, reply: FastifyReply) {
    const actor = await kit.signedIn(req, reply);
    if (!actor) return null;
    const incident =
      REF.test(req.params.ref) && can(actor, 'incident.view') ? await kit.incidents.findByRef(actor.schoolId, req.params.ref) : null;
    if (!incident) {
      await kit.refuse(reply, 'notFound');
      return null;
    }
    if (!can(actor, 'incident.act')) {
      await kit.refuse(reply, 'actDenied');
      return null;
    }
    return { actor, view: await kit.incidents.get(incident.id) };
  }

  const page = (
    reply: FastifyReply,
    actor: Actor,
    status: number,
    view: IncidentView,
    o: { typed?: Values; error?: string; latest?: boolean } = {},
  ) => {
    const form = assessmentForm(view, kit.playbooks);
    const i = view.incident;
    const typed = o.typed;
    const fields = form.fields.map((f) => {
      const given = typed?.[f.id];
      const initial = f.initial;
      const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : v === undefined || v === '' ? [] : [String(v)]);
      const chosen = typed ? list(given) : list(initial);
      return {
        id: f.id,
        type: f.type,
        label: f.label,
        required: f.required,
        help: 'help' in f ? f.help : undefined,
        max: 'maxLength' in f ? f.maxLength : undefined,
        value: typed ? (Array.isArray(given) ? given.join('、') : (given ?? '')) : typeof initial === 'string' ? initial : '',
        options: (f.options ?? []).map((opt) => ({ value: opt.value, label: opt.label, checked: chosen.includes(opt.value) })),
      };
    });
    const now = form.fields.filter((f) => f.id !== 'occurredAt' && f.id !== 'correctionReason');
    const latest = o.latest
      ? now.map((f) => {
          const v = f.initial;
          const shown = Array.isArray(v)
            ? (f.options ?? [])
                .filter((opt) => v.includes(opt.value))
                .map((opt) => opt.label)
                .join('、') || '—'
            : f.type === 'boolean'
              ? v === 'true'
                ? '是'
                : '否'
              : String(v ?? '') || '—';
          return [f.label, shown];
        })
      : null;
    return kit.html(
      reply,
      status,
      renderPage('@assess', kit.frame(reply, actor, `影響評估｜${i.ref}`), {
        ref: i.ref,
        back: `/console/incidents/${encodeURIComponent(i.ref)}#assessment`,
        action: path(i.ref),
        intro: form.intro,
        version: i.version,
        fields,
        error: o.error ?? null,
        latest,
      }),
    );
  };

  scope.get<{ Params: { ref: string } }>('/console/incidents/:ref/assessment', async (req, reply) => {
    const t = await target(req, reply);
    if (!t) return reply;
    return page(reply, t.actor, 200, t.view);
  });

  scope.post<{ Params: { ref: string }; Body: Record<string, string | string[] | undefined> }>(
    '/console/incidents/:ref/assessment',
    { preHandler: scope.csrfProtection },
    async (req, reply) => {
      const t = await target(req, reply);
      if (!t) return reply;
      const body = req.body ?? {};
      const values: Values = {};
      for (const [k, v] of Object.entries(body)) if (k !== '_csrf' && k !== 'version' && v !== undefined) values[k] = v;
      const basedOn = Number(body.version);
      try {
        const view = await kit.checklist.assess(t.actor, t.view.incident.id, Number.isInteger(basedOn) ? basedOn : -1, values);
        const flash: Flash = { kind: 'ok', text: `已更新事件 ${view.incident.ref} 的影響評估，已記入事件紀錄，聊天中的事件卡片已更新。` };
        return redirectWithFlash(reply, kit.secure, `${incidentPath(view.incident.ref)}#assessment`, flash);
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        const stale = err instanceof AssessmentEditedMeanwhile;
        const now = await kit.incidents.get(t.view.incident.id);
        return page(reply, t.actor, stale ? 409 : 400, now, { typed: values, error: err.message, latest: stale });
      }
    },
  );
}
