import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ev } from '../fakes/line/events.js';
import { flexes, lineGroupId, seedLineIdentities, startLineTestApp, texts, uid, uris, type LineTestApp } from '../fakes/line/harness.js';
import { launchBrowser } from '../helpers/browser.js';
import { DESKTOP, PHONE, seriousViolations, shoot } from '../helpers/page-checks.js';

/**
 * Issue #18 point 5 in a real browser (Debian's Chromium), from the fake LINE platform: a teacher reports a leak in her
 * 1:1 chat, opens 「在網頁填寫」 as LINE's in-app browser would, fills the one page (an error first, then 「昨天下午3點左右」
 * read back), sends it, and the incident card is in the response group. The link used again, and a link naming another
 * person's question, are refused. axe-core on every page; UPDATE_SCREENSHOTS=1 refreshes docs/images/webform-*.png.
 */

describe('a web form from LINE in a browser (report, one page, the card in the group)', () => {
  let h: LineTestApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const team = lineGroupId('webform-browser-team');
  let link = '';

  beforeAll(async () => {
    h = await startLineTestApp();
    await seedLineIdentities(h.t.app.db.prisma, ['demo-teacher', 'demo-window', 'demo-principal']);
    h.fake.friends.set(uid('demo-teacher'), '王老師');
    h.fake.friends.set(uid('demo-window'), '李組長');
    h.fake.groups.set(team, '個資應變小組');
    await h.send([ev.join(team, h.fake.issueReplyToken(team))]);
    await h.say({ group: team }, 'demo-principal', '綁定群組 應變小組');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await h?.close();
  });

  async function context(viewport: { width: number; height: number }): Promise<BrowserContext> {
    // bypassCSP lets the test inject axe-core into pages whose policy allows no script at all.
    const c = await browser.newContext({
      viewport,
      deviceScaleFactor: 1,
      locale: 'zh-TW',
      bypassCSP: true,
      ...(viewport === PHONE ? { isMobile: true, hasTouch: true } : {}),
    });
    contexts.push(c);
    return c;
  }

  /** 「通報」 in the person's 1:1 chat: the link of the 「在網頁填寫」 button. */
  async function reportLink(who: 'demo-teacher' | 'demo-window'): Promise<string> {
    const out = await h.say({ user: uid(who) }, who, '通報');
    const found = flexes(out)
      .flatMap((d) => uris(d.message))
      .find((u) => u.label === '在網頁填寫');
    expect(found, JSON.stringify(texts(out))).toBeTruthy();
    return found!.uri;
  }

  it('王老師 reports on a phone: the page, an error with focus on it, the time read back, sent; the card in the group', {
    timeout: 120_000,
  }, async () => {
    link = await reportLink('demo-teacher');
    const page = await (await context(PHONE)).newPage();
    await page.goto(link);
    expect(await page.locator('h1').innerText()).toBe('個資事件通報');
    expect(await seriousViolations(page)).toEqual([]);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    await shoot(page, 'webform-phone');

    await page.locator('input[name="scenario"]').first().check();
    await page.locator('#f-howLeaked').fill('成績單誤寄給全班家長');
    await page.locator('#f-occurredAt').fill('昨天下午3點左右');
    await page.locator('input[name="categories"]').first().check();
    await page.locator('#f-affectedEstimate').fill('約30人');
    await page.locator('input[name="affectedKinds"]').first().check();
    await page.locator('input[name="involvesSystem"][value="false"]').check();
    await page.locator('#f-stepsTaken').fill('已請家長刪除郵件');
    // 發生地點 left empty: the page comes back with the error beside it, and the focus there.
    await page.getByRole('button', { name: '送出通報' }).click();
    await page.waitForLoadState();
    expect(await page.locator('#f-place-error').innerText()).toContain('發生地點');
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('f-place');
    expect(await page.locator('#f-occurredAt').inputValue()).toBe('昨天下午3點左右');
    expect(await page.locator('#f-occurredAt-reading').innerText()).toMatch(/15:00 左右/);
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'webform-error-phone');

    await page.locator('#f-place').fill('教務處');
    await page.getByRole('button', { name: '送出通報' }).click();
    await page.waitForLoadState();
    expect(await page.locator('h1').innerText()).toBe('通報已送出');
    const incident = await h.t.app.db.prisma.incident.findFirstOrThrow();
    expect(await page.locator('main').innerText()).toContain(incident.ref);
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'webform-done-phone');

    await h.t.app.line!.idle();
    expect(flexes(h.fake.messagesIn(team)).some((d) => String(d.message.altText).includes(incident.ref))).toBe(true);
    const mine = texts(h.fake.messagesIn(uid('demo-teacher')));
    expect(mine.join('\n')).toContain('已收到您在網頁填寫的通報');
    expect(incident.approximateTimes ?? '').toBeTruthy();
  });

  it('the link used again is refused with a page that says why', async () => {
    const page = await (await context(PHONE)).newPage();
    const res = await page.goto(link);
    expect(res?.status()).toBe(410);
    expect(await page.locator('h1').innerText()).toBe('連結已使用過');
    expect(await seriousViolations(page)).toEqual([]);
    expect(await h.t.app.db.prisma.incident.count()).toBe(1);
  });

  it("on a desktop: 李組長's page; a link naming her question for another person is refused", async () => {
    const own = await reportLink('demo-window');
    const page = await (await context(DESKTOP)).newPage();
    await page.goto(own);
    expect(await page.locator('h1').innerText()).toBe('個資事件通報');
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'webform-desktop');
    const prompt = await h.t.app.db.prisma.pendingPrompt.findFirstOrThrow({ where: { personId: 'demo-window', status: 'open' } });
    const web = h.t.app.bot.webForms as unknown as { links: { sign(p: string, c: string, q: string): { token: string } } };
    const token = web.links.sign('demo-teacher', prompt.conversationId, prompt.id).token;
    const res = await page.goto(`${h.t.url}/console/form/${token}`);
    expect(res?.status()).toBe(410);
    expect(await page.locator('main').innerText()).toContain('這份表單已結束');
  });
});
