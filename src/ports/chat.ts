import type { AdapterCapabilities, AdapterWording, ConversationAddress, FileReference, IncidentRoomRequest, IncomingFile, OutboundMessage, PlatformUser } from './chat-model.js';

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
