import { LINK_ACTION } from '../../ports/chat-model.js';
import type { ReportKind } from '../playbooks/vocabulary.js';
import { REPORT_KINDS } from '../playbooks/vocabulary.js';
import type { Audience } from '../notices/templates.js';

/**
 * Action ids carried by buttons, and the ids of forms: one builder and one parser per family, the only place that
 * knows their wire format. The format is fixed: buttons already posted on the platforms keep working after an
 * upgrade, so a string built here is never changed, only new families or verbs added.
 *
 *   once:<id>:<inner>      a one-shot choice wrapping another action (choices.ts)
 *   say:<text>             a button that types text for the person (quick replies)
 *   link                   a link button (LINK_ACTION): the platform opened its address
 *   intake:start[:…]       start a report (offer.ts adds the prefill) · intake:dismiss
 *   prompt:cancel:<id>     cancel an open question
 *   ck:<item>:d|n|o        tick a checklist item done / not applicable / open again
 *   inc:<incident>:<what>  show or advance an incident
 *   ntc:<verb>:<id>[:<x>]  notices (notice-flow.ts, notice-review.ts)
 *   rpt:<verb>:<id>[:<x>]  reports (report-flow.ts)
 *   evd:<verb>:<id>        evidence (evidence.ts)
 */

export type ItemTo = 'd' | 'n' | 'o';
export type IncidentWhat = 'checklist' | 'summary' | 'assess' | 'card' | 'notifying' | 'end' | 'fix' | 'close';
const INCIDENT_WHATS: readonly IncidentWhat[] = ['checklist', 'summary', 'assess', 'card', 'notifying', 'end', 'fix', 'close'];

/** The conversation engine's own buttons. */
export const act = {
  startIntake: (scenario?: string) => (scenario ? `intake:start:${scenario}` : 'intake:start'),
  dismiss: 'intake:dismiss',
  cancelPrompt: (promptId: string) => `prompt:cancel:${promptId}`,
  say: (text: string) => `say:${text}`,
  item: (itemId: string, to: ItemTo) => `ck:${itemId}:${to}`,
  incident: (incidentId: string, what: Exclude<IncidentWhat, 'fix'>) => `inc:${incidentId}:${what}`,
};

/** Notices (notice-flow.ts). */
export const noticeAct = {
  list: (incidentId: string) => `ntc:list:${incidentId}`,
  create: (incidentId: string, audience: Audience) => `ntc:new:${incidentId}:${audience}`,
  show: (noticeId: string) => `ntc:show:${noticeId}`,
  edit: (noticeId: string) => `ntc:edit:${noticeId}`,
  submit: (noticeId: string) => `ntc:submit:${noticeId}`,
  toActing: (noticeId: string) => `ntc:acting:${noticeId}`,
  approve: (noticeId: string, version: number) => `ntc:ok:${noticeId}:${version}`,
  sendBack: (noticeId: string, version: number) => `ntc:back:${noticeId}:${version}`,
  delivery: (noticeId: string) => `ntc:batch:${noticeId}`,
};

/** Reports (report-flow.ts). */
export const reportAct = {
  list: (incidentId: string) => `rpt:list:${incidentId}`,
  submitted: (incidentId: string, kind: ReportKind) => `rpt:sub:${incidentId}:${kind}`,
};

/** Evidence (evidence.ts). */
export const evidenceAct = {
  drop: (offerId: string) => `evd:drop:${offerId}`,
  list: (incidentId: string) => `evd:list:${incidentId}`,
};

/**
 * What a notice button does: `list` and `new` carry an incident id (`new` the audience in `extra`), the others a
 * notice id (`ok` and `back` the version decided on in `extra`).
 */
export type NoticeVerb = 'list' | 'new' | 'show' | 'edit' | 'submit' | 'acting' | 'ok' | 'back' | 'batch';
const NOTICE_VERBS: readonly NoticeVerb[] = ['list', 'new', 'show', 'edit', 'submit', 'acting', 'ok', 'back', 'batch'];
export type EvidenceVerb = 'drop' | 'list';
const EVIDENCE_VERBS: readonly EvidenceVerb[] = ['drop', 'list'];

