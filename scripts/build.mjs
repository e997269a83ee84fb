// `npm run build` (also run by `npm install` and, when the sources changed, by `npm start`): compiles the product
// (src/ and adapters/, including the generated Prisma client) to dist/ with tsc, so that the product starts as plain
// JavaScript in about a second instead of compiling TypeScript at every start. `--if-stale` builds only when a source
// file, tsconfig or the lock file is newer than the last build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.built');

function newestMtime(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) {
    if (name === 'public' || name === 'node_modules') continue; // the chat page's static files are served, not built
    newest = Math.max(newest, newestMtime(join(path, name)));
  }
  return newest;
}

export function isStale() {
  const built = statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const inputs = ['src', 'adapters', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
  return inputs.some((p) => newestMtime(join(root, p)) > built);
}

export function build() {
  if (!existsSync(join(root, 'src', 'generated', 'prisma'))) {
    const gen = spawnSync(process.execPath, [join(root, 'scripts', 'prisma-generate.mjs')], { cwd: root, stdio: 'inherit' });
    if (gen.status !== 0) return gen.status ?? 1;
  }
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const res = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) return res.status ?? 1;
  // The shipped data files parsed once (scripts/parse-yaml.mjs); optional: without it a start parses the YAML.
  const parsed = spawnSync(process.execPath, [join(root, 'scripts', 'parse-yaml.mjs')], { cwd: root, stdio: 'inherit' });
  if (parsed.status !== 0) process.stderr.write('Warning: could not make dist/parsed-yaml.json; a start will parse the playbooks.\n');
  // The start-up path in a few files (scripts/bundle.mjs); optional: without it npm start runs dist/src as compiled.
  const bundled = spawnSync(process.execPath, [join(root, 'scripts', 'bundle.mjs')], { cwd: root, stdio: 'inherit' });
  if (bundled.status !== 0) {
    rmSync(join(root, 'dist', 'bundle'), { recursive: true, force: true });
    process.stderr.write('Warning: could not bundle dist/; npm start runs the compiled modules (slower start).\n');
  }
  // The empty embedded database a new data dir starts from (scripts/pglite-template.mjs); optional.
  const tpl = spawnSync(process.execPath, [join(root, 'scripts', 'pglite-template.mjs')], { cwd: root, stdio: 'inherit' });
  if (tpl.status !== 0)
    process.stderr.write(
      'Warning: could not make dist/pglite-template.tar.gz; a new embedded data dir will run initdb (slower first start).\n',
    );
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);
  process.stdout.write('Building the product (tsc → dist/)…\n');
  process.exit(build());
}
