import { it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import { launchBrowser } from '../helpers/browser.js';
it('shots', { timeout: 120_000 }, async () => {
  const app = await startTestApp();
  const browser = await launchBrowser();
  const out = '/tmp/mock/shots';
  for (const [w, hgt, tag] of [[375, 812, 'p'], [1280, 800, 'd']] as const) {
  const ctx = await browser.newContext({ viewport: { width: w, height: hgt }, deviceScaleFactor: 1, locale: 'zh-TW' });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('PAGEERROR', e));
  page.on('console', (m) => console.log('CONSOLE', m.type(), m.text()));
  await page.goto(app.url + '/?as=demo-teacher&c=demo-staff');
  await page.getByLabel('輸入訊息').fill(tag === 'p' ? '我寄錯信了，把全班成績單寄給所有家長' : '學生的Google表單可以看到別人的答案');
  await page.keyboard.press('Enter');
  await page.locator('.chip').first().click();
  await page.locator('.elsewhere').getByRole('button', { name: /^前往/ }).click();
  await page.waitForSelector('form.chat-form');
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/r-${tag}-form-top.png` });
  await page.locator('form.chat-form button[type=submit]').click();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${out}/r-${tag}-form-errors.png` });
  const html = await page.locator('form.chat-form').first().evaluate((n) => n.outerHTML.length);
  console.log('form html', html);
  const f = page.locator('form.chat-form').first();
  await f.locator('label.choice', { hasText: '成績' }).click();
  await f.locator('label.choice', { hasText: '學生' }).first().click();
  await f.locator('input[type=text]').first().fill('教務處');
  const dts = f.locator('input[type=datetime-local]');
  await dts.first().fill('2026-11-23T10:00');
  const nums = f.locator('input[type=number]');
  if (await nums.count()) await nums.first().fill('30');
  await f.evaluate((n) => { for (const s of n.querySelectorAll('select')) { if (!s.value) s.selectedIndex = 1; } });
  for (const g of await f.locator('.type-boolean').all()) { if (!(await g.locator('input:checked').count())) await g.getByLabel('否', { exact: true }).check(); }
  for (const g of await f.locator('.type-multiselect').all()) { if (!(await g.locator('input:checked').count())) await g.locator('input').first().check(); }
  for (const t of await f.locator('textarea').all()) { if (!(await t.inputValue())) await t.fill('寄錯信'); }
  await page.screenshot({ path: `${out}/r-${tag}-form-filled.png` });
  await f.locator('button[type=submit]').click();
  await page.waitForSelector('.msg[data-body-type=card]');
  await page.waitForTimeout(500);
  await page.locator('.msg[data-body-type=card]').first().evaluate((n) => n.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: `${out}/r-${tag}-incident.png` });
  await page.locator('.msg[data-body-type=card]').first().evaluate((n) => n.scrollIntoView({ block: 'end' }));
  await page.screenshot({ path: `${out}/r-${tag}-incident-end.png` });
  await ctx.close();
  }
  await browser.close();
  await app.close();
});
