import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignInLinks } from '../../src/web/console/links.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { cards, texts } from '../helpers/local-client.js';
import { HACKED_SYSTEM_PHRASE, hackedSystemValues, reportThroughOffer, workIncidentAsWindow } from '../helpers/scenario.js';

const WINDOW = 'demo-window';

/**
 * The console's item forms (the checklist items that ask more than a note), 重新開啟 and 改送代理人核定, over HTTP:
 * each through chat's own step, refused by role, by school and when the page is stale.
 */
describe('the console: item forms, reopening, the acting approver', () => {
  let t: TestApp;
  let ref = '';
  let incidentId = '';

  async function signIn(who: string): Promise<string> {
    const url = new SignInLinks(t.app.deps.cipher, () => new Date()).sign(who).token;
    const res = await fetch(`${t.url}/console/sign-in/${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  }
  const get = (path: string, cookie?: string) => fetch(`${t.url}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  async function formOf(path: string, cookie: string): Promise<{ cookies: string; token: string; html: string }> {
    const page = await get(path, cookie);
    expect(page.status).toBe(200);
    const csrf = page.headers
      .getSetCookie()
      .find((c) => c.startsWith('pdi-console-csrf='))!
      .split(';')[0]!;
    const html = await page.text();
    return { cookies: `${cookie}; ${csrf}`, token: /name="_csrf" value="([^"]+)"/.exec(html)![1]!, html };
  }
  const post = (path: string, form: { cookies: string; token: string }, fields: Record<string, string>) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { cookie: form.cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: form.token, ...fields }).toString(),
      redirect: 'manual',
    });
  async function followed(res: Response, form: { cookies: string }, anchor: string): Promise<string> {
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toBe(`/console/incidents/${ref}#${anchor}`);
    const flash = res.headers
      .getSetCookie()
      .find((c) => c.startsWith('pdi-console-flash='))!
      .split(';')[0]!;
    return (await get(location.split('#')[0]!, `${form.cookies}; ${flash}`)).text();
  }
  const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1]?.replaceAll('&amp;', '&');
  const itemOf = (key: string) => t.app.db.prisma.checklistItem.findFirstOrThrow({ where: { incidentId, key } });
  /** The newest entry of a type (a tick may be followed by the reminders it reschedules). */
  const lastEntry = (type: string) =>
    t.app.db.prisma.timelineEntry.findFirstOrThrow({ where: { incidentId, type }, orderBy: { seq: 'desc' } });
  const chatTexts = async (who: string) => texts(await t.client.messages(who, `dm:${who}`)).join('\n');
  const progress = async () =>
    JSON.stringify(cards(await t.client.messages(WINDOW, 'demo-response'), 'incident').at(-1)).match(/檢核進度","value":"(\d+) \//)?.[1];

  beforeAll(async () => {
    t = await startTestApp();
    const r = await reportThroughOffer(t.client, { as: 'demo-it', phrase: HACKED_SYSTEM_PHRASE, values: hackedSystemValues(new Date()) });
    ref = r.ref;
    incidentId = (await t.app.db.prisma.incident.findFirstOrThrow({ where: { ref } })).id;
    await workIncidentAsWindow(t.app, ref);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the cyber level item: its chat form on a page, checked by chat’s reader, then done with the level; the chat card follows', async () => {
    const item = await itemOf('set-cyber-level');
    const path = `/console/incidents/${ref}/items/${item.id}/form`;
    const window = await signIn(WINDOW);
    const page = await formOf(`/console/incidents/${ref}`, window);
    expect(page.html).toContain(`href="${path}"`);
    // 不適用 is not allowed for this item (as on chat's card): the form is all the page offers.
    expect(page.html).not.toContain(`action="/console/incidents/${ref}/items/${item.id}"`);
    // Ticked done without the form (a hand-made POST): refused, pointing to it.
    const plain = await followed(
      await post(`/console/incidents/${ref}/items/${item.id}`, page, { to: 'done', note: '第2級' }),
      page,
      `item-${item.id}`,
    );
    expect(plain).toContain('請按「填寫並完成」填寫');
    const form = await formOf(path, window);
    expect(form.html).toContain('資安事件等級');
    expect(form.html).toContain('第4級');
    const basis = hidden(form.html, '_basis')!;
    expect(basis).toBe('open:');
    const missing = await post(path, form, { _basis: basis, note: '成績資料' });
    expect(missing.status).toBe(400);
    const missingHtml = await missing.text();
    // The problem beside its field (the core says which: FieldProblems), in a summary with a link to it, values kept.
    expect(missingHtml).toContain('<p id="f-cyberLevel-error" class="error">請選擇資安事件等級（第1級至第4級）。</p>');
    expect(missingHtml).toContain('<a href="#f-cyberLevel">請選擇資安事件等級（第1級至第4級）。</a>');
    expect(missingHtml).toMatch(/<fieldset id="f-cyberLevel" aria-describedby="[^"]*f-cyberLevel-error/);
    expect(missingHtml).toMatch(/name="cyberLevel" value="1" autofocus aria-invalid="true"/);
    expect(missingHtml).not.toContain('id="f-note-error"');
    expect(missingHtml).not.toMatch(/id="f-note"[^>]*aria-invalid/);
    expect(missingHtml).toContain('name="note" type="text" value="成績資料"');
    expect(missingHtml).not.toContain('還有幾個地方需要修正');
    const before = await progress();
    const done = await followed(
      await post(path, form, { _basis: basis, cyberLevel: '2', note: '核心資料輕微外洩，承辦 A123456789' }),
      form,
      `item-${item.id}`,
    );
    expect(done).toContain(`已將「${item.title}」標為完成`);
    expect(done).toContain('已自動遮蔽');
    expect(done).not.toContain('A123456789');
    expect(done).toContain('第 2 級');
    expect((await itemOf('set-cyber-level')).state).toBe('done');
    const entry = await lastEntry('checklist.done');
    expect(entry.actorId).toBe(WINDOW);
    expect(entry.summary).toContain(item.title);
    const settled = () => t.app.db.prisma.checklistItem.count({ where: { incidentId, state: { not: 'open' } } });
    expect(Number(before)).toBeLessThan(await settled());
    expect(Number(await progress())).toBe(await settled());
    // The same page sent again: the item changed since, 409 with what it is now.
    const stale = await post(path, form, { _basis: basis, cyberLevel: '3', note: '再判一次' });
    expect(stale.status).toBe(409);
    const staleHtml = await stale.text();
    expect(staleHtml).toContain('已有人變更');
    expect(staleHtml).toContain('已完成（李組長（示範））');
    expect((await t.app.db.prisma.incident.findUniqueOrThrow({ where: { id: incidentId } })).cyberLevel).toBe(2);
  });

  it('the recovery item: the time read by the natural-time reader and shown back before it is taken', async () => {
    const item = await itemOf('cyber-recover');
    const path = `/console/incidents/${ref}/items/${item.id}/form`;
    const form = await formOf(path, await signIn(WINDOW));
    expect(form.html).toContain('實際完成時間');
    expect(form.html).toContain('讀作：');
    const fields = { _basis: hidden(form.html, '_basis')!, _read_at: hidden(form.html, '_read_at')!, note: '已從備份還原' };
    const unreadable = await post(path, form, { ...fields, at: '前幾天吧' });
    expect(unreadable.status).toBe(400);
    const unreadableHtml = await unreadable.text();
    expect(unreadableHtml).toMatch(/<p id="f-at-error" class="error">[^<]*實際完成時間/);
    expect(unreadableHtml).toMatch(/<input id="f-at" name="at" type="text" value="前幾天吧"[^>]*aria-invalid="true" autofocus>/);
    expect(unreadableHtml).toContain('value="已從備份還原"');
    // An hour ago, as one would type it (「12/7 18:30」): a new reading is shown first, to be confirmed.
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone: 'Asia/Taipei',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
        hourCycle: 'h23',
      })
        .formatToParts(new Date(Date.now() - 3600_000))
        .map((p) => [p.type, p.value]),
    );
    const typed = `${parts.month}/${parts.day} ${parts.hour}:${parts.minute}`;
    const first = await post(path, form, { ...fields, at: typed });
    expect(first.status).toBe(200);
    const confirm = await first.text();
    expect(confirm).toContain('請確認下方「讀作」的時間是否正確');
    expect((await itemOf('cyber-recover')).state).toBe('open');
    const read = hidden(confirm, '_read_at')!;
    const html = await followed(await post(path, form, { ...fields, _read_at: read, at: typed }), form, `item-${item.id}`);
    expect(html).toContain(`已將「${item.title}」標為完成`);
    const incident = await t.app.db.prisma.incident.findUniqueOrThrow({ where: { id: incidentId } });
    expect(incident.recoveredAt?.toISOString()).toBe(read);
    expect((await lastEntry('checklist.done')).summary).toContain('實際完成時間');
  });

  it('a plan with its date: the day read back before it is taken, the plan on the item', async () => {
    const item = await itemOf('patch-and-restore');
    const path = `/console/incidents/${ref}/items/${item.id}/form`;
    const form = await formOf(path, await signIn(WINDOW));
    expect(form.html).toContain('預定完成日期');
    const fields = { _basis: hidden(form.html, '_basis')!, note: '更新系統並關閉不需要的連接埠（資訊組）', planState: 'doing' };
    const bad = await post(path, form, { ...fields, plannedOn: '改天吧' });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain('<p id="f-plannedOn-error" class="error">看不懂「預定完成日期');
    expect(badHtml).toMatch(
      /<input id="f-plannedOn" name="plannedOn" type="text" value="改天吧"[^>]*aria-describedby="[^"]*f-plannedOn-error"[^>]*aria-invalid="true" autofocus>/,
    );
    expect(badHtml).toContain('<a href="#f-plannedOn">');
    const first = await post(path, form, { ...fields, plannedOn: '2099-12-31' });
    expect(first.status).toBe(200);
    const confirm = await first.text();
    expect(confirm).toContain('讀作：<strong>中華民國188年12月31日</strong>');
    expect((await itemOf('patch-and-restore')).state).toBe('open');
    const html = await followed(
      await post(path, form, { ...fields, plannedOn: '2099-12-31', _read_plannedOn: hidden(confirm, '_read_plannedOn')! }),
      form,
      `item-${item.id}`,
    );
    expect(html).toContain(`已將「${item.title}」標為完成`);
    const row = await itemOf('patch-and-restore');
    expect(row.state).toBe('done');
    expect(row.planState).toBe('doing');
    expect(row.plannedOn).not.toBeNull();
  });

  it('重新開啟 with a reason: on the timeline, the chat card follows; a stale page, the auditor and another school are refused', async () => {
    const item = await itemOf('cyber-recover');
    const path = `/console/incidents/${ref}/items/${item.id}/reopen`;
    const auditor = await formOf(`/console/incidents/${ref}`, await signIn('demo-auditor'));
    expect(auditor.html).not.toContain(`action="${path}"`);
    const window = await formOf(`/console/incidents/${ref}`, await signIn(WINDOW));
    expect(window.html).toContain(`action="${path}"`);
    const basis = new RegExp(
      `action="${path}"><input type="hidden" name="_csrf" value="[^"]+"><input type="hidden" name="_basis" value="([^"]+)"`,
    ).exec(window.html)![1]!;
    expect((await post(path, auditor, { _basis: basis, reason: 'x' })).status).toBe(403);
    const before = await progress();
    const html = await followed(await post(path, window, { _basis: basis, reason: '復原後又發現異常連線' }), window, `item-${item.id}`);
    expect(html).toContain(`已重新開啟「${item.title}」`);
    expect((await itemOf('cyber-recover')).state).toBe('open');
    expect((await lastEntry('checklist.open')).summary).toBe(`李組長（示範） 重新開啟：${item.title}`);
    const view = await t.app.bot.incidents.get(incidentId);
    expect(view.checklist.find((c) => c.row.id === item.id)?.note).toBe('復原後又發現異常連線');
    expect((await t.app.db.prisma.incident.findUniqueOrThrow({ where: { id: incidentId } })).recoveredAt).toBeNull();
    const settled = await t.app.db.prisma.checklistItem.count({ where: { incidentId, state: { not: 'open' } } });
    expect(Number(before)).toBe(settled + 1);
    expect(Number(await progress())).toBe(settled);
    const again = await post(path, window, { _basis: basis, reason: '再一次' });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain(`目前狀態：<strong>${item.title}：未完成</strong>`);
    await t.app.db.prisma.school.create({ data: { id: 'other-school', name: '他校（測試）' } });
    await t.app.db.prisma.person.create({
      data: { id: 'other-window', schoolId: 'other-school', displayName: '他校窗口', roles: ['contactWindow'] },
    });
    const other = await formOf('/console', await signIn('other-window'));
    expect((await post(path, other, { _basis: 'open:', reason: 'x' })).status).toBe(404);
    expect((await get(`/console/incidents/${ref}/items/${item.id}/form`, other.cookies)).status).toBe(404);
  });

  it('改送代理人核定 where chat offers it: the acting approver asked in chat, on the timeline; refused by role, with no acting approver, and stale', async () => {
    const notice = await t.app.db.prisma.subjectNotice.findFirstOrThrow({ where: { incidentId } });
    const path = `/console/incidents/${ref}/notices/${notice.id}/acting`;
    const window = await formOf(`/console/incidents/${ref}`, await signIn(WINDOW));
    expect(window.html).toContain(`action="${path}"`);
    const auditor = await formOf(`/console/incidents/${ref}`, await signIn('demo-auditor'));
    expect((await post(path, auditor, { version: '1' })).status).toBe(403);
    // Nobody named 代理人 yet: chat's own refusal on the page.
    const none = await followed(await post(path, window, { version: '1' }), window, `notice-${notice.id}`);
    expect(none).toContain('學校名冊沒有可以聯絡的代理人');
    await t.app.db.prisma.person.update({ where: { id: 'demo-director' }, data: { roles: ['staff', 'actingApprover'] } });
    try {
      const stale = await post(path, window, { version: '2' });
      expect(stale.status).toBe(409);
      expect(await stale.text()).toContain('第1版：待管理人（校長）核定');
      const html = await followed(await post(path, window, { version: '1' }), window, `notice-${notice.id}`);
      expect(html).toContain('送代理人核定（1 位；管理人不在時由代理人核定）');
      const entry = await lastEntry('notice.to-acting');
      expect(entry.actorId).toBe(WINDOW);
      expect(await chatTexts('demo-director')).toContain(`李組長（示範） 送來事件 ${ref} 的「`);
      // The acting approver decides in chat; the page that offered the button is stale now.
      const review = cards(await t.client.messages('demo-director', 'dm:demo-director'), `notice-review:${notice.id}`).at(-1)!;
      await t.client.press('demo-director', 'dm:demo-director', review.buttons!.find((b) => b.label === '核定')!.action);
      const late = await post(path, window, { version: '1' });
      expect(late.status).toBe(409);
      expect(await late.text()).toContain('第1版：已核定');
    } finally {
      await t.app.db.prisma.person.update({ where: { id: 'demo-director' }, data: { roles: ['staff', 'dataManager'] } });
    }
  });
});
