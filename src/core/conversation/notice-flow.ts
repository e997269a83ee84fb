import type { PromptRecord } from '../../ports/repositories/index.js';
import type { Card, Form } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';
import { UserError } from '../incidents/types.js';
import { CHANNEL_LABELS } from '../notices/channels.js';
import { NoticeChangedMeanwhile, type NoticeService } from '../notices/service.js';
import {
  deliveryBasis,
  MAX_NOTICE_LENGTH,
  NOTICE_STATUS_LABELS,
  type DeliveryInput,
  type Masked,
  type NoticeView,
} from '../notices/views.js';
import { AUDIENCES } from '../notices/templates.js';
import { can, type Actor } from '../roles.js';
import { act, formIds, noticeAct, parseNoticeForm, type NoticeAction } from './actions.js';
import { deliveryForm, deliveryInput, noticeCard, NT, parseBatchLine } from './notice-cards.js';
import { NoticePlaces } from './notice-places.js';
import { NoticeReview, type NoticePromptKind, type NoticePromptState } from './notice-review.js';
import type { PromptStore } from './prompts.js';
import type { FormSteps } from './steps.js';
import { T } from './texts.js';
import { requireActor, type Ctx, type Turns } from './turn.js';

/** Notice steps taken outside a chat turn (the web console); errors are UserError in zh-TW, as in chat. */
export interface NoticeConsoleActions {
  /** A new version from the edit form opened on version `basedOn` (refused when someone saved another meanwhile). */
  revise(actor: Actor, noticeId: string, basedOn: number, text: string): Promise<Masked<NoticeView>>;
  /** Sends `version` for approval; returns what the chat would have answered. */
  submit(actor: Actor, noticeId: string, version: number): Promise<string>;
  approve(actor: Actor, noticeId: string, version: number): Promise<NoticeView>;
  sendBack(actor: Actor, noticeId: string, version: number, comment: string): Promise<Masked<NoticeView>>;
  /** 改送代理人核定 (the principal away) for the submitted `version`; returns what the chat would have answered. */
  toActing(actor: Actor, noticeId: string, version: number): Promise<string>;
  /**
   * A delivery batch of an approved notice (chat's 登記通知紀錄 form, its answers as posted), from a page that showed
   * the notice as `basis` (deliveryBasis); refused with NoticeChangedMeanwhile when it changed since (checked by the
   * service under the notice's lock: of two posts at the same moment one batch is recorded).
   */
  deliver(actor: Actor, noticeId: string, basis: string, values: Record<string, string | string[] | undefined>): Promise<DeliveryDone>;
}

/** A delivery batch recorded: the notice, what was masked, and what the chat says after it. */
export interface DeliveryDone extends Masked<NoticeView> {
  /** 「已登記…的通知紀錄：累計已通知 n / m 人。」 */
  said: string;
  /** Every notice approved and delivered: chat's offer to tick the checklist item that notifying completes. */
  offer: { itemId: string; text: string; complete: boolean } | null;
}

/**
 * The notices part of the conversation: the overview of an incident's notices, drafting and editing (a form where
 * the platform has forms, a typed replacement where it has not), and delivery batches. The principal's decision is
 * notice-review.ts.
 */
export class NoticeFlow {
  private readonly places: NoticePlaces;
  private readonly review: NoticeReview;

  /**
   * The same steps taken in the web console (src/web/console): the service's rules, its timeline entries, and the
   * chat told as after the buttons (the principal's and the drafter's cards refreshed, the drafter or the approvers
   * messaged), on every platform the bot runs on since the console is on none.
   */
  readonly console: NoticeConsoleActions;

  constructor(
    private readonly deps: CoreDeps,
    private readonly turns: Turns,
    private readonly prompts: PromptStore,
    private readonly forms: FormSteps,
    readonly service: NoticeService,
  ) {
    this.places = new NoticePlaces(deps, turns, service);
    this.review = new NoticeReview(deps, turns, prompts, service, this.places);
    this.console = {
      revise: (actor, noticeId, basedOn, text) => this.finishEdit(null, actor, noticeId, text, basedOn),
      submit: (actor, noticeId, version) => this.review.submit(null, actor, noticeId, version),
      approve: (actor, noticeId, version) => this.review.approve(null, actor, noticeId, version),
      sendBack: (actor, noticeId, version, comment) => this.review.finishComment(null, actor, noticeId, version, comment),
      toActing: (actor, noticeId, version) => this.review.submitToActing(null, actor, noticeId, version),
      deliver: (actor, noticeId, basis, values) => this.finishBatch(null, actor, noticeId, deliveryInput(values), basis),
    };
  }

  /** 「通知」「通知 115-001」. */
  async onCommand(ctx: Ctx, arg: string | undefined): Promise<void> {
    const actor = requireActor(ctx, T.unknownPerson);
    return this.showOverview(ctx, await this.turns.incidentNamed(actor, arg, NT));
  }

