import type { ChatAdapter } from '../../ports/chat.js';
import type { Button, Card, CardSection, Form } from '../../ports/chat-model.js';
import { LINK_ACTION } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';
import { DocumentLinks, type DocumentTarget } from '../documents/links.js';
import {
  REPORT_CLOCKS,
  REPORT_FORMAT_LABELS,
  REPORT_FORMATS,
  REPORT_KIND_LABELS,
  REPORT_SHORT_LABELS,
  type ReportKind,
} from '../documents/model.js';
import { closureGapsText, submittedAt, type ReportService } from '../documents/service.js';
import type { IncidentService } from '../incidents/service.js';
import { UserError } from '../incidents/types.js';
import { maskPersonalData } from '../privacy/mask.js';
import { can } from '../roles.js';
import { readAnyDay } from '../time/natural.js';
import { formatRocDate, formatRocDateTime } from '../time/roc.js';
import { formIds, parseReportForm, reportAct, type ReportAction } from './actions.js';
import { reachPrivately } from './reach.js';
import type { FormSteps } from './steps.js';
import { T } from './texts.js';
import { requireActor, type Ctx, type Turns } from './turn.js';

const RT = {
  refNeeded: '請加上事件編號，例如「報告 115-001」。',
  refUnknown: (ref: string) => `找不到事件 ${ref}。輸入「事件」可查看進行中的事件。`,
  movedToDirect: '報告下載連結只以私訊提供，我已私訊給您。',
  noDirect: (how: string) => `報告下載連結只以私訊提供，但小幫手無法私訊您。請先${how}，再私訊小幫手輸入「報告」。`,
  noBaseUrl: '系統尚未設定對外網址（PUBLIC_URL），暫時無法提供下載連結，請通知系統管理者。',
  askDate: (label: string) => `請輸入${label}送出（發文）的日期，例如「115/11/23」、「2026-11-23」或「今天」。`,
  badDate: '看不懂這個日期，請輸入例如「115/11/23」、「2026-11-23」、「今天」或「昨天」。',
  recorded: (label: string, date: string, item: string | null) =>
    `已登記${label}於${date}送出，並記錄在事件紀錄上。${item ? `檢核項目「${item}」已完成，相關期限提醒已停止。` : ''}`,
  corrected: (label: string, from: string, to: string) => `已更正${label}的送出日期：${from} → ${to}。`,
  delayHelp: (end: string) => `法定期限為 ${end}；送出日期晚於期限時必填，會列入報告。`,
};

/** Links and incident details only in a private chat: moved there from a group. */
/** Reports and their links only in a private chat: moved there from a group once they got there. */
const privately = (adapter: ChatAdapter) => ({ moved: RT.movedToDirect, noDirect: RT.noDirect(reachPrivately(adapter)) });

/** 「報告」「報告 115-001」「/reports 115-001」「匯出 115-001」. */
export function parseReportCommand(text: string): { arg?: string } | null {
  const m = /^(?:@\S+\s+)?(\/reports?|\/export|報告|事件報告|下載報告|匯出|匯出紀錄)(?:\s+(\S+))?$/i.exec(text.normalize('NFKC').trim());
  if (!m) return null;
  return m[2] ? { arg: m[2] } : {};
}

/**
 * A day as staff type it, read by the product's time parser (src/core/time/natural.ts): 「今天」「昨天」「上週五」,
 * 115/11/23, 2026-11-23, 11/23. A day still to come is returned too: the service says why it is refused.
 */
export const parseDay = readAnyDay;

/**
 * The reports part of the conversation: the private card with a signed, short-lived link per report and format (and
 * the full export), and the contact window's record of the day each report was submitted.
 */
export class ReportFlow {
  readonly links: DocumentLinks;

  constructor(
    private readonly deps: CoreDeps,
    readonly service: ReportService,
    private readonly turns: Turns,
    private readonly forms: FormSteps,
    private readonly incidents: IncidentService,
    /** Where links point: PUBLIC_URL, else the address the server listens on (known once it listens). */
    readonly baseUrl: () => string | null,
  ) {
    this.links = new DocumentLinks(deps.cipher, deps.now);
  }

  async onCommand(ctx: Ctx, arg: string | undefined): Promise<void> {
    const actor = requireActor(ctx, T.unknownPerson);
    return this.showReports(ctx, await this.turns.incidentNamed(actor, arg, RT));
  }

  async onAction(ctx: Ctx, action: ReportAction): Promise<void> {
    switch (action.verb) {
      case 'list':
        return this.showReports(ctx, action.incidentId);
      case 'sub':
        return this.askDate(ctx, action.incidentId, action.kind);
      case null:
        throw new UserError('這個按鈕已失效。');
    }
  }

  async onForm(ctx: Ctx, formId: string, values: Record<string, string | string[]>): Promise<void> {
    const form = parseReportForm(formId);
    if (!form) throw new UserError('這個表單已失效。');
    const { incidentId, kind } = form;
    const raw = values.date;
    const text = (Array.isArray(raw) ? raw[0] : raw) ?? '';
    const day = parseDay(text, this.deps.now());
    if (!day) throw new UserError(RT.badDate);
    const actor = requireActor(ctx, T.unknownPerson);
    const reasonRaw = (Array.isArray(values.delayReason) ? values.delayReason.join('、') : (values.delayReason ?? '')).trim();
    const reason = reasonRaw ? maskPersonalData(reasonRaw, { now: this.deps.now() }).text.slice(0, 300) : undefined;
    const r = await this.service.recordSubmission(actor, incidentId, kind, day, reason);
    const label = REPORT_SHORT_LABELS[kind];
    const date = formatRocDate(submittedAt(r.incident, kind)!);
    const item = await this.deps.repos.checklist.findByKey(incidentId, REPORT_CLOCKS[kind].item);
    await this.turns.say(ctx.addr, {
      type: 'text',
      text: r.previous
        ? RT.corrected(label, formatRocDate(r.previous), date)
        : RT.recorded(label, date, item?.state === 'done' ? item.title : null),
    });
    // The recorded day ticks the report's checklist item: the incident's cards follow.
    await this.turns.refreshCards(ctx, await this.incidents.get(incidentId), ['checklist', 'incident']);
  }

