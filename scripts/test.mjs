// `npm test`: lint and format check (Biome), type-check, then the whole vitest suite (PGlite always; PostgreSQL too in CI or with TEST_POSTGRES_URL),
// then one plain closing line "tests: N passed, N failed" that CI reads. Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const bin = (name) => join('node_modules', '.bin', name);
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: process.env }).status ?? 1;

if (!existsSync(join('src', 'generated', 'prisma'))) {
  if (run(process.execPath, ['scripts/prisma-generate.mjs']) !== 0) process.exit(1);
}
console.log('> lint and format check (biome check)');
if (run(bin('biome'), ['check', '--error-on-warnings', '.']) !== 0) {
  console.log('tests: 0 passed, 1 failed (lint: npm run lint shows where)');
  process.exit(1);
}
console.log('> type-check (tsc --noEmit)');
if (run(bin('tsc'), ['--noEmit', '-p', '.']) !== 0) {
  console.log('tests: 0 passed, 1 failed (type-check)');
  process.exit(1);
}

mkdirSync('.test-results', { recursive: true });
const report = join('.test-results', 'vitest.json');
rmSync(report, { force: true });
const code = run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)]);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
  if (r.numTotalTests === 0) {
    console.log('no test ran');
    process.exit(1);
  }
} else {
  console.log('tests: 0 passed, 1 failed (vitest did not produce a report)');
}
process.exit(code);
