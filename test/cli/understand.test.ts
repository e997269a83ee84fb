import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runUnderstandCli } from '../../src/cli/understand.js';

const ROOT = join(import.meta.dirname, '..', '..');

async function run(args: string[], input: string[] = []) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runUnderstandCli(args, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    lines: async function* () {
      yield* input;
    },
  });
  return { code, out, err };
}

describe('understand CLI', { timeout: 120_000 }, () => {
  it('detect --json prints one object per input line, empty lines included, with the bot’s own result', async () => {
    const r = await run(['detect', '--json'], ['我剛把全班名單傳到家長群組了', '提醒大家不要把名單傳到群組', '', '詐騙電話知道學生的名字']);
    expect(r.code).toBe(0);
    const lines = r.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(4);
    expect(Object.keys(lines[0]!)).toEqual(['text', 'leak', 'playbook', 'categories', 'matched']);
    expect(lines[0]).toMatchObject({
      text: '我剛把全班名單傳到家長群組了',
      leak: true,
      playbook: 'misdirected-message',
      categories: ['name'],
    });
    expect(lines[0]!.matched).toContain('名單+傳到+家長群組');
    expect(lines[1]).toEqual({ text: '提醒大家不要把名單傳到群組', leak: false, playbook: null, categories: [], matched: [] });
    expect(lines[2]).toMatchObject({ text: '', leak: false, playbook: null });
    expect(lines[3]).toMatchObject({ leak: true, playbook: 'general' });
  });

  it('detect without --json says report or no, why, and the text', async () => {
    const r = await run(['detect'], ['USB 掉了，裡面有學生成績', '明天開會']);
    expect(r.out[0]).toMatch(/^report {3}lost-media {2}\[usb\+掉了\] {2}categories: grades\n {4}USB 掉了/);
    expect(r.out[1]).toBe('no\n    明天開會');
  });

  it('eval prints the figures per corpus and exits 0 when the targets are met', async () => {
    const r = await run(['eval']);
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).toMatch(/detect-corpus\.yaml: \d+ reports, \d+ everyday messages/);
    expect(text).toMatch(/detect-holdout\.yaml/);
    expect(text).toMatch(/recall +\d+\.\d %/);
    expect(text).toContain('misdirected-message');
  });

  it('eval exits 1 and lists the misses when a target is missed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
    const file = join(dir, 'hard.yaml');
    writeFileSync(file, 'reports:\n  general:\n    - 今天天氣很好\n    - 個資外洩了\neveryday:\n  - 明天開會\n');
    const r = await run(['eval', '--corpus', file, '--json']);
    expect(r.code).toBe(1);
    const [result] = JSON.parse(r.out.join('\n')) as { evaluation: { recall: number; misses: { text: string }[] } }[];
    expect(result!.evaluation.recall).toBe(0.5);
    expect(result!.evaluation.misses.map((m) => m.text)).toEqual(['今天天氣很好']);
  });

  it('names a bad command, a missing corpus and a malformed one', async () => {
    expect((await run(['nope'])).err[0]).toMatch(/^unknown command "nope"/);
    expect((await run([])).code).toBe(2);
    const missing = await run(['eval', '--corpus', '/nonexistent/c.yaml']);
    expect(missing).toMatchObject({ code: 2, err: ['Cannot read /nonexistent/c.yaml: no such file.'] });
    const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
    writeFileSync(join(dir, 'bad.yaml'), 'reports: []\n');
    const bad = await run(['eval', '--corpus', join(dir, 'bad.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.err[0]).toContain('bad.yaml: reports:');
  });

  it('reads stdin when run as a script', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/understand.ts', 'detect', '--json'], { cwd: ROOT, timeout: 60_000 });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stdin.end('學校網站被駭客入侵\r\n請假單記得交\n');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { text: string; leak: boolean; playbook: string | null });
    expect(lines.map((l) => [l.text, l.leak, l.playbook])).toEqual([
      ['學校網站被駭客入侵', true, 'hacked-system'],
      ['請假單記得交', false, null],
    ]);
  });
});
