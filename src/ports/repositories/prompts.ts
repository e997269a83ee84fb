/**
 * The questions the bot is waiting on (table pending_prompt): one open question per person and conversation, its
 * state encrypted (the record keeps the ciphertext; src/core/conversation/prompts.ts decrypts it).
 */
export interface PromptRecord {
  id: string;
  conversationId: string;
  personId: string;
  /** intake | item | notice-… | form-steps … */
  kind: string;
  step: string | null;
  stateEnc: string;
  /** open | done | cancelled | expired */
  status: string;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

export type NewPrompt = Pick<PromptRecord, 'id' | 'conversationId' | 'personId' | 'kind' | 'stateEnc' | 'expiresAt'>;

export interface PromptRepository {
  /** Cancels the person's other open questions in the conversation (an open intake is kept) and opens this one. */
  open(prompt: NewPrompt): Promise<PromptRecord>;
  find(id: string): Promise<PromptRecord | null>;
  /** The person's newest open question in a conversation not expired at `now`. */
  openOf(conversationId: string, personId: string, now: Date): Promise<PromptRecord | null>;
  /** The ids of the person's open questions in a conversation (expired or not). */
  openIds(conversationId: string, personId: string): Promise<string[]>;
  /** Saves the question's state and step. */
  save(id: string, stateEnc: string, step: string | null): Promise<void>;
  /** The question was answered (done) or dropped (cancelled). */
  close(id: string, status: 'done' | 'cancelled'): Promise<void>;
  /** Cancels the person's open questions in a conversation except those in `keep`. */
  cancelOpenExcept(conversationId: string, personId: string, keep: readonly string[]): Promise<void>;
}
