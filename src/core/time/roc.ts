import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns/format';
import { isValid } from 'date-fns/isValid';
import { parseISO } from 'date-fns/parseISO';
import { subMinutes } from 'date-fns/subMinutes';
// The one locale used, by its own path: 'date-fns/locale' would load every locale (~800 modules) at start-up.
import { zhTW } from 'date-fns/locale/zh-TW';
import { TIME_ZONE, inTaipei } from './taipei.js';

/** ROC (民國) year = AD year − 1911. */
export const ROC_YEAR_OFFSET = 1911;

export interface DeadlineFormat {
  /**
   * The instant is the end of a day (24:00 of D, stored as 00:00 of D+1): show it as 「D 24:00」.
   * Instants that are not exactly 00:00 Taipei are shown unchanged.
   */
  endOfDay?: boolean;
  /**
   * The moment the text is read (the product's clock, deps.now()); short forms without a year add the ROC year when
   * the date is in another year or more than a year away from it. Defaults to the system clock.
   */
  now?: Date;
}

const YEAR_MS = 365 * 24 * 3600_000;

/** Whether a date written without its year could be misread: another calendar year (Taipei) or over a year away. */
export function needsYear(at: Date, now: Date): boolean {
  return inTaipei(at).getFullYear() !== inTaipei(now).getFullYear() || Math.abs(at.getTime() - now.getTime()) > YEAR_MS;
}

/** When an end-of-day instant should be written as 24:00 of the previous day, that day (still 24:00 in the text). */
function displayed(d: Date, opts: DeadlineFormat): { at: TZDate; is2400: boolean } {
  const t = inTaipei(d);
  if (opts.endOfDay && t.getHours() === 0 && t.getMinutes() === 0 && t.getSeconds() === 0) {
    return { at: inTaipei(subMinutes(t, 1)), is2400: true };
  }
  return { at: t, is2400: false };
}

function time(at: TZDate, is2400: boolean): string {
  return is2400 ? '24:00' : format(at, 'HH:mm');
}

export function rocYear(d: Date): number {
  return inTaipei(d).getFullYear() - ROC_YEAR_OFFSET;
}

/** 「中華民國115年11月9日」 (the Taipei calendar day). */
export function formatRocDate(d: Date, opts: DeadlineFormat = {}): string {
  const { at } = displayed(d, opts);
  return `中華民國${at.getFullYear() - ROC_YEAR_OFFSET}年${at.getMonth() + 1}月${at.getDate()}日`;
}

/** 「中華民國115年11月9日 14:30」; with `endOfDay`, 00:00 of 11-10 is written 「中華民國115年11月9日 24:00」. */
export function formatRocDateTime(d: Date, opts: DeadlineFormat = {}): string {
  const { at, is2400 } = displayed(d, opts);
  return `${formatRocDate(at)} ${time(at, is2400)}`;
}

/** Compact ROC form for tables: 「115/11/09（一）14:30」. */
export function formatRocShort(d: Date, opts: DeadlineFormat = {}): string {
  const { at, is2400 } = displayed(d, opts);
  const y = at.getFullYear() - ROC_YEAR_OFFSET;
  return `${y}/${format(at, 'MM/dd（EEEEE）', { locale: zhTW })}${time(at, is2400)}`;
}

/**
 * Short form for chat: 「11/9（一）14:30」; a date in another year or more than a year away carries its ROC year,
 * 「120/12/7（日）24:00」, so that a 5-year retention date is never read as this year's.
 */
export function formatChatDateTime(d: Date, opts: DeadlineFormat = {}): string {
  const { at, is2400 } = displayed(d, opts);
  const year = needsYear(at, opts.now ?? new Date()) ? `${at.getFullYear() - ROC_YEAR_OFFSET}/` : '';
  return `${year}${format(at, 'M/d（EEEEE）', { locale: zhTW })}${time(at, is2400)}`;
}

/** The zh-TW weekday of the Taipei day: 「星期一」. */
export function formatWeekday(d: Date): string {
  return format(inTaipei(d), 'EEEE', { locale: zhTW });
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const AD_LOCAL = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/i;
const ROC_NUMERIC = /^(?:中華)?(?:民國)?(\d{2,3})[-/.](\d{1,2})[-/.](\d{1,2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const ROC_WORDS = /^(?:中華)?(?:民國)?(\d{2,3})年(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2})(?::|時)(\d{1,2})分?(?:(\d{1,2})秒)?)?$/;

function fromParts(
  year: number,
  month: string | undefined,
  day: string | undefined,
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
): Date | null {
  const mo = Number(month);
  const da = Number(day);
  const h = hour === undefined ? 0 : Number(hour);
  const mi = minute === undefined ? 0 : Number(minute);
  const s = second === undefined ? 0 : Number(second);
  if (h > 23 || mi > 59 || s > 59) return null;
  const t = new TZDate(year, mo - 1, da, h, mi, s, TIME_ZONE);
  // Date fields overflow silently (02-30 → 03-02); a typed date that does not exist is rejected instead.
  if (!isValid(t) || t.getFullYear() !== year || t.getMonth() !== mo - 1 || t.getDate() !== da) return null;
  return new Date(t.getTime());
}

/**
 * Parse a date-time typed by staff or given on the command line. Accepted:
 * - ISO 8601 with an offset or Z: `2026-11-05T14:30:00+08:00`;
 * - Taipei local time without offset: `2026-11-05 14:30`, `2026-11-05T14:30`, `2026/11/05 14:30`;
 * - ROC dates: `115/11/05 14:30`, `115-11-5`, `民國115年11月5日 14:30`, `115年11月5日14時30分`;
 * full-width digits and colons are accepted. A date without a time means 00:00 Taipei.
 * Returns null for anything else, including dates that do not exist.
 */
export function parseLocalDateTime(text: string): Date | null {
  const s = text.normalize('NFKC').trim();
  if (s === '') return null;
  if (ISO_WITH_OFFSET.test(s)) {
    const d = parseISO(s.replace(' ', 'T'));
    return isValid(d) ? d : null;
  }
  let m = AD_LOCAL.exec(s);
  if (m) return fromParts(Number(m[1]), m[2], m[3], m[4], m[5], m[6]);
  m = ROC_NUMERIC.exec(s) ?? ROC_WORDS.exec(s);
  if (m) {
    const roc = Number(m[1]);
    if (roc < 1) return null;
    return fromParts(roc + ROC_YEAR_OFFSET, m[2], m[3], m[4], m[5], m[6]);
  }
  return null;
}
