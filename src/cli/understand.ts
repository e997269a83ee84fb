import { isMain } from './entry.js';
import { WHEN_USAGE, runWhen } from './understand-when.js';

/**
 * `npm run -s understand -- <subcommand>`: the product's language layer, exposed so it can be measured from outside
 * with exactly the code the bot uses.
 */
export const USAGE = `Usage: npm run -s understand -- <command> [options]

Commands:
  when    read time expressions, one per line on stdin (--now <time>, --json)

Run a command with --help for its options.`;

export interface CliIO {
  input: NodeJS.ReadableStream;
  out: (line: string) => void;
  err: (line: string) => void;
}

const STDIO: CliIO = { input: process.stdin, out: (l) => console.log(l), err: (l) => console.error(l) };

export async function main(argv: string[], io: CliIO = STDIO): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'when':
      return runWhen(rest, io);
    case '-h':
    case '--help':
    case 'help':
      io.out(`${USAGE}\n\n${WHEN_USAGE}`);
      return 0;
    default:
      io.err(`${command ? `Unknown command "${command}".` : 'No command given.'}\n\n${USAGE}`);
      return 2;
  }
}

if (isMain(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
