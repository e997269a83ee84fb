import { createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  blindIndex,
  blindIndexEquals,
  FieldCipher,
  generateKey,
  isEncrypted,
  keyIdOf,
  KeyRingError,
  MalformedValueError,
  parseKeyRing,
  TamperedValueError,
  UnknownKeyError,
} from '../../../src/core/privacy/cipher.js';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const ringV1 = { current: 'k1', keys: { k1 } };
const ringV2 = { current: 'k2', keys: { k2, k1 } };

/** Flips one bit in the base64url part at `index` (3 = iv, 4 = tag, 5 = ciphertext). */
function flip(value: string, index: number): string {
  const parts = value.split(':');
  const bytes = Buffer.from(parts[index] ?? '', 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  parts[index] = bytes.toString('base64url');
  return parts.join(':');
}

describe('FieldCipher', () => {
  it('round-trips text, including Chinese, empty strings and additional data', () => {
    const c = new FieldCipher(ringV1);
    for (const text of ['王小明 A123456789', '', 'x'.repeat(10_000)]) {
      const enc = c.encrypt(text, 'incident:42:reporter');
      expect(enc.startsWith('enc:v1:k1:')).toBe(true);
      expect(enc).not.toContain('王小明');
      expect(c.decrypt(enc, 'incident:42:reporter')).toBe(text);
    }
  });

  it('writes the documented format: AES-256-GCM readable with node:crypto directly', () => {
    const c = new FieldCipher(ringV1);
    const enc = c.encrypt('0912345678');
    const [prefix, version, keyId, iv, tag, ct] = enc.split(':');
    expect([prefix, version, keyId]).toEqual(['enc', 'v1', 'k1']);
    expect(Buffer.from(iv ?? '', 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag ?? '', 'base64url')).toHaveLength(16);
    const d = createDecipheriv('aes-256-gcm', k1, Buffer.from(iv ?? '', 'base64url'));
    d.setAAD(Buffer.from('enc:v1:k1\n', 'utf8'));
    d.setAuthTag(Buffer.from(tag ?? '', 'base64url'));
    expect(Buffer.concat([d.update(Buffer.from(ct ?? '', 'base64url')), d.final()]).toString('utf8')).toBe('0912345678');
  });

  it('uses a fresh IV for every value', () => {
    const c = new FieldCipher(ringV1);
    const a = c.encrypt('same');
    const b = c.encrypt('same');
    expect(a).not.toBe(b);
    expect(a.split(':')[3]).not.toBe(b.split(':')[3]);
  });

  it('reads values written with a retired key after rotation and re-encrypts them with the current key', () => {
    const old = new FieldCipher(ringV1).encrypt('舊資料', 'aad');
    const c = new FieldCipher(ringV2);
    expect(c.currentKeyId).toBe('k2');
    expect(c.decrypt(old, 'aad')).toBe('舊資料');
    expect(c.needsRotation(old)).toBe(true);
    const rotated = c.rotate(old, 'aad');
    expect(keyIdOf(rotated)).toBe('k2');
    expect(c.decrypt(rotated, 'aad')).toBe('舊資料');
    expect(c.rotate(rotated, 'aad')).toBe(rotated);
  });

  it('names the missing key id when a value needs a key that is not in the ring', () => {
    const enc = new FieldCipher(ringV2).encrypt('x');
    const c = new FieldCipher(ringV1);
    expect(() => c.decrypt(enc)).toThrow(UnknownKeyError);
    expect(() => c.decrypt(enc)).toThrow(/key id "k2".*not in the key ring.*known ids: k1/);
  });

  it('detects tampering of IV, tag or ciphertext, a different aad, and a wrong key under the same id', () => {
    const c = new FieldCipher(ringV1);
    const enc = c.encrypt('secret value', 'row:1');
    for (const i of [3, 4, 5]) expect(() => c.decrypt(flip(enc, i), 'row:1')).toThrow(TamperedValueError);
    expect(() => c.decrypt(enc, 'row:2')).toThrow(/authentication failed/);
    expect(() => c.decrypt(enc)).toThrow(TamperedValueError);
    const impostor = new FieldCipher({ current: 'k1', keys: { k1: randomBytes(32) } });
    expect(() => impostor.decrypt(enc, 'row:1')).toThrow(TamperedValueError);
  });

  it('binds the key id: relabelling a value to another key of the ring fails', () => {
    const c = new FieldCipher({ current: 'k1', keys: { k1, k9: Buffer.from(k1) } });
    const relabelled = c.encrypt('x').replace('enc:v1:k1:', 'enc:v1:k9:');
    expect(() => c.decrypt(relabelled)).toThrow(TamperedValueError);
  });

  it('rejects malformed values with a clear error', () => {
    const c = new FieldCipher(ringV1);
    const enc = c.encrypt('x');
    expect(() => c.decrypt('plain text')).toThrow(MalformedValueError);
    expect(() => c.decrypt('plain text')).toThrow(/not an encrypted field/);
    expect(() => c.decrypt(`${enc}:extra`)).toThrow(/6 ":"-separated parts, this one has 7/);
    expect(() => c.decrypt(enc.replace(/:[^:]+:([^:]+):([^:]*)$/, ':AAAA:$1:$2'))).toThrow(/IV must be 12 bytes/);
    expect(() => c.decrypt(`${enc.slice(0, -2)}!!`)).toThrow(/not base64url/);
  });

  it('tells encrypted values from plaintext', () => {
    const c = new FieldCipher(ringV1);
    expect(c.isEncrypted(c.encrypt('x'))).toBe(true);
    expect(isEncrypted('enc:v1:k1:short')).toBe(false);
    expect(isEncrypted('0912345678')).toBe(false);
    expect(isEncrypted(42)).toBe(false);
  });

  it('refuses an unusable key ring', () => {
    expect(() => new FieldCipher({ current: 'k1', keys: {} })).toThrow(/empty/);
    expect(() => new FieldCipher({ current: 'k3', keys: { k1 } })).toThrow(/current key id "k3" is not in the key ring/);
    expect(() => new FieldCipher({ current: 'k1', keys: { k1: randomBytes(16) } })).toThrow(/16 bytes long/);
    expect(() => new FieldCipher({ current: 'a:b', keys: { 'a:b': k1 } })).toThrow(KeyRingError);
  });
});

describe('parseKeyRing', () => {
  it('parses "k2:…,k1:…" with the first key current, accepting URL-safe base64 and spaces', () => {
    const a = generateKey();
    const b = randomBytes(32).toString('base64url');
    const ring = parseKeyRing(` k2:${a} , k1:${b} `);
    expect(ring.current).toBe('k2');
    expect(Object.keys(ring.keys)).toEqual(['k2', 'k1']);
    expect(ring.keys.k2?.equals(Buffer.from(a, 'base64'))).toBe(true);
    expect(ring.keys.k1?.equals(Buffer.from(b, 'base64url'))).toBe(true);
    const c = new FieldCipher(ring);
    expect(c.decrypt(c.encrypt('ok'))).toBe('ok');
  });

  it('explains each mistake without echoing key material', () => {
    const short = randomBytes(16).toString('base64');
    const good = generateKey();
    const cases: [string, RegExp][] = [
      ['', /empty.*openssl rand -base64 32/],
      [good, /entry 1 has no "<id>:" prefix/],
      [`k1:${short}`, /Key "k1" is 16 bytes long; AES-256 needs exactly 32 bytes/],
      ['k1:not*base64!', /Key "k1" is not valid base64/],
      [`k1:${good},k1:${generateKey()}`, /Key id "k1" appears twice/],
      [`bad id:${good}`, /key id "bad id" is invalid/],
    ];
    for (const [spec, message] of cases) {
      let error: unknown;
      try {
        parseKeyRing(spec);
      } catch (e) {
        error = e;
      }
      expect(error, spec).toBeInstanceOf(KeyRingError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(good);
      expect((error as Error).message).not.toContain(short);
    }
  });
});

describe('generateKey and blindIndex', () => {
  it('generates distinct 32-byte base64 keys', () => {
    const a = generateKey();
    expect(Buffer.from(a, 'base64')).toHaveLength(32);
    expect(a).not.toBe(generateKey());
  });

  it('gives a stable keyed HMAC-SHA256 that depends on the key and does not reveal the value', () => {
    const key = randomBytes(32);
    const a = blindIndex('0912345678', key);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(blindIndex('0912345678', key)).toBe(a);
    expect(blindIndexEquals(a, blindIndex('0912345678', key))).toBe(true);
    expect(blindIndex('0912345679', key)).not.toBe(a);
    expect(blindIndex('0912345678', randomBytes(32))).not.toBe(a);
    expect(blindIndexEquals(a, a.slice(1))).toBe(false);
    // RFC 4231's 4-byte key "Jefe" is valid HMAC but too short for this policy.
    expect(() => blindIndex('x', Buffer.from('Jefe'))).toThrow(/at least 32 bytes/);
  });

  it('matches the published HMAC-SHA256 vector of RFC 4231 test case 6', () => {
    // RFC 4231 test case 6: key = 131 bytes of 0xaa, data = "Test Using Larger Than Block-Size Key - Hash Key First"
    const key = Buffer.alloc(131, 0xaa);
    expect(blindIndex('Test Using Larger Than Block-Size Key - Hash Key First', key)).toBe(
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
  });

  it('key checks, seals and key ids: derived per purpose, stable, never the key itself', () => {
    const c = new FieldCipher(ringV2);
    expect(c.keyIds[0]).toBe('k2');
    expect(c.keyIds).toContain('k1');
    const check = c.keyCheck('k1');
    expect(check).toMatch(/^[0-9a-f]{64}$/);
    expect(new FieldCipher(ringV1).keyCheck('k1')).toBe(check);
    expect(new FieldCipher({ current: 'k1', keys: { k1: randomBytes(32) } }).keyCheck('k1')).not.toBe(check);
    expect(check).not.toContain(k1.toString('hex'));
    const seal = c.mac('timeline-seal', 'head');
    expect(c.verifyMac('timeline-seal', 'head', seal, 'k2')).toBe(true);
    expect(c.verifyMac('timeline-seal', 'head2', seal, 'k2')).toBe(false);
    expect(c.verifyMac('other-purpose', 'head', seal, 'k2')).toBe(false);
    expect(c.verifyMac('timeline-seal', 'head', seal, 'k9')).toBe(false);
    expect(c.mac('timeline-seal', 'head', 'k1')).not.toBe(seal);
  });
});
