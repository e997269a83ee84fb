// npm run keys -- status | check | rotate [--batch N]
//   status  the key ring against the database: each key id, its key check, whether it is retired, values per key.
//   check   decrypts every encrypted value; counts per table, column and key id; exit 1 on any unreadable value.
//   rotate  re-encrypts every value with the current key (batches, resumable), seals every timeline head and
//           destruction record again under it, and retires the keys nothing uses any more. With the embedded key
//           file it first adds a new key and makes it current; with DATA_ENCRYPTION_KEYS put the new key first
//           (`npm run keygen -- k2`) on every instance and restart them, then run rotate.
// Exit 0 done, 1 a value or record cannot be read or a key is wrong, 2 bad arguments or configuration.
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { loadConfig, type AppConfig } from '../app/config.js';
import { openKeyRing, writeKeyFile } from '../app/keys.js';
import { type FieldCipher, KEY_BYTES } from '../core/privacy/cipher.js';
import { KeyCheckError } from '../core/privacy/key-check.js';
import { checkAllValues, countByKey, reencryptAll, RekeyError, valuesOutsideCurrent } from '../core/privacy/rekey.js';
import { sealDestruction, verifyDestructionRecord } from '../core/retention/record.js';
import { resealHeads } from '../core/timeline/checkpoints.js';
import { verifyIncidentRecord } from '../core/timeline/timeline.js';
import type { RepositoryHub } from '../ports/repositories/index.js';
import type { Database } from '../storage/database.js';
import { withDatabase } from './database.js';
import { readArgs, runWhenMain } from './entry.js';

const USAGE = 'usage: npm run keys -- status | check | rotate [--batch N]\n';

type Out = (line: string) => void;

export async function runStatus(repos: RepositoryHub, cipher: FieldCipher, out: Out): Promise<number> {
  const checks = await repos.keyRotation.keyChecks();
  const counts = await countByKey(repos);
  out(`current key: ${cipher.currentKeyId}; ring: ${cipher.keyIds.join(', ')}`);
  for (const c of checks) {
    const used = counts.filter((x) => x.keyId === c.keyId).reduce((n, x) => n + x.count, 0);
    const where = cipher.keyIds.includes(c.keyId)
      ? cipher.isVerified(c.keyId)
        ? 'in the ring, key check ok'
        : 'in the ring'
      : 'not in the ring';
    out(`  ${c.keyId.padEnd(12)} ${c.retiredAt ? `retired ${c.retiredAt.toISOString()}` : 'active'}, ${where}, ${used} value(s)`);
  }
  for (const c of counts) out(`  ${`${c.table}.${c.column}`.padEnd(42)} ${c.keyId.padEnd(12)} ${c.count}`);
  return 0;
}

export async function runCheck(repos: RepositoryHub, cipher: FieldCipher, out: Out, batch = 500): Promise<number> {
  const r = await checkAllValues(repos, cipher, batch);
  for (const c of r.counts)
    out(
      `${c.failed ? 'FAIL' : 'ok  '}  ${`${c.table}.${c.column}`.padEnd(42)} key ${c.keyId.padEnd(12)} ${c.readable} readable${c.failed ? `, ${c.failed} NOT readable` : ''}`,
    );
  for (const f of r.failures.slice(0, 50)) out(`  ${f.kind.toUpperCase()}  ${f.table}.${f.column} (${f.row}): ${f.message}`);
  if (r.failures.length > 50) out(`  … and ${r.failures.length - 50} more`);
  const total = r.counts.reduce((n, c) => n + c.readable, 0);
  out(r.failures.length ? `${r.failures.length} value(s) cannot be read; ${total} can.` : `all ${total} encrypted values are readable.`);
  return r.failures.length ? 1 : 0;
}

/**
 * Re-encrypts, re-seals, retires. `cipher` is the ring with the new key current and the old ones after it. Returns
 * the ids retired (the caller drops them from a key file).
 */
export async function runRotate(
  repos: RepositoryHub,
  cipher: FieldCipher,
  out: Out,
  batch = 200,
): Promise<{ code: number; retired: string[] }> {
  const now = () => new Date();
  const progress = await reencryptAll(repos, cipher, { batch });
  for (const p of progress)
    if (p.rewritten) out(`re-encrypted ${p.rewritten} value(s) of ${p.table}.${p.column} with key ${cipher.currentKeyId}`);
  const sealed = await resealHeads({ repos, cipher, now }, (id) => verifyIncidentRecord({ repos, cipher }, id));
  out(`sealed ${sealed.resealed} timeline head(s) with key ${cipher.currentKeyId}`);
  for (const b of sealed.broken) out(`  NOT sealed again (its record does not verify): incident ${b.incidentId}: ${b.problems.join('; ')}`);
  let records = 0;
  for (const r of await repos.keyRotation.recordsSealedOutside(cipher.currentKeyId)) {
    const problem = verifyDestructionRecord(cipher, r);
    if (problem) {
      out(`  destruction record of ${r.schoolId}/${r.incidentRef} NOT sealed again: ${problem}`);
      continue;
    }
    await repos.keyRotation.reseal(r.id, r.seal, sealDestruction(cipher, r));
    records += 1;
  }
  if (records) out(`sealed ${records} destruction record(s) with key ${cipher.currentKeyId}`);
  const left = await valuesOutsideCurrent(repos, cipher);
  for (const s of await repos.keyRotation.recordsSealedOutside(cipher.currentKeyId)) left.set(s.keyId, (left.get(s.keyId) ?? 0) + 1);
  const retired: string[] = [];
  for (const k of await repos.keyRotation.activeKeysOtherThan(cipher.currentKeyId)) {
    if ((left.get(k.keyId) ?? 0) > 0) continue;
    await repos.keyRotation.retire(k.keyId, now());
    retired.push(k.keyId);
  }
  if (retired.length) out(`retired key(s) ${retired.join(', ')}: no value uses them any more`);
  for (const [id, n] of left) out(`key ${id} is still used by ${n} value(s) or record(s): not retired (run rotate again, or keys check)`);
  return { code: left.size === 0 && sealed.broken.length === 0 ? 0 : 1, retired };
}

