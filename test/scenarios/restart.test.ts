import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { cards, forms } from '../helpers/local-client.js';
import { latestCard, reportThroughOffer, taipeiInput } from '../helpers/scenario.js';
import { verifyIncidentTimeline } from '../../src/core/timeline/timeline.js';

/** A restart (process exit and start on the same data) in the middle of an intake and of an incident loses nothing. */
describe('restart in the middle of an incident', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('an intake form sent before the restart can still be submitted after it', async () => {
    const started = await t.client.say('demo-teacher', 'dm:demo-teacher', '通報');
    const form = forms(started)[0]!;
    await t.restart();
    const now = new Date();
    const done = await t.client.submit('demo-teacher', 'dm:demo-teacher', form.formId, {
      scenario: 'general',
      howLeaked: '重啟前開始填寫的通報',
      occurredAt: taipeiInput(new Date(now.getTime() - 7200_000)),
      awareAt: taipeiInput(now),
      place: '輔導室',
      categories: [t.app.deps.playbooks.categories[0]!.key],
      affectedEstimate: '3',
      affectedKinds: ['students'],
      involvesSystem: 'false',
      stepsTaken: '尚未處置',
    });
    expect(cards(done, 'incident')).toHaveLength(2); // the reporter's private chat and the response group
  });

  it('ticks, notes, the timeline and the chat history survive; work continues where it stopped', async () => {
    const now = new Date();
    const { ref } = await reportThroughOffer(t.client, {
      phrase: '我寄錯信了，把學生名單寄給廠商',
      values: {
        scenario: 'misdirected-message',
        howLeaked: '名單寄錯收件者',
        occurredAt: taipeiInput(new Date(now.getTime() - 3600_000)),
        awareAt: taipeiInput(now),
        place: '學務處',
        categories: [t.app.deps.playbooks.categories[0]!.key],
        affectedEstimate: '20',
        affectedKinds: ['students'],
        involvesSystem: 'false',
        stepsTaken: '已請廠商刪除',
      },
    });
    const before = await latestCard(t.client, 'demo-window', 'demo-response', 'checklist');
    const first = before.sections.flatMap((s) => s.rows ?? []).find((r) => r.status === 'open')!;
    const ticked = await t.client.press('demo-window', 'demo-response', first.buttons!.find((b) => b.label === '完成')!.action);
    const noteForm = forms(ticked)[0];
    if (noteForm) await t.client.submit('demo-window', 'demo-response', noteForm.formId, { note: '已完成' });
    // Press 不適用 on the next item: the bot asks for a reason… and the process restarts before it is answered.
    const mid = await latestCard(t.client, 'demo-window', 'demo-response', 'checklist');
    const second = mid.sections
      .flatMap((s) => s.rows ?? [])
      .find((r) => r.status === 'open' && r.buttons!.some((b) => b.label === '不適用'))!;
    const asked = await t.client.press('demo-window', 'demo-response', second.buttons!.find((b) => b.label === '不適用')!.action);
    const reasonForm = forms(asked)[0]!;
    const historyBefore = await t.client.messages('demo-window', 'demo-response');

    await t.restart();

    const historyAfter = await t.client.messages('demo-window', 'demo-response');
    expect(historyAfter.map((m) => [m.id, m.editedAt ?? null])).toEqual(historyBefore.map((m) => [m.id, m.editedAt ?? null]));
    await t.client.submit('demo-window', 'demo-response', reasonForm.formId, { note: '本案未涉及資訊系統' });
    const after = await latestCard(t.client, 'demo-window', 'demo-response', 'checklist');
    const rows = after.sections.flatMap((s) => s.rows ?? []);
    expect(rows.find((r) => r.text === first.text)!.status).toBe('done');
    expect(rows.find((r) => r.text === second.text)!.status).toBe('na');
    expect(rows.find((r) => r.text === second.text)!.detail).toContain('本案未涉及資訊系統');
    const incident = await t.app.db.prisma.incident.findFirstOrThrow({ where: { ref } });
    expect(incident.status).toBe('containing');
    const verdict = await verifyIncidentTimeline(t.app.deps, incident.id);
    expect(verdict.ok).toBe(true);
  });
});
