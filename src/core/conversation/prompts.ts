import type { PendingPrompt } from '../../generated/prisma/client.js';
import type { CoreDeps } from '../context.js';
import { newId } from '../ids.js';

/** How long an unanswered question (intake, a reason, a comment) stays open. */
export const PROMPT_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Durable questions the bot is waiting on (pending_prompt rows, state encrypted), shared by every conversation
 * module so that a restart resumes exactly where a person was.
 */
export class PromptStore {
  constructor(private readonly deps: Pick<CoreDeps, 'prisma' | 'cipher' | 'now'>) {}

  /** Opens a question; one open question per person and conversation (an open intake is kept). */
  async create(conversationId: string, personId: string, kind: string, state: object): Promise<PendingPrompt> {
    const id = newId();
    await this.deps.prisma.pendingPrompt.updateMany({
      where: { conversationId, personId, status: 'open', kind: { not: 'intake' } },
      data: { status: 'cancelled' },
    });
    return this.deps.prisma.pendingPrompt.create({
      data: {
        id,
        conversationId,
        personId,
        kind,
        stateEnc: this.deps.cipher.encrypt(JSON.stringify(state), `prompt:${id}`),
        expiresAt: new Date(this.deps.now().getTime() + PROMPT_TTL_MS),
      },
    });
  }

  /** The person's open question in a conversation (the newest), if any. */
  open(conversationId: string, personId: string): Promise<PendingPrompt | null> {
    return this.deps.prisma.pendingPrompt.findFirst({
      where: { conversationId, personId, status: 'open', expiresAt: { gt: this.deps.now() } },
      orderBy: { createdAt: 'desc' },
    });
  }

  state<S>(prompt: PendingPrompt): S {
    return JSON.parse(this.deps.cipher.decrypt(prompt.stateEnc, `prompt:${prompt.id}`)) as S;
  }

  async save(prompt: PendingPrompt, state: object, step: string | null): Promise<void> {
    prompt.stateEnc = this.deps.cipher.encrypt(JSON.stringify(state), `prompt:${prompt.id}`);
    await this.deps.prisma.pendingPrompt.update({ where: { id: prompt.id }, data: { stateEnc: prompt.stateEnc, step } });
  }
}