/** A key id not used before: k<n+1> after the highest k<n> known. */
function nextKeyId(known: string[]): string {
  const n = Math.max(0, ...known.map((id) => Number(/^k(\d{1,6})$/.exec(id)?.[1] ?? 0)));
  return `k${n + 1}`;
}

/** `keys rotate` as the operator runs it: with the embedded key file, a new key is added to the file first. */
export async function rotateCommand(config: AppConfig, db: Database, batch: number, out: Out): Promise<number> {
  let { cipher } = await openKeyRing(config, db);
  const pending = await valuesOutsideCurrent(db.repos, cipher);
  const otherActive = (await db.repos.keyRotation.activeKeysOtherThan(cipher.currentKeyId)).length;
  const resuming = pending.size > 0 || otherActive > 0;
  if (!resuming) {
    if (config.encryptionKeySource === 'environment' || !config.keyFile) {
      out(
        `Every value already uses key ${cipher.currentKeyId}. To rotate with DATA_ENCRYPTION_KEYS: \`npm run keygen -- ${nextKeyId(cipher.keyIds)}\`, ` +
          'put the new entry first in DATA_ENCRYPTION_KEYS on every instance (keep the old one after it), restart them, then run `npm run keys -- rotate` again.',
      );
      return 0;
    }
    const known = [...cipher.keyIds, ...(await db.repos.keyRotation.keyChecks()).map((k) => k.keyId)];
    const id = nextKeyId(known);
    const spec = [`${id}:${randomBytes(KEY_BYTES).toString('base64')}`, config.encryptionKeys].join(',');
    writeKeyFile(config.keyFile, spec);
    out(`added key ${id} to ${config.keyFile} as the current key (back the file up now)`);
    ({ cipher } = await openKeyRing({ ...config, encryptionKeys: spec }, db));
  } else out(`continuing a rotation to key ${cipher.currentKeyId}`);
  const result = await runRotate(db.repos, cipher, out, batch);
  if (result.retired.length && config.encryptionKeySource !== 'environment' && config.keyFile) {
    // Retired keys leave the ring file; they are kept in <file>.retired for restoring backups taken before.
    const current = readFileSync(config.keyFile, 'utf8').trim().split(',');
    const keep = current.filter((e) => !result.retired.includes(e.slice(0, e.indexOf(':')).trim()));
    const gone = current.filter((e) => result.retired.includes(e.slice(0, e.indexOf(':')).trim()));
    appendFileSync(`${config.keyFile}.retired`, gone.map((e) => `# retired ${new Date().toISOString()}\n${e.trim()}\n`).join(''), {
      mode: 0o600,
    });
    writeKeyFile(config.keyFile, keep.join(','));
    out(`removed ${result.retired.join(', ')} from ${config.keyFile}; kept in ${config.keyFile}.retired for backups taken before today`);
  } else if (result.retired.length) {
    out(
      `remove ${result.retired.join(', ')} from DATA_ENCRYPTION_KEYS on every instance (keep a copy for restoring backups taken before today)`,
    );
  }
  return result.code;
}

async function main(): Promise<number> {
  const parsed = readArgs({ allowPositionals: true, options: { batch: { type: 'string' } } }, USAGE);
  if (!parsed) return 2;
  const [command] = parsed.positionals;
  const batch = parsed.values.batch ? Number(parsed.values.batch) : undefined;
  if (
    !command ||
    !['status', 'check', 'rotate'].includes(command) ||
    parsed.positionals.length > 1 ||
    (batch !== undefined && (!Number.isInteger(batch) || batch < 1 || batch > 10_000))
  ) {
    process.stderr.write(USAGE);
    return 2;
  }
  const config = loadConfig();
  const out: Out = (line) => process.stdout.write(`${line}\n`);
  return withDatabase(config, async (db) => {
    try {
      if (command === 'rotate') return await rotateCommand(config, db, batch ?? 200, out);
      const { cipher } = await openKeyRing(config, db);
      return command === 'check' ? await runCheck(db.repos, cipher, out, batch) : await runStatus(db.repos, cipher, out);
    } catch (err) {
      if (err instanceof KeyCheckError || err instanceof RekeyError) {
        process.stderr.write(`${err.message}\n`);
        return 1;
      }
      throw err;
    }
  });
}

runWhenMain(import.meta.url, 'keys', main);
