import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../../src/core/context.js';
import { EvidenceLocker } from '../../../src/core/evidence/locker.js';
import { CHUNK_SIZE } from '../../../src/core/evidence/seal.js';
import { EvidenceRefused } from '../../../src/core/evidence/types.js';
import { UserError } from '../../../src/core/incidents/types.js';
import type { Actor } from '../../../src/core/roles.js';
import { verifyIncidentRecord } from '../../../src/core/timeline/timeline.js';
import { DatabaseBlobStore, DirectoryBlobStore } from '../../../src/storage/blobs.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { DEMO_TEACHER } from '../../helpers/jobs.js';
import { asSuperuser, DEMO_WINDOW, seedIncidents } from '../../helpers/record.js';
import { png, sha256 } from '../../helpers/evidence.js';

const AUDITOR: Actor = { personId: 'demo-auditor', schoolId: 'demo-school', displayName: '張主任（示範）', roles: ['staff', 'auditor'] };
const OTHER_STAFF: Actor = { personId: 'evd-staff', schoolId: 'demo-school', displayName: '吳老師（測試）', roles: ['staff'] };

async function* pieces(bytes: Buffer, size = 10_000): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

let t: TestDatabase;
let deps: CoreDeps;
let incidentId: string;
let dir: string;
const lockers: Record<string, EvidenceLocker> = {};
const tampered = new Set<number>();

