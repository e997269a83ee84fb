/**
 * One-shot choices (table one_shot_choice): a posted message whose buttons may be pressed once
 * (src/core/conversation/choices.ts). The message is kept encrypted; the record keeps the ciphertext.
 */
export interface OneShotChoiceRecord {
  id: string;
  conversationId: string;
  platformMessageId: string | null;
  messageEnc: string;
  takenById: string | null;
  takenText: string | null;
  takenAt: Date | null;
  createdAt: Date;
}

export interface OneShotChoiceRepository {
  add(choice: Pick<OneShotChoiceRecord, 'id' | 'conversationId' | 'messageEnc'>): Promise<void>;
  /** The platform's id of the posted message. */
  posted(id: string, platformMessageId: string): Promise<void>;
  find(id: string): Promise<OneShotChoiceRecord | null>;
  /** Takes the choice if nobody has; false when someone did first. */
  take(id: string, by: { personId: string | null; text: string; at: Date }): Promise<boolean>;
  /** Gives back a choice taken with `takenText` (its action was refused), so someone else may take it. */
  giveBack(id: string, takenText: string): Promise<void>;
}
