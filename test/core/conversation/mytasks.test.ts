import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { cards, texts } from '../../helpers/local-client.js';
import { reportThroughOffer, taipeiInput } from '../../helpers/scenario.js';

/** 「我的工作」 (the LINE rich menu's middle button): the open checklist steps a person owns, by name or by role. */
describe('「我的工作」', () => {
  let t: TestApp;
  let ref = '';
  const now = new Date();

  beforeAll(async () => {
    t = await startTestApp();
    ref = (
      await reportThroughOffer(t.client, {
        phrase: '我寄錯信了，成績單寄給全班家長',
        values: {
          scenario: 'misdirected-message',
          howLeaked: '段考成績單誤寄到家長群組',
          occurredAt: taipeiInput(new Date(now.getTime() - 3 * 3600_000)),
          awareAt: taipeiInput(new Date(now.getTime() - 3600_000)),
          place: '教務處',
          categories: ['name', 'grades'],
          affectedEstimate: '32',
          affectedKinds: ['students', 'guardians'],
          involvesSystem: 'false',
          stepsTaken: '已請家長刪除訊息',
        },
      })
    ).ref;
  });
  afterAll(async () => {
    await t?.close();
  });

  const myCard = async (as: string, where: string) => {
    const replies = await t.client.say(as, where, '我的工作');
    return { replies, card: cards(replies).find((c) => c.key === 'my-tasks') };
  };

  it('lists the reporter’s own steps (the reporting unit’s, assigned by name) with 完成 / 不適用 buttons', async () => {
    const { card } = await myCard('demo-teacher', 'dm:demo-teacher');
    expect(card).toBeTruthy();
    const rows = card!.sections.flatMap((s) => s.rows ?? []);
    const unitItems = await t.app.db.prisma.checklistItem.findMany({
      where: { incident: { ref }, ownerPersonId: 'demo-teacher', state: 'open' },
      orderBy: { position: 'asc' },
    });
    expect(unitItems.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.text)).toEqual(unitItems.map((i) => `${ref}｜${i.title}`));
    expect(rows.every((r) => r.detail === '負責：事件發生單位（您）')).toBe(true);
    expect(rows[0]!.buttons!.map((b) => [b.label, b.action])).toEqual([
      ['完成', `ck:${unitItems[0]!.id}:d`],
      ['不適用', `ck:${unitItems[0]!.id}:n`],
    ]);
  });

  it('the contact window gets the steps of her role; asked in the staff group, the answer goes to her private chat', async () => {
    const { replies, card } = await myCard('demo-window', 'demo-staff');
    expect(texts(replies.filter((m) => m.conversationId === 'demo-staff'))).toEqual([
      '為保護當事人，事件細節只在應變小組群組或私訊中顯示。我已私訊給您。',
    ]);
    expect(card).toBeTruthy();
    expect(replies.find((m) => m.body.type === 'card')!.conversationId).toBe('dm:demo-window');
    const rows = card!.sections.flatMap((s) => s.rows ?? []);
    const roleItems = await t.app.db.prisma.checklistItem.findMany({
      where: { incident: { ref }, ownerRole: 'contactWindow', ownerPersonId: null, state: 'open' },
    });
    expect(rows).toHaveLength(roleItems.length);
    expect(rows.every((r) => r.detail === '負責：個資聯絡窗口')).toBe(true);
  });

  it('a step ticked from the list leaves it; with nothing left the answer says so', async () => {
    const { card } = await myCard('demo-teacher', 'dm:demo-teacher');
    const before = card!.sections.flatMap((s) => s.rows ?? []);
    const itemId = before[0]!.buttons![0]!.action.split(':')[1]!;
    const item = await t.app.db.prisma.checklistItem.findUniqueOrThrow({ where: { id: itemId } });
    await t.app.db.prisma.checklistItem.update({ where: { id: itemId }, data: { state: 'done' } });
    const after = (await myCard('demo-teacher', 'dm:demo-teacher')).card!.sections.flatMap((s) => s.rows ?? []);
    expect(after).toHaveLength(before.length - 1);
    expect(after.map((r) => r.text)).not.toContain(`${ref}｜${item.title}`);
    await t.app.db.prisma.checklistItem.updateMany({
      where: { incident: { ref }, ownerPersonId: 'demo-teacher' },
      data: { state: 'done' },
    });
    const empty = await t.client.say('demo-teacher', 'dm:demo-teacher', '我的工作');
    expect(texts(empty)).toEqual(['目前沒有指派給您、尚未完成的檢核項目。']);
  });
});
