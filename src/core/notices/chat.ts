import type { Conversation, PendingPrompt } from '../../generated/prisma/client.js';
import type { ChatAdapter } from '../../ports/chat.js';
import type { Button, Card, CardRow, ConversationAddress, Form, InboundEvent, OutboundMessage, Tone } from '../chat/model.js';
import type { CoreDeps } from '../context.js';
import { newId } from '../ids.js';
import { PromptStore } from '../conversation/prompts.js';
import { isResponsePlace } from '../conversation/rooms.js';
import { FormSteps } from '../conversation/steps.js';
import { UserError } from '../incidents/types.js';
import { privacyNotice, type MaskFinding } from '../privacy/mask.js';
import { can, type Actor } from '../roles.js';
import { formatRocDateTime } from '../time/roc.js';
import {
  CHANNEL_LABELS,
  CHANNELS,
  MAX_NOTICE_LENGTH,
  NOTICE_STATUS_LABELS,
  NoticeService,
  type DeliveryInput,
  type NoticeView,
} from './service.js';
import { AUDIENCES, type Audience, type NoticeTemplates } from './templates.js';

/** What the conversation engine hands over for one inbound event (a subset of its own context). */
export interface NoticeChatContext {
  ev: InboundEvent;
  adapter: ChatAdapter;
  conv: Conversation;
  addr: ConversationAddress;
  actor: Actor | null;
}

type PromptKind = 'notice-edit' | 'notice-back' | 'notice-batch';
interface NoticePromptState {
  noticeId: string;
  version?: number;
}


/** Button payloads (ids only). */
export const noticeAct = {
  list: (incidentId: string) => `ntc:list:${incidentId}`,
  create: (incidentId: string, audience: Audience) => `ntc:new:${incidentId}:${audience}`,
  show: (noticeId: string) => `ntc:show:${noticeId}`,
  edit: (noticeId: string) => `ntc:edit:${noticeId}`,
  submit: (noticeId: string) => `ntc:submit:${noticeId}`,
  approve: (noticeId: string, version: number) => `ntc:ok:${noticeId}:${version}`,
  sendBack: (noticeId: string, version: number) => `ntc:back:${noticeId}:${version}`,
  delivery: (noticeId: string) => `ntc:batch:${noticeId}`,
};

const NT = {
  notAllowed: '您沒有查看這個事件通知稿的權限。',
  onlyPrivately: '為保護當事人，通知稿只在應變小組群組或私訊中顯示。我已私訊給您。',
  refNeeded: '請加上事件編號，例如「通知 115-001」。',
  refUnknown: (ref: string) => `找不到事件 ${ref}。輸入「事件」可查看進行中的事件。`,
  askText: (label: string, max: number) =>
    `請輸入「${label}」通知的完整新內容（${max} 字以內），會取代目前的內容。請勿貼上外洩的個資。輸入「取消」可放棄。`,
  askComment: '請寫下退回的修改意見（必填），撰稿人會收到：',
  askBatch: [
    '請輸入這一批的通知方式與人數，格式：「方式 已通知人數/應通知人數」，例如「書面 30/32」。',
    `方式可用：書面、電話、簡訊、電子郵件、當面、公告（公告須在後面寫原因）。不要輸入收件人的姓名或聯絡方式。`,
  ].join('\n'),
  batchUnreadable: '看不懂這個格式，請輸入例如「書面 30/32」或「公告 120/120 家長聯絡方式不明，個別通知顯不經濟」。',
  submitted: (label: string, n: number) => `已將「${label}」通知稿送管理人（校長）核定（${n} 位）。核定後才能開始通知。`,
  noPrincipal: '找不到可以核定的管理人（校長）帳號（撰稿人不能核定自己的稿件）。請洽系統管理者設定管理人或代理人。',
  reviewRequest: (ref: string, label: string, who: string) => `${who} 送來事件 ${ref} 的「${label}」通知稿，請核定或退回修改。`,
  approved: (label: string, who: string) => `「${label}」通知稿已由 ${who} 核定，可以開始通知當事人，並在通知稿上登記每一批的通知紀錄。`,
  returned: (label: string, who: string, comment: string) => `「${label}」通知稿被 ${who} 退回修改。\n意見：${comment}`,
  delivered: (label: string, n: number, m: number) => `已登記「${label}」的通知紀錄：累計已通知 ${n} / ${m} 人。`,
  allRecorded: (title: string, counts: string) =>
    `每一份核定的通知都已登記通知紀錄：\n${counts}\n確認應通知的人都已通知到後，請勾選檢核項目「${title}」（會停止它的時限提醒）。`,
  revised: (v: number) => `已儲存為第${v}版。修改完成後請按「送校長核定」。`,
};

