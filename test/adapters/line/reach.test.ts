import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T } from '../../../src/core/conversation/texts.js';
import { lineGroupId, seedLineIdentities, startLineTestApp, texts, uid, type LineTestApp } from '../../fakes/line/harness.js';

/**
 * LINE, a linked teacher who has not added the bot as a friend (so it cannot push to her): the report is not asked
 * step by step in the staff group, where everyone would read the answers. The group is told to add the bot as a friend
 * first, and the contact window hears at once, privately, that someone is trying to report.
 */
describe('LINE: a reporter who is not a friend of the bot', () => {
  let h: LineTestApp;
  const staff = lineGroupId('reach-staff');

  beforeAll(async () => {
    h = await startLineTestApp();
    await seedLineIdentities(h.t.app.db.prisma, ['demo-teacher', 'demo-window', 'demo-principal']);
    await h.t.app.db.prisma.conversation.create({
      data: {
        id: 'line-reach-staff',
        platform: 'line',
        externalId: staff,
        kind: 'group',
        purpose: 'staff',
        schoolId: 'demo-school',
        title: '教職員群組',
      },
    });
    h.fake.friends.set(uid('demo-window'), '李組長');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('「通報」 in the group: no question there, the group told how, the contact window told at once', async () => {
    const out = await h.say({ group: staff }, 'demo-teacher', '通報');
    expect(texts(out.filter((d) => d.chatId === staff))).toEqual([T.cannotAskInGroup('王老師（示範）', '加小幫手為好友')]);
    expect(texts(out.filter((d) => d.chatId === uid('demo-window')))).toEqual([T.reporterUnreachable('王老師（示範）', '教職員群組')]);
    expect(out.filter((d) => d.chatId === uid('demo-teacher'))).toEqual([]);
    expect(await h.t.app.db.prisma.pendingPrompt.count({ where: { status: 'open' } })).toBe(0);
    expect(h.fake.invalidRequests()).toEqual([]);
  });

  it('「主控台」 in the group from someone who is not a friend: never 「我已私訊給您」, no link; how to add the bot', async () => {
    const out = await h.say({ group: staff }, 'demo-principal', '主控台');
    expect(texts(out.filter((d) => d.chatId === staff))).toEqual([T.consoleNoDirect('加小幫手為好友')]);
    expect(out.filter((d) => d.chatId === uid('demo-principal'))).toEqual([]);
    expect(JSON.stringify(out)).not.toContain('/console/sign-in/');
    expect(h.fake.invalidRequests()).toEqual([]);
  });
});
