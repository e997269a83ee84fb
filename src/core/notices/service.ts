import { createHash } from 'node:crypto';
import type { CoreDeps } from '../context.js';
import { newId } from '../ids.js';
import { UserError } from '../incidents/types.js';
import { maskPersonalData, type MaskFinding } from '../privacy/mask.js';
import { schoolOnRecord } from '../people/on-record.js';
import { can, type Actor } from '../roles.js';
import { appendTimeline } from '../timeline/timeline.js';
import { CHANNEL_LABELS, CHANNELS, NEEDS_NOTE, PUBLIC_RULE, type Channel } from './channels.js';
import { missingContact, schoolContact } from './contact.js';
import { NoticeDrafting } from './drafting.js';
import { findMeasures, refreshMeasures } from './measures.js';
import { AUDIENCES, BLANK_MARKER, type Audience, type NoticeTemplates } from './templates.js';
import {
  addNoticeVersion,
  batchAad,
  commentAad,
  deliveryBasis,
  MAX_NOTICE_LENGTH,
  NOTICE_STATUS_LABELS,
  NoticeReader,
  type DeliveryInput,
  type Masked,
  type NoticeIncident,
  type NoticeView,
} from './views.js';

const MAX_COMMENT_LENGTH = 500;

/**
 * A delivery batch refused for one of its fields: a UserError like any other in chat; the console shows it beside that
 * field (src/web/console/delivery.ts).
 */
export class DeliveryRefused extends UserError {
  constructor(
    readonly field: 'channel' | 'total' | 'notified' | 'publicReason' | 'note',
    message: string,
  ) {
    super(message);
  }
}

export const NOT_APPROVER = '只有管理人（校長）或名冊指定的代理人可以核定或退回通知稿。';
export const OWN_NOTICE = '您撰寫或修改過這份通知稿，不能核定自己的稿件；請由其他管理人或代理人核定。';

/** A form opened on one version while another was saved meanwhile. */
export const EDITED_MEANWHILE = (seen: number, now: number) =>
  `您看到的是第${seen}版，通知稿已有人修改為第${now}版；為避免蓋掉或送出別人的修改，這次沒有變更。請看最新版本後再試。`;

/**
 * A step on a notice that changed after the page or form it was taken on was shown (someone saved, decided or recorded
 * a batch meanwhile, or the same step was sent twice at the same moment): a 409 in the console.
 */
export class NoticeChangedMeanwhile extends UserError {
  constructor() {
    super('這份通知稿在您開啟這一頁之後已有人修改、處理或登記通知紀錄，這次沒有變更；請看過目前的版本與狀態再決定。');
  }
}

