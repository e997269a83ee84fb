import type { ChatAdapter } from '../../ports/chat.js';
import { isChatPlatformError, type ChatPlatformError } from '../../ports/chat-errors.js';
import type { Card, ConversationAddress, InboundEvent, OutboundMessage, PlatformUser } from '../../ports/chat-model.js';
import type { ConversationRecord } from '../../ports/repositories/index.js';
import type { CoreDeps } from '../context.js';
import { newId } from '../ids.js';
import type { IncidentView } from '../incidents/service.js';
import { UserError } from '../incidents/types.js';
import { can, type Actor } from '../roles.js';
import { MINE_PREFIX, checklistCard, incidentCard } from './render.js';
import { isResponsePlace } from './rooms.js';
import { T } from './texts.js';

/**
 * The turn context: what every conversation flow gets for one inbound event, and the helpers they share to answer
 * it — say something, answer the person alone, require a linked person, move details to a private chat, and post or
 * refresh cards with the posted-card registry (`posted_card`). Flows (intake, fan-out, checklist, notices, reports,
 * evidence) take this instead of keeping their own copies.
 */
export interface TurnContext {
  ev: InboundEvent;
  adapter: ChatAdapter;
  conv: ConversationRecord;
  addr: ConversationAddress;
  actor: Actor | null;
}

/** The conversation engine's own context: the turn plus what masking keeps and the school's name. */
export interface Ctx extends TurnContext {
  schoolName: string;
  /** The person's school's values on record that masking keeps (its contact telephone). */
  keep: string[];
}

/** Where something is shown: an adapter, an address and the conversation's row id. */
export interface Place {
  adapter: ChatAdapter;
  addr: ConversationAddress;
  convId: string;
}

export type CardKey = 'incident' | 'checklist';

/** One posted copy of a card: its `posted_card` row id and message, its conversation, and that platform's adapter. */
export interface PostedCopy {
  id: string;
  messageId: string;
  conv: ConversationRecord;
  addr: ConversationAddress;
  adapter: ChatAdapter;
}

/** A flow's own words when a command names no incident, or one the school does not have. */
export interface RefTexts {
  refUnknown: (ref: string) => string;
  refNeeded: string;
}

export function addressOf(conv: ConversationRecord): ConversationAddress {
  return {
    platform: conv.platform,
    externalId: conv.externalId,
    kind: conv.kind as 'group' | 'direct',
    ...(conv.title ? { title: conv.title } : {}),
  };
}

/** A text for one person: only for them where the platform can show it so (in a group). */
export function forPerson(addr: ConversationAddress, user: PlatformUser | undefined, text: string): OutboundMessage {
  return addr.kind === 'group' && user ? { type: 'text', text, onlyFor: user } : { type: 'text', text };
}

/**
 * The person acting, linked to the roster. Without one: `unknown` when given (a flow's own wording), else the
 * engine's (an unbound group is told so).
 */
export function requireActor(ctx: Pick<TurnContext, 'actor' | 'conv'>, unknown?: string): Actor {
  if (ctx.actor) return ctx.actor;
  throw new UserError(unknown ?? (ctx.conv.kind === 'group' && !ctx.conv.schoolId ? T.groupNotBound : T.unknownPerson));
}

export interface PrivateWhereOptions {
  /** Whether details may stay in this conversation (besides a private chat, which always may). */
  here?: boolean;
  /** Said here when moving to the private chat. */
  moved: string;
  /** The refusal when the platform cannot open a private chat with the person. */
  noDirect: string;
  /** `moved` is said to the person alone (in a group, where the platform can). */
  onlyFor?: boolean;
}

/** A platform refusal meaning this person cannot be written to privately (not a fault of the bot's own). */
function unreachable(err: unknown): err is ChatPlatformError {
  return isChatPlatformError(err, 'permission') || isChatPlatformError(err, 'not-found');
}

