import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's root folder (where package.json, playbooks/ and prisma/ live), found by walking up from this file.
 * Works the same from the TypeScript sources (src/core/data/root.ts, run by tsx or vitest) and from the compiled
 * build (dist/src/core/data/root.js, run by `npm start`), which sit at different depths.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'playbooks'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`Cannot find the project folder (package.json and playbooks/) above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export const PROJECT_ROOT = findRoot();
