import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import type { RepositoryHub } from '../ports/repositories/index.js';
import { prismaRepositories } from './repositories/index.js';

/** The few raw-SQL operations the migration runner and health checks need, on either engine. */
export interface SqlRunner {
  /** Run a script of one or more statements (no parameters). */
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Run `fn` inside one transaction on one connection (the runner passed to `fn` is bound to it). */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  /** Where the data lives, safe to log (no password). */
  readonly location: string;
  readonly prisma: PrismaClient;
  /** The core's storage ports on this database (src/ports/repositories/). */
  readonly repos: RepositoryHub;
  readonly sql: SqlRunner;
  /** For libraries that open their own connections (pg-boss, src/jobs): the server URL (never log it: may hold a password). */
  readonly connectionString?: string;
  /** The embedded instance itself, served to such libraries over a socket (src/jobs/connection.ts). */
  readonly pglite?: PGlite;
  /** Session-level advisory lock (PostgreSQL); a no-op on the single-process embedded database. */
  withAdvisoryLock<T>(key: number, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { kind: 'postgres'; url: string; poolSize?: number }
  | {
      kind: 'pglite';
      dataDir: string | null /* null = in memory */;
      /** An empty cluster (pgliteTemplate) to unpack into a new data dir instead of running initdb; used when present. */
      template?: string;
    };

/** Raised when the database cannot be reached or opened: the operator has to act. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  return opts.kind === 'postgres' ? openPostgres(opts.url, opts.poolSize ?? 10) : openPglite(opts.dataDir, opts.template);
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    const c = await pool.connect();
    c.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new DatabaseUnavailableError(
      `Cannot connect to PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}. ` +
        'Check DATABASE_URL and that the server is running, or unset DATABASE_URL to use the embedded database.',
      { cause: err },
    );
  }
  const runner = (q: pg.Pool | pg.PoolClient): SqlRunner => ({
    async exec(sql) {
      await q.query(sql);
    },
    async query<T>(sql: string, params: unknown[] = []) {
      return (await q.query(sql, params)).rows as T[];
    },
    async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
      const client = 'release' in q ? q : await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(runner(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        if (client !== q) (client as pg.PoolClient).release();
      }
    },
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed = false;
  return {
    kind: 'postgres',
    location: redactUrl(url),
    connectionString: url,
    prisma,
    repos: prismaRepositories(prisma),
    sql: runner(pool),
    async withAdvisoryLock(key, fn) {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [key]);
        try {
          return await fn();
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [key]);
        }
      } finally {
        client.release();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/**
 * PostgreSQL's defaults are sized for a server; inside one school's process they only hold memory that WebAssembly
 * never gives back. 128 MB of shared buffers were most of the idle RSS (bench/startup.ts): 16 MB hold a school's whole
 * working set (incidents, timelines and prompts are a few MB even after years), and one connection is all PGlite has.
 */
const PGLITE_OPTIONS = { postgresqlconf: ['shared_buffers=16MB', 'wal_buffers=1MB', 'temp_buffers=2MB'] };

/**
 * The embedded database's files hold the whole record: only the product's user may read them. The folder is made
 * 0700 (which alone keeps every other user out) and every file in it 0600, at open (after PGlite's own set-up) and
 * at close: PGlite's file layer gives the files it creates mode 0666 whatever the umask, so the umask (077, set for
 * the process: exports and key files are as private) cannot do it alone.
 */
export function restrictDataDir(dataDir: string): void {
  try {
    process.umask(0o077);
  } catch {
    // Worker threads cannot change the umask (tests); the chmod below still applies to what exists.
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const walk = (dir: string) => {
    chmodSync(dir, 0o700);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) chmodSync(path, 0o600);
    }
  };
  walk(dataDir);
}

/**
 * A new embedded database starts as an empty cluster: PGlite runs initdb (in WebAssembly: most of a first start's
 * time). `npm run build` makes that empty cluster once (scripts/build.mjs → dist/pglite-template.tar.gz, with the
 * same settings and PGlite version) and a new data dir is unpacked from it instead, with the same result: the
 * migrations, the key check and the demo seed then run as on any new database. No template file: initdb as before.
 * (Data dirs made from one build share the cluster's system identifier, which nothing in the product reads.)
 */
export async function pgliteTemplate(): Promise<Uint8Array> {
  const db = new PGlite(PGLITE_OPTIONS);
  try {
    await db.waitReady;
    return new Uint8Array(await (await db.dumpDataDir('gzip')).arrayBuffer());
  } finally {
    await db.close();
  }
}

function templateFor(dataDir: string, template: string | undefined): Blob | undefined {
  if (!template || existsSync(join(dataDir, 'PG_VERSION')) || !existsSync(template)) return undefined;
  return new Blob([readFileSync(template)]);
}

async function openPglite(dataDir: string | null, template?: string): Promise<Database> {
  let db: PGlite;
  try {
    if (dataDir) restrictDataDir(dataDir);
    const loadDataDir = dataDir ? templateFor(dataDir, template) : undefined;
    db = dataDir ? new PGlite(dataDir, { ...PGLITE_OPTIONS, ...(loadDataDir ? { loadDataDir } : {}) }) : new PGlite(PGLITE_OPTIONS);
    await db.waitReady;
    if (dataDir) restrictDataDir(dataDir);
  } catch (err) {
    throw new DatabaseUnavailableError(
      `Cannot open the embedded database in ${dataDir ?? '(memory)'}: ${(err as Error).message}. ` +
        'Check that the directory is writable and not used by another running instance (DATA_DIR).',
      { cause: err },
    );
  }
  const runner = (q: Pick<PGlite, 'exec' | 'query'>, top: boolean): SqlRunner => ({
    async exec(sql) {
      await q.exec(sql);
    },
    async query<T>(sql: string, params: unknown[] = []) {
      return (await q.query<T>(sql, params)).rows;
    },
    async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
      if (!top) return fn(runner(q, false));
      return db.transaction((tx) => fn(runner(tx, false)));
    },
  });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
  let closed = false;
  return {
    kind: 'pglite',
    location: dataDir ?? '(memory)',
    pglite: db,
    prisma,
    repos: prismaRepositories(prisma),
    sql: runner(db, true),
    withAdvisoryLock: (_key, fn) => fn(),
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect();
      await db.close();
      if (dataDir) restrictDataDir(dataDir);
    },
  };
}