const NOT_APPROVED = '這份通知尚未經管理人（校長）核定，不能登記為已通知。請先送核。';
const BATCHES_STARTED = '這份通知已開始寄送，不能再修改內容。';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Notices to the affected people (issue #7): drafts per audience from the templates, versions, the principal's
 * approval (never by someone who wrote a version), and the delivery batches with counts. Every step is one
 * transaction with its timeline entry.
 */
export class NoticeService {
  private readonly reader: NoticeReader;
  private readonly drafting: NoticeDrafting;

  constructor(
    private readonly deps: CoreDeps,
    readonly templates: NoticeTemplates,
  ) {
    this.reader = new NoticeReader(deps, templates);
    this.drafting = new NoticeDrafting(deps, templates);
  }

  audienceLabel(a: Audience): string {
    return this.reader.audienceLabel(a);
  }

  /** Creates the draft for one audience from its template, or returns the one that already exists. */
  async draft(actor: Actor, incidentId: string, audience: string): Promise<{ view: NoticeView; created: boolean }> {
    const { deps } = this;
    if (!(AUDIENCES as readonly string[]).includes(audience)) throw new UserError('找不到這個通知對象。');
    const incident = await this.incidentFor(actor, incidentId);
    this.assertDrafter(actor);
    if (incident.status === 'closed') throw new UserError(`事件 ${incident.ref} 已結案，不能再新增通知稿。`);
    const existing = await deps.repos.subjectNotices.forAudience(incidentId, audience);
    if (existing) return { view: await this.get(existing.id), created: false };
    const text = await this.drafting.initialText(incident, audience as Audience, actor);
    const id = newId();
    const label = this.audienceLabel(audience as Audience);
    await deps.repos.transaction(async (tx) => {
      await tx.subjectNotices.create({ id, incidentId, audience, createdById: actor.personId });
      await addNoticeVersion(deps, tx, id, 1, text, actor.personId);
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

  /**
   * A new version of the text. A submitted or approved (not yet delivered) notice goes back to draft. `basedOn`: the
   * version the editor started from (the console's form); another version saved meanwhile is not overwritten.
   */
  async revise(actor: Actor, noticeId: string, rawText: string, basedOn?: number): Promise<Masked<NoticeView>> {
    const { deps } = this;
    const current = await this.get(noticeId);
    await this.incidentFor(actor, current.incident.id);
    this.assertDrafter(actor);
    if (basedOn !== undefined && basedOn !== current.version) throw new UserError(EDITED_MEANWHILE(basedOn, current.version));
    if (current.incident.status === 'closed') throw new UserError(`事件 ${current.incident.ref} 已結案，不能再修改通知稿。`);
    if (current.batches.length > 0) throw new UserError(BATCHES_STARTED);
    // The school's own contact on record stays in the notice: parents must be told whom to call and write to.
    const contact = await schoolContact(deps.repos, current.incident.schoolId);
    const keep = [
      ...(await schoolOnRecord(deps.repos, current.incident.schoolId)),
      ...[contact.phone, contact.email].filter((v): v is string => !!v),
    ];
    const masked = maskPersonalData(rawText.replace(/\r\n?/g, '\n').trim(), { now: deps.now(), keep });
    // The measures sentence left as the last version had it follows the checklist; one the drafter rewrote stays.
    const text = refreshMeasures(masked.text, findMeasures(current.text), await this.drafting.measuresFor(current.incident));
    if (!text) throw new UserError('通知內容不能是空白。');
    if (text.length > MAX_NOTICE_LENGTH) throw new UserError(`通知內容請在 ${MAX_NOTICE_LENGTH} 字以內（目前 ${text.length} 字）。`);
    if (text === current.text) throw new UserError('內容與目前版本相同，沒有修改。');
    const version = current.version + 1;
    const withdrawn = current.status === 'submitted' || current.status === 'approved';
    await deps.repos.transaction(async (tx) => {
      // A batch recorded at the same moment (recordDelivery holds the same lock) keeps the text as it went out.
      if (((await tx.subjectNotices.lockState(noticeId))?.batchCount ?? 0) > 0) throw new UserError(BATCHES_STARTED);
      if (!(await tx.subjectNotices.advance(noticeId, current.version, version))) {
        throw new UserError('通知稿剛被其他人修改，請重新開啟後再試。');
      }
      await addNoticeVersion(deps, tx, noticeId, version, text, actor.personId);
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

  /** Sends the current version to the principal for approval (`version`: the one the person saw, when known). */
  async submit(actor: Actor, noticeId: string, version?: number): Promise<NoticeView> {
    const { deps } = this;
    const current = await this.get(noticeId);
    await this.incidentFor(actor, current.incident.id);
    this.assertDrafter(actor);
    if (version !== undefined && version !== current.version) throw new UserError(EDITED_MEANWHILE(version, current.version));
    if (current.status === 'submitted') throw new UserError('這份通知稿已送核，正等待管理人（校長）核定。');
    if (current.status === 'approved') throw new UserError('這份通知稿已核定。');
    // A version sent back is revised before it goes again: the principal asked for a change, and a decision is kept
    // per version (the review card of that version shows it).
    if (current.reviews.some((r) => r.row.version === current.version)) {
      throw new UserError(`第${current.version}版已被退回，請依管理人（校長）的意見修改後再送核。`);
    }
    const blank = BLANK_MARKER.exec(current.text);
    if (blank) throw new UserError(`通知稿還有待填寫的地方：${blank[0]}。請修改後再送核。`);
    const missing = missingContact(current.text, await schoolContact(deps.repos, current.incident.schoolId));
    if (missing.length) {
      throw new UserError(`通知須提供查詢及協助管道（個人資料保護法施行細則第22條）：請在通知中列出本校的${missing.join('及')}後再送核。`);
    }
    await deps.repos.transaction(async (tx) => {
      if (!(await tx.subjectNotices.setStatus(noticeId, current.version, ['draft', 'returned'], 'submitted'))) {
        throw new UserError('通知稿剛被其他人變更，請重新開啟後再試。');
      }
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

  /**
   * 改送代理人核定 (the principal away): the submitted version's review was sent to `asked` acting approvers as well.
   * Nothing about the notice changes; the timeline keeps who asked, when, and for which version.
   */
  async recordSentToActing(actor: Actor, noticeId: string, asked: number): Promise<void> {
    const current = await this.get(noticeId);
    const { deps } = this;
    await deps.repos.transaction(async (tx) => {
      await appendTimeline(deps, tx, current.incident.id, {
        actorId: actor.personId,
        actorLabel: actor.displayName,
        type: 'notice.to-acting',
        summary: `${actor.displayName} 將通知稿（${current.audienceLabel}）第${current.version}版改送代理人核定（${asked} 位）`,
        detail: { noticeId, version: current.version, asked },
      });
    });
  }

  /** The principal approves the submitted version. */
  async approve(actor: Actor, noticeId: string, version: number): Promise<NoticeView> {
    const current = await this.reviewable(actor, noticeId, version);
    const { deps } = this;
    await deps.repos.transaction(async (tx) => {
      const now = deps.now();
      const approval = { approvedById: actor.personId, approvedAt: now };
      if (!(await tx.subjectNotices.setStatus(noticeId, version, ['submitted'], 'approved', approval))) {
        throw new UserError('這份通知稿剛被其他人處理或修改，請查看最新狀態。');
      }
      await tx.subjectNotices.addReview({
        id: newId(),
        noticeId,
        version,
        reviewerId: actor.personId,
        decision: 'approved',
        commentEnc: null,
        decidedAt: now,
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
    const keep = await schoolOnRecord(deps.repos, current.incident.schoolId);
    const masked = maskPersonalData(rawComment.trim(), { now: deps.now(), keep });
    const comment = masked.text;
    if (!comment) throw new UserError('退回時請寫下修改意見。');
    if (comment.length > MAX_COMMENT_LENGTH) throw new UserError(`修改意見請在 ${MAX_COMMENT_LENGTH} 字以內。`);
    await deps.repos.transaction(async (tx) => {
      const now = deps.now();
      if (!(await tx.subjectNotices.setStatus(noticeId, version, ['submitted'], 'returned'))) {
        throw new UserError('這份通知稿剛被其他人處理或修改，請查看最新狀態。');
      }
      await tx.subjectNotices.addReview({
        id: newId(),
        noticeId,
        version,
        reviewerId: actor.personId,
        decision: 'returned',
        commentEnc: deps.cipher.encrypt(comment, commentAad(noticeId, version)),
        decidedAt: now,
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

  /**
   * Records that an approved notice went out to a batch of recipients (counts only). `basis`: what the page or form
   * was shown on (deliveryBasis); refused with NoticeChangedMeanwhile when the notice changed since. Both that and the
   * approval are checked again inside the transaction under the notice's row lock, so of two posts of one page at the
   * same moment (a double tap on 登記) exactly one batch is recorded, and a revision at the same moment waits or is
   * refused.
   */
  async recordDelivery(actor: Actor, noticeId: string, input: DeliveryInput, basis?: string): Promise<Masked<NoticeView>> {
    const { deps } = this;
    const current = await this.get(noticeId);
    await this.incidentFor(actor, current.incident.id);
    if (!can(actor, 'incident.coordinate')) throw new UserError('只有個資聯絡窗口或校長可以登記通知紀錄。');
    if (basis !== undefined && deliveryBasis(current.version, current.status, current.batches.length) !== basis) {
      throw new NoticeChangedMeanwhile();
    }
    if (current.status !== 'approved' || current.notice.approvedVersion !== current.version) throw new UserError(NOT_APPROVED);
    if (!(CHANNELS as readonly string[]).includes(input.channel)) {
      throw new DeliveryRefused('channel', `請選擇通知方式：${CHANNELS.map((c) => CHANNEL_LABELS[c]).join('、')}。`);
    }
    const channel = input.channel as Channel;
    if (!Number.isInteger(input.total) || input.total < 1) throw new DeliveryRefused('total', '應通知人數請填 1 以上的整數。');
    if (!Number.isInteger(input.notified) || input.notified < 0 || input.notified > input.total) {
      throw new DeliveryRefused('notified', '已通知人數請填 0 到應通知人數之間的整數。');
    }
    const findings: MaskFinding[] = [];
    const keep = await schoolOnRecord(deps.repos, current.incident.schoolId);
    const clean = (s: string | null | undefined, max: number) => {
      if (!s?.trim()) return null;
      const m = maskPersonalData(s.trim(), { now: deps.now(), keep });
      findings.push(...m.findings);
      return m.text.slice(0, max);
    };
    const publicReason = clean(input.publicReason, 300);
    const note = clean(input.note, 300);
    if (channel === 'public' && !publicReason) {
      throw new DeliveryRefused('publicReason', `以公開方式（網際網路、新聞媒體等）通知時，請說明為何個別通知需費過鉅（${PUBLIC_RULE}）。`);
    }
    if (NEEDS_NOTE.includes(channel) && !note) {
      throw new DeliveryRefused('note', '選「其他方式」時，請在備註寫下用什麼方式讓當事人知悉（不要寫收件人的姓名或聯絡方式）。');
    }
    const id = newId();
    await deps.repos.transaction(async (tx) => {
      const now = await tx.subjectNotices.lockState(noticeId);
      if (now?.status !== 'approved' || now.approvedVersion !== now.currentVersion) throw new UserError(NOT_APPROVED);
      const stale =
        basis !== undefined
          ? deliveryBasis(now.currentVersion, now.status, now.batchCount) !== basis
          : now.currentVersion !== current.version;
      if (stale) throw new NoticeChangedMeanwhile();
      await tx.subjectNotices.addBatch({
        id,
        noticeId,
        version: current.version,
        channel,
        recipientsTotal: input.total,
        recipientsNotified: input.notified,
        publicReasonEnc: publicReason ? deps.cipher.encrypt(publicReason, batchAad(id, 'publicReason')) : null,
        noteEnc: note ? deps.cipher.encrypt(note, batchAad(id, 'note')) : null,
        recordedById: actor.personId,
      });
      await appendTimeline(deps, tx, current.incident.id, {
        actorId: actor.personId,
        actorLabel: actor.displayName,
        type: 'notice.delivered',
        summary: `${actor.displayName} 登記通知（${current.audienceLabel}）：${CHANNEL_LABELS[channel]}，已通知 ${input.notified} / ${input.total} 人`,
        detail: {
          noticeId,
          batchId: id,
          version: current.version,
          channel,
          total: input.total,
          notified: input.notified,
          publicReason,
          note,
        },
      });
    });
    return { value: await this.get(noticeId), masked: findings };
  }

  get(noticeId: string): Promise<NoticeView> {
    return this.reader.get(noticeId);
  }

  /** Every notice of an incident with every version's text, the reviews and the batches (the full export). */
  exportNotices(incidentId: string): Promise<unknown[]> {
    return this.reader.exportNotices(incidentId);
  }

  listForIncident(incidentId: string): Promise<NoticeView[]> {
    return this.reader.listForIncident(incidentId);
  }

  /** Audiences the assessment points at (minors → their guardians), for the drafter's suggestions. */
  suggestedAudiences(incident: NoticeIncident): Audience[] {
    return this.drafting.suggestedAudiences(incident);
  }

  /** The current text with its generated measures sentence brought up to date: the start of the edit form. */
  refreshedText(view: NoticeView): Promise<string> {
    return this.drafting.refreshedText(view);
  }

  // ------------------------------------------------------------------ internals

  private async incidentFor(actor: Actor, incidentId: string): Promise<NoticeIncident> {
    const incident = await this.deps.repos.incidents.find(incidentId);
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
