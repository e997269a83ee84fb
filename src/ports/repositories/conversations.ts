import type { IdentityRecord, PersonRecord } from './people.js';
import type { SchoolRecord } from './schools.js';

/** A conversation the bot is in (table conversation): a group or a private chat on one platform. */
export interface ConversationRecord {
  id: string;
  platform: string;
  externalId: string;
  /** group | direct */
  kind: string;
  /** staff | response | incident (a room for one incident) | direct | left (the bot was removed from the group) */
  purpose: string;
  title: string | null;
  schoolId: string | null;
  /** The incident of a room (purpose incident). */
  incidentId: string | null;
  createdAt: Date;
}

export type NewConversation = Pick<ConversationRecord, 'id' | 'platform' | 'externalId' | 'kind'> &
  Partial<Pick<ConversationRecord, 'purpose' | 'title' | 'schoolId' | 'incidentId'>>;

/** The conversations of the chat flows: found, met for the first time, the response groups and incident rooms. */
export interface ConversationRepository {
  find(id: string): Promise<ConversationRecord | null>;
  /**
   * The conversation of a platform, created the first time the bot meets it and otherwise left as it is. It is read
   * first (one statement, the row nearly always exists); two events creating it at once get the same one.
   */
  ensure(conv: NewConversation): Promise<ConversationRecord>;
  /** Response groups (purpose response) of a school, or of every school; on one platform when given; oldest first. */
  responseGroups(where: { schoolId?: string; platform?: string }): Promise<ConversationRecord[]>;
  /** The school's response groups and the incident's own rooms, oldest first. */
  teamOf(incident: { id: string; schoolId: string }): Promise<ConversationRecord[]>;
  /** The rooms opened for an incident (one per platform), oldest first. */
  roomsOf(incidentId: string): Promise<ConversationRecord[]>;
  /**
   * A room the platform opened for the incident: its conversation, created (titled `titleIfNew` when the platform gave
   * no title) or turned into the incident's room (its title replaced only by one the platform gave).
   */
  recordRoom(room: NewConversation & { incidentId: string; schoolId: string }, titleIfNew: string): Promise<ConversationRecord>;
}

/** A chat account (table identity) with its person and the person's school. */
export type AccountOwner = IdentityRecord & { person: PersonRecord & { school: SchoolRecord } };

/** Who a chat account is (table identity). */
export interface IdentityRepository {
  /** The account's identity, with its person and school. */
  owner(platform: string, externalId: string): Promise<AccountOwner | null>;
  /** The person's account on a platform. */
  onPlatform(personId: string, platform: string): Promise<IdentityRecord | null>;
}
