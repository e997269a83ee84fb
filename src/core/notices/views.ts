import type {
  IncidentRecord,
  Repositories,
  SubjectNoticeBatchRecord,
  SubjectNoticeRecord,
  SubjectNoticeReviewRecord,
} from '../../ports/repositories/index.js';
import type { CoreDeps } from '../context.js';
import { UserError } from '../incidents/types.js';
import type { MaskFinding } from '../privacy/mask.js';
import { CHANNEL_LABELS, type Channel } from './channels.js';
import { AUDIENCES, type Audience, type NoticeTemplates } from './templates.js';

/** The incident a notice belongs to, as its record. */
export type NoticeIncident = IncidentRecord;

export const NOTICE_STATUSES = ['draft', 'submitted', 'returned', 'approved'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];

export const NOTICE_STATUS_LABELS: Record<NoticeStatus, string> = {
  draft: '草稿',
  submitted: '待管理人（校長）核定',
  returned: '已退回修改',
  approved: '已核定',
};

export const MAX_NOTICE_LENGTH = 4000;

export interface DeliveryInput {
  channel: string;
  total: number;
  notified: number;
  /** Required for a public notice: why notifying each person would cost too much (施行細則第22條第1項但書). */
  publicReason?: string | null;
  note?: string | null;
}

export interface BatchView {
  row: SubjectNoticeBatchRecord;
  channel: Channel;
  publicReason: string | null;
  note: string | null;
  recordedByName: string;
}

export interface ReviewView {
  row: SubjectNoticeReviewRecord;
  comment: string | null;
  reviewerName: string;
}

export interface NoticeView {
  notice: SubjectNoticeRecord;
  incident: IncidentRecord;
  audience: Audience;
  audienceLabel: string;
  status: NoticeStatus;
  version: number;
  text: string;
  /** Author of the current version. */
  authorId: string;
  authorName: string;
  /** Everyone who wrote a version: none of them may approve it. */
  authorIds: string[];
  reviews: ReviewView[];
  batches: BatchView[];
  notified: number;
  total: number;
}

/** Something the person typed was masked before it was stored: the chat tells them (privacyNotice). */
export interface Masked<T> {
  value: T;
  masked: MaskFinding[];
}

/** Encryption contexts of the notice columns (src/core/privacy/encrypted-columns.ts lists them too). */
/**
 * What a delivery form was shown on (the console's page, chat's form): a new version, another status or another batch
 * since makes it stale. NoticeService.recordDelivery compares it under the notice's lock.
 */
export const deliveryBasis = (version: number, status: string, batches: number) => `${version}:${status}:${batches}`;

/**
 * How many people a notice's batches reached, out of how many it must reach. Batches are kept as recorded (append-only);
 * the sum is taken here. A later batch addressed to no more people than were left unreached before it is a follow-up
 * for them (300 / 320 by 聯絡簿, then the 20 unreached by phone: 320 / 320, not 320 / 340): it adds the people it
 * reached but not to the number to reach. A batch addressed to more people than were left unreached brings new people:
 * its whole count is added. The number reached never exceeds the number to reach.
 */
export function noticeCounts(batches: readonly { recipientsTotal: number; recipientsNotified: number }[]): {
  notified: number;
  total: number;
} {
  let total = 0;
  let notified = 0;
  for (const b of batches) {
    const unreached = total - notified;
    if (total === 0 || b.recipientsTotal > unreached) total += b.recipientsTotal;
    notified = Math.min(total, notified + b.recipientsNotified);
  }
  return { notified, total };
}

export const bodyAad = (noticeId: string, version: number) => `notice:${noticeId}:v${version}`;
export const commentAad = (noticeId: string, version: number) => `notice:${noticeId}:review:${version}`;
export const batchAad = (batchId: string, field: string) => `notice-batch:${batchId}:${field}`;

/** Stores one version's text, encrypted, inside the transaction that makes it current. */
export async function addNoticeVersion(
  deps: Pick<CoreDeps, 'cipher'>,
  tx: Pick<Repositories, 'subjectNotices'>,
  noticeId: string,
  version: number,
  text: string,
  authorId: string,
): Promise<void> {
  await tx.subjectNotices.addVersion({ noticeId, version, authorId, bodyEnc: deps.cipher.encrypt(text, bodyAad(noticeId, version)) });
}