/** A family's button that cannot be read has `verb` null (the family's own refusal is said). */
export type NoticeAction = { family: 'ntc'; verb: NoticeVerb; id: string; extra?: string } | { family: 'ntc'; verb: null };
export type ReportAction =
  | { family: 'rpt'; verb: 'list'; incidentId: string }
  | { family: 'rpt'; verb: 'sub'; incidentId: string; kind: ReportKind }
  | { family: 'rpt'; verb: null };
export type EvidenceAction = { family: 'evd'; verb: EvidenceVerb; id: string } | { family: 'evd'; verb: null };

/** A button's action, read. `expired` is an action of a known family that no button of this version makes. */
export type Action =
  | { family: 'once'; raw: string }
  | { family: 'say'; text: string }
  | { family: 'link' }
  | { family: 'intake'; verb: 'start'; prefill: string[] }
  | { family: 'intake'; verb: 'dismiss' }
  | { family: 'prompt'; verb: 'cancel'; promptId: string }
  | { family: 'ck'; itemId: string; to: ItemTo }
  /** `what` null: an incident button this version does not know (answered as expired, after the actor check). */
  | { family: 'inc'; incidentId: string; what: IncidentWhat | null }
  | NoticeAction
  | ReportAction
  | EvidenceAction
  | { family: 'unknown'; raw: string };

export function parseAction(action: string): Action {
  const parts = action.split(':');
  const [family, a, b] = parts;
  switch (family) {
    case 'once':
      return { family: 'once', raw: action };
    case 'say':
      return { family: 'say', text: action.slice(4) };
    case 'intake':
      if (a === 'start') return { family: 'intake', verb: 'start', prefill: parts.slice(2) };
      if (a === 'dismiss') return { family: 'intake', verb: 'dismiss' };
      break;
    case 'prompt':
      if (a === 'cancel' && b) return { family: 'prompt', verb: 'cancel', promptId: b };
      break;
    case 'ck':
      if (a && (b === 'd' || b === 'n' || b === 'o')) return { family: 'ck', itemId: a, to: b };
      break;
    case 'inc':
      if (a && b)
        return { family: 'inc', incidentId: a, what: (INCIDENT_WHATS as readonly string[]).includes(b) ? (b as IncidentWhat) : null };
      break;
    case 'ntc':
      return isOneOf(NOTICE_VERBS, a) && b
        ? { family: 'ntc', verb: a, id: b, ...(parts[3] !== undefined ? { extra: parts[3] } : {}) }
        : { family: 'ntc', verb: null };
    case 'rpt': {
      const kind = parts[3];
      if (!b) return { family: 'rpt', verb: null };
      if (a === 'list') return { family: 'rpt', verb: 'list', incidentId: b };
      if (a === 'sub' && (REPORT_KINDS as readonly string[]).includes(kind ?? ''))
        return { family: 'rpt', verb: 'sub', incidentId: b, kind: kind as ReportKind };
      return { family: 'rpt', verb: null };
    }
    case 'evd':
      return isOneOf(EVIDENCE_VERBS, a) && b ? { family: 'evd', verb: a, id: b } : { family: 'evd', verb: null };
  }
  if (action === LINK_ACTION) return { family: 'link' };
  return { family: 'unknown', raw: action };
}

function isOneOf<T extends string>(known: readonly T[], s: string | undefined): s is T {
  return (known as readonly (string | undefined)[]).includes(s);
}

