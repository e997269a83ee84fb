import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type AppConfig } from '../../src/app/config.js';
import { startApp } from '../../src/app/app.js';
import { openKeyRing, writeKeyFile } from '../../src/app/keys.js';
import { createLogger } from '../../src/app/logger.js';
import { FieldCipher, keyIdOf, parseKeyRing, TamperedValueError, UnknownKeyError, WrongKeyError } from '../../src/core/privacy/cipher.js';
import { ENCRYPTED_COLUMNS } from '../../src/core/privacy/encrypted-columns.js';
import { KeyCheckError } from '../../src/core/privacy/key-check.js';
import { countByKey, reencryptAll } from '../../src/core/privacy/rekey.js';
import { EvidenceLocker } from '../../src/core/evidence/locker.js';
import { testCoreDeps } from '../helpers/core.js';
import { DatabaseBlobStore } from '../../src/storage/blobs.js';
import { rotateCommand, runCheck, runRotate } from '../../src/cli/keys.js';
import { runVerify } from '../../src/cli/verify.js';
import { TEST_KEYS } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { seedIncidents } from '../helpers/record.js';

const key = (fill: number) => Buffer.alloc(32, fill).toString('base64');
const WRONG_K1 = `k1:${key(8)}`;
const K2 = `k2:${key(9)}`;
const config = (env: Record<string, string>): AppConfig => loadConfig({ LOG_LEVEL: 'silent', ...env });
const cipherOf = (spec: string) => new FieldCipher(parseKeyRing(spec));
const lines = () => {
  const out: string[] = [];
  return Object.assign((l: string) => void out.push(l), { out });
};

