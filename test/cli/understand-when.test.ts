import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/understand.js';
import { parseNaturalTime } from '../../src/core/time/natural.js';
import { toTaipeiIso } from '../../src/core/time/taipei.js';

const ROOT = join(import.meta.dirname, '..', '..');
const NOW = '2026-12-06T21:10:00+08:00';

async function run(argv: string[], input: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { input: Readable.from([input]), out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('understand when', () => {
  it('prints one JSON object per input line, with the bot’s own reading', async () => {
    const lines = ['昨天下午3點左右', '115/11/20 14:30', '明天', 'abc', '', '三個小時前'];
    const { code, out } = await run(['when', '--now', NOW, '--json'], `${lines.join('\n')}\n`);
    expect(code).toBe(0);
    const rows = out.map((l) => JSON.parse(l) as { text: string; at: string | null; approximate: boolean });
    expect(rows.map((r) => r.text)).toEqual(lines);
    expect(rows[0]).toEqual({ text: '昨天下午3點左右', at: '2026-12-05T15:00:00+08:00', approximate: true });
    expect(rows[1]).toEqual({ text: '115/11/20 14:30', at: '2026-11-20T14:30:00+08:00', approximate: false });
    expect(rows[2]).toEqual({ text: '明天', at: null, approximate: false });
    expect(rows[3]!.at).toBeNull();
    expect(rows[4]!.at).toBeNull();
    // the same code as the bot
    const bot = parseNaturalTime('三個小時前', new Date(NOW))!;
    expect(rows[5]).toEqual({ text: '三個小時前', at: toTaipeiIso(bot.at), approximate: bot.approximate });
  });

  it('reads CRLF input and prints a readable line without --json', async () => {
    const { out } = await run(['when', '--now', '2026-12-06 21:10'], '下午3點\r\n看不懂\r\n');
    expect(out).toEqual(['下午3點\t2026-12-06T15:00:00+08:00', '看不懂\t(not a past time)']);
  });

  it('refuses a bad --now or an unknown command in English, exit 2', async () => {
    const bad = await run(['when', '--now', 'yesterday-ish'], '');
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).toMatch(/--now: cannot read "yesterday-ish"/);
    const unknown = await run(['nope'], '');
    expect(unknown.code).toBe(2);
    expect(unknown.err.join('\n')).toMatch(/unknown command "nope"/i);
  });

  it('runs as the npm script does (tsx src/cli/understand.ts)', async () => {
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/understand.ts', 'when', '--now', NOW, '--json'], {
        cwd: ROOT,
        timeout: 150_000,
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
      child.stdin.end('11月5日早上\n');
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toEqual({ text: '11月5日早上', at: '2026-11-05T06:00:00+08:00', approximate: true });
  }, 180_000);
});
