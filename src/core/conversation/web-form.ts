import { randomBytes } from 'node:crypto';
import { LINK_ACTION, type Card, type FormField } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';
import { openToken, sealToken } from '../documents/links.js';
import { maskPersonalData, privacyNotice } from '../privacy/mask.js';
import { can, type Actor } from '../roles.js';
import { formatChatDateTime, formatRocDateTime } from '../time/roc.js';
import { validateIntake, type FieldProblem, type RawAnswers } from './intake.js';
import type { PromptStore } from './prompts.js';
import { T } from './texts.js';
import { WHEN_TEXTS, readFieldTime } from './when.js';

/**
 * Web forms from chat (issue #18 point 5). Where the bot asks a report step by step (a platform without forms: LINE),
 * its first message also offers 「在網頁填寫」: a signed one-time link to the same form as one web page (the console's
 * `/console/form/<token>`, src/web/console/forms.ts). The link is sealed with the machinery of every signed link of the
 * product (src/core/documents/links.ts: HMAC-SHA256, a key derived from the key ring) under a purpose of its own, and
 * names the person, the conversation and the question (`pending_prompt`) it belongs to; it expires after
 * WEB_FORM_TTL_MS and its id is claimed in `web_form_use` when the page is submitted, so it files once. The page's
 * answers are checked by the intake's own validation (validateIntake, the natural-time reader, the masking) and filed
 * by the chat's own last step (IntakeFlow.fileFromWeb), so the chat continues as after its last question.
 */
export const WEB_FORM_TTL_MS = 30 * 60_000;
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
  problems: FieldProblem[];
  /** The page was valid but showed a time reading not seen before: confirm and send again. */
  confirmTimes: boolean;
}

export type WebFormPage = { ok: true; form: WebFormView } | { ok: false; reason: WebFormRefusal };

export interface WebFormFiled {
  ok: 'filed';
  ref: string;
  /** What masking took out (the chat is told the same), or null. */
  masked: string | null;
  /** The platform the chat continues on ('line', …). */
  platform: string;
}

/** What the web console's form routes call (src/web/console/forms.ts). */
export interface WebFormActions {
  open(token: string): Promise<WebFormPage>;
  /** `shown`: the time readings the page showed (field id → ISO), so a changed or new reading is shown first. */
  submit(token: string, values: RawAnswers, shown: Record<string, string>): Promise<WebFormPage | WebFormFiled>;
}

/** What the intake flow provides: its fields and texts, and its last step (filing and telling the chat). */
export interface IntakeForWeb {
  fieldsFor(prompt: PendingPrompt): FormField[];
  answersOf(prompt: PendingPrompt): RawAnswers;
  fileFromWeb(prompt: PendingPrompt, raw: RawAnswers): Promise<{ ref: string; platform: string } | null>;
}

/** An open question of the chat (a pending_prompt row, as PromptStore gives it). */
type PendingPrompt = NonNullable<Awaited<ReturnType<PromptStore['open']>>>;

type Bound = { ok: true; claims: WebFormClaims; prompt: PendingPrompt; actor: Actor } | { ok: false; reason: WebFormRefusal };

/** The web side of a report asked in chat: the page's data, and its submission through the chat's own steps. */
export class IntakeWeb implements WebFormActions {
  readonly links: WebFormLinks;

  constructor(
    private readonly deps: CoreDeps,
    private readonly prompts: PromptStore,
    private readonly intake: IntakeForWeb,
    /** The address the pages are served at (PUBLIC_URL), or null when the app serves no console. */
    private readonly baseUrl: () => string | null,
  ) {
    this.links = new WebFormLinks(deps);
  }

  /** The card offering the page, for the person's question in that conversation; null when no page is served. */
  offer(prompt: PendingPrompt): Card | null {
    const base = this.baseUrl()?.replace(/\/+$/, '');
    if (!base) return null;
    const { token, expiresAt } = this.links.sign(prompt.personId, prompt.conversationId, prompt.id);
    return {
      type: 'card',
      title: '也可以在網頁填寫',
      tone: 'info',
      sections: [{ text: T.webFormOffer(formatRocDateTime(expiresAt)) }],
      buttons: [{ label: '在網頁填寫', action: LINK_ACTION, url: `${base}/console/form/${token}`, style: 'primary' }],
      // The link stays out of the notification text: only the button carries it.
      fallbackText: '也可以在網頁一次填完通報（連結只能使用一次）',
    };
  }

