import { ConfigError, loadConfig } from './config.js';
import { startApp } from './app.js';
import { DataFileError } from '../core/data/yaml-file.js';
import { DatabaseUnavailableError } from '../storage/database.js';
import { MigrationError } from '../storage/migrate.js';
import { BOT_NAME } from '../core/bot-name.js';

/** Entry point of `npm start`. Operator errors are printed plainly (no stack) with what to fix; exit code 1. */
async function main() {
  let app: Awaited<ReturnType<typeof startApp>>;
  try {
    const config = loadConfig();
    app = await startApp(config);
    if (config.localChat) {
      process.stdout.write(`\n  ${BOT_NAME} is running.\n  Open the local chat page: ${app.url}/\n  (demo school and people are marked 示範; press Ctrl+C to stop)\n\n`);
    }
  } catch (err) {
    const known = [ConfigError, DataFileError, DatabaseUnavailableError, MigrationError].some((t) => err instanceof t);
    process.stderr.write(`\nCannot start: ${known ? (err as Error).message : (err as Error).stack}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping');
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

void main();
