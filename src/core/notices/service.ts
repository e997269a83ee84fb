import { createHash } from 'node:crypto';
import type { Incident, Prisma, SubjectNotice, SubjectNoticeBatch, SubjectNoticeReview } from '../../generated/prisma/client.js';
import type { CoreDeps } from '../context.js';
import { newId } from '../ids.js';
import { UserError } from '../incidents/types.js';
import { maskPersonalData, type MaskFinding } from '../privacy/mask.js';
import { schoolOnRecord } from '../people/on-record.js';
import { can, hasRole, type Actor } from '../roles.js';
import { appendTimeline } from '../timeline/timeline.js';
import { formatRocDate } from '../time/roc.js';
import { CHANNEL_LABELS, CHANNELS, NEEDS_NOTE, PUBLIC_RULE, type Channel } from './channels.js';
import { MISSING_EMAIL, MISSING_PHONE, missingContact, schoolContact } from './contact.js';
import { findMeasures, measuresSentence, refreshMeasures } from './measures.js';
import { AUDIENCES, BLANK_MARKER, renderNotice, type Audience, type NoticeFacts, type NoticeTemplates } from './templates.js';

type Tx = Prisma.TransactionClient;

export const NOTICE_STATUSES = ['draft', 'submitted', 'returned', 'approved'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];

export const NOTICE_STATUS_LABELS: Record<NoticeStatus, string> = {
  draft: '草稿',
  submitted: '待管理人（校長）核定',
  returned: '已退回修改',
  approved: '已核定',
};

export { CHANNEL_LABELS, CHANNELS, type Channel } from './channels.js';

export const MAX_NOTICE_LENGTH = 4000;
const MAX_COMMENT_LENGTH = 500;

export interface DeliveryInput {
  channel: string;
  total: number;
  notified: number;
  /** Required for a public notice: why notifying each person would cost too much (施行細則第22條第1項但書). */
  publicReason?: string | null;
  note?: string | null;
}

export interface BatchView {
  row: SubjectNoticeBatch;
  channel: Channel;
  publicReason: string | null;
  note: string | null;
  recordedByName: string;
}

export interface ReviewView {
  row: SubjectNoticeReview;
  comment: string | null;
  reviewerName: string;
}

