import { randomBytes } from 'node:crypto';
import { LINK_ACTION, type Card, type FormField } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';
import { openToken, sealToken } from '../documents/links.js';
import type { PromptRecord } from '../../ports/repositories/index.js';
import { maskPersonalData } from '../privacy/mask.js';
import type { Actor } from '../roles.js';
import { formatChatDateTime, formatRocDateTime } from '../time/roc.js';
import type { FieldProblem, RawAnswers } from './intake.js';
import type { PromptStore } from './prompts.js';
import { WHEN_TEXTS, readFieldTime } from './when.js';

/**
 * Web forms from chat (issue #18 point 5). Where the bot asks a form step by step (a platform without forms: LINE) or
 * in pages (Discord's modals of five fields) in a private chat, its first message also offers 「在網頁填寫」: a signed
 * one-time link to the same form as one web page (the console's `/console/form/<token>`, src/web/console/forms.ts).
 * The link is sealed with the machinery of every signed link of the product (src/core/documents/links.ts: HMAC-SHA256,
 * a key derived from the key ring) under a purpose of its own, and names the person, the conversation and the question
 * (`pending_prompt`) it belongs to; it expires after WEB_FORM_TTL_MS and its id is claimed in `web_form_use` when the
 * page is submitted, so it is used once. `WebForms` checks a link against its question and hands the page to the kind
 * of question it names: the report (`intake`, web-form-intake.ts) or any form FormSteps asks (`form`,
 * web-form-steps.ts); each checks the page with the chat's own validation and submits it through the chat's own step.
 */
export const WEB_FORM_TTL_MS = 30 * 60_000;
/** Typed while a form is asked step by step or in pages: a new link to the page (the offer's words, a lost link). */
export const WEB_FORM_WORDS: ReadonlySet<string> = new Set(['網頁填寫', '在網頁填寫']);
const PURPOSE = 'web-form:v1';
/** Two readings of one text this close are the same (「現在」 read when shown and again when sent). */
const SAME_READING_MS = 5 * 60_000;

export interface WebFormClaims {
  linkId: string;
  personId: string;
  conversationId: string;
  promptId: string;
  expiresAt: Date;
}

export type WebFormLinkVerdict = { ok: true; claims: WebFormClaims } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

interface Payload {
  k: string;
  p: string; // person
  c: string; // conversation
  q: string; // question (pending_prompt id)
  e: number; // expiry, unix seconds
  n: string; // link id
}

/** The signed links of web forms: bound to a person, a conversation and one open question. */
export class WebFormLinks {
  constructor(
    private readonly deps: Pick<CoreDeps, 'cipher' | 'now'>,
    private readonly ttlMs = WEB_FORM_TTL_MS,
  ) {}

  sign(personId: string, conversationId: string, promptId: string): { token: string; expiresAt: Date } {
    const expiresAt = new Date(Math.floor((this.deps.now().getTime() + this.ttlMs) / 1000) * 1000);
    const payload = {
      p: personId,
      c: conversationId,
      q: promptId,
      e: expiresAt.getTime() / 1000,
      n: randomBytes(16).toString('base64url'),
    };
    return { token: sealToken(this.deps.cipher, PURPOSE, payload), expiresAt };
  }

  verify(token: string): WebFormLinkVerdict {
    const opened = openToken<Payload>(this.deps.cipher, PURPOSE, token);
    if (!opened.ok) return opened;
    const { p, c, q, e, n } = opened.payload;
    const ids = [p, c, q, n];
    if (ids.some((x) => typeof x !== 'string' || x.length === 0) || typeof e !== 'number' || n.length < 16) {
      return { ok: false, reason: 'malformed' };
    }
    const expiresAt = new Date(e * 1000);
    if (expiresAt.getTime() <= this.deps.now().getTime()) return { ok: false, reason: 'expired' };
    return { ok: true, claims: { linkId: n, personId: p, conversationId: c, promptId: q, expiresAt } };
  }
}

/** Why a page is refused: a bad or forged link, expired, already used, the question closed meanwhile, or not allowed. */
export type WebFormRefusal = 'invalid' | 'expired' | 'used' | 'closed' | 'denied';

/** How a time field's text was read: shown beside the field before it is filed. */
export interface TimeReading {
  /** The instant read (ISO): the page sends it back, so an unchanged reading needs no second look. */
  at: string;
  /** 「12/6（日）15:00 左右」 */
  text: string;
}

