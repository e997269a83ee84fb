import type { IncidentRecord as Incident } from '../../ports/repositories/index.js';
import type { CoreDeps } from '../context.js';
import type { IncidentService } from '../incidents/service.js';
import { UserError } from '../incidents/types.js';
import { can, type Actor } from '../roles.js';
import { appendTimeline } from '../timeline/timeline.js';
import { formatRocDate, formatRocDateTime } from '../time/roc.js';
import { startOfTaipeiDay, taipeiDayKey } from '../time/taipei.js';
import { loadReportFacts } from './facts.js';
import { buildIncidentExport } from './export.js';
import type { DocumentTarget, ReportTarget } from './links.js';
import {
  buildReport,
  REPORT_CLOCKS,
  REPORT_FORMAT_LABELS,
  REPORT_KINDS,
  REPORT_SHORT_LABELS,
  reportApplies,
  type ReportDocument,
  type ReportKind,
} from './model.js';
import { renderReport, type RenderedFile } from './render.js';

/** What the notices module knows that a report or the export needs (labels of audiences, every version). */
export interface NoticeSource {
  audienceLabel(audience: string): string;
  exportNotices(incidentId: string): Promise<unknown[]>;
}

/** The notices service as a NoticeSource (labels of unknown audiences fall back to their key). */
export function noticeSource(service: {
  audienceLabel(a: never): string;
  exportNotices(incidentId: string): Promise<unknown[]>;
}): NoticeSource {
  return {
    audienceLabel: (a) => {
      try {
        return service.audienceLabel(a as never);
      } catch {
        return a;
      }
    },
    exportNotices: (id) => service.exportNotices(id),
  };
}

const SUBMITTED_COLUMN = { bureau: 'bureauSubmittedAt', closure: 'closureSubmittedAt', cyber: 'cyberSubmittedAt' } as const;

/** 00:00 Taipei of the day of `d`. */
const dayOf = (d: Date) => new Date(startOfTaipeiDay(taipeiDayKey(d)).getTime());

export const NOT_ALLOWED = '只有個資聯絡窗口、管理人（校長）及稽核人員可以下載事件報告與完整紀錄。';

export function submittedAt(incident: Incident, kind: ReportKind): Date | null {
  return incident[SUBMITTED_COLUMN[kind]];
}

export const targetLabel = (t: DocumentTarget) =>
  t.kind === 'evidence'
    ? '證據檔案'
    : t.kind === 'export'
      ? '事件完整紀錄（ZIP）'
      : `${REPORT_SHORT_LABELS[t.kind]}（${REPORT_FORMAT_LABELS[t.format]}）`;

/**
 * The reports of an incident (issue #7): regenerated from the current record every time they are asked for, the
 * record of who downloaded which one (never the content), the day each was submitted (which also ticks the
 * checklist item that completes its clock, so the reminders stop), and the full export for the auditor.
 */
export class ReportService {
  constructor(
    private readonly deps: CoreDeps,
    private readonly incidents: IncidentService,
    private readonly notices: NoticeSource,
  ) {}

  /** The reports that apply to this incident: the cyber report only where an information system is involved. */
  kinds(incident: Pick<Incident, 'involvesSystem'>): ReportKind[] {
    return REPORT_KINDS.filter((k) => reportApplies(k, incident));
  }

  async build(incidentId: string, kind: ReportKind): Promise<ReportDocument> {
    const facts = await loadReportFacts(this.deps, this.incidents, incidentId, (a) => this.notices.audienceLabel(a));
    if (!reportApplies(kind, facts)) throw new UserError('這個事件未涉及資通系統，沒有資安事件調查報告。');
    return buildReport(kind, facts, this.deps.now());
  }

  /**
   * The closure report's required account (legal-rules.md §3.2: damage, investigation, root cause, improvements) still
   * 【待補】, including a note that only says 「已處理，詳見事件紀錄」. Asked for before the report is recorded as sent.
   */
  async closureGaps(incidentId: string): Promise<string[]> {
    const doc = await this.build(incidentId, 'closure');
    return CLOSURE_REQUIRED.filter((label) => doc.missing.includes(label));
  }

  async render(incidentId: string, target: ReportTarget): Promise<RenderedFile> {
    if (target.kind === 'export') return this.exportIncident(incidentId);
    return renderReport(await this.build(incidentId, target.kind), target.format, this.deps.now());
  }

