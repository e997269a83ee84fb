/**
 * Where the evidence locker keeps its encrypted files (src/core/evidence). A blob is an ordered list of opaque chunks
 * (already encrypted and authenticated by the core: a store never sees a plaintext byte) under an id the core chose.
 * Implementations live in src/storage/blobs.ts: a directory under DATA_DIR on the embedded default, chunk rows in
 * PostgreSQL when several instances share one database.
 */
export interface BlobStore {
  /** Where new blobs go, recorded with each piece of evidence (evidence.store). */
  readonly kind: 'directory' | 'database';
  /**
   * Writes a new blob chunk by chunk as `chunks` yields them (never holding the whole file); resolves once every chunk
   * is durable. A blob whose writing failed leaves nothing behind (or is removed by `remove`).
   */
  write(id: string, chunks: AsyncIterable<Buffer>): Promise<{ chunks: number; bytes: number }>;
  /** The blob's chunks in order; throws BlobMissingError when there is no such blob. */
  read(id: string): AsyncIterable<Buffer>;
  /** Removes a blob (retention, or an intake that failed); no error if it is already gone. */
  remove(id: string): Promise<void>;
}

/** The blob is not in the store (deleted, or the store's files were not restored from a backup). */
export class BlobMissingError extends Error {
  override readonly name = 'BlobMissingError';
}
