import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { BOT_NAME } from '../../src/core/bot-name.js';
import { startTestApp } from '../helpers/app.js';
import { launchBrowser } from '../helpers/browser.js';

/**
 * The chat page in headless Chromium (issue #12): nothing typed is lost (a half-filled form and an unsent message
 * survive a conversation switch and a reload, per person and form, and are gone once submitted or cancelled), empty
 * and too-long messages are stopped before sending with their own message and a counter near the limit, and an offer
 * once taken shows who took it without its buttons.
 */

const PHONE = { width: 390, height: 844 };
const HOW = '段考成績單誤寄給全班家長，附件含姓名與分數';
const PLACE = '教務處（電子郵件）';

describe('local chat page: drafts, limits and taken offers (phone width)', () => {
  let app: { url: string; close(): Promise<void> };
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: 'zh-TW' });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
  });

  const composer = () => page.getByLabel('輸入訊息');
  const openForm = () => page.locator('.msg[data-body-type="form"] form.chat-form:not(.is-done)').last();
  const msgCount = () => page.locator('#messages .msg').count();

  async function open(conversationId: string): Promise<void> {
    await page.locator('#nav-toggle').click();
    await page.locator(`.conversation-item[data-conversation-id="${conversationId}"]`).click();
    await page.locator('.messages-loading').waitFor({ state: 'detached' });
  }

  it('a half-filled report form survives a conversation switch and a reload; cancelling clears it', { timeout: 120_000 }, async () => {
    await page.goto(`${app.url}/?as=demo-teacher&c=${encodeURIComponent('dm:demo-teacher')}`);
    await expect.poll(() => page.locator('#chat-title').innerText()).toBe('與小幫手的私訊');
    expect(await page.title()).toContain(BOT_NAME);

    const before = await msgCount();
    await composer().fill('通報');
    await composer().press('Enter');
    await expect.poll(() => openForm().count(), { timeout: 15_000 }).toBe(1);
    expect(await msgCount()).toBeGreaterThan(before);
    await openForm().locator('[data-field-id="howLeaked"] textarea').fill(HOW);
    await openForm().locator('[data-field-id="place"] input').fill(PLACE);
    await openForm().locator('[data-field-id="categories"] label.choice').first().locator('input').check();

    // To the staff group and back: the form is as it was left; a message typed there stays with that group.
    await open('demo-staff');
    await composer().fill('還沒送出的群組訊息');
    await open('dm:demo-teacher');
    await expect.poll(() => openForm().locator('[data-field-id="howLeaked"] textarea').inputValue()).toBe(HOW);
    expect(await openForm().locator('[data-field-id="place"] input').inputValue()).toBe(PLACE);
    expect(await openForm().locator('[data-field-id="categories"] input:checked').count()).toBe(1);
    expect(await composer().inputValue()).toBe('');

    // A reload keeps both drafts.
    await page.reload();
    await expect.poll(() => openForm().count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => openForm().locator('[data-field-id="howLeaked"] textarea').inputValue()).toBe(HOW);
    expect(await openForm().locator('[data-field-id="categories"] input:checked').count()).toBe(1);
    await open('demo-staff');
    expect(await composer().inputValue()).toBe('還沒送出的群組訊息');

    // Another person on the same browser does not see them.
    await page.getByLabel('我是').selectOption('demo-window');
    await open('demo-staff');
    expect(await composer().inputValue()).toBe('');

    // Back as the teacher: cancelling the form clears its draft; a new form starts empty.
    await page.getByLabel('我是').selectOption('demo-teacher');
    await open('dm:demo-teacher');
    await openForm().getByRole('button', { name: '取消' }).click();
    await expect.poll(() => openForm().count()).toBe(0);
    const drafts = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.includes(':form:')));
    expect(drafts).toEqual([]);
    await composer().fill('通報');
    await composer().press('Enter');
    await expect.poll(() => openForm().count(), { timeout: 15_000 }).toBe(1);
    expect(await openForm().locator('[data-field-id="howLeaked"] textarea').inputValue()).toBe('');
  });

  it('empty and too-long messages are stopped before sending, with a counter near the 4,000-character limit', {
    timeout: 60_000,
  }, async () => {
    await open('demo-staff');
    await composer().fill('');
    await composer().press('Enter');
    await expect.poll(() => page.locator('#composer-error').innerText()).toBe('訊息是空白的，沒有送出。請輸入文字後再送出。');

    const counter = page.locator('#composer-count');
    await composer().fill('字'.repeat(3000));
    expect(await counter.isVisible()).toBe(false);
    await composer().fill('字'.repeat(3500));
    await expect.poll(() => counter.innerText()).toBe('3,500／4,000 字');
    const long = '字'.repeat(4100);
    await composer().fill(long);
    await expect.poll(() => counter.innerText()).toBe('4,100／4,000 字，超過 100 字');
    const before = await msgCount();
    await composer().press('Enter');
    await expect
      .poll(() => page.locator('#composer-error').innerText())
      .toBe('訊息太長了：每則最多 4,000 字，這則有 4,100 字，所以沒有送出。請分成幾則送出，或只寫重點（外洩的資料本身不用貼上）。');
    expect(await composer().inputValue()).toBe(long);
    expect(await msgCount()).toBe(before);
  });

  it('an offer once taken shows who took it and has no buttons left', { timeout: 60_000 }, async () => {
    await open('demo-staff');
    await composer().fill('我寄錯信了，把全班成績單寄給所有家長');
    await composer().press('Enter');
    const offer = page.locator('.msg--bot').filter({ hasText: '要開始通報嗎' }).last();
    await expect.poll(() => offer.locator('.chips button').count(), { timeout: 15_000 }).toBe(2);
    await offer.locator('.chips button', { hasText: '不是' }).click();
    await expect.poll(() => offer.innerText(), { timeout: 15_000 }).toContain('王老師（示範） 已表示這不是個資事件。');
    expect(await offer.locator('.chips button').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
