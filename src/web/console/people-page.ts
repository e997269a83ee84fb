import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UserError } from '../../core/incidents/types.js';
import { MAX_ROSTER_BYTES, type PeopleAdmin, type RosterPreview } from '../../core/people/admin.js';
import type { PersonChanges } from '../../core/people/history.js';
import { DEFAULT_WORDING } from '../../ports/chat-model.js';
import { can, ROLE_KEYS, ROLE_LABELS, roleNames, type Actor } from '../../core/roles.js';
import { formatRocDateTime } from '../../core/time/roc.js';
import { readFlash, redirectWithFlash, type Flash } from './acts.js';
import './people-templates.js';
import { renderPage, type Frame } from './templates.js';

/** What the people routes share with the rest of the console (routes.ts). */
export interface PeopleKit {
  admin: PeopleAdmin;
  secure: boolean;
  html: (reply: FastifyReply, status: number, body: string) => FastifyReply;
  refuse: (reply: FastifyReply, why: 'peopleDenied' | 'peopleActDenied') => FastifyReply;
  signedIn: (req: FastifyRequest, reply: FastifyReply) => Promise<Actor | null>;
  frame: (reply: FastifyReply, actor: Actor, title: string) => Frame;
}

const ID = /^[A-Za-z0-9_-]{1,40}$/;
/** People per page of the roster, and entries per page of the record of changes (a school has hundreds of each). */
export const PEOPLE_PER_PAGE = 50;
export const HISTORY_PER_PAGE = 50;
const MAX_Q = 40;
const PLATFORMS: Record<string, string> = { line: 'LINE', slack: 'Slack', discord: 'Discord', local: '本機聊天頁' };
const ACTIONS: Record<string, string> = {
  create: '新增',
  update: '變更',
  unchanged: '不變',
  deactivate: '停用',
  'not in file': '不在檔案中（維持原狀）',
};
const FIELD_LABELS: Record<string, string> = {
  name: '姓名',
  unit: '單位',
  email: '電子郵件',
  roles: '角色',
  active: '狀態',
  console: '主控台',
  account: '聊天帳號',
  kind: '公私立別',
  clockProfile: '時限設定',
  contactPhone: '聯絡電話',
  contactEmail: '聯絡電子郵件',
};

type Body = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const pageNo = (v: unknown) => {
  const n = Number(str(v));
  return Number.isSafeInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
};

/** Where the people page is: the search, the roster's page and the record's page (from the query string). */
interface Place {
  q: string;
  page: number;
  hpage: number;
}
function placeOf(query: unknown): Place {
  const o = (query ?? {}) as Record<string, unknown>;
  return { q: str(o.q).normalize('NFKC').trim().slice(0, MAX_Q), page: pageNo(o.page), hpage: pageNo(o.hpage) };
}
/** The page's address for a place: only what differs from the first page without a search. */
function hrefOf(p: Place, anchor = ''): string {
  const qs = new URLSearchParams();
  if (p.q) qs.set('q', p.q);
  if (p.page > 1) qs.set('page', String(p.page));
  if (p.hpage > 1) qs.set('hpage', String(p.hpage));
  const s = qs.toString();
  return `/console/people${s ? `?${s}` : ''}${anchor ? `#${anchor}` : ''}`;
}

/** A value of the record of changes in words (roles by their names, active as 在職 / 停用). */
function value(field: string, v: unknown): string {
  if (v === null || v === undefined || v === '' || v === '(none)') return '（無）';
  if (field === 'roles') {
    const list = Array.isArray(v)
      ? (v as string[])
      : String(v)
          .replace(/^\[|\]$/g, '')
          .split(/,\s*/)
          .filter(Boolean);
    return roleNames(list) || '（無）';
  }
  if (field === 'active') return v === true || v === 'true' ? '在職' : '停用';
  if (field === 'account') return PLATFORMS[String(v)] ?? String(v);
  return String(v);
}

/** A binding code issued or revoked (person_change `bindingCode`: until when it is valid; never the code). */
function codeChange(from: unknown, to: unknown): string {
  const until = (v: unknown) => formatRocDateTime(new Date(String(v)));
  if (typeof to === 'string')
    return `產生綁定碼，${until(to)} 前有效${typeof from === 'string' ? `（先前 ${until(from)} 前有效的綁定碼作廢）` : ''}`;
  return `作廢綁定碼（原 ${until(from)} 前有效）`;
}

