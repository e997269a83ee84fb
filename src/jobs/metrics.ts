import type { FastifyInstance } from 'fastify';
import type { Counter, Histogram, Registry } from 'prom-client';
import { isLoopbackAddress, sameSecret } from '../web/guards.js';
import type { Database } from '../storage/database.js';

/**
 * Prometheus metrics of one product process's job workers (GET /metrics). Counters are per process (Prometheus adds
 * the instances up); the queue gauges are read from the shared database at scrape time, so every instance reports
 * the same cluster-wide numbers for them.
 */
interface Instruments {
  registry: Registry;
  fired: Counter<'queue' | 'outcome'>;
  late: Counter<'queue'>;
  failed: Counter<'queue'>;
  lateness: Histogram<'queue'>;
}

/**
 * Prometheus metrics of one product process's job workers (GET /metrics). Counters are per process (Prometheus adds
 * the instances up); the queue gauges are read from the shared database at scrape time, so every instance reports
 * the same cluster-wide numbers for them. prom-client (and the OpenTelemetry API it pulls in, ~80 modules) is loaded
 * by `load()`, which JobRunner.start() calls after the HTTP server listens, or by the first scrape.
 */
export class JobMetrics {
  private instruments: Instruments | null = null;
  private loading: Promise<Instruments> | null = null;

  constructor(private readonly queueStates?: () => Promise<{ queue: string; state: string; count: number }[]>) {}

  load(): Promise<Instruments> {
    this.loading ??= import('prom-client').then((prom) => {
      const registry = new prom.Registry();
      const fired = new prom.Counter({
        name: 'pdi_jobs_fired_total',
        help: 'Jobs this process ran to completion, by queue and outcome (sent, or skipped: why)',
        labelNames: ['queue', 'outcome'] as const,
        registers: [registry],
      });
      const late = new prom.Counter({
        name: 'pdi_jobs_late_total',
        help: 'Messages this process sent later than planned (marked 延遲送達)',
        labelNames: ['queue'] as const,
        registers: [registry],
      });
      const failed = new prom.Counter({
        name: 'pdi_jobs_failed_total',
        help: 'Job attempts that failed in this process (the queue retries them)',
        labelNames: ['queue'] as const,
        registers: [registry],
      });
      const lateness = new prom.Histogram({
        name: 'pdi_jobs_lateness_seconds',
        help: 'Delay between the planned time of a job and when this process started it',
        labelNames: ['queue'] as const,
        buckets: [0.5, 1, 2, 5, 15, 60, 300, 1800, 3600],
        registers: [registry],
      });
      const queueStates = this.queueStates;
      if (queueStates) {
        new prom.Gauge({
          name: 'pdi_jobs_queued',
          help: 'Jobs in the shared queue by state (created, retry, active, completed, cancelled, failed)',
          labelNames: ['queue', 'state'] as const,
          registers: [registry],
          async collect() {
            this.reset();
            for (const row of await queueStates()) this.set({ queue: row.queue, state: row.state }, row.count);
          },
        });
      }
      this.instruments = { registry, fired, late, failed, lateness };
      return this.instruments;
    });
    return this.loading;
  }

  private get loaded(): Instruments {
    if (!this.instruments) throw new Error('JobMetrics.load() has not finished');
    return this.instruments;
  }

  get fired(): Counter<'queue' | 'outcome'> {
    return this.loaded.fired;
  }
  get late(): Counter<'queue'> {
    return this.loaded.late;
  }
  get failed(): Counter<'queue'> {
    return this.loaded.failed;
  }
  get lateness(): Histogram<'queue'> {
    return this.loaded.lateness;
  }

  async text(): Promise<string> {
    return (await this.load()).registry.metrics();
  }

  async contentType(): Promise<string> {
    return (await this.load()).registry.contentType;
  }
}

