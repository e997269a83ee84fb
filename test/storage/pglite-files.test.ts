import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, pgliteTemplate } from '../../src/storage/database.js';
import { migrate } from '../../src/storage/migrate.js';
import { MIGRATIONS_DIR, testEngine } from '../helpers/db.js';

/** Every file and folder under `dir` with its permission bits. */
function modes(dir: string): { path: string; dir: boolean; mode: number }[] {
  const out = [{ path: dir, dir: true, mode: statSync(dir).mode & 0o777 }];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...modes(p));
    else if (e.isFile()) out.push({ path: p, dir: false, mode: statSync(p).mode & 0o777 });
  }
  return out;
}

describe.skipIf(testEngine() !== 'pglite')('embedded database files', () => {
  let dir: string;
  let umask: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pdi-files-'));
    umask = process.umask();
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  it('are created 0600 in 0700 folders, and an older data folder is made private when opened', async () => {
    process.umask(0o022); // a typical login umask
    const dataDir = join(dir, 'pglite');
    const db = await openDatabase({ kind: 'pglite', dataDir });
    await migrate(db, MIGRATIONS_DIR);
    await db.sql.exec("CREATE TABLE later_table (x text); INSERT INTO later_table VALUES ('x')");
    await db.close();
    const all = modes(dataDir);
    expect(all.filter((f) => !f.dir).length).toBeGreaterThan(10);
    expect(all.filter((f) => (f.dir ? f.mode !== 0o700 : f.mode !== 0o600))).toEqual([]);

    // A folder left readable by an older version (or copied from a backup) is fixed at the next open.
    writeFileSync(join(dataDir, 'stray'), 'x', { mode: 0o644 });
    chmodSync(join(dataDir, 'stray'), 0o644);
    chmodSync(dataDir, 0o755);
    process.umask(0o022);
    const again = await openDatabase({ kind: 'pglite', dataDir });
    await again.close();
    expect(modes(dataDir).filter((f) => (f.dir ? f.mode !== 0o700 : f.mode !== 0o600))).toEqual([]);
  });

  it('a new data folder unpacked from the empty cluster of the build is the same database as one made by initdb, and private', async () => {
    process.umask(0o022);
    const template = join(dir, 'template.tar.gz');
    writeFileSync(template, await pgliteTemplate());
    const fromTemplate = join(dir, 'from-template');
    const fromInitdb = join(dir, 'from-initdb');
    const schemaOf = async (dataDir: string, withTemplate: boolean) => {
      const db = await openDatabase({ kind: 'pglite', dataDir, ...(withTemplate ? { template } : {}) });
      try {
        const m = await migrate(db, MIGRATIONS_DIR);
        await db.sql.exec("INSERT INTO school (id, name) VALUES ('s1', 'x')");
        const tables = await db.sql.query<{ t: string }>(
          "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
        );
        const settings = await db.sql.query<{ s: string }>(
          "SELECT current_setting('shared_buffers') || ' ' || current_setting('server_encoding') || ' ' || (SELECT datcollate FROM pg_database WHERE datname = current_database()) AS s",
        );
        return { applied: m.applied.length, tables: tables.map((r) => r.t), settings: settings[0]!.s };
      } finally {
        await db.close();
      }
    };
    const a = await schemaOf(fromTemplate, true);
    expect(a).toEqual(await schemaOf(fromInitdb, false));
    expect(a.applied).toBeGreaterThan(10);
    expect(modes(fromTemplate).filter((f) => (f.dir ? f.mode !== 0o700 : f.mode !== 0o600))).toEqual([]);
    // An existing data folder is opened as it is: the template is not unpacked over it (its data is still there).
    const sysid = 'SELECT system_identifier::text AS id FROM pg_control_system()';
    const again = await openDatabase({ kind: 'pglite', dataDir: fromTemplate, template });
    expect(await again.sql.query("SELECT id FROM school WHERE id = 's1'")).toHaveLength(1);
    const [first] = await again.sql.query<{ id: string }>(sysid);
    await again.close();
    // The template was used: a second folder made from it is the same cluster (initdb gives each a new identifier).
    const second = await openDatabase({ kind: 'pglite', dataDir: join(dir, 'from-template-2'), template });
    expect(await second.sql.query<{ id: string }>(sysid)).toEqual([first]);
    await second.close();
    const initdb = await openDatabase({ kind: 'pglite', dataDir: fromInitdb });
    expect(await initdb.sql.query<{ id: string }>(sysid)).not.toEqual([first]);
    await initdb.close();
  });
});
