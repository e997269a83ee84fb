// npm run bench:slack [-- --requests 400] [--warmup 40]
// Acknowledgement time of Slack requests: the product's POST /slack/events (Fastify, signature and timestamp check
// with Bolt's verifySlackRequest, the durable inbox for events, Bolt dispatch, ack) against a bare Bolt app on Bolt's
// own HTTPReceiver (the same verifySlackRequest check) whose listeners only ack. Same run, same machine, requests
// interleaved (one to each, in turn), each measured from sending to the HTTP response (Slack's 3 s window).
// Both talk to the same local fake Slack Web API. Prints a table with p50/p99 and the ratio; target ≤ 1.5× at p99.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { startApp } from '../src/app/app.js';
import { loadConfig } from '../src/app/config.js';
import { createLogger } from '../src/app/logger.js';
import { eventEnvelope, sign, slashCommand, slackEvent, type SlackRequest } from '../test/fakes/slack/events.js';
import { FakeSlackApi } from '../test/fakes/slack/platform.js';
import { pct } from './stats.js';

const { values: args } = parseArgs({
  options: { requests: { type: 'string', default: '400' }, warmup: { type: 'string', default: '40' } },
});
const N = Number(args.requests);
const WARMUP = Number(args.warmup);
const SECRET = '8f742231b10e8888abcd99eeeeee85a5';
const TOKEN = 'xoxb-1111-2222-benchtoken';
const KEYS = `k1:${Buffer.alloc(32, 3).toString('base64')}`;

type Kind = 'event' | 'command';
/** Alternating kinds: an Events API message (ordinary channel chatter) and a /pdi slash command (help). */
function request(i: number): { kind: Kind; req: SlackRequest } {
  if (i % 2 === 0)
    return { kind: 'event', req: eventEnvelope(slackEvent.message('C0BENCH01', 'UBENCH001', `明天的會議改到下午兩點，第 ${i} 次確認`)) };
  return { kind: 'command', req: slashCommand({ channel: 'C0BENCH01', user: 'UBENCH001', text: '說明', triggerId: `${i}.1.bench` }) };
}

/**
 * The client runs on its own thread (event loop): the product keeps working after its ack, on the main thread (PGlite
 * runs there too), and that must not delay the client reading an answer that was already sent.
 */
const CLIENT = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', async ({ url, headers, body }) => {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  const ms = performance.now() - t0;
  await res.arrayBuffer();
  parentPort.postMessage({ ms, status: res.status });
});`;

function client(): { post(url: string, req: SlackRequest): Promise<number>; close(): Promise<number> } {
  const worker = new Worker(CLIENT, { eval: true });
  return {
    post(url, req) {
      return new Promise((resolve, reject) => {
        worker.once('message', (m: { ms: number; status: number }) =>
          m.status === 200 ? resolve(m.ms) : reject(new Error(`${url} answered ${m.status}`)),
        );
        worker.postMessage({ url, headers: { 'content-type': req.contentType, ...sign(req.body, SECRET) }, body: req.body });
      });
    },
    close: () => worker.terminate(),
  };
}

async function main(): Promise<void> {
  const fake = await FakeSlackApi.start(TOKEN);
  const dir = mkdtempSync(join(tmpdir(), 'pdi-bench-slack-'));
  const product = await startApp(
    loadConfig({
      PORT: '0',
      DATA_DIR: dir,
      DATA_ENCRYPTION_KEYS: KEYS,
      LOG_LEVEL: 'silent',
      LOCAL_CHAT: 'off',
      DEMO_SEED: 'off',
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.url,
    }),
    { log: createLogger({ level: 'silent' }) },
  );
  const receiver = new HTTPReceiver({ signingSecret: SECRET, logLevel: LogLevel.ERROR });
  const bare = new App({ token: TOKEN, receiver, clientOptions: { slackApiUrl: fake.url }, logLevel: LogLevel.ERROR });
  bare.command(/.*/, async ({ ack }) => ack());
  bare.event('message', async () => undefined);
  const barePort = 20000 + Math.floor(Math.random() * 20000);
  await bare.start(barePort);

  const targets = [
    { name: 'product /slack/events', url: `${product.url}/slack/events`, idle: () => product.slack!.idle() },
    { name: 'bare Bolt HTTPReceiver', url: `http://127.0.0.1:${barePort}/slack/events`, idle: async () => undefined },
  ];
  const times = new Map<string, Record<Kind | 'all', number[]>>(targets.map((t) => [t.name, { event: [], command: [], all: [] }]));
  const http = client();
  try {
    for (let i = 0; i < WARMUP + N; i += 1) {
      // Alternate which one goes first, so neither always runs on a just-warmed path.
      const order = i % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) {
        const { kind, req } = request(i);
        const ms = await http.post(t.url, req);
        // The product keeps working after its ack (the core handles the event); that work is not timed, and is
        // finished before the next request so that each measurement starts from the same state.
        await t.idle();
        if (i >= WARMUP) {
          times.get(t.name)![kind].push(ms);
          times.get(t.name)!.all.push(ms);
        }
      }
    }
  } finally {
    await http.close();
    await bare.stop();
    await product.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const [p, b] = targets.map((t) => times.get(t.name)!);
  const fmt = (x: number) => x.toFixed(2).padStart(8);
  console.log(
    `\nSlack acknowledgement time (ms), ${N} requests each after ${WARMUP} warm-up, interleaved; Node ${process.version}, ${process.platform}`,
  );
  console.log(
    `${'requests'.padEnd(10)}${'target'.padEnd(26)}${'n'.padStart(5)}${'p50'.padStart(9)}${'p99'.padStart(9)}${'max'.padStart(9)}`,
  );
  for (const kind of ['event', 'command', 'all'] as const) {
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
    `\nratio product / bare Bolt: p50 ${ratio50.toFixed(2)}×, p99 ${ratio99.toFixed(2)}× (target ≤ 1.5× at p99: ${ratio99 <= 1.5 ? 'met' : 'NOT met'})`,
  );
  for (const kind of ['event', 'command'] as const) {
    console.log(`  ${kind}: p99 ${(pct(p![kind], 99) / pct(b![kind], 99)).toFixed(2)}×`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
