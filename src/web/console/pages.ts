import type { ComputedClock } from '../../core/clocks/index.js';
import { asksMoreThanNote, ItemConsole } from '../../core/conversation/item-console.js';
import type { CoreDeps } from '../../core/context.js';
import type { DocumentLinks, DocumentTarget } from '../../core/documents/links.js';
import { REPORT_FORMAT_LABELS, REPORT_FORMATS, REPORT_KIND_LABELS } from '../../core/documents/model.js';
import { submittedAt, type ReportService } from '../../core/documents/service.js';
import { itemActRefusal } from '../../core/incidents/item-roles.js';
import { recordedTime } from '../../core/incidents/times.js';
import { totalAffected, type IncidentService, type IncidentView } from '../../core/incidents/service.js';
import {
  AFFECTED_KIND_LABELS,
  INCIDENT_STATUSES,
  STATUS_LABELS,
  type AffectedKind,
  type IncidentStatus,
} from '../../core/incidents/types.js';
import type { NoticeService } from '../../core/notices/service.js';
import { can, ROLE_LABELS, roleNames, type Actor, type RoleKey } from '../../core/roles.js';
import type { RecordVerdict } from '../../core/timeline/checkpoints.js';
import { RecordVerifier } from '../../core/timeline/verified.js';
import { formatRocDate, formatRocShort } from '../../core/time/roc.js';
import type { ConsoleStore } from '../../storage/console.js';
import { noticeSection } from './notice-section.js';
import { draftThresholdLines } from '../../core/clocks/draft.js';

/**
 * What the console pages show, built from the core services (the same views the chat cards use) and handed to the
 * templates (templates.ts) as plain values: every text is zh-TW and already formatted (ROC dates, Asia/Taipei).
 */
export interface PageServices {
  deps: Pick<CoreDeps, 'repos' | 'cipher' | 'playbooks' | 'now'>;
  store: ConsoleStore;
  incidents: IncidentService;
  notices: NoticeService;
  reports: ReportService;
  documentLinks: DocumentLinks;
  /** Where document links point (PUBLIC_URL, else the listening address). */
  baseUrl: () => string | null;
}

/**
 * Timeline entries shown on the incident page, newest first, with a link to the older ones (`?before=<seq>`); the
 * verification covers every entry whatever is shown, and the export holds them all.
 */
export const TIMELINE_SHOWN = 200;

/** Incidents listed on one page (the newest; a search by number finds older ones). */
export const LIST_LIMIT = 200;
const OPEN_ITEMS = 12;

type Incident = IncidentView['incident'];

const roleLabel = (r: string) => ROLE_LABELS[r as RoleKey] ?? r;
/** The stage, and 「判定非個資事件」 for an incident the principal decided was not a breach (core/incidents/not-breach.ts). */
const statusLabel = (s: string, notBreachAt: Date | null) =>
  `${STATUS_LABELS[s as IncidentStatus] ?? s}${notBreachAt ? '（判定非個資事件）' : ''}`;
const at = (d: Date) => formatRocShort(d);
const end = (d: Date) => formatRocShort(d, { endOfDay: true });

/** 「還有 2 天 3 小時」 or 「已逾期 5 小時」. */
export function untilText(to: Date, now: Date): string {
  const ms = to.getTime() - now.getTime();
  const abs = Math.abs(ms);
  const d = Math.floor(abs / 86_400_000);
  const h = Math.floor((abs % 86_400_000) / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const span = d ? `${d} 天${h ? ` ${h} 小時` : ''}` : h ? `${h} 小時${m ? ` ${m} 分` : ''}` : `${m} 分`;
  return ms >= 0 ? `還有 ${span}` : `已逾期 ${span}`;
}

/** Clocks completed by a report submitted (the day it was sent stops them), as in the chat's incident card. */
const SUBMITTED: Record<string, 'bureauSubmittedAt' | 'closureSubmittedAt' | 'cyberSubmittedAt'> = {
  'bureau-3d': 'bureauSubmittedAt',
  'closure-1m': 'closureSubmittedAt',
  'cyber-report-1m': 'cyberSubmittedAt',
};

const running = (c: ComputedClock) => c.applies && c.enabled;
const overdueNow = (c: ComputedClock, now: Date) => c.overdueAtAwareness || (c.statutoryEnd !== null && c.statutoryEnd < now);

/** The next clock still running (not stopped), and whether any running clock is overdue. */
function nextClock(incident: Incident, clocks: ComputedClock[], stopped: ReadonlySet<string>, now: Date) {
  const live = clocks.filter(
    (c) => running(c) && !c.pending && c.statutoryEnd && !stopped.has(c.id) && !(SUBMITTED[c.id] && incident[SUBMITTED[c.id]!]),
  );
  live.sort((a, b) => a.statutoryEnd!.getTime() - b.statutoryEnd!.getTime());
  return { next: live[0] ?? null, overdue: live.some((c) => overdueNow(c, now)) };
}

/**
 * An incident's clocks depend on its row (facts, profile, overrides) and on the rules and calendar, which are fixed for
 * the process; `now` only fills flags the console works out itself. So the list memoises them by the row's id, version
 * and update time (every change of an incident goes through Prisma, which moves `updatedAt`): computing them takes a
 * few milliseconds per incident, the most of the list's time.
 */
const clockMemo = new Map<string, ComputedClock[]>();
const CLOCK_MEMO_MAX = 5000;

function clocksFor(s: PageServices, incident: Incident): ComputedClock[] {
  const key = `${incident.id}:${incident.version}:${incident.updatedAt.getTime()}`;
  let clocks = clockMemo.get(key);
  if (!clocks) {
    clocks = s.incidents.clocksOf(incident);
    if (clockMemo.size >= CLOCK_MEMO_MAX) clockMemo.delete(clockMemo.keys().next().value!);
    clockMemo.set(key, clocks);
  }
  return clocks;
}

export interface ListQuery {
  /** `open` (the default: not closed), `all`, or one status. */
  status: string;
  ref: string;
}

export const STATUS_FILTERS: { value: string; label: string }[] = [
  { value: 'open', label: '進行中（未結案）' },
  { value: 'all', label: '全部' },
  ...INCIDENT_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] })),
];

