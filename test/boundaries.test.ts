import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without type declarations
import { check, MAX_LINES } from '../scripts/check-architecture.mjs';

type Result = { problems: string[] };

/** A small tree of its own, so every rule is seen failing. */
function tree(files: Record<string, string>): { dir: string; run: () => Result; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pdi-arch-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { dir, run: () => check(dir) as Result, done: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('architecture rules (scripts/check-architecture.mjs, npm run lint)', () => {
  it('hold for the repository', () => {
    expect((check() as Result).problems).toEqual([]);
  });

  it('catch a chat SDK in the core, an upward import, a cycle, an adapter reaching into storage or another adapter, an oversized file, a new Prisma user and a new holder of the client', () => {
    const t = tree({
      'src/core/ok.ts': "import { x } from './slack-words.js';\nimport type { Logger } from '../ports/logger.js';\n",
      'src/core/slack-words.ts': 'export const x = 1;\n',
      'src/ports/logger.ts': 'export type Logger = unknown;\n',
      'src/core/sdk.ts': 'import { messagingApi } from \'@line/bot-sdk\';\nimport type { WebClient } from "@slack/web-api";\n',
      'src/core/up.ts': "import { loadConfig } from '../app/config.js';\n",
      'src/app/config.ts': 'export const loadConfig = 1;\n',
      'src/core/a.ts': "import { b } from './b.js';\nexport const a = 1;\n",
      'src/core/b.ts': "import { a } from './a.js';\nexport const b = 1;\n",
      'adapters/line/x.ts': "import { openDatabase } from '../../src/storage/database.js';\nimport { y } from '../slack/y.js';\n",
      'adapters/slack/y.ts': 'export const y = 1;\n',
      'src/storage/database.ts': 'export const openDatabase = 1;\n',
      'src/core/big.ts': 'export const n = 1;\n'.repeat(MAX_LINES + 1),
      'src/core/rows.ts': "import type { Incident } from '../generated/prisma/client.js';\n",
      // Uses the client it is handed without importing its type (rule 6); a comment naming it does not count.
      'src/core/holder.ts': 'export const n = (deps: { prisma: any }) => deps.prisma.incident.count();\n',
      'src/core/commented.ts': '// deps.prisma was used here before the repositories\nexport const m = 1;\n',
      // Takes the client out of its deps and hands it on, never writing `prisma.` or `.prisma` itself.
      'src/core/passer.ts':
        'declare const f: (c: unknown) => void;\nexport const p = (deps: any) => {\n  const { prisma } = deps;\n  f(prisma);\n};\n',
    });
    try {
      const problems = t.run().problems.join('\n');
      expect(problems).toMatch(/src\/core\/sdk\.ts: imports the chat SDK "@line\/bot-sdk"/);
      expect(problems).toMatch(/src\/core\/sdk\.ts: imports the chat SDK "@slack\/web-api"/);
      expect(problems).toMatch(/src\/core\/up\.ts .* imports src\/app\/config\.ts from a higher layer/);
      expect(problems).toMatch(/import cycle: src\/core\/a\.ts → src\/core\/b\.ts/);
      expect(problems).toMatch(/adapters\/line\/x\.ts: an adapter imports storage/);
      expect(problems).toMatch(/adapters\/line\/x\.ts: imports another adapter/);
      expect(problems).toMatch(/src\/core\/big\.ts: \d+ lines/);
      expect(problems).toMatch(/src\/core\/rows\.ts: imports the Prisma client outside src\/storage/);
      expect(problems).toMatch(/src\/core\/holder\.ts: uses the database client outside src\/storage/);
      expect(problems).toMatch(/src\/core\/passer\.ts: uses the database client outside src\/storage/);
      expect(problems).not.toMatch(/src\/core\/commented\.ts/);
      expect(problems).not.toMatch(/src\/core\/ok\.ts/);
    } finally {
      t.done();
    }
  });
});
