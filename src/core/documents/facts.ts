import { listEvidence } from '../evidence/locker.js';
import type { ComputedClock } from '../clocks/index.js';
import type { CoreDeps } from '../context.js';
import type { IncidentService } from '../incidents/service.js';
import { AFFECTED_KIND_LABELS, STATUS_LABELS, type AffectedKind } from '../incidents/types.js';
import { NOTICE_STATUS_LABELS, type NoticeStatus, noticeCounts } from '../notices/views.js';
import type { PlanState } from '../incidents/item-facts.js';
import type { ItemAsk, ReportKind, ReportSection } from '../playbooks/vocabulary.js';
import { schoolKeepList } from '../privacy/kept.js';
import { maskPersonalData } from '../privacy/mask.js';
import { draftThresholdLines } from '../clocks/draft.js';

/** One checklist item as a report shows it. */
export interface ReportChecklistItem {
  key: string;
  title: string;
  phase: string;
  state: 'open' | 'done' | 'na';
  note: string | null;
  doneAt: Date | null;
  doneByName: string | null;
  /** Which section of which report the item feeds (playbook data). */
  reports: Partial<Record<ReportKind, ReportSection[]>>;
  /** What ticking it asked (playbook data): the item that sets the cyber level asks `cyberLevel`. */
  asks: ItemAsk[];
  /** Improvement and repair measures: the scheduled (or actual) completion day and how far along it is. */
  plannedOn: Date | null;
  planState: PlanState | null;
  /** 遲延原因 of the report this item completes. */
  delayReason: string | null;
  completesClock: string | null;
}

export interface ReportNoticeFact {
  audienceLabel: string;
  statusLabel: string;
  notified: number;
  total: number;
}

export interface ReportClockFact {
  id: string;
  label: string;
  /** Full basis text: the binding rules, then 「參考…之作法」 (src/core/clocks/bases.ts). */
  basis: string;
  /** Each basis cited, and whether it binds a school of the incident's profile (docs/rules.md). */
  bases: { cite: string; binding: boolean }[];
  /** When the clock applies to this kind of school only as practice: what it should follow instead (clocks.yaml). */
  applicabilityNote: string | null;
  statutoryEnd: Date | null;
  recommendedBy: Date | null;
  /** Whether the school's rule profile (and the incident's overrides) switch the clock on. */
  enabled: boolean;
  legalStatus: string;
  statusNote: string | null;
  hoursBased: boolean;
  /** The end rests on office-calendar days the DGPA has not confirmed (a year derived from the rules). */
  provisionalCalendar?: boolean;
}

/**
 * Everything a report may say about an incident, already reduced to what may leave the school: categories, counts,
 * dates and the responders' own (masked) descriptions. Never the leaked records themselves.
 */