export async function listPage(s: PageServices, actor: Actor, q: ListQuery) {
  const now = s.deps.now();
  const statuses = q.status === 'all' ? [] : q.status === 'open' ? INCIDENT_STATUSES.filter((x) => x !== 'closed') : [q.status];
  const rows = await s.store.incidents({ schoolId: actor.schoolId, statuses, ...(q.ref ? { ref: q.ref } : {}), limit: LIST_LIMIT });
  const incidents = rows.map(({ incident, open, total, stopped }) => {
    // A closed incident has no clock left to watch.
    const { next, overdue } =
      incident.status === 'closed' ? { next: null, overdue: false } : nextClock(incident, clocksFor(s, incident), new Set(stopped), now);
    return {
      ref: incident.ref,
      href: `/console/incidents/${encodeURIComponent(incident.ref)}`,
      title: s.deps.playbooks.get(incident.playbookId).title,
      status: statusLabel(incident.status, incident.notBreachAt),
      closed: incident.status === 'closed',
      awareAt: recordedTime(incident, 'awareAt', incident.awareAt),
      next: next
        ? { label: next.label, end: end(next.statutoryEnd!), until: untilText(next.statutoryEnd!, now), overdue: overdueNow(next, now) }
        : null,
      owner: next?.actorLabel ?? null,
      overdue,
      open,
      total,
    };
  });
  const items = await s.store.openItems(actor.schoolId, OPEN_ITEMS);
  return {
    title: '事件列表',
    query: q,
    filters: STATUS_FILTERS.map((f) => ({ ...f, selected: f.value === q.status })),
    incidents,
    limited: rows.length === LIST_LIMIT,
    overdueCount: incidents.filter((i) => i.overdue).length,
    openItems: items.map((i) => ({
      ref: i.incident.ref,
      href: `/console/incidents/${encodeURIComponent(i.incident.ref)}#checklist`,
      title: i.title,
      owner: i.ownerName ?? roleLabel(i.ownerRole),
      planned: i.plannedOn ? formatRocDate(i.plannedOn) : null,
    })),
  };
}

function clocksOf(v: IncidentView, now: Date) {
  const stoppers = new Map(v.checklist.filter((c) => c.row.completesClock && c.state !== 'open').map((c) => [c.row.completesClock!, c]));
  return v.clocks.filter(running).map((c) => {
    const item = stoppers.get(c.id);
    const column = SUBMITTED[c.id];
    const sent = column ? v.incident[column] : null;
    const stoppedBy = sent
      ? `已於 ${formatRocDate(sent)} 送出報告`
      : item
        ? `「${item.row.title}」${item.state === 'na' ? '不適用' : '完成'}（${item.doneByName ?? ''}${item.row.doneAt ? `，${at(item.row.doneAt)}` : ''}）`
        : null;
    const overdue = !stoppedBy && overdueNow(c, now);
    return {
      label: c.label,
      action: c.action,
      owner: c.actorLabel,
      basis: c.basisShort,
      trigger: c.pending ? `待起算（${c.pendingNote ?? c.triggerLabel}）` : `${c.triggerLabel}：${c.startsAt ? at(c.startsAt) : '—'}`,
      statutoryEnd: c.statutoryEnd ? end(c.statutoryEnd) : c.pending ? '待起算' : c.calendarGap ? '需補辦公日曆' : '無固定期限',
      recommended:
        c.recommendedBy && c.statutoryEnd && c.recommendedBy.getTime() !== c.statutoryEnd.getTime() ? end(c.recommendedBy) : null,
      until: !stoppedBy && c.statutoryEnd ? untilText(c.statutoryEnd, now) : null,
      stoppedBy,
      overdue,
      overdueAtAwareness: c.overdueAtAwareness ? (c.overdueNote ?? '知悉時已逾期') : null,
      note: [c.rolledOver ? c.rolloverNote : undefined, c.calendarGap?.note, c.calendarNote].filter(Boolean).join(' ') || null,
    };
  });
}

