// npm run bench:line [-- --requests 1000] [--warmup 40] [--postgres]
// Acknowledgement time of LINE webhooks: the product's POST /webhooks/line (Fastify, x-line-signature checked with the
// SDK's validateSignature on the raw body, the events stored encrypted in the durable inbox inbound_event, 200)
// against a bare handler on node:http using the SDK's own webhook middleware (the same signature check and JSON parse)
// that answers 200 and does nothing else. Same run, same machine, requests interleaved (one to each, in turn), each
// timed from sending to the HTTP response (LINE waits up to a few seconds and then counts a failure). The product
// processes the events after its 200; that work is finished before the next request but not timed. The product runs
// on the embedded database (PGlite), or with --postgres on a fresh database created on TEST_POSTGRES_URL (default the
// local server) and dropped afterwards. Prints p50/p99 and the ratio; target ≤ 1.5× at p99.
//
// A third handler, "bare + durable INSERT", is the bare handler that also writes one row of the same size into a
// scratch table of the product's database (through the same connection pool, committed before the 200). It is the
// floor for any handler that keeps LINE's events safe before acknowledging them (LINE never redelivers an
// acknowledged event), and separates what the product adds from what one committed write costs on this database:
// on PostgreSQL that is a network round trip and a WAL flush (fsync), which the bare handler does not pay.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { middleware } from '@line/bot-sdk';
import pg from 'pg';
import { startApp } from '../src/app/app.js';
import { seedDemo } from '../src/app/demo.js';
import { loadConfig } from '../src/app/config.js';
import { createLogger } from '../src/app/logger.js';
import { callbackBody, ev, lineGroupId, lineUserId, sign } from '../test/fakes/line/events.js';
import { FakeLinePlatform } from '../test/fakes/line/platform.js';
import { pct } from './stats.js';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '40' },
    postgres: { type: 'boolean', default: false },
  },
});
const PG_SERVER = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const N = Number(args.requests);
const WARMUP = Number(args.warmup);
const SECRET = '0123456789abcdef0123456789abcdef';
const TOKEN = 'bench-channel-access-token-0000000000';
const KEYS = `k1:${Buffer.alloc(32, 5).toString('base64')}`;

type Kind = 'chatter' | 'postback';
const group = lineGroupId('bench-staff');
const user = lineUserId('bench-teacher');
/** Alternating: ordinary group chatter (the bot stays quiet) and a postback of an expired question (a short answer). */
function request(i: number): { kind: Kind; body: string } {
  const e =
    i % 2 === 0
      ? ev.text({ group }, user, `明天的會議改到下午兩點，第 ${i} 次確認`, `r${i}`.padEnd(32, '0'))
      : ev.postback({ group }, user, 'prompt:cancel:000000000000', `r${i}`.padEnd(32, '0'));
  return { kind: i % 2 === 0 ? 'chatter' : 'postback', body: callbackBody([e]) };
}

/**
 * The client runs in a worker thread with its own event loop, like LINE's servers are elsewhere: the product's work
 * after its 200 (the embedded database runs in this thread) must not delay the moment the client sees the response.
 */