export interface ReportFacts {
  schoolName: string;
  ref: string;
  scenarioTitle: string;
  statusLabel: string;
  occurredAt: Date;
  awareAt: Date;
  /** Which of occurredAt / awareAt are the reporter's approximate reading (shown 「左右」 in the documents). */
  approximateTimes: string[];
  handlingEndedAt: Date | null;
  /** When damage control or recovery of the information system was completed (cyber incidents). */
  recoveredAt: Date | null;
  /** The day each report was submitted, as recorded by the contact window. */
  submitted: { bureau: Date | null; closure: Date | null; cyber: Date | null };
  place: string;
  howLeaked: string;
  stepsTaken: string;
  categoryLabels: string[];
  specialCategories: boolean;
  biometric: boolean;
  involvesSystem: boolean;
  /** How many personal-data records the information system holds (assessment), null when unknown. */
  systemRecordsHeld: number | null;
  /** Counts by kind of person; null where nobody has assessed it yet. */
  counts: { kind: AffectedKind | 'minors'; label: string; count: number | null }[];
  /** The assessed total, else the reporter's estimate, else null. */
  total: number | null;
  totalIsEstimate: boolean;
  /** The reporter's estimate in words (「30 至 40 人」「尚不清楚（正在清查…）」), shown while nothing is assessed. */
  estimateText: string | null;
  reporterName: string;
  /** The reporter's unit (通報人身分, legal-rules.md §3.1), null when not on record. */
  reporterUnit: string | null;
  /** 「王小明（教務處註冊組）」: the school's contact window(s) on record, names and units only. */
  contactWindow: string | null;
  /** The school's contact telephone (school.contact_phone, from the roster file); null when not set. */
  contactPhone: string | null;
  checklist: ReportChecklistItem[];
  notices: ReportNoticeFact[];
  /** The clocks that apply to the incident, switched on or off by the profile (see `enabled`). */
  clocks: ReportClockFact[];
  /** The amended PDPA's draft 72-hour thresholds, evaluated and shown while that clock is off (legal-rules §1). */
  draftThresholds: string[];
  /** The cybersecurity incident level set by IT (1–4), null until set. */
  cyberLevel: number | null;
  /** The rule profile the school runs under (playbooks/clocks.yaml profiles): which rules apply. */
  profile: { id: string; label: string; description: string; schoolKind: 'public' | 'private' | null };
  /** The evidence filed in the locker, in filing order, with its hash (the chain of custody; src/core/evidence). */
  evidence: ReportEvidenceFact[];
}

export interface ReportEvidenceFact {
  seq: number;
  description: string;
  kind: string;
  size: string;
  sha256: string;
  filedBy: string;
  filedAt: Date;
}

/** Free text typed by staff is masked once more before it goes into a document that leaves the school. */
function clean(text: string | null | undefined, now: Date, keep: readonly string[]): string {
  if (!text?.trim()) return '';
  return maskPersonalData(text.trim(), { now, keep }).text;
}