  async onAction(ctx: Ctx, action: NoticeAction): Promise<void> {
    if (action.verb === null) throw new UserError('這個按鈕已失效。');
    const { verb, id, extra } = action;
    const actor = requireActor(ctx, T.unknownPerson);
    switch (verb) {
      case 'list':
        return this.showOverview(ctx, id);
      case 'new': {
        const { view } = await this.service.draft(actor, id, extra ?? '');
        return this.showNotice(ctx, view);
      }
      case 'show':
        return this.showNotice(ctx, await this.places.viewable(actor, id));
      case 'edit':
        return this.askEdit(ctx, actor, id);
      case 'submit':
        return void (await this.review.submit(ctx, actor, id));
      case 'acting':
        return void (await this.review.submitToActing(ctx, actor, id));
      case 'ok':
        return void (await this.review.approve(ctx, actor, id, Number(extra)));
      case 'back':
        return this.review.askComment(ctx, actor, id, Number(extra));
      case 'batch':
        return this.askBatch(ctx, actor, id);
    }
  }

  async onForm(ctx: Ctx, formId: string, values: Record<string, string | string[]>): Promise<void> {
    const actor = requireActor(ctx, T.unknownPerson);
    const form = parseNoticeForm(formId);
    const one = (k: string) => {
      const v = values[k];
      return Array.isArray(v) ? v.join('、') : (v ?? '');
    };
    switch (form?.what) {
      case 'edit':
        return void (await this.finishEdit(ctx, actor, form.noticeId, one('text')));
      case 'back':
        return void (await this.review.finishComment(ctx, actor, form.noticeId, form.version, one('comment')));
      case 'batch': {
        // The form names the version and the batches it was sent on: a double tap on 登記 records one batch.
        const basis = form.seen && deliveryBasis(form.seen.version, 'approved', form.seen.batches);
        try {
          return void (await this.finishBatch(ctx, actor, form.noticeId, deliveryInput(values), basis || undefined));
        } catch (err) {
          throw err instanceof NoticeChangedMeanwhile ? new UserError(NT.batchFormUsed) : err;
        }
      }
      case undefined:
        throw new UserError('這個表單已失效。');
    }
  }

  /** A typed answer to one of this flow's questions (platforms without forms). `text` is already masked. */
  async onPromptAnswer(ctx: Ctx, prompt: PromptRecord, text: string, isCommand = false): Promise<void> {
    const actor = requireActor(ctx, T.unknownPerson);
    if (isCommand) return this.turns.say(ctx.addr, { type: 'text', text: '請先回答上面的問題，或輸入「取消」。' });
    const state = this.prompts.state<NoticePromptState>(prompt);
    const kind = prompt.kind as NoticePromptKind;
    if (kind === 'notice-batch') {
      const input = parseBatchLine(text);
      if (!input) return this.turns.say(ctx.addr, { type: 'text', text: NT.batchUnreadable });
      await this.finishBatch(ctx, actor, state.noticeId, input);
    } else if (kind === 'notice-back') {
      await this.review.finishComment(ctx, actor, state.noticeId, state.version ?? 0, text);
    } else {
      await this.finishEdit(ctx, actor, state.noticeId, text);
    }
    await this.deps.repos.prompts.close(prompt.id, 'done');
  }

  // ------------------------------------------------------------------ steps

  private async showOverview(ctx: Ctx, incidentId: string): Promise<void> {
    const actor = requireActor(ctx, T.unknownPerson);
    const incident = await this.deps.repos.incidents.find(incidentId);
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
    await this.places.privately(ctx, incidentId, (where) => this.turns.postCard(where.adapter, where.addr, where.convId, incidentId, card));
  }

  private async showNotice(ctx: Ctx, view: NoticeView): Promise<void> {
    await this.places.privately(ctx, view.incident.id, (where) =>
      this.turns.postCard(where.adapter, where.addr, where.convId, view.incident.id, noticeCard(view), true),
    );
  }

  private async askEdit(ctx: Ctx, actor: Actor, noticeId: string): Promise<void> {
    const view = await this.places.viewable(actor, noticeId);
    if (!can(actor, 'incident.coordinate')) throw new UserError('只有個資聯絡窗口或校長可以撰寫通知稿。');
    if (view.batches.length) throw new UserError('這份通知已開始寄送，不能再修改內容。');
    return this.places.privately(ctx, view.incident.id, async (where) => {
      if (where.adapter.capabilities.maxFormFields >= 1) {
        const form: Form = {
          type: 'form',
          formId: formIds.noticeEdit(noticeId),
          title: `修改通知稿｜${view.audienceLabel}｜${view.incident.ref}`,
          intro: '請用淺顯的文字寫下：發生了什麼事與已採取的措施、建議對方怎麼做、查詢窗口、可請求的賠償（如適用）。請勿貼上外洩的個資。',
          // The measures sentence is brought up to date with the checklist before the drafter edits (measures.ts).
          fields: [
            {
              id: 'text',
              label: '通知內容',
              type: 'textarea',
              required: true,
              maxLength: MAX_NOTICE_LENGTH,
              initial: await this.service.refreshedText(view),
            },
          ],
          submitLabel: '儲存新版本',
          fallbackText: `修改通知稿｜${view.audienceLabel}`,
        };
        return void (await where.adapter.send(where.addr, form));
      }
      const state: NoticePromptState = { noticeId };
      await this.prompts.create(where.convId, actor.personId, 'notice-edit' satisfies NoticePromptKind, state);
      await this.turns.say(where.addr, {
        type: 'text',
        text: `目前內容（第${view.version}版，已依檢核清單更新「已採取的措施」）：\n${await this.service.refreshedText(view)}`,
      });
      return this.turns.say(where.addr, { type: 'text', text: NT.askText(view.audienceLabel, MAX_NOTICE_LENGTH) });
    });
  }

