import type { ChatAdapter } from '../../ports/chat.js';
import type { CoreDeps } from '../context.js';
import { UserError } from '../incidents/types.js';
import { NoticeChangedMeanwhile, type NoticeService } from '../notices/service.js';
import type { Masked, NoticeView } from '../notices/views.js';
import { can, hasRole, type Actor } from '../roles.js';
import { formIds } from './actions.js';
import { NT, reviewCard } from './notice-cards.js';
import type { NoticePlaces } from './notice-places.js';
import type { PromptStore } from './prompts.js';
import type { Ctx, Turns } from './turn.js';

/** The questions the notices ask where the platform has no forms (a `pending_prompt` of this kind). */
export type NoticePromptKind = 'notice-edit' | 'notice-back' | 'notice-batch';
export interface NoticePromptState {
  noticeId: string;
  version?: number;
}

type Approver = { id: string; identities: { platform: string; externalId: string }[] };

/**
 * The principal's decision on a notice: sending it for approval (to the principals, or the acting approvers the
 * roster names), approving it, and sending it back with a comment; the drafter is told either way.
 */
export class NoticeReview {
  constructor(
    private readonly deps: CoreDeps,
    private readonly turns: Turns,
    private readonly prompts: PromptStore,
    private readonly service: NoticeService,
    private readonly places: NoticePlaces,
  ) {}

  /**
   * Sends the current version for approval. From the console (`ctx` null) the approvers are asked on every platform
   * the bot runs on, and what the chat would say is returned for the page instead.
   */
  async submit(ctx: Ctx | null, actor: Actor, noticeId: string, version?: number): Promise<string> {
    const current = await this.service.get(noticeId);
    // Who decides is found before anything changes: a notice nobody can approve is not marked submitted.
    const routes: { adapter: ChatAdapter; people: Approver[]; acting: boolean }[] = [];
    for (const adapter of this.reach(ctx)) {
      const route = await this.approvers(actor.schoolId, current.authorIds, adapter.platform);
      if (route.people.length) routes.push({ adapter, ...route });
    }
    if (routes.length === 0) {
      throw new UserError(hasRole(actor, 'principal') && current.authorIds.includes(actor.personId) ? NT.principalDrafted : NT.noPrincipal);
    }
    const view = await this.service.submit(actor, noticeId, version);
    for (const route of routes) await this.askToDecide(route.adapter, actor, view, route.people);
    const drafted = await this.deps.repos.people.anyWithRole(view.authorIds, 'principal');
    const asked = new Set(routes.flatMap((r) => r.people.map((p) => p.id))).size;
    const said = routes.every((r) => r.acting)
      ? NT.submittedToActing(view.audienceLabel, asked, drafted ? NT.actingWhy.drafted : NT.actingWhy.unreachable)
      : NT.submitted(view.audienceLabel, asked);
    if (ctx) await this.turns.say(ctx.addr, { type: 'text', text: said });
    await this.places.refreshNoticeCards(ctx, view);
    return said;
  }

  /**
   * The principal is away: a submitted notice's review card goes to the acting approvers as well. From the console
   * (`ctx` null) on every platform, for the version the page showed (`version`: refused when another is current), and
   * what the chat would say is returned for the page.
   */
  async submitToActing(ctx: Ctx | null, actor: Actor, noticeId: string, version?: number): Promise<string> {
    const view = await this.places.viewable(actor, noticeId);
    if (!can(actor, 'incident.coordinate')) throw new UserError('只有個資聯絡窗口或校長可以送核通知稿。');
    if (view.status !== 'submitted') throw new UserError(NT.notSubmitted);
    if (version !== undefined && version !== view.version) throw new NoticeChangedMeanwhile();
    const routes: { adapter: ChatAdapter; people: Approver[] }[] = [];
    for (const adapter of this.reach(ctx)) {
      const acting = await this.approvers(actor.schoolId, view.authorIds, adapter.platform, 'actingApprover');
      if (acting.people.length) routes.push({ adapter, people: acting.people });
    }
    if (routes.length === 0) throw new UserError(NT.noActing);
    for (const route of routes) await this.askToDecide(route.adapter, actor, view, route.people);
    const asked = new Set(routes.flatMap((r) => r.people.map((p) => p.id))).size;
    await this.service.recordSentToActing(actor, noticeId, asked);
    const said = NT.submittedToActing(view.audienceLabel, asked, NT.actingWhy.away);
    if (ctx) await this.turns.say(ctx.addr, { type: 'text', text: said });
    return said;
  }

