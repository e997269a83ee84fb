import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../core/data/root.js';
import { KeyRingError, parseKeyRing } from '../core/privacy/cipher.js';
import { hostName } from '../web/hosts.js';

/** Repository root (where playbooks/ and prisma/ live), independent of the current directory and of src/ vs dist/. */
export const ROOT_DIR = PROJECT_ROOT;

const onOff = z
  .enum(['on', 'off', 'true', 'false', '1', '0'], { message: 'must be "on" or "off"' })
  .transform((v) => v === 'on' || v === 'true' || v === '1');

const schema = z.object({
  PORT: z.coerce.number({ message: 'must be a number' }).int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.url({ message: 'must be an absolute URL such as https://bot.example.edu.tw' }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: 'must start with postgresql:// (unset it to use the embedded database)' })
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  DATA_DIR: z.string().min(1).default('data'),
  DATA_ENCRYPTION_KEYS: z.string().min(1).optional(),
  EVIDENCE_STORE: z
    .enum(['directory', 'database'], { message: 'must be "directory" (files under EVIDENCE_DIR) or "database" (rows in PostgreSQL)' })
    .optional(),
  EVIDENCE_DIR: z.string().min(1).optional(),
  EVIDENCE_MAX_MB: z.coerce.number({ message: 'must be a number of megabytes' }).int().min(1).max(200).default(25),
  DATA_KEYS_FILE: z.string().min(1).optional(),
  LOCAL_CHAT: z
    .enum(['on', 'off', 'true', 'false', '1', '0', 'demo-on-network'], { message: 'must be "on", "off" or "demo-on-network"' })
    .optional(),
  /** `steps`: the local chat page asks forms one question at a time, as LINE does (to try web forms from chat). */
  LOCAL_CHAT_FORMS: z.enum(['form', 'steps'], { message: 'must be "form" or "steps"' }).optional(),
  ALLOWED_HOSTS: z
    .string()
    .regex(/^\s*[\w.:[\]-]+(\s*,\s*[\w.:[\]-]+)*\s*$/, {
      message: 'must be host names separated by commas, such as bot.example.edu.tw,10.0.0.5:3000',
    })
    .optional(),
  TRUST_PROXY: z
    .string()
    .regex(/^(off|\d{1,2}|[\w.:/]+(\s*,\s*[\w.:/]+)*)$/, {
      message: 'must be "off", a number of proxy hops, or addresses/CIDRs separated by commas (e.g. 10.0.0.0/8,loopback)',
    })
    .optional(),
  METRICS_TOKEN: z.string().min(24, { message: 'must be at least 24 characters (e.g. openssl rand -hex 24)' }).optional(),
  DEMO_SEED: onOff.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: onOff.optional(),
  PLAYBOOKS_DIR: z.string().min(1).default(join(ROOT_DIR, 'playbooks')),
  CLOCK_PROFILE: z.string().min(1).default('private-school'),
  LINE_CHANNEL_SECRET: z
    .string()
    .regex(/^[0-9a-f]{32}$/i, { message: 'must be the 32-character channel secret from the LINE Developers console (Basic settings)' })
    .optional(),
  LINE_CHANNEL_ACCESS_TOKEN: z
    .string()
    .min(20, { message: 'must be the long-lived channel access token from the LINE Developers console (Messaging API tab)' })
    .optional(),
  LINE_API_BASE_URL: z.url({ message: 'must be an absolute URL such as https://api.line.me' }).default('https://api.line.me'),
  LINE_API_DATA_URL: z.url({ message: 'must be an absolute URL such as https://api-data.line.me' }).default('https://api-data.line.me'),
  LINE_QUOTA_WARN_PERCENT: z
    .string()
    .regex(/^\s*\d{1,3}(\s*,\s*\d{1,3})*\s*$/, { message: 'must be percentages separated by commas, such as 80,95' })
    .transform((v) => [...new Set(v.split(',').map((x) => Number(x.trim())))].sort((x, y) => x - y))
    .refine((l) => l.every((x) => x >= 1 && x <= 100), { message: 'each percentage must be between 1 and 100' })
    .default([80, 95]),
  LINE_QUOTA_CHECK_MINUTES: z.coerce.number({ message: 'must be a number of minutes' }).min(0).max(1440).default(15),
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xoxb-[\w-]+$/, { message: "must be the Bot User OAuth Token (xoxb-…) from the Slack app's OAuth & Permissions page" })
    .optional(),
  SLACK_SIGNING_SECRET: z
    .string()
    .regex(/^[0-9a-f]{32}$/i, { message: "must be the 32-character Signing Secret from the Slack app's Basic Information page" })
    .optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-[\w-]+$/, {
      message: 'must be an app-level token (xapp-…) with connections:write, from Basic Information → App-Level Tokens',
    })
    .optional(),
  SLACK_API_URL: z.url({ message: 'must be an absolute URL such as https://slack.com/api/' }).default('https://slack.com/api/'),
  SLACK_SOCKET_MODE: onOff.optional(),
  DISCORD_BOT_TOKEN: z
    .string()
    .regex(/^[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}$/, {
      message: 'must be the bot token from the Discord Developer Portal (your application → Bot → Reset Token)',
    })
    .optional(),
  DISCORD_APPLICATION_ID: z
    .string()
    .regex(/^\d{17,20}$/, { message: 'must be the Application ID (17–20 digits) from the Discord Developer Portal (General Information)' })
    .optional(),
  DISCORD_API_BASE: z.url({ message: 'must be an absolute URL such as https://discord.com/api' }).default('https://discord.com/api'),
  DISCORD_READ_GROUP_MESSAGES: onOff.optional(),
  JOBS_POLL_SECONDS: z.coerce.number({ message: 'must be a number of seconds' }).min(0.5).max(60).default(1),
  JOBS_EXPIRE_SECONDS: z.coerce.number({ message: 'must be a number of seconds' }).int().min(1).max(3600).default(300),
  JOBS_MAINTENANCE_SECONDS: z.coerce.number({ message: 'must be a number of seconds' }).int().min(1).max(3600).default(60),
  JOBS_RETRY_DELAY_SECONDS: z.coerce.number({ message: 'must be a number of seconds' }).int().min(1).max(3600).default(15),
  // Quiet hours (Asia/Taipei) for reminders of day- and month-counted clocks: "22:00-07:00" (the default) or "off".
  REMINDER_QUIET_HOURS: z
    .string()
    .regex(/^(off|([01]?\d|2[0-3]):[0-5]\d\s*-\s*([01]?\d|2[0-3]):[0-5]\d)$/i, {
      message: 'must be a time range such as 22:00-07:00 (Asia/Taipei), or off',
    })
    .transform((v) => {
      if (/^off$/i.test(v)) return null;
      const [a, b] = v.split('-').map((x) => x.trim().split(':').map(Number) as [number, number]);
      return { startMinute: a![0] * 60 + a![1], endMinute: b![0] * 60 + b![1] };
    })
    .refine((q) => q === null || q.startMinute !== q.endMinute, { message: 'start and end must differ (use off for none)' })
    .default({ startMinute: 22 * 60, endMinute: 7 * 60 }),
});

