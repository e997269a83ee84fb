/**
 * The neutral conversation model. The core speaks only these types; each adapter (adapters/<platform>) translates
 * them to its platform (LINE Flex, Slack Block Kit, Discord components, the local chat page) and back.
 * No platform syntax (mention markup, emoji codes, markdown dialects) appears in these values.
 */

export type ConversationKind = 'group' | 'direct';

/** A conversation as an adapter identifies it. `externalId` is the adapter's own opaque id. */
export interface ConversationAddress {
  platform: string;
  externalId: string;
  kind: ConversationKind;
  title?: string;
}

/** A platform account as the adapter saw it. The core maps it to a Person; it never authorises on it. */
export interface PlatformUser {
  platform: string;
  externalId: string;
  displayName?: string;
}

// ---------------------------------------------------------------- inbound

interface InboundBase {
  /** The platform's own event id, used to drop redeliveries. */
  eventId: string;
  conversation: ConversationAddress;
  user: PlatformUser;
  at: Date;
}

export interface InboundText extends InboundBase {
  type: 'message';
  text: string;
}

/** A button was pressed. `action` is the opaque string the core put on the button. */
export interface InboundAction extends InboundBase {
  type: 'action';
  action: string;
  /** Where the button was: lets the adapter update that message in place. */
  messageId?: string;
}

export interface InboundFormSubmit extends InboundBase {
  type: 'form';
  formId: string;
  values: Record<string, string | string[]>;
}

/**
 * A file or image someone sent to the bot (offered as evidence, src/core/conversation/evidence.ts). Only a reference
 * travels in the event: the bytes are fetched from the platform (ChatAdapter.fetchFile) if and when the person files
 * it, so a declined file is never downloaded.
 */
export interface InboundFile extends InboundBase {
  type: 'file';
  file: FileReference;
  /** The platform's id of the message that carried it (the chain of custody names it). */
  messageId: string;
}

/** Where an adapter can fetch a file again: opaque to the core, ids only (never the content, never a token). */
export interface FileReference {
  /** The adapter's own handle (a LINE message id, a Slack file id, Discord channel/message/attachment ids, a local upload id). */
  ref: string;
  fileName?: string;
  /** What the platform declared; checked while streaming, never trusted. */
  size?: number;
  mediaType?: string;
}

/** A file's bytes as an adapter streams them from its platform. */
export interface IncomingFile {
  stream: AsyncIterable<Uint8Array>;
  size?: number;
  fileName?: string;
}

export type InboundEvent = InboundText | InboundAction | InboundFormSubmit | InboundFile;

// ---------------------------------------------------------------- outbound

export type Tone = 'info' | 'success' | 'warning' | 'danger';

export interface Button {
  label: string;
  /** Opaque action string, at most MAX_ACTION_LENGTH characters, carrying only ids (never personal data). */
  action: string;
  style?: 'primary' | 'danger' | 'default';
  /**
   * A link button: the platform opens this https address (a signed, short-lived download link) and sends the bot
   * nothing; `action` is then LINK_ACTION. Every adapter renders it as its native link button.
   */
  url?: string;
}

/** The action of a link button (Button.url); the bot ignores it if a platform sends it anyway. */
export const LINK_ACTION = 'link';

export interface CardField {
  label: string;
  value: string;
  tone?: Tone;
}

/** One row of a list inside a card (a checklist item, a clock): text plus its own buttons. */
export interface CardRow {
  text: string;
  detail?: string;
  /**
   * Long text folded behind a tap where the platform can fold (the local page: tap to expand). Platforms that cannot
   * fold leave it out of the card: whatever it holds is also in the summary (「摘要」) and the documents.
   */
  more?: { label: string; text: string };
  status?: 'open' | 'done' | 'na' | 'overdue' | 'pending';
  buttons?: Button[];
}

export interface CardSection {
  heading?: string;
  text?: string;
  fields?: CardField[];
  rows?: CardRow[];
}

export interface Card {
  type: 'card';
  /** Identifies the card within an incident (e.g. "incident", "checklist"); an update replaces the earlier card. */
  key?: string;
  title: string;
  subtitle?: string;
  tone?: Tone;
  sections: CardSection[];
  buttons?: Button[];
  footer?: string;
  /** Plain-text rendering for notifications and platforms or screen readers that cannot show cards. */
  fallbackText: string;
}

