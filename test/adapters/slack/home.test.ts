import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventEnvelope, homeAction, slackEvent } from '../../fakes/slack/events.js';
import {
  answersFor,
  buttonsIn,
  seedSlackIdentities,
  slackUser,
  startSlackTestApp,
  textOf,
  type SlackTestApp,
} from '../../fakes/slack/harness.js';

/**
 * The App Home tab: opening it publishes the person's overview from the core (homeCards) — the open incidents they
 * may see, their tasks and the clocks due next — and its buttons act in the person's DM with the bot.
 */
describe('Slack App Home', () => {
  let h: SlackTestApp;
  const teacher = slackUser('demo-teacher');
  const windowUser = slackUser('demo-window');
  const colleague = 'UCOLLEAG1';
  let ref = '';

  beforeAll(async () => {
    h = await startSlackTestApp();
    const { prisma } = h.t.app.db;
    await seedSlackIdentities(prisma, ['demo-teacher', 'demo-window', 'demo-principal']);
    // Test data: a second staff member without a response role, linked on Slack.
    await prisma.person.create({
      data: { id: 'test-colleague', schoolId: 'demo-school', displayName: '周老師（測試）', unit: '教務處', roles: ['staff'] },
    });
    await prisma.identity.create({
      data: { id: 'slack-test-colleague', personId: 'test-colleague', platform: 'slack', externalId: colleague },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const openHome = async (user: string) => {
    const before = h.fake.published.length;
    const { res } = await h.request(eventEnvelope(slackEvent.homeOpened(user, h.fake.dmOf(user))));
    expect(res.status).toBe(200);
    const views = h.fake.published.slice(before);
    expect(views).toHaveLength(1);
    expect(views[0]!.userId).toBe(user);
    return {
      ...views[0]!,
      text: textOf({ text: '', blocks: views[0]!.view.blocks as never }),
      buttons: buttonsIn({ blocks: views[0]!.view.blocks as never }),
    };
  };

  it('an account not linked to the school yet is told how to link it', async () => {
    const home = await openHome('UNOBODY01');
    expect(home.text).toContain('尚未連結');
    expect(home.text).toContain('綁定 123456');
    expect(home.buttons).toEqual([]);
  });

  it('after a report: the reporter sees her incident and the clocks; a colleague without a role sees none of it', async () => {
    const { views } = await h.command(h.fake.dmOf(teacher), teacher, '');
    const submitted = await h.submit(
      teacher,
      views[0]!,
      answersFor(views[0]!, { howLeaked: '成績單誤寄給全班家長', occurredAt: '今天 0:00', awareAt: '現在' }),
    );
    ref = /個資事件 (\d{3}-\d{3})/.exec(submitted.posted.map(textOf).join('\n'))![1]!;

    const mine = await openHome(teacher);
    expect(mine.text).toContain('王老師（示範），您好');
    expect(mine.text).toContain(ref);
    expect(mine.text).toContain('即將到期的法定時限');
    expect(mine.text).toMatch(new RegExp(`${ref}｜.+：`));
    expect(mine.text).not.toContain('目前沒有計時中的法定時限');
    expect(mine.text).not.toContain('成績單誤寄'); // the Home tab lists, the details stay in the DM and the room
    expect(mine.buttons.find((b) => b.label === '查看')?.value).toMatch(/^inc:.+:card$/);

    const other = await openHome(colleague);
    expect(other.text).toContain('周老師（測試），您好');
    expect(other.text).not.toContain(ref);
    expect(other.text).toContain('目前沒有您可查看的進行中事件');
    expect(other.text).toContain('目前沒有計時中的法定時限');
  });

  it('the contact window ticks a task on her Home tab: it is recorded, and the tab shows one task fewer', async () => {
    const home = await openHome(windowUser);
    expect(home.text).toContain(ref);
    const tasks = home.buttons.filter((b) => b.label === '完成');
    expect(tasks.length).toBeGreaterThan(1);
    const before = h.fake.published.length;
    const click = await h.request(
      homeAction({
        user: windowUser,
        viewId: 'VH1',
        actionId: tasks[0]!.actionId,
        value: tasks[0]!.value,
        triggerId: h.fake.issueTrigger(),
        overflow: tasks[0]!.overflow,
      }),
    );
    expect(click.res.status).toBe(200);
    if (click.views.length) {
      // A step that asks what was done: the modal opens from the Home tab too.
      await h.submit(windowUser, click.views[0]!, { note: { v: { type: 'plain_text_input', value: '已處理並留存紀錄' } } });
    }
    const itemId = tasks[0]!.value.split(':')[1]!;
    const item = await h.t.app.db.prisma.checklistItem.findUniqueOrThrow({ where: { id: itemId } });
    expect(item.state).toBe('done');
    const after = h.fake.published
      .slice(before)
      .filter((v) => v.userId === windowUser)
      .at(-1)!;
    const left = buttonsIn({ blocks: after.view.blocks as never }).filter((b) => b.label === '完成');
    expect(left.length).toBe(tasks.length - 1);
    expect(left.some((b) => b.value === tasks[0]!.value)).toBe(false);
  });

  it('every Web API call was one Slack accepts', () => {
    expect(h.fake.invalidCalls().map((c) => `${c.method}: ${c.problems.join('; ')}`)).toEqual([]);
  });
});
