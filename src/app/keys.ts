import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { FieldCipher, KEY_BYTES, parseKeyRing } from '../core/privacy/cipher.js';
import { checkKeyRing, KeyCheckError, keyIdsInUse, type KeyCheckReport } from '../core/privacy/key-check.js';
import type { Database } from '../storage/database.js';
import { sqlKeyCheckStore } from '../storage/key-checks.js';
import { sealTimelinesFromBeforeCheckpoints } from '../storage/timeline-seal.js';
import type { AppConfig } from './config.js';
import type { Logger } from './logger.js';

export interface OpenedKeyRing {
  cipher: FieldCipher;
  report: KeyCheckReport;
  /** A key file was written now (first start on an empty database). */
  generated: boolean;
}

/**
 * The key ring of a process (the product or an operator command), checked against the database before anything is
 * read or written: a wrong key, a key still needed but missing, or a missing key file in front of encrypted data
 * stops with a KeyCheckError that names the key id and what to do. A key is generated only for a database that holds
 * no encrypted data and no key check.
 */
export async function openKeyRing(config: AppConfig, db: Database, log?: Logger): Promise<OpenedKeyRing> {
  let spec = config.encryptionKeys;
  let generated = false;
  // Plain SQL (src/storage/key-checks.ts): the product's start then first needs the Prisma client after it listens.
  const store = sqlKeyCheckStore(db.sql);
  if (spec === null) {
    if (!config.keyFile) throw new KeyCheckError(null, 'DATA_ENCRYPTION_KEYS is not set and there is no key file.');
    const ids = await keyIdsInUse(store);
    if (ids.length > 0) {
      throw new KeyCheckError(
        ids[0] ?? null,
        `The key file ${config.keyFile} is missing, but the database (${db.location}) holds data encrypted with key ` +
          `${ids.map((id) => `"${id}"`).join(', ')}. Restore the key file from your key backup (or set ` +
          'DATA_KEYS_FILE / DATA_ENCRYPTION_KEYS to it) and start again. No new key was made: it could not read that ' +
          'data (docs/keys-and-record.md).',
      );
    }
    spec = `k1:${randomBytes(KEY_BYTES).toString('base64')}`;
    writeKeyFile(config.keyFile, spec);
    generated = true;
    log?.warn({ keyFile: config.keyFile }, 'new encryption key generated: back up this file apart from the data (docs/keys-and-record.md)');
  } else if (config.encryptionKeySource === 'legacy-file') {
    log?.warn(
      { keyFile: config.keyFile },
      'the encryption key file is inside DATA_DIR, where a copy of the data carries its key: move it to DATA_KEYS_FILE (default: beside DATA_DIR) and back it up separately',
    );
  }
  const cipher = new FieldCipher(parseKeyRing(spec));
  const report = await checkKeyRing(
    store,
    cipher,
    config.encryptionKeySource === 'environment' ? 'DATA_ENCRYPTION_KEYS' : `the key file ${config.keyFile}`,
  );
  if (report.registered.length) log?.info({ keyIds: report.registered }, 'encryption key check registered');
  if (report.retiredInRing.length)
    log?.info({ keyIds: report.retiredInRing }, 'retired encryption keys are still in the ring: they are no longer needed');
  const sealed = await sealTimelinesFromBeforeCheckpoints(db.sql, cipher, () => new Date());
  if (sealed.length) log?.warn({ incidents: sealed }, 'timelines from before sealed checkpoints were sealed at their current head');
  return { cipher, report, generated };
}

/**
 * Writes a key file atomically, 0600 in a 0700 folder: a temporary file, flushed, then renamed over the old one, so a
 * crash leaves either the old ring or the new one, never half a key.
 */
export function writeKeyFile(file: string, spec: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${spec}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
