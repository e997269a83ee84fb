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

  /** A form as the page gives it: the session cookie with the CSRF cookie of the page, and the page's token. */
  async function formOf(path: string, cookie: string): Promise<{ cookies: string; token: string; html: string }> {
    const page = await get(path, cookie);
    expect(page.status).toBe(200);
    const csrf = page.headers
      .getSetCookie()
      .find((c) => c.startsWith('pdi-console-csrf='))!
      .split(';')[0]!;
    const html = await page.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    return { cookies: `${cookie}; ${csrf}`, token, html };
  }
  /** POSTs a form (the CSRF token added unless `_csrf` is given) and returns the answer, unfollowed. */
  const post = (path: string, form: { cookies: string; token: string }, fields: Record<string, string>) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { cookie: form.cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: form.token, ...fields }).toString(),
      redirect: 'manual',
    });
  /** A 303 back to the incident page, followed with its one-time result line: the page's HTML. */
  async function followed(res: Response, form: { cookies: string }, anchor = 'notice-'): Promise<string> {
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location.startsWith(`/console/incidents/${ref}#${anchor}`)).toBe(true);
    const flash = res.headers
      .getSetCookie()
      .find((c) => c.startsWith('pdi-console-flash='))!
      .split(';')[0]!;
    const page = await get(location.split('#')[0]!, `${form.cookies}; ${flash}`);
    expect(page.status).toBe(200);
    return page.text();
  }
  const noticeOf = async () => {
    const incident = await t.app.db.prisma.incident.findFirstOrThrow({ where: { ref } });
    return t.app.db.prisma.subjectNotice.findFirstOrThrow({ where: { incidentId: incident.id } });
  };
  const lastEntry = async () => {
    const incident = await t.app.db.prisma.incident.findFirstOrThrow({ where: { ref } });
    return t.app.db.prisma.timelineEntry.findFirstOrThrow({ where: { incidentId: incident.id }, orderBy: { seq: 'desc' } });
  };
  const chatTexts = async (who: string) => texts(await t.client.messages(who, `dm:${who}`)).join('\n');

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

  it('auditors read only; the acting approver may decide on a notice but gets no report links', async () => {
    const auditor = await signIn(await askLink('demo-auditor'));
    const audited = await (await get(`/console/incidents/${ref}`, auditor)).text();
    expect(audited).toContain('唯讀檢視');
    expect(audited).toContain('/documents/');
    await t.app.db.prisma.person.update({ where: { id: 'demo-director' }, data: { roles: ['staff', 'actingApprover'] } });
    try {
      const acting = await signIn(await askLink('demo-director'));
      const html = await (await get(`/console/incidents/${ref}`, acting)).text();
      // The acting approver ticks nothing but may decide on the submitted notice.
      expect(html).not.toContain('唯讀檢視');
      expect(html).toContain('核定第 1 版');
      expect(html).not.toContain('/documents/');
      expect(html).toContain('報告與完整紀錄限個資聯絡窗口、管理人（校長）及稽核人員下載');
    } finally {
      await t.app.db.prisma.person.update({ where: { id: 'demo-director' }, data: { roles: ['staff', 'dataManager'] } });
    }
    // The data manager is a responder in chat but not a console role: no link.
    expect(texts(await t.client.say('demo-director', 'dm:demo-director', '主控台')).join('\n')).toContain('主控台只開放給');
  });

  it('acting on a notice: no CSRF token, a role that may not decide and another school are refused, nothing changes', async () => {
    const notice = await noticeOf();
    const approve = `/console/incidents/${ref}/notices/${notice.id}/approve`;
    const principal = await formOf(`/console/incidents/${ref}`, await signIn(await askLink('demo-principal')));
    const missing = await post(approve, principal, { version: '1', _csrf: '' });
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain('表單已失效');
    // The auditor and the contact window see the incident but may not decide.
    for (const who of ['demo-auditor', WINDOW]) {
      const form = await formOf(`/console/incidents/${ref}`, await signIn(await askLink(who)));
      expect(form.html).not.toContain('核定第 1 版');
      const refused = await post(approve, form, { version: '1' });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('沒有執行這個動作的權限');
    }
    // A principal of another school: the incident is not theirs.
    await t.app.db.prisma.school.create({ data: { id: 'other-school', name: '他校（測試）' } });
    await t.app.db.prisma.person.create({
      data: { id: 'other-principal', schoolId: 'other-school', displayName: '他校校長', roles: ['principal'] },
    });
    const other = await signIn(
      `${t.url}/console/sign-in/${new SignInLinks(t.app.deps.cipher, () => new Date()).sign('other-principal').token}`,
    );
    const otherForm = await formOf('/console', other);
    expect((await get(`/console/incidents/${ref}`, other)).status).toBe(404);
    expect((await post(approve, otherForm, { version: '1' })).status).toBe(404);
    expect((await get(`/console/incidents/${ref}/notices/${notice.id}/edit`, other)).status).toBe(404);
    // A notice id that is not this incident's.
    expect((await post(`/console/incidents/${ref}/notices/nosuchnotice/approve`, principal, { version: '1' })).status).toBe(404);
    expect((await noticeOf()).status).toBe('submitted');
  });

  it('the principal sends a notice back with a comment (required, masked): timeline, the drafter told in chat', async () => {
    const notice = await noticeOf();
    const path = `/console/incidents/${ref}/notices/${notice.id}/send-back`;
    const form = await formOf(`/console/incidents/${ref}`, await signIn(await askLink('demo-principal')));
    expect(form.html).toContain('退回修改的意見');
    const empty = await followed(await post(path, form, { version: '1', comment: '  ' }), form);
    expect(empty).toContain('class="flash error"');
    expect(empty).toContain('退回時請寫下修改意見。');
    expect((await noticeOf()).status).toBe('submitted');
    const html = await followed(await post(path, form, { version: '1', comment: '請補上查詢電話，家長 A123456789 說沒收到' }), form);
    expect(html).toContain('已退回「');
    expect(html).toContain('已自動遮蔽');
    expect((await noticeOf()).status).toBe('returned');
    const entry = await lastEntry();
    expect(entry.type).toBe('notice.returned');
    expect(entry.actorId).toBe('demo-principal');
    expect(entry.summary).toMatch(/^陳校長（示範） 退回通知稿（.+）第1版，請修改$/);
    const told = await chatTexts(WINDOW);
    expect(told).toMatch(/通知稿被 陳校長（示範） 退回修改。\n意見：請補上查詢電話/);
    expect(told).not.toContain('A123456789');
    // The page shows the review with the masked comment.
    expect(html).toMatch(/第 1 版 退回：陳校長（示範）/);
    expect(html).not.toContain('A123456789');
  });

  it('the contact window edits in a form: a new version with a diff; an edit from an older version is refused, not overwritten; then submits', async () => {
    const notice = await noticeOf();
    const editPath = `/console/incidents/${ref}/notices/${notice.id}/edit`;
    const window = await signIn(await askLink(WINDOW));
    const form = await formOf(editPath, window);
    const text = /<textarea id="text"[^>]*>([\s\S]*?)<\/textarea>/.exec(form.html)![1]!.replaceAll('&amp;', '&');
    expect(text).toContain('敬啟');
    // A pasted ID number is masked by the service, as in chat.
    const v2 = text.replace('敬啟', '敬啟\n附記：查詢專線於上班時間接聽，學生 A123456789 的資料已移除');
    const html = await followed(await post(editPath, form, { version: '1', text: v2 }), form);
    expect(html).toContain('已儲存為第2版');
    expect(html).toContain('已自動遮蔽');
    expect(html).not.toContain('A123456789');
    expect(html).toMatch(/<ins><span class="skip-text">［新增］<\/span>[^<]*附記/);
    expect(html).toContain('與第 1 版的差異');
    expect((await noticeOf()).currentVersion).toBe(2);
    expect((await lastEntry()).type).toBe('notice.revised');
    // The same form sent again (it was opened on version 1): refused with the newer text shown, nothing saved.
    const stale = await post(editPath, form, { version: '1', text: `${v2}\n再改一次` });
    expect(stale.status).toBe(409);
    const staleHtml = await stale.text();
    expect(staleHtml).toContain('您看到的是第1版，通知稿已有人修改為第2版');
    expect(staleHtml).toContain('再改一次');
    expect((await noticeOf()).currentVersion).toBe(2);
    // Submitted for approval from the incident page: the principal is asked in chat.
    const page = await formOf(`/console/incidents/${ref}`, window);
    const submitted = await followed(await post(`/console/incidents/${ref}/notices/${notice.id}/submit`, page, { version: '2' }), page);
    expect(submitted).toContain('通知稿送管理人（校長）核定（1 位）');
    expect((await noticeOf()).status).toBe('submitted');
    expect((await lastEntry()).type).toBe('notice.submitted');
    expect(await chatTexts('demo-principal')).toContain(`李組長（示範） 送來事件 ${ref} 的「`);
  });

  it('a stale version and the drafter are refused on the page; the principal approves, the timeline and the chat follow', async () => {
    const notice = await noticeOf();
    const approve = `/console/incidents/${ref}/notices/${notice.id}/approve`;
    const form = await formOf(`/console/incidents/${ref}`, await signIn(await askLink('demo-principal')));
    expect(form.html).toContain('核定第 2 版');
    const stale = await followed(await post(approve, form, { version: '1' }), form);
    expect(stale).toContain('這是第1版，通知稿已修改為第2版');
    // The contact window made an acting approver: still the drafter of version 2.
    await t.app.db.prisma.person.update({ where: { id: WINDOW }, data: { roles: ['staff', 'contactWindow', 'actingApprover'] } });
    try {
      const drafter = await formOf(`/console/incidents/${ref}`, await signIn(await askLink(WINDOW)));
      expect(drafter.html).toContain('您撰寫或修改過這份通知稿，不能核定自己的稿件');
      expect(drafter.html).not.toContain('核定第 2 版');
      const own = await followed(await post(approve, drafter, { version: '2' }), drafter);
      expect(own).toContain('您撰寫或修改過這份通知稿，不能核定自己的稿件');
    } finally {
      await t.app.db.prisma.person.update({ where: { id: WINDOW }, data: { roles: ['staff', 'contactWindow'] } });
    }
    expect((await noticeOf()).status).toBe('submitted');
    const html = await followed(await post(approve, form, { version: '2' }), form);
    expect(html).toContain('class="flash ok"');
    expect(html).toContain('已核定「');
    expect(html).toMatch(/第 2 版 核定：陳校長（示範）/);
    const after = await noticeOf();
    expect(after.status).toBe('approved');
    expect(after.approvedById).toBe('demo-principal');
    const entry = await lastEntry();
    expect(entry.type).toBe('notice.approved');
    expect(entry.summary).toMatch(/^陳校長（示範） 核定通知稿（.+）第2版$/);
    // The drafter is told in chat with the notice card, and the principal's review card shows the outcome.
    expect(await chatTexts(WINDOW)).toMatch(/通知稿已由 陳校長（示範） 核定，可以開始通知當事人/);
    const review = cards(await t.client.messages('demo-principal', 'dm:demo-principal'), `notice-review:${notice.id}`);
    expect(review.length).toBeGreaterThan(0);
    expect(JSON.stringify(review.at(-1))).toContain('已由 陳校長（示範）');
    // The result line is shown once.
    expect(await (await get(`/console/incidents/${ref}`, form.cookies)).text()).not.toContain('class="flash');
  });

  it('the contact window ticks a checklist item with a note (masked): refusals on the page, the timeline and the chat card follow', async () => {
    const incident = await t.app.db.prisma.incident.findFirstOrThrow({ where: { ref } });
    const mayBeNa = t.app.deps.playbooks
      .get(incident.playbookId)
      .checklist.filter((i) => i.naAllowed !== false && !i.completedBy)
      .map((i) => i.key);
    const item = await t.app.db.prisma.checklistItem.findFirstOrThrow({
      where: { incidentId: incident.id, state: 'open', key: { in: mayBeNa } },
      orderBy: { position: 'desc' },
    });
    const path = `/console/incidents/${ref}/items/${item.id}`;
    const progress = async () =>
      JSON.stringify(cards(await t.client.messages(WINDOW, 'demo-response'), 'incident').at(-1)).match(/檢核進度","value":"(\d+) \//)?.[1];
    const before = await progress();
    expect(before).toBeTruthy();
    const auditor = await formOf(`/console/incidents/${ref}`, await signIn(await askLink('demo-auditor')));
    expect(auditor.html).not.toContain(`action="${path}"`);
    expect((await post(path, auditor, { to: 'na', note: '不適用' })).status).toBe(403);
    const form = await formOf(`/console/incidents/${ref}`, await signIn(await askLink(WINDOW)));
    expect(form.html).toContain(`action="${path}"`);
    const noReason = await followed(await post(path, form, { to: 'na', note: '' }), form, `item-${item.id}`);
    expect(noReason).toContain(`請說明「${item.title}」不適用的原因`);
    const html = await followed(await post(path, form, { to: 'na', note: '本校無此情形，承辦 A123456789 確認' }), form, `item-${item.id}`);
    expect(html).toContain(`已將「${item.title}」標為不適用`);
    expect(html).toContain('已自動遮蔽');
    expect(html).not.toContain('A123456789');
    expect((await t.app.db.prisma.checklistItem.findUniqueOrThrow({ where: { id: item.id } })).state).toBe('na');
    const entry = await lastEntry();
    expect(entry.actorId).toBe(WINDOW);
    expect(entry.summary).toContain(item.title);
    // The incident card in the response group (posted when the incident was reported) is edited to the new count.
    const settled = await t.app.db.prisma.checklistItem.count({ where: { incidentId: incident.id, state: { not: 'open' } } });
    expect(Number(before)).toBeLessThan(settled);
    expect(Number(await progress())).toBe(settled);
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
