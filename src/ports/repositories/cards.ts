import type { ConversationRecord } from './conversations.js';

/**
 * Where each card of an incident was posted (table posted_card), so that a change edits every copy in place
 * (src/core/conversation/turn.ts).
 */
export interface PostedCardRecord {
  id: string;
  incidentId: string;
  /** incident | checklist | mine:<person id> … */
  cardKey: string;
  conversationId: string;
  platformMessageId: string;
  updatedAt: Date;
}

/** A posted card with the conversation it is in (platform and its id there, to address it). */
export type PostedCardIn = PostedCardRecord & { conversation: ConversationRecord };

export interface PostedCardRepository {
  /** The card `cardKey` of the incident as posted in the conversation. */
  find(incidentId: string, cardKey: string, conversationId: string): Promise<PostedCardRecord | null>;
  /** Every copy of the incident's cards with one of `keys` (or a key starting with one of `prefixes`), with their conversations. */
  copies(incidentId: string, keys: readonly string[], prefixes?: readonly string[]): Promise<PostedCardIn[]>;
  /** Records the card as posted in the conversation (replacing the message id of an earlier copy there). */
  record(card: Pick<PostedCardRecord, 'id' | 'incidentId' | 'cardKey' | 'conversationId' | 'platformMessageId'>): Promise<void>;
  /** A copy was edited in place at `at`. */
  edited(id: string, at: Date): Promise<void>;
  /** A copy was posted again (where the platform cannot edit) as this message. */
  reposted(id: string, platformMessageId: string): Promise<void>;
}