export class Turns {
  constructor(
    private readonly deps: CoreDeps,
    readonly adapterFor: (platform: string) => ChatAdapter | undefined,
    /** Every registered adapter (contact windows are reached on any platform). */
    readonly adapters: () => Iterable<ChatAdapter>,
  ) {}

  async say(addr: ConversationAddress, message: OutboundMessage): Promise<void> {
    const adapter = this.adapterFor(addr.platform);
    if (!adapter) throw new Error(`No adapter registered for platform "${addr.platform}"`);
    await adapter.send(addr, message);
  }

  /** An answer to the person who acted: only for them where the platform can show it so (in a group). */
  answer(ctx: Pick<TurnContext, 'addr' | 'ev'>, text: string): Promise<void> {
    return this.say(ctx.addr, forPerson(ctx.addr, ctx.ev.user, text));
  }

  /** The row of a conversation the bot writes to (a private chat or group it may not have heard from yet). */
  async conversationRow(addr: ConversationAddress, schoolId: string): Promise<ConversationRecord> {
    return this.deps.repos.conversations.ensure({
      id: newId(),
      platform: addr.platform,
      externalId: addr.externalId,
      kind: addr.kind,
      purpose: addr.kind === 'direct' ? 'direct' : 'staff',
      schoolId,
    });
  }

  /**
   * Details only in a private chat (or here, when `here`): `show` runs in the person's private chat first, and only
   * when it got there is `moved` said where they asked. When the platform refuses (no private chat, or one that turns
   * messages away: Discord DMs closed, a LINE user who is not a friend, Slack giving no DM) nothing is said to have
   * moved: `noDirect` (how to open one, never the details) is thrown as a UserError, answered to the person alone
   * where the platform can. Returns what `show` returned.
   */
  async privately<R>(ctx: TurnContext, actor: Actor, o: PrivateWhereOptions, show: (where: Place) => Promise<R>): Promise<R> {
    if (ctx.conv.kind === 'direct' || o.here) return show({ adapter: ctx.adapter, addr: ctx.addr, convId: ctx.conv.id });
    const sent = await this.inPrivateChat(ctx, actor, show);
    if (!sent) throw new UserError(o.noDirect);
    await (o.onlyFor ? this.answer(ctx, o.moved) : this.say(ctx.addr, { type: 'text', text: o.moved }));
    return sent.value;
  }

  /**
   * Runs `show` in the private chat of the person who acted (from a group). Null when the platform cannot open one or
   * refuses to deliver there (a permission or not-found ChatPlatformError): then the questions `show` opened in that
   * chat are cancelled, so nothing waits in a chat the person never saw. Other errors are thrown as they are.
   */
  async inPrivateChat<R>(ctx: TurnContext, actor: Actor, show: (where: Place) => Promise<R>): Promise<{ value: R; where: Place } | null> {
    const direct = await ctx.adapter.directConversation(ctx.ev.user).catch((err: unknown) => {
      if (unreachable(err)) return null;
      throw err;
    });
    if (!direct) return null;
    const where: Place = { adapter: ctx.adapter, addr: direct, convId: (await this.conversationRow(direct, actor.schoolId)).id };
    const before = await this.deps.repos.prompts.openIds(where.convId, actor.personId);
    try {
      return { value: await show(where), where };
    } catch (err) {
      if (!unreachable(err)) throw err;
      this.deps.log.warn(
        { err: { type: err.name, kind: err.kind, code: err.code }, platform: ctx.adapter.platform },
        'the private chat refused a message; the person is told how to open one instead',
      );
      await this.deps.repos.prompts.cancelOpenExcept(where.convId, actor.personId, before);
      return null;
    }
  }

  /** The incident a command names by its ref, or else the school's one open incident (`refNeeded` when not one). */
  async incidentNamed(actor: Actor, ref: string | undefined, texts: RefTexts): Promise<string> {
    const { repos } = this.deps;
    if (ref) {
      const incident = await repos.incidents.findByRef(actor.schoolId, ref);
      if (!incident) throw new UserError(texts.refUnknown(ref));
      return incident.id;
    }
    const open = await repos.incidents.openIds(actor.schoolId);
    if (open.length !== 1) throw new UserError(texts.refNeeded);
    return open[0]!;
  }