export interface AppConfig {
  port: number;
  host: string;
  publicUrl?: string;
  database: { kind: 'postgres'; url: string; poolSize: number } | { kind: 'pglite'; dataDir: string | null; template?: string };
  dataDir: string;
  /**
   * The evidence locker (docs/evidence.md): new files go to `store` — a directory (embedded default: DATA_DIR/evidence)
   * or rows in the database (default with DATABASE_URL, so every instance sees every file); files stored earlier in
   * the other place are still read while `dir` is reachable.
   */
  evidence: { store: 'directory' | 'database'; dir: string; maxBytes: number };
  /**
   * Key-ring spec ("id:base64key,…", first = current, validated), see src/core/privacy/cipher.ts; null on the embedded
   * default when the key file does not exist yet: src/app/keys.ts makes one only for a database without encrypted data.
   */
  encryptionKeys: string | null;
  /** Where the key ring comes from: the environment, the key file, or the old key file inside DATA_DIR. */
  encryptionKeySource: 'environment' | 'file' | 'legacy-file' | 'none';
  /** The embedded default's key file (DATA_KEYS_FILE; default: beside DATA_DIR, not in it); null with DATA_ENCRYPTION_KEYS. */
  keyFile: string | null;
  localChat: boolean;
  /** LOCAL_CHAT=demo-on-network: the local chat (no login) explicitly allowed beyond loopback or on PostgreSQL. */
  localChatOnNetwork: boolean;
  /** LOCAL_CHAT_FORMS=steps: the local chat asks forms step by step, as on LINE. */
  localChatSteps: boolean;
  demoSeed: boolean;
  /** Host names (no port) the local chat page and API answer in the Host header (DNS rebinding); loopback names always. */
  allowedHosts: string[];
  /** Fastify trustProxy: false (default: X-Forwarded-For ignored), a hop count, or the proxies' addresses/CIDRs. */
  trustProxy: false | number | string;
  /** Bearer token for /metrics; without it /metrics answers loopback clients only. */
  metricsToken: string | null;
  logLevel: string;
  logPretty: boolean;
  playbooksDir: string;
  clockProfile: string;
  migrationsDir: string;
  /** LINE Messaging API channel (adapters/line); null when LINE is not configured. */
  line: {
    channelSecret: string;
    channelAccessToken: string;
    apiBaseUrl: string;
    /** api-data.line.me (rich menu images). */
    dataApiBaseUrl: string;
    /** Monthly message quota: warn the contact windows once per month when consumption passes each percentage. */
    quotaWarnPercent: number[];
    /** Consumption is read after pushes at most this often (and at start-up); 0 = after every push. */
    quotaCheckMinutes: number;
  } | null;
  /** Slack app (adapters/slack); HTTP transport with a signing secret, Socket Mode with an app token; null when off. */
  slack: { botToken: string; signingSecret: string | null; appToken: string | null; apiUrl: string; socketMode: boolean } | null;
  /** Discord bot (adapters/discord) over the gateway; null when off. readGroupMessages adds the MessageContent intent. */
  discord: { botToken: string; applicationId: string; apiBase: string; readGroupMessages: boolean } | null;
  /** Job queue tuning (src/jobs/runner.ts): polling, how long a job may stay active before another instance retries it. */
  jobs: {
    pollingIntervalSeconds: number;
    expireInSeconds: number;
    maintenanceIntervalSeconds: number;
    retryDelaySeconds: number;
    /** Reminders of day/month-counted clocks wait out these hours (Asia/Taipei); hour-counted clocks never do. Null: none. */
    quietHours: { startMinute: number; endMinute: number } | null;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration error — fix these in .env or the environment (see .env.example):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the configuration once, at start-up. Nothing else in the product reads process.env.
 * `env` defaults to process.env (after loading ./.env when present).
 */
export function loadConfig(env: Record<string, string | undefined> = readEnvironment()): AppConfig {
  const blankToUndefined = Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, v === undefined || v.trim() === '' ? undefined : v.trim()]),
  );
  const parsed = schema.safeParse(blankToUndefined);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = String(i.path[0] ?? '?');
        const got = blankToUndefined[key];
        const shown = /KEY|URL|SECRET|TOKEN/.test(key) || got === undefined ? '' : ` (got "${got}")`;
        return `${key}: ${i.message}${shown}`;
      }),
    );
  }
  const c = parsed.data;
  const dataDir = resolve(c.DATA_DIR);
  const embedded = !c.DATABASE_URL;
  const problems: string[] = [];
  if (!existsSync(c.PLAYBOOKS_DIR)) problems.push(`PLAYBOOKS_DIR: directory ${c.PLAYBOOKS_DIR} does not exist`);

  let encryptionKeys: string | null = c.DATA_ENCRYPTION_KEYS ?? null;
  let encryptionKeySource: AppConfig['encryptionKeySource'] = encryptionKeys ? 'environment' : 'none';
  let keyFile: string | null = null;
  if (!encryptionKeys) {
    if (!embedded) {
      problems.push(
        'DATA_ENCRYPTION_KEYS: required with DATABASE_URL (several instances must share the key). ' +
          'Generate one with `npm run keygen` and set DATA_ENCRYPTION_KEYS=k1:<key>.',
      );
    } else {
      // The key lives apart from the data it protects, so that a copy of DATA_DIR alone reads nothing; an install from
      // before keeps its key inside DATA_DIR until the operator moves it (start-up says how).
      keyFile = resolve(c.DATA_KEYS_FILE ?? defaultKeyFile(dataDir));
      const legacy = join(dataDir, 'encryption-keys');
      if (existsSync(keyFile)) {
        encryptionKeys = readFileSync(keyFile, 'utf8').trim();
        encryptionKeySource = 'file';
      } else if (!c.DATA_KEYS_FILE && existsSync(legacy)) {
        encryptionKeys = readFileSync(legacy, 'utf8').trim();
        encryptionKeySource = 'legacy-file';
        keyFile = legacy;
      }
    }
  }
  if (encryptionKeys !== null) {
    try {
      parseKeyRing(encryptionKeys);
    } catch (err) {
      if (!(err instanceof KeyRingError)) throw err;
      problems.push(`${encryptionKeySource === 'environment' ? 'DATA_ENCRYPTION_KEYS' : `key file ${keyFile}`}: ${err.message}`);
    }
  }
  if (!!c.LINE_CHANNEL_SECRET !== !!c.LINE_CHANNEL_ACCESS_TOKEN) {
    problems.push(
      `${c.LINE_CHANNEL_SECRET ? 'LINE_CHANNEL_ACCESS_TOKEN' : 'LINE_CHANNEL_SECRET'}: required when ` +
        `${c.LINE_CHANNEL_SECRET ? 'LINE_CHANNEL_SECRET' : 'LINE_CHANNEL_ACCESS_TOKEN'} is set (set both to turn LINE on, or neither)`,
    );
  }
  if (c.SLACK_BOT_TOKEN && !c.SLACK_SIGNING_SECRET && !c.SLACK_APP_TOKEN) {
    problems.push('SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN for the HTTP transport (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  if (c.SLACK_SOCKET_MODE === true && !c.SLACK_APP_TOKEN) {
    problems.push('SLACK_APP_TOKEN: required with SLACK_SOCKET_MODE=on (an app-level token xapp-… with connections:write)');
  }
  if (c.SLACK_SOCKET_MODE === false && c.SLACK_BOT_TOKEN && !c.SLACK_SIGNING_SECRET) {
    problems.push('SLACK_SIGNING_SECRET: required with SLACK_SOCKET_MODE=off (the HTTP transport checks every request with it)');
  }
  if (!c.SLACK_BOT_TOKEN && (c.SLACK_SIGNING_SECRET || c.SLACK_APP_TOKEN)) {
    problems.push('SLACK_BOT_TOKEN: required when SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set (set it to turn Slack on, or unset both)');
  }
  if (!!c.DISCORD_BOT_TOKEN !== !!c.DISCORD_APPLICATION_ID) {
    problems.push(
      `${c.DISCORD_BOT_TOKEN ? 'DISCORD_APPLICATION_ID' : 'DISCORD_BOT_TOKEN'}: required when ` +
        `${c.DISCORD_BOT_TOKEN ? 'DISCORD_BOT_TOKEN' : 'DISCORD_APPLICATION_ID'} is set (set both to turn Discord on, or neither)`,
    );
  }
  const onNetwork = c.LOCAL_CHAT === 'demo-on-network';
  const localChat = c.LOCAL_CHAT === undefined ? embedded : onNetwork || ['on', 'true', '1'].includes(c.LOCAL_CHAT);
  // The local chat has no login: whoever reaches it can act as anyone of the school, the principal included.
  if (localChat && !onNetwork && !isLoopback(c.HOST)) {
    problems.push(
      `LOCAL_CHAT: the local chat page has no login, so it only listens on a loopback address (HOST=${c.HOST} would serve everyone on the network). ` +
        'Use HOST=127.0.0.1, set LOCAL_CHAT=off, or LOCAL_CHAT=demo-on-network for a demonstration with demo data only.',
    );
  }
  if (localChat && !onNetwork && !embedded) {
    problems.push(
      'LOCAL_CHAT: refused with DATABASE_URL (a production database): the local chat has no login and would seed the demo school there. ' +
        'Unset LOCAL_CHAT (it is off with DATABASE_URL), or set LOCAL_CHAT=demo-on-network for a demonstration database.',
    );
  }
  if (c.DEMO_SEED === true && !embedded && !onNetwork) {
    problems.push(
      'DEMO_SEED: refused with DATABASE_URL (a production database) unless LOCAL_CHAT=demo-on-network says it is a demonstration database.',
    );
  }
  const evidenceStore = c.EVIDENCE_STORE ?? (embedded ? 'directory' : 'database');
  if (evidenceStore === 'database' && embedded) {
    problems.push(
      'EVIDENCE_STORE: "database" needs DATABASE_URL (PostgreSQL); the embedded default keeps evidence files under EVIDENCE_DIR (unset EVIDENCE_STORE)',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    port: c.PORT,
    host: c.HOST,
    publicUrl: c.PUBLIC_URL,
    database: embedded
      ? { kind: 'pglite', dataDir: join(dataDir, 'pglite'), template: join(ROOT_DIR, 'dist', 'pglite-template.tar.gz') }
      : { kind: 'postgres', url: c.DATABASE_URL!, poolSize: c.DATABASE_POOL_SIZE },
    dataDir,
    evidence: {
      store: evidenceStore,
      dir: resolve(c.EVIDENCE_DIR ?? join(dataDir, 'evidence')),
      maxBytes: c.EVIDENCE_MAX_MB * 1024 * 1024,
    },
    encryptionKeys,
    encryptionKeySource,
    keyFile,
    localChat,
    localChatOnNetwork: onNetwork,
    localChatSteps: c.LOCAL_CHAT_FORMS === 'steps',
    demoSeed: c.DEMO_SEED ?? localChat,
    allowedHosts: allowedHosts(c.ALLOWED_HOSTS, c.HOST, c.PUBLIC_URL),
    trustProxy:
      !c.TRUST_PROXY || c.TRUST_PROXY === 'off'
        ? false
        : /^\d+$/.test(c.TRUST_PROXY)
          ? Number(c.TRUST_PROXY)
          : c.TRUST_PROXY.replace(/\s+/g, ''),
    metricsToken: c.METRICS_TOKEN ?? null,
    logLevel: c.LOG_LEVEL,
    logPretty: c.LOG_PRETTY ?? false,
    playbooksDir: c.PLAYBOOKS_DIR,
    clockProfile: c.CLOCK_PROFILE,
    migrationsDir: join(ROOT_DIR, 'prisma', 'migrations'),
    line:
      c.LINE_CHANNEL_SECRET && c.LINE_CHANNEL_ACCESS_TOKEN
        ? {
            channelSecret: c.LINE_CHANNEL_SECRET,
            channelAccessToken: c.LINE_CHANNEL_ACCESS_TOKEN,
            apiBaseUrl: c.LINE_API_BASE_URL.replace(/\/+$/, ''),
            dataApiBaseUrl: c.LINE_API_DATA_URL.replace(/\/+$/, ''),
            quotaWarnPercent: c.LINE_QUOTA_WARN_PERCENT,
            quotaCheckMinutes: c.LINE_QUOTA_CHECK_MINUTES,
          }
        : null,
    slack: c.SLACK_BOT_TOKEN
      ? {
          botToken: c.SLACK_BOT_TOKEN,
          signingSecret: c.SLACK_SIGNING_SECRET ?? null,
          appToken: c.SLACK_APP_TOKEN ?? null,
          apiUrl: c.SLACK_API_URL.endsWith('/') ? c.SLACK_API_URL : `${c.SLACK_API_URL}/`,
          // Socket Mode when an app token is given, unless SLACK_SOCKET_MODE=off keeps the HTTP transport.
          socketMode: c.SLACK_SOCKET_MODE ?? !!c.SLACK_APP_TOKEN,
        }
      : null,
    discord:
      c.DISCORD_BOT_TOKEN && c.DISCORD_APPLICATION_ID
        ? {
            botToken: c.DISCORD_BOT_TOKEN,
            applicationId: c.DISCORD_APPLICATION_ID,
            apiBase: c.DISCORD_API_BASE.replace(/\/+$/, ''),
            readGroupMessages: c.DISCORD_READ_GROUP_MESSAGES ?? false,
          }
        : null,
    jobs: {
      pollingIntervalSeconds: c.JOBS_POLL_SECONDS,
      expireInSeconds: c.JOBS_EXPIRE_SECONDS,
      maintenanceIntervalSeconds: c.JOBS_MAINTENANCE_SECONDS,
      retryDelaySeconds: c.JOBS_RETRY_DELAY_SECONDS,
      quietHours: c.REMINDER_QUIET_HOURS,
    },
  };
}

/** Beside the data directory, never inside it: data → data-keys/encryption-keys. */
export function defaultKeyFile(dataDir: string): string {
  return join(dirname(dataDir), `${basename(dataDir)}-keys`, 'encryption-keys');
}

/** Whether HOST is a loopback address (only this machine can connect). */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** Host names (lowercase, without port) the local page answers in the Host header. */
function allowedHosts(list: string | undefined, host: string, publicUrl: string | undefined): string[] {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  if (host !== '0.0.0.0' && host !== '::') names.add(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
  if (publicUrl) names.add(new URL(publicUrl).hostname);
  for (const h of (list ?? '').split(',')) if (h.trim()) names.add(hostName(h.trim()));
  return [...names].map((n) => n.toLowerCase());
}

function readEnvironment(): Record<string, string | undefined> {
  const file = resolve('.env');
  if (existsSync(file)) process.loadEnvFile(file);
  return process.env;
}
