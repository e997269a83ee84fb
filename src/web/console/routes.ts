import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleAccess } from '../../core/conversation/command-flow.js';
import type { ChecklistConsoleActions } from '../../core/conversation/incident-flow.js';
import type { NoticeConsoleActions } from '../../core/conversation/notice-flow.js';
import type { WebFormActions } from '../../core/conversation/web-form.js';
import type { PeopleAdmin } from '../../core/people/admin.js';
import { UserError } from '../../core/incidents/types.js';
import { can, type Actor } from '../../core/roles.js';
import { formatRocDateTime } from '../../core/time/roc.js';
import type { Logger } from '../../ports/logger.js';
import { isDatabaseDown } from '../../storage/errors.js';
import { readFlash, registerConsoleActs } from './acts.js';
import { registerWebForms } from './forms.js';
import { SignInLinks } from './links.js';
import { registerDeliveryActs } from './delivery.js';
import { registerItemActs } from './item-acts.js';
import { registerPeoplePage } from './people-page.js';
import { registerAssessmentEditor } from './assessment.js';
import { incidentPage, listPage, STATUS_FILTERS, whoText, type PageServices } from './pages.js';
import { ConsoleSessions, cookieRules, csrfBinding } from './sessions.js';
import { messagePage, renderPage, type Frame } from './templates.js';

export interface ConsoleOptions extends PageServices {
  log: Logger;
  /** The chat's notice steps taken from the console (NoticeFlow.console): same rules, timeline and chat cards. */
  noticeActs: NoticeConsoleActions;
  /** The chat's checklist tick taken from the console (IncidentFlow.console). */
  checklistActs: ChecklistConsoleActions;
  /** Forms of the chat as one page, through one-time links sent in chat (IntakeFlow.web; forms.ts). */
  webForms?: WebFormActions;
  /** The people and roles page's steps (src/core/people/admin.ts): the same core as chat and `npm run people`. */
  people: PeopleAdmin;
  /** Secure cookies (PUBLIC_URL is https). */
  secure: boolean;
}

/** The console's pages: their own inline style and forms posting to this origin, nothing else; never framed. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const ASK_AGAIN = '請回到與小幫手的私訊輸入「主控台」，取得新的登入連結。';
const REFUSALS = {
  invalid: [403, '登入連結無效', ['這個登入連結無效或已被修改。', ASK_AGAIN]],
  expired: [403, '登入連結已過期', ['這個登入連結已超過有效時間（10 分鐘）。', ASK_AGAIN]],
  used: [410, '登入連結已使用過', ['每個登入連結只能使用一次，這個連結已經用來登入過了。', ASK_AGAIN]],
  denied: [403, '沒有使用主控台的權限', ['主控台只開放給個資聯絡窗口、管理人（校長）、代理人及稽核人員。如需查看事件，請洽個資聯絡窗口。']],
  none: [401, '請先登入主控台', ['您尚未登入，或已經登出。', ASK_AGAIN]],
  idle: [401, '已自動登出', ['您已超過 30 分鐘沒有使用主控台，為保護資料已自動登出。', ASK_AGAIN]],
  sessionExpired: [401, '已自動登出', ['每次登入最長 12 小時，已自動登出。', ASK_AGAIN]],
  notAllowed: [403, '沒有使用主控台的權限', ['您目前的身分不能使用主控台，已登出。如有疑問請洽個資聯絡窗口。']],
  otherSite: [403, '請從登入頁登入', ['這個登入要求是從其他網站送出的，已拒絕。請直接開啟聊天中的登入連結，再按「登入主控台」。']],
  notFound: [404, '找不到這個事件', ['沒有這個編號的事件，或它不屬於您的學校。']],
  incidentDenied: [403, '沒有查看這個事件的權限', ['您沒有查看這個事件細節的權限。']],
  actDenied: [
    403,
    '沒有執行這個動作的權限',
    [
      '核定或退回通知稿限管理人（校長）或代理人；修改通知稿與送核限個資聯絡窗口或校長；勾選檢核項目限應變人員或該項目負責人。您在主控台仍可查看事件。',
    ],
  ],
  peopleDenied: [403, '沒有查看人員與角色的權限', ['人員與角色頁限管理人（校長）、個資聯絡窗口及稽核人員查看。']],
  peopleActDenied: [
    403,
    '沒有執行這個動作的權限',
    ['變更角色、停用人員與匯入名冊限管理人（校長）；綁定碼與解除帳號綁定限管理人或個資聯絡窗口。您仍可查看人員與角色。'],
  ],
} as const satisfies Record<string, readonly [number, string, readonly string[]]>;
type Refusal = keyof typeof REFUSALS;

/** `?before=<seq>`: the page of the incident's timeline older than that entry (pages.ts TIMELINE_SHOWN). */
const timelineBefore = (v: string | undefined) => (v && /^[1-9][0-9]{0,8}$/.test(v) ? Number(v) : null);

