import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * How the commands (`npm run keys|retention|verify|export|jobs|clocks …`) start and read their arguments; the database
 * side is in ./database.ts (kept apart so that commands without a database do not load it). Exit codes are the same
 * everywhere: 0 done, 1 done but something is wrong (a broken chain, a key that does not open a value), 2 bad arguments
 * or a crash.
 */

/** Whether the module at `moduleUrl` (its import.meta.url) is the script node was started with (not imported by a test). */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** Runs `main` when `moduleUrl` is the started script and exits with its code; a crash exits 2 with `<name> failed: …`. */
export function runWhenMain(moduleUrl: string, name: string, main: () => Promise<number>): void {
  if (!isMain(moduleUrl)) return;
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${name} failed: ${(err as Error).message}\n`);
      process.exit(2);
    },
  );
}

/** The parsed arguments, or null after writing the parser's message and `usage` to stderr (the caller returns 2). */
export function readArgs<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> | null {
  try {
    return parseArgs(config);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}`);
    return null;
  }
}