  /** The zip for the auditor and the 5-year record (export.ts). */
  async exportIncident(incidentId: string): Promise<RenderedFile> {
    return buildIncidentExport(
      this.deps,
      {
        incidents: this.incidents,
        notices: this.notices,
        kinds: (i) => this.kinds(i),
        render: (id, kind, format) => this.render(id, { kind, format }),
      },
      incidentId,
    );
  }

  /** The statutory end of the report's clock when the school's profile switches it on (null otherwise or while pending). */
  lateAfter(incident: Incident, kind: ReportKind): Date | null {
    const c = this.incidents.clocksOf(incident).find((x) => x.id === REPORT_CLOCKS[kind].clock);
    return c?.applies && c.enabled ? c.statutoryEnd : null;
  }

  /** Throws unless this person may download this incident's documents. */
  async assertMayDownload(actor: Actor, incidentId: string): Promise<Incident> {
    const incident = await this.deps.repos.incidents.find(incidentId);
    if (!incident || incident.schoolId !== actor.schoolId) throw new UserError('找不到這個事件。');
    if (!can(actor, 'incident.reports')) throw new UserError(NOT_ALLOWED);
    return incident;
  }

  /**
   * A document for a person, with its record on the timeline. The full export is recorded first and then built, so
   * the archive holds the record of its own download; should building it fail, the failure is recorded too. A report
   * is recorded once it was produced. Only what succeeded reads as done.
   */
  /**
   * A document for a person, recorded on the timeline. With a download link, recording it also uses the link up (a
   * second use fails with Prisma's unique-constraint error P2002, which the web layer answers as "already used").
   * The export records itself first, so its zip holds that record.
   */
  async download(
    actor: Actor | { personId: null; displayName: string },
    incidentId: string,
    target: ReportTarget,
    via: 'link' | 'cli',
    link?: { linkId: string; clientAddress: string | null },
  ): Promise<RenderedFile> {
    if (target.kind !== 'export') {
      const file = await this.render(incidentId, target);
      await this.recordDownload(actor, incidentId, target, via, link);
      return file;
    }
    await this.recordDownload(actor, incidentId, target, via, link);
    try {
      return await this.exportIncident(incidentId);
    } catch (err) {
      await this.recordExportFailure(actor, incidentId, via, 'build');
      throw err;
    }
  }

  /** An export that was recorded but not delivered (the zip could not be built or written). */
  async recordExportFailure(
    actor: Actor | { personId: null; displayName: string },
    incidentId: string,
    via: 'link' | 'cli',
    stage: 'build' | 'write',
  ): Promise<void> {
    const { deps } = this;
    await deps.repos.transaction(async (tx) => {
      await appendTimeline(deps, tx, incidentId, {
        actorId: actor.personId,
        actorLabel: actor.displayName,
        type: 'export.failed',
        summary: `${actor.displayName} 匯出事件完整紀錄（ZIP）未完成：${stage === 'build' ? '產生檔案失敗' : '寫入檔案失敗'}`,
        detail: { document: 'export', format: 'zip', via, stage },
      });
    });
  }

  /**
   * One download on the timeline: who and which document, never its content.
   * `link`: a download through a single-use link — its use is recorded in the same transaction (a second use of the
   * link fails here with a unique violation, P2002, and records nothing), with the client's address.
   */
  async recordDownload(
    actor: Actor | { personId: null; displayName: string },
    incidentId: string,
    target: ReportTarget,
    via: 'link' | 'cli',
    link?: { linkId: string; clientAddress: string | null },
  ): Promise<void> {
    const { deps } = this;
    await deps.repos.transaction(async (tx) => {
      if (link) {
        await tx.documentLinks.recordUse({
          linkId: link.linkId,
          incidentId,
          personId: actor.personId ?? '',
          clientAddress: link.clientAddress,
        });
      }
      await appendTimeline(deps, tx, incidentId, {
        actorId: actor.personId,
        actorLabel: actor.displayName,
        type: target.kind === 'export' ? 'export.downloaded' : 'report.downloaded',
        summary: `${actor.displayName} ${target.kind === 'export' ? '匯出' : '下載'}${targetLabel(target)}`,
        detail: { document: target.kind, format: target.format, via, ...(link ? { clientAddress: link.clientAddress } : {}) },
      });
    });
  }

