import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PrismaClient } from '../generated/prisma/client.js';
import { BlobMissingError, type BlobStore } from '../ports/blobs.js';

const ID_RE = /^[A-Za-z0-9_-]{8,64}$/;
/** A frame is at most this long: a chunk of the core's (64 KiB) plus its tag, with room to spare. */
const MAX_FRAME = 1 << 20;

function checkId(id: string): void {
  if (!ID_RE.test(id)) throw new Error(`Blob id "${id.slice(0, 70)}" is not a valid id (8–64 of A–Z a–z 0–9 _ -).`);
}

/**
 * Blobs as files under one directory (the embedded default: DATA_DIR/evidence), two levels deep by the id's first
 * characters. A file is a sequence of frames, each a 4-byte big-endian length and the chunk. Written to a temporary
 * name, flushed to disk, then renamed: a crash mid-write never leaves a half blob under the real name.
 */
export class DirectoryBlobStore implements BlobStore {
  readonly kind = 'directory' as const;
  constructor(readonly dir: string) {}

  private pathOf(id: string): { folder: string; file: string } {
    checkId(id);
    const folder = join(this.dir, id.slice(0, 2));
    return { folder, file: join(folder, `${id}.blob`) };
  }

  async write(id: string, chunks: AsyncIterable<Buffer>): Promise<{ chunks: number; bytes: number }> {
    const { folder, file } = this.pathOf(id);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${randomUUID()}.tmp`;
    const fh = await open(tmp, 'wx', 0o600);
    let n = 0;
    let bytes = 0;
    try {
      for await (const chunk of chunks) {
        const head = Buffer.alloc(4);
        head.writeUInt32BE(chunk.length);
        await fh.write(head);
        await fh.write(chunk);
        n++;
        bytes += chunk.length;
      }
      await fh.sync();
    } catch (err) {
      await fh.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    await rename(tmp, file);
    return { chunks: n, bytes };
  }

  async *read(id: string): AsyncIterable<Buffer> {
    const { file } = this.pathOf(id);
    let fh;
    try {
      fh = await open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobMissingError(`Blob ${id} is missing from ${this.dir}.`);
      throw err;
    }
    try {
      let pos = 0;
      const head = Buffer.alloc(4);
      for (;;) {
        const { bytesRead } = await fh.read(head, 0, 4, pos);
        if (bytesRead === 0) return;
        if (bytesRead < 4) throw new Error(`Blob ${id}: truncated frame header at byte ${pos}.`);
        const len = head.readUInt32BE(0);
        if (len > MAX_FRAME) throw new Error(`Blob ${id}: frame of ${len} bytes at byte ${pos} is too long (damaged file).`);
        const body = Buffer.alloc(len);
        const got = len === 0 ? { bytesRead: 0 } : await fh.read(body, 0, len, pos + 4);
        if (got.bytesRead < len) throw new Error(`Blob ${id}: truncated frame at byte ${pos}.`);
        pos += 4 + len;
        yield body;
      }
    } finally {
      await fh.close();
    }
  }

  async remove(id: string): Promise<void> {
    await rm(this.pathOf(id).file, { force: true });
  }
}

/**
 * Blobs as rows of evidence_chunk in the product's own PostgreSQL database: every instance that shares the database
 * sees every blob, with no file share or object store to run. Chunks are read a few at a time, never the whole blob.
 */
export class DatabaseBlobStore implements BlobStore {
  readonly kind = 'database' as const;
  constructor(
    private readonly prisma: PrismaClient,
    private readonly readBatch = 8,
  ) {}

  async write(id: string, chunks: AsyncIterable<Buffer>): Promise<{ chunks: number; bytes: number }> {
    checkId(id);
    let n = 0;
    let bytes = 0;
    try {
      for await (const chunk of chunks) {
        await this.prisma.evidenceChunk.create({ data: { evidenceId: id, seq: n, data: new Uint8Array(chunk) } });
        n++;
        bytes += chunk.length;
      }
    } catch (err) {
      await this.remove(id).catch(() => undefined);
      throw err;
    }
    return { chunks: n, bytes };
  }

  async *read(id: string): AsyncIterable<Buffer> {
    checkId(id);
    let next = 0;
    for (;;) {
      const rows = await this.prisma.evidenceChunk.findMany({
        where: { evidenceId: id, seq: { gte: next } },
        orderBy: { seq: 'asc' },
        take: this.readBatch,
      });
      if (rows.length === 0 && next === 0) throw new BlobMissingError(`Blob ${id} has no chunks in evidence_chunk.`);
      for (const row of rows) {
        if (row.seq !== next) throw new Error(`Blob ${id}: chunk ${next} is missing (next stored is ${row.seq}).`);
        next++;
        yield Buffer.from(row.data);
      }
      if (rows.length < this.readBatch) return;
    }
  }

  /** Only chunks of evidence not (yet) on record may be removed this way (database trigger); retention deletes the rest. */
  async remove(id: string): Promise<void> {
    checkId(id);
    await this.prisma.evidenceChunk.deleteMany({ where: { evidenceId: id } });
  }
}

/** Both stores, the configured one first (it takes new files; the other is read for files stored there earlier). */
export function evidenceStores(prisma: PrismaClient, opts: { store: 'directory' | 'database'; dir: string }): BlobStore[] {
  const directory = new DirectoryBlobStore(opts.dir);
  const database = new DatabaseBlobStore(prisma);
  return opts.store === 'database' ? [database, directory] : [directory, database];
}
