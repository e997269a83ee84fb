import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TextMessage } from '../../src/ports/chat-model.js';
import { readTimeline, verifyIncidentTimeline } from '../../src/core/timeline/timeline.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { texts } from '../helpers/local-client.js';
import { latestCard, reportThroughOffer, taipeiInput } from '../helpers/scenario.js';

/**
 * Scenario finding 8 (a lost USB drive found the next day): the follow-up 「115-00x 隨身碟已經找到了，不是外洩」 goes to
 * the incident instead of offering a new report; 「隨身碟找到了…可以撤銷嗎？」 is answered, not met with silence; the
 * contact window proposes 「判定非個資事件」 with the reason, the principal decides; every open item is settled as not
 * applicable in one step, the incident is closed with its record kept (timeline chain intact) and its reminders stop.
 */

const HOUR = 3600_000;
const TEACHER = 'demo-teacher';
const WINDOW = 'demo-window';
const PRINCIPAL = 'demo-principal';
const STAFF = 'demo-staff';
const GROUP = 'demo-response';
const REASON = '隨身碟已於今早在教室講桌抽屜尋回，檢查檔案存取時間，遺失期間未被開啟';

describe('a lost USB drive found: not a personal-data breach, decided by the principal', () => {
  let t: TestApp;
  const prisma = () => t.app.db.prisma;
  let ref = '';
  let incidentId = '';
  const now = new Date();
  const offersIn = (msgs: Awaited<ReturnType<typeof t.client.say>>) =>
    msgs.filter((m) => m.body.type === 'text' && ((m.body as TextMessage).quickReplies ?? []).some((q) => q.label === '開始通報'));

  beforeAll(async () => {
    t = await startTestApp();
    const r = await reportThroughOffer(t.client, {
      as: TEACHER,
      phrase: '我的隨身碟不見了，裡面有全班學生的成績和聯絡資料',
      values: {
        scenario: 'lost-media',
        howLeaked: '裝有學生成績檔的隨身碟遺失',
        occurredAt: taipeiInput(new Date(now.getTime() - 20 * HOUR)),
        awareAt: taipeiInput(new Date(now.getTime() - 18 * HOUR)),
        place: '七年三班教室',
        categories: ['name', 'grades'],
        affectedEstimate: '30',
        affectedKinds: ['students'],
        involvesSystem: 'false',
        stepsTaken: '已在教室與辦公室尋找',
      },
    });
    ref = r.ref;
    incidentId = (await prisma().incident.findFirstOrThrow({ where: { ref } })).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a follow-up naming the incident goes to it: no offer of a new report, the way to record it instead', async () => {
    const replies = await t.client.say(TEACHER, STAFF, `${ref} 隨身碟已經找到了，不是外洩`);
    expect(offersIn(replies)).toEqual([]);
    const said = texts(replies).join('\n');
    expect(said).toContain(`事件 ${ref} 的後續`);
    expect(said).toContain(`判定非個資事件 ${ref}`);
    expect(await prisma().incident.count()).toBe(1);
  });

  it('「隨身碟找到了…可以撤銷嗎？」 without a number is answered with the open incident, in the group and in private', async () => {
    for (const conv of [STAFF, `dm:${TEACHER}`]) {
      const replies = await t.client.say(TEACHER, conv, '隨身碟找到了，可以撤銷嗎？');
      const said = texts(replies).join('\n');
      expect(said, conv).toContain(`判定非個資事件 ${ref}`);
      expect(said, conv).not.toContain('我不太確定您的意思');
    }
  });

  it('a new leak that merely says 「找回」 is still offered as a new report', async () => {
    const replies = await t.client.say(TEACHER, STAFF, '我把成績單寄錯給全班家長了，信件無法找回');
    expect(offersIn(replies).length).toBe(1);
  });

  it('staff cannot decide; the contact window proposes with a reason and the incident stays open', async () => {
    const staff = texts(await t.client.say(TEACHER, STAFF, `判定非個資事件 ${ref} ${REASON}`)).join('\n');
    expect(staff).toContain('只有個資聯絡窗口或校長');
    const proposed = texts(await t.client.say(WINDOW, GROUP, `判定非個資事件 ${ref} ${REASON}`)).join('\n');
    expect(proposed).toContain('須由管理人（校長）決定');
    const incident = await prisma().incident.findUniqueOrThrow({ where: { id: incidentId } });
    expect(incident.status).not.toBe('closed');
    expect(incident.notBreachAt).toBeNull();
    expect(await prisma().checklistItem.count({ where: { incidentId, state: 'open' } })).toBeGreaterThan(5);
  });

  it('the principal decides: items settled not applicable in one step, closed, record kept, reminders stopped', async () => {
    const openBefore = await prisma().checklistItem.count({ where: { incidentId, state: 'open' } });
    const decided = texts(await t.client.say(PRINCIPAL, GROUP, `判定非個資事件 ${ref}`)).join('\n');
    expect(decided).toContain(`事件 ${ref} 已判定非個資事件並結案`);
    expect(decided).toContain(`理由：${REASON}`);
    expect(decided).toContain('結案說明（非個資事件）');

    const incident = await prisma().incident.findUniqueOrThrow({ where: { id: incidentId } });
    expect(incident.status).toBe('closed');
    expect(incident.notBreachAt).not.toBeNull();
    expect(incident.closedAt).not.toBeNull();
    expect(incident.handlingEndedAt).toBeNull();
    const items = await prisma().checklistItem.findMany({ where: { incidentId } });
    expect(items.filter((i) => i.state === 'open')).toEqual([]);
    expect(items.filter((i) => i.state === 'na').length).toBe(openBefore);
    // The report to the contact window was done (through the bot), not turned into 不適用.
    expect(items.find((i) => i.completesClock === 'report-window-4h')?.state).toBe('done');

    const deps = { cipher: t.app.deps.cipher, repos: t.app.deps.repos };
    const timeline = await readTimeline(deps, incidentId);
    expect(timeline[0]!.type).toBe('incident.reported');
    const decision = timeline.find((e) => e.type === 'incident.not-breach');
    expect(decision?.actorId).toBe(PRINCIPAL);
    expect((decision!.detail as { reason: string }).reason).toBe(REASON);
    expect(timeline.some((e) => e.type === 'incident.not-breach-proposed' && e.actorId === WINDOW)).toBe(true);
    expect(timeline.filter((e) => e.type === 'checklist.na').length).toBe(openBefore);
    expect((await verifyIncidentTimeline(deps, incidentId)).ok).toBe(true);

    // No reminder is left to send: every clock's schedule stopped with the closing.
    const pending = await prisma().clockSchedule.findMany({ where: { incidentId, state: 'active' } });
    expect(pending).toEqual([]);

    const card = await latestCard(t.client, WINDOW, GROUP, 'incident');
    expect(card.subtitle).toContain('判定非個資事件');
    expect(card.sections.map((s) => s.text ?? '').join('\n')).toContain('已停止');
  });

  it('a second decision is refused with when it was decided', async () => {
    const again = texts(await t.client.say(PRINCIPAL, GROUP, `判定非個資事件 ${ref} 再判定一次`)).join('\n');
    expect(again).toContain('已於');
    expect(again).toContain('判定非個資事件並結案');
  });
});
