// Run by scripts/build.mjs after tsc: the empty embedded-database cluster that a new data dir is unpacked from instead
// of running initdb at its first start (src/storage/database.ts: pgliteTemplate). Written next to the build, so it is
// remade with it (a source, tsconfig or lock file change, e.g. a new PGlite version). A failure here only costs time:
// without the file a new data dir runs initdb as before.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { pgliteTemplate } = await import(pathToFileURL(join(root, 'dist', 'src', 'storage', 'database.js')).href);
writeFileSync(join(root, 'dist', 'pglite-template.tar.gz'), await pgliteTemplate());