  /**
   * Records the day a report was submitted to the authority. The checklist item that completes the report's clock is
   * ticked done with the date (IncidentService.setChecklistState), which stops the reminders (src/jobs).
   */
  async recordSubmission(
    actor: Actor,
    incidentId: string,
    kind: ReportKind,
    day: Date,
    /** 遲延原因, required when the day is after the report's statutory end (already masked). */
    delayReason?: string,
  ): Promise<{ incident: Incident; previous: Date | null }> {
    const { deps } = this;
    const incident = await deps.repos.incidents.find(incidentId);
    if (!incident || incident.schoolId !== actor.schoolId) throw new UserError('找不到這個事件。');
    if (!can(actor, 'incident.coordinate')) throw new UserError('只有個資聯絡窗口或校長可以登記報告送出日期。');
    if (!reportApplies(kind, incident)) throw new UserError('這個事件未涉及資通系統，沒有資安事件調查報告。');
    const date = dayOf(day);
    if (date.getTime() > dayOf(deps.now()).getTime()) throw new UserError('送出日期不能晚於今天。');
    if (date.getTime() < dayOf(incident.occurredAt).getTime()) throw new UserError('送出日期不能早於事件發生日。');
    if (kind === 'closure' && incident.handlingEndedAt && date.getTime() < dayOf(incident.handlingEndedAt).getTime()) {
      throw new UserError('結案報告的送出日期不能早於處理結束日。');
    }
    if (kind === 'closure') {
      const gaps = await this.closureGaps(incidentId);
      if (gaps.length) throw new UserError(closureGapsText(gaps));
    }
    const previous = submittedAt(incident, kind);
    const label = REPORT_SHORT_LABELS[kind];
    const end = this.lateAfter(incident, kind);
    const item = await deps.repos.checklist.findByKey(incidentId, REPORT_CLOCKS[kind].item);
    const reason = delayReason?.trim() || null;
    // A submission day is stored as its 00:00; it is late when that day starts at or after the end (24:00 of the last day).
    if (end && date.getTime() >= end.getTime() && !reason && !item?.delayReasonEnc) {
      throw new UserError(`${label}的送出日期已超過法定期限（${formatRocDateTime(end, { endOfDay: true })}），請填寫遲延原因。`);
    }
    await deps.repos.transaction(async (tx) => {
      await tx.incidents.update(incidentId, { [SUBMITTED_COLUMN[kind]]: date }, { revise: true });
      await appendTimeline(deps, tx, incidentId, {
        actorId: actor.personId,
        actorLabel: actor.displayName,
        type: 'report.submitted',
        summary: previous
          ? `${actor.displayName} 更正${label}送出日期：${formatRocDate(previous)} → ${formatRocDate(date)}`
          : `${actor.displayName} 登記${label}已於${formatRocDate(date)}送出`,
        detail: {
          report: kind,
          submittedOn: date.toISOString(),
          previous: previous?.toISOString() ?? null,
          clock: REPORT_CLOCKS[kind].clock,
        },
      });
    });
    if (item && item.state !== 'done' && incident.status !== 'closed') {
      await this.incidents.setChecklistState(
        actor,
        item.id,
        'done',
        `${label}已於${formatRocDate(date)}送出（由報告送出登記）`,
        reason ? { facts: { delayReason: reason } } : {},
      );
    } else if (item && reason) {
      await this.incidents.recordDelayReason(actor, incidentId, item.key, reason);
    }
    const updated = await deps.repos.incidents.find(incidentId);
    if (!updated) throw new Error(`incident ${incidentId} not found`);
    return { incident: updated, previous };
  }
}

/** The closure report's fields that must say something real before it goes to the authority (legal-rules.md §3.2). */
const CLOSURE_REQUIRED = ['對當事人之損害及控制情形', '調查經過及結果', '根本原因分析', '改善措施'];

/** zh-TW: what is still to be written in the closure report, and how. */
export function closureGapsText(gaps: string[]): string {
  return `結案報告尚有必要內容未填寫：${gaps.join('、')}。請在檢核清單重新開啟對應項目，寫出實際的損害情形、調查結果、事件原因或改善措施（「已處理，詳見事件紀錄」之類不算），完成後再登記送出。`;
}
