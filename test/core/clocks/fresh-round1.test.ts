import { describe, expect, it } from 'vitest';
import { runClocksCli } from '../../../src/cli/clocks.js';
import { loadCalendar } from '../../../src/core/clocks/calendar.js';

/**
 * Fresh clock round 1 (clocks1): 49 cases hand-computed blind from the legal rules (seed 002 art. 13 ¶3, seed 004
 * pts. 43/45, 民法 art. 120–122, 行政程序法 art. 48), run through the CLI as a school would. Keys: last =
 * statutoryLastDay, end = statutoryEnd (Taipei, to the minute), rec = recommendedLastDay, od / rm = overdue / target
 * missed at awareness, now = overdueNow, roll = rolledOver, pend = pending, app = applies, en = enabled, met =
 * thresholds met, prov = the deadline rests on a calendar the DGPA has not confirmed (calendarNote says so).
 *
 * Readings chosen where the writer marked the case ambiguous (docs/rules.md, 「沒有辦公日曆的年度」):
 * C13, C14, C20, C39, C42, C49 — a year without an office calendar (2028) is counted on the calendar derived from the
 * law, marked provisional; C22 — when every day from the trigger day to the counted day is a rest day the target is
 * the next working day (09-29), not one before the incident; C40 — a clock switched off is never flagged overdue;
 * C41 — 2024 has its official calendar (2024.yaml).
 */
interface Case {
  id: string;
  note: string;
  argv: string[];
  refuse?: boolean;
  exp?: Record<string, Record<string, unknown>>;
}

