import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { Inbox } from '../../src/core/chat/inbox.js';
import { FieldCipher, parseKeyRing } from '../../src/core/privacy/cipher.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { PrismaInboxStore } from '../../src/storage/inbox.js';
import { migrate } from '../../src/storage/migrate.js';
import { TEST_KEYS } from '../helpers/app.js';
import { MIGRATIONS_DIR } from '../helpers/db.js';

/**
 * Issue #17: LINE's own inbox (line_inbound_event) moved onto the one inbox table by a data migration. A database as
 * it was before (events acknowledged, not yet processed, bodies bound to LINE's aad) is migrated: the unfinished
 * events are processed afterwards in their order with their bodies intact, finished ones still drop redeliveries.
 * processed_event is folded in the same way: an event id handled in the last day is a finished row of inbound_event.
 */
const ONE_INBOX = '20270201000000_one_inbox';

describe('one inbox: LINE events carried over from line_inbound_event', () => {
  let dir: string;
  let db: Database;
  const cipher = new FieldCipher(parseKeyRing(TEST_KEYS));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdi-inbox-'));
    const before = join(dir, 'migrations');
    cpSync(MIGRATIONS_DIR, before, { recursive: true });
    for (const name of readdirSync(before))
      if (name >= ONE_INBOX && !name.endsWith('.toml')) rmSync(join(before, name), { recursive: true });
    db = await openDatabase({ kind: 'pglite', dataDir: join(dir, 'pglite') });
    await migrate(db, before);
    const row = (id: string, text: string, status: string, seq: number) =>
      db.sql.query(`INSERT INTO line_inbound_event (webhook_event_id, seq, body_enc, status, claimed_at) VALUES ($1, $2, $3, $4, $5)`, [
        id,
        seq,
        status === 'done' ? null : cipher.encrypt(JSON.stringify({ webhookEventId: id, text }), `line-event:${id}`),
        status,
        status === 'processing' ? new Date(Date.now() - 10 * 60_000) : null,
      ]);
    await row('01DONE', '', 'done', 1);
    await row('02LEFTPROCESSING', '第一則', 'processing', 2);
    await row('03PENDING', '第二則', 'pending', 3);
    // Event ids the core handled (processed_event, folded in too): yesterday's are kept, older ones are not needed.
    await db.sql.query(
      `INSERT INTO processed_event (platform, event_id, received_at) VALUES ('slack', 'act:recent', now() - interval '1 hour'), ('slack', 'act:old', now() - interval '3 days'), ('line', '01DONE', now())`,
    );
    await migrate(db, MIGRATIONS_DIR);
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves every row, keeps the order and the bodies, and drops the old table', async () => {
    const rows = await db.sql.query<{ event_id: string; status: string; body_aad: string | null }>(
      `SELECT event_id, status, body_aad FROM inbound_event WHERE platform = 'line' ORDER BY seq`,
    );
    expect(rows).toEqual([
      { event_id: '01DONE', status: 'done', body_aad: null },
      { event_id: '02LEFTPROCESSING', status: 'processing', body_aad: 'line-event:02LEFTPROCESSING' },
      { event_id: '03PENDING', status: 'pending', body_aad: 'line-event:03PENDING' },
    ]);
    expect(await db.sql.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'line_inbound_event'`)).toEqual([]);
  });

  it('the LINE inbox processes the carried-over events in their order, once, and drops a redelivery of a done one', async () => {
    const seen: string[] = [];
    const inbox = new Inbox<{ webhookEventId: string; text: string }>(
      new PrismaInboxStore(db.prisma),
      cipher,
      createLogger({ level: 'silent' }),
      {
        platform: 'line',
        mode: 'ordered',
        process: async (body) => void seen.push(body.text),
      },
    );
    await inbox.start();
    await inbox.idle();
    await inbox.stop();
    expect(seen).toEqual(['第一則', '第二則']);
    const rows = await db.prisma.inboundEvent.findMany({ where: { platform: 'line' }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => [r.status, r.bodyEnc, r.bodyAad])).toEqual([
      ['done', null, null],
      ['done', null, null],
      ['done', null, null],
    ]);
    expect(await inbox.receive([{ eventId: '01DONE', body: { webhookEventId: '01DONE', text: 'again' } }])).toEqual([]);
  });

  it('event ids handled in the last day (processed_event) are finished rows; the old table is gone', async () => {
    const store = new PrismaInboxStore(db.prisma);
    expect(await store.handled('slack', 'act:recent')).toBe(true);
    expect(await store.handled('slack', 'act:old')).toBe(false);
    expect(await db.sql.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'processed_event'`)).toEqual([]);
    await store.markHandled('slack', 'act:new');
    expect(await store.handled('slack', 'act:new')).toBe(true);
  });
});
