import { createHash, randomBytes } from 'node:crypto';
import { recordPersonChange } from '../../core/people/history.js';
import { can, type Actor } from '../../core/roles.js';
import type { RepositoryHub, SessionEnd } from '../../ports/repositories/index.js';

/**
 * Console sessions: a random secret in an httpOnly, SameSite=Strict cookie (Secure when the public address is https),
 * and a row named by the secret's SHA-256, so a copy of the database opens no session. A session ends after
 * IDLE_MS without a page, ABSOLUTE_MS after sign-in, on sign-out, or as soon as the person may no longer open the
 * console: every page reads the person and their roles from the database again. Sign-ins and sign-outs go on the
 * person's record (person_change, field `console`) in the transaction that opens or ends the session.
 */
export const IDLE_MS = 30 * 60_000;
export const ABSOLUTE_MS = 12 * 3600_000;
const TOUCH_EVERY_MS = 60_000;

export interface CookieRules {
  name: string;
  options: { path: '/'; httpOnly: true; sameSite: 'strict'; secure: boolean };
}

/** `__Host-` when Secure (the browser then refuses it from any other origin or path), a plain name over http. */
export function cookieRules(secure: boolean): CookieRules {
  return { name: secure ? '__Host-pdi-console' : 'pdi-console', options: { path: '/', httpOnly: true, sameSite: 'strict', secure } };
}

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * What a form's CSRF token is bound to (@fastify/csrf-protection's user info): the session of the cookie (its id, the
 * hash of its secret), or, for a page without one (a web form from chat), the page's own address. A token and CSRF
 * cookie taken from one session are then no good with another's, even where a sibling subdomain can plant the CSRF
 * cookie (attack round 1, docs/security.md).
 */
export function csrfBinding(sessionSecret: string | undefined, url: string): string {
  return sessionSecret ? `session:${hashOf(sessionSecret)}` : `page:${url.split('?')[0]}`;
}

export type SessionCheck = { ok: true; actor: Actor; sessionId: string } | { ok: false; reason: 'none' | SessionEnd };

export class ConsoleSessions {
  constructor(
    private readonly repos: Pick<RepositoryHub, 'consoleSessions' | 'transaction'>,
    private readonly now: () => Date,
  ) {}

  /** Opens a session for a person signed in with link `linkId`; the secret goes into the cookie. Throws P2002 on a used link. */
  async start(actor: Actor, linkId: string, clientAddress: string | null): Promise<{ secret: string; expiresAt: Date }> {
    const secret = randomBytes(32).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now.getTime() + ABSOLUTE_MS);
    await this.repos.transaction(async (tx) => {
      const { personId, schoolId } = actor;
      await tx.consoleSessions.open({ id: hashOf(secret), personId, schoolId, linkId, expiresAt, clientAddress }, now);
      await this.onRecord(tx, actor, 'sign-in', now);
    });
    return { secret, expiresAt };
  }

  /** The person of a cookie's session, if it is open and they may still use the console (then it is kept alive). */
  async check(secret: string | undefined): Promise<SessionCheck> {
    if (!secret || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return { ok: false, reason: 'none' };
    const id = hashOf(secret);
    const row = await this.repos.consoleSessions.find(id);
    if (!row) return { ok: false, reason: 'none' };
    const now = this.now();
    const actor: Actor = {
      personId: row.person.id,
      schoolId: row.person.schoolId,
      displayName: row.person.displayName,
      roles: row.person.roles,
    };
    const reason: SessionEnd | null =
      row.expiresAt <= now
        ? 'expired'
        : now.getTime() - row.lastSeenAt.getTime() > IDLE_MS
          ? 'idle'
          : !row.person.active || !can(actor, 'console.open')
            ? 'not-allowed'
            : null;
    if (reason) {
      await this.repos.consoleSessions.end(id, reason, now);
      return { ok: false, reason };
    }
    // Kept alive at most once a minute (a write per page would cost more than the minute of idle time it measures).
    if (now.getTime() - row.lastSeenAt.getTime() >= TOUCH_EVERY_MS) await this.repos.consoleSessions.touch(id, now);
    return { ok: true, actor, sessionId: id };
  }

  linkUsed(linkId: string): Promise<boolean> {
    return this.repos.consoleSessions.linkUsed(linkId);
  }

  /** Ends every session of the person (the chat's 「登出主控台」 and the console's own sign-out button). */
  signOutEverywhere(actor: Actor): Promise<number> {
    const now = this.now();
    return this.repos.transaction(async (tx) => {
      const count = await tx.consoleSessions.endAllOf(actor.personId, 'signed-out', now);
      // Recorded on the person only when there was a session to end.
      if (count > 0) await this.onRecord(tx, actor, `sign-out (${count})`, now);
      return count;
    });
  }

  private onRecord(tx: Pick<RepositoryHub, 'people'>, actor: Actor, to: string, at: Date): Promise<void> {
    return recordPersonChange(tx, {
      schoolId: actor.schoolId,
      personId: actor.personId,
      actorPersonId: actor.personId,
      actorLabel: actor.displayName,
      changes: { console: { from: null, to } },
      at,
    });
  }
}
