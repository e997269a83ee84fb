/**
 * The one outbound ledger (table outbound_message): what an adapter posted under an idempotency key, so that a retried
 * send — a job retried on another instance after a crash — is not posted twice. The protocol (claim, post, record;
 * take over a stale claim) is `OutboundLedger` in src/core/chat/delivery.ts; these are its queries.
 */
export interface SentMessageRecord {
  idempotencyKey: string;
  platform: string;
  conversation: string;
  /** The platform's id of the posted message; null while the claimant is posting. */
  messageId: string | null;
  claimedAt: Date;
  createdAt: Date;
}

export interface OutboundLedgerRepository {
  /** Claims `key` (a row without a message id); false when the key is there already. */
  claim(key: string, platform: string, conversation: string, at: Date): Promise<boolean>;
  find(key: string): Promise<SentMessageRecord | null>;
  /** Takes over a claim still without a message id and claimed at `claimedAt`; false when another sender did first. */
  retake(key: string, claimedAt: Date, at: Date): Promise<boolean>;
  /** The message was posted: records its id under the claimed key. */
  record(key: string, messageId: string): Promise<void>;
  /** Not posted: deletes the claim (unless a message id was recorded), so that a retry posts it. */
  release(key: string): Promise<void>;
  /** Deletes recorded keys created before `before`, except those starting with one of `keepPrefixes`; returns how many. */
  forget(before: Date, keepPrefixes: readonly string[]): Promise<number>;
  /** Whether `messageId` was recorded under a key starting with `prefix` (Slack: a channel opened as an incident room). */
  recordedUnder(prefix: string, messageId: string): Promise<boolean>;
  /** Deletes the keys starting with `prefix` that recorded `messageId` (Discord: an incident thread deleted). */
  forgetMessage(prefix: string, messageId: string): Promise<void>;
}
