/** A person of a school (table person). Roles are the role ids of src/core/roles.ts. */
export interface PersonRecord {
  id: string;
  schoolId: string;
  displayName: string;
  unit: string | null;
  email: string | null;
  roles: string[];
  active: boolean;
  createdAt: Date;
}

/** A chat account linked to a person (table identity). */
export interface IdentityRecord {
  id: string;
  personId: string;
  platform: string;
  externalId: string;
  displayName: string | null;
  createdAt: Date;
}

export type PersonWithIdentities = PersonRecord & { identities: IdentityRecord[] };

/**
 * `console`: a sign-in to or sign-out from the web console (src/web/console), on the person's own record.
 * `account`: a chat account unlinked from the person (`line` → null) by the principal or the contact window.
 * `bindingCode`: until when the person's unused binding code is valid (ISO time; null: none). Issued: the earlier
 * code's time (or null) → the new one's; revoked: its time → null. Never the code itself nor its hash.
 */
export type PersonField = 'name' | 'unit' | 'email' | 'roles' | 'active' | 'console' | 'account' | 'bindingCode';
export type PersonChanges = Partial<
  Record<PersonField, { from: string | string[] | boolean | null; to: string | string[] | boolean | null }>
>;

/** One entry of the append-only record of changes to people (table person_change). */
export interface PersonChangeEntry {
  schoolId: string;
  personId: string;
  /** The person who made the change in the product; null for the operator's roster import. */
  actorPersonId: string | null;
  actorLabel: string;
  changes: PersonChanges;
  at?: Date;
}

export interface PersonChangeView {
  at: Date;
  personId: string;
  personName: string;
  actorLabel: string;
  changes: PersonChanges;
}

/** What a person is given when created or updated (the roster import). */
export type PersonFields = Pick<PersonRecord, 'displayName' | 'unit' | 'email' | 'roles' | 'active'>;

export interface PeopleRepository {
  find(id: string): Promise<PersonRecord | null>;
  /** The names of those of `ids` still on record (any school, active or not). */
  names(ids: readonly string[]): Promise<Pick<PersonRecord, 'id' | 'displayName'>[]>;
  /** Every person of the school, in the order they were created. */
  inSchool(schoolId: string): Promise<PersonRecord[]>;
  /** The active people of the school. */
  activeInSchool(schoolId: string): Promise<PersonRecord[]>;
  create(person: PersonFields & { id: string; schoolId: string }): Promise<void>;
  update(id: string, fields: Partial<PersonFields>): Promise<void>;
  /** Every person of the school with their chat accounts: active first, then by name. */
  rosterOf(schoolId: string): Promise<PersonWithIdentities[]>;
  /**
   * One page of the people page: the school's people whose name or unit contains `q` (any case; all without it), in
   * rosterOf's order, `limit` from `offset`, with their chat accounts; and how many match.
   */
  rosterPage(
    schoolId: string,
    query: { q?: string; offset: number; limit: number },
  ): Promise<{ people: PersonWithIdentities[]; matching: number }>;
  /** How many people of the school are active, and how many not. */
  rosterCounts(schoolId: string): Promise<{ active: number; inactive: number }>;
  /** The active people of the school who hold `role`, in the order they were created, or by name. */
  activeWithRole(schoolId: string, role: string, order?: 'created' | 'name'): Promise<PersonRecord[]>;
  /**
   * The active people of the school who hold `role`, except `excluding`, each with their accounts on `platform` only,
   * in the order they were created (who is asked to approve a notice).
   */
  activeWithRoleOn(schoolId: string, role: string, platform: string, excluding: readonly string[]): Promise<PersonWithIdentities[]>;
  /** Whether any of `ids` holds `role` (active or not). */
  anyWithRole(ids: readonly string[], role: string): Promise<boolean>;
  /** How many active people of the school hold `role`. */
  countActiveWithRole(schoolId: string, role: string): Promise<number>;
  setRoles(id: string, roles: string[]): Promise<PersonRecord>;
  /** The active people of the school who hold any of `roles` (none when `roles` is empty). */
  activeWithAnyRole(schoolId: string, roles: readonly string[]): Promise<PersonRecord[]>;
  /** The active people of the school who hold `role`, with all their chat accounts, by name (the contact windows' chats). */
  activeWithRoleAndAccounts(schoolId: string, role: string): Promise<PersonWithIdentities[]>;
  /**
   * The active people of every school who hold `role` and have an account on `platform`, with their accounts there
   * only, by name (warnings about the bot itself to every school's contact windows).
   */
  everywhereWithRoleOn(role: string, platform: string): Promise<PersonWithIdentities[]>;
  /**
   * The active people of the school who hold any of `roles`, or are `personId`, with their accounts on `platform`
   * only, by name (the members of an incident's room).
   */
  roomMembersOn(schoolId: string, platform: string, roles: readonly string[], personId: string): Promise<PersonWithIdentities[]>;
  /** The active ones among `ids`, with their chat accounts, by name. */
  activeWithIdentities(ids: readonly string[]): Promise<PersonWithIdentities[]>;
  /** Appends to person_change (the database refuses UPDATE and DELETE there). */
  recordChange(id: string, entry: PersonChangeEntry): Promise<void>;
  /** A school's changes to people, newest first (`offset` of them skipped: the people page's older pages). */
  history(schoolId: string, limit: number, offset?: number): Promise<PersonChangeView[]>;
}
