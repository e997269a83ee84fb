// pg-boss (with cron-parser and luxon) is loaded by start(), which runs after the HTTP server listens.
import type PgBoss from 'pg-boss';
import type { CoreDeps, IncidentChange } from '../core/context.js';
import type { Database } from '../storage/database.js';
import { openJobsConnection, type JobsConnection } from './connection.js';
import type { AdapterLookup } from './notify.js';
import { DailyDigest, digestTime, type DigestJobData, type DigestQueue, type QueuedDigest } from './digest.js';
import { JobMetrics, queueStates } from './metrics.js';
import { RetentionReview, type QueuedRetention, type RetentionJobData, type RetentionQueue } from './retention.js';
import { DEFAULT_QUIET_HOURS, type QuietHours } from './plan.js';
import { ClockReminders, type QueuedReminder, type ReminderJobData, type ReminderQueue } from './reminders.js';

/** pg-boss keeps its tables in this schema, next to the product's own (public). */
export const JOBS_SCHEMA = 'pgboss';
export const REMINDER_QUEUE = 'clock-reminder';
export const DIGEST_QUEUE = 'daily-digest';
export const RETENTION_QUEUE = 'retention-review';

export interface JobRunnerOptions {
  /** How often an idle worker looks for due jobs (pg-boss minimum 0.5 s). */
  pollingIntervalSeconds?: number;
  /** Attempts after the first failure, and the delay before the first retry (doubling after). */
  retryLimit?: number;
  retryDelaySeconds?: number;
  /** How long a job may stay active (its process killed mid-job) before the queue fails it and another worker retries. */
  expireInSeconds?: number;
  /** How often one of the instances runs the queue's maintenance (expiring such jobs, archiving). */
  maintenanceIntervalSeconds?: number;
  /** Jobs fetched at once, and how many of them run at the same time (1 on the embedded database: one connection). */
  batchSize?: number;
  lanes?: number;
  /** Quiet hours of reminders (config REMINDER_QUIET_HOURS); null: none; default 22:00–07:00. */
  quietHours?: QuietHours | null;
}

/**
 * The pg-boss queue behind ClockReminders. Jobs carry deterministic ids: adding one twice is a no-op (ON CONFLICT).
 * An incident's reminders go in as one INSERT (pg-boss `insert`: the same row as `send` would write, the queue's retry,
 * expiry and retention settings applied the same way), not one statement per reminder: every change re-adds them all.
 */
class BossQueue implements ReminderQueue {
  constructor(private readonly boss: PgBoss) {}

  async add(jobs: QueuedReminder[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.insert(
      jobs.map((j) => ({ name: REMINDER_QUEUE, id: j.id, data: j.data, singletonKey: j.key, startAfter: j.startAfter })),
    );
  }

  async cancel(ids: string[]): Promise<void> {
    await this.boss.cancel(REMINDER_QUEUE, ids);
  }
}

class BossRetentionQueue implements RetentionQueue {
  constructor(private readonly boss: PgBoss) {}

  async add(jobs: QueuedRetention[]): Promise<void> {
    for (const j of jobs) await this.boss.send(RETENTION_QUEUE, j.data, { id: j.id, singletonKey: j.key, startAfter: j.startAfter });
  }
}

class BossDigestQueue implements DigestQueue {
  constructor(private readonly boss: PgBoss) {}

  async add(jobs: QueuedDigest[]): Promise<void> {
    for (const j of jobs) await this.boss.send(DIGEST_QUEUE, j.data, { id: j.id, singletonKey: j.key, startAfter: j.startAfter });
  }
}

/**
 * Durable scheduled work of one product process: pg-boss on the product's database (PostgreSQL, or the embedded
 * PGlite served over a socket), a worker for clock reminders, and the hook IncidentService calls after each change.
 * Several processes may share one PostgreSQL server: pg-boss hands each job to one worker, and the reminder claim
 * (notice table) keeps a retried or duplicated job from messaging anyone twice.
 */
export class JobRunner {
  private boss: PgBoss | null = null;
  private connection: JobsConnection | null = null;
  private reminders: ClockReminders | null = null;
  private digest: DailyDigest | null = null;
  private readonly opts: Required<JobRunnerOptions>;
  /** Fired, late and failed jobs of this process, and the shared queue's states (GET /metrics). */
  readonly metrics: JobMetrics;

