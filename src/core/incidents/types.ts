/** Lifecycle of an incident (issue #2): reported → containing → assessing → notifying → handling_ended → closed. */
export const INCIDENT_STATUSES = ['reported', 'containing', 'assessing', 'notifying', 'handling_ended', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const STATUS_LABELS: Record<IncidentStatus, string> = {
  reported: '已通報',
  containing: '應變處置中',
  assessing: '評估中',
  notifying: '通知當事人中',
  handling_ended: '處理結束（待結案報告）',
  closed: '已結案',
};

export const AFFECTED_KINDS = ['students', 'guardians', 'staff', 'others'] as const;
export type AffectedKind = (typeof AFFECTED_KINDS)[number];
export const AFFECTED_KIND_LABELS: Record<AffectedKind, string> = {
  students: '學生',
  guardians: '家長（法定代理人）',
  staff: '教職員',
  others: '其他人',
};

/** The internal report (legal-rules.md §3.1; seed 004 pt. 45), after validation. */
export interface IntakeAnswers {
  scenario: string;
  howLeaked: string;
  occurredAt: Date;
  awareAt: Date;
  place: string;
  categories: string[];
  /** The estimate as a number (upper end of a range), null while 「尚不清楚」. */
  affectedEstimate: number | null;
  /** The estimate in words (「約 30 人」「30 至 40 人」「尚不清楚（正在清查…）」), when given as one (seed 004 pt. 45). */
  affectedEstimateText?: string;
  affectedKinds: string[];
  involvesSystem: boolean;
  stepsTaken: string;
  /** Time fields (occurredAt, awareAt) read from a vague answer (「昨天下午」): recorded as estimates. */
  approximateTimes?: string[];
}

export interface Assessment {
  categories: string[];
  studentsCount: number | null;
  guardiansCount: number | null;
  staffCount: number | null;
  othersCount: number | null;
  minorsCount: number | null;
  involvesSystem: boolean;
  systemRecordsHeld: number | null;
  occurredAt?: Date;
  correctionReason?: string;
}

export type ChecklistState = 'open' | 'done' | 'na';

/** A user-facing refusal or validation problem (zh-TW), as opposed to a fault. */
export class UserError extends Error {
  /**
   * The answer ends the question: a form asked step by step or in pages is closed with this message instead of being
   * asked again (an evidence offer already used up cannot be submitted a second time).
   */
  final = false;

  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * A checklist item's state as a page or a form was shown on: 「open:」「done:<ms of doneAt>」. A step taken on it is
 * refused (ItemChangedMeanwhile) when the item's state is another by the time it is written.
 */
export const itemBasis = (item: { state: string; doneAt: Date | null }) => `${item.state}:${item.doneAt ? item.doneAt.getTime() : ''}`;

/**
 * An item changed after the page was shown (someone ticked or reopened it meanwhile, or the same step was sent twice
 * at the same moment): a 409 in the console.
 */
export class ItemChangedMeanwhile extends UserError {
  constructor(title: string) {
    super(`「${title}」在您開啟這一頁之後已有人變更，請看過目前的狀態再決定。`);
  }
}