export async function incidentPage(s: PageServices, actor: Actor, incidentId: string, before: number | null = null) {
  const now = s.deps.now();
  const v = await s.incidents.get(incidentId);
  const i = v.incident;
  const owners = await s.store.names(v.checklist.map((c) => c.row.ownerPersonId).filter((x): x is string => !!x));
  const notices = await noticeSection(s.notices, actor, i.ref, incidentId, i.status === 'closed');
  const { timeline, record, total: entries } = await verifiedTimeline(s, incidentId, before);
  const kinds = (i.affectedKinds as AffectedKind[]).map((k) => AFFECTED_KIND_LABELS[k] ?? k).join('、');
  const total = totalAffected(i);
  return {
    title: `事件 ${i.ref}`,
    ref: i.ref,
    heading: v.playbook.title,
    status: statusLabel(v.status, v.incident.notBreachAt),
    // The acting approver ticks nothing but may decide on a notice: not read-only then.
    readOnly: !can(actor, 'incident.act') && !can(actor, 'notice.approve'),
    facts: [
      ['通報人', v.reporterName],
      ['發生時間', recordedTime(i, 'occurredAt', i.occurredAt)],
      ['知悉時間', recordedTime(i, 'awareAt', i.awareAt)],
      ['地點', v.place],
      ['外洩方式', v.howLeaked],
      ['已採取措施', v.stepsTaken],
      ...(i.handlingEndedAt ? [['處理結束', at(i.handlingEndedAt)]] : []),
      ...(i.closedAt ? [['結案', at(i.closedAt)]] : []),
    ],
    clocks: clocksOf(v, now),
    offClocks: v.clocks.filter((c) => !running(c)).length,
    checklist: v.checklist.map((c) => {
      // Open items the person may tick get a form (acts.ts); the items that ask more than a note, their chat form on a
      // page of its own (item-acts.ts); settled ones 重新開啟 as in chat. The rules are the service's.
      const mayAct = v.status !== 'closed' && itemActRefusal(v.playbook, actor, c.row) === null;
      const itemPath = `/console/incidents/${encodeURIComponent(i.ref)}/items/${encodeURIComponent(c.row.id)}`;
      const form = mayAct && c.state === 'open' && asksMoreThanNote(v, c, now);
      return {
        id: c.row.id,
        // 不適用 only where the item allows it, as chat's card offers it (an item with a form and no 不適用: the form only).
        tickAction: mayAct && c.state === 'open' && (!form || c.naAllowed) ? itemPath : null,
        naAllowed: c.naAllowed,
        formHref: form ? `${itemPath}/form` : null,
        reopenAction: mayAct && c.state !== 'open' ? `${itemPath}/reopen` : null,
        basis: ItemConsole.basisOf(c),
        title: c.row.title,
        state: c.state,
        stateLabel: c.state === 'done' ? '已完成' : c.state === 'na' ? '不適用' : '未完成',
        owner: c.row.ownerPersonId ? (owners.get(c.row.ownerPersonId) ?? roleLabel(c.row.ownerRole)) : roleLabel(c.row.ownerRole),
        by: c.state !== 'open' ? `${c.doneByName ?? ''}${c.row.doneAt ? `，${at(c.row.doneAt)}` : ''}` : null,
        note: c.note,
        delayReason: c.delayReason,
        evidence: c.evidenceCount,
      };
    }),
    // The editor (assessment.ts) for the responders, while the incident is open: the chat's own rule (recordAssessment).
    assessHref: can(actor, 'incident.act') && i.status !== 'closed' ? `/console/incidents/${encodeURIComponent(i.ref)}/assessment` : null,
    assessment: [
      ['個資類別', i.categories.length ? i.categories.map((k) => v.categoryLabel(k)).join('、') : '尚未評估'],
      ['特種個資（病歷、醫療、基因等）', i.specialCategories ? '是' : '否'],
      ['生物特徵資料', i.biometric ? '是' : '否'],
      ['影響人數', total !== null ? `${total} 人${kinds ? `（${kinds}）` : ''}` : (v.affectedEstimateText ?? '尚未評估')],
      ['學生', i.studentsCount ?? '—'],
      ['家長（法定代理人）', i.guardiansCount ?? '—'],
      ['教職員', i.staffCount ?? '—'],
      ['其他人', i.othersCount ?? '—'],
      ['其中未成年', i.minorsCount ?? '—'],
      ['涉及資訊系統', i.involvesSystem ? `是${i.systemRecordsHeld ? `（系統共 ${i.systemRecordsHeld} 筆）` : ''}` : '否'],
      ...(i.cyberLevel ? [['資安事件等級', `第 ${i.cyberLevel} 級`]] : []),
      ...draftThresholdLines(v.clocks).map((l) => ['個資法修法草案72小時通報', l]),
    ].map(([label, value]) => ({ label: String(label), value: String(value) })),
    notices,
    reports: await reportLinks(s, actor, i),
    record: {
      ok: record.ok,
      entries,
      sealed: record.sealed ? `封存檢查點：第 ${record.sealed.entryCount} 筆，${at(record.sealed.at)}` : null,
      problem: record.ok ? null : problemText(record),
      shown: timeline.length,
      // Older entries than those shown, and the way back to the newest.
      older:
        timeline.length && timeline.at(-1)!.seq > 1
          ? `/console/incidents/${encodeURIComponent(i.ref)}?before=${timeline.at(-1)!.seq}#timeline`
          : null,
      newest: before !== null ? `/console/incidents/${encodeURIComponent(i.ref)}#timeline` : null,
    },
    timeline: timeline.map((e) => ({ seq: e.seq, at: at(e.at), actor: e.actorLabel, summary: e.summary })),
  };
}

