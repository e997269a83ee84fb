import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersFor, seedSlackIdentities, slackUser, startSlackTestApp, textOf, type SlackTestApp } from '../../fakes/slack/harness.js';
import { T } from '../../../src/core/conversation/texts.js';

/**
 * Slack, when conversations.open gives no channel for the reporter: the report still opens as a modal (only she sees
 * it), and on submission the staff channel gets a detail-free answer saying how to open the bot's DM; the details go to
 * the incident's private channel. Answers for one person (refusals) are ephemeral.
 */
describe('Slack: details never land in a wide channel', () => {
  let h: SlackTestApp;
  const staff = 'C0STAFF02';
  const team = 'C0TEAM002';
  const teacher = slackUser('demo-teacher');
  const HOW_LEAKED = '段考成績單誤寄全班家長';

  beforeAll(async () => {
    h = await startSlackTestApp();
    await seedSlackIdentities(h.t.app.db.prisma, ['demo-teacher', 'demo-principal', 'demo-window', 'demo-it']);
    // Test data: both channels bound to the demo school, as 「綁定群組」 would.
    for (const [id, purpose] of [
      [staff, 'staff'],
      [team, 'response'],
    ] as const) {
      await h.t.app.db.prisma.conversation.create({
        data: { id: `slack-${id}`, platform: 'slack', externalId: id, kind: 'group', purpose, schoolId: 'demo-school', title: id },
      });
    }
    h.fake.noDm.add(teacher);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a refusal to someone not linked is shown to them alone', async () => {
    const { posted } = await h.say(staff, 'U0NOBODY1', '綁定群組 應變小組');
    expect(posted).toHaveLength(1);
    expect(posted[0]!.onlyFor).toBe('U0NOBODY1');
    expect(textOf(posted[0]!)).toContain('只有校長（管理人）或個資聯絡窗口');
    expect(h.fake.invalidCalls()).toEqual([]);
  });

  it('the report is filled in a modal; the staff channel gets no details, the incident channel gets the cards', async () => {
    const opened = await h.command(staff, teacher, '');
    const view = opened.views[0]!;
    expect(view, 'the report form opens as a modal').toBeTruthy();
    const out = await h.submit(teacher, view, answersFor(view, { howLeaked: HOW_LEAKED, occurredAt: '今天 0:00', awareAt: '現在' }));
    const incident = await h.t.app.db.prisma.incident.findFirst();
    expect(incident, out.posted.map(textOf).join('\n---\n')).toBeTruthy();
    const publicInStaff = h.fake.messages
      .filter((m) => m.channel === staff && !m.onlyFor)
      .map(textOf)
      .join('\n');
    expect(publicInStaff).toContain(`已建立個資事件 ${incident!.ref}`);
    expect(publicInStaff).toContain('事件細節不會顯示在這裡');
    expect(publicInStaff).toContain('「應用程式」');
    expect(publicInStaff).not.toContain(HOW_LEAKED);
    expect(publicInStaff).not.toContain('檢核清單');
    const room = [...h.fake.channels.values()].find((c) => c.name === `pdi-${incident!.ref}`)!;
    expect(
      out.posted
        .filter((m) => m.channel === room.id)
        .map(textOf)
        .join('\n'),
    ).toContain(HOW_LEAKED);
    expect(h.fake.invalidCalls()).toEqual([]);
  });

  it('「通報」 typed in the staff channel when conversations.open fails: never 「已私訊」, never a generic failure', async () => {
    const other = 'UNODM0003';
    await h.t.app.db.prisma.identity.create({
      data: { id: 'slack-test-report-open-fails', personId: 'demo-it', platform: 'slack', externalId: other },
    });
    h.fake.refuse.set('conversations.open', { error: 'user_not_found' });
    try {
      const { posted } = await h.say(staff, other, '通報');
      const said = posted.map((m) => m.text).join('\n');
      expect(said).not.toContain('已私訊');
      expect(said).not.toContain(T.failed);
      // Slack asks it in a modal only she sees (privateForms): the channel gets the form's button, titled, nothing more.
      expect(posted.filter((m) => m.channel === staff).map((m) => m.text)).toEqual(['個資事件通報表']);
    } finally {
      h.fake.refuse.delete('conversations.open');
    }
  });
});
