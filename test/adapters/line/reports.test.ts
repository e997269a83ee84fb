import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../src/core/roles.js';
import { formatRocDate } from '../../../src/core/time/roc.js';
import { flexes, flexText, seedLineIdentities, startLineTestApp, texts, uid, type LineTestApp } from '../../fakes/line/harness.js';
import { docxText, expectAll } from '../../helpers/documents.js';

/**
 * Reports through LINE, a platform without forms: 「報告」 in the 1:1 chat answers with the links card (a Flex message
 * checked against LINE's OpenAPI file by the fake), a link downloads, and the submission date is asked as a question.
 */
describe('LINE: report links and the submission date asked step by step', () => {
  let h: LineTestApp;
  const window = { user: uid('demo-window') };
  let ref = '';
  let incidentId = '';

  beforeAll(async () => {
    h = await startLineTestApp();
    await seedLineIdentities(h.t.app.db.prisma, ['demo-window', 'demo-teacher']);
    const teacher: Actor = { personId: 'demo-teacher', schoolId: 'demo-school', displayName: '王老師（示範）', roles: ['staff'] };
    const now = Date.now();
    const view = await h.t.app.bot.incidents.report(teacher, null, {
      scenario: 'misdirected-message',
      howLeaked: '段考成績單誤寄到家長群組',
      occurredAt: new Date(now - 5 * 3600_000),
      awareAt: new Date(now - 3600_000),
      place: '教務處',
      categories: ['name', 'grades'],
      affectedEstimate: 30,
      affectedKinds: ['students'],
      involvesSystem: false,
      stepsTaken: '已請家長刪除',
    });
    ref = view.incident.ref;
    incidentId = view.incident.id;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('「報告」 answers with a Flex card of links; no cyber report for an incident without an information system', async () => {
    const replies = await h.say(window, 'demo-window', `報告 ${ref}`);
    const card = flexes(replies)[0]!;
    const text = flexText(card.message);
    expect(text).toContain(`報告與匯出｜${ref}`);
    expect(text).not.toContain('資安事件調查');
    // Each link is a URI action (a link button), which LINE opens in its browser.
    const urls = [
      ...JSON.stringify(card.message).matchAll(/"type":"uri","label":"[^"]+","uri":"(http:\/\/[^"]+\/documents\/[A-Za-z0-9_.-]+)"/g),
    ].map((m) => m[1]!);
    expect(urls).toHaveLength(7); // 2 reports × 3 formats + the export
    const res = await fetch(urls[2]!, { method: 'POST' });
    expect(res.status).toBe(200);
    expectAll(await docxText(new Uint8Array(await res.arrayBuffer())), [ref, '段考成績單誤寄到家長群組', '30 人'], 'bureau.docx via LINE');
  });

  it('the submission date is asked as a question and stops the clock item', async () => {
    const asked = await h.press(window, 'demo-window', `rpt:sub:${incidentId}:bureau`);
    expect(texts(asked).join('\n')).toContain('送出日期');
    const bad = await h.say(window, 'demo-window', '下週');
    expect(texts(bad).join('\n')).toContain('看不懂這個日期');
    const done = await h.say(window, 'demo-window', '今天');
    expect(texts(done).join('\n')).toContain(`已登記通報主管機關報告於${formatRocDate(new Date())}送出`);
    const item = await h.t.app.db.prisma.checklistItem.findFirstOrThrow({ where: { incidentId, key: 'bureau-report' } });
    expect(item.state).toBe('done');
  });
});
