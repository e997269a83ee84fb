import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { cards } from '../helpers/local-client.js';
import { reportThroughOffer, taipeiInput } from '../helpers/scenario.js';

/**
 * A leaked list pasted into the report (scen-r1 S5): students' names, a parent's name, an ID and a home address in
 * 外洩經過. The address is masked at intake; the notice to every family quotes none of the typed text (names, the
 * address, mask tokens), only the kind of incident, the categories and the count (docs/notices.md).
 */
describe('a notice never quotes the typed 外洩經過', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('names, the address and mask tokens stay out of the guardians notice; the address is masked on the card', async () => {
    const now = new Date();
    const howLeaked = '學生緊急聯絡名冊被傳到外面群組，例如陳小明 A123456789、林美玲的家長林大同，住址台北市信義區松仁路100號';
    const r = await reportThroughOffer(t.client, {
      phrase: '學生緊急聯絡名冊被傳到外面的群組了',
      values: {
        scenario: 'shared-roster',
        howLeaked,
        occurredAt: taipeiInput(new Date(now.getTime() - 2 * 3600_000)),
        awareAt: taipeiInput(new Date(now.getTime() - 3600_000)),
        place: '外部LINE群組',
        categories: ['name', 'nationalId'],
        affectedEstimate: '28',
        affectedKinds: ['students', 'guardians'],
        involvesSystem: 'false',
        stepsTaken: '尚未處置',
      },
    });
    const incident = await t.app.db.prisma.incident.findFirstOrThrow({ where: { ref: r.ref } });
    const stored = t.app.deps.cipher.decrypt(incident.howLeakedEnc, `incident:${incident.id}:howLeaked`);
    expect(stored).not.toContain('松仁路100號');
    expect(stored).toContain('［住址已遮蔽］');

    const overview = cards(await t.client.say('demo-window', 'demo-response', `通知 ${r.ref}`), 'notices')[0]!;
    const create = overview.sections.flatMap((s) => s.rows ?? [])[0]!.buttons!.find((b) => b.label === '建立')!.action;
    const card = cards(await t.client.press('demo-window', 'demo-response', create)).find((c) => c.key?.startsWith('notice:'))!;
    const body = card.sections[0]!.text!;
    for (const leaked of ['陳小明', '林美玲', '林大同', '松仁路', '已遮蔽', '外面群組', '尚未處置']) {
      expect(body, leaked).not.toContain(leaked);
    }
    expect(body).toContain('名冊、試算表或雲端資料夾設成公開連結或開放太多人編輯，讓不該看的人看得到。');
    expect(body).toContain('人數約28人');
    expect(body).toContain('本校已啟動個資事件應變程序，正在查明事件並處理中。');
  });
});
