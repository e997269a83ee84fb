import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/core/data/root.js';
import { loadParsedYaml, parsedYamlEntries, parseYamlText } from '../../../src/core/data/yaml-file.js';

const dir = mkdtempSync(join(tmpdir(), 'pdi-parsed-yaml-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const playbookTexts = () => {
  const texts: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (/\.ya?ml$/.test(e.name)) texts.push(readFileSync(join(d, e.name), 'utf8'));
    }
  };
  walk(join(PROJECT_ROOT, 'playbooks'));
  return texts;
};

describe('data files parsed once (dist/parsed-yaml.json)', () => {
  it('every shipped data file can be stored parsed (nothing JSON cannot keep)', () => {
    const texts = playbookTexts();
    expect(texts.length).toBeGreaterThan(10);
    expect(Object.keys(parsedYamlEntries(texts))).toHaveLength(new Set(texts).size);
  });

  it('a text whose hash is stored is taken from the store; another text is parsed', () => {
    const [key] = Object.keys(parsedYamlEntries(['answer: 1\n']));
    const file = join(dir, 'parsed.json');
    writeFileSync(file, JSON.stringify({ [key!]: { answer: 'from the store' } }));
    expect(loadParsedYaml(file)).toBe(1);
    expect(parseYamlText('answer: 1\n')).toEqual({ value: { answer: 'from the store' }, errors: [] });
    expect(parseYamlText('answer: 2\n')).toEqual({ value: { answer: 2 }, errors: [] });
  });

  it('hands out copies, keeps no document with errors, and a missing store only means parsing', () => {
    const first = parseYamlText('list: [1, 2]\n').value as { list: number[] };
    first.list.push(3);
    expect(parseYamlText('list: [1, 2]\n').value).toEqual({ list: [1, 2] });
    expect(parseYamlText('a: [\n').errors).toHaveLength(1);
    expect(parsedYamlEntries(['a: [\n'])).toEqual({});
    expect(loadParsedYaml(join(dir, 'missing.json'))).toBe(0);
  });
});
