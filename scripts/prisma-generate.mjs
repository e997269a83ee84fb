// Generates the Prisma client (src/generated/prisma) on install, also on machines without internet access:
// the Prisma CLI insists on a native schema engine it downloads, which generation never runs. Where no engine was
// downloaded we point the CLI at a stand-in (see docs/toolchain.md); where a real one exists, nothing changes.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const enginesDir = join(root, 'node_modules', '@prisma', 'engines');
const hasEngine =
  process.env.PRISMA_SCHEMA_ENGINE_BINARY || (existsSync(enginesDir) && readdirSync(enginesDir).some((f) => f.startsWith('schema-engine')));
const env = { ...process.env, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' };
if (!hasEngine) env.PRISMA_SCHEMA_ENGINE_BINARY = join(root, 'scripts', 'schema-engine-standin.sh');

const res = spawnSync(process.execPath, [join(root, 'node_modules', 'prisma', 'build', 'index.js'), 'generate'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
process.exit(res.status ?? 1);