/** Job counts by queue and state, straight from pg-boss's table. */
export async function queueStates(db: Database, schema: string): Promise<{ queue: string; state: string; count: number }[]> {
  const [probe] = await db.sql.query<{ exists: boolean }>(`SELECT to_regclass('${schema}.job') IS NOT NULL AS exists`);
  if (!probe?.exists) return [];
  const rows = await db.sql.query<{ name: string; state: string; n: string | number }>(
    `SELECT name, state::text AS state, count(*) AS n FROM ${schema}.job GROUP BY name, state ORDER BY name, state`,
  );
  return rows.map((r) => ({ queue: r.name, state: r.state, count: Number(r.n) }));
}

/**
 * GET /metrics in the Prometheus text format. With `token` (METRICS_TOKEN) it needs `Authorization: Bearer <token>`;
 * without, it answers only clients on this machine that came straight, not through a proxy (a request with
 * X-Forwarded-For or Forwarded is refused even from loopback: a local reverse proxy would otherwise open it to all).
 */
export function registerMetricsRoute(server: FastifyInstance, metrics: JobMetrics, opts: { token?: string | null } = {}): void {
  server.get('/metrics', async (req, reply) => {
    if (opts.token) {
      const auth = String(req.headers.authorization ?? '');
      const given = /^Bearer\s+(\S+)$/i.exec(auth)?.[1] ?? '';
      if (!sameSecret(given, opts.token)) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer')
          .send({ error: 'unauthorized', detail: 'metrics need Authorization: Bearer <METRICS_TOKEN>' });
      }
    } else if (
      !isLoopbackAddress(req.socket.remoteAddress) ||
      req.headers['x-forwarded-for'] !== undefined ||
      req.headers.forwarded !== undefined
    ) {
      return reply
        .code(403)
        .send({ error: 'forbidden', detail: 'metrics answer loopback clients only; set METRICS_TOKEN to scrape them from elsewhere' });
    }
    const body = await metrics.text();
    return reply.header('content-type', await metrics.contentType()).send(body);
  });
}

export interface QueueTotals {
  queue: string;
  /** Jobs run to completion (sent or skipped), including those already archived. */
  fired: number;
  /** Messages sent later than planned (notices marked 延遲送達). */
  late: number;
  /** Jobs that used up their retries. */
  failed: number;
  /** Failed attempts that were retried. */
  retries: number;
  /** Waiting, retrying or running now. */
  pending: number;
}

const NOTICE_KIND: Record<string, string> = { 'clock-reminder': 'reminder', 'daily-digest': 'digest' };

/** Cluster-wide totals from the database (every instance, since the queue was created), for `npm run jobs`. */
export async function queueTotals(db: Database, schema: string, queues: string[]): Promise<QueueTotals[]> {
  const states = await queueStates(db, schema);
  const [probe] = await db.sql.query<{ exists: boolean }>(`SELECT to_regclass('${schema}.archive') IS NOT NULL AS exists`);
  const archived = probe?.exists
    ? await db.sql.query<{ name: string; state: string; n: string | number; retries: string | number }>(
        `SELECT name, state::text AS state, count(*) AS n, coalesce(sum(retry_count), 0) AS retries FROM ${schema}.archive GROUP BY name, state`,
      )
    : [];
  const live = states.length
    ? await db.sql.query<{ name: string; retries: string | number }>(
        `SELECT name, coalesce(sum(retry_count), 0) AS retries FROM ${schema}.job GROUP BY name`,
      )
    : [];
  const late = await db.repos.notices.lateByKind();
  const count = (queue: string, state: string) =>
    (states.find((s) => s.queue === queue && s.state === state)?.count ?? 0) +
    archived.filter((a) => a.name === queue && a.state === state).reduce((n, a) => n + Number(a.n), 0);
  return queues.map((queue) => ({
    queue,
    fired: count(queue, 'completed'),
    late: late.get(NOTICE_KIND[queue] ?? '') ?? 0,
    failed: count(queue, 'failed'),
    retries:
      Number(live.find((l) => l.name === queue)?.retries ?? 0) +
      archived.filter((a) => a.name === queue).reduce((n, a) => n + Number(a.retries), 0),
    pending: ['created', 'retry', 'active'].reduce((n, s) => n + count(queue, s), 0),
  }));
}
