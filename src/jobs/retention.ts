import { TZDate } from '@date-fns/tz';
import { addDays } from 'date-fns/addDays';
import { format } from 'date-fns/format';
import type { CoreDeps } from '../core/context.js';
import { listRetention, type RetentionItem } from '../core/retention/retention.js';
import { SESSION_RETENTION_DAYS } from '../storage/console.js';
import { TIME_ZONE, startOfTaipeiDay, taipeiDayKey, type DayKey } from '../core/time/taipei.js';
import { jobIdFor } from './reminders.js';

/** Local time (Asia/Taipei) of the daily retention review. */
export const RETENTION_HOUR = 3;

export interface RetentionJobData {
  day: DayKey;
}

export interface QueuedRetention {
  id: string;
  key: string;
  data: RetentionJobData;
  startAfter: Date;
}

export interface RetentionQueue {
  add(jobs: QueuedRetention[]): Promise<void>;
}

export function retentionTime(day: DayKey): Date {
  const d = startOfTaipeiDay(day);
  return new Date(new TZDate(d.getFullYear(), d.getMonth(), d.getDate(), RETENTION_HOUR, 0, 0, TIME_ZONE).getTime());
}

/**
 * The daily retention review: lists the incidents whose 5-year retention has ended (closed ones, past the end of
 * clock records-5y) for the operator, in the log, without destroying anything: destruction is the school's decision,
 * made with `npm run retention -- --authorised-by …` (src/core/retention/retention.ts explains why).
 */
export class RetentionReview {
  constructor(
    private readonly deps: CoreDeps,
    private readonly queue: RetentionQueue,
  ) {}

  async schedule(): Promise<DayKey[]> {
    const today = taipeiDayKey(this.deps.now());
    const days = [today, format(addDays(startOfTaipeiDay(today), 1), 'yyyy-MM-dd')];
    await this.queue.add(
      days.map((day) => ({ id: jobIdFor(`retention:${day}`), key: `retention:${day}`, data: { day }, startAfter: retentionTime(day) })),
    );
    return days;
  }

  async fire(
    data: RetentionJobData,
  ): Promise<{ day: DayKey; due: Pick<RetentionItem, 'schoolId' | 'ref' | 'retainUntil'>[]; sessionsPruned: number }> {
    const due = (await listRetention(this.deps))
      .filter((i) => i.due)
      .map((i) => ({ schoolId: i.schoolId, ref: i.ref, retainUntil: i.retainUntil }));
    if (due.length > 0) {
      this.deps.log.warn(
        { day: data.day, incidents: due.map((d) => `${d.schoolId}/${d.ref}`) },
        'incident records past their 5-year retention await an authorised destruction: npm run retention -- --authorised-by "<who decided>"',
      );
    }
    const sessionsPruned = await pruneConsoleSessions(this.deps);
    // The claims of web form links (web_form_use): a link is refused as expired after 30 minutes; a day is plenty.
    await this.deps.repos.webForms.forget(new Date(this.deps.now().getTime() - 86_400_000));
    await refreshPlannerStatistics(this.deps);
    if (sessionsPruned > 0) this.deps.log.info({ day: data.day, sessions: sessionsPruned }, 'ended console sessions pruned');
    return { day: data.day, due, sessionsPruned };
  }
}

/**
 * Deletes the console sessions that ended more than SESSION_RETENTION_DAYS ago (ids, times and addresses only; the
 * sign-ins stay on person_change). Unlike an incident's record this needs nobody's decision: the daily review and
 * `npm run retention` both do it. `count`: only count them (--dry-run).
 */
export function pruneConsoleSessions(deps: Pick<CoreDeps, 'repos' | 'now'>, opts: { count?: boolean } = {}): Promise<number> {
  return deps.repos.consoleSessions.pruneEnded(new Date(deps.now().getTime() - SESSION_RETENTION_DAYS * 86_400_000), opts);
}

/**
 * Refreshes the query planner's statistics (ANALYZE), once a day with the review. The embedded database (PGlite) runs
 * no autovacuum, so without this its planner never learns how big the tables have grown and keeps the plans of an
 * empty database: with 1,000 incidents the console's open items took 1.4 s instead of 1 ms (docs/performance.md,
 * Console). On PostgreSQL autovacuum does the same; once more a day costs little (seconds at most, at 03:00).
 */
export async function refreshPlannerStatistics(deps: Pick<CoreDeps, 'repos' | 'log'>): Promise<void> {
  const t0 = performance.now();
  await deps.repos.retention.refreshPlannerStatistics();
  deps.log.info({ ms: Math.round(performance.now() - t0) }, 'planner statistics refreshed (ANALYZE)');
}