  /** Approves; the principal's cards show it and the drafter is told (from the console, `ctx` null: on every platform). */
  async approve(ctx: Ctx | null, actor: Actor, noticeId: string, version: number): Promise<NoticeView> {
    const view = await this.service.approve(actor, noticeId, version);
    await this.afterDecision(ctx, view, version);
    for (const adapter of this.reach(ctx)) {
      await this.places.notifyPerson(
        view.authorId,
        adapter,
        [{ type: 'text', text: NT.approved(view.audienceLabel, actor.displayName) }],
        view,
      );
    }
    return view;
  }

  async askComment(ctx: Ctx, actor: Actor, noticeId: string, version: number): Promise<void> {
    // Refuse someone who may not decide, or an author, before asking for a comment they could not give.
    const view = await this.service.reviewable(actor, noticeId, version);
    if (ctx.adapter.capabilities.maxFormFields >= 1) {
      return void (await ctx.adapter.send(ctx.addr, {
        type: 'form',
        formId: formIds.noticeSendBack(noticeId, version),
        title: `退回修改｜${view.audienceLabel}｜${view.incident.ref}`,
        intro: '請寫下需要修改的地方，撰稿人會收到您的意見。',
        fields: [{ id: 'comment', label: '修改意見', type: 'textarea', required: true, maxLength: 500 }],
        submitLabel: '退回',
        fallbackText: NT.askComment,
      }));
    }
    const state: NoticePromptState = { noticeId, version };
    await this.prompts.create(ctx.conv.id, actor.personId, 'notice-back' satisfies NoticePromptKind, state);
    return this.turns.say(ctx.addr, { type: 'text', text: NT.askComment });
  }

  /** Sends back with a comment (masked by the service); as approve, from the chat or the console (`ctx` null). */
  async finishComment(ctx: Ctx | null, actor: Actor, noticeId: string, version: number, comment: string): Promise<Masked<NoticeView>> {
    const r = await this.service.sendBack(actor, noticeId, version, comment);
    if (ctx) await this.places.maskedNotice(ctx, r.masked);
    await this.afterDecision(ctx, r.value, version);
    const last = r.value.reviews[r.value.reviews.length - 1]!;
    for (const adapter of this.reach(ctx)) {
      await this.places.notifyPerson(
        r.value.authorId,
        adapter,
        [{ type: 'text', text: NT.returned(r.value.audienceLabel, actor.displayName, last.comment ?? '') }],
        r.value,
      );
    }
    return r;
  }

  // ------------------------------------------------------------------ internals

  /** The platforms a step reaches: the one it was taken on, or every one when taken in the console. */
  private reach(ctx: Ctx | null): ChatAdapter[] {
    return ctx ? [ctx.adapter] : [...this.turns.adapters()];
  }

  private async askToDecide(adapter: ChatAdapter, actor: Actor, view: NoticeView, people: Approver[]) {
    for (const p of people) {
      for (const identity of p.identities) {
        const addr = await adapter.directConversation({ platform: identity.platform, externalId: identity.externalId });
        if (!addr) continue;
        const conv = await this.turns.conversationRow(addr, actor.schoolId);
        await this.turns.say(addr, { type: 'text', text: NT.reviewRequest(view.incident.ref, view.audienceLabel, actor.displayName) });
        await this.turns.postCard(adapter, addr, conv.id, view.incident.id, reviewCard(view, view.version));
      }
    }
  }

  /**
   * Who is asked to decide: the principals (管理人) who wrote no version and can be reached on this platform; when
   * there is none (the principal drafted, or has no linked account), the acting approvers (代理人) the roster names.
   */
  private async approvers(schoolId: string, authorIds: string[], platform: string, only?: 'actingApprover') {
    const find = (role: 'principal' | 'actingApprover') => this.deps.repos.people.activeWithRoleOn(schoolId, role, platform, authorIds);
    const principals = only ? [] : (await find('principal')).filter((p) => p.identities.length > 0);
    if (principals.length) return { people: principals, acting: false };
    return { people: (await find('actingApprover')).filter((p) => p.identities.length > 0), acting: true };
  }

  /** After a decision: the principal's card shows the outcome (buttons gone) and the drafter's cards follow. */
  private async afterDecision(ctx: Ctx | null, view: NoticeView, version: number): Promise<void> {
    await this.places.refreshReviewCards(view, version, ctx ?? undefined);
    await this.places.refreshNoticeCards(null, view);
  }
}