  // ------------------------------------------------------------------ steps

  private async showReports(ctx: Ctx, incidentId: string): Promise<void> {
    const actor = requireActor(ctx, T.unknownPerson);
    // A person outside the allowed roles is told why, in the conversation they asked in (no details shown).
    const incident = await this.service.assertMayDownload(actor, incidentId);
    const baseUrl = this.baseUrl();
    if (!baseUrl) throw new UserError(RT.noBaseUrl);
    const sections: CardSection[] = [];
    let expiresAt: Date | null = null;
    const link = (target: DocumentTarget) => {
      const s = this.links.sign(incidentId, actor.personId, target);
      expiresAt = s.expiresAt;
      return `${baseUrl.replace(/\/+$/, '')}/documents/${s.token}`;
    };
    for (const kind of this.service.kinds(incident)) {
      const doc = await this.service.build(incidentId, kind);
      const sent = submittedAt(incident, kind);
      sections.push({
        heading: REPORT_KIND_LABELS[kind],
        fields: [
          { label: '送出日期', value: sent ? formatRocDate(sent) : '尚未登記', ...(sent ? { tone: 'success' as const } : {}) },
          {
            label: '待補欄位',
            value: doc.missing.length ? `${doc.missing.length} 項：${doc.missing.join('、')}` : '無',
            ...(doc.missing.length ? { tone: 'warning' as const } : {}),
          },
        ],
        rows: [
          {
            text: '下載',
            buttons: REPORT_FORMATS.map((format) => ({
              label: REPORT_FORMAT_LABELS[format],
              action: LINK_ACTION,
              url: link({ kind, format }),
            })),
          },
        ],
      });
    }
    sections.push({
      heading: '事件完整紀錄（稽核及5年保存）',
      text: '事件紀錄與雜湊鏈驗證、檢核清單、影響評估、通知稿各版本與核定、通知紀錄，以及 PDF、ODT、Word 報告。',
      rows: [{ text: '下載', buttons: [{ label: 'ZIP', action: LINK_ACTION, url: link({ kind: 'export', format: 'zip' }) }] }],
    });
    const buttons: Button[] = can(actor, 'incident.coordinate')
      ? this.service
          .kinds(incident)
          .map((kind) => ({ label: `登記${REPORT_SHORT_LABELS[kind]}送出日`, action: reportAct.submitted(incidentId, kind) }))
      : [];
    const card: Card = {
      type: 'card',
      key: 'reports',
      title: `報告與匯出｜${incident.ref}`,
      subtitle: '每次下載都依目前的事件紀錄重新產生，日期為民國紀年。',
      tone: 'info',
      sections,
      ...(buttons.length ? { buttons } : {}),
      footer: `下載連結僅限您本人使用，有效至 ${formatRocDateTime(expiresAt!)}；逾時請再輸入「報告 ${incident.ref}」。每次下載都會記錄在事件紀錄上（誰、哪一份），不記錄內容。`,
      fallbackText: `報告與匯出｜${incident.ref}`,
    };
    await this.turns.privately(ctx, actor, privately(ctx.adapter), (where) => where.adapter.send(where.addr, card));
  }

  private async askDate(ctx: Ctx, incidentId: string, kind: ReportKind): Promise<void> {
    const actor = requireActor(ctx, T.unknownPerson);
    const incident = await this.deps.repos.incidents.find(incidentId);
    if (!incident || incident.schoolId !== actor.schoolId) throw new UserError('找不到這個事件。');
    if (!can(actor, 'incident.coordinate')) throw new UserError('只有個資聯絡窗口或校長可以登記報告送出日期。');
    // The closure report's required account is asked for before the day it was sent is recorded.
    if (kind === 'closure') {
      const gaps = await this.service.closureGaps(incidentId);
      if (gaps.length) throw new UserError(closureGapsText(gaps));
    }
    const label = REPORT_SHORT_LABELS[kind];
    // Past the statutory end already: a submission recorded now may be late, so 遲延原因 is asked with the date.
    const end = this.service.lateAfter(incident, kind);
    const late = end !== null && end.getTime() < this.deps.now().getTime();
    const form: Form = {
      type: 'form',
      formId: formIds.reportSubmitted(incidentId, kind),
      title: `登記送出日期｜${label}｜${incident.ref}`,
      intro: `${RT.askDate(label)}登記後，對應的檢核項目會標示完成，期限提醒隨之停止。`,
      fields: [
        {
          id: 'date',
          label: '送出日期',
          type: 'text',
          required: true,
          maxLength: 20,
          placeholder: '115/11/23',
          suggestions: ['今天', '昨天'],
        },
        ...(late
          ? [
              {
                id: 'delayReason',
                label: '遲延原因',
                type: 'text' as const,
                required: false,
                maxLength: 300,
                help: RT.delayHelp(formatRocDateTime(end, { endOfDay: true })),
              },
            ]
          : []),
      ],
      submitLabel: '登記',
      fallbackText: RT.askDate(label),
    };
    // Where the platform has no forms, the core asks the field as a question (conversation/steps.ts).
    return this.turns.privately(ctx, actor, privately(ctx.adapter), (where) =>
      this.forms.send(where.adapter, where.addr, where.convId, actor.personId, form),
    );
  }
}
