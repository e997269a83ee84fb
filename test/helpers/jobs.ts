import type { ConversationAddress, OutboundMessage, PlatformUser, TextMessage } from '../../src/ports/chat-model.js';
import type { IntakeAnswers } from '../../src/core/incidents/types.js';
import type { Actor } from '../../src/core/roles.js';
import { parseLocalDateTime } from '../../src/core/time/roc.js';
import type { ChatAdapter } from '../../src/ports/chat.js';

/** Shared by the reminder and digest tests and bench/reminders.ts: a reporter, a report, a recording platform. */

/** The demo teacher as the core sees her (reports incidents without going through a chat). */
export const DEMO_TEACHER: Actor = { personId: 'demo-teacher', schoolId: 'demo-school', displayName: '王老師（示範）', roles: ['staff'] };

/** 「2026-11-05 10:00」 on the Taipei wall clock. */
export function at(text: string): Date {
  const d = parseLocalDateTime(text);
  if (!d) throw new Error(`bad test time ${text}`);
  return d;
}

/** A plain general-playbook report known at `awareAt`, occurred 30 minutes before unless `over` says otherwise. */
export function sampleAnswers(awareAt: Date, over: Partial<IntakeAnswers> = {}): IntakeAnswers {
  return {
    scenario: 'general',
    howLeaked: '名冊誤傳至家長群組',
    occurredAt: new Date(awareAt.getTime() - 30 * 60_000),
    awareAt,
    place: '學務處',
    categories: ['identity'],
    affectedEstimate: 12,
    affectedKinds: ['students'],
    involvesSystem: false,
    stepsTaken: '已請家長刪除',
    ...over,
  };
}

/** Records what reaches the "platform"; dedupes on the idempotency key like a platform that supports one. */
export class RecordingAdapter implements ChatAdapter {
  readonly platform = 'local';
  readonly capabilities = { maxFormFields: 20, editMessages: true, maxButtonsPerRow: 3, maxActionLength: 100, quickReplies: true };
  readonly posted: { to: string; text: string; key: string | undefined }[] = [];
  /** Fail the next send before posting ('before') or after the platform accepted it ('after', a crash before recording). */
  failNext: 'before' | 'after' | null = null;

  async send(to: ConversationAddress, message: OutboundMessage, opts: { idempotencyKey?: string } = {}) {
    if (this.failNext === 'before') {
      this.failNext = null;
      throw new Error('platform unavailable');
    }
    const earlier = this.posted.findIndex((p) => opts.idempotencyKey && p.key === opts.idempotencyKey);
    if (earlier < 0) this.posted.push({ to: to.externalId, text: (message as TextMessage).text, key: opts.idempotencyKey });
    if (this.failNext === 'after') {
      this.failNext = null;
      throw new Error('connection reset after the message was accepted');
    }
    return { messageId: String(earlier < 0 ? this.posted.length : earlier + 1) };
  }

  async directConversation(user: PlatformUser): Promise<ConversationAddress> {
    return { platform: 'local', externalId: `dm:${user.externalId}`, kind: 'direct' };
  }

  to(externalId: string) {
    return this.posted.filter((p) => p.to === externalId);
  }
}
