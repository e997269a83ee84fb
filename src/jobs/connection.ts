import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Database } from '../storage/database.js';

/** A connection string for libraries that open their own `pg` connections (pg-boss), and how to release it. */
export interface JobsConnection {
  connectionString: string;
  /** Connections the library may open (the embedded socket accepts this many). */
  maxConnections: number;
  close(): Promise<void>;
}

/**
 * On PostgreSQL, the server's own URL. On the embedded default, the product's one PGlite instance (never the data
 * directory a second time) served over a private unix socket (a fresh 0700 directory under the OS temp dir).
 * Facts of that socket (pglite-socket multiplexes every client onto PGlite's one session): advisory locks do not exclude
 * and an open transaction blocks the other connections — fine for one process, which is all the embedded default runs.
 */
export async function openJobsConnection(db: Database, maxConnections = 4): Promise<JobsConnection> {
  if (db.connectionString) return { connectionString: db.connectionString, maxConnections, close: async () => undefined };
  if (!db.pglite) throw new Error(`The ${db.kind} database offers neither a connection string nor an embedded instance for the job queue.`);
  const dir = mkdtempSync(join(tmpdir(), 'pdi-jobs-'));
  const server = new PGLiteSocketServer({ db: db.pglite, path: join(dir, '.s.PGSQL.5432'), maxConnections: maxConnections + 2 });
  await server.start();
  return {
    connectionString: `postgresql://postgres@localhost/postgres?host=${dir}`,
    maxConnections,
    async close() {
      const pglite = db.pglite!;
      if (pglite.closed) {
        // The database was closed first (shutdown order, or an outage in tests): stopping the socket server would ask
        // the closed instance about its transaction state and throw asynchronously. Close only the listener.
        (server as unknown as { server?: { close(): void } }).server?.close();
      } else {
        await server.stop();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
