import type { ChatAdapter } from '../../ports/chat.js';
import type { ConversationAddress } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';

/**
 * Operational warnings for the schools' contact windows (個資聯絡窗口) about the bot itself — for example that a chat
 * platform's monthly message quota is running out, so reminders may stop arriving. Neutral zh-TW text, sent to each
 * contact window's 1:1 chat on the platform concerned; a school whose contact windows cannot be reached privately
 * gets it in its response group instead. Each send carries an idempotency key derived from `key`, so a retried warning
 * is not delivered twice.
 */
export class ContactWindowAlerts {
  constructor(
    private readonly deps: Pick<CoreDeps, 'repos' | 'log'>,
    private readonly adapterFor: (platform: string) => ChatAdapter | undefined,
  ) {}

  /** Returns the conversations told. */
  async tell(platform: string, text: string, key: string): Promise<ConversationAddress[]> {
    const adapter = this.adapterFor(platform);
    if (!adapter) return [];
    const windows = await this.deps.repos.people.everywhereWithRoleOn('contactWindow', platform);
    const told: ConversationAddress[] = [];
    const reached = new Set<string>();
    for (const person of windows) {
      for (const identity of person.identities) {
        const addr = await adapter.directConversation({ platform, externalId: identity.externalId });
        if (!addr) continue;
        await adapter.send(addr, { type: 'text', text }, { idempotencyKey: `${key}:dm:${person.id}` });
        told.push(addr);
        reached.add(person.schoolId);
        break;
      }
    }
    const groups = await this.deps.repos.conversations.responseGroups({ platform });
    for (const g of groups) {
      if (reached.has(g.schoolId!)) continue;
      const addr: ConversationAddress = { platform, externalId: g.externalId, kind: g.kind as 'group' | 'direct' };
      await adapter.send(addr, { type: 'text', text }, { idempotencyKey: `${key}:group:${g.id}` });
      told.push(addr);
      reached.add(g.schoolId!);
    }
    if (told.length === 0) this.deps.log.warn({ platform, key }, 'no contact window or response group to warn on this platform');
    return told;
  }
}
