import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRichMenuCommand } from '../../../adapters/line/cli.js';
import { RICH_MENU_BUTTONS, RICH_MENU_SIZE } from '../../../adapters/line/richmenu.js';
import { parseCommand } from '../../../src/core/conversation/bot.js';
import { FakeLinePlatform, pngSize } from '../../fakes/line/platform.js';
import { LINE_SECRET, LINE_TOKEN } from '../../fakes/line/harness.js';
import { TEST_KEYS } from '../../helpers/app.js';

/** `npm run line:richmenu` against the fake LINE platform, which checks every request against LINE's spec. */
describe('LINE rich menu setup command', () => {
  let fake: FakeLinePlatform;
  const out: string[] = [];
  const err: string[] = [];
  const run = (argv: string[] = [], env: Record<string, string> = {}) =>
    runRichMenuCommand(
      argv,
      {
        DATA_ENCRYPTION_KEYS: TEST_KEYS,
        LINE_CHANNEL_SECRET: LINE_SECRET,
        LINE_CHANNEL_ACCESS_TOKEN: LINE_TOKEN,
        LINE_API_BASE_URL: fake.url,
        LINE_API_DATA_URL: fake.url,
        ...env,
      },
      { out: (t) => out.push(t), err: (t) => err.push(t) },
    );

  beforeAll(async () => {
    fake = await FakeLinePlatform.start(LINE_TOKEN);
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('the buttons send texts the core reads as 通報, 我的工作, 進行中事件 and 主控台', () => {
    expect(RICH_MENU_BUTTONS.map((b) => parseCommand(b.text)?.cmd)).toEqual(['report', 'mine', 'list', 'console']);
  });

  it('creates the menu, uploads a PNG of exactly its size and makes it the default', async () => {
    // A menu made by other software on the same channel is left alone.
    fake.richMenus.set('richmenu-other', { menu: { name: 'campaign menu', size: { width: 2500, height: 843 } }, image: null });
    expect(await run()).toBe(0);
    expect(err).toEqual([]);
    expect(out.join('')).toMatch(/created and set as the default \(通報 \/ 我的工作 \/ 進行中事件 \/ 主控台\)/);
    expect(fake.invalidRequests().map((r) => `${r.method} ${r.path}: ${r.problems.join('; ')}`)).toEqual([]);
    const ours = [...fake.richMenus].filter(([id]) => id !== 'richmenu-other');
    expect(ours).toHaveLength(1);
    const [id, menu] = ours[0]!;
    expect(fake.defaultRichMenuId).toBe(id);
    expect(menu.image).toMatchObject({ contentType: 'image/png', width: RICH_MENU_SIZE.width, height: RICH_MENU_SIZE.height });
    expect(menu.image!.bytes.length).toBeLessThan(1024 * 1024);
    const areas = menu.menu.areas as { bounds: { x: number; width: number; height: number }; action: { type: string; text: string } }[];
    expect(areas.map((a) => a.action)).toEqual(RICH_MENU_BUTTONS.map((b) => ({ type: 'message', label: b.label, text: b.text })));
    // The four areas cover the menu side by side, without gaps.
    expect(areas.reduce((x, a) => (a.bounds.x === x ? x + a.bounds.width : -1), 0)).toBe(RICH_MENU_SIZE.width);
    expect(fake.requests.map((r) => `${r.method} ${r.path.replace(id, ':id')}`)).toEqual([
      'GET /v2/bot/richmenu/list',
      'GET /v2/bot/user/all/richmenu',
      'POST /v2/bot/richmenu',
      'POST /v2/bot/richmenu/:id/content',
      'POST /v2/bot/user/all/richmenu/:id',
    ]);
    expect(fake.richMenus.has('richmenu-other')).toBe(true);
  });

  it('the image is a real picture: panels in the four button colours with white lettering', () => {
    const [, menu] = [...fake.richMenus].find(([id]) => id !== 'richmenu-other')!;
    const png = menu.image!.bytes;
    expect(pngSize(png)).toEqual(RICH_MENU_SIZE);
    const idat = Buffer.concat(
      chunks(png)
        .filter((c) => c.type === 'IDAT')
        .map((c) => c.data),
    );
    const raw = inflateSync(idat);
    const stride = RICH_MENU_SIZE.width * 3 + 1;
    const px = (x: number, y: number) => [...raw.subarray(y * stride + 1 + x * 3, y * stride + 1 + x * 3 + 3)];
    expect(px(10, 10)).toEqual([0xb4, 0x23, 0x18]);
    expect(px(310, 10)).toEqual([0x1e, 0x5a, 0xa8]);
    expect(px(610, 10)).toEqual([0x1b, 0x7f, 0x3b]);
    expect(px(1190, 10)).toEqual([0x5b, 0x3a, 0x8c]);
    const whiteIn = (x0: number, x1: number) => {
      let white = 0;
      for (let x = x0; x < x1; x += 1) for (let y = 120; y < 220; y += 1) if (px(x, y).every((c) => c > 240)) white += 1;
      return white;
    };
    expect(whiteIn(0, 296)).toBeGreaterThan(2000); // the label 通報 is drawn
    expect(whiteIn(904, 1200)).toBeGreaterThan(2000); // and 主控台
  });

  it('running it again changes nothing; a changed menu replaces the earlier one', async () => {
    const before = fake.requests.length;
    const firstId = fake.defaultRichMenuId!;
    expect(await run()).toBe(0);
    expect(out.at(-1)).toContain('already in place');
    expect(fake.requests.slice(before).map((r) => r.method)).toEqual(['GET', 'GET']);
    // Someone picked another default in the console: the same menu becomes the default again, nothing is created.
    fake.defaultRichMenuId = null;
    expect(await run()).toBe(0);
    expect(fake.defaultRichMenuId).toBe(firstId);
    expect(fake.richMenus.size).toBe(2);
    // The product's menu changed (an update): the earlier one, recognised by its name, is replaced and deleted.
    const old = fake.richMenus.get(firstId)!;
    old.menu = { ...old.menu, name: 'pdi-responder 1:1 menu 000000000000' };
    expect(await run()).toBe(0);
    expect(out.at(-2)).toContain('created and set as the default');
    expect(out.at(-1)).toBe(`Replaced and deleted the earlier menu(s): ${firstId}\n`);
    expect(fake.richMenus.has(firstId)).toBe(false);
    expect(fake.richMenus.has('richmenu-other')).toBe(true);
    expect([...fake.richMenus.keys()].filter((k) => k !== 'richmenu-other')).toEqual([fake.defaultRichMenuId]);
    expect(fake.invalidRequests()).toEqual([]);
  });

  it('says what is missing when LINE is not configured, and what LINE refused', async () => {
    expect(await run([], { LINE_CHANNEL_SECRET: '', LINE_CHANNEL_ACCESS_TOKEN: '' })).toBe(2);
    expect(err.at(-1)).toContain('LINE is not configured');
    expect(await run([], { LINE_CHANNEL_ACCESS_TOKEN: 'wrong-token-000000000000000' })).toBe(1);
    expect(err.at(-1)).toContain('HTTP 401');
    expect(err.at(-1)).toContain('LINE_CHANNEL_ACCESS_TOKEN');
  });
});

function chunks(png: Buffer): { type: string; data: Buffer }[] {
  const out: { type: string; data: Buffer }[] = [];
  for (let o = 8; o < png.length; ) {
    const len = png.readUInt32BE(o);
    out.push({ type: png.toString('ascii', o + 4, o + 8), data: png.subarray(o + 8, o + 8 + len) });
    o += 12 + len;
  }
  return out;
}
