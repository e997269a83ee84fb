import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/clocks.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

type JsonClock = Record<string, unknown> & { id: string };
const byId = (list: JsonClock[], id: string) => list.find((c) => c.id === id);

const EXAMPLE = ['--occurred', '2026-11-05 10:00', '--aware', '2026-11-05T15:00', '--now', '2026-11-05 16:00'];

describe.concurrent('clocks CLI', { timeout: 120_000 }, () => {
  it('prints only JSON with ISO +08:00 times for the worked example', async () => {
    const r = await run([...EXAMPLE, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const list = JSON.parse(r.stdout) as JsonClock[];
    const bureau = byId(list, 'bureau-3d');
    expect(bureau).toMatchObject({
      label: '3日內通報主管機關',
      basis: '私立高級中等以下學校及幼兒園個人資料檔案安全維護計畫實施辦法第13條第3項',
      startsAt: '2026-11-05T10:00:00+08:00',
      statutoryEnd: '2026-11-10T00:00:00+08:00',
      // Counting the day of occurrence as day 1 gives Sat 11/07; the cautious target moves back to Fri 11/06.
      recommendedBy: '2026-11-07T00:00:00+08:00',
      overdueAtAwareness: false,
      rolledOver: true,
      enabled: true,
      applies: true,
    });
    for (const c of list) {
      for (const key of ['id', 'label', 'basis', 'startsAt', 'statutoryEnd', 'recommendedBy', 'overdueAtAwareness']) {
        expect(c, `${c.id}.${key}`).toHaveProperty(key);
      }
    }
    // Not applicable without --system; the draft report clock is listed for its thresholds.
    expect(byId(list, 'cyber-1h')).toBeUndefined();
    expect(byId(list, 'pdpa2025-report-72h')).toMatchObject({ enabled: false, applies: false, thresholds: { met: false } });
    expect(byId(list, 'closure-1m')).toMatchObject({ pending: true, statutoryEnd: null });
    expect(byId(list, 'contain-4h')).toMatchObject({ statutoryEnd: '2026-11-05T19:00:00+08:00', overdueNow: false });
  });

  it('gives the same answer whatever the machine time zone', async () => {
    const a = await run([...EXAMPLE, '--json'], { TZ: 'America/Los_Angeles' });
    const b = await run([...EXAMPLE, '--json'], { TZ: 'Asia/Tokyo' });
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(byId(JSON.parse(a.stdout) as JsonClock[], 'bureau-3d')?.statutoryEnd).toBe('2026-11-10T00:00:00+08:00');
  });

  it('prints a zh-TW table with ROC dates', async () => {
    const r = await run([...EXAMPLE, '--system', '--records', '150']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('個資事件法定期限（設定：私立學校（預設））');
    // A calculator with no school: it says so, and where the school's own profile is (scen1 finding 10).
    expect(r.stdout).toContain('本工具不讀取學校設定');
    const chosen = await run([...EXAMPLE, '--profile', 'public-school']);
    expect(chosen.stdout).toContain('個資事件法定期限（設定：公立學校）');
    expect(chosen.stdout).not.toContain('本工具不讀取學校設定');
    expect(r.stdout).toMatch(/3日內通報主管機關\s+學校\s+115\/11\/09（一）24:00\s+115\/11\/06（五）24:00\s+進行中/);
    expect(r.stdout).toContain('法定期限：中華民國115年11月9日 24:00');
    expect(r.stdout).toContain('1小時內資安事件通報');
    expect(r.stdout).toContain('受影響個資達100筆以上：符合（本案：150筆）');
    expect(r.stdout).toContain('未啟用之規則');
  });

  it('says at once when bureau-3d was overdue at awareness', async () => {
    const r = await run(['--occurred', '115/11/02 09:00', '--aware', '115/11/06 09:00', '--json']);
    expect(r.code).toBe(0);
    const bureau = byId(JSON.parse(r.stdout) as JsonClock[], 'bureau-3d');
    expect(bureau).toMatchObject({ overdueAtAwareness: true, recommendedMissedAtAwareness: true });
    const text = await run(['--occurred', '115/11/02 09:00', '--aware', '115/11/06 09:00']);
    expect(text.stdout).toMatch(/3日內通報主管機關.*知悉時已逾期/);
    expect(text.stdout).toContain('已經屆滿');
  });

  it('switches profiles and single clocks', async () => {
    const on = JSON.parse((await run([...EXAMPLE, '--special', '--profile', 'pdpa-2025-draft', '--json'])).stdout) as JsonClock[];
    expect(byId(on, 'pdpa2025-notify-72h')).toMatchObject({ enabled: true, statutoryEnd: '2026-11-08T15:00:00+08:00' });
    expect(byId(on, 'pdpa2025-report-72h')).toMatchObject({ enabled: true, applies: true });
    const off = JSON.parse(
      (await run([...EXAMPLE, '--disable', 'bureau-3d', '--enable', 'pdpa2025-notify-72h', '--json'])).stdout,
    ) as JsonClock[];
    expect(byId(off, 'bureau-3d')?.enabled).toBe(false);
    expect(byId(off, 'pdpa2025-notify-72h')?.enabled).toBe(true);
  });

  it('warns on stderr and leaves the statutory end empty when the calendar lacks a year (before the derived ones)', async () => {
    const r = await run(['--occurred', '2023-12-28 09:00', '--aware', '2023-12-28 10:00', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: bureau-3d');
    expect(r.stderr).toContain('add playbooks/calendars/2023.yaml');
    const bureau = byId(JSON.parse(r.stdout) as JsonClock[], 'bureau-3d');
    expect(bureau?.statutoryEnd).toBeNull();
    // Day 3 is Sat 2023-12-30: without a calendar the target still avoids the weekend (Fri 12/29).
    expect(bureau?.recommendedBy).toBe('2023-12-30T00:00:00+08:00');
  });

  it('counts a year without an office calendar (2028) on the calendar derived from the law, saying it is provisional', async () => {
    const r = await run(['--occurred', '2027-12-29 09:00', '--aware', '2027-12-29 10:00']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    // Sat 2028-01-01 → Mon 01-03; target Thu 12-30 (Fri 12-31 is the day off for New Year's Day 2028).
    expect(r.stdout).toContain('117/01/03');
    expect(r.stdout).toContain('尚未經人事行政總處公告確認');
  });

  it.each([
    [['--aware', '2026-11-05 10:00'], '--occurred is required'],
    [['--occurred', '2026-11-05 10:00'], '--aware is required'],
    [['--occurred', '2026-02-30 10:00', '--aware', '2026-03-01 10:00'], 'is not a date-time'],
    [['--occurred', '2026-11-05 10:00', '--aware', '2026-11-05 09:00'], 'awareAt is earlier than occurredAt'],
    [[...EXAMPLE, '--records', 'many'], '--records must be a whole number'],
    [[...EXAMPLE, '--cyber-level', '5'], '--cyber-level must be 1, 2, 3 or 4'],
    [[...EXAMPLE, '--profile', 'kindergarten'], 'Unknown clock profile "kindergarten"'],
    [[...EXAMPLE, '--enable', 'bureau-9d'], 'Unknown clock id "bureau-9d"'],
    [[...EXAMPLE, '--enable', 'bureau-3d', '--disable', 'bureau-3d'], 'choose one'],
    [[...EXAMPLE, '--colour'], "Unknown option '--colour'"],
  ])('exits 2 with an English message for bad arguments %#', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
  });

  it('exits 1 naming the file when a data file is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-cal-'));
    writeFileSync(join(dir, '2026.yaml'), 'title: t\nsource: s\nyears: [2026]\nholidays:\n  - date: 2026-13-01\n    name: x\n');
    const r = await run([...EXAMPLE, '--calendars', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(join(dir, '2026.yaml'));
    expect(r.stderr).toContain('holidays.0.date');
  });

  it('prints help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--occurred <time>');
  });
});
