import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

// Field-level encryption at rest: AES-256-GCM with a random 96-bit IV per value, stored as the
// self-describing string enc:v1:<keyId>:<iv>:<tag>:<ciphertext> (base64url parts). The version and key id
// are bound into the authenticated data, so a value cannot be relabelled to another key or format.

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX = 'enc:v1:';
const KEY_ID_RE = /^[A-Za-z0-9_-]{1,32}$/;
const B64URL_RE = /^[A-Za-z0-9_-]*$/;
const ENCRYPTED_RE = /^enc:v1:[A-Za-z0-9_-]{1,32}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]*$/;

export interface KeyRing {
  /** Id of the key used for new values. */
  current: string;
  /** Every key that may still be needed to read stored values, by id (32 bytes each). */
  keys: Record<string, Buffer>;
}

/** The key ring setting or object is unusable. The message says what to fix; it never contains key material. */
export class KeyRingError extends Error {
  override readonly name = 'KeyRingError';
}

/**
 * Wrong key: the key id is not in the ring, or the key behind an id is not the one the database's key check was made
 * with (src/core/privacy/key-check.ts). The operator has to restore the right key; the data is intact.
 */
export class WrongKeyError extends Error {
  override readonly name: string = 'WrongKeyError';
  constructor(
    readonly keyId: string,
    message: string,
  ) {
    super(message);
  }
}

/** The stored value was encrypted with a key id that is not in the ring (a wrong-key case). */
export class UnknownKeyError extends WrongKeyError {
  override readonly name = 'UnknownKeyError';
  constructor(keyId: string, known: readonly string[]) {
    super(
      keyId,
      `Cannot decrypt (wrong key): the value was encrypted with key id "${keyId}", which is not in the key ring ` +
        `(known ids: ${known.join(', ')}). Add that key back to the key ring; after a rotation keep retired keys ` +
        'in the ring until every value has been re-encrypted with the current key.',
    );
  }
}

/**
 * Authentication failed. Under a key verified against the database's key check this means the stored value was
 * altered (or copied from another row: the additional data differs); under an unverified key the message says the key
 * may be the wrong one.
 */
export class TamperedValueError extends Error {
  override readonly name = 'TamperedValueError';
}

/** Fixed label whose HMAC (under a key derived from each key) is the key check stored in the database. */
const KEY_CHECK_LABEL = 'pdi-responder key check v1';

/** The value is not in the enc:v1:<keyId>:<iv>:<tag>:<ciphertext> format. */
export class MalformedValueError extends Error {
  override readonly name = 'MalformedValueError';
}

function checkKeyId(id: string, where: string): void {
  if (!KEY_ID_RE.test(id)) {
    throw new KeyRingError(
      `${where}: key id "${id.slice(0, 40)}" is invalid; use 1–32 characters from A–Z, a–z, 0–9, "_" or "-" (e.g. "k2").`,
    );
  }
}

function checkKeyLength(id: string, key: Buffer): void {
  if (key.length !== KEY_BYTES) {
    throw new KeyRingError(
      `Key "${id}" is ${key.length} bytes long; AES-256 needs exactly ${KEY_BYTES} bytes. ` +
        'Generate one with generateKey() or `openssl rand -base64 32`.',
    );
  }
}

function headerAad(keyId: string, aad: string | undefined): Buffer {
  return Buffer.from(`${PREFIX}${keyId}\n${aad ?? ''}`, 'utf8');
}

export class FieldCipher {
  private readonly current: string;
  private readonly keys: ReadonlyMap<string, Buffer>;
  /** Keys whose key check matched the database's (markVerified). */
  private readonly verified = new Set<string>();
  /** Keys derived for a purpose (deriveKey), by key id and purpose. */
  private readonly derived = new Map<string, Buffer>();

  constructor(ring: KeyRing) {
    const entries = Object.entries(ring.keys);
    if (entries.length === 0) throw new KeyRingError('The key ring is empty; add at least one 32-byte key.');
    const keys = new Map<string, Buffer>();
    for (const [id, key] of entries) {
      checkKeyId(id, 'Key ring');
      if (!Buffer.isBuffer(key)) throw new KeyRingError(`Key "${id}" must be a Buffer of ${KEY_BYTES} bytes.`);
      checkKeyLength(id, key);
      keys.set(id, Buffer.from(key));
    }
    if (!keys.has(ring.current)) {
      throw new KeyRingError(
        `The current key id "${ring.current}" is not in the key ring (ids: ${[...keys.keys()].join(', ')}); ` +
          'set current to one of them.',
      );
    }
    this.current = ring.current;
    this.keys = keys;
  }

