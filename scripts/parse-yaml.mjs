// Part of `npm run build` (scripts/build.mjs, after tsc): the data files of playbooks/ parsed once, stored as
// dist/parsed-yaml.json (SHA-256 of each file's text → its parsed value). A start loads it instead of parsing the YAML
// (src/core/data/yaml-file.ts); validation still runs on every start, and a file edited since the build has another
// hash and is parsed as before.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { parsedYamlEntries } = await import(pathToFileURL(join(root, 'dist', 'src', 'core', 'data', 'yaml-file.js')).href);

const texts = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (/\.ya?ml$/.test(entry.name)) texts.push(readFileSync(path, 'utf8'));
  }
};
walk(join(root, 'playbooks'));
const entries = parsedYamlEntries(texts);
writeFileSync(join(root, 'dist', 'parsed-yaml.json'), JSON.stringify(entries));
process.stdout.write(`Parsed ${Object.keys(entries).length} of ${texts.length} data files into dist/parsed-yaml.json\n`);
