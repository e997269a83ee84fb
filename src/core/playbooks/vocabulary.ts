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

/** The base playbook every variant builds on. */
export const GENERAL_PLAYBOOK_ID = 'general';
