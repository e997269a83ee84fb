import type { PendingPrompt } from '../../generated/prisma/client.js';
import type { ChatAdapter } from '../../ports/chat.js';
import type { Card, Form, OutboundMessage } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';
import type { NoticeAction } from '../conversation/actions.js';
import { addressOf, requireActor, type Place, type TurnContext, type Turns } from '../conversation/turn.js';
import { PromptStore } from '../conversation/prompts.js';
import { isResponsePlace } from '../conversation/rooms.js';
import { FormSteps } from '../conversation/steps.js';
import { UserError } from '../incidents/types.js';
import { privacyNotice, type MaskFinding } from '../privacy/mask.js';
import { can, hasRole, type Actor } from '../roles.js';
import { noticeAct, noticeCard, NT, parseBatchLine, reviewCard } from './cards.js';
import { CHANNEL_LABELS, CHANNELS, PUBLIC_REASON_HELP } from './channels.js';
import { MAX_NOTICE_LENGTH, NOTICE_STATUS_LABELS, NoticeService, type DeliveryInput, type NoticeView } from './service.js';
import { AUDIENCES, type NoticeTemplates } from './templates.js';

export { noticeAct, noticeCard, parseBatchLine, parseNoticeCommand, reviewCard } from './cards.js';

/** What the conversation engine hands over for one inbound event (conversation/turn.ts). */
export type NoticeChatContext = TurnContext;

const UNKNOWN_PERSON = '您的帳號尚未連結到學校的人員名冊，請洽個資聯絡窗口為您設定後再試。';