  /** Every copy of one card of an incident posted in a conversation whose platform is registered here. */
  async postedCopies(incidentId: string, cardKey: string): Promise<PostedCopy[]> {
    const out: PostedCopy[] = [];
    for (const { conversation: conv, ...p } of await this.deps.repos.postedCards.copies(incidentId, [cardKey])) {
      const adapter = this.adapterFor(conv.platform);
      if (adapter) out.push({ id: p.id, messageId: p.platformMessageId, conv, addr: addressOf(conv), adapter });
    }
    return out;
  }

  /** Posts a card of an incident (or edits the one posted here, with `preferEdit`) and records it in `posted_card`. */
  async postCard(
    adapter: ChatAdapter,
    addr: ConversationAddress,
    conversationId: string,
    incidentId: string,
    card: Card,
    preferEdit = false,
  ): Promise<void> {
    const key = card.key ?? 'card';
    // Only an edit needs the card posted before (a new incident's cards are always sent).
    if (preferEdit && adapter.capabilities.editMessages && adapter.update) {
      const existing = await this.deps.repos.postedCards.find(incidentId, key, conversationId);
      if (existing) {
        await adapter.update(addr, existing.platformMessageId, card);
        return;
      }
    }
    const { messageId } = await adapter.send(addr, card);
    await this.deps.repos.postedCards.record({ id: newId(), incidentId, cardKey: key, conversationId, platformMessageId: messageId });
  }

  /**
   * Re-renders an incident's cards everywhere they were posted: edited in place where the platform can, and sent
   * afresh in the conversation where the change was made where it cannot.
   */
  /** The cards of an incident edited where they were posted, and shown in `ctx` (null: a step from the web console) if not there. */
  async refreshCards(ctx: TurnContext | null, view: IncidentView, keys: CardKey[]): Promise<void> {
    const now = this.deps.now();
    const render = (key: string) =>
      key === 'incident'
        ? incidentCard(view, now)
        : key.startsWith(MINE_PREFIX)
          ? checklistCard(view, key.slice(MINE_PREFIX.length))
          : checklistCard(view);
    // A person's own checklist (the reporter's 1:1 chat) is refreshed with the checklist.
    const posted = await this.deps.repos.postedCards.copies(view.incident.id, keys, keys.includes('checklist') ? [MINE_PREFIX] : []);
    let updatedHere = new Set<string>();
    for (const { conversation: conv, ...p } of posted) {
      const adapter = this.adapterFor(conv.platform);
      if (!adapter?.capabilities.editMessages || !adapter.update) continue;
      await adapter.update(addressOf(conv), p.platformMessageId, render(p.cardKey));
      await this.deps.repos.postedCards.edited(p.id, now);
      if (conv.id === ctx?.conv.id) updatedHere = new Set([...updatedHere, p.cardKey]);
    }
    if (!ctx) return;
    const dm = ctx.conv.kind === 'direct' && ctx.actor ? ctx.actor : null;
    const allowedHere = isResponsePlace(ctx.conv, view.incident.schoolId, view.incident.id) || dm !== null;
    if (!allowedHere) return;
    const own = dm && !can(dm, 'incident.act') ? `${MINE_PREFIX}${dm.personId}` : null;
    for (const key of keys) {
      if (updatedHere.has(key) || (key === 'incident' && !ctx.adapter.capabilities.editMessages && keys.includes('checklist'))) continue;
      // In a private chat of someone who is not a responder, the checklist shown is their own items.
      const shown = key === 'checklist' && own ? own : key;
      if (updatedHere.has(shown)) continue;
      await this.postCard(ctx.adapter, ctx.addr, ctx.conv.id, view.incident.id, render(shown), true);
    }
  }
}
