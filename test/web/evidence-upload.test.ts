import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchBrowser } from '../helpers/browser.js';
import { reportThroughOffer, taipeiInput } from '../helpers/scenario.js';

/**
 * The local chat page's 📎 button in headless Chromium (issue #15): a screenshot chosen on a phone-sized page is
 * offered as evidence in the private chat, filed with the form the bot sends, and confirmed with its SHA-256; a file
 * over the limit is stopped on the page before anything is uploaded.
 */

const PHONE = { width: 390, height: 844 };

function png(n: number): Buffer {
  const head = Buffer.from('89504e470d0a1a0a0000000d49484452000000100000001008060000001ff3ff61', 'hex');
  const idat = Buffer.alloc(8);
  idat.writeUInt32BE(n, 0);
  idat.write('IDAT', 4, 'latin1');
  return Buffer.concat([head, idat, randomBytes(n), Buffer.alloc(4)]);
}

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
      values: {
        scenario: 'misdirected-message',
        howLeaked: '段考成績單誤寄到七年三班家長群組',
        occurredAt: taipeiInput(new Date(now.getTime() - 3 * 3600_000)),
        awareAt: taipeiInput(new Date(now.getTime() - 3600_000)),
        place: '教務處',
        categories: ['name', 'grades'],
        affectedEstimate: '32',
        affectedKinds: ['students', 'guardians'],
        involvesSystem: 'false',
        stepsTaken: '尚未處置',
      },
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

  const openForm = () => page.locator('.msg[data-body-type="form"] form.chat-form:not(.is-done)').last();

  it('files a screenshot chosen with 📎 and shows its SHA-256', { timeout: 120_000 }, async () => {
    await page.goto(`${t.url}/?as=demo-teacher&c=${encodeURIComponent('dm:demo-teacher')}`);
    await expect.poll(() => page.locator('#chat-title').innerText()).toBe('與小幫手的私訊');
    const shot = png(40_000);
    await page.locator('#composer-attach').setInputFiles({ name: '家長群組截圖.png', mimeType: 'image/png', buffer: shot });
    await expect.poll(() => openForm().count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('#messages').innerText()).toContain('📎 家長群組截圖.png');
    await openForm().locator('[data-field-id="description"] input').fill('家長群組中被轉傳的成績單截圖');
    await openForm().getByRole('button', { name: '存為證據' }).tap();
    const sha = createHash('sha256').update(shot).digest('hex');
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
