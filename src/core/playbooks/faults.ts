import { existsSync, readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import type { z } from 'zod';
import { DataFileError, loadYamlData, parseYamlText } from '../data/yaml-file.js';
import { KNOWN_CLOCK_IDS } from './vocabulary.js';

/** Faults per file, so one start-up reports everything wrong in every file. */
export class Faults {
  private readonly byFile = new Map<string, string[]>();

  add(file: string, path: string, message: string): void {
    this.addRaw(file, `${path || '(document)'}: ${message}`);
  }

  addRaw(file: string, fault: string): void {
    const list = this.byFile.get(file) ?? [];
    list.push(fault);
    this.byFile.set(file, list);
  }

  has(file?: string): boolean {
    return file === undefined ? this.byFile.size > 0 : this.byFile.has(file);
  }

  throwIfAny(dir: string): void {
    if (this.byFile.size === 0) return;
    const entries = [...this.byFile.entries()];
    if (entries.length === 1) throw new DataFileError(entries[0]![0], entries[0]![1]);
    throw new DataFileError(
      dir,
      entries.flatMap(([file, faults]) => faults.map((f) => `${relative(dir, file)}: ${f}`)),
    );
  }
}

/** A data file read and validated, or undefined with its faults recorded. */
export function tryLoad<S extends z.ZodType>(file: string, schema: S, faults: Faults): z.output<S> | undefined {
  try {
    return loadYamlData(file, schema);
  } catch (err) {
    if (!(err instanceof DataFileError)) throw err;
    for (const f of err.faults) faults.addRaw(err.file, f);
    return undefined;
  }
}

/** Clock ids from playbooks/clocks.yaml when it exists (its own loader validates the rest), else the built-in list. */
export function readClockIds(file: string, faults: Faults): { ids: Set<string>; from: string } | undefined {
  if (!existsSync(file)) return { ids: new Set(KNOWN_CLOCK_IDS), from: 'the built-in list (no playbooks/clocks.yaml)' };
  const doc = parseYamlText(readFileSync(file, 'utf8'));
  if (doc.errors.length > 0) {
    faults.add(file, '', `cannot read the clock ids: YAML syntax error: ${doc.errors[0]}`);
    return undefined;
  }
  const clocks: unknown = (doc.value as { clocks?: unknown } | null)?.clocks;
  const ids = Array.isArray(clocks)
    ? clocks.map((c: unknown) => (c as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === 'string')
    : [];
  if (ids.length === 0) {
    faults.add(file, 'clocks', 'cannot read the clock ids: expected a list "clocks" whose entries have an "id"');
    return undefined;
  }
  return { ids: new Set(ids), from: basename(file) };
}
