import { createHash, randomInt } from 'node:crypto';
import type { PersonRecord as Person } from '../../ports/repositories/index.js';
import { DEFAULT_WORDING, type ConversationAddress, type PlatformUser } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';
import { newId } from '../ids.js';
import { UserError } from '../incidents/types.js';
import { hasRole, type Actor } from '../roles.js';
import { formatChatDateTime } from '../time/roc.js';
import { BOT_NAME } from '../bot-name.js';
import { CODE_SEEN_ACTOR, OPERATOR_CODE_ACTOR, recordPersonChange } from './history.js';

/**
 * Linking chat accounts and groups to the school, without a developer:
 * - the principal or the contact window creates a one-time code for a person (「產生綁定碼 王老師」, in a private chat);
 * - that person types it to the bot in a private chat (「綁定 123456」): their platform account becomes an identity of
 *   that person, so roles are checked on the person, never on the platform id;
 * - in a group, the principal or the contact window binds it to the school and a purpose (「綁定群組 應變小組」).
 * Codes are 6 digits, single-use, expire, and only their SHA-256 is stored; failed tries are limited per account.
 */
export const BINDING_CODE_TTL_MS = 72 * 3600_000;
export const MAX_FAILED_ATTEMPTS_PER_HOUR = 5;

export type BindingCommand =
  | { kind: 'redeem'; code: string }
  | { kind: 'issue'; who: string }
  | { kind: 'bindGroup'; purpose: 'staff' | 'response' }
  | { kind: 'unbindGroup' };

const PURPOSE_LABELS = { staff: '教職員群組', response: '應變小組' } as const;

export const BT = {
  intro: [
    `大家好，我是${BOT_NAME}。`,
    '發生個資外洩時（例如寄錯信、表單公開、檔案分享錯誤），在群組說一聲，我會協助通報並依規定的時限提醒應變步驟。',
    '請校長或個資聯絡窗口輸入「綁定群組 教職員群組」或「綁定群組 應變小組」，把這個群組綁定到學校。',
    '請勿在群組中貼上外洩的個資內容。',
  ].join('\n'),
  welcome: [
    `歡迎加入${BOT_NAME}。`,
    '如果您是學校的教職員，請向校長或個資聯絡窗口索取綁定碼，然後在這裡輸入「綁定 綁定碼」，例如「綁定 123456」。',
  ].join('\n'),
  welcomeBack: (name: string) => `歡迎回來，${name}。輸入「說明」可查看我能協助的事項。`,
  /** `reachPrivately`: what the person does on this platform to write to the bot privately (AdapterWording). */
  issued: (name: string, code: string, until: string, reachPrivately: string) =>
    `${name} 的綁定碼：${code}\n有效至 ${until}，只能使用一次。\n請當面或以電話告知本人：${reachPrivately}後，在私訊中輸入「綁定 ${code}」。請勿貼在群組。`,
  issueOnlyPrivately: '綁定碼只能在與小幫手的私訊中產生，請私訊我「產生綁定碼 姓名」。',
  issueNotAllowed: '只有校長（管理人）或個資聯絡窗口可以產生綁定碼。',
  personUnknown: (q: string) => `找不到「${q}」這位人員，請確認姓名與學校人員名冊一致。`,
  personAmbiguous: (names: string[]) => `符合的人員有好幾位：${names.join('、')}。請輸入完整姓名。`,
  redeemOnlyPrivately: '綁定碼已在群組中公開，為了安全已作廢。請向校長或個資聯絡窗口重新索取，並在私訊中輸入。',
  redeemed: (name: string, school: string) => `綁定完成：您是 ${school} 的 ${name}。之後在學校群組通報或處理個資事件時，我會認得您。`,
  codeInvalid: '綁定碼不正確或已使用過，請確認後再試，或向校長或個資聯絡窗口重新索取。',
  codeExpired: '這個綁定碼已過期，請向校長或個資聯絡窗口重新索取。',
  tooManyAttempts: '嘗試次數過多，請一小時後再試，或向校長或個資聯絡窗口確認綁定碼。',
  alreadyLinkedOther: (name: string) => `這個帳號已綁定為 ${name}。如需變更，請洽個資聯絡窗口。`,
  groupOnly: '這個指令要在群組中使用。',
  bindNotAllowed: '只有校長（管理人）或個資聯絡窗口可以綁定群組。請先在私訊中完成個人綁定。',
  groupBound: (school: string, purpose: string) =>
    `已將這個群組綁定為 ${school} 的「${purpose}」。${purpose === PURPOSE_LABELS.response ? '新的個資事件與檢核清單會送到這裡。' : '成員在這裡描述個資事件時，我會協助通報。'}`,
  groupUnbound: '已解除這個群組與學校的綁定。',
};

