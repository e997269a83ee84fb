import { join } from 'node:path';
import { ConfigError, loadConfig } from './config.js';
import { startApp, type RunningApp } from './app.js';
import { DataFileError } from '../core/data/yaml-file.js';
import { DatabaseUnavailableError } from '../storage/database.js';
import { MigrationError } from '../storage/migrate.js';
import { KeyRingError } from '../core/privacy/cipher.js';
import { KeyCheckError } from '../core/privacy/key-check.js';
import { BOT_NAME } from '../core/bot-name.js';
import { loadParsedYaml } from '../core/data/yaml-file.js';
import { PROJECT_ROOT } from '../core/data/root.js';

/**
 * Once started, one full garbage collection that also hands back what start-up grew and no longer uses (V8's young
 * generation and heap pages, filled while ~700 modules loaded, the wasm modules were set up and the data files were
 * read): ~20–30 MB less idle RSS, where `--optimize-for-size` bought as much at ~0.5 s of CPU during every start
 * (docs/performance.md). Only when the process runs with --expose-gc (npm start and the image do); a pause of roughly
 * 0.1–0.3 s, right after start-up, before any chat traffic.
 */
function releaseStartupMemory(): void {
  const gc = (globalThis as { gc?: (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void }).gc;
  gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

/**
 * A stop asked for while the product is still starting ends the process within this time, even when a start-up step
 * never returns (a migration lock another instance holds, a connection that never answers): without it the stop
 * waited for start-up to return, and a start seen stuck once ignored SIGTERM until SIGKILL (docs/performance.md).
 */
const STOP_DURING_START_MS = 5_000;
/** A start-up still running after this long is stuck: it ends with exit code 1 so a service manager can restart it. */
const START_LIMIT_MS = 300_000;

/** Entry point of `npm start`. Operator errors are printed plainly (no stack) with what to fix; exit code 1. */
async function main() {
  // Signal handlers first: a SIGTERM that arrives while the product is still starting (the HTTP server may already
  // answer /healthz while the job queue starts) must stop it cleanly, not kill it half-way.
  let app: RunningApp | undefined;
  let stopRequested: string | undefined;
  let stopping = false;
  let stopDuringStart: NodeJS.Timeout | undefined;
  const stop = async (signal: string) => {
    stopRequested = signal;
    if (!app) {
      // Still starting: stopped as soon as start-up returns, or ended here if it does not return in time.
      stopDuringStart ??= setTimeout(() => {
        process.stderr.write(
          `\n${signal} during start-up, and start-up did not finish within ${STOP_DURING_START_MS / 1000} s: exiting without a clean stop.\n`,
        );
        process.exit(1);
      }, STOP_DURING_START_MS);
      return;
    }
    if (stopping) return;
    stopping = true;
    clearTimeout(stopDuringStart);
    const running = app;
    const t0 = performance.now();
    running.log.info({ signal }, 'stopping');
    // A close that hangs must not keep the process alive past a service manager's patience (10 s).
    setTimeout(() => {
      running.log.error({ signal }, 'did not stop within 9 s; exiting anyway');
      process.exit(1);
    }, 9_000).unref();
    await running.close();
    running.log.info({ ms: Math.round(performance.now() - t0) }, 'stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  try {
    // The shipped playbooks as the build parsed them (scripts/parse-yaml.mjs): validated at start, not parsed again.
    loadParsedYaml(join(PROJECT_ROOT, 'dist', 'parsed-yaml.json'));
    const config = loadConfig();
    const limit = setTimeout(() => {
      process.stderr.write(
        `\nCannot start: start-up did not finish within ${START_LIMIT_MS / 1000} s (is another instance holding the database?).\n`,
      );
      process.exit(1);
    }, START_LIMIT_MS);
    app = await startApp(config);
    clearTimeout(limit);
    releaseStartupMemory();
    if (config.localChat && !stopRequested) {
      process.stdout.write(
        `\n  ${BOT_NAME} is running.\n  Open the local chat page: ${app.url}/\n  (demo school and people are marked 示範; press Ctrl+C to stop)\n\n`,
      );
    }
  } catch (err) {
    const known = [ConfigError, DataFileError, DatabaseUnavailableError, MigrationError, KeyRingError, KeyCheckError].some(
      (t) => err instanceof t,
    );
    process.stderr.write(`\nCannot start: ${known ? (err as Error).message : (err as Error).stack}\n`);
    process.exit(1);
  }
  if (stopRequested) await stop(stopRequested);
}

void main();
