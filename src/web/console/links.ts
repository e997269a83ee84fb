import { randomBytes } from 'node:crypto';
import { openToken, sealToken } from '../../core/documents/links.js';
import type { FieldCipher } from '../../core/privacy/cipher.js';

/**
 * One-time sign-in links to the console, asked for in chat (「主控台」). The same signed-token machinery as the document
 * links (src/core/documents/links.ts: HMAC-SHA256 with a key derived from the encryption key ring, so every instance
 * sharing the ring accepts them) under a purpose of their own, so a download link never signs anyone in and a sign-in
 * link never downloads. A link names the person and expires; its id is used once (console_session.link_id).
 */
export const SIGN_IN_TTL_MS = 10 * 60_000;
const PURPOSE = 'console-sign-in:v1';

export interface SignInClaims {
  linkId: string;
  personId: string;
  expiresAt: Date;
}

export type SignInVerdict = { ok: true; claims: SignInClaims } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

interface Payload {
  k: string;
  p: string; // person
  e: number; // expiry, unix seconds
  n: string; // link id
}

export class SignInLinks {
  constructor(
    private readonly cipher: FieldCipher,
    private readonly now: () => Date,
    private readonly ttlMs = SIGN_IN_TTL_MS,
  ) {}

  sign(personId: string): { token: string; expiresAt: Date } {
    const expiresAt = new Date(Math.floor((this.now().getTime() + this.ttlMs) / 1000) * 1000);
    const token = sealToken(this.cipher, PURPOSE, { p: personId, e: expiresAt.getTime() / 1000, n: randomBytes(16).toString('base64url') });
    return { token, expiresAt };
  }

  verify(token: string): SignInVerdict {
    const opened = openToken<Payload>(this.cipher, PURPOSE, token);
    if (!opened.ok) return opened;
    const { p, e, n } = opened.payload;
    if (typeof p !== 'string' || typeof e !== 'number' || typeof n !== 'string' || n.length < 16) return { ok: false, reason: 'malformed' };
    const expiresAt = new Date(e * 1000);
    if (expiresAt.getTime() <= this.now().getTime()) return { ok: false, reason: 'expired' };
    return { ok: true, claims: { linkId: n, personId: p, expiresAt } };
  }
}