const CHANNEL_WORDS: [RegExp, (typeof CHANNELS)[number]][] = [
  [/^(書面|信件|信|聯絡簿|letter)$/i, 'letter'],
  [/^(電話|phone)$/i, 'phone'],
  [/^(簡訊|sms)$/i, 'sms'],
  [/^(電子郵件|email|e-mail|郵件|信箱)$/i, 'email'],
  [/^(當面|當面告知|口頭|in-person)$/i, 'in-person'],
  [/^(公告|public)$/i, 'public'],
];

/** 「通知」「通知 115-001」「/notices 115-001」. */
export function parseNoticeCommand(text: string): { arg?: string } | null {
  const m = /^(?:@\S+\s+)?(\/notices?|通知|通知當事人|通知稿)(?:\s+(\S+))?$/i.exec(text.normalize('NFKC').trim());
  if (!m) return null;
  return m[2] ? { arg: m[2] } : {};
}

/** Parses the typed fallback of a delivery batch: 「書面 30/32」, 「公告 120/120 原因…」. */
export function parseBatchLine(text: string): DeliveryInput | null {
  const m = /^(\S+)\s+(\d+)\s*[/／]\s*(\d+)(?:\s+(.+))?$/s.exec(text.normalize('NFKC').trim());
  if (!m) return null;
  const channel = CHANNEL_WORDS.find(([re]) => re.test(m[1]!))?.[1];
  if (!channel) return null;
  const rest = m[4]?.trim() ?? null;
  return {
    channel,
    notified: Number(m[2]),
    total: Number(m[3]),
    ...(channel === 'public' ? { publicReason: rest } : { note: rest }),
  };
}

const STATUS_TONE: Record<NoticeView['status'], Tone> = { draft: 'info', submitted: 'warning', returned: 'danger', approved: 'success' };

/** The drafter's card: the whole text, the principal's last word, the deliveries, and what can be done next. */
export function noticeCard(v: NoticeView): Card {
  const last = v.reviews[v.reviews.length - 1];
  const sections: Card['sections'] = [{ heading: '通知內容', text: v.text }];
  if (v.status === 'returned' && last?.comment) {
    sections.push({ heading: '管理人退回意見', text: `${last.reviewerName}（第${last.row.version}版）：${last.comment}` });
  }
  if (v.status === 'approved' && v.notice.approvedAt) {
    sections.push({ fields: [{ label: '核定', value: `${last?.reviewerName ?? ''}，${formatRocDateTime(v.notice.approvedAt)}`, tone: 'success' }] });
  }
  if (v.batches.length) {
    sections.push({
      heading: `通知紀錄：已通知 ${v.notified} / ${v.total} 人`,
      rows: v.batches.map(
        (b): CardRow => ({
          text: `${CHANNEL_LABELS[b.channel]}：${b.row.recipientsNotified} / ${b.row.recipientsTotal} 人`,
          detail: [
            `${b.recordedByName} 登記於 ${formatRocDateTime(b.row.createdAt)}`,
            b.publicReason ? `公告原因：${b.publicReason}` : '',
            b.note ? `備註：${b.note}` : '',
          ].filter(Boolean).join('\n'),
          status: b.row.recipientsNotified === b.row.recipientsTotal ? 'done' : 'open',
        }),
      ),
    });
  }
  const buttons: Button[] = [];
  if (v.status === 'draft' || v.status === 'returned') {
    buttons.push({ label: '修改內容', action: noticeAct.edit(v.notice.id) });
    buttons.push({ label: '送校長核定', action: noticeAct.submit(v.notice.id), style: 'primary' });
  } else if (v.status === 'submitted') {
    buttons.push({ label: '修改內容', action: noticeAct.edit(v.notice.id) });
  } else {
    buttons.push({ label: '登記通知紀錄', action: noticeAct.delivery(v.notice.id), style: 'primary' });
  }
  return {
    type: 'card',
    key: `notice:${v.notice.id}`,
    title: `通知稿｜${v.audienceLabel}｜${v.incident.ref}`,
    subtitle: `第${v.version}版｜${NOTICE_STATUS_LABELS[v.status]}｜撰稿：${v.authorName}`,
    tone: STATUS_TONE[v.status],
    sections,
    buttons,
    footer: '依個人資料保護法第12條、施行細則第22條：說明事實與已採取措施、建議處理方式、查詢窗口及賠償（如適用）。須經管理人（校長）核定後才能通知。',
    fallbackText: `通知稿｜${v.audienceLabel}｜${v.incident.ref}（第${v.version}版，${NOTICE_STATUS_LABELS[v.status]}）`,
  };
}

