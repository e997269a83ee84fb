import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/app/logger.js';
import { Inbox } from '../../../src/core/chat/inbox.js';
import { FieldCipher, parseKeyRing } from '../../../src/core/privacy/cipher.js';
import type { InboxOptions } from '../../../src/ports/inbox.js';
import { PrismaInboxStore } from '../../../src/storage/inbox.js';
import { TEST_KEYS } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

/**
 * The pipeline's inbox on its own, two instances sharing one database (production runs several): ordered mode keeps
 * each conversation's events in arrival order and never processes two of one conversation at once; claimed mode lets
 * exactly one instance take over an event whose process stopped, and gives up after three takes.
 */
describe('inbox shared by two instances', () => {
  let tdb: TestDatabase;
  const cipher = new FieldCipher(parseKeyRing(TEST_KEYS));
  const log = createLogger({ level: 'silent' });
  const inbox = <B>(opts: InboxOptions<B>) => new Inbox<B>(new PrismaInboxStore(tdb.db.prisma), cipher, log, opts);

  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => {
    await tdb?.destroy();
  });

  it('ordered: each conversation in arrival order, one event of it at a time across instances; each event once', async () => {
    const done: string[] = [];
    const busy = new Map<string, number>();
    let overlap = 0;
    const process = async (body: { c: string; n: number }) => {
      busy.set(body.c, (busy.get(body.c) ?? 0) + 1);
      if (busy.get(body.c)! > 1) overlap += 1;
      await new Promise((r) => setTimeout(r, 15));
      done.push(`${body.c}${body.n}`);
      busy.set(body.c, busy.get(body.c)! - 1);
    };
    const a = inbox({ platform: 'ordered-test', mode: 'ordered', process });
    const b = inbox({ platform: 'ordered-test', mode: 'ordered', process });
    const events = [1, 2, 3, 4].flatMap((n) => ['x', 'y', 'z'].map((c) => ({ eventId: `${c}${n}`, body: { c, n }, conversation: c })));
    expect(await a.receive(events.slice(0, 6))).toHaveLength(6);
    expect(await b.receive(events.slice(6))).toHaveLength(6);
    a.kick();
    b.kick();
    await Promise.all([a.idle(), b.idle()]);
    expect(done).toHaveLength(12);
    for (const c of ['x', 'y', 'z']) expect(done.filter((d) => d.startsWith(c))).toEqual([1, 2, 3, 4].map((n) => `${c}${n}`));
    expect(overlap).toBe(0);
    const rows = await tdb.db.prisma.inboundEvent.findMany({ where: { platform: 'ordered-test' } });
    expect(rows.every((r) => r.status === 'done' && r.bodyEnc === null && r.attempts === 1)).toBe(true);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('claimed: a stale event is taken over by one instance once; after three takes it is given up', async () => {
    const handled: string[] = [];
    const opts: InboxOptions<{ text: string }> = { platform: 'claimed-test', process: async (body) => void handled.push(body.text) };
    const a = inbox(opts);
    const b = inbox(opts);
    expect(
      await a.receive([
        { eventId: 'e1', body: { text: '我是誰' } },
        { eventId: 'e2', body: { text: '太多次' } },
      ]),
    ).toEqual(['e1', 'e2']);
    expect(await b.receive([{ eventId: 'e1', body: { text: '我是誰' } }])).toEqual([]);
    // As left by a process that stopped right after storing them; e2 was interrupted twice already.
    const old = new Date(Date.now() - 5 * 60_000);
    await tdb.db.prisma.inboundEvent.updateMany({ where: { platform: 'claimed-test' }, data: { claimedAt: old } });
    await tdb.db.prisma.inboundEvent.update({
      where: { platform_eventId: { platform: 'claimed-test', eventId: 'e2' } },
      data: { attempts: 3 },
    });
    await Promise.all([a.sweep(), b.sweep()]);
    expect(handled).toEqual(['我是誰']);
    const rows = await tdb.db.prisma.inboundEvent.findMany({ where: { platform: 'claimed-test' }, orderBy: { eventId: 'asc' } });
    expect(rows.map((r) => [r.eventId, r.status, r.attempts, r.bodyEnc])).toEqual([
      ['e1', 'done', 2, null],
      ['e2', 'failed', 3, null],
    ]);
  });
});
