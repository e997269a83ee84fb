import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
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

/** Parse YAML text and validate it with a zod schema; every fault is reported with its path in the document. */
export function parseYamlData<S extends z.ZodType>(file: string, text: string, schema: S): z.output<S> {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new DataFileError(
      file,
      doc.errors.map((e) => `YAML syntax error: ${e.message.split('\n')[0]}`),
    );
  }
  const result = schema.safeParse(doc.toJS());
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