beforeAll(async () => {
  t = await createTestDatabase();
  const seeded = await seedIncidents(t.db, { count: 1, ticks: 0 });
  deps = seeded.deps;
  incidentId = seeded.ids[0] as string;
  await t.db.prisma.person.create({
    data: { id: OTHER_STAFF.personId, schoolId: 'demo-school', displayName: OTHER_STAFF.displayName, roles: ['staff'] },
  });
  dir = mkdtempSync(join(tmpdir(), 'pdi-evidence-'));
  const directory = new DirectoryBlobStore(dir);
  const database = new DatabaseBlobStore(t.db.prisma);
  lockers.directory = new EvidenceLocker(deps, { stores: [directory, database] });
  lockers.database = new EvidenceLocker(deps, { stores: [database, directory] });
});
afterAll(async () => {
  await t?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const source = { platform: 'local', message: 'm-1' };

describe.each(['directory', 'database'] as const)('evidence locker (%s store)', (kind) => {
  const locker = () => lockers[kind] as EvidenceLocker;

  it.each([1, CHUNK_SIZE - 33, CHUNK_SIZE * 3 - 33, 300_000])('files and reads back %i bytes with the hash taken at intake', async (n) => {
    const bytes = png(n);
    const view = await locker().file(DEMO_TEACHER, incidentId, {
      itemKey: 'preserve-evidence',
      description: '家長群組中被轉傳的成績單截圖',
      source,
      file: { stream: pieces(bytes), fileName: '截圖.png' },
    });
    expect(view).toMatchObject({
      mediaType: 'image/png',
      size: bytes.length,
      sha256: sha256(bytes),
      itemKey: 'preserve-evidence',
      fileName: '截圖.png',
      filedById: DEMO_TEACHER.personId,
    });
    const { bytes: back } = await locker().download(DEMO_WINDOW, view.id);
    expect(back.equals(bytes)).toBe(true);
    // Stored encrypted: the plaintext's head is nowhere in the store.
    const row = await t.db.prisma.evidence.findUniqueOrThrow({ where: { id: view.id } });
    expect(row.store).toBe(kind);
    const stored =
      kind === 'directory'
        ? readFileSync(join(dir, view.id.slice(0, 2), `${view.id}.blob`))
        : Buffer.concat(
            (await t.db.prisma.evidenceChunk.findMany({ where: { evidenceId: view.id }, orderBy: { seq: 'asc' } })).map((c) =>
              Buffer.from(c.data),
            ),
          );
    expect(stored.includes(bytes.subarray(0, 24))).toBe(false);
    expect(stored.length).toBeGreaterThan(bytes.length);
  });

  it('records filing and download on the timeline, and the record still verifies', async () => {
    const bytes = png(500);
    const view = await locker().file(DEMO_WINDOW, incidentId, {
      description: '系統日誌 0912-345-678 的截圖',
      source,
      file: { stream: pieces(bytes) },
    });
    expect(view.description).not.toContain('0912');
    await locker().download(AUDITOR, view.id);
    const entries = await t.db.prisma.timelineEntry.findMany({ where: { incidentId }, orderBy: { seq: 'asc' } });
    const filed = entries.filter((e) => e.type === 'evidence.filed').at(-1);
    expect(filed?.summary).toContain(`證據 ${view.seq}`);
    expect(filed?.summary).toContain(view.sha256.slice(0, 16));
    expect(entries.at(-1)).toMatchObject({ type: 'evidence.downloaded', actorLabel: AUDITOR.displayName });
    expect((await verifyIncidentRecord(deps, incidentId)).ok).toBe(true);
  });

  it('shows a piece to responders and the auditor, to a staff member only what they filed', async () => {
    const mine = await locker().file(DEMO_TEACHER, incidentId, { description: '我拍的截圖', source, file: { stream: pieces(png(100)) } });
    const theirs = await locker().file(DEMO_WINDOW, incidentId, {
      description: '窗口存的郵件截圖',
      source,
      file: { stream: pieces(png(100)) },
    });
    await expect(locker().download(DEMO_TEACHER, mine.id)).resolves.toBeTruthy();
    await expect(locker().download(DEMO_TEACHER, theirs.id)).rejects.toThrow(UserError);
    await expect(locker().download(OTHER_STAFF, mine.id)).rejects.toThrow(UserError);
    const seen = (await locker().list(DEMO_TEACHER, incidentId)).map((v) => v.id);
    expect(seen).toContain(mine.id);
    expect(seen).not.toContain(theirs.id);
    expect((await locker().list(AUDITOR, incidentId)).map((v) => v.id)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    // Someone with no part in the incident may not file either.
    await expect(
      locker().file(OTHER_STAFF, incidentId, { description: '路人', source, file: { stream: pieces(png(10)) } }),
    ).rejects.toThrow('只有這個事件的應變人員');
  });

  it('uses a one-time link once', async () => {
    const v = await locker().file(DEMO_WINDOW, incidentId, { description: '一次性連結', source, file: { stream: pieces(png(10)) } });
    const linkId = `link-${kind}-0123456789abcdef`;
    await locker().download(DEMO_WINDOW, v.id, { linkId, clientAddress: '127.0.0.1' });
    await expect(locker().download(DEMO_WINDOW, v.id, { linkId, clientAddress: '127.0.0.1' })).rejects.toMatchObject({ code: 'P2002' });
  });

  it('refuses files of other kinds, empty files and files over the limit, leaving nothing behind', async () => {
    const small = new EvidenceLocker(deps, {
      stores: [kind === 'directory' ? new DirectoryBlobStore(dir) : new DatabaseBlobStore(t.db.prisma)],
      maxBytes: 50_000,
    });
    const rowsBefore = await t.db.prisma.evidence.count();
    const chunksBefore = await t.db.prisma.evidenceChunk.count();
    const filesBefore = readdirSync(dir, { recursive: true }).length;
    const exe = Buffer.concat([Buffer.from('4d5a90000300000004000000ffff0000', 'hex'), randomBytes(2000)]);
    await expect(
      small.file(DEMO_WINDOW, incidentId, { description: '程式', source, file: { stream: pieces(exe), fileName: 'a.exe' } }),
    ).rejects.toThrow(EvidenceRefused);
    await expect(
      small.file(DEMO_WINDOW, incidentId, { description: '空', source, file: { stream: pieces(Buffer.alloc(0)) } }),
    ).rejects.toThrow('空的');
    await expect(
      small.file(DEMO_WINDOW, incidentId, { description: '太大', source, file: { stream: pieces(png(60_000)) } }),
    ).rejects.toThrow('超過');
    await expect(
      small.file(DEMO_WINDOW, incidentId, { description: '宣告太大', source, file: { stream: pieces(png(10)), size: 60_000 } }),
    ).rejects.toThrow('超過');
    expect(await t.db.prisma.evidence.count()).toBe(rowsBefore);
    expect(await t.db.prisma.evidenceChunk.count()).toBe(chunksBefore);
    expect(readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(dir, { recursive: true }).length).toBeLessThanOrEqual(filesBefore + 1);
  });

  it('closes the platform download at once when filing stops early (not allowed, wrong type)', async () => {
    const tracked = (bytes: Buffer) => {
      const state = { closed: false, read: 0 };
      const stream: AsyncIterable<Uint8Array> = {
        [Symbol.asyncIterator]() {
          return {
            next: async () => {
              if (state.read >= bytes.length) return { done: true, value: undefined };
              const from = state.read;
              state.read += 5000;
              return { done: false, value: bytes.subarray(from, state.read) };
            },
            return: async () => {
              state.closed = true;
              return { done: true, value: undefined };
            },
          };
        },
      };
      return { state, stream };
    };
    const notAllowed = tracked(png(50_000));
    await expect(
      locker().file(OTHER_STAFF, incidentId, { description: '路人', source, file: { stream: notAllowed.stream } }),
    ).rejects.toThrow(UserError);
    expect(notAllowed.state).toMatchObject({ closed: true, read: 0 });
    const exe = tracked(Buffer.concat([Buffer.from('4d5a9000', 'hex'), randomBytes(50_000)]));
    await expect(locker().file(DEMO_WINDOW, incidentId, { description: '程式', source, file: { stream: exe.stream } })).rejects.toThrow(
      EvidenceRefused,
    );
    expect(exe.state.closed).toBe(true);
    expect(exe.state.read).toBeLessThan(20_000);
  });

  it('takes text and e-mail by their content, PDF by its signature', async () => {
    const eml = Buffer.from('Received: from mail.example\r\nFrom: a@example.edu.tw\r\nSubject: 成績單\r\n\r\n內容', 'utf8');
    const text = Buffer.from('2026-11-05 08:12 login teacher01 from 10.0.0.5\n', 'utf8');
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n', 'latin1'), randomBytes(300)]);
    const kinds = [];
    for (const b of [eml, text, pdf])
      kinds.push((await locker().file(DEMO_WINDOW, incidentId, { description: '檔案', source, file: { stream: pieces(b) } })).mediaType);
    expect(kinds).toEqual(['message/rfc822', 'text/plain', 'application/pdf']);
  });

  it('detects a flipped byte in the stored file, records the alarm and sends nothing', async () => {
    const bytes = png(CHUNK_SIZE * 2);
    const v = await locker().file(DEMO_WINDOW, incidentId, { description: '將被竄改', source, file: { stream: pieces(bytes) } });
    if (kind === 'directory') {
      const path = join(dir, v.id.slice(0, 2), `${v.id}.blob`);
      const stored = readFileSync(path);
      stored[CHUNK_SIZE + 100] = (stored[CHUNK_SIZE + 100] ?? 0) ^ 0x01;
      writeFileSync(path, stored);
    } else {
      await asSuperuser(t.db, (sql) =>
        sql.exec(`UPDATE evidence_chunk SET data = set_byte(data, 10, get_byte(data, 10) # 1) WHERE evidence_id = '${v.id}' AND seq = 1`),
      );
    }
    await expect(locker().download(DEMO_WINDOW, v.id)).rejects.toThrow('完整性檢查未通過');
    const last = await t.db.prisma.timelineEntry.findFirstOrThrow({ where: { incidentId }, orderBy: { seq: 'desc' } });
    expect(last).toMatchObject({ type: 'evidence.integrity-failed' });
    expect(last.summary).toContain(`證據 ${v.seq}`);
    const checked = await locker().verifyIncident(incidentId);
    tampered.add(v.seq);
    // Exactly the pieces tampered with so far fail (this one, and the other store's run's).
    expect(
      checked
        .filter((c) => !c.ok)
        .map((c) => c.seq)
        .sort((a, b) => a - b),
    ).toEqual([...tampered].sort((a, b) => a - b));
  });

  it('detects a file cut after a chunk (the last-chunk flag)', async () => {
    const v = await locker().file(DEMO_WINDOW, incidentId, {
      description: '將被截斷',
      source,
      file: { stream: pieces(png(CHUNK_SIZE * 2)) },
    });
    if (kind === 'directory') {
      const path = join(dir, v.id.slice(0, 2), `${v.id}.blob`);
      const stored = readFileSync(path);
      const first = stored.readUInt32BE(0);
      writeFileSync(path, stored.subarray(0, 4 + first));
    } else {
      await asSuperuser(t.db, (sql) => sql.exec(`DELETE FROM evidence_chunk WHERE evidence_id = '${v.id}' AND seq > 0`));
    }
    await expect(locker().download(DEMO_WINDOW, v.id)).rejects.toThrow('完整性檢查未通過');
    tampered.add(v.seq);
  });
});

describe('the evidence tables are append-only', () => {
  it('refuses UPDATE and DELETE of evidence and its chunks outside the procedures', async () => {
    const v = await (lockers.database as EvidenceLocker).file(DEMO_WINDOW, incidentId, {
      description: '不可改',
      source,
      file: { stream: pieces(png(10)) },
    });
    await expect(t.db.sql.exec(`UPDATE evidence SET sha256 = '${'0'.repeat(64)}' WHERE id = '${v.id}'`)).rejects.toThrow(/append-only/);
    await expect(t.db.sql.exec(`DELETE FROM evidence WHERE id = '${v.id}'`)).rejects.toThrow(/append-only/);
    await expect(t.db.sql.exec(`DELETE FROM evidence_chunk WHERE evidence_id = '${v.id}'`)).rejects.toThrow(/append-only/);
    await expect(t.db.sql.exec(`UPDATE evidence_chunk SET data = '\\x00' WHERE evidence_id = '${v.id}'`)).rejects.toThrow(/append-only/);
  });
});
