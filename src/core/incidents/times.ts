import type { ChecklistItemRecord as ChecklistItem, IncidentRecord as Incident } from '../../ports/repositories/index.js';
import type { ClockRuleSet } from '../clocks/index.js';
import { formatRocDateTime } from '../time/roc.js';

/**
 * The times that start a legal clock (playbooks/clocks.yaml triggers). Each is a fact about what happened, not the
 * moment somebody pressed a button: people enter the real time (it may be earlier than now, never later), and a
 * correction of any of them needs a reason, kept on the same timeline entry as the correction.
 */
export const CLOCK_TIMES = {
  occurredAt: '發生時間',
  awareAt: '知悉時間',
  breachConfirmedAt: '查明事件時間',
  recoveredAt: '完成損害控制或復原時間',
  handlingEndedAt: '處理結束時間',
} as const;
export type ClockTimeField = keyof typeof CLOCK_TIMES;

export function isClockTimeField(v: string): v is ClockTimeField {
  return Object.hasOwn(CLOCK_TIMES, v);
}

/** A typed time a little ahead of the server clock (a phone's clock, a minute typed as "now") is taken as now. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

type Times = Pick<Incident, ClockTimeField>;

/**
 * Why `at` cannot be the new value of `field` (zh-TW), or null when it can. The order the law and the clock engine
 * rely on: occurrence ≤ awareness ≤ every later fact (ascertained, recovered, handling ended), and nothing in the future.
 */
export function clockTimeProblem(field: ClockTimeField, at: Date, times: Times, now: Date): string | null {
  const label = CLOCK_TIMES[field];
  if (Number.isNaN(at.getTime())) return `「${label}」不是有效的時間。`;
  if (at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) return `「${label}」不能是未來的時間（現在是 ${formatRocDateTime(now)}）。`;
  const t = { ...times, [field]: at };
  if (t.occurredAt.getTime() > t.awareAt.getTime()) {
    return field === 'occurredAt'
      ? `「${label}」不能晚於知悉時間（${formatRocDateTime(t.awareAt)}）。`
      : `「${label}」不能早於發生時間（${formatRocDateTime(t.occurredAt)}）。`;
  }
  for (const later of ['breachConfirmedAt', 'recoveredAt', 'handlingEndedAt'] as const) {
    const v = t[later];
    if (!v || v.getTime() >= t.awareAt.getTime()) continue;
    return later === field
      ? `「${label}」不能早於知悉時間（${formatRocDateTime(t.awareAt)}）。`
      : `「${label}」不能晚於已記錄的${CLOCK_TIMES[later]}（${formatRocDateTime(v)}）；請先更正${CLOCK_TIMES[later]}。`;
  }
  return null;
}

/** A time no later than now: within the tolerance, "a minute from now" is stored as now. */
export function notAfterNow(at: Date, now: Date): Date {
  return at.getTime() > now.getTime() ? new Date(now.getTime()) : at;
}

/**
 * Whether an open item must be settled before handling ends. Items whose work comes after it are not: the reports
 * counted from the end of handling or from the recovery (the closure report, the cyber investigation report) and
 * keeping the record (a retention clock), the auditor's review. Everything else — containment, the reports due in hours or days, notifying
 * the people concerned — is done, or marked not applicable with a reason, first.
 */
export function settledBeforeEnding(
  item: Pick<ChecklistItem, 'clockId' | 'completesClock'> & { ownerRole?: string },
  rules: ClockRuleSet,
): boolean {
  // The auditor's review checks the improvements after the fact, and only the auditor may settle it: not a condition.
  if (item.ownerRole === 'auditor') return false;
  for (const id of [item.completesClock, item.clockId]) {
    const rule = id ? rules.clocks.find((c) => c.id === id) : undefined;
    if (rule && (rule.trigger === 'handlingEnded' || rule.trigger === 'recovered' || rule.kind === 'retention')) return false;
  }
  return true;
}

/**
 * A clock time as people and documents show it: 「中華民國115年12月8日 08:00」, with 「左右」 when it is the reporter's
 * approximate reading (incident.approximateTimes) and `note` asks for the document wording.
 */
export function recordedTime(
  incident: Pick<Incident, 'approximateTimes'>,
  field: 'occurredAt' | 'awareAt',
  at: Date,
  opts: { note?: boolean } = {},
): string {
  const text = formatRocDateTime(at);
  if (!incident.approximateTimes.includes(field)) return text;
  return opts.note ? `${text} 左右（通報人所述之約略時間）` : `${text} 左右`;
}
