// Part of `npm run build` (scripts/build.mjs, after tsc): the product's start-up path as one ES module graph of a few
// files (esbuild → dist/bundle/main.js and its lazily loaded chunks) instead of ~700 modules that Node resolves and
// compiles one by one (docs/performance.md, third pass). npm start runs it when present, else dist/src/app/main.js.
// Left outside, loaded from node_modules as before: packages that read files beside their own code (PGlite's
// WebAssembly, pdfkit's and the fonts' data, pino's transport worker), the chat SDKs, and packages the product loads
// only on first use through import() (their exports as Node gives them).
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const EXTERNAL = [
  '@electric-sql/pglite',
  '@electric-sql/pglite/*',
  'pdfkit',
  'fontkit',
  '@expo-google-fonts/*',
  'pino',
  'pino-pretty',
  'prom-client',
  'pg-boss',
  'jszip',
  'file-type',
  'docx',
  '@line/bot-sdk',
  '@slack/*',
  'discord.js',
  '@discordjs/*',
];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'dist', 'src', 'app', 'main.js')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  splitting: true,
  outdir,
  external: EXTERNAL,
  // Bundled CommonJS packages call require() for Node's own modules.
  banner: { js: "import { createRequire as __pdiCreateRequire } from 'node:module'; const require = __pdiCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
process.stdout.write('Bundled the start-up path into dist/bundle/\n');
