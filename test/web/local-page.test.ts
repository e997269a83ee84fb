import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startTestApp } from '../helpers/app.js';
import { launchBrowser } from '../helpers/browser.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Every run writes here (ignored by git); UPDATE_SCREENSHOTS=1 also refreshes the committed example in docs/. */
const RESULT_SCREENSHOT = path.join(repoRoot, '.test-results', 'local-chat.png');
const DOCS_SCREENSHOT = path.join(repoRoot, 'docs', 'images', 'local-chat.png');
const FAILURE_SCREENSHOT = path.join(repoRoot, '.test-results', 'local-chat-failure.png');

const PHONE = { width: 375, height: 812 };
const LEAK_REPORT = '我寄錯信了，把全班成績單寄給所有家長';
const NATIONAL_ID = 'A123456789';

interface DemoState {
  users: { id: string; name: string; roles: string[] }[];
  conversations: { id: string; title: string | null; kind: 'group' | 'direct'; members: string[] }[];
}

const taipeiClock = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Taipei',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** "YYYY-MM-DDTHH:mm" on the Taipei wall clock, as the page sends datetime fields. */
function taipeiLocal(date: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Asia/Taipei',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

const messageCount = (page: Page) => page.locator('#messages .msg').count();

async function waitForMoreMessages(page: Page, before: number): Promise<void> {
  await expect.poll(() => messageCount(page), { timeout: 15_000 }).toBeGreaterThan(before);
}

/** Fills an intake form with plausible answers for a mis-sent e-mail, whatever fields the playbook asks for. */
async function fillForm(form: Locator): Promise<void> {
  const now = Date.now();
  const fields = form.locator('[data-field-id]');
  for (let i = 0; i < (await fields.count()); i += 1) {
    const field = fields.nth(i);
    const className = (await field.getAttribute('class')) ?? '';
    const label = (await field.locator('label, legend').first().innerText()).trim();
    const type = /type-(\w+)/.exec(className)?.[1] ?? 'text';
    if (type === 'datetime') {
      const input = field.locator('input');
      if ((await input.inputValue()) !== '') continue;
      const minutesAgo = /發現|知悉|得知/.test(label) ? 30 : 120;
      await input.fill(taipeiLocal(new Date(now - minutesAgo * 60_000)));
    } else if (type === 'select') {
      const select = field.locator('select');
      const options = await select
        .locator('option:not([value=""])')
        .evaluateAll((nodes) => nodes.map((n) => ({ value: n.getAttribute('value') ?? '', label: n.textContent ?? '' })));
      const choice = options.find((o) => /郵件|寄錯|信/.test(o.label)) ?? options[0];
      if (choice) await select.selectOption(choice.value);
    } else if (type === 'multiselect') {
      const labels = field.locator('label.choice');
      let checked = 0;
      for (let j = 0; j < (await labels.count()); j += 1) {
        if (/成績|姓名|學習/.test(await labels.nth(j).innerText())) {
          await labels.nth(j).locator('input').check();
          checked += 1;
        }
      }
      if (checked === 0 && (await labels.count()) > 0) await labels.first().locator('input').check();
    } else if (type === 'boolean') {
      if ((await field.locator('input:checked').count()) > 0) continue;
      await field.getByLabel(/學生|未成年|兒少/.test(label) ? '是' : '否', { exact: true }).check();
    } else if (type === 'number') {
      const input = field.locator('input');
      if ((await input.inputValue()) !== '') continue;
      await input.fill(/教職員|其他|系統|保有/.test(label) ? '0' : '30');
    } else {
      const input = field.locator('input, textarea').first();
      if ((await input.inputValue()) !== '') continue;
      let answer = '寄送期中考成績單時選錯收件群組，寄給全班家長';
      // 初估人數 is a required estimate now (a number, a range, 約30人, or 尚不清楚 with what is being done).
      if (/人數/.test(label)) answer = '約30人';
      else if (/地點|場所|哪裡/.test(label)) answer = '教務處（電子郵件）';
      else if (/措施|已做|已經|處理/.test(label)) answer = '已寄信請家長刪除，並通知導師';
      await input.fill(answer);
    }
  }
}

/** An answer to a question the bot asks step by step (when it does not use a form). */
function answerFor(question: string): string {
  if (/時間|何時|什麼時候|幾點/.test(question)) return taipeiLocal(new Date(Date.now() - 2 * 3_600_000)).replace('T', ' ');
  if (/人數|幾人|幾位|多少/.test(question)) return '30';
  if (/類型|哪些個資|哪些資料|哪類/.test(question)) return '姓名、成績';
  if (/地點|哪裡|場所/.test(question)) return '教務處';
  if (/措施|做了什麼|處理/.test(question)) return '已寄信請家長刪除';
  if (/系統/.test(question)) return '否';
  return '寄錯電子郵件，全班成績單寄給所有家長';
}

const ACCEPT = /開始|通報|是|好|要|確認/;
const DECLINE = /不|否|取消|稍後|之後|略過/;

describe('local chat page (real app, phone width)', () => {
  let app: { url: string; close(): Promise<void> };
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let demo: DemoState;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    // A device clock outside Taiwan: the page must still show Taipei times.
    context = await browser.newContext({
      viewport: PHONE,
      deviceScaleFactor: 1,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-TW',
      timezoneId: 'America/Los_Angeles',
    });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      // The browser logs every refused request; the simulated outage below is one on purpose.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
    });
    const response = await fetch(new URL('/local/api/state', app.url));
    demo = (await response.json()) as DemoState;
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
  });

  /** On failure: a screenshot and the end of the visible conversation, which say more than a selector timeout. */
  async function withDiagnostics(run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      await mkdir(path.dirname(FAILURE_SCREENSHOT), { recursive: true });
      await page.screenshot({ path: FAILURE_SCREENSHOT }).catch(() => undefined);
      const seen = await page
        .locator('#chat')
        .innerText()
        .catch(() => '(page unavailable)');
      if (error instanceof Error) {
        error.message += `\n\nScreenshot: ${FAILURE_SCREENSHOT}\nThe page showed (end):\n${seen.slice(-2500)}`;
      }
      throw error;
    }
  }

  it('reports a leak as the demo teacher, works the checklist and masks an ID number', { timeout: 180_000 }, () =>
    withDiagnostics(async () => {
      const teacher = demo.users.find((u) => u.id === 'demo-teacher') ?? demo.users.find((u) => u.roles.includes('staff'));
      expect(teacher, 'the demo school has a staff member').toBeDefined();
      const staffGroup =
        demo.conversations.find((c) => c.id === 'demo-staff') ??
        demo.conversations.find((c) => c.kind === 'group' && c.members.includes(teacher!.id));
      expect(staffGroup, 'the demo teacher is in a staff group').toBeDefined();

      await page.goto(app.url);
      await expect.poll(() => page.locator('.demo-badge').innerText()).toBe('示範環境');

      // who am I
      const whoami = page.getByLabel('我是');
      await expect.poll(() => whoami.isEnabled()).toBe(true);
      await whoami.selectOption(teacher!.id);
      expect(await whoami.locator('option:checked').innerText()).toContain('教職員');

      // the conversation list hides behind a button on a phone
      const listButton = page.locator('#nav-toggle');
      expect(await listButton.isVisible()).toBe(true);
      expect(await page.locator('#sidebar').isVisible()).toBe(false);
      await listButton.click();
      expect(await listButton.getAttribute('aria-expanded')).toBe('true');
      expect(await page.locator('#conversation-list').innerText()).toContain('與小幫手的私訊');
      await page.locator(`.conversation-item[data-conversation-id="${staffGroup!.id}"]`).click();
      expect(await page.locator('#sidebar').isVisible()).toBe(false);
      await expect.poll(() => page.locator('#chat-title').innerText()).toBe(staffGroup!.title ?? '');

      // a failed send keeps the text and says why, in zh-TW
      const composer = page.getByLabel('輸入訊息');
      await page.route('**/local/api/conversations/*/messages', (route) =>
        route.request().method() === 'POST'
          ? route.fulfill({
              status: 503,
              contentType: 'application/json',
              body: JSON.stringify({ error: '資料庫暫時無法使用，請稍後再試。', detail: 'test: simulated outage' }),
            })
          : route.continue(),
      );
      await composer.fill(LEAK_REPORT);
      await composer.press('Enter');
      await expect.poll(() => page.locator('#composer-error').innerText()).toBe('資料庫暫時無法使用，請稍後再試。');
      expect(await composer.inputValue()).toBe(LEAK_REPORT);
      await page.unroute('**/local/api/conversations/*/messages');

      // the real report
      let before = await messageCount(page);
      await composer.press('Enter');
      await waitForMoreMessages(page, before);
      expect(await composer.inputValue()).toBe('');
      expect(await page.locator('#composer-error').isVisible()).toBe(false);
      const mine = page.locator('.msg--mine').last();
      expect(await mine.innerText()).toContain('成績單');
      await expect.poll(() => page.locator('.msg--bot').count(), { timeout: 15_000 }).toBeGreaterThan(0);

      // timestamps are Taipei time even though the device is in Los Angeles
      const time = mine.locator('time');
      const at = await time.getAttribute('datetime');
      expect(await time.innerText()).toBe(taipeiClock.format(new Date(at!)));

      // accept the bot's offer, then fill its form or answer its questions until the incident's cards appear
      const checklist = page.locator('.msg[data-body-type="card"]').filter({ has: page.locator('.card-row .row-buttons button') });
      const transcript: string[] = [];
      let accepted = false;
      for (let step = 0; step < 15 && (await checklist.count()) === 0; step += 1) {
        before = await messageCount(page);
        const elsewhere = page.locator('.elsewhere').getByRole('button', { name: /^前往/ });
        const openForm = page
          .locator('.msg[data-body-type="form"]')
          .filter({ has: page.locator('form.chat-form:not(.is-done)') })
          .last();
        if (await elsewhere.count()) {
          await elsewhere.click();
          await page.locator('.messages-loading').waitFor({ state: 'detached' });
          continue;
        }
        if (await openForm.count()) {
          const formMessageId = await openForm.getAttribute('data-message-id');
          const form = page.locator(`.msg[data-message-id="${formMessageId}"] form`);
          await fillForm(form);
          await form.locator('button[type="submit"]').click();
          const error = form.locator('.inline-error');
          await Promise.race([
            form.locator('.form-status', { hasText: '已送出' }).waitFor({ timeout: 15_000 }),
            error.waitFor({ state: 'visible', timeout: 15_000 }),
          ]);
          if (await error.isVisible()) throw new Error(`the intake form was refused: ${await error.innerText()}`);
          expect(await form.locator('button[type="submit"]').isDisabled()).toBe(true);
          await waitForMoreMessages(page, before);
          continue;
        }
        const lastBot = page.locator('.msg--bot').last();
        transcript.push(await lastBot.innerText());
        const offers = lastBot.locator('button:enabled');
        const labels = await offers.allInnerTexts();
        const acceptIndex = labels.findIndex((label) => ACCEPT.test(label) && !DECLINE.test(label));
        if (acceptIndex >= 0) {
          accepted = true;
          await offers.nth(acceptIndex).click();
        } else {
          await composer.fill(answerFor(transcript.at(-1) ?? ''));
          await composer.press('Enter');
        }
        await waitForMoreMessages(page, before);
      }
      expect(accepted, `the bot offered to start a report; it said:\n${transcript.join('\n---\n')}`).toBe(true);
      await expect.poll(() => checklist.count(), { timeout: 15_000 }).toBeGreaterThan(0);
      const incident = page
        .locator('.msg[data-body-type="card"]')
        .filter({ hasNot: page.locator('.card-row .row-buttons button') })
        .filter({ hasText: /事件/ });
      expect(await incident.count()).toBeGreaterThan(0);

      // polling keeps an unchanged card's node instead of rebuilding it
      const incidentNode = await incident.last().elementHandle();
      await page.waitForTimeout(3_400);
      expect(await incidentNode!.evaluate((node) => node.isConnected)).toBe(true);

      // press one checklist button and see that card update in place
      const card = checklist.last();
      const cardId = await card.getAttribute('data-message-id');
      const row = card
        .locator('.card-row[data-status="open"], .card-row[data-status="overdue"]')
        .filter({ has: page.locator('button') })
        .first();
      const rowText = await row.locator('.row-text').innerText();
      const rowButtons = row.locator('.row-buttons button');
      const buttonLabels = await rowButtons.allInnerTexts();
      const doneIndex = Math.max(
        0,
        buttonLabels.findIndex((label) => /完成/.test(label)),
      );
      const formsBefore = await page.locator('.msg[data-body-type="form"]').count();
      await rowButtons.nth(doneIndex).click();
      const updated = page.locator(`.msg[data-message-id="${cardId}"]`);
      // Some items ask what was done (or why it does not apply) before they change.
      await expect
        .poll(
          async () =>
            (await updated.locator('.card-updated').count()) + (await page.locator('.msg[data-body-type="form"]').count()) - formsBefore,
          {
            timeout: 15_000,
          },
        )
        .toBeGreaterThan(0);
      if ((await updated.locator('.card-updated').count()) === 0) {
        const noteForm = page.locator('.msg[data-body-type="form"]').last().locator('form');
        await noteForm.locator('input[type="text"], textarea').first().fill('已寄信請家長刪除，並撤回郵件');
        await noteForm.locator('button[type="submit"]').click();
        await noteForm.locator('.form-status', { hasText: '已送出' }).waitFor({ timeout: 15_000 });
      }
      await expect.poll(() => updated.locator('.card-updated').count(), { timeout: 15_000 }).toBe(1);
      expect(await updated.locator('.card-updated').innerText()).toMatch(/^已更新 \d{2}:\d{2}$/);
      const sameRow = updated.locator('.card-row').filter({ hasText: rowText }).first();
      const newStatus = await sameRow.getAttribute('data-status');
      expect(newStatus).not.toBe('open');
      if (/完成/.test(buttonLabels[doneIndex] ?? '')) expect(newStatus).toBe('done');

      // the example picture: the updated checklist as the reporter sees it, without the "replied elsewhere" notice
      if (await page.locator('.elsewhere').count()) {
        await page.locator('.elsewhere').getByRole('button', { name: '知道了' }).click();
        expect(await page.locator('.elsewhere').count()).toBe(0);
      }
      await updated.evaluate((node) => node.scrollIntoView({ block: 'start' }));
      await mkdir(path.dirname(RESULT_SCREENSHOT), { recursive: true });
      await page.screenshot({ path: RESULT_SCREENSHOT });
      if (process.env.UPDATE_SCREENSHOTS === '1') {
        await mkdir(path.dirname(DOCS_SCREENSHOT), { recursive: true });
        await page.screenshot({ path: DOCS_SCREENSHOT });
      }

      // a national ID number typed into the chat is stored and shown masked
      if (!(await page.locator('#chat-title').innerText()).includes(staffGroup!.title ?? '\u0000')) {
        await listButton.click();
        await page.locator(`.conversation-item[data-conversation-id="${staffGroup!.id}"]`).click();
      }
      before = await messageCount(page);
      await composer.fill(`補充：附件裡也有一位學生的身分證號 ${NATIONAL_ID}`);
      await composer.press('Enter');
      await waitForMoreMessages(page, before);
      const masked = page.locator('.msg--mine').filter({ hasText: '補充' }).last();
      expect(await masked.innerText()).not.toContain(NATIONAL_ID);
      expect(await masked.innerText()).toMatch(/遮蔽/);
      expect(await page.locator('body').innerText()).not.toContain(NATIONAL_ID);

      // phone layout: nothing wider than the screen
      expect(await page.locator('html').evaluate((root) => root.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
      expect(pageErrors).toEqual([]);
    }),
  );

  it('the contact window gets the reports as link buttons and opens one in the browser', { timeout: 120_000 }, () =>
    withDiagnostics(async () => {
      const window = demo.users.find((u) => u.roles.includes('contactWindow'))!;
      const dm = demo.conversations.find((c) => c.kind === 'direct' && c.members.includes(window.id))!;
      await page.getByLabel('我是').selectOption(window.id);
      const listButton = page.locator('#nav-toggle');
      if (await listButton.isVisible()) await listButton.click();
      await page.locator(`.conversation-item[data-conversation-id="${dm.id}"]`).click();
      const composer = page.getByLabel('輸入訊息');
      const before = await messageCount(page);
      await composer.fill('報告');
      await composer.press('Enter');
      await waitForMoreMessages(page, before);
      const card = page.locator('.msg[data-body-type="card"]').filter({ hasText: '報告與匯出' }).last();
      await card.waitFor({ timeout: 15_000 });
      // Links are real anchors (opened by the browser), one per report and format plus the export.
      const links = card.locator('a.btn');
      expect(await links.count()).toBeGreaterThanOrEqual(7);
      const href = (await links.first().getAttribute('href'))!;
      expect(href).toMatch(/\/documents\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
      expect(await links.first().getAttribute('target')).toBe('_blank');
      // Opening the link shows a page with a download button (nothing is recorded until it is pressed).
      const doc = await context.newPage();
      await doc.goto(href);
      expect(await doc.locator('body').innerText()).toContain('下載');
      const [download] = await Promise.all([doc.waitForEvent('download'), doc.getByRole('button', { name: /下載/ }).first().click()]);
      expect(download.suggestedFilename()).toMatch(/\.pdf$/);
      await doc.close();
      expect(pageErrors).toEqual([]);
    }),
  );
});
