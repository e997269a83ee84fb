import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DataFileError } from '../core/data/yaml-file.js';
import { evaluateDetection, formatEvaluation, loadCorpus, type Evaluation } from '../core/playbooks/evaluate.js';
import { GENERAL_PLAYBOOK_ID, loadPlaybookLibrary, type PlaybookLibrary } from '../core/playbooks/index.js';
import { isMain } from './entry.js';
import { WHEN_USAGE, runWhen, type CliIO } from './understand-when.js';

/** The labelled corpora `eval` measures by default: the tuning corpus and the held-out set. */
export const DEFAULT_CORPORA = ['detect-corpus.yaml', 'detect-holdout.yaml'].map((f) =>
  fileURLToPath(new URL(`../../test/data/${f}`, import.meta.url)),
);

export const USAGE = `Usage: npm run -s understand -- <command> [options]

Exposes the bot's language layer, exactly the code the chat uses, so it can be checked from outside.

  detect [--json]              reads messages, one per line on stdin, and prints for each whether the bot
                               would offer a report: with --json one object per line,
                               {"text","leak","playbook","categories","matched"} (playbook null when not a
                               report, "general" when only general words matched)
  when --now <time> [--json]   reads time expressions, one per line on stdin, and prints how the bot reads
                               each (see below)
  eval [--corpus <file>]...    measures detection on labelled corpora (default: test/data/detect-corpus.yaml
       [--json]                and test/data/detect-holdout.yaml): recall, false alarms, right playbook,
                               per playbook, and the misses; exit 1 when a target is missed
  --playbooks <dir>            playbook data (default: playbooks/)
  -h, --help                   show this help

Exit codes: 0 done, 1 a target missed or a data file is invalid, 2 bad arguments.

${WHEN_USAGE}`;

export interface UnderstandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Lines of standard input. */
  lines: () => AsyncIterable<string>;
}

class UsageError extends Error {}

/** One detection as the JSON line of `detect --json`. */
export function detectionJson(lib: PlaybookLibrary, text: string) {
  const r = lib.detect(text);
  return {
    text,
    leak: r.isLeakReport,
    playbook: r.isLeakReport ? (r.scenario ?? GENERAL_PLAYBOOK_ID) : null,
    categories: r.categories,
    matched: r.matched,
  };
}

async function detect(lib: PlaybookLibrary, json: boolean, io: UnderstandIo): Promise<void> {
  for await (const raw of io.lines()) {
    // Every line gets an answer, empty ones too, so answers line up with the input.
    const d = detectionJson(lib, raw.replace(/\r$/u, ''));
    if (json) {
      io.out(JSON.stringify(d));
      continue;
    }
    const why = d.matched.length ? `  [${d.matched.join(', ')}]` : '';
    const cats = d.categories.length ? `  categories: ${d.categories.join(', ')}` : '';
    io.out(`${d.leak ? `report   ${d.playbook}` : 'no'}${why}${cats}\n    ${d.text}`);
  }
}

function evaluate(lib: PlaybookLibrary, files: string[], json: boolean, io: UnderstandIo): number {
  const results: { corpus: string; evaluation: Evaluation }[] = files.map((corpus) => ({
    corpus,
    evaluation: evaluateDetection(loadCorpus(corpus), (t) => lib.detect(t)),
  }));
  if (json) io.out(JSON.stringify(results, null, 2));
  else io.out(results.map((r) => formatEvaluation(relative(process.cwd(), r.corpus) || r.corpus, r.evaluation)).join('\n\n'));
  return results.every((r) => r.evaluation.meetsTargets) ? 0 : 1;
}

/** `when` reads standard input as a stream (times are read line by line with their own options). */
export async function main(
  argv: string[],
  io: CliIO = { input: process.stdin, out: (l) => console.log(l), err: (l) => console.error(l) },
): Promise<number> {
  if (argv[0] === 'when') return runWhen(argv.slice(1), io);
  return runUnderstandCli(argv, { out: io.out, err: io.err, lines: () => createInterface({ input: io.input, crlfDelay: Infinity }) });
}

/** Runs the detection commands (detect, eval); resolves to the exit code. */
export async function runUnderstandCli(argv: string[], io: UnderstandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean', default: false },
        corpus: { type: 'string', multiple: true, default: [] as string[] },
        playbooks: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: args, positionals } = parsed;
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  try {
    const [command, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    const lib = () => loadPlaybookLibrary(args.playbooks);
    switch (command) {
      case 'detect':
        await detect(lib(), args.json, io);
        return 0;
      case 'eval':
        return evaluate(lib(), args.corpus.length ? args.corpus : DEFAULT_CORPORA, args.json, io);
      case undefined:
        throw new UsageError('name a command: detect or eval');
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof DataFileError) {
      io.err(`A data file is invalid. Fix it and run again.\n${err.message}`);
      return 1;
    }
    if (err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOENT') {
      io.err(`Cannot read ${(err as NodeJS.ErrnoException).path ?? 'a file'}: no such file.`);
      return 2;
    }
    if (err instanceof Error && err.message.includes('expected "reports:')) {
      io.err(err.message);
      return 1;
    }
    throw err;
  }
}

if (isMain(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
