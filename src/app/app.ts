import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
// The platform adapters are loaded only when configured (below): their SDKs take most of the start-up time.
import type { LineAdapter } from '../../adapters/line/index.js';
import type { SlackAdapter } from '../../adapters/slack/index.js';
import type { DiscordAdapter } from '../../adapters/discord/index.js';
import { LocalAdapter } from '../../adapters/local/index.js';
import { findProfile, loadCalendar, loadClockRules } from '../core/clocks/index.js';
import { useOfficeCalendar } from '../core/time/school-day.js';
import type { CoreDeps, IncidentChange } from '../core/context.js';
import { Bot } from '../core/conversation/bot.js';
import { InboundPipeline } from '../core/chat/pipeline.js';
import { PrismaInboxStore } from '../storage/inbox.js';
import type { PlatformAdapter } from '../ports/chat.js';
import { loadPlaybookLibrary } from '../core/playbooks/index.js';
import { registerMetricsRoute } from '../jobs/metrics.js';
import { JobRunner, type JobRunnerOptions } from '../jobs/runner.js';
import { evidenceStores } from '../storage/blobs.js';
import { openDatabase, type Database } from '../storage/database.js';
import { migrate } from '../storage/migrate.js';
import { buildServer } from '../web/server.js';
import { registerDocumentRoutes } from '../web/documents.js';
import type { ConsoleAccess } from '../core/conversation/command-flow.js';
import { registerConsoleRoutes } from '../web/console/routes.js';
import { PeopleAdmin } from '../core/people/admin.js';
import { ConsoleStore } from '../storage/console.js';
import type { AppConfig } from './config.js';
import { seedDemo } from './demo.js';
import { openKeyRing } from './keys.js';
import { createLogger, type Logger } from './logger.js';

export interface RunningApp {
  url: string;
  port: number;
  db: Database;
  bot: Bot;
  deps: CoreDeps;
  server: FastifyInstance;
  log: Logger;
  local: LocalAdapter | null;
  line: LineAdapter | null;
  slack: SlackAdapter | null;
  discord: DiscordAdapter | null;
  /** Durable scheduled work: clock reminders (src/jobs). */
  jobs: JobRunner;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  now?: () => Date;
  /** Reuse an open database (tests); it is not closed by close(). */
  db?: Database;
  /** Job queue tuning (tests poll faster). */
  jobs?: JobRunnerOptions;
}

/**
 * Wires the product together: data files (validated, a bad one stops start-up), database (migrated), core, adapters,
 * HTTP server. Every failure here is an operator error with an English message that says what to fix.
 */
