import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAdapter } from '../../adapters/local/index.js';
import { createLogger } from '../../src/app/logger.js';
import { FieldCipher, parseKeyRing } from '../../src/core/privacy/cipher.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { migrate } from '../../src/storage/migrate.js';
import { TEST_KEYS } from '../helpers/app.js';
import { MIGRATIONS_DIR } from '../helpers/db.js';

/**
 * Issue #17 step 2: the local chat page on the one outbound ledger. A database as it was before (bot messages carrying
 * their idempotency key in local_message) is migrated: each key is in outbound_message as `local:<key>` with the
 * message's id, the column is gone, and a reminder sent again with a key sent before the upgrade is not posted twice.
 */
const LOCAL_KEYS = '20270307000000_local_keys_to_outbound_ledger';

describe('local page keys carried over to outbound_message', () => {
  let dir: string;
  let db: Database;
  const cipher = new FieldCipher(parseKeyRing(TEST_KEYS));
  let keyedId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdi-localkeys-'));
    const before = join(dir, 'migrations');
    cpSync(MIGRATIONS_DIR, before, { recursive: true });
    for (const name of readdirSync(before))
      if (name >= LOCAL_KEYS && !name.endsWith('.toml')) rmSync(join(before, name), { recursive: true });
    db = await openDatabase({ kind: 'pglite', dataDir: join(dir, 'pglite') });
    await migrate(db, before);
    const body = (text: string) => cipher.encrypt(JSON.stringify({ type: 'text', text }), 'local:dm:demo-teacher');
    const [keyed] = await db.sql.query<{ id: string }>(
      `INSERT INTO local_message (conversation_id, sender_kind, sender_name, body_enc, idempotency_key)
       VALUES ('dm:demo-teacher', 'bot', '小幫手', $1, 'reminder:inc-1:contain-4h') RETURNING id::text AS id`,
      [body('提醒')],
    );
    keyedId = keyed!.id;
    await db.sql.query(
      `INSERT INTO local_message (conversation_id, sender_kind, sender_name, body_enc) VALUES ('dm:demo-teacher', 'bot', '小幫手', $1)`,
      [body('回覆')],
    );
    await migrate(db, MIGRATIONS_DIR);
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies each key with its message id, and drops the column', async () => {
    expect(await db.sql.query(`SELECT idempotency_key, platform, conversation, message_id FROM outbound_message`)).toEqual([
      { idempotency_key: 'local:reminder:inc-1:contain-4h', platform: 'local', conversation: 'dm:demo-teacher', message_id: keyedId },
    ]);
    expect(
      await db.sql.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'local_message' AND column_name = 'idempotency_key'`),
    ).toEqual([]);
  });

  it('a reminder sent again with a key from before the upgrade returns that message; a new key posts once', async () => {
    const page = new LocalAdapter(db.repos, cipher, createLogger({ level: 'silent' }));
    const to = { platform: 'local', externalId: 'dm:demo-teacher', kind: 'direct' as const };
    const count = async () => Number((await db.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM local_message`))[0]!.n);
    expect(await page.send(to, { type: 'text', text: '提醒' }, { idempotencyKey: 'reminder:inc-1:contain-4h' })).toEqual({
      messageId: keyedId,
    });
    expect(await count()).toBe(2);
    const [a, b] = await Promise.all([
      page.send(to, { type: 'text', text: '新提醒' }, { idempotencyKey: 'reminder:inc-1:bureau-3d' }),
      page.send(to, { type: 'text', text: '新提醒' }, { idempotencyKey: 'reminder:inc-1:bureau-3d' }),
    ]);
    expect(a.messageId).toBe(b.messageId);
    expect(await count()).toBe(3);
    expect(await db.sql.query(`SELECT message_id FROM outbound_message WHERE idempotency_key = 'local:reminder:inc-1:bureau-3d'`)).toEqual([
      { message_id: a.messageId },
    ]);
  });
});
