// `npm start` (MALLOC_TRIM_THRESHOLD_=131072 node --max-semi-space-size=8 --expose-gc scripts/start.mjs) and the
// image's CMD (the same, the setting in its ENV). MALLOC_TRIM_THRESHOLD_ fixes glibc malloc's trim threshold at its
// default (mallopt(3)), which stops glibc from raising it after large frees: V8's optimizing compiler allocates ~600 MB
// for one huge function of PGlite's WebAssembly while it starts and, with the raised threshold, 70–120 MB of it
// stayed resident (docs/performance.md); glibc reads it only at process start. --max-semi-space-size caps V8's young
// generation, which otherwise keeps ~170 MB of pages it grew while loading the modules; with --expose-gc the product
// runs one full collection once started (src/app/main.ts). Builds dist/ if a source changed since the last build, then
// runs the compiled product in this same process (no child process: a SIGTERM or Ctrl+C sent to `npm start` reaches
// the product itself, which stops the HTTP server, hands back its jobs and closes the database before exiting).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, isStale } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (isStale()) {
  process.stdout.write('Building the product (tsc → dist/; only after a change)…\n');
  const code = build();
  if (code !== 0) {
    process.stderr.write('\nCannot start: the build failed (see the TypeScript errors above).\n');
    process.exit(code);
  }
}
// `npm start` runs this file through a shell (npm → sh → node). npm forwards a SIGTERM to the shell, which dies
// without passing it on, leaving this process orphaned and still serving. So when our parent goes away we stop
// ourselves exactly as on SIGTERM (the product's handler in src/app/main.ts). Portable: no `exec` in the npm script.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
}, 250).unref();

// The bundled start-up path (scripts/bundle.mjs) when the build made it, else the compiled modules.
const bundle = join(root, 'dist', 'bundle', 'main.js');
await import(pathToFileURL(existsSync(bundle) ? bundle : join(root, 'dist', 'src', 'app', 'main.js')).href);
