import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TextMessage } from '../../src/ports/chat-model.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { texts } from '../helpers/local-client.js';
import { buttonsIn, seedSlackIdentities, slackUser, startSlackTestApp, textOf, type SlackTestApp } from '../fakes/slack/harness.js';

/**
 * Nothing stale is pressable (issue #12): once an offer 「開始通報 / 不是」 is answered, the message shows who answered
 * and its buttons are gone for everyone; a press of a stale copy is answered politely and does nothing.
 */

const LEAK = '我寄錯信了，把全班成績單寄給所有家長';

describe('local chat: an offer is taken once', () => {
  let t: TestApp;
  const prisma = () => t.app.db.prisma;
  const offers = async (as: string) =>
    (await t.client.messages(as, 'demo-staff')).filter(
      (m) => m.body.type === 'text' && (m.body as TextMessage).text.includes('要開始通報嗎'),
    );
  const intakes = () => prisma().pendingPrompt.count({ where: { kind: 'intake', status: 'open' } });

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('開始通報: the offer then shows who started, without buttons, for every member; later presses do nothing', async () => {
    await t.client.say('demo-teacher', 'demo-staff', LEAK);
    const [offer] = await offers('demo-teacher');
    const buttons = (offer!.body as TextMessage).quickReplies!;
    expect(buttons.map((b) => b.label)).toEqual(['開始通報', '不是']);
    const start = buttons[0]!.action;
    const dismiss = buttons[1]!.action;

    const started = await t.client.press('demo-teacher', 'demo-staff', start);
    expect(texts(started).join('\n')).toContain('已私訊');
    expect(await intakes()).toBe(1);

    for (const member of ['demo-teacher', 'demo-window']) {
      const [shown] = await offers(member);
      expect(shown!.id).toBe(offer!.id);
      expect((shown!.body as TextMessage).quickReplies ?? []).toEqual([]);
      expect((shown!.body as TextMessage).text).toContain('已由 王老師（示範） 開始通報。');
    }

    // A colleague with the old copy on screen, and the teacher pressing twice or the other button.
    for (const [who, action] of [
      ['demo-window', start],
      ['demo-teacher', start],
      ['demo-teacher', dismiss],
    ] as const) {
      const again = await t.client.press(who, 'demo-staff', action);
      expect(texts(again)).toEqual(['已由 王老師（示範） 開始通報。這個按鈕已失效，不用再按。']);
    }
    expect(await intakes()).toBe(1);
    expect(await prisma().pendingPrompt.count({ where: { personId: 'demo-window' } })).toBe(0);
  });

  it('不是: shown on the offer; starting a report from it afterwards does nothing (「通報」 still works)', async () => {
    await t.client.say('demo-window', 'demo-staff', LEAK);
    const all = await offers('demo-window');
    const offer = all[all.length - 1]!;
    const [start, dismiss] = (offer.body as TextMessage).quickReplies!;
    expect(texts(await t.client.press('demo-window', 'demo-staff', dismiss!.action))).toContain('好的。如需通報，隨時輸入「通報」。');
    const after = (await offers('demo-teacher')).find((m) => m.id === offer.id)!;
    expect((after.body as TextMessage).text).toContain('李組長（示範） 已表示這不是個資事件。');
    expect((after.body as TextMessage).quickReplies ?? []).toEqual([]);
    const late = await t.client.press('demo-teacher', 'demo-staff', start!.action);
    expect(texts(late)).toEqual(['李組長（示範） 已表示這不是個資事件。這個按鈕已失效，不用再按。']);
    expect(await prisma().pendingPrompt.count({ where: { personId: 'demo-window' } })).toBe(0);
  });

  it('survives a restart: the taken state is durable', async () => {
    await t.client.say('demo-teacher', 'demo-staff', LEAK);
    const all = await offers('demo-teacher');
    const [, dismiss] = (all[all.length - 1]!.body as TextMessage).quickReplies!;
    await t.client.press('demo-teacher', 'demo-staff', dismiss!.action);
    await t.restart();
    const late = await t.client.press('demo-window', 'demo-staff', dismiss!.action);
    expect(texts(late)).toEqual(['王老師（示範） 已表示這不是個資事件。這個按鈕已失效，不用再按。']);
  });

  it('an unknown one-shot id is answered as expired', async () => {
    const unknown = await t.client.press('demo-teacher', 'demo-staff', 'once:AAAAAAAAAAAAAAAA:intake:start');
    expect(texts(unknown)).toEqual(['這個問答已過期或已完成。']);
  });

  it('a press that is refused (an account no longer on the roster) gives the choice back to the others', async () => {
    await prisma().pendingPrompt.updateMany({ where: { status: 'open' }, data: { status: 'cancelled' } });
    await t.client.say('demo-teacher', 'demo-staff', LEAK);
    const all = await offers('demo-teacher');
    const [start] = (all[all.length - 1]!.body as TextMessage).quickReplies!;
    await prisma().person.update({ where: { id: 'demo-window' }, data: { active: false } });
    try {
      const refused = await t.client.press('demo-window', 'demo-staff', start!.action);
      expect(texts(refused)).toEqual(['您的帳號尚未連結到學校的人員名冊，請洽個資聯絡窗口為您設定後再試。']);
      const taken = await t.client.press('demo-teacher', 'demo-staff', start!.action);
      expect(texts(taken).join('\n')).toContain('已私訊');
      expect(await intakes()).toBe(1);
    } finally {
      await prisma().person.update({ where: { id: 'demo-window' }, data: { active: true } });
    }
  });
});

describe('Slack: the offer message is updated in place without its buttons', () => {
  let h: SlackTestApp;
  const staff = 'C0STAFF01';
  const teacher = slackUser('demo-teacher');
  const windowUser = slackUser('demo-window');

  beforeAll(async () => {
    h = await startSlackTestApp();
    await seedSlackIdentities(h.t.app.db.prisma, ['demo-teacher', 'demo-window']);
    await h.say(staff, windowUser, '綁定群組 教職員群組');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the first press takes it; the message loses its buttons; a second press is answered and does nothing', async () => {
    const { posted } = await h.say(staff, teacher, LEAK);
    const offer = posted.find((m) => textOf(m).includes('要開始通報嗎'))!;
    expect(buttonsIn(offer).map((b) => b.label)).toEqual(['開始通報', '不是']);
    await h.click(teacher, offer, '開始通報');
    const now = h.fake.messagesIn(staff).find((m) => m.ts === offer.ts)!;
    expect(buttonsIn(now)).toEqual([]);
    expect(textOf(now)).toContain('已由 王老師（示範） 開始通報。');
    expect(now.history).toHaveLength(1);

    const stale = { ...offer, blocks: now.history[0]!.blocks! };
    const again = await h.click(windowUser, stale, '開始通報');
    expect(again.posted.map(textOf).join('\n')).toContain('已由 王老師（示範） 開始通報。這個按鈕已失效，不用再按。');
    expect(await h.t.app.db.prisma.pendingPrompt.count({ where: { kind: 'intake', status: 'open' } })).toBe(1);
  });
});