type PromptKind = 'notice-edit' | 'notice-back' | 'notice-batch';
interface NoticePromptState {
  noticeId: string;
  version?: number;
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
    private readonly turns: Turns,
  ) {
    this.service = new NoticeService(deps, templates);
    this.prompts = new PromptStore(deps);
    this.forms = new FormSteps(deps);
  }

  async onCommand(ctx: NoticeChatContext, arg: string | undefined): Promise<void> {
    const actor = requireActor(ctx, UNKNOWN_PERSON);
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

  async onAction(ctx: NoticeChatContext, action: NoticeAction): Promise<void> {
    if (action.verb === null) throw new UserError('這個按鈕已失效。');
    const { verb, id, extra } = action;
    const actor = requireActor(ctx, UNKNOWN_PERSON);
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
      case 'acting':
        return this.submitToActing(ctx, actor, id);
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
    const actor = requireActor(ctx, UNKNOWN_PERSON);
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
    const actor = requireActor(ctx, UNKNOWN_PERSON);
    if (isCommand) return this.turns.say(ctx.addr, { type: 'text', text: '請先回答上面的問題，或輸入「取消」。' });
    const state = this.prompts.state<NoticePromptState>(prompt);
    const kind = prompt.kind as PromptKind;
    if (kind === 'notice-batch') {
      const input = parseBatchLine(text);
      if (!input) return this.turns.say(ctx.addr, { type: 'text', text: NT.batchUnreadable });
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
    const actor = requireActor(ctx, UNKNOWN_PERSON);
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
    await this.turns.postCard(where.adapter, where.addr, where.convId, incidentId, card);
  }

  private async showNotice(ctx: NoticeChatContext, view: NoticeView): Promise<void> {
    const where = await this.privateWhere(ctx, view.incident.id);
    await this.turns.postCard(where.adapter, where.addr, where.convId, view.incident.id, noticeCard(view), true);
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
        // The measures sentence is brought up to date with the checklist before the drafter edits (measures.ts).
        fields: [{ id: 'text', label: '通知內容', type: 'textarea', required: true, maxLength: MAX_NOTICE_LENGTH, initial: await this.service.refreshedText(view) }],
        submitLabel: '儲存新版本',
        fallbackText: `修改通知稿｜${view.audienceLabel}`,
      };
      return void (await where.adapter.send(where.addr, form));
    }
    await this.createPrompt(where.convId, actor.personId, 'notice-edit', { noticeId });
    await this.turns.say(where.addr, { type: 'text', text: `目前內容（第${view.version}版，已依檢核清單更新「已採取的措施」）：\n${await this.service.refreshedText(view)}` });
    return this.turns.say(where.addr, { type: 'text', text: NT.askText(view.audienceLabel, MAX_NOTICE_LENGTH) });
  }

  private async finishEdit(ctx: NoticeChatContext, actor: Actor, noticeId: string, text: string): Promise<void> {
    const before = await this.service.get(noticeId);
    const r = await this.service.revise(actor, noticeId, text);
    await this.maskedNotice(ctx, r.masked);
    await this.turns.say(ctx.addr, { type: 'text', text: NT.revised(r.value.version) });
    if (before.status === 'submitted' || before.status === 'approved') await this.refreshReviewCards(r.value, before.version);
    await this.refreshNoticeCards(ctx, r.value);
  }

  private async submit(ctx: NoticeChatContext, actor: Actor, noticeId: string): Promise<void> {
    const current = await this.service.get(noticeId);
    // Who decides is found before anything changes: a notice nobody can approve is not marked submitted.
    const route = await this.approvers(actor.schoolId, current.authorIds, ctx.adapter.platform);
    if (route.people.length === 0) {
      throw new UserError(hasRole(actor, 'principal') && current.authorIds.includes(actor.personId) ? NT.principalDrafted : NT.noPrincipal);
    }
    const view = await this.service.submit(actor, noticeId);
    await this.askToDecide(ctx, actor, view, route.people);
    const drafted = await this.deps.prisma.person.count({ where: { id: { in: view.authorIds }, roles: { has: 'principal' } } });
    const said = route.acting
      ? NT.submittedToActing(view.audienceLabel, route.people.length, drafted ? NT.actingWhy.drafted : NT.actingWhy.unreachable)
      : NT.submitted(view.audienceLabel, route.people.length);
    await this.turns.say(ctx.addr, { type: 'text', text: said });
    await this.refreshNoticeCards(ctx, view);
  }

  /** The principal is away: a submitted notice's review card goes to the acting approvers as well. */
  private async submitToActing(ctx: NoticeChatContext, actor: Actor, noticeId: string): Promise<void> {
    const view = await this.viewable(actor, noticeId);
    if (!can(actor, 'incident.coordinate')) throw new UserError('只有個資聯絡窗口或校長可以送核通知稿。');
    if (view.status !== 'submitted') throw new UserError(NT.notSubmitted);
    const acting = await this.approvers(actor.schoolId, view.authorIds, ctx.adapter.platform, 'actingApprover');
    if (acting.people.length === 0) throw new UserError(NT.noActing);
    await this.askToDecide(ctx, actor, view, acting.people);
    await this.turns.say(ctx.addr, { type: 'text', text: NT.submittedToActing(view.audienceLabel, acting.people.length, NT.actingWhy.away) });
  }

  private async askToDecide(ctx: NoticeChatContext, actor: Actor, view: NoticeView, people: { identities: { platform: string; externalId: string }[] }[]) {
    for (const p of people) {
      for (const identity of p.identities) {
        const addr = await ctx.adapter.directConversation({ platform: identity.platform, externalId: identity.externalId });
        if (!addr) continue;
        const conv = await this.turns.conversationRow(addr, actor.schoolId);
        await this.turns.say(addr, { type: 'text', text: NT.reviewRequest(view.incident.ref, view.audienceLabel, actor.displayName) });
        await this.turns.postCard(ctx.adapter, addr, conv.id, view.incident.id, reviewCard(view, view.version));
      }
    }
  }

  /**
   * Who is asked to decide: the principals (管理人) who wrote no version and can be reached on this platform; when
   * there is none (the principal drafted, or has no linked account), the acting approvers (代理人) the roster names.
   */
  private async approvers(schoolId: string, authorIds: string[], platform: string, only?: 'actingApprover') {
    const find = (role: 'principal' | 'actingApprover') =>
      this.deps.prisma.person.findMany({
        where: { schoolId, roles: { has: role }, active: true, id: { notIn: authorIds } },
        include: { identities: { where: { platform } } },
        orderBy: { createdAt: 'asc' },
      });
    const principals = only ? [] : (await find('principal')).filter((p) => p.identities.length > 0);
    if (principals.length) return { people: principals, acting: false };
    return { people: (await find('actingApprover')).filter((p) => p.identities.length > 0), acting: true };
  }

  private async askComment(ctx: NoticeChatContext, actor: Actor, noticeId: string, version: number): Promise<void> {
    // Refuse someone who may not decide, or an author, before asking for a comment they could not give.
    const view = await this.service.reviewable(actor, noticeId, version);
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
    return this.turns.say(ctx.addr, { type: 'text', text: NT.askComment });
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
      intro: '每一批通知登記一次：方式與人數（個人資料保護法施行細則第22條：言詞、書面、電話、簡訊、電子郵件、傳真、電子文件或其他足以使當事人知悉的方式）。只記人數，不要填收件人的姓名或聯絡方式。',
      fields: [
        { id: 'channel', label: '通知方式', type: 'select', required: true, options: CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] })) },
        { id: 'total', label: '這一批應通知人數', type: 'number', required: true },
        { id: 'notified', label: '已通知到的人數', type: 'number', required: true },
        { id: 'publicReason', label: '以公開方式通知的原因', type: 'text', required: false, maxLength: 300, help: PUBLIC_REASON_HELP },
        { id: 'note', label: '備註', type: 'text', required: false, maxLength: 300, help: '選「其他」時必填：用什麼方式讓當事人知悉' },
      ],
      submitLabel: '登記',
      fallbackText: `登記通知紀錄｜${view.audienceLabel}`,
    });
  }

  private async finishBatch(ctx: NoticeChatContext, actor: Actor, noticeId: string, input: DeliveryInput): Promise<void> {
    const r = await this.service.recordDelivery(actor, noticeId, input);
    await this.maskedNotice(ctx, r.masked);
    await this.turns.say(ctx.addr, { type: 'text', text: NT.delivered(r.value.audienceLabel, r.value.notified, r.value.total) });
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
    await this.turns.say(ctx.addr, {
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
      const adapter = conv && this.turns.adapterFor(conv.platform);
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
      const adapter = conv && this.turns.adapterFor(conv.platform);
      if (!conv || !adapter?.capabilities.editMessages || !adapter.update) continue;
      await adapter.update(addressOf(conv), p.platformMessageId, card);
      if (ctx && conv.id === ctx.conv.id) shownHere = true;
    }
    if (ctx && !shownHere && (ctx.conv.kind === 'direct' || isResponsePlace(ctx.conv, view.incident.schoolId, view.incident.id))) {
      await this.turns.postCard(ctx.adapter, ctx.addr, ctx.conv.id, view.incident.id, card, true);
    }
  }

  /** Tells one person privately (the drafter after a decision), with the notice card they can act on. */
  private async notifyPerson(personId: string, adapter: ChatAdapter, messages: OutboundMessage[], view: NoticeView): Promise<void> {
    const identity = await this.deps.prisma.identity.findFirst({ where: { personId, platform: adapter.platform } });
    if (!identity) return;
    const addr = await adapter.directConversation({ platform: identity.platform, externalId: identity.externalId });
    if (!addr) return;
    const conv = await this.turns.conversationRow(addr, view.incident.schoolId);
    for (const m of messages) await adapter.send(addr, m);
    await this.turns.postCard(adapter, addr, conv.id, view.incident.id, noticeCard(view), true);
  }


  /** Notices carry incident details: shown in a direct chat or the response group, else moved to a direct chat. */
  private async privateWhere(ctx: NoticeChatContext, incidentId?: string): Promise<Place> {
    const actor = requireActor(ctx, UNKNOWN_PERSON);
    // A direct chat, the response group, or the room of this very incident (conversation/rooms.ts).
    return this.turns.privateWhere(ctx, actor, { here: isResponsePlace(ctx.conv, actor.schoolId, incidentId), moved: NT.onlyPrivately, noDirect: NT.notAllowed });
  }

  private async maskedNotice(ctx: NoticeChatContext, findings: MaskFinding[]) {
    if (findings.length) await this.turns.say(ctx.addr, { type: 'text', text: privacyNotice(findings) });
  }



  private async createPrompt(conversationId: string, personId: string, kind: PromptKind, state: NoticePromptState) {
    await this.prompts.create(conversationId, personId, kind, state);
  }

}

