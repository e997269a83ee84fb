import type { IdentityRecord, PersonRecord } from './people.js';

/** A one-time binding code (table binding_code): only its hash is stored. */
export interface BindingCodeRecord {
  id: string;
  personId: string;
  codeHash: string;
  createdById: string | null;
  expiresAt: Date;
  usedAt: Date | null;
  usedByPlatform: string | null;
  usedByExternalId: string | null;
  revokedAt: Date | null;
  createdAt: Date;
}

/** A code still usable (unused, unrevoked, unexpired), for the people page: never the code itself, only who and until when. */
export interface OpenBindingCode {
  id: string;
  personId: string;
  personName: string;
  createdById: string | null;
  expiresAt: Date;
  createdAt: Date;
}

/** A code just revoked, for the person's record of changes (never the code or its hash). */
export interface RevokedBindingCode {
  personId: string;
  schoolId: string;
  expiresAt: Date;
}

export type NewBindingCode = Pick<BindingCodeRecord, 'id' | 'personId' | 'codeHash' | 'createdById' | 'expiresAt'>;

/** A platform account (platform + its id there). */
export interface AccountRef {
  platform: string;
  externalId: string;
}

/**
 * Linking chat accounts and groups to a school (src/core/people/binding.ts): the codes, the failed tries, the accounts
 * they link, and the conversations bound to a school.
 */
export interface BindingRepository {
  /** How many codes with this hash are unused, not revoked and not expired at `now`. */
  countLive(codeHash: string, now: Date): Promise<number>;
  /** Revokes every unused code of the person; the codes revoked. */
  revokeUnusedOf(personId: string, at: Date): Promise<RevokedBindingCode[]>;
  createCode(code: NewBindingCode): Promise<void>;
  /** Revokes the unused codes with this hash; the codes revoked (whose, of which school, until when they were valid). */
  revokeCode(codeHash: string, at: Date): Promise<RevokedBindingCode[]>;
  /** The newest unused, unrevoked code with this hash, with its person and the person's school name. */
  findUnused(codeHash: string): Promise<(BindingCodeRecord & { person: PersonRecord & { school: { name: string } } }) | null>;
  /** The school's codes still usable at `now`, newest first. */
  openCodes(schoolId: string, now: Date): Promise<OpenBindingCode[]>;
  /** Revokes one unused code of a person of the school; false when it was used, revoked or not the school's. */
  revokeCodeById(id: string, schoolId: string, at: Date): Promise<OpenBindingCode | null>;
  /** Removes a chat account of a person of the school; the account removed, or null when there was none. */
  unlink(identityId: string, schoolId: string): Promise<(IdentityRecord & { person: PersonRecord }) | null>;
  /** Marks the code used by the account, if still unused and unrevoked; false when another use came first. */
  claim(codeId: string, at: Date, by: AccountRef): Promise<boolean>;
  /** Failed tries of the account since `since`. */
  failuresSince(account: AccountRef, since: Date): Promise<number>;
  recordFailure(account: AccountRef, at: Date): Promise<void>;
  /** The person an account is linked to. */
  identity(account: AccountRef): Promise<(IdentityRecord & { person: PersonRecord }) | null>;
  /** Links the account to the person, replacing the person's other account on that platform. */
  link(personId: string, account: AccountRef & { displayName?: string | null }, newIdentityId: string): Promise<void>;
  /** Sets a conversation's school and, when given, its purpose. */
  bindConversation(conversationId: string, schoolId: string | null, purpose?: string): Promise<void>;
  /**
   * The bot was added to a group: the conversation, new or known, is unbound (purpose staff, no school); its title is
   * kept unless a new one is given.
   */
  joinedGroup(group: AccountRef & { title?: string | null }, newId: string): Promise<void>;
  /** The bot left a group: purpose "left" and its open questions cancelled. The conversation's id, or null if unknown. */
  leftGroup(group: AccountRef): Promise<string | null>;
}
