import { createHash, randomBytes } from 'node:crypto';

/**
 * A PNG as file-type reads it (the locker sniffs the type from the bytes): the signature, an IHDR chunk (16×16), then
 * an IDAT chunk of `n` random bytes and a (zero) CRC. Random bytes make every file's SHA-256 different.
 */
export function png(n: number): Buffer {
  const head = Buffer.from('89504e470d0a1a0a0000000d49484452000000100000001008060000001ff3ff61', 'hex');
  const idat = Buffer.alloc(8);
  idat.writeUInt32BE(n, 0);
  idat.write('IDAT', 4, 'latin1');
  return Buffer.concat([head, idat, randomBytes(n), Buffer.alloc(4)]);
}

/** The SHA-256 of some bytes, hex: what the locker records at intake. */
export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
