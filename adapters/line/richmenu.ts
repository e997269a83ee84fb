import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { messagingApi } from '@line/bot-sdk';
import { PROJECT_ROOT } from '../../src/core/data/root.js';
import { Canvas, hex, loadFont } from './image.js';

/**
 * The 1:1 rich menu (the button panel under the chat with the bot): 通報 / 我的工作 / 進行中事件 / 主控台. Each button
 * sends the person's own text message, which the core reads as a command (src/core/conversation/commands.ts), so the
 * menu does exactly what typing the word does — also for people who never saw a command list. 「主控台」 answers with
 * the web console's one-time sign-in link in this 1:1 chat (or a refusal for a role without the console).
 *
 * Size 1200×405 (LINE allows a width of 800–2500 px, a height of at least 250 px and a width/height ratio of at
 * least 1.45; the image must be exactly the menu's size, PNG or JPEG, at most 1 MB).
 */
export const RICH_MENU_SIZE = { width: 1200, height: 405 } as const;
export const RICH_MENU_NAME_PREFIX = 'pdi-responder';

export interface RichMenuButton {
  /** The command typed for the person (must be one the core understands). */
  text: string;
  /** Shown on the image. */
  label: string;
  caption: string;
  color: string;
}

export const RICH_MENU_BUTTONS: RichMenuButton[] = [
  { text: '通報', label: '通報', caption: '發現個資外洩', color: '#B42318' },
  { text: '我的工作', label: '我的工作', caption: '指派給我的項目', color: '#1E5AA8' },
  { text: '進行中事件', label: '進行中事件', caption: '查看事件清單', color: '#1B7F3B' },
  { text: '主控台', label: '主控台', caption: '網頁登入連結', color: '#5B3A8C' },
];

const FONT = join(PROJECT_ROOT, 'node_modules', '@expo-google-fonts', 'noto-sans-tc', '700Bold', 'NotoSansTC_700Bold.ttf');

/** The menu object as LINE takes it; its name carries a hash of menu and image, so an unchanged menu is recognised. */
export function richMenuRequest(image: Buffer): messagingApi.RichMenuRequest {
  const { width, height } = RICH_MENU_SIZE;
  const w = Math.floor(width / RICH_MENU_BUTTONS.length);
  const areas: messagingApi.RichMenuArea[] = RICH_MENU_BUTTONS.map((b, i) => ({
    bounds: { x: i * w, y: 0, width: i === RICH_MENU_BUTTONS.length - 1 ? width - i * w : w, height },
    action: { type: 'message', label: b.label, text: b.text } as messagingApi.MessageAction,
  }));
  const body = { size: { width, height }, selected: true, chatBarText: '個資事件選單', areas };
  const version = createHash('sha256').update(JSON.stringify(body)).update(image).digest('hex').slice(0, 12);
  return { ...body, name: `${RICH_MENU_NAME_PREFIX} 1:1 menu ${version}` };
}

/** The menu image: a coloured panel per button, each with its label and a caption, in Noto Sans TC. */
export function richMenuImage(fontFile = FONT): Buffer {
  const { width, height } = RICH_MENU_SIZE;
  const font = loadFont(fontFile);
  const canvas = new Canvas(width, height, [255, 255, 255]);
  const w = Math.floor(width / RICH_MENU_BUTTONS.length);
  RICH_MENU_BUTTONS.forEach((b, i) => {
    const x = i * w;
    const pw = i === RICH_MENU_BUTTONS.length - 1 ? width - x : w;
    canvas.rect(x, 0, pw, height, hex(b.color));
    if (i > 0) canvas.rect(x, 0, 4, height, [255, 255, 255]);
    const size = Math.min(110, Math.floor(((pw - 60) / canvas.measure(font, b.label, 100)) * 100));
    canvas.textCentered(font, b.label, x + pw / 2, height * 0.42, size, [255, 255, 255]);
    const captionSize = Math.min(40, Math.floor(((pw - 40) / canvas.measure(font, b.caption, 100)) * 100));
    canvas.textCentered(font, b.caption, x + pw / 2, height * 0.75, captionSize, [255, 255, 255]);
  });
  return canvas.png();
}

export interface RichMenuSetupResult {
  richMenuId: string;
  /** false: the same menu was already there and the default (nothing changed). */
  created: boolean;
  /** Earlier menus of this product that were deleted. */
  deleted: string[];
}

/**
 * Creates the menu, uploads its image and makes it the default for everyone who has added the bot; earlier menus
 * of this product are deleted afterwards (so people always have a working menu). Running it again with the same
 * menu changes nothing; with a changed menu it replaces the previous one. Menus of other software are left alone.
 */
export async function setupRichMenu(
  client: messagingApi.MessagingApiClient,
  blob: messagingApi.MessagingApiBlobClient,
  image: Buffer = richMenuImage(),
): Promise<RichMenuSetupResult> {
  const request = richMenuRequest(image);
  const ours = (await client.getRichMenuList()).richmenus.filter((m) => m.name.startsWith(`${RICH_MENU_NAME_PREFIX} `));
  const current = await client.getDefaultRichMenuId().then(
    (r) => r.richMenuId,
    () => null,
  );
  let same = ours.find((m) => m.name === request.name);
  let richMenuId: string;
  let created = false;
  if (same && current !== same.richMenuId) {
    // The same menu exists but is not the default (someone changed it in the console): make it the default again.
    await client.setDefaultRichMenu(same.richMenuId).catch(() => {
      same = undefined; // e.g. its image upload never finished: create it afresh
    });
  }
  if (same) {
    richMenuId = same.richMenuId;
  } else {
    richMenuId = (await client.createRichMenu(request)).richMenuId;
    await blob.setRichMenuImage(richMenuId, new Blob([new Uint8Array(image)], { type: 'image/png' }));
    await client.setDefaultRichMenu(richMenuId);
    created = true;
  }
  const deleted: string[] = [];
  for (const m of ours) {
    if (m.richMenuId === richMenuId) continue;
    await client.deleteRichMenu(m.richMenuId);
    deleted.push(m.richMenuId);
  }
  return { richMenuId, created, deleted };
}
