import PgBoss from 'pg-boss';
import type { CoreDeps, IncidentChange } from '../core/context.js';
import type { Database } from '../storage/database.js';
import { openJobsConnection, type JobsConnection } from './connection.js';
import type { AdapterLookup } from './notify.js';
import { ClockReminders, type QueuedReminder, type ReminderJobData, type ReminderQueue } from './reminders.js';

/** pg-boss keeps its tables in this schema, next to the product's own (public). */
export const JOBS_SCHEMA = 'pgboss';
export const REMINDER_QUEUE = 'clock-reminder';

export interface JobRunnerOptions {
  /** How often an idle worker looks for due jobs (pg-boss minimum 0.5 s). */
  pollingIntervalSeconds?: number;
  /** Attempts after the first failure, and the delay before the first retry (doubling after). */
  retryLimit?: number;
  retryDelaySeconds?: number;
}

/** The pg-boss queue behind ClockReminders. Jobs carry deterministic ids: adding one twice is a no-op (ON CONFLICT). */
class BossQueue implements ReminderQueue {
  constructor(private readonly boss: PgBoss) {}

  async add(jobs: QueuedReminder[]): Promise<void> {
    for (const j of jobs) {
      await this.boss.send(REMINDER_QUEUE, j.data, { id: j.id, singletonKey: j.key, startAfter: j.startAfter });
    }
  }

  async cancel(ids: string[]): Promise<void> {
    await this.boss.cancel(REMINDER_QUEUE, ids);
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
  private readonly opts: Required<JobRunnerOptions>;

  constructor(
    private readonly deps: CoreDeps,
    private readonly db: Database,
    private readonly adapterFor: AdapterLookup,
    opts: JobRunnerOptions = {},
  ) {
    this.opts = { pollingIntervalSeconds: 1, retryLimit: 8, retryDelaySeconds: 15, ...opts };
  }

  get clockReminders(): ClockReminders {
    if (!this.reminders) throw new Error('JobRunner.start() has not been called');
    return this.reminders;
  }

  async start(): Promise<void> {
    const { log } = this.deps;
    const started = performance.now();
    this.connection = await openJobsConnection(this.db);
    const boss = new PgBoss({
      connectionString: this.connection.connectionString,
      max: this.connection.maxConnections,
      schema: JOBS_SCHEMA,
      application_name: 'pdi-responder-jobs',
    });
    boss.on('error', (err: Error) => log.error({ err }, 'job queue error'));
    try {
      await boss.start();
      if (!(await boss.getQueue(REMINDER_QUEUE))) {
        await boss
          .createQueue(REMINDER_QUEUE, {
            name: REMINDER_QUEUE,
            policy: 'standard',
            retryLimit: this.opts.retryLimit,
            retryDelay: this.opts.retryDelaySeconds,
            retryBackoff: true,
            expireInSeconds: 300,
            retentionDays: 30,
          })
          .catch(async (err: unknown) => {
            // Another instance created it at the same moment.
            if (!(await boss.getQueue(REMINDER_QUEUE))) throw err;
          });
      }
    } catch (err) {
      await boss.stop({ graceful: false }).catch(() => undefined);
      await this.connection.close().catch(() => undefined);
      throw err;
    }
    this.boss = boss;
    const reminders = new ClockReminders(this.deps, this.adapterFor, new BossQueue(boss));
    this.reminders = reminders;
    await boss.work<ReminderJobData>(REMINDER_QUEUE, { pollingIntervalSeconds: this.opts.pollingIntervalSeconds }, async ([job]) => {
      if (!job) return;
      const result = await reminders.fire(job.data, job.id);
      log.info({ jobId: job.id, incidentId: job.data.incidentId, clock: job.data.clockId, slot: job.data.slot, ...result }, 'clock reminder job');
      if (result.outcome === 'sent') await reminders.reconcile(job.data.incidentId, 'fired');
      return result;
    });
    const incidents = await reminders.reconcileAll('startup');
    log.info({ incidents, ms: Math.round(performance.now() - started) }, 'job queue started');
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
    if (boss) await boss.stop({ graceful: true, wait: true, close: true, timeout: 5_000 });
    await this.connection?.close();
    this.connection = null;
  }
}