const CLIENT = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', async ({ url, body, signature }) => {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-line-signature': signature }, body });
  const ms = performance.now() - t0;
  await res.arrayBuffer();
  parentPort.postMessage({ ms, status: res.status });
});
`;

function client(): { post(url: string, body: string): Promise<number>; close(): Promise<number> } {
  const worker = new Worker(CLIENT, { eval: true });
  return {
    post(url, body) {
      return new Promise((resolve, reject) => {
        worker.once('message', (m: { ms: number; status: number }) =>
          m.status === 200 ? resolve(m.ms) : reject(new Error(`${url} answered ${m.status}`)),
        );
        worker.postMessage({ url, body, signature: sign(body, SECRET) });
      });
    },
    close: () => worker.terminate(),
  };
}

/**
 * The bare handler: the SDK's middleware (signature + JSON), then 200. With `write`, the handler first awaits it (the
 * durable-write reference: see the header).
 */
async function startBare(
  write?: (body: { events?: { webhookEventId?: string }[] }) => Promise<void>,
): Promise<{ url: string; close(): Promise<void> }> {
  const check = middleware({ channelSecret: SECRET });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    check(req as never, res as never, (err?: unknown) => {
      const answer = (code: number, body: string) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(body);
      };
      if (err) return answer(401, '{"error":"bad signature"}');
      if (!write) return answer(200, '{"ok":true}');
      write((req as IncomingMessage & { body: never }).body).then(
        () => answer(200, '{"ok":true}'),
        () => answer(500, '{"error":"write failed"}'),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/line`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function main(): Promise<void> {
  const fake = await FakeLinePlatform.start(TOKEN);
  const dir = mkdtempSync(join(tmpdir(), 'pdi-bench-line-'));
  let databaseUrl: string | null = null;
  let dropDatabase = async (): Promise<void> => {};
  if (args.postgres) {
    const name = `pdi_bench_line_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: PG_SERVER });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(PG_SERVER);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  }
  const product = await startApp(
    loadConfig({
      PORT: '0',
      DATA_DIR: dir,
      DATA_ENCRYPTION_KEYS: KEYS,
      LOG_LEVEL: 'silent',
      LOCAL_CHAT: 'off',
      // The config refuses DEMO_SEED with DATABASE_URL (a production database, unless LOCAL_CHAT=demo-on-network, which
      // would also open the local chat): on PostgreSQL this scratch database is seeded by the bench right after start.
      DEMO_SEED: databaseUrl ? 'off' : 'on',
      LINE_CHANNEL_SECRET: SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: TOKEN,
      LINE_API_BASE_URL: fake.url,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    }),
    { log: createLogger({ level: 'silent' }) },
  );
  if (databaseUrl) await seedDemo(product.db);
  const bare = await startBare();
  // The scratch table lives in the product's database and is written through its pool, like the inbox.
  await product.db.sql.exec('CREATE TABLE bench_line_ack (id text PRIMARY KEY, body text NOT NULL, at timestamptz NOT NULL DEFAULT now())');
  const durable = await startBare(async (body) => {
    const e = body.events?.[0];
    const id = `${e?.webhookEventId ?? 'none'}:${Math.random()}`;
    // Same size as the product's row: the event encrypted (base64 of JSON) is about 4/3 of the JSON.
    await product.db.sql.query('INSERT INTO bench_line_ack (id, body) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id', [
      id,
      Buffer.from(JSON.stringify(e)).toString('base64'),
    ]);
  });
  const targets = [
    { name: 'product /webhooks/line', url: `${product.url}/webhooks/line`, idle: () => product.line!.idle() },
    { name: 'bare SDK middleware', url: bare.url, idle: async () => undefined },
    { name: 'bare + durable INSERT', url: durable.url, idle: async () => undefined },
  ];
  const c = client();
  const times = new Map<string, Record<Kind | 'all', number[]>>(targets.map((t) => [t.name, { chatter: [], postback: [], all: [] }]));
  try {
    for (let i = 0; i < WARMUP + N; i += 1) {
      // Rotate who goes first, so that no handler always follows the product's processing of the previous event.
      const order = targets.map((_, k) => targets[(i + k) % targets.length]!);
      for (const t of order) {
        const { kind, body } = request(i);
        const ms = await c.post(t.url, body);
        await t.idle();
        if (i >= WARMUP) {
          times.get(t.name)![kind].push(ms);
          times.get(t.name)!.all.push(ms);
        }
      }
    }
  } finally {
    await c.close();
    await bare.close();
    await durable.close();
    await product.close();
    await fake.close();
    await dropDatabase();
    rmSync(dir, { recursive: true, force: true });
  }

  const [p, b, d] = targets.map((t) => times.get(t.name)!);
  const fmt = (x: number) => x.toFixed(2).padStart(8);
  const db = databaseUrl ? 'PostgreSQL' : 'PGlite (embedded)';
  console.log(
    `\nLINE webhook acknowledgement time (ms), ${N} requests each after ${WARMUP} warm-up, interleaved; ${db}; Node ${process.version}, ${process.platform}`,
  );
  console.log(`${'events'.padEnd(10)}${'target'.padEnd(26)}${'n'.padStart(5)}${'p50'.padStart(9)}${'p99'.padStart(9)}${'max'.padStart(9)}`);
  for (const kind of ['chatter', 'postback', 'all'] as const) {
    for (const t of targets) {
      const xs = times.get(t.name)![kind];
      console.log(
        `${kind.padEnd(10)}${t.name.padEnd(26)}${String(xs.length).padStart(5)}${fmt(pct(xs, 50))} ${fmt(pct(xs, 99))} ${fmt(Math.max(...xs))}`,
      );
    }
  }
  const ratio50 = pct(p!.all, 50) / pct(b!.all, 50);
  const ratio99 = pct(p!.all, 99) / pct(b!.all, 99);
  console.log(
    `\nratio product / bare SDK handler: p50 ${ratio50.toFixed(2)}×, p99 ${ratio99.toFixed(2)}× (target ≤ 1.5× at p99: ${ratio99 <= 1.5 ? 'met' : 'NOT met'})`,
  );
  const floor50 = pct(d!.all, 50) / pct(b!.all, 50);
  const floor99 = pct(d!.all, 99) / pct(b!.all, 99);
  console.log(
    `ratio bare + durable INSERT / bare SDK handler: p50 ${floor50.toFixed(2)}×, p99 ${floor99.toFixed(2)}× (what one committed write costs on ${db})`,
  );
  console.log(
    `ratio product / bare + durable INSERT: p50 ${(pct(p!.all, 50) / pct(d!.all, 50)).toFixed(2)}×, p99 ${(pct(p!.all, 99) / pct(d!.all, 99)).toFixed(2)}× (what the product adds over that write)`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
