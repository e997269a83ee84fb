import { type ParseArgsConfig, parseArgs } from 'node:util';
import {
  ClockFactsError,
  UnknownClockSettingError,
  computeClocks,
  findProfile,
  loadCalendar,
  loadClockRules,
  type ClockFacts,
  type ComputedClock,
} from '../core/clocks/index.js';
import { DataFileError } from '../core/data/yaml-file.js';
import { formatRocDateTime, formatRocShort, parseLocalDateTime } from '../core/time/roc.js';
import { toTaipeiIso } from '../core/time/taipei.js';
import { isMain } from './entry.js';

export const USAGE = `Usage: npx tsx src/cli/clocks.ts --occurred <time> --aware <time> [options]

Computes the legal clocks (deadlines) of a personal-data incident.
Times: ISO 8601 with offset (2026-11-05T14:30+08:00), Taipei local time (2026-11-05 14:30)
or an ROC date (115/11/05 14:30).

  --occurred <time>          when the incident happened (required)
  --aware <time>             when the school became aware of it (required)
  --handling-ended <time>    when handling ended (starts closure-1m)
  --recovered <time>         when damage control or recovery was completed (starts cyber-report-1m)
  --breach-confirmed <time>  when the breach was confirmed (starts subjects-notify)
  --system                   the incident involves an information system
  --special                  PDPA art. 6 special-category or biometric data is involved
  --records <n>              number of personal-data records affected
  --system-records <n>       number of records the affected system holds
  --cyber-level <1-4>        cybersecurity incident level, if decided
  --profile <id>             clock profile (default: defaultProfile of the rules)
  --enable <id>              turn a clock on (repeatable)
  --disable <id>             turn a clock off (repeatable)
  --now <time>               reference time for "overdue now" (default: the current time)
  --all                      also list clocks that do not apply to this incident
  --json                     print only JSON on stdout
  --rules <file>             clock rules (default: playbooks/clocks.yaml)
  --calendars <dir>          office calendars (default: playbooks/calendars/)
  -h, --help                 show this help

Exit codes: 0 done, 1 a data file is invalid, 2 bad or missing arguments.`;

const OPTIONS = {
  occurred: { type: 'string' },
  aware: { type: 'string' },
  'handling-ended': { type: 'string' },
  recovered: { type: 'string' },
  'breach-confirmed': { type: 'string' },
  system: { type: 'boolean', default: false },
  special: { type: 'boolean', default: false },
  records: { type: 'string' },
  'system-records': { type: 'string' },
  'cyber-level': { type: 'string' },
  profile: { type: 'string' },
  enable: { type: 'string', multiple: true, default: [] as string[] },
  disable: { type: 'string', multiple: true, default: [] as string[] },
  now: { type: 'string' },
  all: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  rules: { type: 'string' },
  calendars: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies ParseArgsConfig['options'];

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

class UsageError extends Error {}

function time(name: string, value: string | undefined, required: boolean): Date | null {
  if (value === undefined) {
    if (required) throw new UsageError(`--${name} is required (e.g. --${name} "2026-11-05 14:30")`);
    return null;
  }
  const d = parseLocalDateTime(value);
  if (!d) {
    throw new UsageError(
      `--${name} "${value}" is not a date-time: use ISO 8601 with offset (2026-11-05T14:30+08:00), ` +
        'Taipei local time (2026-11-05 14:30) or an ROC date (115/11/05 14:30)',
    );
  }
  return d;
}

function count(name: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`--${name} must be a whole number ≥ 0, got "${value}"`);
  return Number(value.trim());
}

const STATUS_LABELS = { 'in-force': '現行有效', draft: '草案，尚未施行', uncertain: '條文待確認' } as const;

/** Terminal columns of a string: East Asian wide characters take two. */
function width(s: string): number {
  let w = 0;
  for (const ch of s)
    w += /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/u.test(ch) ? 2 : 1;
  return w;
}
const pad = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - width(s)));

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? '')))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function endText(c: ComputedClock, d: Date | null): string {
  if (c.pending) return '待起算';
  if (c.kind === 'ongoing') return '儘速';
  if (c.calendarGap && d === c.statutoryEnd) return '日曆未涵蓋';
  if (!d) return '—';
  return formatRocShort(d, { endOfDay: c.period.unit !== 'hours' });
}

function statusText(c: ComputedClock): string {
  if (c.pending) return '待起算';
  if (c.kind === 'retention') return '最短保存期間';
  if (c.kind === 'ongoing') return '每日提醒';
  if (c.overdueAtAwareness) return '知悉時已逾期';
  if (c.overdueNow) return '已逾期';
  if (c.recommendedMissedAtAwareness) return '知悉時已過建議時間';
  if (c.recommendedMissedNow) return '已過建議時間';
  if (c.calendarGap) return '需補辦公日曆';
  return '進行中';
}

