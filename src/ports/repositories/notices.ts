import type { IncidentRecord } from './incidents.js';

/**
 * A reminder or a school's daily digest as claimed before it is sent (table notice; src/jobs): its key is the claim,
 * so two instances never send one twice; its deliveries (notice_delivery) are the conversations it goes to.
 */
export interface SentNoticeRecord {
  key: string;
  /** reminder | digest */
  kind: string;
  schoolId: string;
  incidentId: string | null;
  clockId: string | null;
  slot: string | null;
  level: number;
  dueAt: Date;
  late: boolean;
  jobId: string | null;
  /** sending | sent | failed */
  status: string;
  createdAt: Date;
  sentAt: Date | null;
}

/** One message of a notice to one conversation; its idempotency key goes down to the chat adapter. */
export interface NoticeDeliveryRecord {
  noticeKey: string;
  /** Unique within a notice: dm:<personId>:<platform> or group:<conversationId>. */
  target: string;
  platform: string;
  externalId: string;
  conversationKind: string;
  personId: string | null;
  idempotencyKey: string;
  /** pending | sent | failed */
  status: string;
  attempts: number;
  error: string | null;
  messageId: string | null;
  sentAt: Date | null;
}

export type NewSentNotice = Pick<SentNoticeRecord, 'key' | 'kind' | 'schoolId' | 'level' | 'dueAt' | 'late' | 'jobId' | 'createdAt'> &
  Partial<Pick<SentNoticeRecord, 'incidentId' | 'clockId' | 'slot'>>;
export type NewNoticeDelivery = Pick<
  NoticeDeliveryRecord,
  'noticeKey' | 'target' | 'platform' | 'externalId' | 'conversationKind' | 'personId' | 'idempotencyKey'
>;

/** The reminders' and digests' claims and deliveries (src/jobs/reminders.ts, digest.ts, deliver.ts). */
export interface NoticeRepository {
  find(key: string): Promise<SentNoticeRecord | null>;
  /**
   * Claims the notice with its deliveries (pending); false when the key was claimed already, and nothing is written.
   * Two statements: run it in a transaction (`repos.transaction`).
   */
  claim(notice: NewSentNotice, deliveries: readonly NewNoticeDelivery[]): Promise<boolean>;
  /** The notice's deliveries not sent yet (pending, or failed before). */
  unsentDeliveries(key: string): Promise<NoticeDeliveryRecord[]>;
  /** One delivery was posted: its message id, one more attempt, no error. */
  deliverySent(key: string, target: string, messageId: string | null, at: Date): Promise<void>;
  /** One delivery failed: one more attempt, the error (cut to 500 characters by the caller). */
  deliveryFailed(key: string, target: string, error: string): Promise<void>;
  /** Marks the notice sent at `at`, or failed (`at` null: the job is retried). */
  setOutcome(key: string, outcome: { sentAt: Date } | 'failed'): Promise<void>;
  /** How many of the notice's deliveries were sent. */
  countSent(key: string): Promise<number>;
  /** How many notices went out late, per kind (every instance; GET /metrics and `npm run jobs`). */
  lateByKind(): Promise<Map<string, number>>;
  /** The latest notices, by due time, newest first (`npm run jobs`). */
  latest(limit: number): Promise<SentNoticeRecord[]>;
  /** Deliveries that failed, by notice key (`npm run jobs`). */
  failedDeliveries(limit: number): Promise<NoticeDeliveryRecord[]>;
}

/**
 * A notice to the people whose data leaked, for one audience of an incident (table subject_notice; issue #7,
 * src/core/notices): draft → submitted → returned or approved. Its texts, the principal's decisions and the delivery
 * batches are rows of their own; the encrypted fields (…Enc) are ciphertext, the service decrypts them.
 */
export interface SubjectNoticeRecord {
  id: string;
  incidentId: string;
  /** guardians | adult-students | staff | others */
  audience: string;
  /** draft | submitted | returned | approved */
  status: string;
  currentVersion: number;
  approvedVersion: number | null;
  approvedById: string | null;
  approvedAt: Date | null;
  createdById: string;
  createdAt: Date;
  updatedAt: Date;
}