/**
 * Form ids: `intake:<prompt>[:<page>]`, `item:<prompt>` (a reason or a note), `assess:<incident>`,
 * `end|fix|done:<id>` (times.ts), `itemx:<item>` (item-form.ts), `fs:<prompt>:<page>` (steps.ts),
 * `ntc:<notice>:edit`, `ntc:<notice>:batch[:<version>.<batches>]` and `ntc:<notice>:back:<version>` (notices), `rpt:<incident>:sub:<kind>` (reports),
 * `evd:<offer>` (evidence).
 */
/** The form ids of a form asked in pages by FormSteps (steps.ts) and of an item's own form (item-form.ts). */
export const FORM_PAGE_PREFIX = 'fs';
export const ITEM_FORM_PREFIX = 'itemx';

export type FormFamily = 'intake' | 'item' | 'assess' | 'end' | 'fix' | 'done' | 'itemx' | 'fs' | 'ntc' | 'rpt' | 'evd';
const FORM_FAMILIES: readonly FormFamily[] = ['intake', 'item', 'assess', 'end', 'fix', 'done', 'itemx', 'fs', 'ntc', 'rpt', 'evd'];

export const formIds = {
  intake: (promptId: string, page?: number) => (page === undefined ? `intake:${promptId}` : `intake:${promptId}:${page}`),
  itemNote: (promptId: string) => `item:${promptId}`,
  formPage: (promptId: string, page: number) => `${FORM_PAGE_PREFIX}:${promptId}:${page}`,
  itemForm: (itemId: string) => `${ITEM_FORM_PREFIX}:${itemId}`,
  noticeEdit: (noticeId: string) => `ntc:${noticeId}:edit`,
  noticeSendBack: (noticeId: string, version: number) => `ntc:${noticeId}:back:${version}`,
  /** `seen`: the notice's version and number of batches the form was sent on (a stale or repeated form is refused). */
  noticeDelivery: (noticeId: string, seen: { version: number; batches: number }) => `ntc:${noticeId}:batch:${seen.version}.${seen.batches}`,
  reportSubmitted: (incidentId: string, kind: ReportKind) => `rpt:${incidentId}:sub:${kind}`,
  evidence: (offerId: string) => `evd:${offerId}`,
};

/**
 * A notice form, read: the edit, the comment of a version sent back (`version` NaN when missing), a delivery batch
 * (`seen` null on a form sent before it was named).
 */
export type NoticeForm =
  | { what: 'edit'; noticeId: string }
  | { what: 'back'; noticeId: string; version: number }
  | { what: 'batch'; noticeId: string; seen: { version: number; batches: number } | null };

export function parseNoticeForm(formId: string): NoticeForm | null {
  const [family, noticeId, what, version] = formId.split(':');
  if (family !== 'ntc' || !noticeId) return null;
  if (what === 'edit') return { what, noticeId };
  if (what === 'batch') {
    const m = /^(\d+)\.(\d+)$/.exec(version ?? '');
    return { what, noticeId, seen: m ? { version: Number(m[1]), batches: Number(m[2]) } : null };
  }
  if (what === 'back') return { what, noticeId, version: Number(version) };
  return null;
}

/** A report form (the day a report was submitted), read. */
export function parseReportForm(formId: string): { incidentId: string; kind: ReportKind } | null {
  const [family, incidentId, what, kind] = formId.split(':');
  if (family !== 'rpt' || !incidentId || what !== 'sub' || !isOneOf(REPORT_KINDS, kind)) return null;
  return { incidentId, kind };
}

/** An evidence form: the offer it files (empty when missing, which no offer has). */
export function parseEvidenceForm(formId: string): { offerId: string } {
  return { offerId: formId.split(':')[1] ?? '' };
}

/** A form id, read; null when it has no id part (an expired or foreign form). */
export function parseFormId(formId: string): { family: FormFamily | 'unknown'; id: string; page?: string } | null {
  const [family, id, page] = formId.split(':');
  if (!id) return null;
  const known = (FORM_FAMILIES as readonly string[]).includes(family ?? '') ? (family as FormFamily) : 'unknown';
  return { family: known, id, ...(page !== undefined ? { page } : {}) };
}
