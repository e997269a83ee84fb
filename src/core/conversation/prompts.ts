import type { PromptRecord } from '../../ports/repositories/index.js';
import type { CoreDeps } from '../context.js';
import { newId } from '../ids.js';

/** How long an unanswered question (intake, a reason, a comment) stays open. */
export const PROMPT_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Durable questions the bot is waiting on (pending_prompt rows, state encrypted), shared by every conversation
 * module so that a restart resumes exactly where a person was.
 */
export class PromptStore {
  constructor(private readonly deps: Pick<CoreDeps, 'repos' | 'cipher' | 'now'>) {}

  /** Opens a question; one open question per person and conversation (an open intake is kept). */
  async create(conversationId: string, personId: string, kind: string, state: object): Promise<PromptRecord> {
    const id = newId();
    return this.deps.repos.prompts.open({
      id,
      conversationId,
      personId,
      kind,
      stateEnc: this.deps.cipher.encrypt(JSON.stringify(state), `prompt:${id}`),
      expiresAt: new Date(this.deps.now().getTime() + PROMPT_TTL_MS),
    });
  }

  /** The person's open question in a conversation (the newest), if any. */
  open(conversationId: string, personId: string): Promise<PromptRecord | null> {
    return this.deps.repos.prompts.openOf(conversationId, personId, this.deps.now());
  }

  state<S>(prompt: PromptRecord): S {
    return JSON.parse(this.deps.cipher.decrypt(prompt.stateEnc, `prompt:${prompt.id}`)) as S;
  }

  async save(prompt: PromptRecord, state: object, step: string | null): Promise<void> {
    prompt.stateEnc = this.deps.cipher.encrypt(JSON.stringify(state), `prompt:${prompt.id}`);
    await this.deps.repos.prompts.save(prompt.id, prompt.stateEnc, step);
  }
}