export interface WebFormView {
  title: string;
  intro: string;
  submitLabel: string;
  personName: string;
  expiresAt: Date;
  fields: FormField[];
  /** What is in each field now (answers given in chat so far, or what was submitted, masked). */
  values: RawAnswers;
  readings: Record<string, TimeReading>;
  /** Problems beside their field; one whose `field` is no field of the form is shown in the summary only. */
  problems: FieldProblem[];
  /** The page was valid but showed a time reading not seen before: confirm and send again. */
  confirmTimes: boolean;
}

export type WebFormPage = { ok: true; form: WebFormView } | { ok: false; reason: WebFormRefusal };

export interface WebFormFiled {
  ok: 'filed';
  /** The form's title (「影響評估｜115-0001」). */
  title: string;
  /** The incident number of a report filed (the report's own done page), else absent. */
  ref?: string;
  /** What masking took out (the chat is told the same), or null. */
  masked: string | null;
  /** The platform the chat continues on ('line', …). */
  platform: string;
}

/** The submission answered for good (UserError.final): the question is closed, the page says why. */
export interface WebFormEnded {
  ok: 'ended';
  title: string;
  message: string;
  platform: string;
}

/** What the web console's form routes call (src/web/console/forms.ts). */
export interface WebFormActions {
  open(token: string): Promise<WebFormPage>;
  /** `shown`: the time readings the page showed (field id → ISO), so a changed or new reading is shown first. */
  submit(token: string, values: RawAnswers, shown: Record<string, string>): Promise<WebFormResult>;
}

export type WebFormResult = WebFormPage | WebFormFiled | WebFormEnded;

/** A link checked against its question: the claims, the open question it names and the person holding it. */
export interface BoundForm {
  claims: WebFormClaims;
  prompt: PromptRecord;
  actor: Actor;
}

/** One kind of question (its `pending_prompt` kind) that can be answered on the page. */
export interface WebFormKind {
  /** Whether this person may answer it (checked on every open and submit: roles change). */
  allowed(actor: Actor): boolean;
  open(b: BoundForm): Promise<WebFormView>;
  submit(b: BoundForm, values: RawAnswers, shown: Record<string, string>): Promise<WebFormResult>;
}

/** The words of an offer: its text (with the link's expiry) and the notification text, which never carries the link. */
export interface WebFormOfferTexts {
  text: (until: string) => string;
  fallback: string;
}

/**
 * The web forms of the chat: the offer (a card with the link button), and the page's routes bound to the question the
 * link names and dispatched by its kind to the flow that owns it (`register`). The only object the web layer gets.
 */
export class WebForms implements WebFormActions {
  readonly links: WebFormLinks;
  private readonly kinds = new Map<string, WebFormKind>();

  constructor(
    private readonly deps: CoreDeps,
    private readonly prompts: PromptStore,
    /** The address the pages are served at (PUBLIC_URL), or null when the app serves no console. */
    private readonly baseUrl: () => string | null,
  ) {
    this.links = new WebFormLinks(deps);
  }

  register(kind: string, handler: WebFormKind): void {
    this.kinds.set(kind, handler);
  }

  /**
   * The card offering the page for the person's question in a private chat; null when no page is served. The caller
   * sends it only to a private chat: a link for one person is never posted where a group would see it.
   */
  offer(prompt: PromptRecord, words: WebFormOfferTexts): Card | null {
    const base = this.baseUrl()?.replace(/\/+$/, '');
    if (!base || !this.kinds.has(prompt.kind)) return null;
    const { token, expiresAt } = this.links.sign(prompt.personId, prompt.conversationId, prompt.id);
    return {
      type: 'card',
      title: '也可以在網頁填寫',
      tone: 'info',
      sections: [{ text: words.text(formatRocDateTime(expiresAt)) }],
      buttons: [{ label: '在網頁填寫', action: LINK_ACTION, url: `${base}/console/form/${token}`, style: 'primary' }],
      // The link stays out of the notification text: only the button carries it.
      fallbackText: words.fallback,
    };
  }

  async open(token: string): Promise<WebFormPage> {
    const b = await this.bind(token);
    if (!b.ok) return b;
    return { ok: true, form: await b.kind.open(b) };
  }