/** One version of a notice's text (subject_notice_version). */
export interface SubjectNoticeVersionRecord {
  noticeId: string;
  version: number;
  bodyEnc: string;
  authorId: string;
  createdAt: Date;
}

/** The principal's decision on one submitted version (subject_notice_review). */
export interface SubjectNoticeReviewRecord {
  id: string;
  noticeId: string;
  version: number;
  reviewerId: string;
  /** approved | returned */
  decision: string;
  commentEnc: string | null;
  decidedAt: Date;
}

/** One delivery batch of an approved notice: channel and counts, never the recipients (subject_notice_batch). */
export interface SubjectNoticeBatchRecord {
  id: string;
  noticeId: string;
  version: number;
  /** letter | phone | sms | email | in-person | public */
  channel: string;
  recipientsTotal: number;
  recipientsNotified: number;
  publicReasonEnc: string | null;
  noteEnc: string | null;
  recordedById: string;
  createdAt: Date;
}

/** A notice with its incident, every version, the decisions (by version) and the batches (in order). */
export interface SubjectNoticeHistory extends SubjectNoticeRecord {
  incident: IncidentRecord;
  versions: SubjectNoticeVersionRecord[];
  reviews: SubjectNoticeReviewRecord[];
  batches: SubjectNoticeBatchRecord[];
}

export type NewSubjectNoticeBatch = Omit<SubjectNoticeBatchRecord, 'createdAt'>;

/** The notices to the people affected (src/core/notices): each method is one statement. */
export interface SubjectNoticeRepository {
  find(id: string): Promise<SubjectNoticeHistory | null>;
  /** The notice of one audience of the incident (at most one). */
  forAudience(incidentId: string, audience: string): Promise<SubjectNoticeRecord | null>;
  /** The incident's notices: id and audience. */
  ofIncident(incidentId: string): Promise<Pick<SubjectNoticeRecord, 'id' | 'audience'>[]>;
  /** The incident's notices with their delivery batches (the reports). */
  withBatches(incidentId: string): Promise<(SubjectNoticeRecord & { batches: SubjectNoticeBatchRecord[] })[]>;
  /** Every version of a notice's text, oldest first. */
  versions(noticeId: string): Promise<SubjectNoticeVersionRecord[]>;
  /** A new draft (version 1, whose text `addVersion` stores). */
  create(notice: Pick<SubjectNoticeRecord, 'id' | 'incidentId' | 'audience' | 'createdById'>): Promise<void>;
  addVersion(version: Omit<SubjectNoticeVersionRecord, 'createdAt'>): Promise<void>;
  /**
   * Makes `version` current, as a draft again (any approval withdrawn), if `basedOn` is still the current one; false
   * when someone saved another version meanwhile.
   */
  advance(noticeId: string, basedOn: number, version: number): Promise<boolean>;
  /**
   * Moves a notice whose current version is `version` from one of `from` to `to` (`approval`: who approved it and
   * when); false when it was changed meanwhile.
   */
  setStatus(
    noticeId: string,
    version: number,
    from: readonly string[],
    to: string,
    approval?: { approvedById: string; approvedAt: Date },
  ): Promise<boolean>;
  addReview(review: SubjectNoticeReviewRecord): Promise<void>;
  addBatch(batch: NewSubjectNoticeBatch): Promise<void>;
  /**
   * Inside a transaction: locks the notice's row until it ends (SELECT … FOR UPDATE) and reads it as it is now, with
   * how many delivery batches it has. A step that checks the notice's state here and then writes cannot interleave
   * with another step on the same notice (two posts of one page, a revision and a batch at the same moment).
   */
  lockState(noticeId: string): Promise<(SubjectNoticeRecord & { batchCount: number }) | null>;
}

/** A single-use document link used (document_link_use; src/core/documents/links.ts). */
export interface DocumentLinkUseRecord {
  linkId: string;
  incidentId: string;
  personId: string;
  clientAddress: string | null;
}

export interface DocumentLinkRepository {
  /**
   * Records the use of a link. A second use of the same link fails with the database's unique violation (Prisma's
   * P2002), which rolls back the transaction it runs in (the download recorded with it) and which the web layer
   * answers as "already used".
   */
  recordUse(use: DocumentLinkUseRecord): Promise<void>;
}
