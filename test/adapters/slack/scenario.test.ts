import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyIncidentTimeline } from '../../../src/core/timeline/timeline.js';
import { eventEnvelope, slackEvent } from '../../fakes/slack/events.js';
import {
  answersFor,
  buttonsIn,
  itemAnswersFor,
  seedSlackIdentities,
  slackUser,
  startSlackTestApp,
  textOf,
  type SlackTestApp,
} from '../../fakes/slack/harness.js';
import type { PostedMessage } from '../../fakes/slack/platform.js';
import { settleAuditorReview } from '../../helpers/scenario.js';

/**
 * The whole flow inside Slack, through Bolt and a fake Slack Web API that checks every call against Slack's OpenAPI
 * file and the Block Kit limits: the bot joins two channels, they are bound, a teacher links her account, reports with
 * the slash command (the report form opens as a modal), a retried event is dropped, and the response team works the
 * checklist with buttons — the card is updated in place, one update waiting out a rate limit — until it is complete.
 */
describe('Slack: from the slash command to a completed checklist', () => {
  let h: SlackTestApp;
  const staff = 'C0STAFF01';
  const team = 'C0TEAM001';
  const teacher = slackUser('demo-teacher');
  const windowUser = slackUser('demo-window');
  let ref = '';
  let room = '';

  beforeAll(async () => {
    h = await startSlackTestApp();
    // Bootstrap (test data): the principal's and the contact window's Slack accounts are linked already.
    await seedSlackIdentities(h.t.app.db.prisma, ['demo-principal', 'demo-window']);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('joins two channels, introduces itself, and the channels are bound to the school', async () => {
    for (const c of [staff, team]) {
      const { res, posted } = await h.request(eventEnvelope(slackEvent.botJoined(c)));
      expect(res.status).toBe(200);
      expect(textOf(posted[0]!)).toContain('綁定群組');
    }
    const refused = await h.say(staff, teacher, '綁定群組 教職員群組');
    expect(textOf(refused.posted[0]!)).toContain('只有校長（管理人）或個資聯絡窗口');
    expect(textOf((await h.say(staff, windowUser, '綁定群組 教職員群組')).posted[0]!)).toContain('「教職員群組」');
    expect(textOf((await h.say(team, slackUser('demo-principal'), '綁定群組 應變小組')).posted[0]!)).toContain('「應變小組」');
    const rows = await h.t.app.db.prisma.conversation.findMany({
      where: { platform: 'slack', kind: 'group' },
      orderBy: { createdAt: 'asc' },
    });
    expect(rows.map((r) => [r.externalId, r.purpose, r.schoolId])).toEqual([
      [staff, 'staff', 'demo-school'],
      [team, 'response', 'demo-school'],
    ]);
  });

  it('the teacher links her Slack account with a one-time code from the principal (in direct messages)', async () => {
    const issued = await h.say(h.fake.dmOf(slackUser('demo-principal')), slackUser('demo-principal'), '產生綁定碼 王老師');
    const code = /綁定碼：(\d{6})/.exec(textOf(issued.posted[0]!))?.[1];
    expect(code).toBeTruthy();
    const linked = await h.say(h.fake.dmOf(teacher), teacher, `綁定 ${code}`);
    expect(textOf(linked.posted[0]!)).toContain('綁定完成');
    const identity = await h.t.app.db.prisma.identity.findUniqueOrThrow({
      where: { platform_externalId: { platform: 'slack', externalId: teacher } },
    });
    expect(identity.personId).toBe('demo-teacher');
  });

  it('a retried event (x-slack-retry-num) is acknowledged and dropped', async () => {
    const e = eventEnvelope(slackEvent.message(staff, teacher, '我寄錯信了，把全班成績單寄給所有家長'));
    const first = await h.request(e);
    expect(textOf(first.posted[0]!)).toContain('要開始通報嗎');
    expect(buttonsIn(first.posted[0]!).map((b) => b.label)).toEqual(['開始通報', '不是']);
    const retried = await h.request(e, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(retried.res.status).toBe(200);
    expect(retried.posted).toEqual([]);
  });

  it('/pdi in the staff channel opens the report as a modal; submitting it creates the incident', async () => {
    const started = performance.now();
    const { res, posted, views } = await h.command(staff, teacher, '');
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(textOf(posted.find((m) => m.channel === staff)!)).toContain('已私訊');
    expect(views).toHaveLength(1);
    const modal = views[0]!;
    expect((modal.view.title as { text: string }).text).toBe('個資事件通報');
    const blockIds = (modal.view.blocks as { block_id?: string }[]).map((b) => b.block_id).filter(Boolean);
    expect(blockIds).toEqual(h.t.app.deps.playbooks.intake.map((f) => f.key));

    const submitted = await h.submit(
      teacher,
      modal,
      answersFor(modal, { howLeaked: '成績單誤寄給全班家長', occurredAt: '今天 0:00', awareAt: '現在' }),
    );
    expect(submitted.res.status).toBe(200);
    const mine = submitted.posted.filter((m) => m.channel === h.fake.dmOf(teacher));
    const created = mine.map(textOf).find((t) => t.includes('已建立個資事件'));
    expect(created, mine.map(textOf).join('\n---\n')).toBeTruthy();
    ref = /個資事件 (\d{3}-\d{3})/.exec(created!)![1]!;
    // A private channel for this incident, with the responders linked on Slack and the reporter invited.
    const rooms = [...h.fake.channels.values()];
    expect(rooms).toHaveLength(1);
    const r = rooms[0]!;
    room = r.id;
    expect(r.isPrivate).toBe(true);
    expect(r.name).toBe(`pdi-${ref}`);
    expect([...r.members].sort()).toEqual(['UBOT00000', slackUser('demo-principal'), teacher, windowUser].sort());
    expect(r.topic).toContain(ref);
    expect(r.topic).not.toContain('成績單');
    const inRoom = h.fake.messagesIn(room).map(textOf);
    expect(inRoom.some((t) => t.startsWith('檢核清單'))).toBe(true);
    expect(inRoom.join('\n')).toContain('成績單誤寄給全班家長');
    // The wide channels only get a detail-free pointer: the response channel to the room, the staff channel a warning.
    const inTeam = h.fake
      .messagesIn(team)
      .map(textOf)
      .filter((t) => t.includes(ref));
    expect(inTeam).toHaveLength(1);
    expect(inTeam[0]).toContain(r.name);
    expect(inTeam[0]).not.toContain('成績單');
    const pointer = h.fake
      .messagesIn(staff)
      .map(textOf)
      .find((t) => t.includes(ref))!;
    expect(pointer).toContain('請勿在本群組討論');
    expect(pointer).not.toContain('成績單');
    // Slack announcing that the bot joined the room it created is not taken for a new group to bind.
    const joined = await h.request(eventEnvelope(slackEvent.botJoined(room)));
    expect(joined.posted).toEqual([]);
    const row = await h.t.app.db.prisma.conversation.findFirstOrThrow({ where: { platform: 'slack', externalId: room } });
    expect([row.purpose, row.schoolId]).toEqual(['incident', 'demo-school']);
  });

  it('the contact window ticks every item in the incident room; the checklist is updated in place', async () => {
    // The auditor's review is the auditor's alone (playbook completedBy): settled as the demo auditor; the window ticks the rest.
    await settleAuditorReview(h.t.app);
    const checklist = (): PostedMessage =>
      h.fake
        .messagesIn(room)
        .filter((m) => m.text.startsWith('檢核清單'))
        .at(-1)!;
    const original = checklist();
    let rateLimited = false;
    for (let guard = 0; guard < 60; guard += 1) {
      const card = checklist();
      if (!buttonsIn(card).some((b) => b.label === '完成')) break;
      if (!rateLimited) h.fake.rateLimitNext.set('chat.update', 1);
      const before = performance.now();
      const out = await h.click(windowUser, card, '完成');
      if (out.views.length) {
        // The item asks what was done (and, for some items, more: the plan with its date and state, the cyber
        // incident level, the real completion time): a modal opened by the click.
        const note = out.views[0]!;
        expect(textOf({ text: '', blocks: note.view.blocks as never })).toMatch(/完成情形|措施內容|判定理由/);
        await h.submit(windowUser, note, itemAnswersFor(note, '已處理並留存紀錄'));
      }
      if (!rateLimited) {
        // The card's update was answered 429 with Retry-After: 1; the client waited and the update went through.
        rateLimited = true;
        const updates = h.fake.callsOf('chat.update');
        expect(updates.map((c) => c.status).slice(0, 2)).toEqual([429, 200]);
        expect(performance.now() - before).toBeGreaterThanOrEqual(1000);
      }
    }
    expect(rateLimited).toBe(true);
    const final = checklist();
    expect(final.ts).toBe(original.ts);
    expect(final.history.length).toBeGreaterThan(3);
    expect(buttonsIn(final).some((b) => b.label === '完成')).toBe(false);
    const incident = await h.t.app.db.prisma.incident.findFirstOrThrow({ where: { ref }, include: { checklist: true } });
    expect(incident.checklist.length).toBeGreaterThan(3);
    expect(incident.checklist.every((c) => c.state === 'done')).toBe(true);
    expect((await verifyIncidentTimeline(h.t.app.deps, incident.id)).ok).toBe(true);
  });

  it('the principal reviews notice drafts in her DM: one approved, one sent back with a comment; the outcome replaces the buttons', async () => {
    const principal = slackUser('demo-principal');
    const principalDm = h.fake.dmOf(principal);
    const draft = async (): Promise<PostedMessage> => {
      const shown = await h.say(room, windowUser, `通知 ${ref}`);
      const overview = shown.posted.find((m) => textOf(m).includes(`通知當事人｜${ref}`))!;
      expect(overview, shown.posted.map(textOf).join('\n---\n')).toBeTruthy();
      const created = await h.click(windowUser, overview, '建立');
      const card = created.posted.find((m) => buttonsIn(m).some((x) => x.label === '送校長核定'))!;
      expect(card.channel).toBe(room);
      const sent = await h.click(windowUser, card, '送校長核定');
      // The review request arrives in the principal's DM, with the preview and the two decisions.
      const review = sent.posted.find((m) => m.channel === principalDm && buttonsIn(m).some((x) => x.label === '核定'))!;
      expect(review, sent.posted.map((m) => `${m.channel}: ${textOf(m)}`).join('\n---\n')).toBeTruthy();
      expect(buttonsIn(review).map((x) => x.label)).toEqual(['核定', '退回修改']);
      expect(textOf(review)).toContain('通知內容');
      return review;
    };

    const first = await draft();
    const versionsBefore = first.history.length;
    await h.click(principal, first, '核定');
    expect(first.history.length).toBe(versionsBefore + 1); // chat.update on the same message (same ts)
    expect(buttonsIn(first)).toEqual([]);
    expect(textOf(first)).toMatch(/✓ 已由 陳校長（示範） 於 .+ 核定/);

    const second = await draft();
    expect(second.ts).not.toBe(first.ts);
    const asked = await h.click(principal, second, '退回修改');
    expect(asked.views).toHaveLength(1); // the comment is asked in a modal opened by the click
    const returned = await h.submit(principal, asked.views[0]!, {
      comment: { v: { type: 'plain_text_input', value: '請補上學校聯絡電話與處理進度說明' } },
    });
    expect(returned.res.status).toBe(200);
    expect(buttonsIn(second)).toEqual([]);
    expect(textOf(second)).toContain('退回修改');
    expect(textOf(second)).toContain('意見：請補上學校聯絡電話與處理進度說明');
    // The drafter hears of it in her DM.
    const toDrafter = h.fake.messagesIn(h.fake.dmOf(windowUser)).map(textOf).join('\n');
    expect(toDrafter).toContain('請補上學校聯絡電話與處理進度說明');
    const notices = await h.t.app.db.prisma.subjectNotice.findMany({ where: { incident: { ref } }, orderBy: { createdAt: 'asc' } });
    expect(notices.map((n) => n.status)).toEqual(['approved', 'returned']);
  });

  it('every Web API call the bot made was one Slack accepts (OpenAPI parameters, Block Kit limits)', () => {
    expect(h.fake.invalidCalls().map((c) => `${c.method}: ${c.problems.join('; ')}`)).toEqual([]);
    expect(h.fake.callsOf('chat.update').length).toBeGreaterThan(3);
    expect(h.fake.callsOf('views.open').every((c) => c.error === undefined)).toBe(true);
  });
});
