import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { cards, texts } from '../helpers/local-client.js';
import { completeChecklist, latestCard, reportThroughOffer, taipeiInput } from '../helpers/scenario.js';
import { verifyIncidentTimeline } from '../../src/core/timeline/timeline.js';

/**
 * One scenario per playbook variant, through the local adapter as people would use it: a staff member describes the
 * leak in the staff group, accepts the offer, fills the intake form privately; the response team sees the incident
 * and its checklist and works it to completion. Every step is on the hash-chained timeline.
 */
const SCENARIOS = [
  { id: 'form-responses', phrase: '糟糕，我們班的 Google 表單可以看到別人的資料', categories: ['name', 'contact'], system: 'false' },
  { id: 'shared-roster', phrase: '學生名冊的雲端連結設成所有人都能編輯，名單外流了', categories: ['name', 'education'], system: 'false' },
  { id: 'public-video', phrase: '學生上傳的作業影片在 YouTube 是公開的', categories: ['name', 'features'], system: 'false' },
  { id: 'misdirected-message', phrase: '我寄錯信了，成績單寄給全班家長', categories: ['name', 'grades'], system: 'false' },
  { id: 'lost-media', phrase: '裝有學生資料的 USB 掉了', categories: ['name', 'birthDate'], system: 'false' },
  { id: 'hacked-system', phrase: '學校網站被駭了，可能有個資外洩', categories: ['name', 'contact'], system: 'true' },
];

describe('playbook scenarios through the local chat', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  for (const s of SCENARIOS) {
    it(`${s.id}: report in the staff group → incident, clocks and a completed checklist`, async () => {
      const now = new Date();
      const lib = t.app.deps.playbooks;
      const categories = s.categories.filter((k) => lib.category(k)).length
        ? s.categories.filter((k) => lib.category(k))
        : [lib.categories[0]!.key];
      const { ref, incidentCard, replies } = await reportThroughOffer(t.client, {
        phrase: s.phrase,
        expectScenario: s.id,
        values: {
          scenario: s.id,
          howLeaked: `情境測試：${s.phrase}`,
          occurredAt: taipeiInput(new Date(now.getTime() - 3 * 3600_000)),
          awareAt: taipeiInput(new Date(now.getTime() - 3600_000)),
          place: '教務處',
          categories,
          affectedEstimate: '35',
          affectedKinds: ['students', 'guardians'],
          involvesSystem: s.system,
          stepsTaken: '已先關閉分享並通知組長',
        },
      });
      // The incident card carries the legal clocks with their basis.
      const clockRows = incidentCard.sections.find((x) => x.heading === '法定時限')!.rows!;
      expect(clockRows.some((r) => r.text.startsWith('向主管機關') || /3\s*日|三日/.test(r.text))).toBe(true);
      expect(clockRows.every((r) => r.detail?.includes('依據'))).toBe(true);
      if (s.system === 'true') expect(clockRows.some((r) => /1\s*小時|資安/.test(r.text))).toBe(true);
      // The response team got the cards; the staff group only a detail-free pointer.
      expect(cards(replies, 'incident').map((c) => c.conversationId)).toContain('demo-response');
      const pointer = replies.filter((m) => m.conversationId === 'demo-staff').map((m) => m.body);
      expect(pointer.every((b) => b.type === 'text' && !b.text.includes('情境測試'))).toBe(true);
      expect(texts(replies.filter((m) => m.conversationId === 'demo-staff')).join()).toContain(ref);

      const final = await completeChecklist(t.client, 'demo-window', 'demo-response', new Set(['新聞稿', '檢警']));
      expect(final.subtitle).toMatch(/已處理 (\d+) \/ \1 項/);
      const incident = await t.app.db.prisma.incident.findFirstOrThrow({ where: { ref } });
      expect(incident.playbookId).toBe(s.id);
      expect(await t.app.db.prisma.checklistItem.count({ where: { incidentId: incident.id, state: 'open' } })).toBe(0);
      // Ticking the cyber damage control / recovery records when it was done (it starts the 1-month investigation report).
      const recover = await t.app.db.prisma.checklistItem.findFirst({ where: { incidentId: incident.id, key: 'cyber-recover' } });
      if (s.system === 'true') {
        expect(recover?.state).toBe('done');
        // The real completion time given in the form (to the minute), not the click; the click is kept as doneAt.
        expect(recover!.doneAt!.getTime() - incident.recoveredAt!.getTime()).toBeGreaterThanOrEqual(0);
        expect(recover!.doneAt!.getTime() - incident.recoveredAt!.getTime()).toBeLessThan(2 * 60_000);
      } else {
        expect(recover).toBeNull();
        expect(incident.recoveredAt).toBeNull();
      }
      const verdict = await verifyIncidentTimeline(t.app.deps, incident.id);
      expect(verdict.ok).toBe(true);
      expect(verdict.checked).toBeGreaterThan(10);
      const card = await latestCard(t.client, 'demo-window', 'demo-response', 'incident');
      const progress = card.sections.flatMap((x) => x.fields ?? []).find((f) => f.label === '檢核進度')!.value;
      expect(progress).toMatch(/^(\d+) \/ \1$/);
    });
  }
});