/**
 * A person named in a text who should be notified (a responder in a group). Platforms that can mention turn `text`
 * into a mention of the person's account there; the others show the text as it is (the plain name).
 */
export interface Mention {
  /** Exactly as it appears in the message text, e.g. 「@王老師（示範）」. */
  text: string;
  /** The person's accounts; an adapter mentions the one on its own platform. */
  users: PlatformUser[];
}

export interface TextMessage {
  type: 'text';
  text: string;
  /** Suggested answers shown as quick-reply chips (phones). */
  quickReplies?: Button[];
  /** People named in `text` to notify, where the platform can mention them (groups). */
  mentions?: Mention[];
  /**
   * An answer meant for one person in a group (a refusal, "I sent it to you privately"): shown only to them where the
   * platform can (Discord and Slack ephemeral messages), posted to the conversation where it cannot. So it never
   * carries incident details.
   */
  onlyFor?: PlatformUser;
}

export type FormFieldType = 'text' | 'textarea' | 'datetime' | 'number' | 'select' | 'multiselect' | 'boolean';

export interface FormOption {
  value: string;
  label: string;
}

export interface FormField {
  id: string;
  label: string;
  type: FormFieldType;
  required: boolean;
  help?: string;
  placeholder?: string;
  options?: FormOption[];
  maxLength?: number;
  initial?: string | string[];
  /** Typical answers offered as one-tap fill-ins for free-text fields (e.g. 「尚未處置」). */
  suggestions?: string[];
  /** How the core reads a text field's answer (adapters show it as ordinary text): `headcount` = a number of people or an estimate. */
  format?: 'headcount';
}

/** A form. Adapters that cannot show it (or not this many fields) declare so; the core falls back to questions. */
export interface Form {
  type: 'form';
  formId: string;
  title: string;
  intro?: string;
  fields: FormField[];
  submitLabel: string;
  cancelAction?: string;
  fallbackText: string;
}

export type OutboundMessage = TextMessage | Card | Form;

/** What an adapter can do; the core chooses fallbacks from this, never from the platform's name. */
export interface AdapterCapabilities {
  /** Largest form it can show at once (0 = no forms: the core asks step by step). */
  maxFormFields: number;
  /** Whether a posted card can be edited in place (else the core sends a fresh one). */
  editMessages: boolean;
  /** Buttons per card row / card it can show. */
  maxButtonsPerRow: number;
  maxActionLength: number;
  /** Quick-reply chips. */
  quickReplies: boolean;
  /**
   * Whether the adapter can open a private room per incident (a Slack private channel, a Discord private thread):
   * then the core opens one with the responders, keeps the incident's cards there, and leaves only a detail-free
   * pointer in the wider conversations. See ChatAdapter.openIncidentRoom.
   */
  incidentRooms?: boolean;
  /**
   * Whether a form sent to a group opens only for the person who asked (a Slack or Discord modal), so a report can be
   * filled there without its answers being seen. Without it, the core never asks a report in a group.
   */
  privateForms?: boolean;
}

/**
 * What people must do on this platform so the bot can write to them privately, as a zh-TW verb phrase that reads
 * after 「請先」 and before 「後」 (LINE: 「加小幫手為好友」). Each adapter provides its own (ChatAdapter.wording).
 */
export interface AdapterWording {
  reachPrivately: string;
}

/** Used when an adapter gives no wording of its own. */
export const DEFAULT_WORDING: AdapterWording = { reachPrivately: '開啟與小幫手的私訊' };

/** What the core asks for when it opens a room for one incident. */
export interface IncidentRoomRequest {
  /** Platform-safe name: lowercase ASCII letters, digits and hyphens, at most 60 characters (e.g. `pdi-2026-0007`). */
  name: string;
  /** Detail-free zh-TW topic (the reference only, never what leaked). */
  topic: string;
  /**
   * The conversation the room belongs to: the school's response conversation on this platform, else the one the
   * report came from. A Discord private thread is created in it; a Slack private channel does not need it.
   */
  near: ConversationAddress | null;
  /** People to invite (responders with an identity on this platform). */
  members: PlatformUser[];
  /** Stable per incident: a retried call must return the room already opened, not open a second. */
  idempotencyKey: string;
}

export const MAX_ACTION_LENGTH = 100;
