import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignInLinks } from '../../src/web/console/links.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { cards, texts } from '../helpers/local-client.js';
import { asSuperuser } from '../helpers/record.js';
import { HACKED_SYSTEM_PHRASE, hackedSystemValues, reportThroughOffer, workIncidentAsWindow } from '../helpers/scenario.js';

const MIN = 60_000;
const WINDOW = 'demo-window';

/** The console over HTTP: sign-in from chat, sessions, the list and an incident page, and who is refused. */
describe('the response console', () => {
  let t: TestApp;
  let shift = 0;
  let ref = '';
  let ticked = '';

  /** 「主控台」 in the person's private chat → the link of the card it answers with. */
  async function askLink(as: string): Promise<string> {
    const card = cards(await t.client.say(as, `dm:${as}`, '主控台')).find((c) => c.title === '主控台登入連結');
    const url = card?.buttons?.[0]?.url;
    if (!url) throw new Error('no sign-in link');
    // The link is on the button only, never in the notification text.
    expect(card!.fallbackText).not.toContain('/console/');
    return url;
  }
  /** Follows a sign-in link as a browser would: the page, then its button; returns the session cookie. */
  async function signIn(url: string): Promise<string> {
    expect((await fetch(url)).status).toBe(200);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console');
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    return set.split(';')[0]!;
  }
  const get = (path: string, cookie?: string) => fetch(`${t.url}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });

  beforeAll(async () => {
    t = await startTestApp({ now: () => new Date(Date.now() + shift) });
    const now = new Date();
    const r = await reportThroughOffer(t.client, {
      as: 'demo-it',
      phrase: HACKED_SYSTEM_PHRASE,
      values: hackedSystemValues(now),
    });
    ref = r.ref;
    ticked = await workIncidentAsWindow(t.app, ref);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the contact window asks 「主控台」, signs in once, and sees the list and the incident; the sign-in is on their record', async () => {
    const url = await askLink(WINDOW);
    expect(url).toMatch(new RegExp(`^${t.url}/console/sign-in/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$`));
    const cookie = await signIn(url);
    const list = await get('/console', cookie);
    expect(list.status).toBe(200);
    expect(list.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(list.headers.get('cache-control')).toBe('no-store');
    expect(list.headers.get('x-content-type-options')).toBe('nosniff');
    const listHtml = await list.text();
    expect(listHtml).toContain(ref);
    expect(listHtml).toContain('下一個時限');
    const page = await get(`/console/incidents/${ref}`, cookie);
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const part of ['法定時限', '檢核清單', '影響評估', '通知當事人', '報告下載', '雜湊鏈驗證通過', '成績系統遭入侵', '/documents/'])
      expect(html).toContain(part);
    // Who ticked what when, and the notice with its version.
    expect(html).toContain(ticked);
    expect(html).toMatch(/已完成：李組長（示範）/);
    expect(html).toContain('已停用帳號並改密碼');
    expect(html).toMatch(/第 1 版｜李組長（示範）/);
    // Search by number and a status filter.
    expect(await (await get(`/console?ref=${ref}`, cookie)).text()).toContain(ref);
    expect(await (await get('/console?status=closed', cookie)).text()).toContain('沒有符合條件的事件');
    const record = await t.app.db.prisma.personChange.findMany({ where: { personId: WINDOW } });
    expect(record.map((r) => r.changes)).toContainEqual({ console: { from: null, to: 'sign-in' } });
  });

  it('a link used twice, a link after 10 minutes and a forged link are refused', async () => {
    const url = await askLink(WINDOW);
    await signIn(url);
    const again = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('登入連結已使用過');
    expect((await fetch(url)).status).toBe(410);
    const old = new SignInLinks(t.app.deps.cipher, () => new Date(Date.now() - 11 * MIN)).sign(WINDOW).token;
    const expired = await fetch(`${t.url}/console/sign-in/${old}`);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('登入連結已過期');
    const [body, sig] = url.split('/console/sign-in/')[1]!.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const swapped = `${t.url}/console/sign-in/${Buffer.from(JSON.stringify({ ...claims, p: 'demo-principal' })).toString('base64url')}.${sig}`;
    expect((await fetch(swapped)).status).toBe(403);
    // A download link is no sign-in link, and the other way round.
    const download = t.app.bot.reports.links.sign('x', WINDOW, { kind: 'export', format: 'zip' }).token;
    expect((await fetch(`${t.url}/console/sign-in/${download}`)).status).toBe(403);
  });

  it('a staff member gets no link, and nobody without a session of their own opens a page', async () => {
    const reply = await t.client.say('demo-teacher', 'dm:demo-teacher', '主控台');
    expect(texts(reply).join('\n')).toContain('主控台只開放給');
    expect(cards(reply).some((c) => c.title === '主控台登入連結')).toBe(false);
    const forged = new SignInLinks(t.app.deps.cipher, () => new Date()).sign('demo-teacher').token;
    const page = await fetch(`${t.url}/console/sign-in/${forged}`);
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('沒有使用主控台的權限');
    expect((await get(`/console/incidents/${ref}`)).status).toBe(401);
    expect((await get('/console', 'pdi-console=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
  });

  it('asked in a group, the link goes to the private chat only', async () => {
    const inGroup = await t.client.say(WINDOW, 'demo-response', '主控台');
    const withLink = inGroup.filter((m) => JSON.stringify(m.body).includes('/console/sign-in/'));
    expect(withLink.map((m) => m.conversationId)).toEqual([`dm:${WINDOW}`]);
    expect(texts(inGroup).join('\n')).toContain('我已私訊給您');
  });

  it('「登出主控台」 in chat ends every session of the person', async () => {
    const a = await signIn(await askLink(WINDOW));
    const b = await signIn(await askLink(WINDOW));
    expect((await get('/console', a)).status).toBe(200);
    const reply = await t.client.say(WINDOW, `dm:${WINDOW}`, '登出主控台');
    expect(texts(reply).join('\n')).toMatch(/已登出主控台（結束 \d+ 個登入中的裝置）/);
    expect((await get('/console', a)).status).toBe(401);
    expect((await get('/console', b)).status).toBe(401);
  });

  it('a session ends after 30 minutes without a page, and when the person loses the role', async () => {
    const cookie = await signIn(await askLink(WINDOW));
    shift = 31 * MIN;
    try {
      const idle = await get('/console', cookie);
      expect(idle.status).toBe(401);
      expect(await idle.text()).toContain('已自動登出');
    } finally {
      shift = 0;
    }
    const auditor = await signIn(await askLink('demo-auditor'));
    expect((await get(`/console/incidents/${ref}`, auditor)).status).toBe(200);
    await t.app.db.prisma.person.update({ where: { id: 'demo-auditor' }, data: { roles: ['staff'] } });
    try {
      expect((await get(`/console/incidents/${ref}`, auditor)).status).toBe(403);
      expect((await get('/console', auditor)).status).toBe(401);
    } finally {
      await t.app.db.prisma.person.update({ where: { id: 'demo-auditor' }, data: { roles: ['staff', 'auditor'] } });
    }
  });

  it('the console sign-out button needs the CSRF token of the page', async () => {
    const cookie = await signIn(await askLink('demo-principal'));
    const page = await get('/console', cookie);
    const csrfCookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
    expect(token).toBeTruthy();
    const post = (body: string) =>
      fetch(`${t.url}/console/sign-out`, {
        method: 'POST',
        headers: { cookie: `${cookie}; ${csrfCookie}`, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    expect((await post('_csrf=wrong')).status).toBe(403);
    expect((await get('/console', cookie)).status).toBe(200);
    expect((await post(`_csrf=${encodeURIComponent(token!)}`)).status).toBe(200);
    expect((await get('/console', cookie)).status).toBe(401);
  });

  it('auditors and the acting approver read only; the acting approver gets no report links', async () => {
    const auditor = await signIn(await askLink('demo-auditor'));
    const audited = await (await get(`/console/incidents/${ref}`, auditor)).text();
    expect(audited).toContain('唯讀檢視');
    expect(audited).toContain('/documents/');
    await t.app.db.prisma.person.update({ where: { id: 'demo-director' }, data: { roles: ['staff', 'actingApprover'] } });
    try {
      const acting = await signIn(await askLink('demo-director'));
      const html = await (await get(`/console/incidents/${ref}`, acting)).text();
      expect(html).toContain('唯讀檢視');
      expect(html).not.toContain('/documents/');
      expect(html).toContain('報告與完整紀錄限個資聯絡窗口、管理人（校長）及稽核人員下載');
    } finally {
      await t.app.db.prisma.person.update({ where: { id: 'demo-director' }, data: { roles: ['staff', 'dataManager'] } });
    }
    // The data manager is a responder in chat but not a console role: no link.
    expect(texts(await t.client.say('demo-director', 'dm:demo-director', '主控台')).join('\n')).toContain('主控台只開放給');
  });

  it('a rewritten timeline entry shows as a failed verification, in zh-TW, and the page still opens', async () => {
    const cookie = await signIn(await askLink(WINDOW));
    const incident = await t.app.db.prisma.incident.findFirstOrThrow({ where: { ref } });
    await asSuperuser(t.app.db, (sql) =>
      sql.exec(`UPDATE timeline_entry SET summary = summary || '（改）' WHERE incident_id = '${incident.id}' AND seq = 2`),
    );
    const html = await (await get(`/console/incidents/${ref}`, cookie)).text();
    expect(html).toContain('雜湊鏈驗證失敗');
    expect(html).toContain('第 2 筆紀錄與前後不符');
  });
});
