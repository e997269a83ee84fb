import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendTimelineEntries } from '../../src/core/timeline/timeline.js';
import { SignInLinks } from '../../src/web/console/links.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { DEMO_TEACHER, sampleAnswers } from '../helpers/jobs.js';
import { asSuperuser } from '../helpers/record.js';

/**
 * A long timeline on the console's incident page: the newest 200 entries, a link to the older ones, and the hash
 * chain verified over every entry whatever page is shown (src/core/timeline/verified.ts).
 */
describe('the console incident page with a long timeline', () => {
  let t: TestApp;
  let cookie = '';
  let ref = '';
  let incidentId = '';
  let total = 0;
  const page = async (path: string) => {
    const res = await fetch(`${t.url}${path}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    return res.text();
  };
  const seqs = (html: string) => [...html.matchAll(/<tr><td>(\d+)<\/td>/g)].map((m) => Number(m[1]));

  beforeAll(async () => {
    t = await startTestApp();
    const view = await t.app.bot.incidents.report(DEMO_TEACHER, null, sampleAnswers(new Date(Date.now() - 3600_000)));
    ({ ref } = view.incident);
    incidentId = view.incident.id;
    const inputs = Array.from({ length: 450 }, (_, k) => ({
      actorId: null,
      actorLabel: '系統',
      type: 'reminder.sent',
      summary: `期限提醒第 ${k + 1} 次`,
      detail: { n: k + 1 },
    }));
    await t.app.db.repos.transaction((tx) => appendTimelineEntries(t.app.deps, tx, incidentId, inputs));
    total = await t.app.db.prisma.timelineEntry.count({ where: { incidentId } });
    const { token } = new SignInLinks(t.app.deps.cipher, t.app.deps.now).sign('demo-window');
    const res = await fetch(`${t.url}/console/sign-in/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows the newest 200, pages back through the older ones, and verifies them all', async () => {
    const first = await page(`/console/incidents/${ref}`);
    expect(first).toContain(`雜湊鏈驗證通過：${total} 筆紀錄前後相連`);
    expect(first).toContain(`以下顯示 200 筆（共 ${total} 筆，驗證涵蓋全部）`);
    expect(seqs(first)).toEqual(Array.from({ length: 200 }, (_, k) => total - k));
    const older = /href="([^"]*\?before=(\d+)#timeline)"/.exec(first);
    expect(older?.[2]).toBe(String(total - 199));
    expect(first).not.toContain('回到最新紀錄');

    const second = await page(older![1]!.replace(/&amp;/g, '&'));
    expect(seqs(second)).toEqual(Array.from({ length: 200 }, (_, k) => total - 200 - k));
    expect(second).toContain('回到最新紀錄');
    const last = await page(`/console/incidents/${ref}?before=${total - 399}`);
    expect(seqs(last)).toEqual(Array.from({ length: total - 400 }, (_, k) => total - 400 - k));
    expect(last).not.toContain('更早的紀錄');
    // A bad page number is the newest page.
    expect(seqs(await page(`/console/incidents/${ref}?before=abc`))[0]).toBe(total);
  });

  it('an entry altered far below the page shown still fails the verification, and one added is verified', async () => {
    await t.app.db.repos.transaction((tx) =>
      appendTimelineEntries(t.app.deps, tx, incidentId, [{ actorId: null, actorLabel: '系統', type: 'reminder.sent', summary: '再提醒' }]),
    );
    expect(await page(`/console/incidents/${ref}`)).toContain(`雜湊鏈驗證通過：${total + 1} 筆紀錄前後相連`);
    await asSuperuser(t.app.db, (sql) =>
      sql.exec(`UPDATE timeline_entry SET summary = summary || '（改）' WHERE incident_id = '${incidentId}' AND seq = 3`),
    );
    const html = await page(`/console/incidents/${ref}`);
    expect(html).toContain('雜湊鏈驗證失敗');
    expect(html).toContain('第 3 筆紀錄與前後不符');
    expect(seqs(html)).not.toContain(3);
  });
});
