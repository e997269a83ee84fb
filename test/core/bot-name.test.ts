import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOT_NAME } from '../../src/core/bot-name.js';
import { T } from '../../src/core/conversation/texts.js';

/** One name for the bot everywhere (issue #12): the README's title name, from one constant. */
const ROOT = join(import.meta.dirname, '..', '..');
const SKIP = new Set(['node_modules', 'generated', '.git', 'data']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.(ts|js|mjs|html|md|ya?ml|json)$/.test(name) ? [path] : [];
  });
}

describe('the bot has one name', () => {
  it('is the name in the README title', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n')[0]).toBe(`# ${BOT_NAME} (pdi-responder)`);
    expect(T.help.split('\n')[0]).toBe(`我是${BOT_NAME}，可以協助：`);
  });

  it('no other spelling of the full name is left in the product, its docs or the Slack manifest', () => {
    const others = /個資小幫手|個資事件小幫手|個資應變小幫手/;
    const found = ['src', 'adapters', 'docs', 'playbooks', 'README.md']
      .flatMap((p) => (statSync(join(ROOT, p)).isDirectory() ? files(join(ROOT, p)) : [join(ROOT, p)]))
      .filter((f) => others.test(readFileSync(f, 'utf8')));
    expect(found).toEqual([]);
    expect(readFileSync(join(ROOT, 'adapters/slack/manifest.yaml'), 'utf8')).toContain(`display_name: ${BOT_NAME}`);
  });
});
