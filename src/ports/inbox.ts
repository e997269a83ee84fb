/**
 * The inbound pipeline's durable side (issue #17): one inbox table for every platform (inbound_event), and the inbox
 * an adapter gets from the pipeline for its platform. The pipeline acknowledges → stores → processes → sweeps the
 * same way for all; an adapter only says how one stored event is processed.
 */

/** How an adapter uses its inbox. */
export interface InboxOptions<B> {
  platform: string;
  /**
   * `ordered`: events are stored as pending when acknowledged and drained after, one at a time in arrival order, never
   * two of one conversation at once on any instance (LINE: a webhook's events are processed after its 200).
   * `claimed` (default): the instance that stores an event processes it at once; the sweep takes over an event whose
   * process stopped (Slack's Events API, Discord's gateway, where every instance may receive the same event).
   */
  mode?: 'ordered' | 'claimed';
  /** Processes one stored event: translates it and hands it to the core. A throw marks it failed (not retried). */
  process(body: B, eventId: string): Promise<void>;
  /**
   * An event taken over from a process that stopped (claimed mode), `run` processing and marking it: the adapter may
   * wrap it (a log line, an answer where the expired interaction cannot take one). Default: `run()`.
   */
  resume?(event: StoredInboxEvent<B>, run: () => Promise<void>): Promise<void>;
  /** More work at every sweep (forgetting old idempotency keys, expired forms). */
  sweep?(): Promise<void>;
}

export interface StoredInboxEvent<B> {
  eventId: string;
  body: B;
  attempts: number;
}

export interface ReceivedEvent<B> {
  eventId: string;
  body: B;
  /** The conversation it happened in (ordered mode: events of one conversation are processed in order). */
  conversation?: string | null;
}

/** One platform's inbox in the pipeline. */
export interface PlatformInbox<B> {
  /**
   * Stores events (bodies encrypted) before the platform is acknowledged; returns the ids that are new. An event id
   * received before — a platform retry or redelivery, on this instance or another — is dropped here.
   */
  receive(events: ReceivedEvent<B>[]): Promise<string[]>;
  /** Claimed mode: processes an event this instance stored, and marks it done (or failed, rethrowing). */
  process(eventId: string, body: B): Promise<void>;
  /** Ordered mode: drain what is pending, soon (after the acknowledgement is on its way). */
  kick(): void;
  /** Takes over what a stopped process left, forgets finished rows older than a day, runs the adapter's sweep. */
  sweep(): Promise<void>;
  /** Sweeps now and then every minute (ordered mode: drains too). */
  start(): Promise<void>;
  /** Stops taking events from the table (they stay as they are, as after a crash; tests). */
  hold(): void;
  stop(): Promise<void>;
  /** Resolves when nothing is being processed or swept. */
  idle(): Promise<void>;
}

/** A row of the inbox table as the pipeline reads it back. */
export interface InboxRow {
  eventId: string;
  bodyEnc: string | null;
  /** The aad the body was bound to when not the table's own (rows carried over from an older table). */
  bodyAad: string | null;
  attempts: number;
  claimedAt: Date;
}

/** The inbox table (src/storage/inbox.ts); the pipeline holds the logic, this the queries. */
export interface InboxStore {
  /** Inserts the rows not there yet (one statement: this is on the acknowledgement path); returns the new ids. */
  insert(
    platform: string,
    rows: { eventId: string; bodyEnc: string; conversation: string | null }[],
    status: 'pending' | 'processing',
  ): Promise<string[]>;
  /** Done or failed: the body is dropped. */
  finish(platform: string, eventId: string, failed?: string): Promise<void>;
  /** Pending rows in arrival order, skipping those whose conversation has an earlier row being processed. */
  pending(platform: string, limit: number): Promise<string[]>;
  /** Pending → processing, unless another instance took it or an earlier row of its conversation is unfinished. */
  claimPending(platform: string, eventId: string): Promise<InboxRow | null>;
  /** Rows processing since before `before` (their process stopped), oldest first. */
  stale(platform: string, before: Date, limit: number): Promise<InboxRow[]>;
  /** Takes over a stale row as `to` ('processing' again, claimed now, or back to 'pending'); false when another did. */
  retake(platform: string, row: InboxRow, to: 'processing' | 'pending'): Promise<boolean>;
  /** Deletes finished rows received before `before`. */
  forget(platform: string, before: Date): Promise<void>;
  /**
   * Whether a core event id was handled already: its row is done (the inbox row it came in, or a row of its own for an
   * event that came without one: interactions, the chat page).
   */
  handled(platform: string, eventId: string): Promise<boolean>;
  markHandled(platform: string, eventId: string): Promise<void>;
}