/** The principal's card: a readable preview and the decision; once decided, the outcome replaces the buttons. */
export function reviewCard(v: NoticeView, version: number): Card {
  const decided = v.reviews.find((r) => r.row.version === version);
  const base = {
    type: 'card' as const,
    key: `notice-review:${v.notice.id}`,
    title: `請核定：通知稿｜${v.audienceLabel}`,
    subtitle: `事件 ${v.incident.ref}｜第${version}版｜撰稿：${v.authorName}`,
    fallbackText: `請核定：事件 ${v.incident.ref} 的「${v.audienceLabel}」通知稿（第${version}版）`,
  };
  if (decided) {
    const ok = decided.row.decision === 'approved';
    return {
      ...base,
      tone: ok ? 'success' : 'danger',
      sections: [
        { heading: '通知內容', text: v.text },
        {
          text: ok
            ? `✓ 已由 ${decided.reviewerName} 於 ${formatRocDateTime(decided.row.decidedAt)} 核定`
            : `已由 ${decided.reviewerName} 於 ${formatRocDateTime(decided.row.decidedAt)} 退回修改\n意見：${decided.comment ?? ''}`,
        },
      ],
      fallbackText: `${base.fallbackText}：${ok ? '已核定' : '已退回'}`,
    };
  }
  if (v.version !== version || v.status !== 'submitted') {
    return {
      ...base,
      tone: 'info',
      sections: [{ text: `撰稿人已修改為第${v.version}版（${NOTICE_STATUS_LABELS[v.status]}），這一版不需要核定。` }],
    };
  }
  return {
    ...base,
    tone: 'warning',
    sections: [
      { heading: '通知內容', text: v.text },
      { fields: [{ label: '通知對象', value: v.audienceLabel }, { label: '事件', value: v.incident.ref }] },
    ],
    buttons: [
      { label: '核定', action: noticeAct.approve(v.notice.id, version), style: 'primary' },
      { label: '退回修改', action: noticeAct.sendBack(v.notice.id, version), style: 'danger' },
    ],
    footer: '核定後才能開始通知當事人。退回時請寫下修改意見。撰寫或修改過這份稿件的人不能核定。',
  };
}

/**
 * The notices part of the conversation: the overview of an incident's notices, drafting and editing (a form where
 * the platform has forms, a typed replacement where it has not), the principal's decision, and delivery batches.
 */
export class NoticeChat {
  readonly service: NoticeService;

  private readonly prompts: PromptStore;
  private readonly forms: FormSteps;

  constructor(
    private readonly deps: CoreDeps,
    templates: NoticeTemplates,
    private readonly adapterFor: (platform: string) => ChatAdapter | undefined,
  ) {
    this.service = new NoticeService(deps, templates);
    this.prompts = new PromptStore(deps);
    this.forms = new FormSteps(deps);
  }

  async onCommand(ctx: NoticeChatContext, arg: string | undefined): Promise<void> {
    const actor = this.requireActor(ctx);
    let incidentId: string;
    if (arg) {
      const incident = await this.deps.prisma.incident.findUnique({ where: { schoolId_ref: { schoolId: actor.schoolId, ref: arg } } });
      if (!incident) throw new UserError(NT.refUnknown(arg));
      incidentId = incident.id;
    } else {
      const open = await this.deps.prisma.incident.findMany({ where: { schoolId: actor.schoolId, status: { not: 'closed' } } });
      if (open.length !== 1) throw new UserError(NT.refNeeded);
      incidentId = open[0]!.id;
    }
    return this.showOverview(ctx, incidentId);
  }

