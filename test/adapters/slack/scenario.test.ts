import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyIncidentTimeline } from '../../../src/core/timeline/timeline.js';
import { eventEnvelope, slackEvent } from '../../fakes/slack/events.js';
import { buttonsIn, seedSlackIdentities, slackUser, startSlackTestApp, textOf, type SlackTestApp } from '../../fakes/slack/harness.js';
import type { OpenedView, PostedMessage } from '../../fakes/slack/platform.js';

/** Answers for every input of a modal, chosen by the element type (the first option of each select). */
function answersFor(view: OpenedView, text: Record<string, string> = {}): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const b of view.view.blocks as Record<string, unknown>[]) {
    if (b.type !== 'input') continue;
    const id = String(b.block_id);
    const el = b.element as { type: string; options?: { value: string }[]; initial_value?: string };
    if (el.type === 'plain_text_input') out[id] = { v: { type: el.type, value: text[id] ?? el.initial_value ?? '教務處' } };
    else if (el.type === 'number_input') out[id] = { v: { type: el.type, value: '30' } };
    else if (el.type === 'static_select') out[id] = { v: { type: el.type, selected_option: { value: el.options![0]!.value } } };
    else if (el.type === 'multi_static_select') out[id] = { v: { type: el.type, selected_options: [{ value: el.options![0]!.value }] } };
    else if (el.type === 'radio_buttons') out[id] = { v: { type: el.type, selected_option: { value: 'false' } } };
  }
  return out;
}

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
    const rows = await h.t.app.db.prisma.conversation.findMany({ where: { platform: 'slack', kind: 'group' }, orderBy: { createdAt: 'asc' } });
    expect(rows.map((r) => [r.externalId, r.purpose, r.schoolId])).toEqual([[staff, 'staff', 'demo-school'], [team, 'response', 'demo-school']]);
  });

  it('the teacher links her Slack account with a one-time code from the principal (in direct messages)', async () => {
    const issued = await h.say(h.fake.dmOf(slackUser('demo-principal')), slackUser('demo-principal'), '產生綁定碼 王老師');
    const code = /綁定碼：(\d{6})/.exec(textOf(issued.posted[0]!))?.[1];
    expect(code).toBeTruthy();
    const linked = await h.say(h.fake.dmOf(teacher), teacher, `綁定 ${code}`);
    expect(textOf(linked.posted[0]!)).toContain('綁定完成');
    const identity = await h.t.app.db.prisma.identity.findUniqueOrThrow({ where: { platform_externalId: { platform: 'slack', externalId: teacher } } });
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

    const submitted = await h.submit(teacher, modal, answersFor(modal, { howLeaked: '成績單誤寄給全班家長', occurredAt: '今天 8:00', awareAt: '現在' }));
    expect(submitted.res.status).toBe(200);
    const mine = submitted.posted.filter((m) => m.channel === h.fake.dmOf(teacher));
    const created = mine.map(textOf).find((t) => t.includes('已建立個資事件'));
    expect(created, mine.map(textOf).join('\n---\n')).toBeTruthy();
    ref = /個資事件 (\d{3}-\d{3})/.exec(created!)![1]!;
    const inTeam = h.fake.messagesIn(team).map(textOf);
    expect(inTeam.some((t) => t.includes('檢核清單'))).toBe(true);
    expect(inTeam.some((t) => t.includes(ref))).toBe(true);
    const pointer = h.fake.messagesIn(staff).map(textOf).find((t) => t.includes(ref))!;
    expect(pointer).toContain('請勿在本群組討論');
  });

  it('the contact window ticks every item in the response channel; the checklist is updated in place', async () => {
    const checklist = (): PostedMessage => h.fake.messagesIn(team).filter((m) => m.text.startsWith('檢核清單')).at(-1)!;
    const original = checklist();
    let rateLimited = false;
    for (let guard = 0; guard < 60; guard += 1) {
      const card = checklist();
      if (!buttonsIn(card).some((b) => b.label === '完成')) break;
      if (!rateLimited) h.fake.rateLimitNext.set('chat.update', 1);
      const before = performance.now();
      const out = await h.click(windowUser, card, '完成');
      if (out.views.length) {
        // The item asks what was done: a modal opened by the click.
        const note = out.views[0]!;
        expect(textOf({ text: '', blocks: note.view.blocks as never })).toContain('完成情形');
        await h.submit(windowUser, note, { note: { v: { type: 'plain_text_input', value: '已處理並留存紀錄' } } });
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

  it('every Web API call the bot made was one Slack accepts (OpenAPI parameters, Block Kit limits)', () => {
    expect(h.fake.invalidCalls().map((c) => `${c.method}: ${c.problems.join('; ')}`)).toEqual([]);
    expect(h.fake.callsOf('chat.update').length).toBeGreaterThan(3);
    expect(h.fake.callsOf('views.open').every((c) => c.error === undefined)).toBe(true);
  });
});
