// npm run bench:discord [-- --requests 300] [--warmup 30]
// Interaction response time on Discord: the product's DiscordAdapter (discord.js, the core and the embedded database
// behind it) against a bare discord.js client that only answers, in the same run, on the same machine, each connected
// to its own fake Discord (test/fakes/discord) running in a worker thread. Each interaction is timed by the fake from
// dispatching INTERACTION_CREATE on the gateway to receiving the answer on POST /interactions/{id}/{token}/callback
// (Discord shows a failure after 3 s). Interactions alternate between the two bots and between two kinds:
// - a button click (an expired question's 取消: the core answers with a short message): both answer at once with
//   DEFERRED_UPDATE_MESSAGE; the product then runs the core (finished before the next interaction, not timed);
// - a slash command (/小幫手 說明): the bare client defers at once; the product runs the core first, up to 2 s, because
//   a form it sends must be the first answer (a modal), then defers. Its time is the core's time, by design.
// Prints p50/p99 and the ratio; target ≤ 1.5× at p99 for button clicks. Embedded database unless DATABASE_URL is set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { Client, Events, GatewayIntentBits, MessageFlags, Partials } from 'discord.js';
import { startApp } from '../src/app/app.js';
import { loadConfig } from '../src/app/config.js';
import { createLogger } from '../src/app/logger.js';
import { APPLICATION_ID } from '../test/fakes/discord/platform.js';
import { pct } from './stats.js';

const { values: args } = parseArgs({
  options: { requests: { type: 'string', default: '300' }, warmup: { type: 'string', default: '30' } },
});
const N = Number(args.requests);
const WARMUP = Number(args.warmup);
const TOKEN = 'MTMwMDAwMDAwMDAwMDAwMDAwMg.GbEnCh.bench-token-only-0123456789abcdef';
const USER = '1400000000000000042';
const KEYS = `k1:${Buffer.alloc(32, 6).toString('base64')}`;
type Kind = 'button' | 'command';
interface Answer {
  ms: number;
  type: number;
  dispatched: number;
  invalid: number;
}

function fakeDiscord(): Promise<{ apiBase: string; ask(cmd: string): Promise<Answer>; close(): Promise<void> }> {
  // Workers do not inherit tsx's loader: the entry registers it, then imports the TypeScript worker.
  const entry = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(new URL('./discord-fake-worker.ts', import.meta.url).href)});`;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(entry)}`), { workerData: { token: TOKEN, user: USER } });
  const ask = (cmd: string) =>
    new Promise<Answer>((resolve) => {
      worker.once('message', resolve);
      worker.postMessage({ cmd });
    });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { apiBase: string }) =>
      resolve({
        apiBase: m.apiBase,
        ask,
        async close() {
          await ask('close');
          await worker.terminate();
        },
      }),
    );
  });
}

async function main(): Promise<void> {
  const [forProduct, forBare] = await Promise.all([fakeDiscord(), fakeDiscord()]);
  const dir = mkdtempSync(join(tmpdir(), 'pdi-bench-discord-'));
  const product = await startApp(
    loadConfig({
      PORT: '0',
      DATA_DIR: dir,
      DATA_ENCRYPTION_KEYS: KEYS,
      LOG_LEVEL: 'silent',
      LOCAL_CHAT: 'off',
      DEMO_SEED: 'on',
      DISCORD_BOT_TOKEN: TOKEN,
      DISCORD_APPLICATION_ID: APPLICATION_ID,
      DISCORD_API_BASE: forProduct.apiBase,
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    }),
    { log: createLogger({ level: 'silent' }) },
  );
  // The bare client: same library, same intents and partials, answers and does nothing else.
  const bare = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages],
    partials: [Partials.Channel],
    rest: { api: forBare.apiBase },
  });
  bare.on(Events.InteractionCreate, (i) => {
    if (i.isButton()) void i.deferUpdate();
    else if (i.isChatInputCommand()) void i.deferReply({ flags: MessageFlags.Ephemeral });
  });
  const bareReady = new Promise<void>((r) => bare.once(Events.ClientReady, () => r()));
  await bare.login(TOKEN);
  await bareReady;
  await Promise.all([forProduct.ask('ready?'), forBare.ask('ready?')]);

  const adapter = product.discord!;
  const targets = [
    {
      name: 'product DiscordAdapter',
      fake: forProduct,
      async idle(dispatched: number) {
        while (adapter.received < dispatched) await new Promise((r) => setTimeout(r, 1));
        await adapter.idle();
      },
    },
    { name: 'bare discord.js client', fake: forBare, idle: async () => undefined },
  ];
  const times = new Map<string, Record<Kind, number[]>>(targets.map((t) => [t.name, { button: [], command: [] }]));
  let invalid = 0;
  try {
    for (let i = 0; i < WARMUP + N; i += 1) {
      const kind: Kind = i % 2 === 0 ? 'button' : 'command';
      const order = i % 4 < 2 ? targets : [...targets].reverse();
      for (const t of order) {
        const a = await t.fake.ask(kind === 'button' ? 'click' : 'command');
        if (!Number.isFinite(a.ms)) throw new Error(`${t.name}: a ${kind} was not answered within 5 s`);
        await t.idle(a.dispatched);
        invalid = Math.max(invalid, a.invalid);
        if (i >= WARMUP) times.get(t.name)![kind].push(a.ms);
      }
    }
  } finally {
    await bare.destroy();
    await product.close();
    await forProduct.close();
    await forBare.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const [p, b] = targets.map((t) => times.get(t.name)!);
  const fmt = (x: number) => x.toFixed(2).padStart(9);
  const db = process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite (embedded)';
  console.log(
    `\nDiscord interaction response time (ms), ${N / 2} of each kind per bot after ${WARMUP} warm-up, interleaved; ${db}; Node ${process.version}, ${process.platform}`,
  );
  console.log(
    `${'interaction'.padEnd(14)}${'bot'.padEnd(26)}${'n'.padStart(5)}${'p50'.padStart(9)}${'p99'.padStart(9)}${'max'.padStart(9)}`,
  );
  for (const kind of ['button', 'command'] as const) {
    for (const t of targets) {
      const xs = times.get(t.name)![kind];
      console.log(
        `${kind.padEnd(14)}${t.name.padEnd(26)}${String(xs.length).padStart(5)}${fmt(pct(xs, 50))}${fmt(pct(xs, 99))}${fmt(Math.max(...xs))}`,
      );
    }
  }
  for (const kind of ['button', 'command'] as const) {
    const r50 = pct(p![kind], 50) / pct(b![kind], 50);
    const r99 = pct(p![kind], 99) / pct(b![kind], 99);
    console.log(
      `ratio ${kind.padEnd(8)} product/bare: p50 ${r50.toFixed(2)}×, p99 ${r99.toFixed(2)}×${kind === 'button' ? ` (target ≤ 1.5× at p99: ${r99 <= 1.5 ? 'met' : 'NOT met'})` : ' (the core runs before the answer, so a form can open as a modal)'}`,
    );
  }
  if (invalid > 0) console.log(`warning: ${invalid} REST requests failed the OpenAPI check`);
}

await main();
