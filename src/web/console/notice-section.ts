import { deliveryForm } from '../../core/conversation/notice-cards.js';
import { deliveryBasis } from '../../core/notices/views.js';
import { CHANNEL_LABELS } from '../../core/notices/channels.js';
import type { NoticeService } from '../../core/notices/service.js';
import { OWN_NOTICE } from '../../core/notices/service.js';
import { NOTICE_STATUS_LABELS, type NoticeStatus, type NoticeView } from '../../core/notices/views.js';
import { can, type Actor } from '../../core/roles.js';
import { formatRocShort } from '../../core/time/roc.js';
import { versionDiff, type DiffPart } from './diff.js';

/** A notice as the full export gives it (NoticeReader.exportNotices). */
interface ExportedNotice {
  audience: string;
  audienceLabel: string;
  status: string;
  currentVersion: number;
  approvedVersion: number | null;
  approvedAt: string | null;
  versions: { version: number; author: string; createdAt: string; text: string }[];
  reviews: { version: number; decision: string; reviewer: string; decidedAt: string; comment: string | null }[];
  batches: {
    version: number;
    channel: string;
    recipientsTotal: number;
    recipientsNotified: number;
    publicReason: string | null;
    note: string | null;
    recordedBy: string;
    recordedAt: string;
  }[];
}

const at = (d: Date) => formatRocShort(d);

/**
 * A version never changes once saved, so its diff from the one before is worked out once per process (a word diff
 * of two 4,000-character versions takes tens of milliseconds); the oldest are dropped past DIFF_MEMO_MAX.
 */
const diffMemo = new Map<string, DiffPart[]>();
const DIFF_MEMO_MAX = 500;

function diffOf(noticeId: string, version: number, before: string, after: string): DiffPart[] {
  const key = `${noticeId}:${version}`;
  let parts = diffMemo.get(key);
  if (!parts) {
    parts = versionDiff(before, after);
    if (diffMemo.size >= DIFF_MEMO_MAX) diffMemo.delete(diffMemo.keys().next().value!);
    diffMemo.set(key, parts);
  }
  return parts;
}

/** Where the console's notice forms post (src/web/console/acts.ts). */
export const noticePath = (ref: string, noticeId: string, what: 'edit' | 'submit' | 'approve' | 'send-back' | 'acting' | 'deliveries') =>
  `/console/incidents/${encodeURIComponent(ref)}/notices/${encodeURIComponent(noticeId)}/${what}`;

/**
 * The notices of the incident page: every version (newest first) with the changes from the one before (jsdiff), the
 * reviews and the delivery records, and what the person may do here, as the chat's cards offer it: the drafter edits
 * and sends for approval (notice-cards.ts `noticeCard`), the principal or the acting approver approves or sends back
 * (`reviewCard`). The rules themselves are the service's: a button shown here may still be refused with its message.
 */
export async function noticeSection(notices: NoticeService, actor: Actor, ref: string, incidentId: string, closed: boolean) {
  const exported = (await notices.exportNotices(incidentId)) as ExportedNotice[];
  const views = new Map((await notices.listForIncident(incidentId)).map((v) => [v.audience as string, v]));
  return exported.map((n) => {
    const view = views.get(n.audience)!;
    return {
      id: view.notice.id,
      anchor: `notice-${view.notice.id}`,
      audience: n.audienceLabel,
      status: NOTICE_STATUS_LABELS[n.status as NoticeStatus] ?? n.status,
      current: n.currentVersion,
      approved: n.approvedVersion && n.approvedAt ? `第 ${n.approvedVersion} 版，${at(new Date(n.approvedAt))}` : null,
      versions: n.versions
        .map((x, k) => ({
          version: x.version,
          author: x.author,
          at: at(new Date(x.createdAt)),
          text: x.text,
          current: x.version === n.currentVersion,
          diff: k > 0 ? diffOf(view.notice.id, x.version, n.versions[k - 1]!.text, x.text) : null,
        }))
        .reverse(),
      reviews: n.reviews.map((r) => ({
        version: r.version,
        decision: r.decision === 'approved' ? '核定' : '退回',
        reviewer: r.reviewer,
        at: at(new Date(r.decidedAt)),
        comment: r.comment,
      })),
      batches: n.batches.map((b) => ({
        channel: CHANNEL_LABELS[b.channel as keyof typeof CHANNEL_LABELS] ?? b.channel,
        counts: `${b.recipientsNotified} / ${b.recipientsTotal} 人`,
        by: `${b.recordedBy}，${at(new Date(b.recordedAt))}`,
        note: [b.publicReason, b.note].filter(Boolean).join('；') || null,
      })),
      acts: closed ? null : actsOf(view, actor, ref),
      // 登記通知紀錄 under an approved notice, as chat's notice card offers it (contact window, principal).
      delivery: !closed && view.status === 'approved' && can(actor, 'incident.coordinate') ? deliveryFormData(view, ref) : null,
    };
  });
}