describe('keys that cannot destroy data', () => {
  let tdb: TestDatabase;
  let dir: string;
  beforeEach(async () => {
    tdb = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'pdi-keys-'));
  });
  afterEach(async () => {
    await tdb.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every encrypted column of the database in one place', async () => {
    const rows = await tdb.db.sql.query<{ t: string; c: string }>(
      `SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND column_name LIKE '%\\_enc' ORDER BY 1, 2`,
    );
    const listed = ENCRYPTED_COLUMNS.map((c) => `${c.table}.${c.column}`).sort();
    expect(rows.map((r) => `${r.t}.${r.c}`).sort()).toEqual(listed);
  });

  it('a wrong key behind a known id stops start-up, naming the key id; the right key starts', async () => {
    await seedIncidents(tdb.db, { count: 1, ticks: 1 });
    const right = await openKeyRing(config({ DATA_ENCRYPTION_KEYS: TEST_KEYS }), tdb.db);
    expect(right.report.registered).toEqual(['k1']);
    const log = createLogger({ level: 'silent' });
    const start = startApp(config({ DATA_ENCRYPTION_KEYS: WRONG_K1, PORT: '0', LOCAL_CHAT: 'off' }), { db: tdb.db, log });
    await expect(start).rejects.toThrow(KeyCheckError);
    await expect(startApp(config({ DATA_ENCRYPTION_KEYS: WRONG_K1, PORT: '0', LOCAL_CHAT: 'off' }), { db: tdb.db, log })).rejects.toThrow(
      /Wrong encryption key: key "k1" in DATA_ENCRYPTION_KEYS is not the key this database was encrypted with.*Put the original key "k1" back/s,
    );
    const app = await startApp(config({ DATA_ENCRYPTION_KEYS: TEST_KEYS, PORT: '0', LOCAL_CHAT: 'off' }), { db: tdb.db, log });
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    await app.close();
  });

  it('a database from before key checks: the key is proven on stored values before it is registered', async () => {
    await seedIncidents(tdb.db, { count: 1, ticks: 1 });
    expect(await tdb.db.prisma.encryptionKeyCheck.count()).toBe(0);
    await expect(openKeyRing(config({ DATA_ENCRYPTION_KEYS: WRONG_K1 }), tdb.db)).rejects.toThrow(
      /none of \d+ stored value\(s\) encrypted with key "k1" decrypt/,
    );
    expect(await tdb.db.prisma.encryptionKeyCheck.count()).toBe(0);
    const { cipher } = await openKeyRing(config({ DATA_ENCRYPTION_KEYS: TEST_KEYS }), tdb.db);
    expect(cipher.isVerified('k1')).toBe(true);
  });

  it('a timeline from before sealed checkpoints is sealed once at its current head when the key ring opens', async () => {
    const { ids } = await seedIncidents(tdb.db, { count: 2, ticks: 2 });
    const [old, recent] = ids as [string, string];
    // Make `old` a timeline written before checkpoints existed: its checkpoints gone, the migration that added them later.
    await tdb.db.sql.exec('ALTER TABLE timeline_checkpoint DISABLE TRIGGER timeline_checkpoint_no_delete');
    await tdb.db.sql.query('DELETE FROM timeline_checkpoint WHERE incident_id = $1', [old]);
    await tdb.db.sql.exec('ALTER TABLE timeline_checkpoint ENABLE TRIGGER timeline_checkpoint_no_delete');
    await tdb.db.sql.query(`UPDATE incident SET created_at = created_at - interval '1 day' WHERE id = $1`, [old]);
    await tdb.db.sql.exec(
      `UPDATE "_prisma_migrations" SET finished_at = (SELECT created_at + interval '1 hour' FROM incident WHERE id = '${old}') WHERE migration_name = '20261230000000_keys_and_record'`,
    );
    const checkpoints = async (id: string) =>
      tdb.db.sql.query<{ entry_count: number; head_hash: string }>(
        'SELECT entry_count, head_hash FROM timeline_checkpoint WHERE incident_id = $1 ORDER BY id',
        [id],
      );
    const before = (await checkpoints(recent)).length;
    expect(await checkpoints(old)).toEqual([]);
    expect((await runVerify({ repos: tdb.db.repos, cipher: cipherOf(TEST_KEYS) })).ok).toBe(false);
    const log = createLogger({ level: 'silent' });
    const { cipher } = await openKeyRing(config({ DATA_ENCRYPTION_KEYS: TEST_KEYS }), tdb.db, log);
    const [head] = await tdb.db.sql.query<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM timeline_entry WHERE incident_id = $1 ORDER BY seq DESC LIMIT 1',
      [old],
    );
    expect(await checkpoints(old)).toEqual([{ entry_count: head!.seq, head_hash: head!.hash }]);
    expect((await checkpoints(recent)).length).toBe(before);
    expect((await runVerify({ repos: tdb.db.repos, cipher })).ok).toBe(true);
    await openKeyRing(config({ DATA_ENCRYPTION_KEYS: TEST_KEYS }), tdb.db, log);
    expect((await checkpoints(old)).length).toBe(1);
  });

  it('a key still needed but missing from the ring stops start-up; so does a missing key file in front of encrypted data', async () => {
    await seedIncidents(tdb.db, { count: 1, ticks: 1 });
    await openKeyRing(config({ DATA_ENCRYPTION_KEYS: TEST_KEYS }), tdb.db);
    await expect(openKeyRing(config({ DATA_ENCRYPTION_KEYS: K2 }), tdb.db)).rejects.toThrow(
      /Missing encryption key: \d+ stored value\(s\) are encrypted with key "k1", which is not in DATA_ENCRYPTION_KEYS/,
    );
    const embedded = config({ DATA_DIR: join(dir, 'data') });
    expect(embedded.encryptionKeys).toBeNull();
    await expect(openKeyRing(embedded, tdb.db)).rejects.toThrow(
      /The key file .*data-keys\/encryption-keys is missing, but the database .* holds data encrypted with key "k1".*No new key was made/s,
    );
  });

  it('makes a new key only for a database without encrypted data: 0600 in a 0700 folder beside DATA_DIR', async () => {
    const embedded = config({ DATA_DIR: join(dir, 'data') });
    const opened = await openKeyRing(embedded, tdb.db);
    expect(opened.generated).toBe(true);
    expect(statSync(embedded.keyFile!).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'data-keys')).mode & 0o777).toBe(0o700);
    const again = await openKeyRing(config({ DATA_DIR: join(dir, 'data') }), tdb.db);
    expect(again.generated).toBe(false);
    expect(again.cipher.keyCheck('k1')).toBe(opened.cipher.keyCheck('k1'));
  });

  it('tells a wrong key from an altered value', async () => {
    const { deps } = await seedIncidents(tdb.db, { count: 1, ticks: 1 });
    const [row] = await tdb.db.sql.query<{ id: string; place_enc: string }>('SELECT id, place_enc FROM incident');
    const verified = (await openKeyRing(config({ DATA_ENCRYPTION_KEYS: TEST_KEYS }), tdb.db)).cipher;
    const flipped = row!.place_enc.slice(0, -2) + (row!.place_enc.endsWith('A') ? 'BB' : 'AA');
    expect(() => verified.decrypt(flipped, `incident:${row!.id}:place`)).toThrow(
      /\(altered value\): key "k1" matches the database's key check/,
    );
    expect(() => cipherOf(K2).decrypt(row!.place_enc, `incident:${row!.id}:place`)).toThrow(WrongKeyError);
    expect(() => cipherOf(K2).decrypt(row!.place_enc)).toThrow(UnknownKeyError);
    expect(() => cipherOf(WRONG_K1).decrypt(row!.place_enc, `incident:${row!.id}:place`)).toThrow(/wrong key: run `npm run keys -- check`/);
    expect(() => deps.cipher.decrypt(flipped, `incident:${row!.id}:place`)).toThrow(TamperedValueError);
  });

  it('rotate re-encrypts every column, re-seals the record, retires the old key; check reads every value', async () => {
    await seedIncidents(tdb.db, { count: 2, ticks: 2 });
    await tdb.db.prisma.localMessage.create({
      data: {
        conversationId: 'demo-staff',
        senderKind: 'user',
        senderName: '王老師',
        bodyEnc: cipherOf(TEST_KEYS).encrypt('{"type":"text","text":"x"}', 'local:demo-staff'),
      },
    });
    await openKeyRing(config({ DATA_ENCRYPTION_KEYS: TEST_KEYS }), tdb.db);
    const ring = (await openKeyRing(config({ DATA_ENCRYPTION_KEYS: `${K2},${TEST_KEYS}` }), tdb.db)).cipher;
    const before = await countByKey(tdb.db.repos);
    expect(before.every((c) => c.keyId === 'k1')).toBe(true);
    const tables = new Set(before.map((c) => c.table));
    for (const t of ['incident', 'checklist_item', 'timeline_entry', 'local_message', 'evidence']) expect(tables).toContain(t);

    const out = lines();
    const result = await runRotate(tdb.db.repos, ring, out, 3);
    expect(result).toEqual({ code: 0, retired: ['k1'] });
    expect(out.out.join('\n')).toMatch(/re-encrypted \d+ value\(s\) of timeline_entry.detail_enc with key k2/);
    expect((await countByKey(tdb.db.repos)).every((c) => c.keyId === 'k2')).toBe(true);
    // The old key can leave the ring: start-up, check and verify need only k2.
    const only = (await openKeyRing(config({ DATA_ENCRYPTION_KEYS: K2 }), tdb.db)).cipher;
    const check = lines();
    expect(await runCheck(tdb.db.repos, only, check)).toBe(0);
    expect(check.out.at(-1)).toMatch(/^all \d+ encrypted values are readable\.$/);
    const v = await runVerify({ repos: tdb.db.repos, cipher: only });
    expect(v.ok).toBe(true);
    expect(v.timelines).toHaveLength(2);
    // Every evidence file still opens with only the new key: its data key was re-wrapped, its chunks untouched.
    const locker = new EvidenceLocker(
      { ...testCoreDeps(tdb.db.prisma, () => new Date()), cipher: only },
      { stores: [new DatabaseBlobStore(tdb.db.prisma)] },
    );
    for (const row of await tdb.db.prisma.evidence.findMany())
      expect((await locker.readVerified(row)).toString('utf8')).toContain('系統存取紀錄');
  });

  it('with the embedded key file, rotate adds the new key to the file and moves the retired one aside', async () => {
    const env = { DATA_DIR: join(dir, 'data') };
    writeKeyFile(config(env).keyFile!, TEST_KEYS);
    const before = config(env);
    expect(before.encryptionKeySource).toBe('file');
    await seedIncidents(tdb.db, { count: 1, ticks: 2 });
    const out = lines();
    expect(await rotateCommand(before, tdb.db, 50, out)).toBe(0);
    const file = readFileSync(before.keyFile!, 'utf8').trim();
    expect(file).toMatch(/^k2:[A-Za-z0-9+/]{43}=$/);
    expect(readFileSync(`${before.keyFile}.retired`, 'utf8')).toContain(TEST_KEYS);
    expect(statSync(before.keyFile!).mode & 0o777).toBe(0o600);
    expect(statSync(`${before.keyFile}.retired`).mode & 0o777).toBe(0o600);
    expect(out.out.join('\n')).toMatch(/added key k2 .*retired key\(s\) k1.*removed k1 from/s);
    const after = (await openKeyRing(config(env), tdb.db)).cipher;
    expect(after.keyIds).toEqual(['k2']);
    expect(await runCheck(tdb.db.repos, after, lines())).toBe(0);
    expect((await runVerify({ repos: tdb.db.repos, cipher: after })).ok).toBe(true);
    // The next rotation makes k3; with DATA_ENCRYPTION_KEYS the command only says how.
    expect(await rotateCommand(config(env), tdb.db, 50, lines())).toBe(0);
    expect(readFileSync(before.keyFile!, 'utf8')).toMatch(/^k3:/);
    const envOut = lines();
    expect(await rotateCommand(config({ DATA_ENCRYPTION_KEYS: readFileSync(before.keyFile!, 'utf8').trim() }), tdb.db, 50, envOut)).toBe(0);
    expect(envOut.out[0]).toMatch(/Every value already uses key k3\. To rotate with DATA_ENCRYPTION_KEYS: `npm run keygen -- k4`/);
  });

  it('a rotation stopped half-way continues where it stopped and loses nothing', async () => {
    await seedIncidents(tdb.db, { count: 2, ticks: 3 });
    const ring = cipherOf(`${K2},${TEST_KEYS}`);
    let batches = 0;
    await expect(
      reencryptAll(tdb.db.repos, ring, {
        batch: 2,
        onBatch: () => {
          if (++batches === 3) throw new Error('crash');
        },
      }),
    ).rejects.toThrow('crash');
    const half = await countByKey(tdb.db.repos);
    expect(half.some((c) => c.keyId === 'k1') && half.some((c) => c.keyId === 'k2')).toBe(true);
    expect(await runCheck(tdb.db.repos, ring, lines())).toBe(0);
    const { code } = await runRotate(tdb.db.repos, ring, lines(), 2);
    expect(code).toBe(0);
    expect((await countByKey(tdb.db.repos)).every((c) => c.keyId === 'k2')).toBe(true);
    expect((await runVerify({ repos: tdb.db.repos, cipher: ring })).ok).toBe(true);
  });

  it('check reports every unreadable value per table, column and key id and exits 1', async () => {
    await seedIncidents(tdb.db, { count: 1, ticks: 1 });
    const cipher = (await openKeyRing(config({ DATA_ENCRYPTION_KEYS: TEST_KEYS }), tdb.db)).cipher;
    const [row] = await tdb.db.sql.query<{ id: string; place_enc: string }>('SELECT id, place_enc FROM incident');
    const other = cipherOf(K2).encrypt('x', `incident:${row!.id}:stepsTaken`);
    await tdb.db.sql.query(`UPDATE incident SET place_enc = $1, steps_taken_enc = $2 WHERE id = $3`, [
      row!.place_enc.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      other,
      row!.id,
    ]);
    const out = lines();
    expect(await runCheck(tdb.db.repos, cipher, out)).toBe(1);
    const text = out.out.join('\n');
    expect(text).toMatch(/FAIL {2}incident\.place_enc +key k1 +0 readable, 1 NOT readable/);
    expect(text).toMatch(/ALTERED {2}incident\.place_enc \(id=/);
    expect(text).toMatch(/WRONG-KEY {2}incident\.steps_taken_enc .*key id "k2"/);
    expect(keyIdOf(other)).toBe('k2');
    // A rotation refuses to go on past an unreadable value, and changes nothing in that batch.
    await expect(runRotate(tdb.db.repos, cipherOf(`k3:${key(3)},${TEST_KEYS}`), lines())).rejects.toThrow(
      /Cannot re-encrypt incident\.place_enc/,
    );
  });

  it('the rekey flag lets a rotation replace a timeline detail and nothing else', async () => {
    const { ids } = await seedIncidents(tdb.db, { count: 1, ticks: 1 });
    await expect(
      tdb.db.sql.transaction(async (tx) => {
        await tx.query(`SELECT set_config('pdi.procedure', 'rekey', true)`);
        await tx.query(`UPDATE timeline_entry SET detail_enc = detail_enc, hash = 'x' WHERE incident_id = $1`, [ids[0]]);
      }),
    ).rejects.toThrow(/append-only/);
  });
});
