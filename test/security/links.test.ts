import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTimeline } from '../../src/core/timeline/timeline.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HACKED_SYSTEM_PHRASE, hackedSystemValues, reportThroughOffer } from '../helpers/scenario.js';

/** A leaked download link: one use, by its person only; the download recorded with the client's address. */
describe('download links are single-use', () => {
  let t: TestApp;
  let incidentId = '';
  const download = (url: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: '' });

  beforeAll(async () => {
    t = await startTestApp();
    const now = new Date();
    const r = await reportThroughOffer(t.client, {
      as: 'demo-it',
      phrase: HACKED_SYSTEM_PHRASE,
      values: hackedSystemValues(now),
    });
    incidentId = (await t.app.db.prisma.incident.findFirstOrThrow({ where: { ref: r.ref } })).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the first download works; the same link again is refused (410) and records nothing; a spoofed X-Forwarded-For is not believed', async () => {
    const url = `${t.url}/documents/${t.app.bot.reports.links.sign(incidentId, 'demo-window', { kind: 'bureau', format: 'pdf' }).token}`;
    // Opening the page (a link preview) does not use the link.
    expect((await fetch(url)).status).toBe(200);
    const first = await download(url, { 'x-forwarded-for': '203.0.113.7' });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const again = await download(url);
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('下載連結已使用過');
    const downloads = (await readTimeline(t.app.deps, incidentId)).filter((e) => e.type === 'report.downloaded');
    expect(downloads).toHaveLength(1);
    expect(downloads[0]!.detail).toMatchObject({ via: 'link', clientAddress: '127.0.0.1' });
    expect(await t.app.db.prisma.documentLinkUse.count()).toBe(1);
  });

  it('two downloads of one link at once: exactly one succeeds', async () => {
    const url = `${t.url}/documents/${t.app.bot.reports.links.sign(incidentId, 'demo-window', { kind: 'bureau', format: 'odt' }).token}`;
    const statuses = (await Promise.all([download(url), download(url), download(url)])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 410, 410]);
  });

  it('the document pages carry their own content security policy, never framed', async () => {
    const url = `${t.url}/documents/${t.app.bot.reports.links.sign(incidentId, 'demo-window', { kind: 'bureau', format: 'docx' }).token}`;
    const page = await fetch(url);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