/** The forms shown under one notice for this person (null: none). */
function actsOf(view: NoticeView, actor: Actor, ref: string) {
  const id = view.notice.id;
  const drafter = can(actor, 'incident.coordinate') && view.batches.length === 0;
  const open = view.status === 'draft' || view.status === 'returned';
  const reviewer = view.status === 'submitted' && can(actor, 'notice.approve');
  const own = reviewer && view.authorIds.includes(actor.personId);
  if (!drafter && !reviewer) return null;
  return {
    version: view.version,
    editHref: drafter && view.status !== 'approved' ? noticePath(ref, id, 'edit') : null,
    submitAction: drafter && open ? noticePath(ref, id, 'submit') : null,
    // The principal away: chat's 改送代理人核定 on a submitted notice (notice-cards.ts), for those who send for approval.
    actingAction: drafter && view.status === 'submitted' ? noticePath(ref, id, 'acting') : null,
    review: reviewer && !own ? { approveAction: noticePath(ref, id, 'approve'), sendBackAction: noticePath(ref, id, 'send-back') } : null,
    ownNote: own ? OWN_NOTICE : null,
  };
}

/** One field of the delivery form (templates.ts `@delivery`), its ids prefixed by the notice's so several fit on a page. */
export interface DeliveryField {
  id: string;
  label: string;
  required: boolean;
  help: string | null;
  kind: 'radio' | 'text';
  numeric: boolean;
  maxLength: number | null;
  value: string;
  options: { value: string; label: string; checked: boolean }[];
  error: string | null;
  autofocus: boolean;
}

/**
 * The delivery form of an approved notice: chat's own fields (deliveryForm: the channels with their labels, the counts,
 * the public reason and the note), the values typed when shown again, the refusal beside its field, and the notice as
 * the page shows it (`basis`: a batch registered meanwhile makes the form stale).
 */
export function deliveryFormData(
  view: NoticeView,
  ref: string,
  o: { values?: Record<string, string>; problem?: { field: string; message: string }; level?: number } = {},
) {
  const form = deliveryForm(view);
  const prefix = `d-${view.notice.id}`;
  const fields: DeliveryField[] = form.fields.map((f) => {
    const value = o.values?.[f.id] ?? '';
    const error = o.problem?.field === f.id ? o.problem.message : null;
    return {
      id: f.id,
      label: f.label,
      required: f.required,
      help: f.help ?? null,
      kind: f.options ? 'radio' : 'text',
      numeric: f.type === 'number',
      maxLength: f.maxLength ?? null,
      value,
      options: (f.options ?? []).map((x) => ({ value: x.value, label: x.label, checked: x.value === value })),
      error,
      autofocus: error !== null,
    };
  });
  return {
    prefix,
    level: o.level ?? 4,
    title: '登記通知紀錄',
    intro: form.intro ?? '',
    audience: view.audienceLabel,
    submitLabel: form.submitLabel ?? '登記',
    action: noticePath(ref, view.notice.id, 'deliveries'),
    basis: deliveryBasis(view.version, view.status, view.batches.length),
    fields,
  };
}