  /**
   * A new version: the person is told what was masked, the principal's cards of a withdrawn version say so, the
   * drafter's cards follow. From the console `ctx` is null and `basedOn` the version the form was opened on.
   */
  private async finishEdit(ctx: Ctx | null, actor: Actor, noticeId: string, text: string, basedOn?: number): Promise<Masked<NoticeView>> {
    const before = await this.service.get(noticeId);
    const r = await this.service.revise(actor, noticeId, text, basedOn);
    if (ctx) {
      await this.places.maskedNotice(ctx, r.masked);
      await this.turns.say(ctx.addr, { type: 'text', text: NT.revised(r.value.version) });
    }
    if (before.status === 'submitted' || before.status === 'approved') await this.places.refreshReviewCards(r.value, before.version);
    await this.places.refreshNoticeCards(ctx, r.value);
    return r;
  }

  private async askBatch(ctx: Ctx, actor: Actor, noticeId: string): Promise<void> {
    const view = await this.places.viewable(actor, noticeId);
    if (!can(actor, 'incident.coordinate')) throw new UserError('只有個資聯絡窗口或校長可以登記通知紀錄。');
    if (view.status !== 'approved') throw new UserError('這份通知尚未經管理人（校長）核定，不能登記為已通知。請先送核。');
    return this.places.privately(ctx, view.incident.id, async (where) => {
      // Where the platform has no forms, the core asks these fields one by one (conversation/steps.ts).
      return this.forms.send(where.adapter, where.addr, where.convId, actor.personId, deliveryForm(view));
    });
  }

  /**
   * A batch recorded: the person told what was masked and the running count, the drafter's cards follow, and the offer
   * to tick the notification item. From the console `ctx` is null: the page shows what the chat would have said.
   */
  private async finishBatch(ctx: Ctx | null, actor: Actor, noticeId: string, input: DeliveryInput, basis?: string): Promise<DeliveryDone> {
    const r = await this.service.recordDelivery(actor, noticeId, input, basis);
    const said = NT.delivered(r.value.audienceLabel, r.value.notified, r.value.total);
    if (ctx) {
      await this.places.maskedNotice(ctx, r.masked);
      await this.turns.say(ctx.addr, { type: 'text', text: said });
    }
    await this.places.refreshNoticeCards(ctx, r.value);
    const offer = await this.notifyItemOffer(r.value.incident.id);
    if (ctx && offer) {
      await this.turns.say(ctx.addr, {
        type: 'text',
        text: offer.text,
        ...(offer.complete
          ? { quickReplies: [{ label: '勾選完成', action: act.item(offer.itemId, 'd'), style: 'primary' as const }] }
          : {}),
      });
    }
    return { ...r, said, offer };
  }

  /**
   * Once every notice of the incident is approved and has delivery records, the person is offered to tick the
   * checklist item 「通知當事人」 (which stops its clock), with the counts to check first. It is not ticked by
   * itself. While some people are not reached yet (notified < total on any notice) completion is not offered: the
   * person is told how many are left and to record the follow-up batch (補通知) once they are reached.
   */
  private async notifyItemOffer(incidentId: string): Promise<DeliveryDone['offer']> {
    const item = await this.deps.repos.checklist.openCompleting(incidentId, 'subjects-notify');
    if (!item) return null;
    const notices = await this.service.listForIncident(incidentId);
    if (notices.length === 0 || !notices.every((n) => n.status === 'approved' && n.batches.length > 0)) return null;
    const counts = notices
      .map(
        (n) =>
          `${n.audienceLabel}：${[...new Set(n.batches.map((b) => CHANNEL_LABELS[b.channel]))].join('、')} ${n.notified} / ${n.total} 人`,
      )
      .join('\n');
    const unreached = notices.reduce((s, n) => s + (n.total - n.notified), 0);
    if (unreached > 0) return { itemId: item.id, text: NT.notAllReached(counts, unreached), complete: false };
    return { itemId: item.id, text: NT.allRecorded(item.title, counts), complete: true };
  }
}