const CASES: Case[] = [
  {
    id: 'C01',
    note: 'worked example §4: occurred Thu 11-05',
    argv: [
      '--occurred',
      '2026-11-05 10:00',
      '--aware',
      '2026-11-06 09:00',
      '--handling-ended',
      '2026-11-20 17:00',
      '--now',
      '2026-11-06 10:00',
    ],
    exp: {
      'contain-4h': { end: '2026-11-06T13:00', app: true, en: true },
      'report-window-4h': { end: '2026-11-06T13:00' },
      'bureau-3d': { last: '2026-11-09', rec: '2026-11-06', roll: true, od: false },
      'closure-1m': { last: '2026-12-21', rec: '2026-12-18', roll: true },
      'subjects-notify': { pend: true, en: true },
      'cyber-1h': { app: false },
      'pdpa2025-notify-72h': { en: false },
      'pdpa2025-report-72h': { en: false, met: false },
      'records-5y': { last: '2031-11-06' },
    },
  },
  {
    id: 'C02',
    note: 'occurred 5 days before aware: 3-day clock already overdue at awareness',
    argv: ['--occurred', '2026-11-02 09:00', '--aware', '2026-11-07 10:00', '--now', '2026-11-07 10:05'],
    exp: {
      'bureau-3d': { last: '2026-11-05', rec: '2026-11-04', od: true, rm: true, now: true, roll: false },
      'contain-4h': { end: '2026-11-07T14:00' },
      'records-5y': { last: '2031-11-07' },
    },
  },
  {
    id: 'C03',
    note: 'aware on the last day of the 3-day period, 20:00: not yet overdue, target missed',
    argv: ['--occurred', '2026-11-02 10:00', '--aware', '2026-11-05 20:00', '--now', '2026-11-06 00:30'],
    exp: {
      'bureau-3d': { last: '2026-11-05', rec: '2026-11-04', od: false, rm: true, now: true },
      'contain-4h': { end: '2026-11-06T00:00' },
    },
  },
  {
    id: 'C04',
    note: 'occurred 23:59 the day before',
    argv: ['--occurred', '2026-11-05 23:59', '--aware', '2026-11-06 00:30', '--now', '2026-11-06 01:00'],
    exp: { 'bureau-3d': { last: '2026-11-09', rec: '2026-11-06', roll: true, od: false }, 'contain-4h': { end: '2026-11-06T04:30' } },
  },
  {
    id: 'C05',
    note: 'occurred exactly at 00:00 -> that day is the (uncounted) first day',
    argv: ['--occurred', '2026-11-06 00:00', '--aware', '2026-11-06 08:00', '--now', '2026-11-06 08:00'],
    exp: { 'bureau-3d': { last: '2026-11-09', rec: '2026-11-06', roll: false, od: false }, 'contain-4h': { end: '2026-11-06T12:00' } },
  },
  {
    id: 'C06',
    note: 'UTC input: 16:30Z = 00:30 Taipei next day',
    argv: ['--occurred', '2026-11-05T16:30:00Z', '--aware', '2026-11-06T01:00:00Z', '--now', '2026-11-06T02:00:00Z'],
    exp: { 'bureau-3d': { last: '2026-11-09', rec: '2026-11-06', roll: false }, 'contain-4h': { end: '2026-11-06T13:00' } },
  },
  {
    id: 'C07',
    note: 'ROC dates, Lunar New Year 2026',
    argv: ['--occurred', '115/02/12 09:00', '--aware', '115/02/13 10:00', '--now', '115/02/13 10:00'],
    exp: { 'bureau-3d': { last: '2026-02-23', rec: '2026-02-13', roll: true, od: false }, 'contain-4h': { end: '2026-02-13T14:00' } },
  },
  {
    id: 'C08',
    note: 'LNY 2026, aware after the break: statutory still open, target missed',
    argv: ['--occurred', '2026-02-13 23:59', '--aware', '2026-02-23 08:00', '--now', '2026-02-23 08:00'],
    exp: {
      'bureau-3d': { last: '2026-02-23', rec: '2026-02-13', roll: true, od: false, rm: true },
      'contain-4h': { end: '2026-02-23T12:00' },
    },
  },
  {
    id: 'C09',
    note: '228 of 2026 (Fri 2/27 substitute)',
    argv: ['--occurred', '2026-02-24 14:00', '--aware', '2026-02-24 15:00', '--now', '2026-02-24 15:00'],
    exp: { 'bureau-3d': { last: '2026-03-02', rec: '2026-02-26', roll: true } },
  },
  {
    id: 'C10',
    note: 'worked example §4: handling ended 01-30 -> Sat 02-28 -> Mon 03-02',
    argv: [
      '--occurred',
      '2026-01-20 10:00',
      '--aware',
      '2026-01-21 10:00',
      '--handling-ended',
      '2026-01-30 16:00',
      '--now',
      '2026-01-30 16:00',
    ],
    exp: {
      'closure-1m': { last: '2026-03-02', rec: '2026-02-26', roll: true },
      'bureau-3d': { last: '2026-01-23', rec: '2026-01-22', od: false },
    },
  },
  {
    id: 'C11',
    note: 'worked example §4: handling ended 03-10 -> 04-10',
    argv: [
      '--occurred',
      '2026-03-02 09:00',
      '--aware',
      '2026-03-02 10:00',
      '--handling-ended',
      '2026-03-10 12:00',
      '--now',
      '2026-03-10 12:00',
    ],
    exp: { 'closure-1m': { last: '2026-04-10', rec: '2026-04-09', roll: false }, 'bureau-3d': { last: '2026-03-05', rec: '2026-03-04' } },
  },
  {
    id: 'C12',
    note: 'Jan 31 2027 + 1 month -> Sun 2/28 (228) -> Mon 3/1 substitute -> Tue 3/2',
    argv: [
      '--occurred',
      '2027-01-25 09:00',
      '--aware',
      '2027-01-25 11:00',
      '--handling-ended',
      '2027-01-31 18:00',
      '--now',
      '2027-01-31 18:00',
    ],
    exp: { 'closure-1m': { last: '2027-03-02', rec: '2027-02-26', roll: true }, 'bureau-3d': { last: '2027-01-28', rec: '2027-01-27' } },
  },
  {
    id: 'C13',
    note: 'leap year 2028: ended 01-31 -> 02-29 (Tue); 2028 calendar not published',
    argv: [
      '--occurred',
      '2028-01-03 09:00',
      '--aware',
      '2028-01-03 10:00',
      '--handling-ended',
      '2028-01-31 12:00',
      '--now',
      '2028-01-31 12:00',
    ],
    exp: {
      'closure-1m': { last: '2028-02-29', roll: false, prov: true },
      'bureau-3d': { last: '2028-01-06', rec: '2028-01-05', prov: true },
    },
  },
  {
    id: 'C14',
    note: '2028: ended 01-28 -> 02-28 = 228 (Mon, fixed national holiday) -> 02-29',
    argv: [
      '--occurred',
      '2028-01-10 09:00',
      '--aware',
      '2028-01-10 10:00',
      '--handling-ended',
      '2028-01-28 12:00',
      '--now',
      '2028-01-28 12:00',
    ],
    exp: { 'closure-1m': { last: '2028-02-29', roll: true, rec: '2028-02-25', prov: true } },
  },
  {
    id: 'C15',
    note: '2025 make-up working Saturday 02-08 (補班)',
    argv: ['--occurred', '2025-02-05 10:00', '--aware', '2025-02-05 11:00', '--now', '2025-02-05 11:00'],
    exp: { 'bureau-3d': { last: '2025-02-08', rec: '2025-02-07', roll: false } },
  },
  {
    id: 'C16',
    note: '2025 LNY incl. adjusted holiday 01-27',
    argv: ['--occurred', '2025-01-22 09:00', '--aware', '2025-01-22 10:00', '--now', '2025-01-22 10:00'],
    exp: { 'bureau-3d': { last: '2025-02-03', rec: '2025-01-24', roll: true } },
  },
  {
    id: 'C17',
    note: '2027 LNY (2/4-2/10)',
    argv: ['--occurred', '2027-02-02 10:00', '--aware', '2027-02-02 12:00', '--now', '2027-02-02 12:00'],
    exp: { 'bureau-3d': { last: '2027-02-11', rec: '2027-02-03', roll: true }, 'contain-4h': { end: '2027-02-02T16:00' } },
  },
  {
    id: 'C18',
    note: '228 of 2027 (Sun; Mon 3/1 substitute)',
    argv: ['--occurred', '2027-02-25 09:00', '--aware', '2027-02-25 09:30', '--now', '2027-02-25 09:30'],
    exp: { 'bureau-3d': { last: '2027-03-02', rec: '2027-02-26', roll: true } },
  },
  {
    id: 'C19',
    note: 'year end 2026->2027, aware 23:30 on 12-31, system + PDPA draft on',
    argv: [
      '--occurred',
      '2026-12-29 15:00',
      '--aware',
      '2026-12-31 23:30',
      '--system',
      '--enable',
      'pdpa2025-notify-72h',
      '--now',
      '2026-12-31 23:30',
    ],
    exp: {
      'bureau-3d': { last: '2027-01-04', rec: '2026-12-31', roll: true, od: false, rm: false },
      'contain-4h': { end: '2027-01-01T03:30' },
      'cyber-1h': { app: true, en: true, end: '2027-01-01T00:30' },
      'pdpa2025-notify-72h': { en: true, end: '2027-01-03T23:30' },
      'records-5y': { last: '2031-12-31' },
    },
  },
  {
    id: 'C20',
    note: 'year end 2027->2028 (12/31 substitute holiday)',
    argv: ['--occurred', '2027-12-28 10:00', '--aware', '2027-12-28 11:00', '--now', '2027-12-28 11:00'],
    exp: { 'bureau-3d': { last: '2028-01-03', rec: '2027-12-30', roll: true, prov: true, od: false } },
  },
  {
    id: 'C21',
    note: '國慶 2026 (Fri 10/09 substitute)',
    argv: ['--occurred', '2026-10-06 09:00', '--aware', '2026-10-06 10:00', '--now', '2026-10-06 10:00'],
    exp: { 'bureau-3d': { last: '2026-10-12', rec: '2026-10-08', roll: true } },
  },
  {
    id: 'C22',
    note: 'occurred on 中秋 09-25 20:00; last day 教師節 09-28',
    argv: ['--occurred', '2026-09-25 20:00', '--aware', '2026-09-26 09:00', '--now', '2026-09-26 09:00'],
    exp: { 'bureau-3d': { last: '2026-09-29', roll: true, od: false, rec: '2026-09-29' } },
  },
  {
    id: 'C23',
    note: 'closure across 光復節 2026 (10/25 Sun, 10/26 substitute)',
    argv: [
      '--occurred',
      '2026-09-20 10:00',
      '--aware',
      '2026-09-21 09:00',
      '--handling-ended',
      '2026-09-24 17:00',
      '--now',
      '2026-09-24 17:00',
    ],
    exp: {
      'closure-1m': { last: '2026-10-27', rec: '2026-10-23', roll: true },
      'bureau-3d': { last: '2026-09-23', rec: '2026-09-22', od: false },
    },
  },
  {
    id: 'C24',
    note: 'closure from 12-31 -> whole January 2027 -> Sun 01-31 -> Mon 02-01',
    argv: [
      '--occurred',
      '2026-12-01 09:00',
      '--aware',
      '2026-12-01 10:00',
      '--handling-ended',
      '2026-12-31 12:00',
      '--now',
      '2026-12-31 12:00',
    ],
    exp: { 'closure-1m': { last: '2027-02-01', rec: '2027-01-29', roll: true }, 'bureau-3d': { last: '2026-12-04', rec: '2026-12-03' } },
  },
  {
    id: 'C25',
    note: 'closure from 03-31 -> 04-30',
    argv: [
      '--occurred',
      '2026-03-20 09:00',
      '--aware',
      '2026-03-20 10:00',
      '--handling-ended',
      '2026-03-31 12:00',
      '--now',
      '2026-03-31 12:00',
    ],
    exp: {
      'closure-1m': { last: '2026-04-30', rec: '2026-04-30', roll: false },
      'bureau-3d': { last: '2026-03-23', rec: '2026-03-20', roll: false },
    },
  },
  {
    id: 'C26',
    note: 'BAD: handling ended before aware',
    argv: ['--occurred', '2026-11-01 09:00', '--aware', '2026-11-05 10:00', '--handling-ended', '2026-11-04 10:00'],
    refuse: true,
  },
  { id: 'C27', note: 'BAD: aware before occurred', argv: ['--occurred', '2026-11-05 10:00', '--aware', '2026-11-04 10:00'], refuse: true },
  {
    id: 'C28',
    note: 'BAD: handling ended 1 hour before awareness, same day',
    argv: ['--occurred', '2026-11-05 08:00', '--aware', '2026-11-05 10:00', '--handling-ended', '2026-11-05 09:00'],
    refuse: true,
  },
  {
    id: 'C29',
    note: 'system incident near midnight; cyber-recover default',
    argv: ['--occurred', '2026-11-10 22:00', '--aware', '2026-11-10 23:30', '--system', '--now', '2026-11-10 23:45'],
    exp: {
      'cyber-1h': { app: true, en: true, end: '2026-11-11T00:30', now: false },
      'contain-4h': { end: '2026-11-11T03:30' },
      'bureau-3d': { last: '2026-11-13', rec: '2026-11-12' },
    },
  },
  {
    id: 'C30',
    note: 'cyber level 2 -> recovery 72 h',
    argv: [
      '--occurred',
      '2026-11-06 08:00',
      '--aware',
      '2026-11-06 09:00',
      '--system',
      '--cyber-level',
      '2',
      '--enable',
      'cyber-recover',
      '--now',
      '2026-11-06 09:00',
    ],
    exp: { 'cyber-recover': { app: true, en: true, end: '2026-11-09T09:00' }, 'cyber-1h': { end: '2026-11-06T10:00' } },
  },
  {
    id: 'C31',
    note: 'cyber level 3 -> recovery 36 h',
    argv: [
      '--occurred',
      '2026-11-06 08:00',
      '--aware',
      '2026-11-06 09:00',
      '--system',
      '--cyber-level',
      '3',
      '--enable',
      'cyber-recover',
      '--now',
      '2026-11-06 09:00',
    ],
    exp: { 'cyber-recover': { app: true, en: true, end: '2026-11-07T21:00' } },
  },
  {
    id: 'C32',
    note: 'cyber report 1 month after recovery 11-30',
    argv: [
      '--occurred',
      '2026-11-06 08:00',
      '--aware',
      '2026-11-06 09:00',
      '--system',
      '--enable',
      'cyber-report-1m',
      '--recovered',
      '2026-11-30 16:00',
      '--now',
      '2026-11-30 16:00',
    ],
    exp: { 'cyber-report-1m': { app: true, en: true, last: '2026-12-31', rec: '2026-12-29', pend: false } },
  },
  {
    id: 'C33',
    note: 'cyber level given but no system',
    argv: [
      '--occurred',
      '2026-11-06 08:00',
      '--aware',
      '2026-11-06 09:00',
      '--cyber-level',
      '3',
      '--enable',
      'cyber-recover',
      '--now',
      '2026-11-06 09:00',
    ],
    exp: { 'cyber-1h': { app: false }, 'cyber-recover': { app: false } },
  },
  {
    id: 'C34',
    note: 'PDPA draft enabled, 100 records (threshold met)',
    argv: [
      '--occurred',
      '2026-11-06 08:00',
      '--aware',
      '2026-11-06 09:00',
      '--records',
      '100',
      '--enable',
      'pdpa2025-notify-72h',
      '--enable',
      'pdpa2025-report-72h',
      '--now',
      '2026-11-06 09:00',
    ],
    exp: {
      'pdpa2025-notify-72h': { en: true, app: true, end: '2026-11-09T09:00' },
      'pdpa2025-report-72h': { en: true, app: true, met: true, end: '2026-11-09T09:00' },
    },
  },
  {
    id: 'C35',
    note: 'PDPA report enabled, 99 records / 9,999 system records (not met)',
    argv: [
      '--occurred',
      '2026-11-06 08:00',
      '--aware',
      '2026-11-06 09:00',
      '--records',
      '99',
      '--system-records',
      '9999',
      '--enable',
      'pdpa2025-report-72h',
      '--now',
      '2026-11-06 09:00',
    ],
    exp: { 'pdpa2025-report-72h': { en: true, app: false, met: false } },
  },
  {
    id: 'C36',
    note: 'system holds 10,000 records, PDPA OFF: thresholds still evaluated',
    argv: [
      '--occurred',
      '2026-11-06 08:00',
      '--aware',
      '2026-11-06 09:00',
      '--records',
      '5',
      '--system-records',
      '10000',
      '--now',
      '2026-11-06 09:00',
    ],
    exp: { 'pdpa2025-report-72h': { en: false, met: true }, 'pdpa2025-notify-72h': { en: false } },
  },
  {
    id: 'C37',
    note: 'special-category data (health exam), PDPA OFF',
    argv: ['--occurred', '2026-11-06 08:00', '--aware', '2026-11-06 09:00', '--special', '--records', '3', '--now', '2026-11-06 09:00'],
    exp: { 'pdpa2025-report-72h': { en: false, met: true } },
  },
  {
    id: 'C38',
    note: "'promptly' notice to subjects after confirmation",
    argv: [
      '--occurred',
      '2026-11-06 08:00',
      '--aware',
      '2026-11-06 09:00',
      '--breach-confirmed',
      '2026-11-07 15:00',
      '--now',
      '2026-11-08 09:00',
    ],
    exp: { 'subjects-notify': { en: true, app: true, pend: false, end: null } },
  },
  {
    id: 'C39',
    note: 'leap day awareness 2028-02-29; 5-year retention',
    argv: ['--occurred', '2028-02-29 08:00', '--aware', '2028-02-29 10:00', '--now', '2028-02-29 10:00'],
    exp: {
      'records-5y': { last: '2033-02-28', roll: false },
      'bureau-3d': { last: '2028-03-03', rec: '2028-03-02', prov: true, roll: false },
    },
  },
  {
    id: 'C40',
    note: 'discovered months later, bureau clock disabled',
    argv: ['--occurred', '2026-06-01 09:00', '--aware', '2026-11-06 09:00', '--disable', 'bureau-3d', '--now', '2026-11-06 09:00'],
    exp: { 'bureau-3d': { en: false, last: '2026-06-04', od: false, now: false, rm: false }, 'contain-4h': { end: '2026-11-06T13:00' } },
  },
  {
    id: 'C41',
    note: 'old leak (2024) found two years later: 2024 outside the office calendars',
    argv: ['--occurred', '2024-12-20 10:00', '--aware', '2026-11-06 09:00', '--now', '2026-11-06 09:00'],
    exp: {
      'bureau-3d': { od: true, now: true, rm: true, rec: '2024-12-20', last: '2024-12-23', roll: false, prov: false },
      'contain-4h': { end: '2026-11-06T13:00' },
    },
  },
  {
    id: 'C42',
    note: '2028 occurrence, aware 6 weeks later (2028 calendar missing)',
    argv: ['--occurred', '2028-01-03 09:00', '--aware', '2028-02-15 09:00', '--now', '2028-02-15 09:00'],
    exp: { 'bureau-3d': { od: true, now: true, rm: true, last: '2028-01-06', prov: true } },
  },
  {
    id: 'C43',
    note: 'PDPA draft profile',
    argv: [
      '--occurred',
      '2026-11-06 08:00',
      '--aware',
      '2026-11-06 09:00',
      '--records',
      '150',
      '--profile',
      'pdpa-2025-draft',
      '--now',
      '2026-11-06 09:00',
    ],
    exp: {
      'pdpa2025-notify-72h': { en: true, end: '2026-11-09T09:00' },
      'pdpa2025-report-72h': { en: true, app: true, met: true, end: '2026-11-09T09:00' },
    },
  },
  {
    id: 'C44',
    note: 'BAD: breach confirmed before the school was aware',
    argv: ['--occurred', '2026-11-05 08:00', '--aware', '2026-11-06 10:00', '--breach-confirmed', '2026-11-06 09:00'],
    refuse: true,
  },
  {
    id: 'C45',
    note: 'BAD: recovery completed before awareness',
    argv: ['--occurred', '2026-11-05 08:00', '--aware', '2026-11-06 10:00', '--system', '--recovered', '2026-11-06 09:00'],
    refuse: true,
  },
  {
    id: 'C46',
    note: 'ROC single-digit month/day as staff type it: 116/2/2',
    argv: ['--occurred', '116/2/2 10:00', '--aware', '116/2/2 12:00', '--now', '116/2/2 12:00'],
    exp: { 'bureau-3d': { last: '2027-02-11', rec: '2027-02-03', roll: true } },
  },
  {
    id: 'C47',
    note: '2025: target day 3 falls on make-up Saturday 02-08',
    argv: ['--occurred', '2025-02-06 10:00', '--aware', '2025-02-06 11:00', '--now', '2025-02-06 11:00'],
    exp: { 'bureau-3d': { last: '2025-02-10', rec: '2025-02-08', roll: true } },
  },
  {
    id: 'C48',
    note: 'awareness 12-31 23:00, 5-year retention and 4 h into the new year',
    argv: ['--occurred', '2026-12-31 20:00', '--aware', '2026-12-31 23:00', '--now', '2026-12-31 23:00'],
    exp: {
      'contain-4h': { end: '2027-01-01T03:00' },
      'records-5y': { last: '2031-12-31' },
      'bureau-3d': { last: '2027-01-04', rec: '2026-12-31', roll: true },
    },
  },
  {
    id: 'C49',
    note: '2028 (calendar missing): target day 3 on a Saturday',
    argv: ['--occurred', '2028-01-06 10:00', '--aware', '2028-01-06 11:00', '--now', '2028-01-06 11:00'],
    exp: { 'bureau-3d': { rec: '2028-01-07', last: '2028-01-10', prov: true, roll: true } },
  },
];

