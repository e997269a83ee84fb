import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignInLinks } from '../../src/web/console/links.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { cards, texts } from '../helpers/local-client.js';
import { HACKED_SYSTEM_PHRASE, hackedSystemValues, reportThroughOffer, workIncidentAsWindow } from '../helpers/scenario.js';

const WINDOW = 'demo-window';
const PRINCIPAL = { personId: 'demo-principal', schoolId: 'demo-school', displayName: '陳校長（示範）', roles: ['principal'] };

/**
 * 登記通知紀錄 from the console, over HTTP: a delivery batch of an approved notice through chat's own step (the same
 * checks and messages, the masking, the timeline entry, the drafter's chat card), refused beside its field, by role,
 * by school, without the CSRF token, for a notice not approved, and when the page is stale.
 */
describe('the console: delivery records of an approved notice', () => {
  let t: TestApp;
  let ref = '';
  let incidentId = '';
  let noticeId = '';
  let path = '';

  async function signIn(who: string): Promise<string> {
    const token = new SignInLinks(t.app.deps.cipher, () => new Date()).sign(who).token;
    const res = await fetch(`${t.url}/console/sign-in/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  }
  const get = (p: string, cookie?: string) => fetch(`${t.url}${p}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  async function pageOf(who: string): Promise<{ cookies: string; token: string; html: string }> {
    const cookie = await signIn(who);
    const page = await get(`/console/incidents/${ref}`, cookie);
    expect(page.status).toBe(200);
    const csrf = page.headers
      .getSetCookie()
      .find((c) => c.startsWith('pdi-console-csrf='))!
      .split(';')[0]!;
    const html = await page.text();
    return { cookies: `${cookie}; ${csrf}`, token: /name="_csrf" value="([^"]+)"/.exec(html)![1]!, html };
  }
  const post = (p: string, form: { cookies: string; token: string }, fields: Record<string, string>) =>
    fetch(`${t.url}${p}`, {
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
  /** The basis of the delivery form of notice `id` as the page shows it. */
  const basisOf = (html: string, id: string) =>
    new RegExp(`action="/console/incidents/${ref}/notices/${id}/deliveries"[^>]*>[\\s\\S]*?name="_basis" value="([^"]+)"`).exec(html)?.[1];
  const batches = () => t.app.db.prisma.subjectNoticeBatch.count({ where: { noticeId } });
  const lastEntry = (type: string) =>
    t.app.db.prisma.timelineEntry.findFirstOrThrow({ where: { incidentId, type }, orderBy: { seq: 'desc' } });
  const noticeCardOf = async (who: string, id: string) =>
    JSON.stringify(cards(await t.client.messages(who, `dm:${who}`), `notice:${id}`).at(-1));

  beforeAll(async () => {
    t = await startTestApp();
    const r = await reportThroughOffer(t.client, { as: 'demo-it', phrase: HACKED_SYSTEM_PHRASE, values: hackedSystemValues(new Date()) });
    ref = r.ref;
    incidentId = (await t.app.db.prisma.incident.findFirstOrThrow({ where: { ref } })).id;
    await workIncidentAsWindow(t.app, ref);
    noticeId = (await t.app.db.prisma.subjectNotice.findFirstOrThrow({ where: { incidentId } })).id;
    path = `/console/incidents/${ref}/notices/${noticeId}/deliveries`;
    // Approved as from the console: the drafter gets the notice card in chat, the card a batch edits.
    await t.app.bot.notices.console.approve(PRINCIPAL, noticeId, 1);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a batch of the approved notice from the page: chat’s step, masked, on the timeline and the page, the chat card edited, chat’s offer shown', async () => {
    expect(await noticeCardOf(WINDOW, noticeId)).not.toContain('通知紀錄：');
    const page = await pageOf(WINDOW);
    expect(page.html).toContain(`action="${path}"`);
    // Chat's channels with chat's labels, as radio buttons, and the counts.
    for (const label of [
      '言詞（當面告知）',
      '書面（信件、聯絡簿）',
      '電子郵件',
      '公開方式（網際網路、新聞媒體等；限個別通知需費過鉅時）',
    ]) {
      expect(page.html).toContain(`> ${label}</label>`);
    }
    expect(page.html).toContain(`type="radio" name="channel" value="email"`);
    expect(page.html).toContain('這一批應通知人數');
    expect(page.html).toContain('尚未登記通知紀錄。');
    const basis = basisOf(page.html, noticeId)!;
    expect(basis).toBe('1:approved:0');
    const html = await followed(
      await post(path, page, {
        _basis: basis,
        channel: 'email',
        total: '32',
        notified: '30',
        note: '兩位家長信箱退信，承辦 A123456789 改以電話聯絡',
      }),
      page,
      `notice-${noticeId}`,
    );
    expect(await batches()).toBe(1);
    expect(html).toContain('已登記「');
    expect(html).toContain('累計已通知 30 / 32 人');
    expect(html).toContain('已自動遮蔽');
    expect(html).not.toContain('A123456789');
    // The records on the page: channel, counts, who and when, the (masked) note.
    expect(html).toMatch(/<li>電子郵件：30 \/ 32 人（李組長（示範），[^<]+）｜兩位家長信箱退信/);
    const entry = await lastEntry('notice.delivered');
    expect(entry.actorId).toBe(WINDOW);
    expect(entry.summary).toMatch(/^李組長（示範） 登記通知（.+）：電子郵件，已通知 30 \/ 32 人$/);
    // The only notice is approved and delivered, but two parents are not reached: no offer to tick the notification
    // item, the page says how many are left.
    const item = await t.app.db.prisma.checklistItem.findFirstOrThrow({
      where: { incidentId, completesClock: 'subjects-notify', state: 'open' },
    });
    expect(html).toContain('尚有 2 人未通知到');
    expect(html).not.toContain('每一份核定的通知都已登記通知紀錄');
    expect(html).not.toContain(`<a href="#item-${item.id}">到檢核清單勾選</a>`);
    expect(item.state).toBe('open');
    // The drafter's notice card in chat is edited where it was posted; nothing else is said in chat.
    expect(await noticeCardOf(WINDOW, noticeId)).toContain('通知紀錄：已通知 30 / 32 人');
    expect(texts(await t.client.messages(WINDOW, `dm:${WINDOW}`)).join('\n')).not.toContain('累計已通知');
    // The form is there for the next batch, based on the new record.
    expect(basisOf(html, noticeId)).toBe('1:approved:1');
  });

  it('bad counts and a missing channel: 400 with chat’s message beside the field and the values kept; nothing recorded', async () => {
    const page = await pageOf('demo-principal');
    const basis = basisOf(page.html, noticeId)!;
    const before = await batches();
    const cases: [Record<string, string>, string, string][] = [
      [{ channel: 'letter', total: '0', notified: '0' }, 'total', '應通知人數請填 1 以上的整數。'],
      [{ channel: 'letter', total: '-3', notified: '0' }, 'total', '應通知人數請填 1 以上的整數。'],
      [{ channel: 'letter', total: '三十', notified: '2' }, 'total', '應通知人數請填 1 以上的整數。'],
      [{ channel: 'letter', total: '5', notified: '6' }, 'notified', '已通知人數請填 0 到應通知人數之間的整數。'],
      [{ total: '5', notified: '5' }, 'channel', '請選擇通知方式：'],
      [{ channel: 'other', total: '5', notified: '5' }, 'note', '選「其他方式」時，請在備註寫下用什麼方式'],
      [{ channel: 'letter', total: '5', notified: '9', note: '承辦 A123456789' }, 'notified', '已通知人數請填 0 到應通知人數之間的整數。'],
    ];
    for (const [fields, field, message] of cases) {
      const res = await post(path, page, { _basis: basis, ...fields });
      expect(res.status).toBe(400);
      const html = await res.text();
      const id = `d-${noticeId}-${field}`;
      expect(html).toContain(`<p id="${id}-error" class="error">${message}`);
      expect(html).toContain(`<a href="#${id}">${message}`);
      expect(html).toMatch(new RegExp(`aria-describedby="[^"]*${id}-error"`));
      if (fields.total) expect(html).toContain(`name="total" type="text" value="${fields.total}"`);
      if (fields.channel) expect(html).toContain(`value="${fields.channel}" checked`);
      // A note typed is kept, masked as everything shown is.
      if (fields.note) {
        expect(html).toMatch(/name="note" type="text" value="承辦 [^"]+"/);
        expect(html).not.toContain('A123456789');
      }
    }
    expect(await batches()).toBe(before);
  });

  it('the auditor and the acting approver see no form and get 403; without the CSRF token 403; another school 404', async () => {
    const auditor = await pageOf('demo-auditor');
    expect(auditor.html).not.toContain(`action="${path}"`);
    const basis = '1:approved:1';
    const fields = { _basis: basis, channel: 'letter', total: '3', notified: '3' };
    expect((await post(path, auditor, fields)).status).toBe(403);
    await t.app.db.prisma.person.update({ where: { id: 'demo-director' }, data: { roles: ['staff', 'actingApprover'] } });
    try {
      const acting = await pageOf('demo-director');
      expect(acting.html).not.toContain(`action="${path}"`);
      expect((await post(path, acting, fields)).status).toBe(403);
    } finally {
      await t.app.db.prisma.person.update({ where: { id: 'demo-director' }, data: { roles: ['staff', 'dataManager'] } });
    }
    const window = await pageOf(WINDOW);
    expect((await post(path, window, { ...fields, _csrf: '' })).status).toBe(403);
    await t.app.db.prisma.school.create({ data: { id: 'other-school', name: '他校（測試）' } });
    await t.app.db.prisma.person.create({
      data: { id: 'other-window', schoolId: 'other-school', displayName: '他校窗口', roles: ['contactWindow'] },
    });
    const otherCookie = await signIn('other-window');
    const other = await get('/console', otherCookie);
    const csrf = other.headers
      .getSetCookie()
      .find((c) => c.startsWith('pdi-console-csrf='))!
      .split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(await other.text())![1]!;
    expect((await post(path, { cookies: `${otherCookie}; ${csrf}`, token }, fields)).status).toBe(404);
    expect(await batches()).toBe(1);
  });

  it('the same form posted after someone registered a batch meanwhile: 409 with the current records and the values kept', async () => {
    const page = await pageOf(WINDOW);
    const basis = basisOf(page.html, noticeId)!;
    // Meanwhile, in chat: the principal registers a batch through chat's form.
    await t.app.bot.notices.service.recordDelivery(PRINCIPAL, noticeId, { channel: 'letter', total: 2, notified: 2 });
    const res = await post(path, page, { _basis: basis, channel: 'phone', total: '2', notified: '2' });
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(html).toContain('已有人修改、處理或登記通知紀錄');
    expect(html).toMatch(/<li>書面（信件、聯絡簿）：2 \/ 2 人（陳校長（示範），/);
    expect(html).toContain('value="phone" checked');
    expect(basisOf(html, noticeId)).toBe('1:approved:2');
    expect(await batches()).toBe(2);
  });

  it('a notice not approved: no form on the page, and a hand-made POST refused with chat’s message', async () => {
    const window = { personId: WINDOW, schoolId: 'demo-school', displayName: '李組長（示範）', roles: ['staff', 'contactWindow'] };
    const { view } = await t.app.bot.notices.service.draft(window, incidentId, 'staff');
    const draftPath = `/console/incidents/${ref}/notices/${view.notice.id}/deliveries`;
    const page = await pageOf(WINDOW);
    expect(page.html).not.toContain(`action="${draftPath}"`);
    const html = await followed(
      await post(draftPath, page, { _basis: '1:draft:0', channel: 'letter', total: '3', notified: '3' }),
      page,
      `notice-${view.notice.id}`,
    );
    expect(html).toContain('class="flash error"');
    expect(html).toContain('這份通知尚未經管理人（校長）核定，不能登記為已通知。請先送核。');
    expect(await t.app.db.prisma.subjectNoticeBatch.count({ where: { noticeId: view.notice.id } })).toBe(0);
  });
});
