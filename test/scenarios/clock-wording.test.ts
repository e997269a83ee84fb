import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { cards, texts } from '../helpers/local-client.js';
import { misdirectedValues, reportThroughOffer, taipeiInput } from '../helpers/scenario.js';

/**
 * What the team is told about the clocks when an incident is announced and on its card (scen1 findings 12, 13): a
 * report filed after the 4-hour clocks ran out says so at once instead of 「4小時內完成應變措施」, and a clock stopped by
 * its checklist item reads 「已完成（time）」 on the card, not as an open deadline.
 */
describe('clock wording on the announcement and the card', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a report known 5 hours ago: the 4-hour clock is announced as overdue; the window report row is done', async () => {
    const now = new Date();
    const HOUR = 3600_000;
    const { replies } = await reportThroughOffer(t.client, {
      phrase: '我寄錯信了，成績單寄給全班家長',
      values: misdirectedValues(now, {
        occurredAt: taipeiInput(new Date(now.getTime() - 6 * HOUR)),
        awareAt: taipeiInput(new Date(now.getTime() - 5 * HOUR)),
      }),
    });
    const team = replies.filter((m) => m.conversationId === 'demo-response');
    const announcement = texts(team).find((x) => x.startsWith('新個資事件'))!;
    expect(announcement).toBeTruthy();
    expect(announcement).not.toContain('4小時內完成應變措施');
    expect(announcement).toMatch(/⚠ 4小時內採取應變措施：已逾期（期限 .+）/);
    // The report to the contact window was made by this very delivery: it is not listed as pending.
    expect(announcement).not.toContain('4小時內通報個資聯絡窗口');

    const card = cards(team, 'incident').at(-1)!;
    const rows = card.sections.find((s) => s.heading === '法定時限')!.rows!;
    const windowRow = rows.find((r) => r.text.startsWith('4小時內通報個資聯絡窗口'))!;
    expect(windowRow.text).toMatch(/^4小時內通報個資聯絡窗口：已完成（.+）$/);
    expect(windowRow.status).toBe('done');
    expect(windowRow.detail).not.toContain('已逾期');
    // The containment clock is still open and overdue.
    const contain = rows.find((r) => r.text.startsWith('4小時內採取應變措施'))!;
    expect(contain.status).toBe('overdue');
  });
});