  async onAction(ctx: NoticeChatContext, action: string): Promise<void> {
    const [, verb, id, extra] = action.split(':');
    if (!id) throw new UserError('這個按鈕已失效。');
    const actor = this.requireActor(ctx);
    switch (verb) {
      case 'list':
        return this.showOverview(ctx, id);
      case 'new': {
        const { view } = await this.service.draft(actor, id, extra ?? '');
        return this.showNotice(ctx, view);
      }
      case 'show':
        return this.showNotice(ctx, await this.viewable(actor, id));
      case 'edit':
        return this.askEdit(ctx, actor, id);
      case 'submit':
        return this.submit(ctx, actor, id);
      case 'ok': {
        const view = await this.service.approve(actor, id, Number(extra));
        await this.afterDecision(ctx, view, Number(extra));
        return this.notifyPerson(view.authorId, ctx.adapter, [{ type: 'text', text: NT.approved(view.audienceLabel, actor.displayName) }], view);
      }
      case 'back':
        return this.askComment(ctx, actor, id, Number(extra));
      case 'batch':
        return this.askBatch(ctx, actor, id);
      default:
        throw new UserError('這個按鈕已失效。');
    }
  }

  async onForm(ctx: NoticeChatContext, formId: string, values: Record<string, string | string[]>): Promise<void> {
    const [, noticeId, what, extra] = formId.split(':');
    const actor = this.requireActor(ctx);
    const one = (k: string) => {
      const v = values[k];
      return Array.isArray(v) ? v.join('、') : (v ?? '');
    };
    if (!noticeId) throw new UserError('這個表單已失效。');
    if (what === 'edit') return this.finishEdit(ctx, actor, noticeId, one('text'));
    if (what === 'back') return this.finishComment(ctx, actor, noticeId, Number(extra), one('comment'));
    if (what === 'batch') {
      const num = (k: string) => (one(k).trim() === '' ? NaN : Number(one(k).normalize('NFKC').trim()));
      return this.finishBatch(ctx, actor, noticeId, {
        channel: one('channel'),
        total: num('total'),
        notified: num('notified'),
        publicReason: one('publicReason'),
        note: one('note'),
      });
    }
    throw new UserError('這個表單已失效。');
  }

  /** A typed answer to one of this module's questions (platforms without forms). `text` is already masked. */
  async onPromptAnswer(ctx: NoticeChatContext, prompt: PendingPrompt, text: string, isCommand = false): Promise<void> {
    const actor = this.requireActor(ctx);
    if (isCommand) return this.say(ctx.addr, { type: 'text', text: '請先回答上面的問題，或輸入「取消」。' });
    const state = this.prompts.state<NoticePromptState>(prompt);
    const kind = prompt.kind as PromptKind;
    if (kind === 'notice-batch') {
      const input = parseBatchLine(text);
      if (!input) return this.say(ctx.addr, { type: 'text', text: NT.batchUnreadable });
      await this.finishBatch(ctx, actor, state.noticeId, input);
    } else if (kind === 'notice-back') {
      await this.finishComment(ctx, actor, state.noticeId, state.version ?? 0, text);
    } else {
      await this.finishEdit(ctx, actor, state.noticeId, text);
    }
    await this.deps.prisma.pendingPrompt.update({ where: { id: prompt.id }, data: { status: 'done' } });
  }

  // ------------------------------------------------------------------ steps

