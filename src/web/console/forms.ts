import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseBoolean, resolveChoices, type RawAnswers } from '../../core/conversation/intake.js';
import type { WebFormActions, WebFormRefusal, WebFormView } from '../../core/conversation/web-form.js';
import { WHEN_TEXTS } from '../../core/conversation/when.js';
import { UserError } from '../../core/incidents/types.js';
import { formatRocDateTime } from '../../core/time/roc.js';
import type { Logger } from '../../ports/logger.js';
import { messagePage, renderPage } from './templates.js';

export interface WebFormKit {
  forms: WebFormActions;
  log: Logger;
  html: (reply: FastifyReply, status: number, body: string) => FastifyReply;
  /** A CSRF token for the page, bound to it (routes.ts; sessions.ts csrfBinding). */
  csrf: (reply: FastifyReply) => string;
}

const IN_CHAT = '您在聊天室填寫的內容沒有遺失：可以直接在與小幫手的對話中繼續回答，或在對話中輸入「網頁填寫」取得新的連結。';
const REFUSALS: Record<WebFormRefusal, readonly [number, string, readonly string[]]> = {
  invalid: [403, '連結無效', ['這個網頁填寫連結無效或已被修改。', IN_CHAT]],
  expired: [403, '連結已過期', ['這個網頁填寫連結已超過有效時間（30 分鐘）。', IN_CHAT]],
  used: [410, '連結已使用過', ['每個網頁填寫連結只能送出一次，這份表單已經用這個連結送出了。後續事項請回到與小幫手的對話。']],
  closed: [
    410,
    '這份表單已結束',
    ['這份表單（通報或其他問題）已在對話中完成、取消或逾時，或這不是最新的連結。請回到與小幫手的對話；如需通報，請在對話中輸入「通報」。'],
  ],
  denied: [403, '無法使用這個連結', ['這個連結的使用者目前無法填寫（身分已變更或停用）。如有疑問請洽個資聯絡窗口。']],
};

const PLATFORM_NAMES: Record<string, string> = { line: 'LINE', slack: 'Slack', discord: 'Discord', local: '聊天頁面' };

/** One field of the page, ready for the template (form-template.ts). */
interface PageField {
  id: string;
  label: string;
  required: boolean;
  help?: string;
  kind: 'text' | 'textarea' | 'radio' | 'checkbox';
  inputmode?: string;
  maxLength?: number;
  value: string;
  options: { value: string; label: string; checked: boolean }[];
  error?: string;
  reading?: { at: string; text: string };
  describedBy?: string;
  autofocus: boolean;
}

