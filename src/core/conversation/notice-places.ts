import type { ChatAdapter } from '../../ports/chat.js';
import type { OutboundMessage } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';
import { UserError } from '../incidents/types.js';
import type { NoticeService } from '../notices/service.js';
import type { NoticeView } from '../notices/views.js';
import { privacyNotice, type MaskFinding } from '../privacy/mask.js';
import { can, type Actor } from '../roles.js';
import { noticeCard, NT, reviewCard } from './notice-cards.js';
import { reachPrivately } from './reach.js';
import { isResponsePlace } from './rooms.js';
import { T } from './texts.js';
import { requireActor, type Ctx, type Place, type Turns } from './turn.js';

/**
 * Where notices are shown and kept up to date, shared by the drafting (notice-flow.ts) and the decision
 * (notice-review.ts): who may see one, the private place it is shown in, and its cards re-rendered after a change.
 */
export class NoticePlaces {
  constructor(
    private readonly deps: CoreDeps,
    private readonly turns: Turns,
    private readonly service: NoticeService,
  ) {}

  /** A notice of the person's school that they may see (its incident's viewers). */
  async viewable(actor: Actor, noticeId: string): Promise<NoticeView> {
    const view = await this.service.get(noticeId);
    if (view.incident.schoolId !== actor.schoolId) throw new UserError('找不到這份通知稿。');
    if (!can(actor, 'incident.view', { isReporter: view.incident.reporterId === actor.personId })) throw new UserError(NT.notAllowed);
    return view;
  }

  /** Notices carry incident details: shown in a direct chat or the response group, else moved to a direct chat. */
  privately<R>(ctx: Ctx, incidentId: string | undefined, show: (where: Place) => Promise<R>): Promise<R> {
    const actor = requireActor(ctx, T.unknownPerson);
    // A direct chat, the response group, or the room of this very incident (conversation/rooms.ts).
    return this.turns.privately(
      ctx,
      actor,
      {
        here: isResponsePlace(ctx.conv, actor.schoolId, incidentId),
        moved: NT.onlyPrivately,
        noDirect: NT.noDirect(reachPrivately(ctx.adapter)),
      },
      show,
    );
  }

  /** What the person typed was masked before it was stored: they are told so. */
  async maskedNotice(ctx: Ctx, findings: MaskFinding[]): Promise<void> {
    if (findings.length) await this.turns.say(ctx.addr, { type: 'text', text: privacyNotice(findings) });
  }

  /**
   * The principal's cards of a version show its outcome: edited where the platform can; where it cannot, re-sent once
   * in the conversation where the buttons were pressed (`ctx`), or everywhere without one.
   */
  async refreshReviewCards(view: NoticeView, version: number, ctx?: Ctx): Promise<void> {
    const card = reviewCard(view, version);
    for (const copy of await this.turns.postedCopies(view.incident.id, card.key!)) {
      const { adapter } = copy;
      if (adapter.capabilities.editMessages && adapter.update) {
        await adapter.update(copy.addr, copy.messageId, card);
      } else if (!ctx || copy.conv.id === ctx.conv.id) {
        // Where a card cannot be edited, the outcome is said once, in the conversation where the buttons are.
        const { messageId } = await adapter.send(copy.addr, card);
        await this.deps.repos.postedCards.reposted(copy.id, messageId);
      }
    }
  }

  /** The drafter's cards of a notice: edited where they were posted, and shown here (`ctx`) when not edited here. */
  async refreshNoticeCards(ctx: Ctx | null, view: NoticeView): Promise<void> {
    const card = noticeCard(view);
    let shownHere = false;
    for (const copy of await this.turns.postedCopies(view.incident.id, card.key!)) {
      if (!copy.adapter.capabilities.editMessages || !copy.adapter.update) continue;
      await copy.adapter.update(copy.addr, copy.messageId, card);
      if (ctx && copy.conv.id === ctx.conv.id) shownHere = true;
    }
    if (ctx && !shownHere && (ctx.conv.kind === 'direct' || isResponsePlace(ctx.conv, view.incident.schoolId, view.incident.id))) {
      await this.turns.postCard(ctx.adapter, ctx.addr, ctx.conv.id, view.incident.id, card, true);
    }
  }

  /** Tells one person privately (the drafter after a decision), with the notice card they can act on. */
  async notifyPerson(personId: string, adapter: ChatAdapter, messages: OutboundMessage[], view: NoticeView): Promise<void> {
    const identity = await this.deps.repos.identities.onPlatform(personId, adapter.platform);
    if (!identity) return;
    const addr = await adapter.directConversation({ platform: identity.platform, externalId: identity.externalId });
    if (!addr) return;
    const conv = await this.turns.conversationRow(addr, view.incident.schoolId);
    for (const m of messages) await adapter.send(addr, m);
    await this.turns.postCard(adapter, addr, conv.id, view.incident.id, noticeCard(view), true);
  }
}
