import type { PersonRecord } from './people.js';

/**
 * The web console's sessions (table console_session, src/web/console/sessions.ts): a row per sign-in, named by the
 * SHA-256 of the cookie's secret. Sign-ins and sign-outs also go on the person's record (person_change), in the
 * transaction that opens or ends the session (the service's).
 */
export type SessionEnd = 'signed-out' | 'expired' | 'idle' | 'not-allowed';

export interface ConsoleSessionRecord {
  id: string;
  personId: string;
  schoolId: string;
  linkId: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** The absolute end (12 h after sign-in); inactivity is read from lastSeenAt. */
  expiresAt: Date;
  endedAt: Date | null;
  /** A SessionEnd, once ended. */
  endedReason: string | null;
  clientAddress: string | null;
}

export interface ConsoleSessionRepository {
  /** Opens a session; throws Prisma's P2002 when the sign-in link was used before. */
  open(
    session: Pick<ConsoleSessionRecord, 'id' | 'personId' | 'schoolId' | 'linkId' | 'expiresAt' | 'clientAddress'>,
    now: Date,
  ): Promise<void>;
  /** Whether a sign-in link has signed someone in already. */
  linkUsed(linkId: string): Promise<boolean>;
  /** A session that has not ended, with its person. */
  find(id: string): Promise<(ConsoleSessionRecord & { person: PersonRecord }) | null>;
  /** The session was used at `now` (if it has not ended). */
  touch(id: string, now: Date): Promise<void>;
  /** Ends one session (a timeout or a refusal), if it has not ended. */
  end(id: string, reason: SessionEnd, now: Date): Promise<void>;
  /** Ends every open session of a person; returns how many. */
  endAllOf(personId: string, reason: SessionEnd, now: Date): Promise<number>;
  /**
   * Deletes the sessions that ended before `before`: signed out or timed out then, or never seen again after their
   * absolute end (a session is found ended on its next page, which may never come). `count` only counts.
   */
  pruneEnded(before: Date, opts?: { count?: boolean }): Promise<number>;
}
