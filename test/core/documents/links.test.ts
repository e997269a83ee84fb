import { describe, expect, it } from 'vitest';
import { DocumentLinks, LINK_TTL_MS } from '../../../src/core/documents/links.js';
import { parseDay, parseReportCommand } from '../../../src/core/conversation/report-flow.js';
import { FieldCipher, parseKeyRing } from '../../../src/core/privacy/cipher.js';
import { formatRocDate } from '../../../src/core/time/roc.js';

const K1 = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const K2 = `k2:${Buffer.alloc(32, 2).toString('base64')}`;
const cipher = (spec: string) => new FieldCipher(parseKeyRing(spec));

describe('signed download links', () => {
  const t0 = new Date('2026-11-23T06:00:00Z');
  let now = t0;
  const links = new DocumentLinks(cipher(K1), () => now);
  const target = { kind: 'bureau', format: 'pdf' } as const;

  it('round-trips incident, person, document and format, and expires after 15 minutes', () => {
    now = t0;
    const { token, expiresAt } = links.sign('inc-1', 'person-1', target);
    expect(expiresAt.getTime() - t0.getTime()).toBe(LINK_TTL_MS);
    expect(links.verify(token)).toEqual({
      ok: true,
      claims: { linkId: expect.stringMatching(/^[\w-]{22}$/), incidentId: 'inc-1', personId: 'person-1', target, expiresAt },
    });
    now = new Date(t0.getTime() + LINK_TTL_MS - 1000);
    expect(links.verify(token).ok).toBe(true);
    now = new Date(t0.getTime() + LINK_TTL_MS);
    expect(links.verify(token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('any change to the payload or the signature is refused', () => {
    now = t0;
    const { token } = links.sign('inc-1', 'person-1', target);
    const [body, sig] = token.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const forge = (p: Record<string, unknown>) => `${Buffer.from(JSON.stringify(p)).toString('base64url')}.${sig}`;
    expect(links.verify(forge({ ...payload, i: 'inc-2' }))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(links.verify(forge({ ...payload, p: 'person-2' }))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(links.verify(forge({ ...payload, f: 'odt' }))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(links.verify(forge({ ...payload, e: (payload.e as number) + 3600 }))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(links.verify(`${body}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(links.verify(`${body}.${sig}x`)).toEqual({ ok: false, reason: 'malformed' });
    expect(links.verify('')).toEqual({ ok: false, reason: 'malformed' });
    // Signed with another ring's key of the same id.
    const other = new DocumentLinks(cipher(`k1:${Buffer.alloc(32, 9).toString('base64')}`), () => now);
    expect(links.verify(other.sign('inc-1', 'person-1', target).token)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('the signature is accepted in its one canonical spelling only, and every link has its own id', () => {
    now = t0;
    const { token } = links.sign('inc-1', 'person-1', target);
    const [body, sig] = token.split('.') as [string, string];
    // 43 base64url characters hold 258 bits: the last character has 2 spare bits, so 4 spellings decode alike.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const accepted = [...alphabet].filter((c) => links.verify(`${body}.${sig.slice(0, -1)}${c}`).ok);
    expect(accepted).toEqual([sig.at(-1)]);
    const a = links.verify(token);
    const b = links.verify(links.sign('inc-1', 'person-1', target).token);
    expect(a.ok && b.ok && a.claims.linkId !== b.claims.linkId).toBe(true);
  });

  it('survives a key rotation while the old key stays in the ring, and not after it is removed', () => {
    now = t0;
    const { token } = links.sign('inc-1', 'person-1', { kind: 'export', format: 'zip' });
    expect(new DocumentLinks(cipher(`${K2},${K1}`), () => now).verify(token).ok).toBe(true);
    expect(new DocumentLinks(cipher(K2), () => now).verify(token)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('the key is derived per purpose: it is neither the encryption key nor another purpose’s key', () => {
    const c = cipher(K1);
    const a = c.deriveKey('download-links:v1').key;
    expect(a).toHaveLength(32);
    expect(a.equals(Buffer.alloc(32, 1))).toBe(false);
    expect(a.equals(c.deriveKey('something-else').key)).toBe(false);
    expect(() => c.deriveKey('x', 'k9')).toThrow(/k9/);
  });
});

describe('chat parsing', () => {
  it('「報告」 commands', () => {
    expect(parseReportCommand('報告')).toEqual({});
    expect(parseReportCommand('報告 115-001')).toEqual({ arg: '115-001' });
    expect(parseReportCommand('@小幫手 /reports 115-002')).toEqual({ arg: '115-002' });
    expect(parseReportCommand('匯出 115-003')).toEqual({ arg: '115-003' });
    expect(parseReportCommand('我要寫報告')).toBeNull();
  });

  it('submission days: ROC, AD, today and yesterday, in Taipei', () => {
    const now = new Date('2026-11-23T17:30:00Z'); // 2026-11-24 01:30 in Taipei
    expect(formatRocDate(parseDay('今天', now)!)).toBe('中華民國115年11月24日');
    expect(formatRocDate(parseDay('昨天', now)!)).toBe('中華民國115年11月23日');
    expect(formatRocDate(parseDay('115/11/20', now)!)).toBe('中華民國115年11月20日');
    expect(formatRocDate(parseDay('2026-11-19', now)!)).toBe('中華民國115年11月19日');
    expect(formatRocDate(parseDay('民國115年11月18日', now)!)).toBe('中華民國115年11月18日');
    expect(parseDay('115/2/30', now)).toBeNull();
    expect(parseDay('下週', now)).toBeNull();
  });
});