export function parseBindingCommand(raw: string): BindingCommand | null {
  const t = raw
    .normalize('NFKC')
    .trim()
    .replace(/^@\S+\s+/, '')
    .replace(/\s+/g, ' ');
  let m = /^(?:綁定|\/link)\s*(\d{6})$/i.exec(t);
  if (m) return { kind: 'redeem', code: m[1]! };
  m = /^(?:產生綁定碼|綁定碼|\/bindcode)\s+(.+)$/i.exec(t);
  if (m) return { kind: 'issue', who: m[1]!.trim() };
  m = /^(?:綁定群組|\/bindgroup)\s*(教職員群組|教職員|staff|應變小組群組|應變小組|response)$/i.exec(t);
  if (m) return { kind: 'bindGroup', purpose: /教職員|staff/i.test(m[1]!) ? 'staff' : 'response' };
  if (/^(?:解除綁定群組|\/unbindgroup)$/i.test(t)) return { kind: 'unbindGroup' };
  return null;
}

export function hashBindingCode(code: string): string {
  return createHash('sha256').update(`binding-code:${code}`).digest('hex');
}

function mayManageBindings(actor: Actor | null): actor is Actor {
  return !!actor && (hasRole(actor, 'principal') || hasRole(actor, 'contactWindow'));
}

/** The conversation a binding command is typed in (table conversation). */
export interface BindingConversation {
  id: string;
  /** group | direct */
  kind: string;
  schoolId: string | null;
}

export interface BindingContext {
  conversation: BindingConversation;
  actor: Actor | null;
  user: PlatformUser;
  /** The platform's wording for opening a private chat with the bot (AdapterWording.reachPrivately). */
  reachPrivately?: string;
}

export class BindingService {
  constructor(private readonly deps: Pick<CoreDeps, 'repos' | 'log' | 'now'>) {}

  /** Runs a binding command typed in a conversation; returns the zh-TW answer (refusals are thrown as UserError). */
  async command(cmd: BindingCommand, at: BindingContext): Promise<string> {
    switch (cmd.kind) {
      case 'redeem':
        if (at.conversation.kind !== 'direct') {
          await this.revoke(cmd.code, at.actor);
          return BT.redeemOnlyPrivately;
        }
        return this.redeem(at.user, cmd.code, at.conversation).then((r) => BT.redeemed(r.person.displayName, r.schoolName));
      case 'issue': {
        if (!mayManageBindings(at.actor)) throw new UserError(BT.issueNotAllowed);
        if (at.conversation.kind !== 'direct') throw new UserError(BT.issueOnlyPrivately);
        const r = await this.issueCode(at.actor, cmd.who);
        return BT.issued(
          r.person.displayName,
          r.code,
          formatChatDateTime(r.expiresAt),
          at.reachPrivately ?? DEFAULT_WORDING.reachPrivately,
        );
      }
      case 'bindGroup':
        return this.bindConversation(at, cmd.purpose);
      case 'unbindGroup': {
        if (at.conversation.kind !== 'group') throw new UserError(BT.groupOnly);
        if (!mayManageBindings(at.actor) || at.conversation.schoolId !== at.actor.schoolId) throw new UserError(BT.bindNotAllowed);
        await this.deps.repos.bindings.bindConversation(at.conversation.id, null, 'staff');
        this.deps.log.info({ conversationId: at.conversation.id, by: at.actor.personId }, 'group unbound');
        return BT.groupUnbound;
      }
    }
  }

  /** A new one-time code for a person of the actor's school; earlier unused codes of that person stop working. */
  async issueCode(actor: Actor, who: string): Promise<{ code: string; person: Person; expiresAt: Date }> {
    if (!mayManageBindings(actor)) throw new UserError(BT.issueNotAllowed);
    return this.createCode(await this.findPerson(actor.schoolId, who), { personId: actor.personId, label: actor.displayName });
  }

  /** For the operator command (`npm run people -- code`), which links the first principal or contact window. */
  async issueCodeByOperator(schoolId: string, who: string): Promise<{ code: string; person: Person; expiresAt: Date }> {
    return this.createCode(await this.findPerson(schoolId, who), null);
  }

  /**
   * Issues the code and, in the same transaction, puts it on the person's record of changes (person_change): who
   * issued it and until when it is valid, never the code nor its hash; an earlier unused code it replaces shows as
   * the `from` of that entry.
   */
  private async createCode(
    person: Person,
    by: { personId: string; label: string } | null,
  ): Promise<{ code: string; person: Person; expiresAt: Date }> {
    const createdById = by?.personId ?? null;
    const now = this.deps.now();
    const { repos } = this.deps;
    let code = '';
    for (let i = 0; i < 20; i += 1) {
      code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const clash = await repos.bindings.countLive(hashBindingCode(code), now);
      if (clash === 0) break;
    }
    const expiresAt = new Date(now.getTime() + BINDING_CODE_TTL_MS);
    await repos.transaction(async (tx) => {
      const earlier = (await tx.bindings.revokeUnusedOf(person.id, now)).filter((c) => c.expiresAt > now);
      await tx.bindings.createCode({ id: newId(), personId: person.id, codeHash: hashBindingCode(code), createdById, expiresAt });
      const was =
        earlier
          .map((c) => c.expiresAt.toISOString())
          .sort()
          .at(-1) ?? null;
      await recordPersonChange(tx, {
        schoolId: person.schoolId,
        personId: person.id,
        actorPersonId: createdById,
        actorLabel: by?.label ?? OPERATOR_CODE_ACTOR,
        changes: { bindingCode: { from: was, to: expiresAt.toISOString() } },
      });
    });
    this.deps.log.info({ personId: person.id, by: createdById ?? 'operator' }, 'binding code issued');
    return { code, person, expiresAt };
  }

