// npm run discord:commands -- [--guild <server id>]
// Registers (replaces) the Discord bot's application commands: /通報, /小幫手, /主控台 and the message menu 「回報個資外洩」.
// With --guild they are registered in that server only and usable at once (testing); without it, globally (production;
// Discord may take a while to show them everywhere). Needs DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID (.env).
import { parseArgs } from 'node:util';
import { registerCommands } from '../../adapters/discord/commands.js';
import { ConfigError, loadConfig } from '../app/config.js';

const USAGE = 'usage: npm run discord:commands -- [--guild <server id>]\n';

async function main(): Promise<number> {
  let values: { guild?: string | undefined };
  try {
    ({ values } = parseArgs({ options: { guild: { type: 'string' } } }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.guild !== undefined && !/^\d{17,20}$/.test(values.guild)) {
    process.stderr.write(
      `--guild must be a server id (17–20 digits; Discord → Server Settings → Widget, or right-click the server → Copy Server ID)\n${USAGE}`,
    );
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (!config.discord) {
    process.stderr.write(
      'Discord is not configured: set DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID (see .env.example and docs/discord.md).\n',
    );
    return 2;
  }
  try {
    const r = await registerCommands({ ...config.discord, ...(values.guild ? { guildId: values.guild } : {}) });
    process.stdout.write(`registered ${r.names.length} commands (${r.scope}): ${r.names.join(', ')}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(
      `Registering the commands failed: ${(err as Error).message}\nCheck DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID (Developer Portal → General Information → Application ID); with --guild the bot must be in that server (invited with the applications.commands scope).\n`,
    );
    return 1;
  }
}

process.exitCode = await main();
