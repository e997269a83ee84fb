import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { readNaturalTime } from '../core/time/natural.js';
import { parseLocalDateTime } from '../core/time/roc.js';
import { toTaipeiIso } from '../core/time/taipei.js';

export const WHEN_USAGE = `Usage: npm run -s understand -- when [--now <time>] [--json]

Reads time expressions as staff type them (「昨天下午3點左右」, 「115/11/20 14:30」, 「三個小時前」), one per line on
stdin, with exactly the code the bot uses for its date-time fields (src/core/time/natural.ts), and prints one line
per input line. With --json: {"text", "at": "<ISO 8601 with +08:00>" | null, "approximate": true | false}.
"at" is null for text that is not a time, and for a time still in the future (these fields only take past times).

  --now <time>   the moment the expressions are read against (ISO 8601 with offset, or Taipei local
                 "2026-12-06 21:10"); default: the current time
  --json         JSON lines
  -h, --help     show this help

Exit codes: 0 done, 2 bad arguments.`;

export interface WhenLine {
  text: string;
  at: string | null;
  approximate: boolean;
}

/** One input line as the command prints it. */
export function whenLine(text: string, now: Date): WhenLine {
  const r = readNaturalTime(text, now);
  return r.ok ? { text, at: toTaipeiIso(r.at), approximate: r.approximate } : { text, at: null, approximate: false };
}

function human(l: WhenLine): string {
  return `${l.text}\t${l.at === null ? '(not a past time)' : `${l.at}${l.approximate ? '  approximate' : ''}`}`;
}

/** Standard input and output of the CLI (replaced in tests). */
export interface CliIO {
  input: NodeJS.ReadableStream;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Runs `when` with its arguments; returns the exit code. */
export async function runWhen(args: string[], io: CliIO): Promise<number> {
  let values: { now?: string | undefined; json?: boolean | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args,
      options: { now: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${WHEN_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(WHEN_USAGE);
    return 0;
  }
  let now = new Date();
  if (values.now !== undefined) {
    const d = parseLocalDateTime(values.now);
    if (!d) {
      io.err(
        `--now: cannot read "${values.now}"; give ISO 8601 with an offset (2026-12-06T21:10:00+08:00) or Taipei local time (2026-12-06 21:10).`,
      );
      return 2;
    }
    now = d;
  }
  const lines = createInterface({ input: io.input, crlfDelay: Infinity });
  for await (const text of lines) {
    const l = whenLine(text, now);
    io.out(values.json ? JSON.stringify(l) : human(l));
  }
  return 0;
}
