import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyIncidentTimeline } from '../../../src/core/timeline/timeline.js';
import { ev } from '../../fakes/line/events.js';
import type { DeliveredMessage } from '../../fakes/line/platform.js';
import {
  actionsIn,
  answerItemQuestions,
  flexes,
  flexText,
  lineGroupId,
  seedLineIdentities,
  startLineTestApp,
  texts,
  uid,
  type LineTestApp,
} from '../../fakes/line/harness.js';
import { settleAuditorReview } from '../../helpers/scenario.js';

/**
 * The whole flow inside LINE, through the real SDK and a fake LINE platform that checks every request against LINE's
 * OpenAPI file: bot joins two groups, they are bound, a teacher links her account with a one-time code, reports in the
 * staff group, answers the intake step by step in her 1:1 chat (with a restart in the middle), and the response team
 * works the checklist with postbacks until it is complete.
 */
describe('LINE: from a message in the staff group to a completed checklist', () => {
  let h: LineTestApp;
  const staff = lineGroupId('scenario-staff');
  const team = lineGroupId('scenario-response');
  const teacher = { user: uid('demo-teacher') };
  let ref = '';

  beforeAll(async () => {
    h = await startLineTestApp();
    // Bootstrap (test data): the principal's and the contact window's LINE accounts are linked already.
    await seedLineIdentities(h.t.app.db.prisma, ['demo-principal', 'demo-window']);
    h.fake.groups.set(staff, '示範國中 教職員');
    h.fake.groups.set(team, '個資應變小組');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('joins two groups and the contact window and principal bind them to the school', async () => {
    for (const g of [staff, team]) {
      const intro = await h.send([ev.join(g, h.fake.issueReplyToken(g))]);
      expect(texts(intro)[0]).toContain('綁定群組');
    }
    // A teacher who is not linked cannot bind a group.
    const refused = await h.say({ group: staff }, uid('demo-teacher'), '綁定群組 教職員群組');
    expect(texts(refused)[0]).toContain('只有校長（管理人）或個資聯絡窗口');
    const bound = await h.say({ group: staff }, 'demo-window', '綁定群組 教職員群組');
    expect(texts(bound)[0]).toContain('「教職員群組」');
    const boundTeam = await h.say({ group: team }, 'demo-principal', '綁定群組 應變小組');
    expect(texts(boundTeam)[0]).toContain('「應變小組」');
    const rows = await h.t.app.db.prisma.conversation.findMany({
      where: { platform: 'line', kind: 'group' },
      orderBy: { createdAt: 'asc' },
    });
    expect(rows.map((r) => [r.purpose, r.schoolId])).toEqual([
      ['staff', 'demo-school'],
      ['response', 'demo-school'],
    ]);
  });

  it('the teacher adds the bot as a friend and links her account with a one-time code from the principal', async () => {
    const welcome = await h.send([ev.follow(teacher.user, h.fake.issueReplyToken(teacher.user))]);
    expect(texts(welcome)[0]).toContain('綁定碼');
    await h.send([ev.follow(uid('demo-window'), h.fake.issueReplyToken(uid('demo-window')))]);
    const issued = await h.say({ user: uid('demo-principal') }, 'demo-principal', '產生綁定碼 王老師');
    const code = /綁定碼：(\d{6})/.exec(texts(issued)[0]!)?.[1];
    expect(code, texts(issued).join('\n')).toBeTruthy();
    const linked = await h.say(teacher, teacher.user, `綁定 ${code}`);
    expect(texts(linked)[0]).toContain('綁定完成');
    expect(texts(linked)[0]).toContain('王老師（示範）');
    const identity = await h.t.app.db.prisma.identity.findUniqueOrThrow({
      where: { platform_externalId: { platform: 'line', externalId: teacher.user } },
    });
    expect(identity.personId).toBe('demo-teacher');
  });

  it('a leak described in the staff group gets an offer; the intake runs step by step in the 1:1 chat and survives a restart', async () => {
    const offer = await h.say({ group: staff }, 'demo-teacher', '我寄錯信了，把全班成績單寄給所有家長');
    expect(offer).toHaveLength(1);
    expect(offer[0]!.via).toBe('reply');
    const start = actionsIn(offer[0]!.message).find((a) => a.label === '開始通報')!;
    expect(start.type).toBe('postback');
    const started = await h.press({ group: staff }, 'demo-teacher', start.data!);
    expect(started.find((d) => d.chatId === staff)!.via).toBe('reply');
    expect(texts(started.filter((d) => d.chatId === staff))[0]).toContain('已私訊');
    let question = started.filter((d) => d.chatId === teacher.user).at(-1)!;
    expect(question.via).toBe('push');

    const fields = h.t.app.deps.playbooks.intake;
    let restarted = false;
    for (let guard = 0; guard < 30; guard += 1) {
      const q = String(question.message.text);
      const m = /（(\d+)\/(\d+)）/.exec(q);
      if (!m) break;
      const field = fields[Number(m[1]) - 1]!;
      if (Number(m[1]) === 4 && !restarted) {
        await h.t.restart(); // the process stops in the middle of the intake
        restarted = true;
      }
      const quick = actionsIn(question.message);
      if (field.type !== 'select') expect(quick.some((a) => a.label === '取消通報' && a.type === 'postback')).toBe(true);
      const answer: Record<string, string> = {
        select: '1',
        textarea: '成績單誤寄給全班家長',
        text: '教務處',
        datetime: '現在',
        number: '30',
        headcount: '約30人',
        multiselect: '1',
        boolean: '否',
      };
      if (field.type === 'datetime') expect(quick.find((a) => a.label === '現在')).toMatchObject({ type: 'message', text: '現在' });
      const out = await h.say(teacher, teacher.user, answer[field.type]!);
      expect(out.every((d) => d.chatId !== staff || !flexes([d]).length)).toBe(true);
      const mine = out.filter((d) => d.chatId === teacher.user);
      expect(mine[0]!.via).toBe('reply'); // each answer is answered with its own reply token
      question = mine.at(-1)!;
      if (flexes(mine).length) {
        const created = texts(mine).find((t) => t.includes('已建立個資事件'))!;
        ref = /個資事件 (\d{3}-\d{3})/.exec(created)![1]!;
        break;
      }
    }
    expect(restarted).toBe(true);
    expect(ref).toMatch(/^\d{3}-\d{3}$/);
    // The team group got the incident and checklist (pushed: nobody there spoke), the staff group only a pointer.
    const inTeam = h.fake.messagesIn(team);
    expect(flexes(inTeam).map((d) => String(d.message.altText))).toEqual(
      expect.arrayContaining([expect.stringContaining('檢核清單'), expect.stringContaining(ref)]),
    );
    const pointer = texts(h.fake.messagesIn(staff)).find((t) => t.includes(ref))!;
    expect(pointer).toContain('請勿在本群組討論');
    expect(h.fake.messagesIn(staff).every((d) => d.message.type === 'text')).toBe(true);
  });

  it('the contact window ticks every item with postbacks in the response group until the checklist is complete', async () => {
    // The auditor's review is the auditor's alone (playbook completedBy): settled as the demo auditor; the window ticks the rest.
    await settleAuditorReview(h.t.app);
    const latestChecklist = (): DeliveredMessage =>
      flexes(h.fake.messagesIn(team))
        .filter((d) => String(d.message.altText).startsWith('檢核清單'))
        .at(-1)!;
    for (let guard = 0; guard < 60; guard += 1) {
      const card = latestChecklist();
      const next = actionsIn(card.message).find((a) => a.label === '完成');
      if (!next) break;
      expect(next.type).toBe('postback');
      const out = await h.press({ group: team }, 'demo-window', next.data!);
      if (!flexes(out).length) {
        // The item asks what was done (or more, as a short step-by-step form): answered in the group, as normal messages.
        expect(texts(out)[0]).toMatch(/完成情形|一題一題問您/);
        const { asked, last: after } = await answerItemQuestions(h, { group: team }, 'demo-window', out, '已處理並留存紀錄');
        expect(asked.length).toBeGreaterThan(0);
        expect(flexes(after)).toHaveLength(1);
        expect(after[0]!.via).toBe('reply');
      }
    }
    const final = latestChecklist();
    expect(actionsIn(final.message).some((a) => a.label === '完成')).toBe(false);
    expect(flexText(final.message)).toContain('已處理');
    const incident = await h.t.app.db.prisma.incident.findFirstOrThrow({ where: { ref }, include: { checklist: true } });
    expect(incident.checklist.length).toBeGreaterThan(3);
    expect(incident.checklist.every((c) => c.state === 'done')).toBe(true);
    expect((await verifyIncidentTimeline(h.t.app.deps, incident.id)).ok).toBe(true);
  });

  it('every request the bot sent was one LINE accepts; pushes carry retry keys; replies were preferred', () => {
    expect(h.fake.invalidRequests().map((r) => `${r.path}: ${r.problems.join('; ')}`)).toEqual([]);
    const pushes = h.fake.requests.filter((r) => r.path === '/v2/bot/message/push');
    expect(pushes.every((r) => typeof r.headers['x-line-retry-key'] === 'string')).toBe(true);
    expect(new Set(pushes.map((r) => r.headers['x-line-retry-key'])).size).toBe(pushes.length);
    const replies = h.fake.requests.filter((r) => r.path === '/v2/bot/message/reply');
    expect(replies.length).toBeGreaterThan(pushes.length);
  });
});