/** Cases of the fixer's own for 2024 (official table), 2028 and 2029 (derived, provisional) and before 2024. */
const OWN: Case[] = [
  {
    id: 'O1',
    note: '2024 Lunar New Year: last day 02-10 (初一, Sat) → 02-13/14 補假 → Thu 02-15; target before the adjusted 02-08',
    argv: ['--occurred', '2024-02-07 10:00', '--aware', '2024-02-07 11:00', '--now', '2024-02-07 11:00'],
    exp: { 'bureau-3d': { last: '2024-02-15', rec: '2024-02-07', roll: true, prov: false, od: false } },
  },
  {
    id: 'O2',
    note: '2024 make-up working Saturday 02-17 is a working day: no rollover',
    argv: ['--occurred', '2024-02-14 10:00', '--aware', '2024-02-14 11:00', '--now', '2024-02-14 11:00'],
    exp: { 'bureau-3d': { last: '2024-02-17', rec: '2024-02-16', roll: false, prov: false } },
  },
  {
    id: 'O3',
    note: '2028 Lunar New Year (01-24 除夕前一日 … 01-28 初三, then a weekend) → Mon 01-31, provisional',
    argv: ['--occurred', '2028-01-21 10:00', '--aware', '2028-01-21 11:00', '--now', '2028-01-21 11:00'],
    exp: { 'bureau-3d': { last: '2028-01-31', rec: '2028-01-21', roll: true, prov: true, od: false } },
  },
  {
    id: 'O4',
    note: '2029 Lunar New Year: 除夕前一日 Sun 02-11 → 補假 Fri 02-16 after 初三 → Mon 02-19, provisional',
    argv: ['--occurred', '2029-02-08 10:00', '--aware', '2029-02-08 11:00', '--now', '2029-02-08 11:00'],
    exp: { 'bureau-3d': { last: '2029-02-19', rec: '2029-02-09', roll: true, prov: true } },
  },
  {
    id: 'O5',
    note: '2029 端午節 on Sat 06-16 → 補假 Fri 06-15 → Mon 06-18',
    argv: ['--occurred', '2029-06-12 10:00', '--aware', '2029-06-12 11:00', '--now', '2029-06-12 11:00'],
    exp: { 'bureau-3d': { last: '2029-06-18', rec: '2029-06-14', roll: true, prov: true } },
  },
  {
    id: 'O6',
    note: '2028 兒童節 and 清明 both 04-04 (Tue): 兒童節 the day before (Mon 04-03) → Wed 04-05',
    argv: ['--occurred', '2028-03-31 10:00', '--aware', '2028-03-31 11:00', '--now', '2028-03-31 11:00'],
    exp: { 'bureau-3d': { last: '2028-04-05', rec: '2028-03-31', roll: true, prov: true } },
  },
  {
    id: 'O7',
    note: 'a 2023 leak (no calendar) found in 2026: overdue for certain, end unknown, target off the weekend',
    argv: ['--occurred', '2023-06-02 10:00', '--aware', '2026-11-06 09:00', '--now', '2026-11-06 09:00'],
    exp: { 'bureau-3d': { last: null, od: true, now: true, rm: true, rec: '2023-06-02', gap: 2023 } },
  },
  {
    id: 'O8',
    note: 'a clock not applying (cyber-1h without a system) is never overdue, even long after',
    argv: ['--occurred', '2026-06-01 09:00', '--aware', '2026-11-06 09:00', '--now', '2026-11-06 09:00'],
    exp: { 'cyber-1h': { app: false, od: false, now: false }, 'bureau-3d': { od: true, now: true } },
  },
];