/**
 * The web console (issue #18, first slice: read-only views). Sign-in with a one-time link from chat, a server-side
 * session (sessions.ts), the incident list and one incident on one page. Every page checks the session and the
 * person's roles from the database; POST forms carry a CSRF token (@fastify/csrf-protection) besides SameSite=Strict,
 * so the forms of later slices (approve, edit) plug in the same way. Returns what the chat needs (ConsoleAccess).
 */
export function registerConsoleRoutes(server: FastifyInstance, opts: ConsoleOptions): ConsoleAccess {
  const links = new SignInLinks(opts.deps.cipher, opts.deps.now);
  const sessions = new ConsoleSessions(opts.deps.repos, opts.deps.now);
  const cookie = cookieRules(opts.secure);
  /** A form's CSRF token, bound to the session (or the page, without one): sessions.ts csrfBinding. */
  const boundTo = (req: FastifyRequest) => csrfBinding(req.cookies[cookie.name], req.url);
  const csrf = (reply: FastifyReply) => reply.generateCsrf({ userInfo: boundTo(reply.request) });

  const html = (reply: FastifyReply, status: number, body: string) =>
    reply
      .code(status)
      .header('cache-control', 'no-store')
      .header('content-security-policy', CSP)
      .type('text/html; charset=utf-8')
      .send(body);
  const refuse = (reply: FastifyReply, why: Refusal) => {
    const [status, title, text] = REFUSALS[why];
    return html(reply, status, messagePage(title, [...text]));
  };

  /** The person signed in, or a refusal sent (and the cookie cleared when the session ended). */
  async function signedIn(req: FastifyRequest, reply: FastifyReply): Promise<Actor | null> {
    const check = await sessions.check(req.cookies[cookie.name]);
    if (check.ok) return check.actor;
    if (req.cookies[cookie.name]) reply.clearCookie(cookie.name, cookie.options);
    await refuse(
      reply,
      check.reason === 'idle'
        ? 'idle'
        : check.reason === 'expired'
          ? 'sessionExpired'
          : check.reason === 'not-allowed'
            ? 'notAllowed'
            : 'none',
    );
    return null;
  }

  const frame = (reply: FastifyReply, actor: Actor, title: string): Frame => ({
    title,
    who: whoText(actor),
    csrf: csrf(reply),
    people: can(actor, 'people.view'),
  });

  /** The person a sign-in link was made for, if it is valid, unused and they may open the console. */
  async function holder(token: string, reply: FastifyReply): Promise<{ actor: Actor; linkId: string; expiresAt: Date } | null> {
    const v = links.verify(token);
    if (!v.ok) {
      opts.log.info({ reason: v.reason }, 'console sign-in link refused');
      await refuse(reply, v.reason === 'expired' ? 'expired' : 'invalid');
      return null;
    }
    const person = await opts.store.person(v.claims.personId);
    const actor: Actor | null = person?.active
      ? { personId: person.id, schoolId: person.schoolId, displayName: person.displayName, roles: person.roles }
      : null;
    if (!actor || !can(actor, 'console.open')) {
      opts.log.info({ reason: 'not allowed' }, 'console sign-in link refused');
      await refuse(reply, 'denied');
      return null;
    }
    if (await sessions.linkUsed(v.claims.linkId)) {
      opts.log.info({ reason: 'used' }, 'console sign-in link refused');
      await refuse(reply, 'used');
      return null;
    }
    return { actor, linkId: v.claims.linkId, expiresAt: v.claims.expiresAt };
  }

  server.register(async (scope) => {
    // The key that signs the result-line cookie (acts.ts), the same on every instance sharing the key ring.
    await scope.register(fastifyCookie, { secret: opts.deps.cipher.deriveKey('console-cookies:v1').key.toString('base64') });
    // A notice of MAX_NOTICE_LENGTH (4,000) characters is up to 36 KB once form-encoded.
    await scope.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
    await scope.register(fastifyCsrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: 'pdi-console-csrf',
      cookieOpts: { path: '/console', httpOnly: true, sameSite: 'strict', secure: opts.secure },
      getUserInfo: boundTo,
      // The tokens' HMAC key, the same on every instance sharing the key ring.
      csrfOpts: { hmacKey: opts.deps.cipher.deriveKey('console-csrf:v1').key },
    });

    scope.setErrorHandler(async (err, req, reply) => {
      if (isDatabaseDown(err))
        return html(reply.header('retry-after', '5'), 503, messagePage('系統暫時無法使用', ['系統暫時無法連線資料庫，請稍後再試。']));
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 403 && /csrf/i.test((err as Error).message + String((err as { code?: string }).code))) {
        return html(reply, 403, messagePage('表單已失效', ['這個表單已失效（可能已在別處登出或頁面開啟太久），請重新整理頁面後再試。']));
      }
      if (status && status >= 400 && status < 500) return html(reply, status, messagePage('無法處理這個要求', ['送出的內容不正確。']));
      opts.log.error({ err, url: req.routeOptions.url }, 'console page failed');
      return html(reply, 500, messagePage('系統發生錯誤', ['系統發生錯誤，請稍後再試或通知系統管理者。']));
    });

    // A wildcard rather than :token, which the router limits to 100 characters. GET only shows a button (link
    // previews and scanners open links too); POST signs in.
    scope.get<{ Params: { '*': string } }>('/console/sign-in/*', { exposeHeadRoute: false }, async (req, reply) => {
      const ok = await holder(req.params['*'], reply);
      if (!ok) return reply;
      return html(
        reply,
        200,
        messagePage(
          '登入主控台',
          [
            `${ok.actor.displayName}，您好：按下按鈕即登入個資事件主控台。`,
            `這個連結只能使用一次，${formatRocDateTime(ok.expiresAt)} 前有效，僅限您本人使用。`,
          ],
          '登入主控台',
        ),
      );
    });

    scope.post<{ Params: { '*': string } }>('/console/sign-in/*', async (req, reply) => {
      // Login CSRF: another site (or a sibling subdomain) posting someone's link would sign the browser in as that
      // someone. The sign-in page posts from this origin; a browser says where a request came from (Sec-Fetch-Site),
      // and one from elsewhere is refused before the link is looked at, so it is not used up.
      const site = req.headers['sec-fetch-site'];
      if (site === 'cross-site' || site === 'same-site') {
        opts.log.info({ reason: site }, 'console sign-in refused');
        return refuse(reply, 'otherSite');
      }
      const ok = await holder(req.params['*'], reply);
      if (!ok) return reply;
      let secret: string;
      try {
        ({ secret } = await sessions.start(ok.actor, ok.linkId, req.ip ?? null));
      } catch (err) {
        if ((err as { code?: string }).code !== 'P2002') throw err;
        return refuse(reply, 'used');
      }
      opts.log.info({ personId: ok.actor.personId }, 'console signed in');
      return reply.setCookie(cookie.name, secret, cookie.options).header('cache-control', 'no-store').redirect('/console', 303);
    });

    scope.get<{ Querystring: { status?: string; ref?: string } }>('/console', async (req, reply) => {
      const actor = await signedIn(req, reply);
      if (!actor) return reply;
      const status = STATUS_FILTERS.some((f) => f.value === req.query.status) ? req.query.status! : 'open';
      const ref = (req.query.ref ?? '')
        .normalize('NFKC')
        .replace(/[^0-9A-Za-z-]/g, '')
        .slice(0, 20);
      const data = await listPage(opts, actor, { status, ref });
      return html(reply, 200, renderPage('@list', frame(reply, actor, data.title), data));
    });

    scope.get<{ Params: { ref: string }; Querystring: { before?: string } }>('/console/incidents/:ref', async (req, reply) => {
      const actor = await signedIn(req, reply);
      if (!actor) return reply;
      if (!can(actor, 'incident.view')) return refuse(reply, 'incidentDenied');
      const incident = /^[0-9A-Za-z-]{1,20}$/.test(req.params.ref) ? await opts.incidents.findByRef(actor.schoolId, req.params.ref) : null;
      if (!incident) return refuse(reply, 'notFound');
      try {
        const data = await incidentPage(opts, actor, incident.id, timelineBefore(req.query.before));
        const flash = readFlash(req, reply);
        return html(reply, 200, renderPage('@incident', { ...frame(reply, actor, data.title), flash }, data));
      } catch (err) {
        if (err instanceof UserError) return refuse(reply, 'notFound');
        throw err;
      }
    });

    // The act routes' kit: the core's acting ports and the page helpers, one for the notices', items' and deliveries' routes.
    const actKit = {
      incidents: opts.incidents,
      notices: opts.notices,
      acts: opts.noticeActs,
      checklist: opts.checklistActs,
      secure: opts.secure,
      html,
      refuse,
      signedIn,
      frame,
    };
    registerConsoleActs(scope, actKit);
    registerDeliveryActs(scope, actKit);

    registerItemActs(scope, {
      incidents: opts.incidents,
      notices: opts.notices,
      checklist: opts.checklistActs,
      acts: opts.noticeActs,
      secure: opts.secure,
      html,
      refuse,
      signedIn,
      frame,
    });

    if (opts.webForms) registerWebForms(scope, { forms: opts.webForms, log: opts.log, html, csrf });
    registerAssessmentEditor(scope, {
      incidents: opts.incidents,
      checklist: opts.checklistActs,
      playbooks: opts.deps.playbooks,
      secure: opts.secure,
      html,
      refuse,
      signedIn,
      frame,
    });
    registerPeoplePage(scope, { admin: opts.people, secure: opts.secure, html, refuse, signedIn, frame });

    scope.post('/console/sign-out', { preHandler: scope.csrfProtection }, async (req, reply) => {
      const check = await sessions.check(req.cookies[cookie.name]);
      if (check.ok) await sessions.signOutEverywhere(check.actor);
      reply.clearCookie(cookie.name, cookie.options);
      return html(
        reply,
        200,
        messagePage('已登出主控台', ['您已登出主控台（所有裝置）。', '要再次登入，請在與小幫手的私訊輸入「主控台」。']),
      );
    });
  });

  return {
    async signInLink(actor) {
      const base = opts.baseUrl()?.replace(/\/+$/, '');
      if (!base) return null;
      const { token, expiresAt } = links.sign(actor.personId);
      return { url: `${base}/console/sign-in/${token}`, expiresAt };
    },
    signOutEverywhere: (actor) => sessions.signOutEverywhere(actor),
  };
}