const list = (v: RawAnswers[string] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * The form definition of the core as the page's fields: the same fields, choices, help and limits as in chat (also the
 * console's item forms, item-acts.ts).
 */
export function pageFields(form: Pick<WebFormView, 'fields' | 'values' | 'problems' | 'readings'>): PageField[] {
  const problems = new Map<string, string>();
  for (const p of form.problems) if (!problems.has(p.field)) problems.set(p.field, p.message);
  const firstBad = form.fields.find((f) => problems.has(f.id))?.id;
  return form.fields.map((f) => {
    const value = form.values[f.id];
    // Choices answered in chat are what was typed (「1,3」, a label, 「是」): read the same way as the chat reads them.
    const typed = Array.isArray(value) ? value.join(',') : (value ?? '');
    const bool = f.type === 'boolean' && typeof value === 'string' ? parseBoolean(value) : null;
    const chosen = new Set(
      f.type === 'boolean' ? (bool === null ? [] : [String(bool)]) : f.options ? resolveChoices(f, list(value)).values : [],
    );
    const kind =
      f.type === 'textarea'
        ? 'textarea'
        : f.type === 'select' || f.type === 'boolean'
          ? 'radio'
          : f.type === 'multiselect'
            ? 'checkbox'
            : 'text';
    const options =
      f.type === 'boolean'
        ? [
            { value: 'true', label: '是' },
            { value: 'false', label: '否' },
          ]
        : (f.options ?? []);
    // A time field without help of its own gets the chat's examples (WHEN_TEXTS.hint).
    const help = [f.help ?? (f.type === 'datetime' ? WHEN_TEXTS.hint : undefined)]
      .concat(f.suggestions?.length ? [`例如：${f.suggestions.join('、')}`] : [])
      .filter(Boolean)
      .join(' ');
    const error = problems.get(f.id);
    const reading = form.readings[f.id];
    const describedBy = [help ? `f-${f.id}-help` : '', error ? `f-${f.id}-error` : '', reading ? `f-${f.id}-reading` : '']
      .filter(Boolean)
      .join(' ');
    return {
      id: f.id,
      label: f.label,
      required: f.required,
      ...(help ? { help } : {}),
      kind,
      ...(f.type === 'number' ? { inputmode: 'numeric' } : {}),
      ...(f.maxLength ? { maxLength: f.maxLength } : {}),
      value: typed,
      options: options.map((o) => ({ ...o, checked: chosen.has(o.value) })),
      ...(error ? { error } : {}),
      ...(reading ? { reading } : {}),
      ...(describedBy ? { describedBy } : {}),
      autofocus: f.id === firstBad,
    };
  });
}

/**
 * Web forms from chat (issue #18 point 5; the core's side is src/core/conversation/web-form.ts). `GET
 * /console/form/<token>` shows the form a chat asks step by step or in pages (the report, or any FormSteps form) as one page, to anyone holding the one-time link the
 * chat sent (no console sign-in: staff report too); `POST` (CSRF token of the console's forms) submits it through the
 * chat's own step, or shows the page again with the problems beside their fields and the time readings to
 * confirm. Registered in the console's scope (routes.ts): its cookies, CSRF, headers and error pages.
 */
export function registerWebForms(scope: FastifyInstance, kit: WebFormKit): void {
  const refuse = (reply: FastifyReply, why: WebFormRefusal) => {
    kit.log.info({ reason: why }, 'web form link refused');
    const [status, title, text] = REFUSALS[why];
    return kit.html(reply, status, messagePage(title, [...text], undefined, { plain: true }));
  };
  const page = (reply: FastifyReply, form: WebFormView, status = 200) => {
    const fields = pageFields(form);
    // Problems beside their field (linked from the summary), and those of no field (a check across fields) in it only.
    const errors = [
      ...form.problems.filter((p) => !form.fields.some((f) => f.id === p.field)).map((p) => ({ anchor: '', message: p.message })),
      ...fields.filter((f) => f.error).map((f) => ({ anchor: `f-${f.id}`, message: f.error! })),
    ];
    const data = { ...form, until: formatRocDateTime(form.expiresAt), fields, errors };
    const title = errors.length ? `（需修改）${form.title}` : form.title;
    return kit.html(reply, status, renderPage('@webform', { title, plain: true, csrf: kit.csrf(reply) }, data));
  };

  // A wildcard rather than :token, which the router limits to 100 characters (the sign-in links do the same).
  scope.get<{ Params: { '*': string } }>('/console/form/*', { exposeHeadRoute: false }, async (req, reply) => {
    const r = await kit.forms.open(req.params['*']);
    return r.ok ? page(reply, r.form) : refuse(reply, r.reason);
  });

  scope.post<{ Params: { '*': string }; Body: Record<string, string | string[] | undefined> }>(
    '/console/form/*',
    { preHandler: scope.csrfProtection },
    async (req, reply) => {
      const values: RawAnswers = {};
      const shown: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.body ?? {})) {
        if (value === undefined || key === '_csrf') continue;
        if (key.startsWith('_read_')) shown[key.slice('_read_'.length)] = String(value);
        else values[key] = value;
      }
      let r: Awaited<ReturnType<WebFormActions['submit']>>;
      try {
        r = await kit.forms.submit(req.params['*'], values, shown);
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        return kit.html(reply, 400, messagePage('無法送出', [err.message], undefined, { plain: true }));
      }
      if (r.ok === 'ended') {
        const where = PLATFORM_NAMES[r.platform] ?? r.platform;
        const text = [r.message, `「${r.title}」的問題已結束。請回到 ${where} 與小幫手的對話（可以關閉這個頁面）。`];
        return kit.html(reply, 409, messagePage('無法送出', text, undefined, { plain: true }));
      }
      if (r.ok === 'filed' && !r.ref) {
        const where = PLATFORM_NAMES[r.platform] ?? r.platform;
        const text = [
          `已收到您在網頁填寫的「${r.title}」。`,
          ...(r.masked ? [r.masked] : []),
          `請回到 ${where} 與小幫手的對話（可以關閉這個頁面）；後續會在對話中通知您。對話中原本的問題已結束，不會再問您一次。`,
        ];
        return kit.html(reply, 200, messagePage('已送出', text, undefined, { plain: true }));
      }
      if (r.ok === 'filed') {
        const where = PLATFORM_NAMES[r.platform] ?? r.platform;
        return kit.html(
          reply,
          200,
          messagePage(
            '通報已送出',
            [
              `已收到您的通報，事件編號 ${r.ref}。`,
              '個資聯絡窗口與應變小組已收到通知；接下來的檢核事項與提醒，會在與小幫手的對話中通知您。',
              ...(r.masked ? [r.masked] : []),
              `請回到 ${where} 與小幫手的對話（可以關閉這個頁面）。對話中原本的問題已結束，不會再問您一次。`,
            ],
            undefined,
            { plain: true },
          ),
        );
      }
      if (!r.ok) return refuse(reply, r.reason);
      return page(reply, r.form, r.form.problems.length ? 400 : 200);
    },
  );
}