  private async showOverview(ctx: NoticeChatContext, incidentId: string): Promise<void> {
    const actor = this.requireActor(ctx);
    const incident = await this.deps.prisma.incident.findUnique({ where: { id: incidentId } });
    if (!incident || incident.schoolId !== actor.schoolId) throw new UserError(NT.refUnknown(''));
    if (!can(actor, 'incident.view', { isReporter: incident.reporterId === actor.personId })) throw new UserError(NT.notAllowed);
    const notices = await this.service.listForIncident(incidentId);
    const suggested = this.service.suggestedAudiences(incident);
    const missing = AUDIENCES.filter((a) => !notices.some((n) => n.audience === a));
    const drafter = can(actor, 'incident.coordinate');
    const card: Card = {
      type: 'card',
      key: 'notices',
      title: `通知當事人｜${incident.ref}`,
      subtitle: '個人資料保護法第12條：查明後以適當方式通知當事人；未成年學生通知其法定代理人。',
      tone: 'info',
      sections: [
        {
          heading: '通知稿',
          ...(notices.length === 0 ? { text: '尚未建立通知稿。' } : {}),
          rows: notices.map((n) => ({
            text: `${n.audienceLabel}｜第${n.version}版｜${NOTICE_STATUS_LABELS[n.status]}`,
            detail: n.batches.length ? `已通知 ${n.notified} / ${n.total} 人` : '尚未登記通知紀錄',
            status: n.status === 'approved' ? ('done' as const) : ('open' as const),
            buttons: [{ label: '開啟', action: noticeAct.show(n.notice.id) }],
          })),
        },
        ...(drafter && missing.length
          ? [
              {
                heading: '新增通知稿（依範本產生，可再修改）',
                rows: missing.map((a) => ({
                  text: `${this.service.audienceLabel(a)}${suggested.includes(a) ? '（依影響評估建議）' : ''}`,
                  detail: `依據：${this.service.templates.get(a).basis}`,
                  buttons: [{ label: '建立', action: noticeAct.create(incidentId, a) }],
                })),
              },
            ]
          : []),
      ],
      footer: '通知稿須經管理人（校長）核定後才能通知並登記。',
      fallbackText: `通知當事人｜${incident.ref}：${notices.length} 份通知稿`,
    };
    const where = await this.privateWhere(ctx, incidentId);
    await this.post(where.adapter, where.addr, where.convId, incidentId, card);
  }

  private async showNotice(ctx: NoticeChatContext, view: NoticeView): Promise<void> {
    const where = await this.privateWhere(ctx, view.incident.id);
    await this.post(where.adapter, where.addr, where.convId, view.incident.id, noticeCard(view), true);
  }

  private async viewable(actor: Actor, noticeId: string): Promise<NoticeView> {
    const view = await this.service.get(noticeId);
    if (view.incident.schoolId !== actor.schoolId) throw new UserError('找不到這份通知稿。');
    if (!can(actor, 'incident.view', { isReporter: view.incident.reporterId === actor.personId })) throw new UserError(NT.notAllowed);
    return view;
  }

  private async askEdit(ctx: NoticeChatContext, actor: Actor, noticeId: string): Promise<void> {
    const view = await this.viewable(actor, noticeId);
    if (!can(actor, 'incident.coordinate')) throw new UserError('只有個資聯絡窗口或校長可以撰寫通知稿。');
    if (view.batches.length) throw new UserError('這份通知已開始寄送，不能再修改內容。');
    const where = await this.privateWhere(ctx, view.incident.id);
    if (where.adapter.capabilities.maxFormFields >= 1) {
      const form: Form = {
        type: 'form',
        formId: `ntc:${noticeId}:edit`,
        title: `修改通知稿｜${view.audienceLabel}｜${view.incident.ref}`,
        intro: '請用淺顯的文字寫下：發生了什麼事與已採取的措施、建議對方怎麼做、查詢窗口、可請求的賠償（如適用）。請勿貼上外洩的個資。',
        fields: [{ id: 'text', label: '通知內容', type: 'textarea', required: true, maxLength: MAX_NOTICE_LENGTH, initial: view.text }],
        submitLabel: '儲存新版本',
        fallbackText: `修改通知稿｜${view.audienceLabel}`,
      };
      return void (await where.adapter.send(where.addr, form));
    }
    await this.createPrompt(where.convId, actor.personId, 'notice-edit', { noticeId });
    await this.say(where.addr, { type: 'text', text: `目前內容（第${view.version}版）：\n${view.text}` });
    return this.say(where.addr, { type: 'text', text: NT.askText(view.audienceLabel, MAX_NOTICE_LENGTH) });
  }

  private async finishEdit(ctx: NoticeChatContext, actor: Actor, noticeId: string, text: string): Promise<void> {
    const before = await this.service.get(noticeId);
    const r = await this.service.revise(actor, noticeId, text);
    await this.maskedNotice(ctx, r.masked);
    await this.say(ctx.addr, { type: 'text', text: NT.revised(r.value.version) });
    if (before.status === 'submitted' || before.status === 'approved') await this.refreshReviewCards(r.value, before.version);
    await this.refreshNoticeCards(ctx, r.value);
  }

