import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { z } from 'zod';

/**
 * A data file (playbook, clock rules, calendar, template) that cannot be used.
 * The message names the file and the exact place of the fault so an operator can fix it.
 */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    readonly faults: string[],
  ) {
    super(`${file}: ${faults.length === 1 ? faults[0] : `\n  - ${faults.join('\n  - ')}`}`);
    this.name = 'DataFileError';
  }
}

type Yaml = typeof import('yaml');
let yamlModule: Yaml | undefined;
/** The YAML parser, loaded on the first text that is not in the parsed cache (a start from the build's cache never loads it). */
const yaml = (): Yaml => (yamlModule ??= createRequire(import.meta.url)('yaml') as Yaml);

/**
 * YAML texts already parsed, by SHA-256 of the text: each data file is parsed once per process (playbooks/clocks.yaml
 * is read by the playbook check and by the clock rules), and `npm run build` stores the shipped playbooks/ parsed
 * (dist/parsed-yaml.json, scripts/parse-yaml.mjs), which a start loads instead of parsing. An edited file has another
 * hash, so it is parsed as before; only documents without errors are kept. Values are handed out as copies.
 */
const parsedByHash = new Map<string, unknown>();
const hashOf = (text: string) => createHash('sha256').update(text).digest('base64url');

/** Where a YAML syntax error is (1-based line and column) and the parser's code for it (`BAD_INDENT`, `DUPLICATE_KEY`, …). */
export interface YamlErrorAt {
  line: number;
  col: number;
  code: string;
}

/** YAML text to plain data, or its syntax errors (first line of each; `at`: where each is, in the same order). */
export function parseYamlText(text: string): { value: unknown; errors: string[]; at?: YamlErrorAt[] } {
  const key = hashOf(text);
  if (parsedByHash.has(key)) return { value: structuredClone(parsedByHash.get(key)), errors: [] };
  const doc = yaml().parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0)
    return {
      value: undefined,
      errors: doc.errors.map((e) => e.message.split('\n')[0] ?? e.message),
      at: doc.errors.map((e) => ({ line: e.linePos?.[0].line ?? 0, col: e.linePos?.[0].col ?? 0, code: e.code })),
    };
  const value: unknown = doc.toJS();
  parsedByHash.set(key, structuredClone(value));
  return { value, errors: [] };
}

/** What `npm run build` stores: each text's hash with its parsed value (JSON), for texts whose value JSON keeps intact. */
export function parsedYamlEntries(texts: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const text of texts) {
    const { value, errors } = parseYamlText(text);
    if (errors.length === 0 && isJsonSafe(value)) out[hashOf(text)] = value;
  }
  return out;
}

function isJsonSafe(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJsonSafe);
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v as object).every(isJsonSafe);
  return false;
}

/** Loads the build's parsed data files (see parsedByHash); a missing or unreadable file only means parsing. */
export function loadParsedYaml(file: string): number {
  let entries: Record<string, unknown>;
  try {
    entries = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return 0;
  }
  for (const [key, value] of Object.entries(entries)) parsedByHash.set(key, value);
  return Object.keys(entries).length;
}

/** Parse YAML text and validate it with a zod schema; every fault is reported with its path in the document. */
export function parseYamlData<S extends z.ZodType>(file: string, text: string, schema: S): z.output<S> {
  const doc = parseYamlText(text);
  if (doc.errors.length > 0) {
    throw new DataFileError(
      file,
      doc.errors.map((e) => `YAML syntax error: ${e}`),
    );
  }
  const result = schema.safeParse(doc.value);
  if (!result.success) {
    throw new DataFileError(
      file,
      result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(document)'}: ${i.message}`),
    );
  }
  return result.data;
}

/** Read, parse and validate a YAML data file. */
export function loadYamlData<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DataFileError(file, [`cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  return parseYamlData(file, text, schema);
}