function details(c: ComputedClock): string[] {
  const lines = [`■ ${c.label}〔${c.id}〕負責：${c.actorLabel}`];
  lines.push(`  應辦事項：${c.action}`);
  lines.push(`  依據：${c.basis}`);
  lines.push(`  效力：${STATUS_LABELS[c.legalStatus]}${c.statusNote ? `。${c.statusNote}` : ''}`);
  if (c.applicabilityNote) lines.push(`  適用範圍：${c.applicabilityNote}`);
  if (c.thresholds) for (const r of c.thresholds.reasons) lines.push(`    · ${r}`);
  if (c.periodNote) lines.push(`  期間：${c.periodNote}`);
  if (c.pendingNote) lines.push(`  ${c.pendingNote}`);
  if (c.countingNote) lines.push(`  計算：${c.countingNote}`);
  if (c.rolloverNote) lines.push(`  順延：${c.rolloverNote}`);
  if (c.statutoryEnd) lines.push(`  法定期限：${formatRocDateTime(c.statutoryEnd, { endOfDay: c.period.unit !== 'hours' })}`);
  if (c.recommendedNote) lines.push(`  建議：${c.recommendedNote}`);
  if (c.calendarGap) lines.push(`  ⚠ ${c.calendarGap.note}`);
  if (c.calendarNote) lines.push(`  ⚠ ${c.calendarNote}`);
  if (c.overdueNote) lines.push(`  ⚠ ${c.overdueNote}`);
  return lines;
}

function renderText(clocks: ComputedClock[], facts: ClockFacts, profileLabel: string, profileGiven: boolean): string {
  const active = clocks.filter((c) => c.enabled && c.applies);
  const off = clocks.filter((c) => !c.enabled && (c.applies || c.thresholds));
  const notApplicable = clocks.filter((c) => c.enabled && !c.applies);
  const out: string[] = [
    `個資事件法定期限（設定：${profileLabel}）`,
    ...(profileGiven
      ? []
      : [
          '本工具不讀取學校設定：未指定 --profile 時依規則檔之預設計算。學校實際適用之設定（公立／私立）見 npm run people -- list --school <學校代號> 之 clock profile，可用 --profile public-school 等指定。',
        ]),
    `事件發生：${formatRocDateTime(facts.occurredAt)}　知悉：${formatRocDateTime(facts.awareAt)}`,
    '',
    table([
      ['期限', '負責', '法定期限', '建議完成', '狀態'],
      ...active.map((c) => [c.label, c.actorLabel, endText(c, c.statutoryEnd), endText(c, c.recommendedBy), statusText(c)]),
    ]),
    '',
    ...active.flatMap((c) => [...details(c), '']),
  ];
  if (off.length > 0) {
    out.push('未啟用之規則（可用 --enable <id> 或 --profile 開啟）：', '');
    for (const c of off) out.push(...details(c), '');
  }
  if (notApplicable.length > 0) {
    out.push(`不適用於本事件：${notApplicable.map((c) => `${c.label}〔${c.id}〕`).join('、')}`);
  }
  return out.join('\n').trimEnd();
}

function toJson(c: ComputedClock): Record<string, unknown> {
  const iso = (d: Date | null) => (d ? toTaipeiIso(d) : null);
  return { ...c, startsAt: iso(c.startsAt), statutoryEnd: iso(c.statutoryEnd), recommendedBy: iso(c.recommendedBy) };
}

/** Run the CLI; returns the exit code. */
export function runClocksCli(argv: string[], io: CliIo, currentTime: () => Date = () => new Date()): number {
  let args;
  try {
    args = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  try {
    const facts: ClockFacts = {
      occurredAt: time('occurred', args.occurred, true) as Date,
      awareAt: time('aware', args.aware, true) as Date,
      handlingEndedAt: time('handling-ended', args['handling-ended'], false),
      recoveredAt: time('recovered', args.recovered, false),
      breachConfirmedAt: time('breach-confirmed', args['breach-confirmed'], false),
      involvesSystem: args.system,
      specialCategories: args.special,
      recordsAffected: count('records', args.records),
      systemRecordsHeld: count('system-records', args['system-records']),
      cyberLevel: null,
    };
    const level = count('cyber-level', args['cyber-level']);
    if (level !== null) {
      if (level < 1 || level > 4) throw new UsageError(`--cyber-level must be 1, 2, 3 or 4, got "${args['cyber-level']}"`);
      facts.cyberLevel = level as 1 | 2 | 3 | 4;
    }
    const now = args.now === undefined ? currentTime() : (time('now', args.now, true) as Date);
    const overrides: Record<string, boolean> = {};
    for (const id of args.enable) overrides[id] = true;
    for (const id of args.disable) {
      if (overrides[id]) throw new UsageError(`--enable and --disable both name "${id}": choose one`);
      overrides[id] = false;
    }

    const rules = loadClockRules(args.rules);
    const calendar = loadCalendar(args.calendars);
    const profile = findProfile(rules, args.profile ?? rules.defaultProfile);
    const clocks = computeClocks(rules, facts, { calendar, profile: profile.id, overrides, now });

    for (const c of clocks) {
      if (c.calendarGap && (c.applies || args.all)) {
        io.err(`warning: ${c.id}: ${c.calendarGap.message}`);
      }
    }
    if (args.json) {
      const shown = clocks.filter((c) => args.all || c.applies || c.thresholds);
      io.out(JSON.stringify(shown.map(toJson), null, 2));
    } else {
      io.out(renderText(clocks, facts, profile.label, args.profile !== undefined));
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof UnknownClockSettingError || err instanceof ClockFactsError) {
      io.err(`${err.message}\n\nRun with --help for the options.`);
      return 2;
    }
    if (err instanceof DataFileError) {
      io.err(`Cannot compute clocks: a data file is invalid. Fix it and run again.\n${err.message}`);
      return 1;
    }
    throw err;
  }
}

if (isMain(import.meta.url)) {
  process.exitCode = runClocksCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  });
}