/** Notices as read back: one with its versions, reviews and deliveries decrypted; an incident's; the full export. */
export class NoticeReader {
  constructor(
    private readonly deps: CoreDeps,
    private readonly templates: NoticeTemplates,
  ) {}

  audienceLabel(a: Audience): string {
    return this.templates.get(a).label;
  }

  async get(noticeId: string): Promise<NoticeView> {
    const { deps } = this;
    const notice = await deps.repos.subjectNotices.find(noticeId);
    if (!notice) throw new UserError('找不到這份通知稿。');
    const current = notice.versions.find((v) => v.version === notice.currentVersion)!;
    const ids = [
      ...notice.versions.map((v) => v.authorId),
      ...notice.reviews.map((r) => r.reviewerId),
      ...notice.batches.map((b) => b.recordedById),
    ];
    const people = await deps.repos.people.names([...new Set(ids)]);
    const nameOf = (id: string) => people.find((p) => p.id === id)?.displayName ?? '（已移除）';
    const audience = notice.audience as Audience;
    const { incident, versions, reviews, batches, ...row } = notice;
    return {
      notice: row,
      incident,
      audience,
      audienceLabel: this.audienceLabel(audience),
      status: notice.status as NoticeStatus,
      version: notice.currentVersion,
      text: deps.cipher.decrypt(current.bodyEnc, bodyAad(notice.id, current.version)),
      authorId: current.authorId,
      authorName: nameOf(current.authorId),
      authorIds: [...new Set(versions.map((v) => v.authorId))],
      reviews: reviews.map((r) => ({
        row: r,
        comment: r.commentEnc ? deps.cipher.decrypt(r.commentEnc, commentAad(notice.id, r.version)) : null,
        reviewerName: nameOf(r.reviewerId),
      })),
      batches: batches.map((b) => ({
        row: b,
        channel: b.channel as Channel,
        publicReason: b.publicReasonEnc ? deps.cipher.decrypt(b.publicReasonEnc, batchAad(b.id, 'publicReason')) : null,
        note: b.noteEnc ? deps.cipher.decrypt(b.noteEnc, batchAad(b.id, 'note')) : null,
        recordedByName: nameOf(b.recordedById),
      })),
      ...noticeCounts(batches),
    };
  }

  /** Every notice of an incident with every version's text, the reviews and the batches (the full export). */
  async exportNotices(incidentId: string): Promise<unknown[]> {
    const views = await this.listForIncident(incidentId);
    const out: unknown[] = [];
    for (const v of views) {
      const versions = await this.deps.repos.subjectNotices.versions(v.notice.id);
      const people = await this.deps.repos.people.names(versions.map((x) => x.authorId));
      out.push({
        audience: v.audience,
        audienceLabel: v.audienceLabel,
        status: v.status,
        currentVersion: v.version,
        approvedVersion: v.notice.approvedVersion,
        approvedAt: v.notice.approvedAt?.toISOString() ?? null,
        versions: versions.map((x) => ({
          version: x.version,
          author: people.find((p) => p.id === x.authorId)?.displayName ?? '（已移除）',
          createdAt: x.createdAt.toISOString(),
          text: this.deps.cipher.decrypt(x.bodyEnc, bodyAad(v.notice.id, x.version)),
        })),
        reviews: v.reviews.map((r) => ({
          version: r.row.version,
          decision: r.row.decision,
          reviewer: r.reviewerName,
          decidedAt: r.row.decidedAt.toISOString(),
          comment: r.comment,
        })),
        batches: v.batches.map((b) => ({
          version: b.row.version,
          channel: b.channel,
          channelLabel: CHANNEL_LABELS[b.channel],
          recipientsTotal: b.row.recipientsTotal,
          recipientsNotified: b.row.recipientsNotified,
          publicReason: b.publicReason,
          note: b.note,
          recordedBy: b.recordedByName,
          recordedAt: b.row.createdAt.toISOString(),
        })),
      });
    }
    return out;
  }

  async listForIncident(incidentId: string): Promise<NoticeView[]> {
    const rows = await this.deps.repos.subjectNotices.ofIncident(incidentId);
    const order = (a: string) => AUDIENCES.indexOf(a as Audience);
    rows.sort((a, b) => order(a.audience) - order(b.audience));
    return Promise.all(rows.map((r) => this.get(r.id)));
  }
}
