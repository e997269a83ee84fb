import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignInLinks } from '../../src/web/console/links.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { DEMO_TEACHER, sampleAnswers } from '../helpers/jobs.js';

/**
 * The auditor's export from the console (issue #18 point 7): the incident page offers the record export (the zip of
 * `npm run export` and of the chat's 「匯出」) through the chat's signed one-time document link, to the roles that
 * may export in chat (incident.reports: contact window, principal, auditor), and to no one else.
 */
describe('the record export from the console', () => {
  let t: TestApp;
  let ref = '';

  async function signIn(personId: string): Promise<string> {
    const { token } = new SignInLinks(t.app.deps.cipher, t.app.deps.now).sign(personId);
    const res = await fetch(`${t.url}/console/sign-in/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  }
  const incidentPage = async (cookie: string) => {
    const res = await fetch(`${t.url}/console/incidents/${ref}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    return res.text();
  };
  const exportLink = (html: string) => /<li><strong>完整紀錄匯出<\/strong>：<a href="([^"]+)">ZIP 壓縮檔<\/a>/.exec(html)?.[1] ?? null;

  beforeAll(async () => {
    t = await startTestApp();
    ({ ref } = (await t.app.bot.incidents.report(DEMO_TEACHER, null, sampleAnswers(new Date(Date.now() - 3600_000)))).incident);
    // An acting approver: a console role that may not download (as in chat).
    await t.app.db.prisma.person.update({ where: { id: 'demo-director' }, data: { roles: ['staff', 'actingApprover'] } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the auditor downloads the export zip once through the page; the download is on the timeline', async () => {
    const html = await incidentPage(await signIn('demo-auditor'));
    expect(html).toContain('唯讀檢視');
    const href = exportLink(html);
    expect(href).toMatch(new RegExp(`^${t.url}/documents/`));
    expect((await fetch(href!)).status).toBe(200);
    const zip = await fetch(href!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(zip.status).toBe(200);
    const bytes = Buffer.from(await zip.arrayBuffer());
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    expect(zip.headers.get('content-disposition')).toMatch(/\.zip/);
    // One use only, as every document link.
    const again = await fetch(href!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(again.status).toBe(410);
    const incident = await t.app.db.prisma.incident.findFirstOrThrow({ where: { ref } });
    const last = await t.app.db.prisma.timelineEntry.findMany({ where: { incidentId: incident.id }, orderBy: { seq: 'desc' }, take: 3 });
    expect(last.map((e) => e.actorLabel)).toContain('張主任（示範）');
  });

  it('the contact window and the principal get the link; the acting approver does not', async () => {
    expect(exportLink(await incidentPage(await signIn('demo-window')))).not.toBeNull();
    expect(exportLink(await incidentPage(await signIn('demo-principal')))).not.toBeNull();
    const acting = await incidentPage(await signIn('demo-director'));
    expect(exportLink(acting)).toBeNull();
    expect(acting).toContain('報告與完整紀錄限個資聯絡窗口、管理人（校長）及稽核人員下載。');
    expect(acting).not.toContain('/documents/');
  });
});
