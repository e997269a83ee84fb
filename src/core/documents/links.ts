import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FieldCipher } from '../privacy/cipher.js';
import { REPORT_FORMATS, REPORT_KINDS, type ReportFormat, type ReportKind } from './model.js';

/**
 * Signed, short-lived download links. A link names one incident, one document (a report or the full export), one
 * format and the person it was made for, and expires; its HMAC-SHA256 signature uses a key derived from the
 * encryption key ring (FieldCipher.deriveKey), so no other secret is configured and every instance sharing the ring
 * accepts it. Nothing in a link is personal data: ids, the kind of document, a time.
 */
export const LINK_TTL_MS = 15 * 60_000;
const PURPOSE = 'download-links:v1';

/** A report or the full export. */
export type ReportTarget = { kind: ReportKind; format: ReportFormat } | { kind: 'export'; format: 'zip' };
/** What a link may name: a report, the full export, or one piece of evidence (`format` then holds the evidence id). */
export type DocumentTarget = ReportTarget | { kind: 'evidence'; format: string };

export interface LinkClaims {
  /** Unique per link: a link is used once (recorded in document_link_use when its document is downloaded). */
  linkId: string;
  incidentId: string;
  personId: string;
  target: DocumentTarget;
  expiresAt: Date;
}

export type LinkVerdict = { ok: true; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

interface Payload {
  k: string; // key id
  i: string; // incident
  p: string; // person
  d: string; // document
  f: string; // format
  e: number; // expiry, unix seconds
  n: string; // link id (random)
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export class DocumentLinks {
  constructor(
    private readonly cipher: FieldCipher,
    private readonly now: () => Date,
    private readonly ttlMs = LINK_TTL_MS,
  ) {}

  /** The token (URL path segment) for one document. */
  sign(incidentId: string, personId: string, target: DocumentTarget): { token: string; expiresAt: Date } {
    const expiresAt = new Date(Math.floor((this.now().getTime() + this.ttlMs) / 1000) * 1000);
    const token = sealToken(this.cipher, PURPOSE, {
      i: incidentId,
      p: personId,
      d: target.kind,
      f: target.format,
      e: expiresAt.getTime() / 1000,
      n: b64(randomBytes(16)),
    });
    return { token, expiresAt };
  }

  verify(token: string): LinkVerdict {
    const opened = openToken<Payload>(this.cipher, PURPOSE, token);
    if (!opened.ok) return opened;
    const payload = opened.payload;
    const target = targetOf(payload.d, payload.f);
    if (
      !target ||
      typeof payload.i !== 'string' ||
      typeof payload.p !== 'string' ||
      typeof payload.e !== 'number' ||
      typeof payload.n !== 'string' ||
      payload.n.length < 16
    ) {
      return { ok: false, reason: 'malformed' };
    }
    const expiresAt = new Date(payload.e * 1000);
    if (expiresAt.getTime() <= this.now().getTime()) return { ok: false, reason: 'expired' };
    return { ok: true, claims: { linkId: payload.n, incidentId: payload.i, personId: payload.p, target, expiresAt } };
  }
}

/**
 * A token of `payload` signed with the key ring's key for `purpose` (the key id travels in it as `k`): the machinery
 * of every signed link of the product (these downloads, the console's sign-in links in src/web/console).
 */
export function sealToken(cipher: FieldCipher, purpose: string, payload: Record<string, unknown>): string {
  const { keyId, key } = cipher.deriveKey(purpose);
  const body = b64(JSON.stringify({ k: keyId, ...payload }));
  return `${body}.${b64(sign(key, body))}`;
}

/** The payload of a token sealed for `purpose`, once its signature is checked (its fields are for the caller to check). */
export function openToken<P extends { k: string }>(
  cipher: FieldCipher,
  purpose: string,
  token: string,
): { ok: true; payload: P } | { ok: false; reason: 'malformed' | 'bad-signature' } {
  const m = /^([A-Za-z0-9_-]{10,600})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const [, body, sig] = m as unknown as [string, string, string];
  let payload: P;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as P;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof payload?.k !== 'string') return { ok: false, reason: 'malformed' };
  let key: Buffer;
  try {
    key = cipher.deriveKey(purpose, payload.k).key;
  } catch {
    return { ok: false, reason: 'bad-signature' };
  }
  const expected = sign(key, body);
  // Compared as bytes, in constant time, and only in its one canonical spelling: 43 base64url characters carry 258
  // bits, so four last characters would decode to the same 32 bytes.
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || b64(given) !== sig || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad-signature' };
  return { ok: true, payload };
}

function sign(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(body, 'utf8').digest();
}

function targetOf(kind: string, format: string): DocumentTarget | null {
  if (kind === 'export') return format === 'zip' ? { kind, format } : null;
  if (kind === 'evidence') return /^[A-Za-z0-9_-]{8,64}$/.test(format) ? { kind, format } : null;
  if ((REPORT_KINDS as readonly string[]).includes(kind) && (REPORT_FORMATS as readonly string[]).includes(format)) {
    return { kind: kind as ReportKind, format: format as ReportFormat };
  }
  return null;
}