/** Record verifications kept per database (src/core/timeline/verified.ts). */
const verifiers = new WeakMap<object, RecordVerifier>();

/**
 * The record verified (hash chain and sealed checkpoints, as `npm run verify` does, incrementally: verified.ts) and
 * the page of entries shown; an entry that cannot be decrypted is a failed verification, not a broken page.
 */
async function verifiedTimeline(s: PageServices, incidentId: string, before: number | null) {
  let verifier = verifiers.get(s.deps.repos);
  if (!verifier) {
    verifier = new RecordVerifier(s.deps);
    verifiers.set(s.deps.repos, verifier);
  }
  const record = await verifier.verify(incidentId);
  const timeline = await s.store.timelinePage(incidentId, before, TIMELINE_SHOWN);
  const total = record.ok ? record.entries : await s.store.timelineCount(incidentId);
  return { record, timeline, total };
}

/** The first problem in zh-TW (the operator's English detail is in `npm run verify`). */
function problemText(record: RecordVerdict): string {
  const first = record.problems[0] ?? '';
  const seq = /#(\d+)/.exec(first)?.[1];
  if (/decrypt/.test(first)) return '有紀錄無法解密（金鑰可能不符），請通知系統管理者執行 npm run verify。';
  if (/checkpoint|seal/i.test(first)) return '紀錄與封存檢查點不符（紀錄可能被截短或改寫），請通知系統管理者執行 npm run verify。';
  return `${seq ? `第 ${seq} 筆` : '有'}紀錄與前後不符（可能被修改、刪除或順序錯亂），請通知系統管理者執行 npm run verify。`;
}

/** Download links of the reports and the export: the chat's signed, one-time document links (src/web/documents.ts). */
async function reportLinks(s: PageServices, actor: Actor, incident: Incident) {
  const base = s.baseUrl()?.replace(/\/+$/, '');
  if (!can(actor, 'incident.reports') || !base) return { allowed: false as const, noBase: !base, kinds: [], exportHref: '', until: '' };
  let until = '';
  const href = (target: DocumentTarget) => {
    const signed = s.documentLinks.sign(incident.id, actor.personId, target);
    until = at(signed.expiresAt);
    return `${base}/documents/${signed.token}`;
  };
  const kinds = s.reports.kinds(incident).map((kind) => {
    const sent = submittedAt(incident, kind);
    return {
      label: REPORT_KIND_LABELS[kind],
      sent: sent ? formatRocDate(sent) : null,
      formats: REPORT_FORMATS.map((format) => ({ label: REPORT_FORMAT_LABELS[format], href: href({ kind, format }) })),
    };
  });
  return { allowed: true as const, noBase: false, kinds, exportHref: href({ kind: 'export', format: 'zip' }), until };
}

export const whoText = (actor: Actor) => `${actor.displayName}（${roleNames(actor.roles.filter((r) => r !== 'staff'))}）`;