function describe(changes: PersonChanges | { field: string; from: string; to: string }[]): string {
  const list = Array.isArray(changes)
    ? changes.map((c) => [c.field, c.from, c.to] as const)
    : Object.entries(changes).map(([f, c]) => [f, c?.from, c?.to] as const);
  return list
    .map(([field, from, to]) => {
      const label = FIELD_LABELS[field] ?? field;
      if (field === 'account' && (to === null || to === '(none)')) return `解除 ${value(field, from)} 帳號的綁定`;
      if (field === 'bindingCode') return codeChange(from, to);
      return from === null || from === '(none)' ? `${label}：${value(field, to)}` : `${label}：${value(field, from)} → ${value(field, to)}`;
    })
    .join('；');
}

/**
 * The people and roles page (issue #18 point 6): the roster with linked chat accounts and roles, binding codes, unlinking
 * an account, role changes, making someone inactive, the roster import with a preview, and the record of changes. Every
 * step is PeopleAdmin's (src/core/people/admin.ts), which checks the person's roles itself; the page only shows the forms
 * a role may use. POSTs carry the CSRF token like the console's other forms and come back with a result line.
 */
export function registerPeoplePage(scope: FastifyInstance, kit: PeopleKit): void {
  // A step answers on the page it was taken from (the forms' actions carry its search and page).
  const back = (reply: FastifyReply, anchor: string, flash: Flash, place: Place = { q: '', page: 1, hpage: 1 }) =>
    redirectWithFlash(reply, kit.secure, hrefOf(place, anchor), flash);

  /** The person signed in, if they may see the page. */
  async function viewer(req: FastifyRequest, reply: FastifyReply): Promise<Actor | null> {
    const actor = await kit.signedIn(req, reply);
    if (!actor) return null;
    if (!can(actor, 'people.view')) {
      await kit.refuse(reply, 'peopleDenied');
      return null;
    }
    return actor;
  }

  /** Runs a step of PeopleAdmin; its refusals (UserError, zh-TW) come back as the page's result line. */
  async function step(req: FastifyRequest, reply: FastifyReply, anchor: string, run: () => Promise<string>) {
    const place = placeOf(req.query);
    try {
      return back(reply, anchor, { kind: 'ok', text: await run() }, place);
    } catch (err) {
      if (err instanceof UserError) return back(reply, anchor, { kind: 'error', text: err.message }, place);
      throw err;
    }
  }

  scope.get('/console/people', async (req, reply) => {
    const actor = await viewer(req, reply);
    if (!actor) return reply;
    // A page of 50 people (a search by name or unit narrows them) and 50 entries of the record: a school of hundreds is
    // not one page of hundreds of cards (docs/console.md, "At a school's scale").
    const place = placeOf(req.query);
    const [roster, codes, history] = await Promise.all([
      kit.admin.rosterPage(actor, { q: place.q, offset: (place.page - 1) * PEOPLE_PER_PAGE, limit: PEOPLE_PER_PAGE }),
      kit.admin.openCodes(actor),
      kit.admin.history(actor, HISTORY_PER_PAGE + 1, (place.hpage - 1) * HISTORY_PER_PAGE),
    ]);
    const { people } = roster;
    const at = (d: Date) => formatRocDateTime(d);
    const pages = Math.max(1, Math.ceil(roster.matching / PEOPLE_PER_PAGE));
    const first = (place.page - 1) * PEOPLE_PER_PAGE;
    const data = {
      school: actor.schoolId,
      activeCount: roster.active,
      inactiveCount: roster.inactive,
      here: hrefOf(place).replace('/console/people', ''),
      q: place.q,
      maxQ: MAX_Q,
      paging: {
        matching: roster.matching,
        from: people.length ? first + 1 : 0,
        to: first + people.length,
        page: place.page,
        pages,
        prev: place.page > 1 ? hrefOf({ ...place, page: Math.min(place.page - 1, pages) }, 'roster') : null,
        next: place.page < pages ? hrefOf({ ...place, page: place.page + 1 }, 'roster') : null,
        clear: place.q ? hrefOf({ ...place, q: '', page: 1 }, 'roster') : null,
      },
      historyPaging: {
        page: place.hpage,
        newer: place.hpage > 1 ? hrefOf({ ...place, hpage: place.hpage - 1 }, 'history') : null,
        older: history.length > HISTORY_PER_PAGE ? hrefOf({ ...place, hpage: place.hpage + 1 }, 'history') : null,
      },
      readOnly: !can(actor, 'people.manage'),
      mayManage: can(actor, 'people.manage'),
      mayRoles: can(actor, 'admin.roles'),
      mayImport: can(actor, 'admin.roles'),
      maxKb: MAX_ROSTER_BYTES / 1024,
      roles: ROLE_KEYS.map((key) => ({ key, label: ROLE_LABELS[key] })),
      people: people.map((p) => ({
        id: p.id,
        name: p.displayName,
        unit: p.unit,
        active: p.active,
        roles: p.roles,
        roleLabels: p.roles.map((r) => ROLE_LABELS[r as keyof typeof ROLE_LABELS] ?? r),
        accounts: p.identities.map((i) => ({
          id: i.id,
          platform: PLATFORMS[i.platform] ?? i.platform,
          name: i.displayName,
          since: at(i.createdAt),
        })),
      })),
      codes: codes.map((c) => ({
        id: c.id,
        person: c.personName,
        until: at(c.expiresAt),
        at: at(c.createdAt),
        by: c.createdByName ?? '系統管理者',
      })),
      history: history
        .slice(0, HISTORY_PER_PAGE)
        .map((h) => ({ at: at(h.at), person: h.personName, what: describe(h.changes), by: h.actorLabel })),
      historyPerPage: HISTORY_PER_PAGE,
    };
    const flash = readFlash(req, reply);
    return kit.html(reply, 200, renderPage('@people', { ...kit.frame(reply, actor, '人員與角色'), flash }, data));
  });

  scope.post<{ Params: { id: string } }>('/console/people/:id/code', { preHandler: scope.csrfProtection }, async (req, reply) => {
    const actor = await viewer(req, reply);
    if (!actor) return reply;
    if (!ID.test(req.params.id)) return kit.refuse(reply, 'peopleActDenied');
    try {
      const r = await kit.admin.issueCode(actor, req.params.id);
      // Shown once, on this answer only: never in a cookie, a log or a link.
      return kit.html(
        reply,
        200,
        renderPage('@people-code', kit.frame(reply, actor, `綁定碼｜${r.person.displayName}`), {
          personId: r.person.id,
          name: r.person.displayName,
          code: r.code,
          until: formatRocDateTime(r.expiresAt),
          reach: DEFAULT_WORDING.reachPrivately,
        }),
      );
    } catch (err) {
      if (err instanceof UserError) return back(reply, `person-${req.params.id}`, { kind: 'error', text: err.message }, placeOf(req.query));
      throw err;
    }
  });

  scope.post<{ Params: { id: string } }>('/console/people/codes/:id/revoke', { preHandler: scope.csrfProtection }, async (req, reply) => {
    const actor = await viewer(req, reply);
    if (!actor) return reply;
    return step(req, reply, 'codes', async () => {
      if (!ID.test(req.params.id)) throw new UserError('這個綁定碼已使用、已作廢或不存在。');
      const r = await kit.admin.revokeCode(actor, req.params.id);
      return `已作廢 ${r.personName} 的綁定碼。`;
    });
  });

  scope.post<{ Params: { id: string } }>(
    '/console/people/accounts/:id/unlink',
    { preHandler: scope.csrfProtection },
    async (req, reply) => {
      const actor = await viewer(req, reply);
      if (!actor) return reply;
      return step(req, reply, 'roster', async () => {
        if (!ID.test(req.params.id)) throw new UserError('找不到這個綁定的聊天帳號（可能已解除）。');
        const r = await kit.admin.unlink(actor, req.params.id);
        return `已解除 ${r.person.displayName} 的 ${PLATFORMS[r.platform] ?? r.platform} 帳號綁定；要再使用，請產生新的綁定碼。`;
      });
    },
  );

  scope.post<{ Params: { id: string }; Body: Body }>(
    '/console/people/:id/roles',
    { preHandler: scope.csrfProtection },
    async (req, reply) => {
      const actor = await viewer(req, reply);
      if (!actor) return reply;
      const raw = req.body?.roles;
      const roles = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(str).filter(Boolean).slice(0, 20);
      return step(req, reply, `person-${req.params.id}`, async () => {
        if (!ID.test(req.params.id)) throw new UserError('找不到這位人員。');
        if (roles.length === 0) throw new UserError('請至少勾選一個角色（可報案的人勾「教職員」）。');
        const p = await kit.admin.setRoles(actor, req.params.id, roles);
        return `已將 ${p.displayName} 的角色設為：${roleNames(p.roles)}。`;
      });
    },
  );

  scope.post<{ Params: { id: string }; Body: Body }>(
    '/console/people/:id/active',
    { preHandler: scope.csrfProtection },
    async (req, reply) => {
      const actor = await viewer(req, reply);
      if (!actor) return reply;
      const active = str(req.body?.active) === 'true';
      return step(req, reply, `person-${req.params.id}`, async () => {
        if (!ID.test(req.params.id)) throw new UserError('找不到這位人員。');
        const p = await kit.admin.setActive(actor, req.params.id, active);
        return active ? `已恢復 ${p.displayName}。` : `已停用 ${p.displayName}：不能再使用小幫手與主控台，過去的紀錄保留在其名下。`;
      });
    },
  );

  const previewPage = (
    reply: FastifyReply,
    actor: Actor,
    status: number,
    preview: RosterPreview,
    text: string,
    deactivateMissing: boolean,
    flash: Flash | null = null,
  ) => {
    const frame = { ...kit.frame(reply, actor, '匯入名冊：預覽'), flash };
    if (!preview.ok)
      return kit.html(reply, status === 200 ? 400 : status, renderPage('@people-preview', frame, { faults: preview.faults }));
    const { plan } = preview;
    const count = (a: string) => plan.people.filter((p) => p.action === a).length;
    return kit.html(
      reply,
      status,
      renderPage('@people-preview', frame, {
        faults: null,
        counts: {
          create: count('create'),
          update: count('update'),
          deactivate: count('deactivate'),
          unchanged: count('unchanged'),
          kept: count('not in file'),
        },
        schoolChanges: plan.school.changes.map((c) => describe([c])),
        rows: plan.people.map((p) => ({
          name: p.name,
          kind: p.action,
          action: ACTIONS[p.action] ?? p.action,
          changes: describe(p.changes),
        })),
        changed: plan.changed,
        roster: Buffer.from(text, 'utf8').toString('base64url'),
        digest: preview.digest,
        deactivateMissing,
      }),
    );
  };

  // The upload: multipart only here (a child scope), one file of at most MAX_ROSTER_BYTES; its text is never logged.
  scope.register(async (upload) => {
    await upload.register(fastifyMultipart, {
      attachFieldsToBody: 'keyValues',
      limits: { fileSize: MAX_ROSTER_BYTES, files: 1, fields: 4, parts: 5, fieldSize: 1024 },
    });
    upload.post<{ Body: Body }>('/console/people/import', { preHandler: upload.csrfProtection }, async (req, reply) => {
      const actor = await viewer(req, reply);
      if (!actor) return reply;
      if (!can(actor, 'admin.roles')) return kit.refuse(reply, 'peopleActDenied');
      const file = req.body?.roster;
      const text = Buffer.isBuffer(file) ? file.toString('utf8') : str(file);
      const deactivateMissing = str(req.body?.deactivateMissing) === '1';
      if (!text.trim()) {
        return previewPage(reply, actor, 400, { ok: false, faults: ['沒有收到名冊檔，或檔案是空的。'] }, '', deactivateMissing);
      }
      try {
        return previewPage(reply, actor, 200, await kit.admin.previewRoster(actor, text, deactivateMissing), text, deactivateMissing);
      } catch (err) {
        if (err instanceof UserError) return previewPage(reply, actor, 400, { ok: false, faults: [err.message] }, '', deactivateMissing);
        throw err;
      }
    });
  });

  scope.post<{ Body: Body }>(
    '/console/people/import/confirm',
    // The file comes back base64url-encoded in the form: 4/3 of MAX_ROSTER_BYTES and the other fields.
    { preHandler: scope.csrfProtection, bodyLimit: Math.ceil((MAX_ROSTER_BYTES * 4) / 3) + 4096 },
    async (req, reply) => {
      const actor = await viewer(req, reply);
      if (!actor) return reply;
      if (!can(actor, 'admin.roles')) return kit.refuse(reply, 'peopleActDenied');
      const text = Buffer.from(str(req.body?.roster), 'base64url').toString('utf8');
      const deactivateMissing = str(req.body?.deactivateMissing) === '1';
      try {
        const r = await kit.admin.importRoster(actor, text, deactivateMissing, str(req.body?.digest));
        if (!r.ok) return previewPage(reply, actor, 400, r, text, deactivateMissing);
        const n = (a: string) => r.plan.people.filter((p) => p.action === a).length;
        return back(reply, 'history', {
          kind: 'ok',
          text: `已匯入名冊：新增 ${n('create')} 人、變更 ${n('update')} 人、停用 ${n('deactivate')} 人；異動已記在異動紀錄上。`,
        });
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        // Changed since the preview: the new preview, with the reason at the top.
        const again = await kit.admin.previewRoster(actor, text, deactivateMissing);
        return previewPage(reply, actor, 409, again, text, deactivateMissing, { kind: 'error', text: err.message });
      }
    },
  );
}
