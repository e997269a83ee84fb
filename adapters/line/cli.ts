// npm run line:richmenu [-- --image <file.png>]
// Creates the LINE 1:1 rich menu (通報 / 我的工作 / 進行中事件 / 主控台), uploads its image and makes it the default for
// everyone who adds the bot; replaces the menu an earlier run created, and changes nothing when it is already in place.
// Reads LINE_CHANNEL_ACCESS_TOKEN (and LINE_CHANNEL_SECRET) from the environment or .env. `--image <file>` only
// writes the image, for a look before it goes live. Exit 2 on bad arguments or missing configuration.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { HTTPFetchError, messagingApi } from '@line/bot-sdk';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { RICH_MENU_BUTTONS, RICH_MENU_SIZE, richMenuImage, setupRichMenu } from './richmenu.js';

const USAGE = 'usage: npm run line:richmenu [-- --image <file.png>]\n';

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export async function runRichMenuCommand(argv: string[], env: Record<string, string | undefined> | undefined, io: Output): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { image: { type: 'string' } } }));
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const image = richMenuImage();
  if (values.image) {
    writeFileSync(values.image, image);
    io.out(`Wrote the rich menu image (${RICH_MENU_SIZE.width}x${RICH_MENU_SIZE.height}, ${image.length} bytes) to ${values.image}\n`);
    return 0;
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (!config.line) {
    io.err('LINE is not configured: set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN (docs/line.md, step 2).\n');
    return 2;
  }
  const token = config.line.channelAccessToken;
  const client = new messagingApi.MessagingApiClient({ channelAccessToken: token, baseURL: config.line.apiBaseUrl });
  const blob = new messagingApi.MessagingApiBlobClient({ channelAccessToken: token, baseURL: config.line.dataApiBaseUrl });
  try {
    const r = await setupRichMenu(client, blob, image);
    io.out(
      r.created
        ? `Rich menu ${r.richMenuId} created and set as the default (${RICH_MENU_BUTTONS.map((b) => b.label).join(' / ')}).\n`
        : `Rich menu ${r.richMenuId} is already in place and the default; nothing changed.\n`,
    );
    if (r.deleted.length) io.out(`Replaced and deleted the earlier menu(s): ${r.deleted.join(', ')}\n`);
    return 0;
  } catch (err) {
    if (err instanceof HTTPFetchError) {
      io.err(
        `LINE refused the request (HTTP ${err.status}): ${err.body.slice(0, 500)}\n${err.status === 401 ? 'Check LINE_CHANNEL_ACCESS_TOKEN.\n' : ''}`,
      );
      return 1;
    }
    throw err;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const code = await runRichMenuCommand(process.argv.slice(2), undefined, {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  });
  process.exit(code);
}
