import type { InboxOptions, PlatformInbox } from './inbox.js';
import type {
  AdapterCapabilities,
  AdapterWording,
  Card,
  ConversationAddress,
  FileReference,
  IncidentRoomRequest,
  InboundEvent,
  IncomingFile,
  OutboundMessage,
  PlatformUser,
} from './chat-model.js';

/**
 * What the core needs from a chat platform. Adapters (adapters/<name>) implement it; the core never knows which
 * platform it talks to, only what it can do (`capabilities`).
 */
export interface ChatAdapter {
  readonly platform: string;
  readonly capabilities: AdapterCapabilities;
  /** Platform wording the core puts into its zh-TW texts (how to open a private chat with the bot). */
  readonly wording?: AdapterWording;
  /**
   * Post a message; returns the platform's id of the posted message. With `idempotencyKey`, a second call with the
   * same key must not post again (reminders retried after a crash): dedupe on it, or pass it to the platform.
   */
  send(to: ConversationAddress, message: OutboundMessage, opts?: { idempotencyKey?: string }): Promise<{ messageId: string }>;
  /** Replace a posted message (only when capabilities.editMessages). */
  update?(to: ConversationAddress, messageId: string, message: OutboundMessage): Promise<void>;
  /** The 1:1 conversation between the bot and this user, opened if needed. */
  directConversation(user: PlatformUser): Promise<ConversationAddress | null>;
  /**
   * Open a private room for one incident with these members (only when capabilities.incidentRooms). Members the
   * platform cannot add are skipped and logged (operator English), never an error for the whole room.
   */
  openIncidentRoom?(req: IncidentRoomRequest): Promise<ConversationAddress>;
  /** Add people to an incident room opened earlier (a responder given an item later). */
  addToIncidentRoom?(room: ConversationAddress, members: PlatformUser[]): Promise<void>;
  /**
   * Stream a file someone sent (an InboundFile's reference) from the platform: LINE's content API, Slack's private
   * download URL with the bot token, a Discord attachment URL, the local upload. Called only when the person files it
   * as evidence. Throws when the platform no longer has it; never logs or keeps the bytes itself.
   */
  fetchFile?(file: FileReference, where: ConversationAddress): Promise<IncomingFile>;
  /** The person declined the file: forget anything the adapter holds for it (the local chat keeps uploads in memory). */
  releaseFile?(file: FileReference): Promise<void>;
}

/**
 * Where an adapter hands what it receives (src/core/chat/pipeline.ts implements it). Conversation events are the
 * neutral `InboundEvent`s (a message, an action, a form submitted, a file); the bot's own membership (added to a
 * group, removed from it, added as a friend) is said with `joined`, `left` and `followed`, whose answers the adapter
 * posts in its own way. Adapters never reach into the core beyond this.
 */
export interface InboundSink {
  /** The durable inbox of one platform (acknowledge → store → process → sweep, src/ports/inbox.ts). */
  inbox<B>(opts: InboxOptions<B>): PlatformInbox<B>;
  /** A message, action, form submit or file: handled once per platform event id (a redelivery is dropped). */
  handle(ev: InboundEvent): Promise<void>;
  /** The bot was added to a group or channel: returns the introduction to post there. */
  joined(conversation: ConversationAddress): Promise<string>;
  /** The bot was removed from a group, or the channel was deleted. */
  left(conversation: ConversationAddress): Promise<void>;
  /** Someone added the bot as a friend (LINE follow): returns the greeting for their private chat. */
  followed(user: PlatformUser): Promise<string>;
  /** A person's own overview (incidents, tasks, clocks) for a platform's home page (Slack's App Home). */
  home(user: PlatformUser): Promise<Card[]>;
  /** A warning about the bot itself for the contact windows (a LINE message quota running out), once per key. */
  alert(platform: string, text: string, key: string): Promise<ConversationAddress[]>;
}

/**
 * The lifecycle every adapter has, wired the same way by src/app/app.ts: `attach` connects the inbound side to the
 * pipeline before the HTTP server listens (webhook adapters register their routes then); `start` connects to the
 * platform and resumes what an earlier process left; `stop` stops taking events and waits for those in hand.
 */
export interface AdapterLifecycle {
  attach(inbound: InboundSink): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when everything received so far has been handled (tests, graceful shutdown). */
  idle(): Promise<void>;
}

/** A chat adapter as the composition root holds it: the outbound contract and the lifecycle. */
export type PlatformAdapter = ChatAdapter & AdapterLifecycle;