  /** Id of the key new values are encrypted with. */
  get currentKeyId(): string {
    return this.current;
  }

  /** Encrypts with the current key. `aad` (e.g. "incident:42:reporterPhone") must be given again to decrypt. */
  encrypt(plaintext: string, aad?: string): string {
    if (typeof plaintext !== 'string') throw new TypeError('FieldCipher.encrypt expects a string plaintext.');
    const key = this.keys.get(this.current) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(headerAad(this.current, aad));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return `${PREFIX}${this.current}:${iv.toString('base64url')}:${tag.toString('base64url')}:${ciphertext.toString('base64url')}`;
  }

  /** Decrypts a value written by encrypt(), with whichever key of the ring its id names. */
  decrypt(value: string, aad?: string): string {
    const { keyId, iv, tag, ciphertext } = parseEncrypted(value);
    const key = this.keys.get(keyId);
    if (key === undefined) throw new UnknownKeyError(keyId, [...this.keys.keys()]);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(headerAad(keyId, aad));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new TamperedValueError(
        this.verified.has(keyId)
          ? `Cannot decrypt a value encrypted with key "${keyId}" (altered value): key "${keyId}" matches the database's ` +
              'key check, so the stored value was altered or moved to another row or field.'
          : `Cannot decrypt a value encrypted with key "${keyId}": authentication failed. Either key "${keyId}" in the ` +
              'ring is not the key that encrypted it (wrong key: run `npm run keys -- check`), or the stored value was ' +
              'altered or moved to another row or field.',
      );
    }
  }

  /** Ids of every key of the ring, the current one first. */
  get keyIds(): string[] {
    return [this.current, ...[...this.keys.keys()].filter((id) => id !== this.current)];
  }

  /**
   * The key check of one key: HMAC-SHA256 of a fixed label under a key derived from it (HKDF), hex. Stored in the
   * database per key id, it tells a wrong key from the right one without revealing anything about the key.
   */
  keyCheck(keyId: string): string {
    return this.mac('key-check', KEY_CHECK_LABEL, keyId);
  }

  /** Records that these keys matched the database's key check: an authentication failure under them is an altered value. */
  markVerified(keyIds: Iterable<string>): void {
    for (const id of keyIds) if (this.keys.has(id)) this.verified.add(id);
  }

  isVerified(keyId: string): boolean {
    return this.verified.has(keyId);
  }

  /**
   * HMAC-SHA256 (hex) of `message` under a key derived for `purpose` from one key of the ring (the current one by
   * default). Used to seal records (timeline checkpoints) with a key the database never holds.
   */
  mac(purpose: string, message: string, keyId: string = this.current): string {
    return createHmac('sha256', this.deriveKey(purpose, keyId).key).update(message, 'utf8').digest('hex');
  }

  /** Constant-time check of a mac() value; false (never a throw) for a key id that is not in the ring. */
  verifyMac(purpose: string, message: string, mac: string, keyId: string): boolean {
    if (!this.keys.has(keyId)) return false;
    const expected = Buffer.from(this.mac(purpose, message, keyId), 'utf8');
    const given = Buffer.from(mac, 'utf8');
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** True when the value is in the encrypted format (whether or not this ring can read it). */
  isEncrypted(value: unknown): value is string {
    return isEncrypted(value);
  }

  /**
   * A key for another purpose (e.g. signing download links), derived with HKDF-SHA256 from one key of the ring (the
   * current one by default), so no second secret has to be configured. The key id is returned so that a verifier can
   * derive the same key after a rotation; an unknown id throws UnknownKeyError.
   */
  deriveKey(purpose: string, keyId: string = this.current): { keyId: string; key: Buffer } {
    const base = this.keys.get(keyId);
    if (!base) throw new UnknownKeyError(keyId, [...this.keys.keys()]);
    // Derived once per purpose and key (the ring never changes in a process): checking a timeline's seals derives
    // the same key once per checkpoint otherwise. A copy is handed out, so no caller can alter the kept one.
    const name = `${keyId}\n${purpose}`;
    let key = this.derived.get(name);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', base, Buffer.alloc(0), `pdi-responder:${purpose}`, KEY_BYTES));
      this.derived.set(name, key);
    }
    return { keyId, key: Buffer.from(key) };
  }

  /** True when the value should be re-encrypted with the current key (after a rotation). */
  needsRotation(value: string): boolean {
    return parseEncrypted(value).keyId !== this.current;
  }

  /** Re-encrypts a value with the current key; returns it unchanged if it already uses that key. */
  rotate(value: string, aad?: string): string {
    return this.needsRotation(value) ? this.encrypt(this.decrypt(value, aad), aad) : value;
  }
}