type Json = Record<string, unknown>;

function run(argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runClocksCli([...argv, '--json', '--all'], { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** The same reading of the CLI's JSON as the round's runner (clocks1_run.py). */
function observed(k: Json): Record<string, unknown> {
  const minute = (v: unknown) => (typeof v === 'string' ? v.slice(0, 16) : v);
  return {
    en: k.enabled,
    app: k.applies,
    last: k.statutoryLastDay,
    end: minute(k.statutoryEnd),
    rec: k.recommendedLastDay,
    od: k.overdueAtAwareness,
    rm: k.recommendedMissedAtAwareness,
    now: k.overdueNow,
    pend: k.pending,
    roll: k.rolledOver,
    met: (k.thresholds as Json | undefined)?.met,
    prov: typeof k.calendarNote === 'string' && k.calendarNote.includes('尚未經人事行政總處公告確認'),
    gap: (k.calendarGap as Json | undefined)?.year,
  };
}

describe.each([
  ['fresh round 1 (blind writer)', CASES],
  ['own cases 2024 / 2028 / 2029', OWN],
])('%s', (_, cases) => {
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const r = run(c.argv);
    if (c.refuse) {
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/earlier than|cannot be known before/);
      return;
    }
    expect(r.code).toBe(0);
    const clocks = new Map((JSON.parse(r.out) as Json[]).map((k) => [k.id as string, k]));
    for (const [id, exp] of Object.entries(c.exp ?? {})) {
      const k = clocks.get(id);
      expect(k, `${c.id} ${id}`).toBeDefined();
      const got = observed(k as Json);
      const picked = Object.fromEntries(Object.keys(exp).map((key) => [key, got[key]]));
      expect(picked, `${c.id} ${id}: ${c.note}`).toEqual(exp);
    }
  });
});

describe('a target is never on a rest day', () => {
  it('every target of the round and own cases is a working day of the calendar used', () => {
    const calendar = loadCalendar();
    for (const c of [...CASES, ...OWN].filter((x) => !x.refuse)) {
      const clocks = JSON.parse(run(c.argv).out) as Json[];
      for (const k of clocks) {
        const rec = k.recommendedLastDay as string | null;
        if (!rec || k.kind !== 'deadline') continue;
        const wd = new Date(`${rec}T00:00:00Z`).getUTCDay();
        const rest = calendar.covers(rec) ? calendar.isRestDay(rec) : wd === 0 || wd === 6;
        expect(rest, `${c.id} ${k.id as string}: target ${rec}`).toBe(false);
      }
    }
  });
});
