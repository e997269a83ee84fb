// The architecture rules, checked from the code's own imports (run by `npm run lint` and test/boundaries.test.ts).
// docs/architecture.md explains the layers. What is checked:
//   1. layers read top-down: a file imports only from its own layer or a lower one (ENTRY_POINTS excepted: operator
//      commands that sit beside their adapter and load the configuration);
//   2. no import cycles between files;
//   3. the core (src/) never imports a chat SDK; an adapter never imports src/storage/ or another adapter;
//   4. no file over MAX_LINES, except the files of OVERSIZE, each held to the size it has now (a ratchet: they may only
//      shrink, and leave the list once under the limit; issue #17 splits them);
//   5. the Prisma client imported only in src/storage/: the core, the jobs, the web routes and the adapters reach the
//      database through the repositories of src/ports/repositories/ (issue #17 step 3 moved the last of them);
//   6. nor used (`deps.prisma`, `prisma.…`, a `prisma` taken out of deps and handed on) in src/core, src/jobs, src/web,
//      src/ports or adapters/: a file can use a client it is handed without importing its type, so rule 5 alone does
//      not see it (src/app and src/cli, which build the client and hand it to storage, are not counted).
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
export const MAX_LINES = 500;

/** Lowest first. A folder not listed is not checked (tests, benchmarks, scripts). */
export const LAYERS = [
  ['src/ports', 'src/generated'],
  ['src/core'],
  ['src/storage'],
  ['src/jobs', 'src/web'],
  ['adapters'],
  ['src/app'],
  ['src/cli'],
];

const ENTRY_POINTS = new Set(['adapters/line/cli.ts']);

export const OVERSIZE = {};

export const CHAT_SDKS = /^(@line\/bot-sdk|@slack\/|discord\.js|@discordjs\/)/;

function files(root) {
  const out = [];
  const walk = (d) => {
    if (!existsSync(join(root, d))) return;
    for (const name of readdirSync(join(root, d))) {
      const p = join(d, name);
      if (name === 'generated' || name === 'node_modules') continue;
      if (statSync(join(root, p)).isDirectory()) walk(p);
      else if (/\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk('src');
  walk('adapters');
  return out;
}

const IMPORT_RE =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,]+?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every import of a file: [specifier, resolved repository path or null for a package]. */
const withoutComments = (text) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
/** Where rule 6 looks, and what counts as using the client. */
const HOLDER_SCOPE = /^(src\/(core|jobs|web|ports)|adapters)\//;
// Any use of the name `prisma` (deps.prisma, `const { prisma } = this.deps` then `f(prisma, …)`, a prisma parameter).
const CLIENT_USE = /\bprisma\b/;

function importsOf(root, file) {
  const text = withoutComments(readFileSync(join(root, file), 'utf8'));
  const out = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2];
    if (!spec.startsWith('.')) {
      out.push([spec, null]);
      continue;
    }
    let target = relative(root, resolve(dirname(join(root, file)), spec));
    if (target.endsWith('.js') && !existsSync(join(root, target))) target = target.replace(/\.js$/, '.ts');
    out.push([spec, target]);
  }
  return out;
}

export function layerOf(path) {
  for (let i = 0; i < LAYERS.length; i++) if (LAYERS[i].some((l) => path === l || path.startsWith(`${l}/`))) return i;
  return -1;
}

/** Checks the tree at `root` (the repository by default; tests pass a small tree of their own). */
export function check(root = ROOT) {
  const problems = [];
  const graph = new Map();
  const prismaUsers = [];
  const prismaHolders = [];
  for (const file of files(root)) {
    const layer = layerOf(file);
    const edges = [];
    const source = readFileSync(join(root, file), 'utf8');
    const lines = source.split('\n').length;
    if (HOLDER_SCOPE.test(file) && CLIENT_USE.test(withoutComments(source))) prismaHolders.push(file);
    const allowed = OVERSIZE[file];
    if (allowed === undefined && lines > MAX_LINES) problems.push(`${file}: ${lines} lines (limit ${MAX_LINES}); split it by concern`);
    if (allowed !== undefined && lines > allowed)
      problems.push(`${file}: ${lines} lines, over its recorded ${allowed} (it may only shrink)`);
    for (const [spec, target] of importsOf(root, file)) {
      if (target === null) {
        if (file.startsWith('src/') && CHAT_SDKS.test(spec))
          problems.push(`${file}: imports the chat SDK "${spec}" (platform code belongs in adapters/)`);
        continue;
      }
      if (target.startsWith('src/generated/prisma') && !file.startsWith('src/storage/')) prismaUsers.push(file);
      if (target.startsWith('src/generated')) continue;
      edges.push(target);
      const to = layerOf(target);
      if (layer >= 0 && to > layer && !ENTRY_POINTS.has(file))
        problems.push(`${file} (${LAYERS[layer].join(', ')}) imports ${target} from a higher layer (${LAYERS[to].join(', ')})`);
      if (file.startsWith('adapters/')) {
        const own = file.split('/')[1];
        if (target.startsWith('src/storage/'))
          problems.push(`${file}: an adapter imports storage (${target}); go through the core or a port`);
        if (target.startsWith('adapters/') && target.split('/')[1] !== own) problems.push(`${file}: imports another adapter (${target})`);
      }
    }
    graph.set(file, edges);
  }
  for (const cycle of cycles(graph)) problems.push(`import cycle: ${cycle.join(' → ')}`);
  const users = [...new Set(prismaUsers)].sort();
  for (const f of users) problems.push(`${f}: imports the Prisma client outside src/storage/ (use or add a repository in src/storage/)`);
  for (const f of prismaHolders)
    problems.push(`${f}: uses the database client outside src/storage/ (use or add a repository: src/ports/repositories/)`);
  for (const f of Object.keys(OVERSIZE)) {
    if (existsSync(join(root, f)) && readFileSync(join(root, f), 'utf8').split('\n').length <= MAX_LINES)
      problems.push(`${f}: now under ${MAX_LINES} lines; remove it from OVERSIZE in scripts/check-architecture.mjs`);
  }
  return { problems, prismaUsers: users, prismaHolders: prismaHolders.sort() };
}

/** Strongly connected components with more than one file (Tarjan). */
function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { problems } = check();
  if (problems.length) {
    console.error(`architecture check failed (${problems.length}):\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(
    'architecture ok: layers top-down, no cycles, no SDK in src/, adapters apart, file sizes within their records, the database client only in storage',
  );
}