  private async submit(ctx: NoticeChatContext, actor: Actor, noticeId: string): Promise<void> {
    const current = await this.service.get(noticeId);
    // The principals are found before anything changes: a notice nobody can approve is not marked submitted.
    const principals = await this.deps.prisma.person.findMany({
      where: { schoolId: actor.schoolId, roles: { has: 'principal' }, active: true, id: { notIn: current.authorIds } },
      include: { identities: { where: { platform: ctx.adapter.platform } } },
    });
    const reachable = principals.filter((p) => p.identities.length > 0);
    if (reachable.length === 0) throw new UserError(NT.noPrincipal);
    const view = await this.service.submit(actor, noticeId);
    for (const p of reachable) {
      for (const identity of p.identities) {
        const addr = await ctx.adapter.directConversation({ platform: identity.platform, externalId: identity.externalId });
        if (!addr) continue;
        const conv = await this.conversationRow(addr, actor.schoolId);
        await this.say(addr, { type: 'text', text: NT.reviewRequest(view.incident.ref, view.audienceLabel, actor.displayName) });
        await this.post(ctx.adapter, addr, conv.id, view.incident.id, reviewCard(view, view.version));
      }
    }
    await this.say(ctx.addr, { type: 'text', text: NT.submitted(view.audienceLabel, reachable.length) });
    await this.refreshNoticeCards(ctx, view);
  }

  private async askComment(ctx: NoticeChatContext, actor: Actor, noticeId: string, version: number): Promise<void> {
    // Refuse a non-principal or an author before asking for a comment they could not give.
    const view = await this.service.get(noticeId);
    if (view.incident.schoolId !== actor.schoolId) throw new UserError('找不到這份通知稿。');
    if (!actor.roles.includes('principal')) throw new UserError('只有管理人（校長）可以核定或退回通知稿。');
    if (view.authorIds.includes(actor.personId)) throw new UserError('您撰寫或修改過這份通知稿，不能審核自己的稿件；請由其他管理人核定。');
    if (view.status !== 'submitted' || view.version !== version) throw new UserError(`這份通知稿目前為「${NOTICE_STATUS_LABELS[view.status]}」（第${view.version}版），不需要再審核。`);
    if (ctx.adapter.capabilities.maxFormFields >= 1) {
      return void (await ctx.adapter.send(ctx.addr, {
        type: 'form',
        formId: `ntc:${noticeId}:back:${version}`,
        title: `退回修改｜${view.audienceLabel}｜${view.incident.ref}`,
        intro: '請寫下需要修改的地方，撰稿人會收到您的意見。',
        fields: [{ id: 'comment', label: '修改意見', type: 'textarea', required: true, maxLength: 500 }],
        submitLabel: '退回',
        fallbackText: NT.askComment,
      }));
    }
    await this.createPrompt(ctx.conv.id, actor.personId, 'notice-back', { noticeId, version });
    return this.say(ctx.addr, { type: 'text', text: NT.askComment });
  }

  private async finishComment(ctx: NoticeChatContext, actor: Actor, noticeId: string, version: number, comment: string): Promise<void> {
    const r = await this.service.sendBack(actor, noticeId, version, comment);
    await this.maskedNotice(ctx, r.masked);
    await this.afterDecision(ctx, r.value, version);
    const last = r.value.reviews[r.value.reviews.length - 1]!;
    await this.notifyPerson(r.value.authorId, ctx.adapter, [{ type: 'text', text: NT.returned(r.value.audienceLabel, actor.displayName, last.comment ?? '') }], r.value);
  }