  constructor(
    private readonly deps: CoreDeps,
    private readonly db: Database,
    private readonly adapterFor: AdapterLookup,
    opts: JobRunnerOptions = {},
  ) {
    this.opts = {
      pollingIntervalSeconds: 1,
      retryLimit: 8,
      retryDelaySeconds: 15,
      expireInSeconds: 300,
      maintenanceIntervalSeconds: 60,
      batchSize: 20,
      lanes: db.kind === 'postgres' ? 4 : 1,
      quietHours: DEFAULT_QUIET_HOURS,
      ...opts,
    };
    this.metrics = new JobMetrics(() => queueStates(db, JOBS_SCHEMA));
  }

  get clockReminders(): ClockReminders {
    if (!this.reminders) throw new Error('JobRunner.start() has not been called');
    return this.reminders;
  }

  async start(): Promise<void> {
    const { log } = this.deps;
    const started = performance.now();
    await this.metrics.load();
    this.connection = await openJobsConnection(this.db);
    const { default: Boss } = await import('pg-boss');
    const boss = new Boss({
      connectionString: this.connection.connectionString,
      max: this.connection.maxConnections,
      schema: JOBS_SCHEMA,
      application_name: 'pdi-responder-jobs',
      maintenanceIntervalSeconds: this.opts.maintenanceIntervalSeconds,
    });
    boss.on('error', (err: Error) => log.error({ err }, 'job queue error'));
    try {
      await boss.start();
      for (const name of [REMINDER_QUEUE, DIGEST_QUEUE, RETENTION_QUEUE]) await this.ensureQueue(boss, name);
    } catch (err) {
      await boss.stop({ graceful: false }).catch(() => undefined);
      await this.connection.close().catch(() => undefined);
      throw err;
    }
    this.boss = boss;
    const reminders = new ClockReminders(this.deps, this.adapterFor, new BossQueue(boss), { quietHours: this.opts.quietHours });
    this.reminders = reminders;
    // pg-boss 10 waits a full polling interval after every fetch, so one job per fetch would cap an instance at a
    // job or two per second: fetch a batch and run it in a few lanes, completing or failing each job on its own.
    await boss.work<ReminderJobData>(
      REMINDER_QUEUE,
      { pollingIntervalSeconds: this.opts.pollingIntervalSeconds, batchSize: this.opts.batchSize },
      (jobs) =>
        this.runBatch(boss, REMINDER_QUEUE, jobs, async (job) => {
          const m = this.metrics;
          m.lateness.observe(
            { queue: REMINDER_QUEUE },
            Math.max(0, this.deps.now().getTime() - new Date(job.data.fireAt).getTime()) / 1000,
          );
          const result = await reminders.fire(job.data, job.id);
          m.fired.inc({ queue: REMINDER_QUEUE, outcome: result.outcome === 'sent' ? 'sent' : `skipped:${result.why}` });
          if (result.outcome === 'sent' && result.late) m.late.inc({ queue: REMINDER_QUEUE });
          log.info(
            { jobId: job.id, incidentId: job.data.incidentId, clock: job.data.clockId, slot: job.data.slot, ...result },
            'clock reminder job',
          );
          if (result.outcome === 'sent') await reminders.reconcile(job.data.incidentId, 'fired');
          return result;
        }),
    );
    const digest = new DailyDigest(this.deps, this.adapterFor, new BossDigestQueue(boss));
    this.digest = digest;
    await boss.work<DigestJobData>(DIGEST_QUEUE, { pollingIntervalSeconds: Math.max(this.opts.pollingIntervalSeconds, 5) }, (jobs) =>
      this.runBatch(boss, DIGEST_QUEUE, jobs, async (job) => {
        const m = this.metrics;
        m.lateness.observe({ queue: DIGEST_QUEUE }, Math.max(0, this.deps.now().getTime() - digestTime(job.data.day).getTime()) / 1000);
        const result = await digest.fire(job.data, job.id);
        m.fired.inc({ queue: DIGEST_QUEUE, outcome: result.outcome === 'done' ? 'done' : `skipped:${result.why}` });
        if (result.outcome === 'done')
          for (const sch of result.schools) if (sch.outcome === 'sent' && sch.late) m.late.inc({ queue: DIGEST_QUEUE });
        log.info({ jobId: job.id, ...result }, 'daily digest job');
        await digest.schedule();
        return result;
      }),
    );
    await digest.schedule();
    const retention = new RetentionReview(this.deps, new BossRetentionQueue(boss));
    await boss.work<RetentionJobData>(RETENTION_QUEUE, { pollingIntervalSeconds: Math.max(this.opts.pollingIntervalSeconds, 5) }, (jobs) =>
      this.runBatch(boss, RETENTION_QUEUE, jobs, async (job) => {
        const result = await retention.fire(job.data);
        log.info({ jobId: job.id, day: result.day, due: result.due.length, sessionsPruned: result.sessionsPruned }, 'retention review job');
        await retention.schedule();
        return { day: result.day, due: result.due.length, sessionsPruned: result.sessionsPruned };
      }),
    );
    await retention.schedule();
    const incidents = await reminders.reconcileAll('startup');
    log.info({ incidents, ms: Math.round(performance.now() - started) }, 'job queue started');
  }