  /** The link's claims, checked against the question it names: open, of that person and conversation, still allowed. */
  private async bind(token: string): Promise<Bound> {
    const v = this.links.verify(token);
    if (!v.ok) return { ok: false, reason: v.reason === 'expired' ? 'expired' : 'invalid' };
    const { claims } = v;
    if (await this.deps.repos.webForms.used(claims.linkId)) return { ok: false, reason: 'used' };
    const person = await this.deps.repos.people.find(claims.personId);
    const actor: Actor | null = person?.active
      ? { personId: person.id, schoolId: person.schoolId, displayName: person.displayName, roles: person.roles }
      : null;
    if (!actor || !can(actor, 'incident.report')) return { ok: false, reason: 'denied' };
    // The person's open question in that conversation must be the one the link names (a link of another person, or
    // of a question since filed, cancelled or replaced, opens nothing).
    const prompt = await this.prompts.open(claims.conversationId, claims.personId);
    if (!prompt || prompt.id !== claims.promptId || prompt.kind !== 'intake' || prompt.personId !== claims.personId) {
      return { ok: false, reason: 'closed' };
    }
    return { ok: true, claims, prompt, actor };
  }

  async open(token: string): Promise<WebFormPage> {
    const b = await this.bind(token);
    if (!b.ok) return b;
    const fields = this.intake.fieldsFor(b.prompt);
    const values: RawAnswers = {};
    for (const f of fields) {
      const given = this.intake.answersOf(b.prompt)[f.id] ?? f.initial;
      if (given === undefined) continue;
      // Times answered in chat are instants (ISO): shown the way the chat writes them, which the reader reads back.
      const at = f.type === 'datetime' && typeof given === 'string' ? readFieldTime(f.label, given, this.deps.now()) : null;
      values[f.id] = at?.ok ? formatChatDateTime(at.at, { now: this.deps.now() }) : given;
    }
    return { ok: true, form: this.view(b, fields, values, [], false) };
  }

  async submit(token: string, submitted: RawAnswers, shown: Record<string, string>): Promise<WebFormPage | WebFormFiled> {
    const b = await this.bind(token);
    if (!b.ok) return b;
    const fields = this.intake.fieldsFor(b.prompt);
    const now = this.deps.now();
    const raw: RawAnswers = {};
    for (const f of fields) {
      const v = submitted[f.id];
      if (v !== undefined) raw[f.id] = v;
    }
    const v = validateIntake(fields, raw, now);
    const readings = this.readings(fields, raw);
    // A reading is seen when the page showed it (a relative time read again a little later, 「現在」, counts as the same).
    const seen = (id: string, at: string) => Math.abs(Date.parse(shown[id] ?? '') - Date.parse(at)) <= SAME_READING_MS;
    const unseen = Object.entries(readings).some(([id, r]) => !seen(id, r.at));
    if (!v.ok || unseen) {
      // The page goes back with what was typed, masked like everything sent and stored (as the chat's form does).
      const bad = new Set(v.ok ? [] : v.problems.map((p) => p.field));
      const echo: RawAnswers = {};
      for (const [key, value] of Object.entries(raw)) {
        const type = fields.find((f) => f.id === key)?.type;
        const free = type === 'text' || type === 'textarea' || bad.has(key);
        echo[key] = free && typeof value === 'string' ? maskPersonalData(value, { now }).text : value;
      }
      return { ok: true, form: this.view(b, fields, echo, v.ok ? [] : v.problems, v.ok) };
    }
    if (!(await this.deps.repos.webForms.claim(b.claims.linkId, b.prompt.id, b.actor.personId))) return { ok: false, reason: 'used' };
    let filed: { ref: string; platform: string } | null;
    try {
      filed = await this.intake.fileFromWeb(b.prompt, raw);
    } catch (err) {
      await this.deps.repos.webForms.release(b.claims.linkId);
      throw err;
    }
    if (!filed) return { ok: false, reason: 'closed' };
    return {
      ok: 'filed',
      ref: filed.ref,
      masked: v.result.masked.length ? privacyNotice(v.result.masked) : null,
      platform: filed.platform,
    };
  }

  /** How each time field's text reads now (fields that cannot be read get their problem instead). */
  private readings(fields: FormField[], values: RawAnswers): Record<string, TimeReading> {
    const out: Record<string, TimeReading> = {};
    for (const f of fields) {
      const text = values[f.id];
      if (f.type !== 'datetime' || typeof text !== 'string' || !text.trim()) continue;
      const r = readFieldTime(f.label, text, this.deps.now());
      if (r.ok) out[f.id] = { at: r.at.toISOString(), text: WHEN_TEXTS.reading(r.at, r.approximate) };
    }
    return out;
  }

  private view(
    b: Extract<Bound, { ok: true }>,
    fields: FormField[],
    values: RawAnswers,
    problems: FieldProblem[],
    confirm: boolean,
  ): WebFormView {
    return {
      title: T.intakeTitle,
      intro: T.webFormIntro,
      submitLabel: '送出通報',
      personName: b.actor.displayName,
      expiresAt: b.claims.expiresAt,
      fields,
      values,
      readings: this.readings(fields, values),
      problems,
      confirmTimes: confirm && problems.length === 0 && Object.keys(this.readings(fields, values)).length > 0,
    };
  }
}
