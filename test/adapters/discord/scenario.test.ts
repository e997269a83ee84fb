import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T } from '../../../src/core/conversation/texts.js';
import { verifyIncidentTimeline } from '../../../src/core/timeline/timeline.js';
import {
  buttonsIn,
  discordUser,
  seedDiscordIdentities,
  startDiscordTestApp,
  textOf,
  type DiscordTestApp,
  type Outcome,
} from '../../fakes/discord/harness.js';
import type { FakeMessage, OpenedModal } from '../../fakes/discord/platform.js';
import { settleAuditorReview } from '../../helpers/scenario.js';

type C = Record<string, unknown>;

/** Answers for every input of a modal: the first option of selects (「否」 for yes/no), typical text otherwise. */
function answersFor(modal: OpenedModal, text: Record<string, string> = {}): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const row of modal.data.components) {
    const c = (row.type === 18 ? row.component : (row.components as C[])[0]) as C;
    const id = String(c.custom_id);
    if (c.type === 3) {
      const opts = c.options as { value: string }[];
      out[id] = [opts.find((o) => o.value === 'false')?.value ?? opts[0]!.value];
    } else {
      out[id] = text[id] ?? (typeof c.value === 'string' && c.value ? c.value : '教務處');
    }
  }
  return out;
}

// 「今天 0:00」: always in the past whatever the hour the tests run (an hour later in the day is refused as future).
const REPORT = {
  howLeaked: '成績單誤寄給全班家長',
  occurredAt: '今天 0:00',
  awareAt: '現在',
  affectedEstimate: '30',
  stepsTaken: '已請家長刪除訊息',
  categories: '姓名、成績',
};

/**
 * The whole flow inside Discord, through discord.js and a fake Discord that checks every REST request against
 * Discord's OpenAPI file: channels bound with /小幫手, a teacher linked by a one-time code in DMs, /通報 opening the
 * report form as a modal (in pages of at most five fields), the response team working the checklist with buttons —
 * the card edited in place, a gateway disconnect and resume in the middle — and a notice approved by the principal in
 * a DM, the outcome replacing the buttons.
 */