export async function startApp(config: AppConfig, opts: StartOptions = {}): Promise<RunningApp> {
  const started = performance.now();
  const log = opts.log ?? createLogger({ level: config.logLevel, pretty: config.logPretty });
  const playbooks = loadPlaybookLibrary(config.playbooksDir);
  const clockRules = loadClockRules(join(config.playbooksDir, 'clocks.yaml'));
  const calendar = loadCalendar(join(config.playbooksDir, 'calendars'));
  // Typed times (「連假前最後一天上課」, no 午休 on a day off) read the same days off as the clocks.
  useOfficeCalendar(calendar);
  findProfile(clockRules, config.clockProfile);

  const db = opts.db ?? (await openDatabase(config.database));
  try {
    const m = await migrate(db, config.migrationsDir);
    if (m.applied.length) log.info({ applied: m.applied }, 'database migrated');
    // Before anything is read or written: a wrong or missing key stops start-up here (src/app/keys.ts).
    const { cipher } = await openKeyRing(config, db, log);
    if (config.demoSeed) await seedDemo(db);

    // Three inputs exist only later, so they are given as functions that look them up when called: the job runner
    // (built on these deps, it re-plans reminders after every change), the address the server listens on (known
    // once it listens; download links point there when PUBLIC_URL is not set) and the web console's sign-in (built
    // with the server's routes). Nothing built is patched afterwards.
    const late: { jobs?: JobRunner; url?: string; console?: ConsoleAccess } = {};
    const onIncidentChanged = async (change: IncidentChange) => void (await late.jobs?.onIncidentChanged(change));
    const deps: CoreDeps = {
      repos: db.repos,
      cipher,
      playbooks,
      clockRules,
      calendar,
      log,
      now: opts.now ?? (() => new Date()),
      evidence: { stores: evidenceStores(db.prisma, config.evidence), maxBytes: config.evidence.maxBytes },
      onIncidentChanged,
    };
    const bot = new Bot(deps, { baseUrl: () => config.publicUrl ?? late.url ?? null, console: () => late.console ?? null });
    const jobs = new JobRunner(deps, db, (platform) => bot.adapterFor(platform), { ...config.jobs, ...opts.jobs });
    late.jobs = jobs;
    const server = buildServer({
      log,
      ready: async () => void (await db.sql.query('SELECT 1')),
      trustProxy: config.trustProxy,
      allowedHosts: config.localChat ? config.allowedHosts : null,
    });
    registerMetricsRoute(server, jobs.metrics, { token: config.metricsToken });
    registerDocumentRoutes(server, {
      repos: db.repos,
      links: bot.reports.links,
      reports: bot.reports.service,
      evidence: bot.evidence.locker,
      log,
    });
    late.console = registerConsoleRoutes(server, {
      deps,
      log,
      store: new ConsoleStore(db.prisma),
      incidents: bot.incidents,
      notices: bot.notices.service,
      noticeActs: bot.notices.console,
      checklistActs: bot.checklistConsole,
      webForms: bot.webForms,
      people: new PeopleAdmin(deps),
      reports: bot.reports.service,
      documentLinks: bot.reports.links,
      baseUrl: bot.reports.baseUrl,
      secure: config.publicUrl?.startsWith('https:') ?? false,
    });
    // Every adapter is wired the same way: registered with the bot (outbound), attached to the one inbound pipeline
    // (webhook routes registered before the server listens), started once it listens, stopped in reverse order.
    // On PostgreSQL the inbox INSERT on the acknowledgement path skips Prisma (src/storage/inbox.ts); PGlite is fast either way.
    const inbound = new InboundPipeline(bot, new PrismaInboxStore(db.prisma, db.kind === 'postgres' ? db.sql : undefined), cipher, log);
    const adapters: PlatformAdapter[] = [];
    const add = <A extends PlatformAdapter>(adapter: A): A => {
      bot.register(adapter);
      adapter.attach(inbound);
      adapters.push(adapter);
      return adapter;
    };
    const local = config.localChat
      ? add(new LocalAdapter(db.repos, cipher, log, config.evidence.maxBytes, server, { askStepByStep: config.localChatSteps }))
      : null;
    let line: LineAdapter | null = null;
    if (config.line) {
      const { LineAdapter } = await import('../../adapters/line/index.js');
      line = add(new LineAdapter({ ...config.line, repos: db.repos, cipher, log, maxFileBytes: config.evidence.maxBytes, http: server }));
    }
    let slack: SlackAdapter | null = null;
    if (config.slack) {
      const { SlackAdapter } = await import('../../adapters/slack/index.js');
      slack = add(
        new SlackAdapter({ ...config.slack, repos: db.repos, cipher, log, maxFileBytes: config.evidence.maxBytes, http: server }),
      );
    }
    let discord: DiscordAdapter | null = null;
    if (config.discord) {
      const { DiscordAdapter } = await import('../../adapters/discord/index.js');
      discord = add(new DiscordAdapter({ ...config.discord, repos: db.repos, cipher, log, maxFileBytes: config.evidence.maxBytes }));
    }
    await server.listen({ port: config.port, host: config.host });
    const address = server.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
    late.url = url;
    if (config.localChatOnNetwork) {
      log.warn(
        { host: config.host, database: db.kind, allowedHosts: config.allowedHosts },
        'LOCAL_CHAT=demo-on-network: the local chat page has NO LOGIN and anyone who can reach it can act as anyone of the school, the principal included. Use it for demonstrations with demo data only.',
      );
    }
    log.info(
      {
        url,
        database: db.kind,
        location: db.location,
        localChat: config.localChat,
        line: !!config.line,
        slack: slack?.transport ?? false,
        discord: !!discord,
        demo: config.demoSeed,
        keySource: config.encryptionKeySource,
        ms: Math.round(performance.now() - started),
      },
      'started',
    );
    for (const adapter of adapters) await adapter.start();
    await jobs.start();
    return {
      url,
      port,
      db,
      bot,
      deps,
      server,
      log,
      local,
      line,
      slack,
      discord,
      jobs,
      async close() {
        await server.close();
        await jobs.stop();
        for (const adapter of [...adapters].reverse()) await adapter.stop();
        if (!opts.db) await db.close();
      },
    };
  } catch (err) {
    if (!opts.db) await db.close().catch(() => undefined);
    throw err;
  }
}
