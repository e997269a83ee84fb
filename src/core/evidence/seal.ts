import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { FieldCipher } from '../privacy/cipher.js';

/**
 * Envelope encryption of evidence files, streamed.
 *
 * Each file gets its own random 256-bit data key; the key is stored wrapped by the key ring (FieldCipher.encrypt, so a
 * key rotation re-wraps it like any encrypted column: src/core/privacy/encrypted-columns.ts). The file is cut into
 * chunks of CHUNK_SIZE bytes, each sealed with AES-256-GCM under the data key: the IV is the file's random 8-byte
 * nonce followed by the chunk's number (32-bit big-endian), and the additional data binds the evidence id, the
 * chunk's number and whether it is the last one. So a chunk cannot be altered, reordered, moved to another file,
 * dropped from the end or appended to without the read failing (the "STREAM" construction of Hoang, Reyhanitabar,
 * Rogaway and Vizár, 2015). Written here over node:crypto: no maintained npm package offers chunked AEAD streams with
 * a key wrapped by our own key ring, and the construction is a few lines over the platform's AES-GCM.
 *
 * The SHA-256 of the original bytes is taken while sealing and checked again after opening (the chain of custody).
 */
export const CHUNK_SIZE = 64 * 1024;
const TAG_BYTES = 16;
const NONCE_BYTES = 8;

export interface SealedKey {
  /** The data key wrapped by the key ring (enc:v1:…). */
  dataKeyEnc: string;
  /** The IV prefix, base64url. */
  nonce: string;
}

const keyAad = (evidenceId: string) => `evidence:${evidenceId}:key`;
const chunkAad = (evidenceId: string, index: number, last: boolean) =>
  Buffer.from(`evidence:${evidenceId}:${index}:${last ? 1 : 0}`, 'utf8');

function ivOf(nonce: Buffer, index: number): Buffer {
  const iv = Buffer.alloc(12);
  nonce.copy(iv, 0);
  iv.writeUInt32BE(index, NONCE_BYTES);
  return iv;
}

/** A fresh data key for one file, and its wrapped form to store. */
export function newFileKey(cipher: FieldCipher, evidenceId: string): { key: Buffer; sealed: SealedKey } {
  const key = randomBytes(32);
  const nonce = randomBytes(NONCE_BYTES);
  return { key, sealed: { dataKeyEnc: cipher.encrypt(key.toString('base64'), keyAad(evidenceId)), nonce: nonce.toString('base64url') } };
}

/** The aad of the wrapped data key (listed in src/core/privacy/encrypted-columns.ts). */
export const DATA_KEY_AAD = keyAad;

/** Re-chunks any byte stream into pieces of exactly `size` bytes (the last one shorter; one empty piece for no bytes). */
export async function* rechunk(source: AsyncIterable<Uint8Array>, size = CHUNK_SIZE): AsyncIterable<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  let any = false;
  for await (const piece of source) {
    let buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    while (buf.length > 0) {
      const take = Math.min(size - length, buf.length);
      pending.push(buf.subarray(0, take));
      length += take;
      buf = buf.subarray(take);
      if (length === size) {
        yield Buffer.concat(pending, length);
        any = true;
        pending = [];
        length = 0;
      }
    }
  }
  if (length > 0 || !any) yield Buffer.concat(pending, length);
}

export interface SealStats {
  bytes: number;
  sha256: string;
}

/**
 * Seals plaintext chunks (from `rechunk`) into encrypted ones. `stats` is filled in once the generator has finished.
 * One chunk is held back so the last can be marked as last.
 */
export async function* sealChunks(
  key: Buffer,
  sealed: SealedKey,
  evidenceId: string,
  plain: AsyncIterable<Buffer>,
  stats: SealStats,
): AsyncIterable<Buffer> {
  const nonce = Buffer.from(sealed.nonce, 'base64url');
  const hash = createHash('sha256');
  let index = 0;
  let held: Buffer | null = null;
  const seal = (chunk: Buffer, last: boolean): Buffer => {
    const c = createCipheriv('aes-256-gcm', key, ivOf(nonce, index), { authTagLength: TAG_BYTES });
    c.setAAD(chunkAad(evidenceId, index, last));
    const out = Buffer.concat([c.update(chunk), c.final(), c.getAuthTag()]);
    index++;
    return out;
  };
  for await (const chunk of plain) {
    hash.update(chunk);
    stats.bytes += chunk.length;
    if (held !== null) yield seal(held, false);
    held = chunk;
  }
  yield seal(held ?? Buffer.alloc(0), true);
  stats.sha256 = hash.digest('hex');
}

/** The stored file does not open: a chunk failed authentication, is missing, or the hash differs from the intake's. */
export class EvidenceIntegrityError extends Error {
  override readonly name = 'EvidenceIntegrityError';
}

/** Unwraps a stored data key (UnknownKeyError / TamperedValueError from the key ring when it cannot). */
export function openFileKey(cipher: FieldCipher, evidenceId: string, dataKeyEnc: string): Buffer {
  return Buffer.from(cipher.decrypt(dataKeyEnc, keyAad(evidenceId)), 'base64');
}

/**
 * Opens sealed chunks back into the original bytes, chunk by chunk; each chunk is authenticated before it is
 * released. At the end the SHA-256 of everything released is compared with `expectedSha256`; any failure throws
 * EvidenceIntegrityError (never a silent pass).
 */
export async function* openChunks(
  key: Buffer,
  nonceB64: string,
  evidenceId: string,
  sealedChunks: AsyncIterable<Buffer>,
  expectedSha256: string,
): AsyncIterable<Buffer> {
  const nonce = Buffer.from(nonceB64, 'base64url');
  const hash = createHash('sha256');
  let index = 0;
  let held: Buffer | null = null;
  let sawLast = false;
  const open = (chunk: Buffer, last: boolean): Buffer => {
    if (chunk.length < TAG_BYTES) throw new EvidenceIntegrityError(`Evidence ${evidenceId}: chunk ${index} is too short.`);
    const d = createDecipheriv('aes-256-gcm', key, ivOf(nonce, index), { authTagLength: TAG_BYTES });
    d.setAAD(chunkAad(evidenceId, index, last));
    d.setAuthTag(chunk.subarray(chunk.length - TAG_BYTES));
    try {
      const out = Buffer.concat([d.update(chunk.subarray(0, chunk.length - TAG_BYTES)), d.final()]);
      index++;
      return out;
    } catch {
      throw new EvidenceIntegrityError(`Evidence ${evidenceId}: chunk ${index} failed authentication (altered, reordered or cut).`);
    }
  };
  for await (const chunk of sealedChunks) {
    if (held !== null) {
      const plain = open(held, false);
      hash.update(plain);
      yield plain;
    }
    held = chunk;
  }
  if (held === null) throw new EvidenceIntegrityError(`Evidence ${evidenceId}: the stored file has no chunks.`);
  const plain = open(held, true);
  sawLast = true;
  hash.update(plain);
  const got = hash.digest('hex');
  if (!sawLast || got !== expectedSha256) {
    throw new EvidenceIntegrityError(`Evidence ${evidenceId}: SHA-256 ${got} differs from the ${expectedSha256} taken at intake.`);
  }
  yield plain;
}
