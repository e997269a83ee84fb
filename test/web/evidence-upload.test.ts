import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchBrowser } from '../helpers/browser.js';
import { misdirectedValues, reportThroughOffer } from '../helpers/scenario.js';
import { png, sha256 } from '../helpers/evidence.js';

/**
 * The local chat page's 📎 button in headless Chromium (issue #15): a screenshot chosen on a phone-sized page is
 * offered as evidence in the private chat, filed with the form the bot sends, and confirmed with its SHA-256; a file
 * over the limit is stopped on the page before anything is uploaded.
 */

const PHONE = { width: 390, height: 844 };

describe('local chat page: evidence with 📎 (phone width)', () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { EVIDENCE_MAX_MB: '1' } });
    const now = new Date();
    await reportThroughOffer(t.client, {
      phrase: '我寄錯信了，成績單寄給全班家長',
      values: misdirectedValues(now),
    });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: 'zh-TW' });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
  });

  // The evidence form (its id starts with evd:); the report form filed through the API above also shows in this chat.
  const openForm = () => page.locator('.msg[data-body-type="form"] form.chat-form[data-form-id^="evd:"]:not(.is-done)').last();

  it('files a screenshot chosen with 📎 and shows its SHA-256', { timeout: 120_000 }, async () => {
    await page.goto(`${t.url}/?as=demo-teacher&c=${encodeURIComponent('dm:demo-teacher')}`);
    await expect.poll(() => page.locator('#chat-title').innerText()).toBe('與小幫手的私訊');
    const shot = png(40_000);
    await page.locator('#composer-attach').setInputFiles({ name: '家長群組截圖.png', mimeType: 'image/png', buffer: shot });
    await expect.poll(() => openForm().count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.locator('#messages').innerText()).toContain('📎 家長群組截圖.png');
    await openForm().locator('[data-field-id="description"] input').fill('家長群組中被轉傳的成績單截圖');
    await openForm().getByRole('button', { name: '存為證據' }).tap();
    const sha = sha256(shot);
    await expect.poll(() => page.locator('#messages').innerText(), { timeout: 15_000 }).toContain(sha);
    expect(await page.locator('.card-title').last().innerText()).toMatch(/^已存證：證據 1/);
    expect(await t.app.db.prisma.evidence.count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it('stops a file over the limit on the page, before uploading it', { timeout: 60_000 }, async () => {
    const before = await page.locator('#messages .msg').count();
    await page.locator('#composer-attach').setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: png(1024 * 1024 + 10) });
    await expect.poll(() => page.locator('#composer-error').innerText()).toContain('超過 1 MB');
    expect(await page.locator('#messages .msg').count()).toBe(before);
    expect(await t.app.db.prisma.evidence.count()).toBe(1);
  });
});
