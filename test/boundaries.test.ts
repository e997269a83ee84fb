import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without type declarations
import { offenders } from '../scripts/check-boundaries.mjs';

describe('architecture boundary: the core never imports a chat SDK', () => {
  it('src/ imports no chat SDK', () => {
    expect(offenders('src')).toEqual([]);
  });

  it('the check catches each SDK when planted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pdi-boundary-'));
    try {
      mkdirSync(join(dir, 'core'));
      writeFileSync(join(dir, 'core', 'ok.ts'), "import { x } from './slack-words.js';\n");
      writeFileSync(join(dir, 'core', 'a.ts'), "import { messagingApi } from '@line/bot-sdk';\n");
      writeFileSync(join(dir, 'core', 'b.ts'), "import { App } from '@slack/bolt';\n");
      writeFileSync(join(dir, 'core', 'c.ts'), "import { Client } from 'discord.js';\n");
      writeFileSync(join(dir, 'core', 'd.ts'), "import type { WebClient } from \"@slack/web-api\";\n");
      expect((offenders(dir) as string[]).map((p) => p.split('/').pop()).sort()).toEqual(['a.ts', 'b.ts', 'c.ts', 'd.ts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
