import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRichMenuCommand } from '../../../adapters/line/cli.js';
import { T } from '../../../src/core/conversation/texts.js';
import { ev } from '../../fakes/line/events.js';
import {
  LINE_SECRET,
  LINE_TOKEN,
  flexes,
  seedLineIdentities,
  startLineTestApp,
  texts,
  uid,
  type LineTestApp,
} from '../../fakes/line/harness.js';
import { TEST_KEYS } from '../../helpers/app.js';

interface MenuArea {
  bounds: { x: number; y: number; width: number; height: number };
  action: { type: string; label?: string; text?: string; data?: string };
}

/** Every URI action inside a message (the console's sign-in button is one). */
function uris(message: Record<string, unknown>): { label: string; uri: string }[] {
  const out: { label: string; uri: string }[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o.type === 'uri' && typeof o.uri === 'string') out.push({ label: String(o.label), uri: o.uri });
    Object.values(o).forEach(walk);
  };
  walk(message);
  return out;
}

/**
 * The LINE rich menu's 「主控台」 area, end to end against the fake LINE platform: `npm run line:richmenu` creates the
 * menu (checked against LINE's spec), a tap on the area sends what LINE sends for it, and the core answers in the 1:1
 * chat with the one-time sign-in link, which signs the person in.
 */
describe('LINE: 主控台 in the rich menu', () => {
  let h: LineTestApp;
  let area: MenuArea;

  beforeAll(async () => {
    h = await startLineTestApp();
    await seedLineIdentities(h.t.app.db.prisma, ['demo-window', 'demo-teacher']);
    h.fake.friends.set(uid('demo-window'), '李組長');
    h.fake.friends.set(uid('demo-teacher'), '王老師');
  });
  afterAll(async () => {
    await h?.close();
  });

  /** What LINE sends the bot when the person taps the area: their text message, or a postback. */
  const tap = (from: 'demo-window' | 'demo-teacher') => {
    const where = { user: uid(from) };
    const token = h.fake.issueReplyToken(uid(from));
    return h.send([
      area.action.type === 'message'
        ? ev.text(where, uid(from), area.action.text!, token)
        : ev.postback(where, uid(from), area.action.data!, token),
    ]);
  };

  it('the menu the command creates has a 主控台 area, and LINE accepts it', async () => {
    const out: string[] = [];
    const code = await runRichMenuCommand(
      [],
      {
        DATA_ENCRYPTION_KEYS: TEST_KEYS,
        LINE_CHANNEL_SECRET: LINE_SECRET,
        LINE_CHANNEL_ACCESS_TOKEN: LINE_TOKEN,
        LINE_API_BASE_URL: h.fake.url,
        LINE_API_DATA_URL: h.fake.dataUrl,
      },
      { out: (t) => out.push(t), err: (t) => out.push(t) },
    );
    expect(code, out.join('')).toBe(0);
    const menu = h.fake.richMenus.get(h.fake.defaultRichMenuId!)!;
    const areas = menu.menu.areas as MenuArea[];
    area = areas.find((a) => a.action.label === '主控台')!;
    expect(area).toBeTruthy();
    expect(area.bounds.x + area.bounds.width).toBe((menu.menu.size as { width: number }).width);
    expect(h.fake.invalidRequests().map((r) => `${r.method} ${r.path}: ${r.problems.join('; ')}`)).toEqual([]);
  });

  it('the contact window taps it: the sign-in link comes in the 1:1 chat, and it signs her in', async () => {
    const delivered = await tap('demo-window');
    expect(delivered.every((d) => d.chatId === uid('demo-window'))).toBe(true);
    const cards = flexes(delivered);
    expect(cards).toHaveLength(1);
    const [button] = uris(cards[0]!.message);
    expect(button?.label).toBe('登入主控台');
    expect(button!.uri).toMatch(new RegExp(`^${h.t.url}/console/sign-in/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$`));
    // The link is on the button only, not in the notification text.
    expect(String(cards[0]!.message.altText)).not.toContain('/console/');
    const res = await fetch(button!.uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
  });

  it('a teacher (staff) taps it: a refusal, no link', async () => {
    const delivered = await tap('demo-teacher');
    expect(texts(delivered)).toEqual([T.consoleRefused]);
    expect(delivered.flatMap((d) => uris(d.message))).toEqual([]);
  });

  it('every request to LINE was one LINE accepts', () => {
    expect(h.fake.invalidRequests().map((r) => `${r.method} ${r.path}: ${r.problems.join('; ')}`)).toEqual([]);
  });
});
