import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReportFacts } from '../../src/core/documents/facts.js';
import { buildReport } from '../../src/core/documents/model.js';
import { IncidentService } from '../../src/core/incidents/service.js';
import { readTimeline } from '../../src/core/timeline/timeline.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { cards, forms, texts } from '../helpers/local-client.js';
import { latestCard, reportThroughOffer, taipeiInput } from '../helpers/scenario.js';

/**
 * A phishing incident on the school's administration system, played as the responders would (scen1 findings 6, 7,
 * 17): the 1-hour cyber-incident report said first in words with the IT role named; a level changed after the
 * platform report asks for a 續報 (timeline and a message to the responders); the amended PDPA's draft 72-hour
 * thresholds shown (summary, console page, report) while that clock is off.
 */
const MIN = 60_000;
const IT = 'demo-it';
const WINDOW = 'demo-window';
const GROUP = 'demo-response';
const PHRASE = '各位老師注意！有人收到假冒教育局的釣魚信，輸入校務系統帳密，系統log有國外IP登入並匯出學生基本資料';

describe('a cyber incident: the 1-hour report first, 續報 on a level change, the draft 72-hour thresholds', () => {
  let t: TestApp;
  let ref = '';
  let incidentId = '';
  const now = new Date();

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the offer of a system incident says the 1-hour platform report before the 4-hour one', async () => {
    const offer = texts(await t.client.say(IT, 'demo-staff', PHRASE)).find((x) => x.includes('要開始通報嗎'))!;
    expect(offer).toContain('1小時內至教育機構資安通報平台通報');
    expect(offer).toContain('資訊組');
    expect(offer.indexOf('1小時內')).toBeLessThan(offer.indexOf('4小時內'));
    // A paper leak carries no cyber line.
    const paper = texts(await t.client.say('demo-teacher', 'demo-staff', '我把全班成績單寄錯家長群組了')).find((x) =>
      x.includes('要開始通報嗎'),
    );
    expect(paper).toBeTruthy();
    expect(paper).not.toContain('資安通報平台');
  });

  it('the response group is first told the 1-hour deadline with the minutes left, IT named', async () => {
    const r = await reportThroughOffer(t.client, {
      as: IT,
      phrase: PHRASE,
      values: {
        scenario: 'hacked-system',
        howLeaked: '教師誤入釣魚網站輸入校務系統帳密，系統紀錄顯示國外IP登入並匯出學生基本資料',
        occurredAt: taipeiInput(new Date(now.getTime() - 60 * MIN)),
        awareAt: taipeiInput(new Date(now.getTime() - 20 * MIN)),
        place: '校務行政系統',
        categories: ['name', 'birthDate', 'nationalId', 'contact'],
        affectedEstimate: '900',
        affectedKinds: ['students'],
        involvesSystem: 'true',
        stepsTaken: '已停用該教師帳號',
      },
    });
    ref = r.ref;
    incidentId = (await t.app.db.prisma.incident.findFirstOrThrow({ where: { ref } })).id;
    const announcement = texts(await t.client.messages(WINDOW, GROUP)).find((x) => x.includes(`新個資事件 ${ref}`))!;
    expect(announcement).toMatch(/^資安事件：須於知悉後1小時內（\d+\/\d+（.）\d\d:\d\d前，尚餘約 (39|40) 分鐘）至教育機構資安通報平台通報/);
    expect(announcement).toContain('請資訊組 林老師（示範） 立即處理');
    expect(announcement.indexOf('1小時內')).toBeLessThan(announcement.indexOf(`新個資事件 ${ref}`));
  });

  const tickWithForm = async (title: string, values: Record<string, string>) => {
    const card = await latestCard(t.client, WINDOW, GROUP, 'checklist');
    const row = card.sections.flatMap((s) => s.rows ?? []).find((x) => x.text.includes(title))!;
    const button = row.buttons!.find((b) => b.label === '完成' || b.label === '重新開啟')!;
    if (button.label === '重新開啟') await t.client.press(IT, GROUP, button.action);
    const again = await latestCard(t.client, WINDOW, GROUP, 'checklist');
    const open = again.sections.flatMap((s) => s.rows ?? []).find((x) => x.text.includes(title))!;
    const f = forms(await t.client.press(IT, GROUP, open.buttons!.find((b) => b.label === '完成')!.action))[0]!;
    return t.client.submit(IT, GROUP, f.formId, values);
  };

  it('a level changed after the platform report: 續報 on the timeline and a message to the responders', async () => {
    const first = await tickWithForm('判定資安事件等級', { cyberLevel: '2', note: '學生基本資料外洩，暫判第2級' });
    expect(texts(first).join('\n')).not.toContain('續報');
    await tickWithForm('資安通報平台通報', { note: '已上平台通報，通報單編號 EDU-1151207-001' });
    const changed = await tickWithForm('判定資安事件等級', { cyberLevel: '3', note: '確認含身分證字號，改判第3級' });
    const told = texts(changed.filter((m) => m.conversationId === GROUP)).find((x) => x.includes('續報'));
    expect(told).toBeTruthy();
    expect(told).toContain(`個資事件 ${ref}：資安事件等級由第2級改為第3級`);
    expect(told).toContain('請資訊組 林老師（示範） 至教育機構資安通報平台續報');
    expect(told).toMatch(/資安事件損害控制或復原期限隨之改為 \d+\/\d+（.）\d\d:\d\d/);
    const timeline = await readTimeline(t.app.deps, incidentId);
    const rereport = timeline.filter((e) => e.type === 'cyber.rereport');
    expect(rereport).toHaveLength(1);
    expect(rereport[0]!.summary).toContain('由第2級改為第3級');
    expect(rereport[0]!.summary).toContain('續報');
  });

  it('the draft 72-hour thresholds are shown while that clock is off: summary, report, console page', async () => {
    const summary = texts(await t.client.say(WINDOW, GROUP, `摘要 ${ref}`)).join('\n');
    expect(summary).toContain('修法草案（未施行）：門檻已達（受影響個資達100筆以上（本案：900筆））');
    expect(summary).toContain('本校目前未啟用此期限');

    const facts = await loadReportFacts(t.app.deps, new IncidentService(t.app.deps), incidentId);
    const report = buildReport('bureau', facts, new Date());
    const field = report.sections.flatMap((s) => s.fields).find((f) => f.label === '個資法修法草案72小時通報門檻');
    expect(field?.lines.join('')).toContain('門檻已達');

    const card = cards(await t.client.say(WINDOW, `dm:${WINDOW}`, '主控台')).find((c) => c.title === '主控台登入連結')!;
    const url = card.buttons![0]!.url!;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    const page = await (await fetch(`${t.url}/console/incidents/${ref}`, { headers: { cookie } })).text();
    expect(page).toContain('個資法修法草案72小時通報');
    expect(page).toContain('修法草案（未施行）：門檻已達');
  });
});
