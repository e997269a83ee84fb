import { ROLE_KEYS } from '../roles.js';

/** Who a checklist item is for: a role, or `unit` (resolved at run time to the reporter's unit). */
export const OWNER_ROLES = [...ROLE_KEYS, 'unit'] as const;
export type OwnerRole = (typeof OWNER_ROLES)[number];

export const PHASES = ['contain', 'assess', 'report', 'notify', 'recover'] as const;
export type Phase = (typeof PHASES)[number];

/**
 * Clock ids of legal-rules.md §1. Used to check `clock`/`completesClock` only when playbooks/clocks.yaml does not
 * exist; when it does, its ids are the truth.
 */
export const KNOWN_CLOCK_IDS = [
  'contain-4h',
  'report-window-4h',
  'bureau-3d',
  'closure-1m',
  'subjects-notify',
  'cyber-1h',
  'cyber-recover',
  'cyber-report-1m',
  'pdpa2025-notify-72h',
  'pdpa2025-report-72h',
  'records-5y',
] as const;

/** The internal-report fields (seed 004 pt. 45); the conversation engine reads answers by these keys. */
export const INTAKE_KEYS = [
  'scenario',
  'howLeaked',
  'occurredAt',
  'awareAt',
  'place',
  'categories',
  'affectedEstimate',
  'affectedKinds',
  'involvesSystem',
  'stepsTaken',
] as const;
export type IntakeKey = (typeof INTAKE_KEYS)[number];

/** `headcount`: an estimate of people as staff say it (a number, a range, 「約…」, or 「尚不清楚」 and how it is found out). */
export const FIELD_TYPES = ['text', 'textarea', 'datetime', 'number', 'headcount', 'select', 'multiselect', 'boolean'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** The answer shape each intake key must have, whatever its wording. */
export const INTAKE_FIELD_TYPES: Record<IntakeKey, readonly FieldType[]> = {
  scenario: ['select'],
  howLeaked: ['text', 'textarea'],
  occurredAt: ['datetime'],
  awareAt: ['datetime'],
  place: ['text', 'textarea'],
  categories: ['multiselect'],
  affectedEstimate: ['headcount'],
  affectedKinds: ['multiselect'],
  involvesSystem: ['boolean'],
  stepsTaken: ['text', 'textarea'],
};

/** Facts computed from the chosen categories, usable in `when` conditions. */
export const DERIVED_FACTS = ['specialCategories', 'biometric'] as const;

export const SEVERITIES = ['normal', 'high', 'special'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Checklist keys travel inside button payloads (with an incident id and an action). */
export const MAX_ITEM_KEY_LENGTH = 24;
/** Titles and option labels are shown as phone buttons; LINE cuts action labels at 20 characters. */
export const MAX_LABEL_LENGTH = 20;

/**
 * The reports to the authority (src/core/documents): 3-day bureau report, closure report, cyber-incident report.
 * Checklist items say in the playbook data which section of which report they feed (`reports`).
 */
export const REPORT_KINDS = ['bureau', 'closure', 'cyber'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/**
 * Sections of the reports that checklist items feed:
 * containment 緊急應變／損害控制措施 · harm 對當事人之損害及控制 · investigation 調查經過 · cause 事件原因 ·
 * improvement 改善措施（plan, scheduled date and state, printed separately） · recovery 系統復原作業 ·
 * platform 資安通報平台通報（and the incident level）.
 */
export const REPORT_SECTIONS = ['containment', 'harm', 'investigation', 'cause', 'improvement', 'recovery', 'platform'] as const;
export type ReportSection = (typeof REPORT_SECTIONS)[number];

/** The sections each report has (legal-rules.md §3.1 for the bureau report, §3.2 for the closure and cyber reports). */
export const REPORT_SECTIONS_OF: Record<ReportKind, readonly ReportSection[]> = {
  bureau: ['containment'],
  closure: ['containment', 'harm', 'investigation', 'cause', 'improvement'],
  cyber: ['containment', 'recovery', 'platform', 'harm', 'investigation', 'cause', 'improvement'],
};

/**
 * What ticking an item done asks besides its note: `plannedDate` the scheduled completion day and the state of a
 * measure (improvement and repair items); `cyberLevel` the cybersecurity incident level 1–4; `delayReason` why the
 * report the item completes is late (only asked when its clock is already overdue).
 */
export const ITEM_ASKS = ['plannedDate', 'cyberLevel', 'delayReason'] as const;
export type ItemAsk = (typeof ITEM_ASKS)[number];

/** The base playbook every variant builds on. */
export const GENERAL_PLAYBOOK_ID = 'general';