  async submit(token: string, values: RawAnswers, shown: Record<string, string>): Promise<WebFormResult> {
    const b = await this.bind(token);
    if (!b.ok) return b;
    return b.kind.submit(b, values, shown);
  }

  /** The link's claims, checked against the question it names: open, of that person and conversation, still allowed. */
  private async bind(token: string): Promise<({ ok: true; kind: WebFormKind } & BoundForm) | { ok: false; reason: WebFormRefusal }> {
    const v = this.links.verify(token);
    if (!v.ok) return { ok: false, reason: v.reason === 'expired' ? 'expired' : 'invalid' };
    const { claims } = v;
    if (await this.deps.repos.webForms.used(claims.linkId)) return { ok: false, reason: 'used' };
    const person = await this.deps.repos.people.find(claims.personId);
    if (!person?.active) return { ok: false, reason: 'denied' };
    const actor: Actor = { personId: person.id, schoolId: person.schoolId, displayName: person.displayName, roles: person.roles };
    // The person's open question in that conversation must be the one the link names (a link of another person, or
    // of a question since answered, cancelled or replaced, opens nothing).
    const prompt = await this.prompts.open(claims.conversationId, claims.personId);
    const kind = prompt ? this.kinds.get(prompt.kind) : undefined;
    if (!prompt || !kind || prompt.id !== claims.promptId || prompt.personId !== claims.personId) return { ok: false, reason: 'closed' };
    if (!kind.allowed(actor)) return { ok: false, reason: 'denied' };
    return { ok: true, kind, claims, prompt, actor };
  }
}

/** What a field shows when the page opens: a time answered in chat (an instant) the way the chat writes it. */
export function shownValue(f: FormField, given: RawAnswers[string], now: Date): RawAnswers[string] {
  const at = f.type === 'datetime' && typeof given === 'string' && given.trim() ? readFieldTime(f.label, given, now) : null;
  return at?.ok ? formatChatDateTime(at.at, { now }) : given;
}

/** How each time field's text reads now (fields that cannot be read get their problem instead). */
export function timeReadings(fields: FormField[], values: RawAnswers, now: Date): Record<string, TimeReading> {
  const out: Record<string, TimeReading> = {};
  for (const f of fields) {
    const text = values[f.id];
    if (f.type !== 'datetime' || typeof text !== 'string' || !text.trim()) continue;
    const r = readFieldTime(f.label, text, now);
    if (r.ok) out[f.id] = { at: r.at.toISOString(), text: WHEN_TEXTS.reading(r.at, r.approximate) };
  }
  return out;
}

/** Whether a reading is shown that the page had not shown (a relative time read again a little later is the same). */
export function unseenReading(readings: Record<string, TimeReading>, shown: Record<string, string>): boolean {
  return Object.entries(readings).some(([id, r]) => !(Math.abs(Date.parse(shown[id] ?? '') - Date.parse(r.at)) <= SAME_READING_MS));
}

/** The page goes back with what was typed, masked like everything sent and stored (as the chat's form does). */
export function echoTyped(fields: FormField[], raw: RawAnswers, bad: Set<string>, now: Date): RawAnswers {
  const echo: RawAnswers = {};
  for (const [key, value] of Object.entries(raw)) {
    const type = fields.find((f) => f.id === key)?.type;
    const free = type === 'text' || type === 'textarea' || bad.has(key);
    echo[key] = free && typeof value === 'string' ? maskPersonalData(value, { now }).text : value;
  }
  return echo;
}

/** Only the form's own fields are taken from what the page posted. */
export function postedFields(fields: FormField[], submitted: RawAnswers): RawAnswers {
  const raw: RawAnswers = {};
  for (const f of fields) {
    const v = submitted[f.id];
    if (v !== undefined) raw[f.id] = v;
  }
  return raw;
}

/** The page's data. */
export function formView(
  b: BoundForm,
  texts: { title: string; intro: string; submitLabel: string },
  fields: FormField[],
  values: RawAnswers,
  problems: FieldProblem[],
  confirm: boolean,
  now: Date,
): WebFormView {
  const readings = timeReadings(fields, values, now);
  return {
    ...texts,
    personName: b.actor.displayName,
    expiresAt: b.claims.expiresAt,
    fields,
    values,
    readings,
    problems,
    confirmTimes: confirm && problems.length === 0 && Object.keys(readings).length > 0,
  };
}
