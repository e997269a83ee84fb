// The command line of `npm start` (package.json), for the benches that start the product as it does without npm's own
// process in between: the environment settings before `node` (e.g. MALLOC_TRIM_THRESHOLD_) and Node's flags.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StartCommand {
  env: Record<string, string>;
  flags: string[];
}

export function startCommand(dir: string): StartCommand {
  const words = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(/\s+/);
  const env: Record<string, string> = {};
  for (const w of words) {
    const m = /^([A-Z_][A-Z0-9_]*)=(\S*)$/.exec(w);
    if (!m) break;
    env[m[1]!] = m[2]!;
  }
  return { env, flags: words.filter((w) => w.startsWith('--')) };
}
