import { describe, expect, it } from 'vitest';
import { ChromiumMissingError, chromiumPath, DEFAULT_CHROMIUM_PATH, launchBrowser } from '../helpers/browser.js';

describe('launchBrowser', () => {
  it('says how to install Chromium when the binary is missing', async () => {
    const missing = '/nonexistent/chromium-for-test';
    const failure = await launchBrowser({ executablePath: missing }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ChromiumMissingError);
    expect((failure as Error).message).toContain(missing);
    expect((failure as Error).message).toContain('apt-get install chromium');
  });

  it('takes the binary from CHROMIUM_PATH, else Debian’s', () => {
    expect(chromiumPath({ CHROMIUM_PATH: '/opt/chromium/chrome' })).toBe('/opt/chromium/chrome');
    expect(chromiumPath({})).toBe(DEFAULT_CHROMIUM_PATH);
  });

  it('starts the system Chromium headless and renders a page', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.setContent('<p id="x">個資</p>');
      expect(await page.locator('#x').innerText()).toBe('個資');
    } finally {
      await browser.close();
    }
  });
});
