/**
 * The local chat page (adapters/local): its messages (table local_message, bodies encrypted by the adapter) and what
 * the page shows of the local platform's people and conversations (tables identity, person, conversation).
 */
export interface LocalMessageRecord {
  id: bigint;
  conversationId: string;
  /** user | bot */
  senderKind: string;
  senderName: string;
  bodyEnc: string;
  editedAt: Date | null;
  createdAt: Date;
}

export interface NewLocalMessage {
  conversationId: string;
  senderKind: 'user' | 'bot';
  senderName: string;
  bodyEnc: string;
}

/** A person with an account on the page (an identity of the local platform). */
export interface LocalUserRecord {
  /** The identity's id on the page (`as` in its API). */
  externalId: string;
  personId: string;
  schoolId: string;
  displayName: string;
  roles: string[];
  unit: string | null;
}

export interface LocalConversationRecord {
  externalId: string;
  /** group | direct */
  kind: string;
  purpose: string;
  title: string | null;
}

export interface LocalChatRepository {
  add(message: NewLocalMessage): Promise<LocalMessageRecord>;
  /** Replaces a message's body (an edited card). */
  edit(id: bigint, bodyEnc: string, at: Date): Promise<LocalMessageRecord>;
  /** The last `limit` messages of a conversation, oldest first. */
  latest(conversationId: string, limit: number): Promise<LocalMessageRecord[]>;
  /** The people with an account on `platform`. */
  users(platform: string): Promise<LocalUserRecord[]>;
  user(platform: string, externalId: string): Promise<LocalUserRecord | null>;
  /** The conversations of `platform`, oldest first. */
  conversations(platform: string): Promise<LocalConversationRecord[]>;
  conversation(platform: string, externalId: string): Promise<LocalConversationRecord | null>;
}