  private async askBatch(ctx: NoticeChatContext, actor: Actor, noticeId: string): Promise<void> {
    const view = await this.viewable(actor, noticeId);
    if (!can(actor, 'incident.coordinate')) throw new UserError('只有個資聯絡窗口或校長可以登記通知紀錄。');
    if (view.status !== 'approved') throw new UserError('這份通知尚未經管理人（校長）核定，不能登記為已通知。請先送核。');
    const where = await this.privateWhere(ctx, view.incident.id);
    // Where the platform has no forms, the core asks these fields one by one (conversation/steps.ts).
    return this.forms.send(where.adapter, where.addr, where.convId, actor.personId, {
      type: 'form',
      formId: `ntc:${noticeId}:batch`,
      title: `登記通知紀錄｜${view.audienceLabel}｜${view.incident.ref}`,
      intro: '每一批通知登記一次：方式與人數。只記人數，不要填收件人的姓名或聯絡方式。',
      fields: [
        { id: 'channel', label: '通知方式', type: 'select', required: true, options: CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] })) },
        { id: 'total', label: '這一批應通知人數', type: 'number', required: true },
        { id: 'notified', label: '已通知到的人數', type: 'number', required: true },
        { id: 'publicReason', label: '以公告通知的原因', type: 'text', required: false, maxLength: 300, help: '選「公告」時必填：為何個別通知顯不經濟（個人資料保護法施行細則第22條第2項）' },
        { id: 'note', label: '備註', type: 'text', required: false, maxLength: 300 },
      ],
      submitLabel: '登記',
      fallbackText: `登記通知紀錄｜${view.audienceLabel}`,
    });
  }

  private async finishBatch(ctx: NoticeChatContext, actor: Actor, noticeId: string, input: DeliveryInput): Promise<void> {
    const r = await this.service.recordDelivery(actor, noticeId, input);
    await this.maskedNotice(ctx, r.masked);
    await this.say(ctx.addr, { type: 'text', text: NT.delivered(r.value.audienceLabel, r.value.notified, r.value.total) });
    await this.refreshNoticeCards(ctx, r.value);
    await this.offerNotifyItem(ctx, r.value.incident.id);
  }

  /**
   * Once every notice of the incident is approved and has delivery records, the person is offered to tick the
   * checklist item 「通知當事人」 (which stops its clock), with the counts to check first. It is not ticked by
   * itself: whether the people not reached (notified < total) were reached some other way is a person's judgement.
   */
  private async offerNotifyItem(ctx: NoticeChatContext, incidentId: string): Promise<void> {
    const item = await this.deps.prisma.checklistItem.findFirst({ where: { incidentId, completesClock: 'subjects-notify', state: 'open' } });
    if (!item) return;
    const notices = await this.service.listForIncident(incidentId);
    if (notices.length === 0 || !notices.every((n) => n.status === 'approved' && n.batches.length > 0)) return;
    const counts = notices
      .map((n) => `${n.audienceLabel}：${[...new Set(n.batches.map((b) => CHANNEL_LABELS[b.channel]))].join('、')} ${n.notified} / ${n.total} 人`)
      .join('\n');
    await this.say(ctx.addr, {
      type: 'text',
      text: NT.allRecorded(item.title, counts),
      quickReplies: [{ label: '勾選完成', action: `ck:${item.id}:d`, style: 'primary' }],
    });
  }

  // ------------------------------------------------------------------ cards and delivery

  /** After a decision: the principal's card shows the outcome (buttons gone) and the drafter's cards follow. */
  private async afterDecision(ctx: NoticeChatContext, view: NoticeView, version: number): Promise<void> {
    await this.refreshReviewCards(view, version, ctx);
    await this.refreshNoticeCards(null, view);
  }

  private async refreshReviewCards(view: NoticeView, version: number, ctx?: NoticeChatContext): Promise<void> {
    const card = reviewCard(view, version);
    const posted = await this.deps.prisma.postedCard.findMany({ where: { incidentId: view.incident.id, cardKey: card.key! } });
    for (const p of posted) {
      const conv = await this.deps.prisma.conversation.findUnique({ where: { id: p.conversationId } });
      const adapter = conv && this.adapterFor(conv.platform);
      if (!conv || !adapter) continue;
      if (adapter.capabilities.editMessages && adapter.update) {
        await adapter.update(addressOf(conv), p.platformMessageId, card);
      } else if (!ctx || conv.id === ctx.conv.id) {
        // Where a card cannot be edited, the outcome is said once, in the conversation where the buttons are.
        const { messageId } = await adapter.send(addressOf(conv), card);
        await this.deps.prisma.postedCard.update({ where: { id: p.id }, data: { platformMessageId: messageId } });
      }
    }
  }

  private async refreshNoticeCards(ctx: NoticeChatContext | null, view: NoticeView): Promise<void> {
    const card = noticeCard(view);
    const posted = await this.deps.prisma.postedCard.findMany({ where: { incidentId: view.incident.id, cardKey: card.key! } });
    let shownHere = false;
    for (const p of posted) {
      const conv = await this.deps.prisma.conversation.findUnique({ where: { id: p.conversationId } });
      const adapter = conv && this.adapterFor(conv.platform);
      if (!conv || !adapter?.capabilities.editMessages || !adapter.update) continue;
      await adapter.update(addressOf(conv), p.platformMessageId, card);
      if (ctx && conv.id === ctx.conv.id) shownHere = true;
    }
    if (ctx && !shownHere && (ctx.conv.kind === 'direct' || isResponsePlace(ctx.conv, view.incident.schoolId, view.incident.id))) {
      await this.post(ctx.adapter, ctx.addr, ctx.conv.id, view.incident.id, card, true);
    }
  }

  /** Tells one person privately (the drafter after a decision), with the notice card they can act on. */
  private async notifyPerson(personId: string, adapter: ChatAdapter, messages: OutboundMessage[], view: NoticeView): Promise<void> {
    const identity = await this.deps.prisma.identity.findFirst({ where: { personId, platform: adapter.platform } });
    if (!identity) return;
    const addr = await adapter.directConversation({ platform: identity.platform, externalId: identity.externalId });
    if (!addr) return;
    const conv = await this.conversationRow(addr, view.incident.schoolId);
    for (const m of messages) await adapter.send(addr, m);
    await this.post(adapter, addr, conv.id, view.incident.id, noticeCard(view), true);
  }

  private async post(adapter: ChatAdapter, addr: ConversationAddress, conversationId: string, incidentId: string, card: Card, preferEdit = false) {
    const key = card.key ?? 'card';
    const where = { incidentId_cardKey_conversationId: { incidentId, cardKey: key, conversationId } };
    const existing = await this.deps.prisma.postedCard.findUnique({ where });
    if (preferEdit && existing && adapter.capabilities.editMessages && adapter.update) {
      return adapter.update(addr, existing.platformMessageId, card);
    }
    const { messageId } = await adapter.send(addr, card);
    await this.deps.prisma.postedCard.upsert({
      where,
      update: { platformMessageId: messageId },
      create: { id: newId(), incidentId, cardKey: key, conversationId, platformMessageId: messageId },
    });
  }

  /** Notices carry incident details: shown in a direct chat or the response group, else moved to a direct chat. */
  private async privateWhere(ctx: NoticeChatContext, incidentId?: string): Promise<{ adapter: ChatAdapter; addr: ConversationAddress; convId: string }> {
    const actor = this.requireActor(ctx);
    // A direct chat, the response group, or the room of this very incident (conversation/rooms.ts).
    if (ctx.conv.kind === 'direct' || isResponsePlace(ctx.conv, actor.schoolId, incidentId)) {
      return { adapter: ctx.adapter, addr: ctx.addr, convId: ctx.conv.id };
    }
    const direct = await ctx.adapter.directConversation(ctx.ev.user);
    if (!direct) throw new UserError(NT.notAllowed);
    await this.say(ctx.addr, { type: 'text', text: NT.onlyPrivately });
    return { adapter: ctx.adapter, addr: direct, convId: (await this.conversationRow(direct, actor.schoolId)).id };
  }

  private async maskedNotice(ctx: NoticeChatContext, findings: MaskFinding[]) {
    if (findings.length) await this.say(ctx.addr, { type: 'text', text: privacyNotice(findings) });
  }

  private requireActor(ctx: NoticeChatContext): Actor {
    if (!ctx.actor) throw new UserError('您的帳號尚未連結到學校的人員名冊，請洽個資聯絡窗口為您設定後再試。');
    return ctx.actor;
  }

  private async say(addr: ConversationAddress, message: OutboundMessage): Promise<void> {
    const adapter = this.adapterFor(addr.platform);
    if (!adapter) throw new Error(`No adapter registered for platform "${addr.platform}"`);
    await adapter.send(addr, message);
  }

  private async createPrompt(conversationId: string, personId: string, kind: PromptKind, state: NoticePromptState) {
    await this.prompts.create(conversationId, personId, kind, state);
  }

  private async conversationRow(addr: ConversationAddress, schoolId: string): Promise<Conversation> {
    return this.deps.prisma.conversation.upsert({
      where: { platform_externalId: { platform: addr.platform, externalId: addr.externalId } },
      update: {},
      create: { id: newId(), platform: addr.platform, externalId: addr.externalId, kind: addr.kind, purpose: addr.kind === 'direct' ? 'direct' : 'staff', schoolId },
    });
  }
}

function addressOf(conv: Conversation): ConversationAddress {
  return { platform: conv.platform, externalId: conv.externalId, kind: conv.kind as 'group' | 'direct', ...(conv.title ? { title: conv.title } : {}) };
}
