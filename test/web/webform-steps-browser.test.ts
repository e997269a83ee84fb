import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/roles.js';
import { flexes, seedLineIdentities, startLineTestApp, texts, uid, uris, type LineTestApp } from '../fakes/line/harness.js';
import { launchBrowser } from '../helpers/browser.js';
import { PHONE, seriousViolations, shoot } from '../helpers/page-checks.js';

/**
 * Issue #18 point 5 for a FormSteps form in a real browser (Debian's Chromium) on a 390×844 phone: the contact window
 * asks 「影響評估」 in her LINE 1:1 chat, opens 「在網頁填寫」, gets a bad number back beside its field with the focus
 * on it, fixes it and saves; the assessment is recorded and the chat told. axe-core on every page;
 * UPDATE_SCREENSHOTS=1 refreshes docs/images/webform-steps-phone.png.
 */

describe('a FormSteps form from LINE in a browser (the assessment, one page, on a phone)', () => {
  let h: LineTestApp;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let ref = '';

  beforeAll(async () => {
    h = await startLineTestApp();
    await seedLineIdentities(h.t.app.db.prisma, ['demo-window', 'demo-teacher']);
    h.fake.friends.set(uid('demo-window'), '李組長');
    const teacher: Actor = { personId: 'demo-teacher', schoolId: 'demo-school', displayName: '王老師（示範）', roles: ['staff'] };
    const now = Date.now();
    const view = await h.t.app.bot.incidents.report(teacher, null, {
      scenario: 'misdirected-message',
      howLeaked: '段考成績單誤寄到家長群組',
      occurredAt: new Date(now - 5 * 3600_000),
      awareAt: new Date(now - 3600_000),
      place: '教務處',
      categories: ['name', 'grades'],
      affectedEstimate: 30,
      affectedKinds: ['students'],
      involvesSystem: false,
      stepsTaken: '已請家長刪除',
    });
    ref = view.incident.ref;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await h?.close();
  });

  it('the page on a phone: no serious axe violation, one column; an error with focus on it; saved', { timeout: 120_000 }, async () => {
    const out = await h.say({ user: uid('demo-window') }, 'demo-window', `影響評估 ${ref}`);
    const link = flexes(out)
      .flatMap((d) => uris(d.message))
      .find((u) => u.label === '在網頁填寫')?.uri;
    expect(link, JSON.stringify(texts(out))).toBeTruthy();
    context = await browser.newContext({
      viewport: PHONE,
      deviceScaleFactor: 1,
      locale: 'zh-TW',
      bypassCSP: true,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    await page.goto(link!);
    expect(await page.locator('h1').innerText()).toBe(`影響評估｜${ref}`);
    expect(await page.locator('input[name="categories"][value="grades"]').isChecked()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    await shoot(page, 'webform-steps-phone');

    await page.locator('#f-studentsCount').fill('三十');
    await page.getByRole('button', { name: '儲存評估' }).click();
    await page.waitForLoadState();
    expect(await page.locator('#f-studentsCount-error').innerText()).toContain('學生人數');
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('f-studentsCount');
    expect(await seriousViolations(page)).toEqual([]);

    await page.locator('#f-studentsCount').fill('30');
    await page.getByRole('button', { name: '儲存評估' }).click();
    await page.waitForLoadState();
    expect(await page.locator('h1').innerText()).toBe('已送出');
    expect(await seriousViolations(page)).toEqual([]);
    const row = await h.t.app.db.prisma.incident.findFirstOrThrow({ where: { ref } });
    expect(row.studentsCount).toBe(30);
    await h.t.app.line!.idle();
    expect(texts(h.fake.messagesIn(uid('demo-window'))).join('\n')).toContain(`已收到您在網頁填寫的「影響評估｜${ref}」`);
  });
});