describe('Discord: from /通報 to a completed checklist and an approved notice', () => {
  let h: DiscordTestApp;
  let staff = '';
  let team = '';
  const teacher = discordUser('demo-teacher');
  const windowUser = discordUser('demo-window');
  const principal = discordUser('demo-principal');
  let ref = '';
  /** Where the incident's cards are worked: its private thread when one was opened, else the response channel. */
  let place = '';

  beforeAll(async () => {
    h = await startDiscordTestApp();
    // Bootstrap (test data): the principal's and the contact window's Discord accounts are linked already.
    await seedDiscordIdentities(h.t.app.db.prisma, ['demo-principal', 'demo-window']);
    staff = h.fake.textChannel('教職員');
    team = h.fake.textChannel('應變小組');
  });
  afterAll(async () => {
    await h?.close();
  });

  const lastIn = (channel: string, viewer?: string) => h.fake.messagesIn(channel, viewer).at(-1)!;
  const texts = (o: Outcome) => o.changed.map(textOf).join('\n---\n');

  it('the channels are bound to the school with /小幫手 (only by the principal or the contact window)', async () => {
    const refused = await h.command(teacher, staff, 'pdi', '綁定群組 教職員群組');
    expect(texts(refused)).toContain('只有校長（管理人）或個資聯絡窗口');
    expect(texts(await h.command(windowUser, staff, 'pdi', '綁定群組 教職員群組'))).toContain('「教職員群組」');
    expect(texts(await h.command(principal, team, 'pdi', '綁定群組 應變小組'))).toContain('「應變小組」');
    const rows = await h.t.app.db.prisma.conversation.findMany({
      where: { platform: 'discord', kind: 'group' },
      orderBy: { createdAt: 'asc' },
    });
    expect(rows.filter((r) => r.schoolId).map((r) => [r.externalId, r.purpose])).toEqual([
      [staff, 'staff'],
      [team, 'response'],
    ]);
  });

  it('the teacher links her Discord account with a one-time code from the principal, in DMs', async () => {
    const issued = await h.say(principal, h.fake.dmOf(principal), '產生綁定碼 王老師');
    const code = /綁定碼：(\d{6})/.exec(texts(issued))?.[1];
    expect(code).toBeTruthy();
    const linked = await h.say(teacher, h.fake.dmOf(teacher), `綁定 ${code}`);
    expect(texts(linked)).toContain('綁定完成');
    const identity = await h.t.app.db.prisma.identity.findUniqueOrThrow({
      where: { platform_externalId: { platform: 'discord', externalId: teacher } },
    });
    expect(identity.personId).toBe('demo-teacher');
  });

  it('/通報 in the staff channel opens the report as a modal at once; its pages are filled in; the incident is created', async () => {
    const first = await h.command(teacher, staff, 'report');
    expect(first.interaction!.response!.type).toBe(9);
    expect(first.interaction!.response!.at - first.interaction!.dispatchedAt).toBeLessThan(3000);
    expect(textOf(lastIn(staff))).toContain('已私訊');
    let modal: OpenedModal | undefined = first.modals[0];
    expect(modal!.data.components.length).toBeLessThanOrEqual(5);
    const dm = h.fake.dmOf(teacher);
    const seenFields: string[] = [];
    for (let page = 0; page < 6 && modal; page += 1) {
      for (const row of modal.data.components) seenFields.push(String(((row as C).component as C).custom_id));
      const out = await h.submit(modal, answersFor(modal, REPORT));
      const created = out.changed.map(textOf).find((t) => t.includes('已建立個資事件'));
      if (created) {
        ref = /個資事件 (\d{3}-\d{3})/.exec(created)![1]!;
        break;
      }
      // The next page cannot open by itself (a modal only answers a click or a command): a button in the DM opens it.
      const offer = out.changed.find((m) => m.channelId === dm && buttonsIn(m).some((b) => b.label === '填寫通報表'));
      expect(offer, texts(out)).toBeTruthy();
      modal = (await h.click(teacher, offer!, '填寫通報表')).modals[0];
    }
    expect(ref).not.toBe('');
    expect(seenFields).toEqual(h.t.app.deps.playbooks.intake.map((f) => f.key));
    const incident = await h.t.app.db.prisma.incident.findFirstOrThrow({ where: { ref } });
    expect(incident.reporterId).toBe('demo-teacher');
    // The staff channel only gets a detail-free pointer.
    const pointer = h.fake
      .messagesIn(staff)
      .map(textOf)
      .find((t) => t.includes(ref))!;
    expect(pointer).not.toContain('成績單');
    // The incident's private thread, in the response channel, with the responders and the reporter in it.
    const thread = [...h.fake.channels.values()].find((c) => c.type === 12 && c.name === `pdi-${ref}`)!;
    expect(thread, [...h.fake.channels.values()].map((c) => `${c.type}:${c.name}`).join()).toBeTruthy();
    expect(thread.parentId).toBe(team);
    expect(h.fake.callsTo('POST', /\/threads$/).map((c) => c.body)).toEqual([
      { name: `pdi-${ref}`, type: 12, invitable: false, auto_archive_duration: 10080 },
    ]);
    expect([...thread.members]).toEqual(expect.arrayContaining([windowUser, principal, teacher]));
    place = thread.id;
    expect(
      h.fake
        .messagesIn(place)
        .map(textOf)
        .some((t) => t.includes(`檢核清單｜${ref}`)),
    ).toBe(true);
    expect(h.fake.messagesIn(team).map(textOf).join('\n')).not.toContain('成績單');
  });

  it('the contact window ticks every item; the card is edited in place; the gateway drops and resumes in the middle', async () => {
    // The auditor's review is the auditor's alone (playbook completedBy): settled as the demo auditor; the window ticks the rest.
    await settleAuditorReview(h.t.app);
    const checklist = (): FakeMessage =>
      h.fake
        .messagesIn(place)
        .filter((m) => m.embeds.some((e) => String(e.title).startsWith('檢核清單')))
        .at(-1)!;
    const original = checklist();
    let resumedMidway = false;
    let notes = 0;
    for (let guard = 0; guard < 60; guard += 1) {
      const card = checklist();
      const done = buttonsIn(card).find((b) => b.label === '完成' || b.label.startsWith('完成：'));
      if (!done) break;
      if (guard === 1) h.fake.disconnect(4000);
      const out = await h.click(windowUser, card, (b) => b === done || (b.label === done.label && b.value === done.value));
      expect(out.interaction!.response!.type).toBe(6);
      if (guard === 1) {
        // The click was sent while the bot was away: replayed on RESUME, answered within Discord's 3 s, handled once.
        resumedMidway = h.fake.gateway.resumes >= 1;
        expect(out.interaction!.response!.at - out.interaction!.dispatchedAt).toBeLessThan(3000);
        h.fake.redeliver(out.interaction!);
        await h.settle();
        expect(out.interaction!.callbacks).toBe(1);
      }
      // An item that asks what was done: only the clicker sees a button that opens the note as a modal.
      const offer = out.changed.find((m) => m.visibleTo === windowUser && buttonsIn(m).some((b) => b.label === '填寫表單'));
      if (offer) {
        const opened = await h.click(windowUser, offer, '填寫表單');
        expect(opened.interaction!.response!.type).toBe(9);
        // Where the item asks more than a note (a planned date and state, a level, the real completion time): the
        // first option of each choice, today, now.
        const now = new Date(Date.now() + 8 * 3600_000).toISOString();
        await h.submit(
          opened.modals[0]!,
          answersFor(opened.modals[0]!, {
            note: '已處理並留存紀錄',
            plannedOn: now.slice(0, 10),
            at: now.slice(0, 16).replace('T', ' '),
            delayReason: '發生時間於調查後才確認',
          }),
        );
        notes += 1;
      }
    }
    expect(resumedMidway).toBe(true);
    expect(notes).toBeGreaterThan(0);
    expect(h.fake.gateway.identifies).toBe(1);
    const final = checklist();
    expect(final.id).toBe(original.id);
    expect(final.history.length).toBeGreaterThan(3);
    expect(buttonsIn(final).some((b) => b.label === '完成' || b.label.startsWith('完成：'))).toBe(false);
    const incident = await h.t.app.db.prisma.incident.findFirstOrThrow({ where: { ref }, include: { checklist: true } });
    expect(incident.checklist.length).toBeGreaterThan(3);
    expect(incident.checklist.every((c) => c.state === 'done')).toBe(true);
    expect((await verifyIncidentTimeline(h.t.app.deps, incident.id)).ok).toBe(true);
  });

  it('a notice is sent to the principal in a DM, sent back with a comment, then approved; outcomes replace the buttons', async () => {
    const overview = await h.command(windowUser, place, 'pdi', `通知 ${ref}`);
    const list = overview.changed.find((m) => buttonsIn(m).some((b) => b.label === '建立' || b.label.startsWith('建立：')))!;
    expect(list, texts(overview)).toBeTruthy();
    const created = await h.click(windowUser, list, '建立');
    const draft = created.changed.find((m) => buttonsIn(m).some((b) => b.label === '送校長核定'))!;
    expect(draft, texts(created)).toBeTruthy();
    const pdm = h.fake.dmOf(principal);
    const reviewIn = (o: Outcome) => o.changed.find((m) => m.channelId === pdm && buttonsIn(m).some((b) => b.label === '核定'))!;
    // First sent back with a comment: the comment form opens from a button only the principal sees.
    const first = reviewIn(await h.click(windowUser, draft, '送校長核定'));
    expect(buttonsIn(first).map((b) => b.label)).toEqual(['核定', '退回修改']);
    const asked = await h.click(principal, first, '退回修改');
    const offer = asked.changed.find((m) => m.visibleTo === principal && buttonsIn(m).some((b) => b.label === '填寫表單'))!;
    expect(offer, texts(asked)).toBeTruthy();
    // The product restarts before the principal gets to it: the form was kept (encrypted), the button still opens it.
    await h.t.restart();
    const reopened = await h.click(principal, offer, '填寫表單');
    expect(reopened.interaction!.response!.type).toBe(9);
    const form = reopened.modals[0]!;
    expect(form.data.components.map((c) => String(((c as C).component as C).custom_id))).toEqual(['comment']);
    const comment = '請補上學校可以打電話詢問的時間。';
    await h.submit(form, { comment });
    // Submitted: the same button now says the question is over, on any instance.
    const again = await h.click(principal, offer, '填寫表單');
    expect(again.interaction!.response).toMatchObject({ type: 4, data: { content: T.promptExpired, flags: 64 } });
    expect(buttonsIn(h.fake.message(first.id)!)).toEqual([]);
    expect(textOf(h.fake.message(first.id)!)).toContain(comment);
    expect((await h.t.app.db.prisma.subjectNotice.findFirstOrThrow({ where: { incident: { ref } } })).status).toBe('returned');
    // Revised (the text as a prefilled modal field), sent again, then approved.
    const card = () =>
      h.fake
        .messagesIn(place)
        .filter((m) => buttonsIn(m).some((b) => b.label === '修改內容'))
        .at(-1)!;
    const editOffer = (await h.click(windowUser, card(), '修改內容')).changed.find(
      (m) => m.visibleTo === windowUser && buttonsIn(m).some((b) => b.label === '填寫表單'),
    )!;
    // The kept form holds the notice's text as the field's initial value: encrypted at rest.
    const kept = await h.t.app.db.prisma.discordForm.findMany();
    const edit = kept.find((r) => r.formId.endsWith(':edit'))!;
    expect(edit.channelId).toBe(place);
    expect(JSON.stringify(kept)).not.toContain('個人資料事件通知');
    expect(h.t.app.deps.cipher.decrypt(edit.formEnc, `discord-form:${edit.channelId}:${edit.formId}`)).toContain('個人資料事件通知');
    const editForm = (await h.click(windowUser, editOffer, '填寫表單')).modals[0]!;
    const textInput = (editForm.data.components[0] as C).component as C;
    expect(String(textInput.value)).toContain('個人資料事件通知');
    await h.submit(editForm, { [String(textInput.custom_id)]: `${String(textInput.value)}\n上班時間：週一至週五 8:00–16:30` });
    const review = reviewIn(await h.click(windowUser, card(), '送校長核定'));
    expect(review, 'a review card of the revised version').toBeTruthy();
    await h.click(principal, review, '核定');
    const after = h.fake.message(review.id)!;
    expect(after.history.length).toBeGreaterThan(0);
    expect(buttonsIn(after)).toEqual([]);
    expect(textOf(after)).toContain('陳校長');
    const notice = await h.t.app.db.prisma.subjectNotice.findFirstOrThrow({ where: { incident: { ref } } });
    expect(notice.status).toBe('approved');
  });

  it('every REST request the bot sent was one Discord accepts (OpenAPI file, component and embed limits)', () => {
    expect(h.fake.invalidCalls().map((c) => `${c.method} ${c.path}: ${c.problems.join('; ')}`)).toEqual([]);
    expect(h.fake.callsTo('PATCH', /^\/channels\/\d+\/messages\/\d+$/).length).toBeGreaterThan(3);
  });
});
