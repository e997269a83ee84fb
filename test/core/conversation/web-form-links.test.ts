import { describe, expect, it } from 'vitest';
import { WEB_FORM_TTL_MS, WebFormLinks } from '../../../src/core/conversation/web-form.js';
import { DocumentLinks } from '../../../src/core/documents/links.js';
import { FieldCipher, parseKeyRing } from '../../../src/core/privacy/cipher.js';
import { SignInLinks } from '../../../src/web/console/links.js';

const K1 = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const K2 = `k2:${Buffer.alloc(32, 2).toString('base64')}`;
const cipher = (spec: string) => new FieldCipher(parseKeyRing(spec));

/** The one-time links of web forms from chat (issue #18 point 5): bound to the person, the conversation and the question. */
describe('web form links', () => {
  const t0 = new Date('2026-12-07T02:00:00Z');
  let now = t0;
  const links = new WebFormLinks({ cipher: cipher(K1), now: () => now });

  it('round-trips person, conversation and question, and expires after 30 minutes', () => {
    now = t0;
    const { token, expiresAt } = links.sign('person-1', 'conv-1', 'prompt-1');
    expect(expiresAt.getTime() - t0.getTime()).toBe(WEB_FORM_TTL_MS);
    expect(links.verify(token)).toEqual({
      ok: true,
      claims: {
        linkId: expect.stringMatching(/^[\w-]{22}$/),
        personId: 'person-1',
        conversationId: 'conv-1',
        promptId: 'prompt-1',
        expiresAt,
      },
    });
    now = new Date(t0.getTime() + WEB_FORM_TTL_MS - 1000);
    expect(links.verify(token).ok).toBe(true);
    now = new Date(t0.getTime() + WEB_FORM_TTL_MS);
    expect(links.verify(token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('each link has its own id (a link is claimed once, not the question)', () => {
    now = t0;
    const a = links.verify(links.sign('person-1', 'conv-1', 'prompt-1').token);
    const b = links.verify(links.sign('person-1', 'conv-1', 'prompt-1').token);
    expect(a.ok && b.ok && a.claims.linkId !== b.claims.linkId).toBe(true);
  });

  it('rebinding a link to another person, conversation or question breaks its signature', () => {
    now = t0;
    const { token } = links.sign('person-1', 'conv-1', 'prompt-1');
    const [body, sig] = token.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const forge = (p: Record<string, unknown>) => `${Buffer.from(JSON.stringify(p)).toString('base64url')}.${sig}`;
    for (const change of [
      { p: 'person-2' },
      { c: 'conv-2' },
      { q: 'prompt-2' },
      { n: 'x'.repeat(22) },
      { e: (payload.e as number) + 3600 },
    ]) {
      expect(links.verify(forge({ ...payload, ...change }))).toEqual({ ok: false, reason: 'bad-signature' });
    }
    expect(links.verify(`${body}.${'A'.repeat(43)}`)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(links.verify('not-a-token')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('a link of another purpose or another key ring is refused, and a form link signs nobody in', () => {
    now = t0;
    const signIn = new SignInLinks(cipher(K1), () => now);
    const download = new DocumentLinks(cipher(K1), () => now);
    expect(links.verify(signIn.sign('person-1').token).ok).toBe(false);
    expect(links.verify(download.sign('inc-1', 'person-1', { kind: 'export', format: 'zip' }).token).ok).toBe(false);
    const { token } = links.sign('person-1', 'conv-1', 'prompt-1');
    expect(signIn.verify(token).ok).toBe(false);
    expect(download.verify(token).ok).toBe(false);
    expect(new WebFormLinks({ cipher: cipher(K2), now: () => now }).verify(token)).toEqual({ ok: false, reason: 'bad-signature' });
  });
});