/** `audienceLabel` names a notice audience (the school's notice templates); a plain label is used otherwise. */
export async function loadReportFacts(
  deps: CoreDeps,
  incidents: IncidentService,
  incidentId: string,
  audienceLabel: (audience: string) => string = (a) => AUDIENCE_LABELS[a] ?? a,
): Promise<ReportFacts> {
  const view = await incidents.get(incidentId);
  const { incident } = view;
  const now = deps.now();
  const school = await deps.repos.schools.find(incident.schoolId);
  if (!school) throw new Error(`School ${incident.schoolId} is not on record`);
  const keep = schoolKeepList(school);
  const notices = await deps.repos.subjectNotices.withBatches(incidentId);
  const windows = await deps.repos.people.activeWithRole(incident.schoolId, 'contactWindow', 'name');
  const reporter = await deps.repos.people.find(incident.reporterId);
  const assessed = [incident.studentsCount, incident.guardiansCount, incident.staffCount, incident.othersCount];
  const assessedTotal = assessed.some((n) => n !== null) ? assessed.reduce<number>((s, n) => s + (n ?? 0), 0) : null;
  const counts: ReportFacts['counts'] = [
    { kind: 'students', label: AFFECTED_KIND_LABELS.students, count: incident.studentsCount },
    { kind: 'guardians', label: AFFECTED_KIND_LABELS.guardians, count: incident.guardiansCount },
    { kind: 'staff', label: AFFECTED_KIND_LABELS.staff, count: incident.staffCount },
    { kind: 'others', label: AFFECTED_KIND_LABELS.others, count: incident.othersCount },
    { kind: 'minors', label: '其中未滿18歲者', count: incident.minorsCount },
  ];
  const evidence = (await listEvidence(deps, incidentId)).map((e) => ({
    seq: e.seq,
    description: clean(e.description, now, keep),
    kind: e.typeLabel,
    size: e.sizeLabel,
    sha256: e.sha256,
    filedBy: e.filedByLabel,
    filedAt: e.filedAt,
  }));
  return {
    evidence,
    schoolName: school.name,
    ref: incident.ref,
    scenarioTitle: view.playbook.title,
    statusLabel: STATUS_LABELS[view.status],
    occurredAt: incident.occurredAt,
    awareAt: incident.awareAt,
    approximateTimes: incident.approximateTimes,
    handlingEndedAt: incident.handlingEndedAt,
    recoveredAt: incident.recoveredAt,
    submitted: { bureau: incident.bureauSubmittedAt, closure: incident.closureSubmittedAt, cyber: incident.cyberSubmittedAt },
    place: clean(view.place, now, keep),
    howLeaked: clean(view.howLeaked, now, keep),
    stepsTaken: clean(view.stepsTaken, now, keep),
    categoryLabels: incident.categories.map(view.categoryLabel),
    specialCategories: incident.specialCategories,
    biometric: incident.biometric,
    involvesSystem: incident.involvesSystem,
    systemRecordsHeld: incident.systemRecordsHeld,
    counts,
    total: assessedTotal ?? incident.affectedEstimate,
    totalIsEstimate: assessedTotal === null && incident.affectedEstimate !== null,
    estimateText: view.affectedEstimateText,
    reporterName: view.reporterName,
    reporterUnit: reporter?.unit ?? null,
    contactWindow: windows.length ? windows.map((p) => (p.unit ? `${p.displayName}（${p.unit}）` : p.displayName)).join('、') : null,
    contactPhone: school.contactPhone,
    checklist: view.checklist.map((c) => ({
      key: c.row.key,
      title: c.row.title,
      phase: c.row.phase,
      state: c.state,
      note: c.note ? clean(c.note, now, keep) : null,
      doneAt: c.row.doneAt,
      doneByName: c.doneByName,
      reports: view.playbook.checklist.find((d) => d.key === c.row.key)?.reports ?? {},
      asks: view.playbook.checklist.find((d) => d.key === c.row.key)?.asks ?? [],
      plannedOn: c.row.plannedOn,
      planState: (c.row.planState as PlanState | null) ?? null,
      delayReason: c.delayReason ? clean(c.delayReason, now, keep) : null,
      completesClock: c.row.completesClock,
    })),
    notices: notices.map((n) => ({
      audienceLabel: audienceLabel(n.audience),
      statusLabel: NOTICE_STATUS_LABELS[n.status as NoticeStatus] ?? n.status,
      ...noticeCounts(n.batches),
    })),
    clocks: view.clocks.filter((c) => c.applies).map(clockFact),
    draftThresholds: draftThresholdLines(view.clocks),
    cyberLevel: incident.cyberLevel,
    profile: profileOf(deps, incident.clockProfile),
  };
}

/** A computed clock as the reports use it (also the test fixture's, so the two never drift apart). */
export function clockFact(c: ComputedClock): ReportClockFact {
  return {
    id: c.id,
    label: c.label,
    basis: c.basis,
    bases: c.bases.map((b) => ({ cite: `${b.law}${b.article ?? ''}${b.note ? `（${b.note}）` : ''}`, binding: b.binding })),
    applicabilityNote: c.applicabilityNote ?? null,
    statutoryEnd: c.statutoryEnd,
    recommendedBy: c.recommendedBy,
    enabled: c.enabled,
    legalStatus: c.legalStatus,
    statusNote: c.statusNote ?? null,
    hoursBased: c.period.unit === 'hours',
    provisionalCalendar: c.calendarNote !== undefined,
  };
}

function profileOf(deps: CoreDeps, id: string): ReportFacts['profile'] {
  const p = deps.clockRules.profiles.find((x) => x.id === id);
  return { id, label: p?.label ?? id, description: p?.description ?? '', schoolKind: p?.schoolKind ?? null };
}

const AUDIENCE_LABELS: Record<string, string> = {
  guardians: '未成年學生之法定代理人（家長）',
  'adult-students': '成年學生',
  staff: '教職員',
  others: '其他當事人',
};