export interface NoticeView {
  notice: SubjectNotice;
  incident: Incident;
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

const bodyAad = (noticeId: string, version: number) => `notice:${noticeId}:v${version}`;
const commentAad = (noticeId: string, version: number) => `notice:${noticeId}:review:${version}`;
const batchAad = (batchId: string, field: string) => `notice-batch:${batchId}:${field}`;
const incidentAad = (incidentId: string, field: string) => `incident:${incidentId}:${field}`;

export const NOT_APPROVER = '只有管理人（校長）或名冊指定的代理人可以核定或退回通知稿。';
export const OWN_NOTICE = '您撰寫或修改過這份通知稿，不能核定自己的稿件；請由其他管理人或代理人核定。';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Notices to the affected people (issue #7): drafts per audience from the templates, versions, the principal's
 * approval (never by someone who wrote a version), and the delivery batches with counts. Every step is one
 * transaction with its timeline entry.
 */
export class NoticeService {
  constructor(
    private readonly deps: CoreDeps,
    readonly templates: NoticeTemplates,
  ) {}

  audienceLabel(a: Audience): string {
    return this.templates.get(a).label;
  }

  /** Creates the draft for one audience from its template, or returns the one that already exists. */
  async draft(actor: Actor, incidentId: string, audience: string): Promise<{ view: NoticeView; created: boolean }> {
    const { deps } = this;
    if (!(AUDIENCES as readonly string[]).includes(audience)) throw new UserError('找不到這個通知對象。');
    const incident = await this.incidentFor(actor, incidentId);
    this.assertDrafter(actor);
    if (incident.status === 'closed') throw new UserError(`事件 ${incident.ref} 已結案，不能再新增通知稿。`);
    const existing = await deps.prisma.subjectNotice.findUnique({ where: { incidentId_audience: { incidentId, audience } } });
    if (existing) return { view: await this.get(existing.id), created: false };
    const text = await this.initialText(incident, audience as Audience, actor);
    const id = newId();
    const label = this.audienceLabel(audience as Audience);
    await deps.prisma.$transaction(async (tx) => {
      await tx.subjectNotice.create({ data: { id, incidentId, audience, createdById: actor.personId } });
      await this.addVersion(tx, id, 1, text, actor.personId);
      await appendTimeline(deps, tx, incidentId, {
        actorId: actor.personId,
        actorLabel: actor.displayName,
        type: 'notice.drafted',
        summary: `${actor.displayName} 建立通知稿（${label}）第1版`,
        detail: { noticeId: id, audience, version: 1, text, sha256: sha256(text) },
      });
    });
    return { view: await this.get(id), created: true };
  }

  /** A new version of the text. A submitted or approved (not yet delivered) notice goes back to draft. */
  async revise(actor: Actor, noticeId: string, rawText: string): Promise<Masked<NoticeView>> {
    const { deps } = this;
    const current = await this.get(noticeId);
    await this.incidentFor(actor, current.incident.id);
    this.assertDrafter(actor);
    if (current.incident.status === 'closed') throw new UserError(`事件 ${current.incident.ref} 已結案，不能再修改通知稿。`);
    if (current.batches.length > 0) throw new UserError('這份通知已開始寄送，不能再修改內容。');
    // The school's own contact on record stays in the notice: parents must be told whom to call and write to.
    const contact = await schoolContact(deps.prisma, current.incident.schoolId);
    const keep = [...(await schoolOnRecord(deps.prisma, current.incident.schoolId)), ...[contact.phone, contact.email].filter((v): v is string => !!v)];
    const masked = maskPersonalData(rawText.replace(/\r\n?/g, '\n').trim(), { now: deps.now(), keep });
    // The measures sentence left as the last version had it follows the checklist; one the drafter rewrote stays.
    const text = refreshMeasures(masked.text, findMeasures(current.text), await this.measuresFor(current.incident));
    if (!text) throw new UserError('通知內容不能是空白。');
    if (text.length > MAX_NOTICE_LENGTH) throw new UserError(`通知內容請在 ${MAX_NOTICE_LENGTH} 字以內（目前 ${text.length} 字）。`);
    if (text === current.text) throw new UserError('內容與目前版本相同，沒有修改。');
    const version = current.version + 1;
    const withdrawn = current.status === 'submitted' || current.status === 'approved';
    await deps.prisma.$transaction(async (tx) => {
      const n = await tx.subjectNotice.updateMany({
        where: { id: noticeId, currentVersion: current.version },
        data: { currentVersion: version, status: 'draft', approvedVersion: null, approvedById: null, approvedAt: null },
      });
      if (n.count !== 1) throw new UserError('通知稿剛被其他人修改，請重新開啟後再試。');
      await this.addVersion(tx, noticeId, version, text, actor.personId);
      await appendTimeline(deps, tx, current.incident.id, {
        actorId: actor.personId,
        actorLabel: actor.displayName,
        type: 'notice.revised',
        summary: `${actor.displayName} 修改通知稿（${current.audienceLabel}）為第${version}版${withdrawn ? `（原「${NOTICE_STATUS_LABELS[current.status]}」的第${current.version}版需重新核定）` : ''}`,
        detail: { noticeId, audience: current.audience, version, previousStatus: current.status, text, sha256: sha256(text) },
      });
    });
    return { value: await this.get(noticeId), masked: masked.findings };
  }

  /** Sends the current version to the principal for approval. */
  async submit(actor: Actor, noticeId: string): Promise<NoticeView> {
    const { deps } = this;
    const current = await this.get(noticeId);
    await this.incidentFor(actor, current.incident.id);
    this.assertDrafter(actor);
    if (current.status === 'submitted') throw new UserError('這份通知稿已送核，正等待管理人（校長）核定。');
    if (current.status === 'approved') throw new UserError('這份通知稿已核定。');
    // A version sent back is revised before it goes again: the principal asked for a change, and a decision is kept
    // per version (the review card of that version shows it).
    if (current.reviews.some((r) => r.row.version === current.version)) {
      throw new UserError(`第${current.version}版已被退回，請依管理人（校長）的意見修改後再送核。`);
    }
    const blank = BLANK_MARKER.exec(current.text);
    if (blank) throw new UserError(`通知稿還有待填寫的地方：${blank[0]}。請修改後再送核。`);
    const missing = missingContact(current.text, await schoolContact(deps.prisma, current.incident.schoolId));
    if (missing.length) {
      throw new UserError(`通知須提供查詢及協助管道（個人資料保護法施行細則第22條）：請在通知中列出本校的${missing.join('及')}後再送核。`);
    }
    await deps.prisma.$transaction(async (tx) => {
      const n = await tx.subjectNotice.updateMany({
        where: { id: noticeId, currentVersion: current.version, status: { in: ['draft', 'returned'] } },
        data: { status: 'submitted' },
      });
      if (n.count !== 1) throw new UserError('通知稿剛被其他人變更，請重新開啟後再試。');
      await appendTimeline(deps, tx, current.incident.id, {
        actorId: actor.personId,
        actorLabel: actor.displayName,
        type: 'notice.submitted',
        summary: `${actor.displayName} 將通知稿（${current.audienceLabel}）第${current.version}版送管理人（校長）核定`,
        detail: { noticeId, version: current.version, sha256: sha256(current.text) },
      });
    });
    return this.get(noticeId);
  }

  /** The principal approves the submitted version. */
  async approve(actor: Actor, noticeId: string, version: number): Promise<NoticeView> {
    const current = await this.reviewable(actor, noticeId, version);
    const { deps } = this;
    await deps.prisma.$transaction(async (tx) => {
      const now = deps.now();
      const n = await tx.subjectNotice.updateMany({
        where: { id: noticeId, currentVersion: version, status: 'submitted' },
        data: { status: 'approved', approvedVersion: version, approvedById: actor.personId, approvedAt: now },
      });
      if (n.count !== 1) throw new UserError('這份通知稿剛被其他人處理或修改，請查看最新狀態。');
      await tx.subjectNoticeReview.create({
        data: { id: newId(), noticeId, version, reviewerId: actor.personId, decision: 'approved', decidedAt: now },
      });
      await appendTimeline(deps, tx, current.incident.id, {
        actorId: actor.personId,
        actorLabel: actor.displayName,
        type: 'notice.approved',
        summary: `${actor.displayName} 核定通知稿（${current.audienceLabel}）第${version}版`,
        detail: { noticeId, version, sha256: sha256(current.text) },
      });
    });
    return this.get(noticeId);
  }

  /** The principal sends the submitted version back with a comment (required). */
  async sendBack(actor: Actor, noticeId: string, version: number, rawComment: string): Promise<Masked<NoticeView>> {
    const current = await this.reviewable(actor, noticeId, version);
    const { deps } = this;
    const keep = await schoolOnRecord(deps.prisma, current.incident.schoolId);
    const masked = maskPersonalData(rawComment.trim(), { now: deps.now(), keep });
    const comment = masked.text;
    if (!comment) throw new UserError('退回時請寫下修改意見。');
    if (comment.length > MAX_COMMENT_LENGTH) throw new UserError(`修改意見請在 ${MAX_COMMENT_LENGTH} 字以內。`);
    await deps.prisma.$transaction(async (tx) => {
      const now = deps.now();
      const n = await tx.subjectNotice.updateMany({
        where: { id: noticeId, currentVersion: version, status: 'submitted' },
        data: { status: 'returned' },
      });
      if (n.count !== 1) throw new UserError('這份通知稿剛被其他人處理或修改，請查看最新狀態。');
      await tx.subjectNoticeReview.create({
        data: {
          id: newId(),
          noticeId,
          version,
          reviewerId: actor.personId,
          decision: 'returned',
          commentEnc: deps.cipher.encrypt(comment, commentAad(noticeId, version)),
          decidedAt: now,
        },
      });
      await appendTimeline(deps, tx, current.incident.id, {
        actorId: actor.personId,
        actorLabel: actor.displayName,
        type: 'notice.returned',
        summary: `${actor.displayName} 退回通知稿（${current.audienceLabel}）第${version}版，請修改`,
        detail: { noticeId, version, comment },
      });
    });
    return { value: await this.get(noticeId), masked: masked.findings };
  }

  /** Records that an approved notice went out to a batch of recipients (counts only). */
  async recordDelivery(actor: Actor, noticeId: string, input: DeliveryInput): Promise<Masked<NoticeView>> {
    const { deps } = this;
    const current = await this.get(noticeId);
    await this.incidentFor(actor, current.incident.id);
    if (!can(actor, 'incident.coordinate')) throw new UserError('只有個資聯絡窗口或校長可以登記通知紀錄。');
    if (current.status !== 'approved' || current.notice.approvedVersion !== current.version) {
      throw new UserError('這份通知尚未經管理人（校長）核定，不能登記為已通知。請先送核。');
    }
    if (!(CHANNELS as readonly string[]).includes(input.channel)) {
      throw new UserError(`請選擇通知方式：${CHANNELS.map((c) => CHANNEL_LABELS[c]).join('、')}。`);
    }
    const channel = input.channel as Channel;
    if (!Number.isInteger(input.total) || input.total < 1) throw new UserError('應通知人數請填 1 以上的整數。');
    if (!Number.isInteger(input.notified) || input.notified < 0 || input.notified > input.total) {
      throw new UserError('已通知人數請填 0 到應通知人數之間的整數。');
    }
    const findings: MaskFinding[] = [];
    const keep = await schoolOnRecord(deps.prisma, current.incident.schoolId);
    const clean = (s: string | null | undefined, max: number) => {
      if (!s?.trim()) return null;
      const m = maskPersonalData(s.trim(), { now: deps.now(), keep });
      findings.push(...m.findings);
      return m.text.slice(0, max);
    };
    const publicReason = clean(input.publicReason, 300);
    const note = clean(input.note, 300);
    if (channel === 'public' && !publicReason) {
      throw new UserError(`以公開方式（網際網路、新聞媒體等）通知時，請說明為何個別通知需費過鉅（${PUBLIC_RULE}）。`);
    }
    if (NEEDS_NOTE.includes(channel) && !note) {
      throw new UserError('選「其他方式」時，請在備註寫下用什麼方式讓當事人知悉（不要寫收件人的姓名或聯絡方式）。');
    }
    const id = newId();
    await deps.prisma.$transaction(async (tx) => {
      await tx.subjectNoticeBatch.create({
        data: {
          id,
          noticeId,
          version: current.version,
          channel,
          recipientsTotal: input.total,
          recipientsNotified: input.notified,
          publicReasonEnc: publicReason ? deps.cipher.encrypt(publicReason, batchAad(id, 'publicReason')) : null,
          noteEnc: note ? deps.cipher.encrypt(note, batchAad(id, 'note')) : null,
          recordedById: actor.personId,
        },
      });
      await appendTimeline(deps, tx, current.incident.id, {
        actorId: actor.personId,
        actorLabel: actor.displayName,
        type: 'notice.delivered',
        summary: `${actor.displayName} 登記通知（${current.audienceLabel}）：${CHANNEL_LABELS[channel]}，已通知 ${input.notified} / ${input.total} 人`,
        detail: { noticeId, batchId: id, version: current.version, channel, total: input.total, notified: input.notified, publicReason, note },
      });
    });
    return { value: await this.get(noticeId), masked: findings };
  }

  async get(noticeId: string): Promise<NoticeView> {
    const { deps } = this;
    const notice = await deps.prisma.subjectNotice.findUnique({
      where: { id: noticeId },
      include: {
        incident: true,
        versions: { orderBy: { version: 'asc' } },
        reviews: { orderBy: { version: 'asc' } },
        batches: { orderBy: { createdAt: 'asc' } },
      },
    });
    if (!notice) throw new UserError('找不到這份通知稿。');
    const current = notice.versions.find((v) => v.version === notice.currentVersion)!;
    const ids = [...notice.versions.map((v) => v.authorId), ...notice.reviews.map((r) => r.reviewerId), ...notice.batches.map((b) => b.recordedById)];
    const people = await deps.prisma.person.findMany({ where: { id: { in: [...new Set(ids)] } }, select: { id: true, displayName: true } });
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
      notified: batches.reduce((s, b) => s + b.recipientsNotified, 0),
      total: batches.reduce((s, b) => s + b.recipientsTotal, 0),
    };
  }

  /** Every notice of an incident with every version's text, the reviews and the batches (the full export). */
  async exportNotices(incidentId: string): Promise<unknown[]> {
    const views = await this.listForIncident(incidentId);
    const out: unknown[] = [];
    for (const v of views) {
      const versions = await this.deps.prisma.subjectNoticeVersion.findMany({ where: { noticeId: v.notice.id }, orderBy: { version: 'asc' } });
      const people = await this.deps.prisma.person.findMany({ where: { id: { in: versions.map((x) => x.authorId) } }, select: { id: true, displayName: true } });
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
        reviews: v.reviews.map((r) => ({ version: r.row.version, decision: r.row.decision, reviewer: r.reviewerName, decidedAt: r.row.decidedAt.toISOString(), comment: r.comment })),
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
    const rows = await this.deps.prisma.subjectNotice.findMany({ where: { incidentId }, select: { id: true, audience: true } });
    const order = (a: string) => AUDIENCES.indexOf(a as Audience);
    rows.sort((a, b) => order(a.audience) - order(b.audience));
    return Promise.all(rows.map((r) => this.get(r.id)));
  }

  /** Audiences the assessment points at (minors → their guardians), for the drafter's suggestions. */
  suggestedAudiences(incident: Incident): Audience[] {
    const out = new Set<Audience>();
    const kinds = new Set(incident.affectedKinds);
    const minors = incident.minorsCount ?? 0;
    const students = incident.studentsCount ?? 0;
    if (minors > 0 || kinds.has('guardians') || kinds.has('students')) out.add('guardians');
    if (students > minors) out.add('adult-students');
    if ((incident.staffCount ?? 0) > 0 || kinds.has('staff')) out.add('staff');
    if ((incident.othersCount ?? 0) > 0 || kinds.has('others')) out.add('others');
    return AUDIENCES.filter((a) => out.has(a));
  }

  // ------------------------------------------------------------------ internals

  private async initialText(incident: Incident, audience: Audience, actor: Actor): Promise<string> {
    const { deps } = this;
    const school = await deps.prisma.school.findUniqueOrThrow({ where: { id: incident.schoolId } });
    const contact = await schoolContact(deps.prisma, incident.schoolId, actor);
    const categories = incident.categories.map((k) => deps.playbooks.category(k)?.label ?? k);
    const facts: NoticeFacts = {
      schoolName: school.name,
      ref: incident.ref,
      occurredDate: formatRocDate(incident.occurredAt),
      awareDate: formatRocDate(incident.awareAt),
      noticeDate: formatRocDate(deps.now()),
      howLeaked: deps.cipher.decrypt(incident.howLeakedEnc, incidentAad(incident.id, 'howLeaked')).replace(/[。.\s]+$/, ''),
      categories: categories.length ? categories.join('、') : '（評估中）',
      stepsTaken: deps.cipher.decrypt(incident.stepsTakenEnc, incidentAad(incident.id, 'stepsTaken')).replace(/[。.\s]+$/, ''),
      measures: await this.measuresFor(incident),
      contactUnit: contact.unit ?? '個資聯絡窗口',
      contactName: contact.name ?? '',
      contactPhone: contact.phone ?? MISSING_PHONE,
      contactEmail: contact.email ?? MISSING_EMAIL,
    };
    return renderNotice(this.templates.get(audience), facts);
  }

  /** The measures sentence from the incident's checklist as it stands (measures.ts). */
  async measuresFor(incident: Incident): Promise<string> {
    const rows = await this.deps.prisma.checklistItem.findMany({ where: { incidentId: incident.id } });
    const defs = this.deps.playbooks.get(incident.playbookId).checklist;
    return measuresSentence(rows.map((r) => ({ ...r, def: defs.find((d) => d.key === r.key) })));
  }

  /** The current text with its generated measures sentence brought up to date: the start of the edit form. */
  async refreshedText(view: NoticeView): Promise<string> {
    const sentence = findMeasures(view.text);
    return refreshMeasures(view.text, sentence, await this.measuresFor(view.incident));
  }

  private async addVersion(tx: Tx, noticeId: string, version: number, text: string, authorId: string) {
    await tx.subjectNoticeVersion.create({
      data: { noticeId, version, authorId, bodyEnc: this.deps.cipher.encrypt(text, bodyAad(noticeId, version)) },
    });
  }

  private async incidentFor(actor: Actor, incidentId: string): Promise<Incident> {
    const incident = await this.deps.prisma.incident.findUnique({ where: { id: incidentId } });
    if (!incident || incident.schoolId !== actor.schoolId) throw new UserError('找不到這個事件。');
    return incident;
  }

  private assertDrafter(actor: Actor) {
    if (!can(actor, 'incident.coordinate')) throw new UserError('只有個資聯絡窗口或校長可以撰寫通知稿。');
  }

  /**
   * Who may decide on a submitted version: the principal (管理人) or the acting approver (代理人) the roster names, and
   * never someone who wrote one of its versions (four eyes: the drafter's own text is checked by another person).
   */
  async reviewable(actor: Actor, noticeId: string, version: number): Promise<NoticeView> {
    const current = await this.get(noticeId);
    await this.incidentFor(actor, current.incident.id);
    if (!can(actor, 'notice.approve')) throw new UserError(NOT_APPROVER);
    if (current.authorIds.includes(actor.personId)) throw new UserError(OWN_NOTICE);
    if (current.status !== 'submitted' || current.version !== version) {
      throw new UserError(
        current.version !== version
          ? `這是第${version}版，通知稿已修改為第${current.version}版，請看最新版本。`
          : `這份通知稿目前為「${NOTICE_STATUS_LABELS[current.status]}」，不需要再核定。`,
      );
    }
    return current;
  }
}