  /** Links the platform account to the code's person. Single use; expired, revoked or unknown codes are refused. */
  async redeem(user: PlatformUser, code: string, direct?: BindingConversation): Promise<{ person: Person; schoolName: string }> {
    const { repos } = this.deps;
    const now = this.deps.now();
    const failures = await repos.bindings.failuresSince(user, new Date(now.getTime() - 3600_000));
    if (failures >= MAX_FAILED_ATTEMPTS_PER_HOUR) throw new UserError(BT.tooManyAttempts);
    const row = await repos.bindings.findUnused(hashBindingCode(code));
    if (!row?.person.active) {
      await repos.bindings.recordFailure(user, now);
      throw new UserError(BT.codeInvalid);
    }
    if (row.expiresAt <= now) throw new UserError(BT.codeExpired);
    const existing = await repos.bindings.identity(user);
    if (existing && existing.personId !== row.personId) throw new UserError(BT.alreadyLinkedOther(existing.person.displayName));
    await repos.transaction(async (tx) => {
      if (!(await tx.bindings.claim(row.id, now, user))) throw new UserError(BT.codeInvalid);
      // The code proves this account: it replaces the person's earlier account on the same platform.
      await tx.bindings.link(row.personId, user, newId());
      if (direct && direct.kind === 'direct') await tx.bindings.bindConversation(direct.id, row.person.schoolId);
    });
    this.deps.log.info({ personId: row.personId, platform: user.platform }, 'platform account linked');
    return { person: row.person, schoolName: row.person.school.name };
  }

  /** A code that was typed where others could see it stops working; on its person's record (who typed it, if known). */
  async revoke(code: string, typedBy: Actor | null = null): Promise<void> {
    const now = this.deps.now();
    await this.deps.repos.transaction(async (tx) => {
      for (const r of await tx.bindings.revokeCode(hashBindingCode(code), now)) {
        await recordPersonChange(tx, {
          schoolId: r.schoolId,
          personId: r.personId,
          actorPersonId: typedBy?.schoolId === r.schoolId ? typedBy.personId : null,
          actorLabel: CODE_SEEN_ACTOR,
          changes: { bindingCode: { from: r.expiresAt.toISOString(), to: null } },
        });
      }
    });
  }

  private async bindConversation(at: BindingContext, purpose: 'staff' | 'response'): Promise<string> {
    if (at.conversation.kind !== 'group') throw new UserError(BT.groupOnly);
    if (!mayManageBindings(at.actor)) throw new UserError(BT.bindNotAllowed);
    const school = await this.deps.repos.schools.find(at.actor.schoolId);
    if (!school) throw new Error(`No school ${at.actor.schoolId}`);
    await this.deps.repos.bindings.bindConversation(at.conversation.id, school.id, purpose);
    this.deps.log.info({ conversationId: at.conversation.id, purpose, by: at.actor.personId }, 'group bound');
    return BT.groupBound(school.name, PURPOSE_LABELS[purpose]);
  }

  private async findPerson(schoolId: string, who: string): Promise<Person> {
    const q = who.normalize('NFKC').trim();
    const people = await this.deps.repos.people.activeInSchool(schoolId);
    const exact = people.filter((p) => p.id === q || p.displayName.normalize('NFKC') === q);
    const hits = exact.length > 0 ? exact : people.filter((p) => p.displayName.normalize('NFKC').includes(q));
    if (hits.length === 0) throw new UserError(BT.personUnknown(q));
    if (hits.length > 1) throw new UserError(BT.personAmbiguous(hits.map((p) => p.displayName)));
    return hits[0]!;
  }

  // ------------------------------------------------------------------ platform lifecycle (called by adapters)

  /** The bot was added to a group: a fresh, unbound conversation (also after being removed earlier). */
  async joined(addr: ConversationAddress): Promise<string> {
    await this.deps.repos.bindings.joinedGroup(addr, newId());
    return BT.intro;
  }

  /** The bot left or was removed: nothing is sent there any more, and questions asked there are closed. */
  async left(addr: ConversationAddress): Promise<void> {
    const conversationId = await this.deps.repos.bindings.leftGroup(addr);
    if (!conversationId) return;
    this.deps.log.info({ conversationId }, 'removed from group');
  }

  /** Someone added the bot as a friend: the welcome depends on whether their account is linked already. */
  async followed(user: PlatformUser): Promise<string> {
    const identity = await this.deps.repos.bindings.identity(user);
    return identity?.person.active ? BT.welcomeBack(identity.person.displayName) : BT.welcome;
  }
}
