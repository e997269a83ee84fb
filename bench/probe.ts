// Bench-only instruments (bench/run.ts): counts the SQL statements a request sends to the database and splits its
// time into stages. Nothing here is loaded by the product: the counters patch the drivers' prototypes inside the
// benchmark's own process, and the stages wrap methods of one running app's objects.
//
// What is counted, on either engine:
// - `app`: statements of the product's own queries (Prisma and raw SQL). On PostgreSQL each `pg` Client.query of the
//   product's pool; on PGlite each query or exec the instance runs (PGlite#_runExclusiveQuery, which its query, exec
//   and transaction paths all take; BEGIN and COMMIT count as statements, as they are round trips on PostgreSQL too).
// - `jobs`: statements of the job queue (pg-boss), which has its own `pg` pool on both engines (application_name
//   pdi-responder-jobs; on PGlite it reaches the same instance over a socket, whose protocol messages are not counted
//   a second time).
// Only work started inside `Probe.measure` is counted (AsyncLocalStorage), so the queue's polling in the background
// and other requests are left out.
import { AsyncLocalStorage } from 'node:async_hooks';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

const JOBS_APPLICATION = 'pdi-responder-jobs';

export interface StageTotals {
  ms: number;
  app: number;
  jobs: number;
  calls: number;
}

interface Tally {
  app: number;
  jobs: number;
  /** Innermost stage first; time and statements of a stage exclude those of the stages nested in it. */
  stack: { name: string; t0: number; app0: number; jobs0: number; childMs: number; childApp: number; childJobs: number }[];
  stages: Map<string, StageTotals>;
  /** While PGlite serves the socket (pg-boss's statements, already counted by pg), its queries are not counted. */
  socket: number;
  /** With `trace`: the text of each statement sent through `pg` (PostgreSQL only: PGlite's path does not show it). */
  trace?: string[];
}

const als = new AsyncLocalStorage<Tally>();
let installed = false;

/** Patches the drivers once per process (bench only). */
function install(): void {
  if (installed) return;
  installed = true;
  const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client & { connectionParameters?: { application_name?: string } }, ...a: unknown[]) {
    const t = als.getStore();
    if (t) {
      const jobs = this.connectionParameters?.application_name === JOBS_APPLICATION;
      if (jobs) t.jobs += 1;
      else t.app += 1;
      if (t.trace) {
        const text = typeof a[0] === 'string' ? a[0] : ((a[0] as { text?: string } | undefined)?.text ?? '?');
        t.trace.push(`${jobs ? 'queue' : 'app  '} ${t.stack.at(-1)?.name ?? '-'}: ${text.replace(/\s+/g, ' ').slice(0, 160)}`);
      }
    }
    return query.apply(this, a);
  } as typeof pg.Client.prototype.query;
  const proto = PGlite.prototype as unknown as {
    _runExclusiveQuery(fn: () => Promise<unknown>): Promise<unknown>;
    runExclusive(fn: () => Promise<unknown>): Promise<unknown>;
  };
  const exclusive = proto._runExclusiveQuery;
  proto._runExclusiveQuery = function (this: unknown, fn: () => Promise<unknown>) {
    const t = als.getStore();
    if (t && t.socket === 0) t.app += 1;
    return exclusive.call(this, fn);
  };
  const runExclusive = proto.runExclusive;
  proto.runExclusive = async function (this: unknown, fn: () => Promise<unknown>) {
    const t = als.getStore();
    if (t) t.socket += 1;
    try {
      return await runExclusive.call(this, fn);
    } finally {
      if (t) t.socket -= 1;
    }
  };
}

export interface Measured<T> {
  value: T;
  ms: number;
  /** CPU time of this process (user + system) while `fn` ran: less sensitive than `ms` to other load on the machine. */
  cpuMs: number;
  app: number;
  jobs: number;
  stages: Map<string, StageTotals>;
  /** The statements' text (PostgreSQL), when the probe was made with `trace`. */
  trace?: string[];
}

export class Probe {
  constructor(private readonly opts: { trace?: boolean } = {}) {
    install();
  }

  /** Runs `fn` and returns its time, the statements it caused and its stages (see `stage`). */
  async measure<T>(fn: () => Promise<T>): Promise<Measured<T>> {
    const tally: Tally = { app: 0, jobs: 0, stack: [], stages: new Map(), socket: 0, ...(this.opts.trace ? { trace: [] } : {}) };
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const value = await als.run(tally, fn);
    const cpu = process.cpuUsage(c0);
    return {
      value,
      ms: performance.now() - t0,
      cpuMs: (cpu.user + cpu.system) / 1000,
      app: tally.app,
      jobs: tally.jobs,
      stages: tally.stages,
      ...(tally.trace ? { trace: tally.trace } : {}),
    };
  }

  /**
   * Replaces `obj[method]` by a wrapper that books its time and statements to the stage `name` (minus stages nested
   * in it). Calls made outside `measure` pass straight through.
   */
  stage<O extends object, K extends keyof O>(obj: O, method: K, name: string): void {
    const original = obj[method] as unknown as (...a: unknown[]) => Promise<unknown>;
    if (typeof original !== 'function') throw new Error(`probe: ${String(method)} is not a method`);
    (obj as Record<K, unknown>)[method] = async function (this: unknown, ...a: unknown[]) {
      const t = als.getStore();
      if (!t) return original.apply(this, a);
      const frame = { name, t0: performance.now(), app0: t.app, jobs0: t.jobs, childMs: 0, childApp: 0, childJobs: 0 };
      t.stack.push(frame);
      try {
        return await original.apply(this, a);
      } finally {
        t.stack.pop();
        const ms = performance.now() - frame.t0;
        const app = t.app - frame.app0;
        const jobs = t.jobs - frame.jobs0;
        const s = t.stages.get(name) ?? { ms: 0, app: 0, jobs: 0, calls: 0 };
        s.ms += ms - frame.childMs;
        s.app += app - frame.childApp;
        s.jobs += jobs - frame.childJobs;
        s.calls += 1;
        t.stages.set(name, s);
        const parent = t.stack.at(-1);
        if (parent) {
          parent.childMs += ms;
          parent.childApp += app;
          parent.childJobs += jobs;
        }
      }
    };
  }
}