export function isEncrypted(value: unknown): value is string {
  return typeof value === 'string' && ENCRYPTED_RE.test(value);
}

/** Key id of an encrypted value. */
export function keyIdOf(value: string): string {
  return parseEncrypted(value).keyId;
}

function parseEncrypted(value: string): { keyId: string; iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  if (typeof value !== 'string' || !value.startsWith(PREFIX)) {
    throw new MalformedValueError(
      'Cannot decrypt: the value is not an encrypted field (expected "enc:v1:<keyId>:<iv>:<tag>:<ciphertext>"). ' +
        'If this column holds plaintext written before encryption was enabled, encrypt it in a migration first.',
    );
  }
  const parts = value.split(':');
  if (parts.length !== 6) {
    throw new MalformedValueError(
      `Cannot decrypt: an encrypted field has 6 ":"-separated parts, this one has ${parts.length}. The stored value was truncated or altered.`,
    );
  }
  const [, , keyId = '', ivText = '', tagText = '', ctText = ''] = parts;
  if (!KEY_ID_RE.test(keyId)) throw new MalformedValueError('Cannot decrypt: the key id part of the value is invalid.');
  if (![ivText, tagText, ctText].every((p) => B64URL_RE.test(p))) {
    throw new MalformedValueError('Cannot decrypt: the value contains characters that are not base64url.');
  }
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new MalformedValueError(
      `Cannot decrypt: the IV must be ${IV_BYTES} bytes and the tag ${TAG_BYTES} bytes (got ${iv.length} and ${tag.length}). ` +
        'The stored value was truncated or altered.',
    );
  }
  return { keyId, iv, tag, ciphertext: Buffer.from(ctText, 'base64url') };
}

/**
 * Parses the operator setting "k2:<base64 32 bytes>,k1:<base64 32 bytes>". The first key is the current one;
 * the others are kept to read older values. Standard and URL-safe base64 are accepted.
 */
export function parseKeyRing(spec: string): KeyRing {
  const entries = (spec ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) {
    throw new KeyRingError(
      'The encryption key ring setting is empty. Set it to "<id>:<base64 key>", e.g. "k1:" followed by the output of ' +
        '`openssl rand -base64 32`; list several as "k2:…,k1:…" with the current key first.',
    );
  }
  const keys: Record<string, Buffer> = {};
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    if (colon <= 0) {
      throw new KeyRingError(`Key ring entry ${index + 1} has no "<id>:" prefix; write each entry as "<id>:<base64 key>" (e.g. "k1:…").`);
    }
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    checkKeyId(id, `Key ring entry ${index + 1}`);
    if (Object.hasOwn(keys, id)) {
      throw new KeyRingError(`Key id "${id}" appears twice in the key ring; give every key its own id.`);
    }
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded) || encoded.replace(/=+$/, '').length % 4 === 1) {
      throw new KeyRingError(`Key "${id}" is not valid base64; paste the key exactly as generated (e.g. by \`openssl rand -base64 32\`).`);
    }
    const key = Buffer.from(encoded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    checkKeyLength(id, key);
    keys[id] = key;
  }
  return { current: entries[0]?.slice(0, entries[0].indexOf(':')).trim() ?? '', keys };
}

/** A new random 32-byte key, base64-encoded, for the key ring setting. */
export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/**
 * Keyed hash for equality look-ups (e.g. "is this reporter's phone already on file?") without storing the value.
 * Use a key of its own, not an encryption key, and normalise the value the same way on write and on look-up.
 */
export function blindIndex(value: string, key: Buffer): string {
  if (!Buffer.isBuffer(key) || key.length < KEY_BYTES) {
    throw new KeyRingError(`blindIndex needs a key of at least ${KEY_BYTES} bytes; generate one with generateKey().`);
  }
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}

/** Constant-time comparison of two blind indexes. */
export function blindIndexEquals(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