  private async runBatch<T extends object>(
    boss: PgBoss,
    queue: string,
    jobs: PgBoss.Job<T>[],
    run: (job: PgBoss.Job<T>) => Promise<object>,
  ): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        try {
          await boss.complete(queue, job.id, await run(job));
        } catch (err) {
          this.metrics.failed.inc({ queue });
          this.deps.log.warn({ jobId: job.id, queue, err: { message: (err as Error).message } }, 'job failed; it will be retried');
          await boss
            .fail(queue, job.id, { message: (err as Error).message })
            .catch((e: unknown) => this.deps.log.error({ err: e, jobId: job.id }, 'could not record a failed job'));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.lanes, jobs.length) }, lane));
  }

  private async ensureQueue(boss: PgBoss, name: string): Promise<void> {
    if (await boss.getQueue(name)) return;
    await boss
      .createQueue(name, {
        name,
        policy: 'standard',
        retryLimit: this.opts.retryLimit,
        retryDelay: this.opts.retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: this.opts.expireInSeconds,
        retentionDays: 30,
      })
      .catch(async (err: unknown) => {
        // Another instance created it at the same moment.
        if (!(await boss.getQueue(name))) throw err;
      });
  }

  get dailyDigest(): DailyDigest {
    if (!this.digest) throw new Error('JobRunner.start() has not been called');
    return this.digest;
  }

  /** CoreDeps.onIncidentChanged: re-plan the incident's reminders after a committed change. */
  async onIncidentChanged(change: IncidentChange): Promise<void> {
    if (!this.reminders) return;
    await this.reminders.reconcile(change.incidentId, change.reason);
  }

  /** Stops taking jobs; a job in progress gets a few seconds to finish, else it is failed and retried later. */
  async stop(): Promise<void> {
    const boss = this.boss;
    this.boss = null;
    this.reminders = null;
    this.digest = null;
    if (boss) await boss.stop({ graceful: true, wait: true, close: true, timeout: 5_000 });
    await this.connection?.close();
    this.connection = null;
  }
}
