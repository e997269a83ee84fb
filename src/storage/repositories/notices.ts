import type {
  DocumentLinkRepository,
  DocumentLinkUseRecord,
  NewNoticeDelivery,
  NewSentNotice,
  NewSubjectNoticeBatch,
  NoticeDeliveryRecord,
  NoticeRepository,
  SentNoticeRecord,
  SubjectNoticeBatchRecord,
  SubjectNoticeHistory,
  SubjectNoticeRecord,
  SubjectNoticeRepository,
  SubjectNoticeReviewRecord,
  SubjectNoticeVersionRecord,
} from '../../ports/repositories/index.js';
import type { Client } from './client.js';

export class PrismaNoticeRepository implements NoticeRepository {
  constructor(private readonly db: Client) {}

  find(key: string): Promise<SentNoticeRecord | null> {
    return this.db.notice.findUnique({ where: { key } });
  }

  async claim(notice: NewSentNotice, deliveries: readonly NewNoticeDelivery[]): Promise<boolean> {
    const n = await this.db.notice.createMany({ data: [notice], skipDuplicates: true });
    if (n.count === 0) return false;
    await this.db.noticeDelivery.createMany({ data: [...deliveries] });
    return true;
  }

  unsentDeliveries(key: string): Promise<NoticeDeliveryRecord[]> {
    return this.db.noticeDelivery.findMany({ where: { noticeKey: key, status: { not: 'sent' } } });
  }

  async deliverySent(key: string, target: string, messageId: string | null, at: Date): Promise<void> {
    await this.db.noticeDelivery.update({
      where: { noticeKey_target: { noticeKey: key, target } },
      data: { status: 'sent', messageId, sentAt: at, attempts: { increment: 1 }, error: null },
    });
  }

  async deliveryFailed(key: string, target: string, error: string): Promise<void> {
    await this.db.noticeDelivery.update({
      where: { noticeKey_target: { noticeKey: key, target } },
      data: { status: 'failed', attempts: { increment: 1 }, error },
    });
  }

  async setOutcome(key: string, outcome: { sentAt: Date } | 'failed'): Promise<void> {
    await this.db.notice.update({
      where: { key },
      data: outcome === 'failed' ? { status: 'failed' } : { status: 'sent', sentAt: outcome.sentAt },
    });
  }

  countSent(key: string): Promise<number> {
    return this.db.noticeDelivery.count({ where: { noticeKey: key, status: 'sent' } });
  }

  async lateByKind(): Promise<Map<string, number>> {
    const rows = await this.db.notice.groupBy({ by: ['kind'], where: { late: true }, _count: { _all: true } });
    return new Map(rows.map((r) => [r.kind, r._count._all]));
  }

  latest(limit: number): Promise<SentNoticeRecord[]> {
    return this.db.notice.findMany({ orderBy: { dueAt: 'desc' }, take: limit });
  }

  failedDeliveries(limit: number): Promise<NoticeDeliveryRecord[]> {
    return this.db.noticeDelivery.findMany({ where: { status: 'failed' }, take: limit, orderBy: { noticeKey: 'asc' } });
  }
}

export class PrismaSubjectNoticeRepository implements SubjectNoticeRepository {
  constructor(private readonly db: Client) {}

  find(id: string): Promise<SubjectNoticeHistory | null> {
    return this.db.subjectNotice.findUnique({
      where: { id },
      include: {
        incident: true,
        versions: { orderBy: { version: 'asc' } },
        reviews: { orderBy: { version: 'asc' } },
        batches: { orderBy: { createdAt: 'asc' } },
      },
    });
  }

  forAudience(incidentId: string, audience: string): Promise<SubjectNoticeRecord | null> {
    return this.db.subjectNotice.findUnique({ where: { incidentId_audience: { incidentId, audience } } });
  }

  ofIncident(incidentId: string): Promise<Pick<SubjectNoticeRecord, 'id' | 'audience'>[]> {
    return this.db.subjectNotice.findMany({ where: { incidentId }, select: { id: true, audience: true } });
  }

  withBatches(incidentId: string): Promise<(SubjectNoticeRecord & { batches: SubjectNoticeBatchRecord[] })[]> {
    return this.db.subjectNotice.findMany({
      where: { incidentId },
      include: { batches: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } },
    });
  }

  versions(noticeId: string): Promise<SubjectNoticeVersionRecord[]> {
    return this.db.subjectNoticeVersion.findMany({ where: { noticeId }, orderBy: { version: 'asc' } });
  }

  async create(notice: Pick<SubjectNoticeRecord, 'id' | 'incidentId' | 'audience' | 'createdById'>): Promise<void> {
    await this.db.subjectNotice.create({ data: notice });
  }

  async addVersion(version: Omit<SubjectNoticeVersionRecord, 'createdAt'>): Promise<void> {
    await this.db.subjectNoticeVersion.create({ data: version });
  }

  async advance(noticeId: string, basedOn: number, version: number): Promise<boolean> {
    const n = await this.db.subjectNotice.updateMany({
      where: { id: noticeId, currentVersion: basedOn },
      data: { currentVersion: version, status: 'draft', approvedVersion: null, approvedById: null, approvedAt: null },
    });
    return n.count === 1;
  }

  async setStatus(
    noticeId: string,
    version: number,
    from: readonly string[],
    to: string,
    approval?: { approvedById: string; approvedAt: Date },
  ): Promise<boolean> {
    const n = await this.db.subjectNotice.updateMany({
      where: { id: noticeId, currentVersion: version, status: { in: [...from] } },
      data: { status: to, ...(approval ? { approvedVersion: version, ...approval } : {}) },
    });
    return n.count === 1;
  }

  async addReview(review: SubjectNoticeReviewRecord): Promise<void> {
    await this.db.subjectNoticeReview.create({ data: review });
  }

  async addBatch(batch: NewSubjectNoticeBatch): Promise<void> {
    await this.db.subjectNoticeBatch.create({ data: batch });
  }

  async lockState(noticeId: string): Promise<(SubjectNoticeRecord & { batchCount: number }) | null> {
    await this.db.$queryRaw`SELECT id FROM subject_notice WHERE id = ${noticeId} FOR UPDATE`;
    // Read after the lock: under READ COMMITTED this statement sees what a step that held the lock committed.
    const row = await this.db.subjectNotice.findUnique({ where: { id: noticeId }, include: { _count: { select: { batches: true } } } });
    if (!row) return null;
    const { _count, ...notice } = row;
    return { ...notice, batchCount: _count.batches };
  }
}

export class PrismaDocumentLinkRepository implements DocumentLinkRepository {
  constructor(private readonly db: Client) {}

  async recordUse(use: DocumentLinkUseRecord): Promise<void> {
    await this.db.documentLinkUse.create({ data: use });
  }
}
