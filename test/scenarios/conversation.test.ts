import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Card, CardRow } from '../../src/ports/chat-model.js';
import { T } from '../../src/core/conversation/texts.js';
import { readTimeline } from '../../src/core/timeline/timeline.js';
import { settledBeforeEnding } from '../../src/core/incidents/times.js';
import { formatChatDateTime } from '../../src/core/time/roc.js';
import { settle, startTestApp, type TestApp } from '../helpers/app.js';
import { cards, forms, texts, type LocalClient } from '../helpers/local-client.js';
import { fillItemForm, reportThroughOffer, taipeiInput } from '../helpers/scenario.js';

/**
 * The conversation engine as people meet it on the local chat: commands and chatter, who may see and do what, the
 * checklist, the assessment, the incident lifecycle, intake validation and malformed API calls. One app for the file;
 * the tests run in order and build on the incidents reported earlier.
 */

const HOUR = 3600_000;

const CJK = /[\u4e00-\u9fff]/;
const ENGLISH = /^[\x20-\x7e]+$/;

/** The latest version of an incident's card in a conversation (cards are edited in place). */
async function cardOf(client: LocalClient, as: string, conversation: string, key: string, ref: string): Promise<Card> {
  const all = cards(await client.messages(as, conversation), key).filter((c) => c.title.includes(ref));
  expect(all.length, `a ${key} card of ${ref} in ${conversation}`).toBeGreaterThan(0);
  return all[all.length - 1]!;
}

const rowsOf = (card: Card): CardRow[] => card.sections.flatMap((s) => s.rows ?? []);
const fieldOf = (card: Card, label: string) => card.sections.flatMap((s) => s.fields ?? []).find((f) => f.label === label)?.value;
const buttonOf = (card: Card, label: string) => {
  const b = card.buttons?.find((x) => x.label === label);
  expect(b, `button ${label} on ${card.title}; has ${card.buttons?.map((x) => x.label).join(',')}`).toBeTruthy();
  return b!.action;
};
const rowButton = (row: CardRow, label: string) => {
  const b = row.buttons?.find((x) => x.label === label);
  expect(b, `button ${label} on row ${row.text}`).toBeTruthy();
  return b!.action;
};

describe('conversation engine through the local chat', () => {
  let t: TestApp;
  const prisma = () => t.app.db.prisma;
  const incidentByRef = (ref: string) => prisma().incident.findFirstOrThrow({ where: { ref } });
  const itemState = async (ref: string, title: string) => {
    const inc = await incidentByRef(ref);
    return (await prisma().checklistItem.findFirstOrThrow({ where: { incidentId: inc.id, title } })).state;
  };

  /** A report made in the private chat with 「通報」 and the intake form. */
  async function reportPrivately(as: string, values: Record<string, string | string[]>): Promise<string> {
    const form = forms(await t.client.say(as, `dm:${as}`, '通報'))[0];
    expect(form, 'the intake form').toBeTruthy();
    const done = await t.client.submit(as, `dm:${as}`, form!.formId, values);
    const card = cards(done, 'incident')[0];
    expect(card, `incident card; got ${texts(done).join(' | ')}`).toBeTruthy();
    return /個資事件 (\d{3}-\d{3})/.exec(card!.title)![1]!;
  }

  const now = new Date();
  // A: the teacher's misdirected e-mail, reported from the staff group.
  let refA = '';
  const howLeakedA = '段考成績單誤寄到七年三班家長群組';
  const placeA = '教務處';
  // B: the IT teacher's report; aware at 07:30 Taipei yesterday (23:30 UTC the day before).
  let refB = '';
  const howLeakedB = '網站後台帳號外流';
  const taipeiMidnight = new Date(Math.floor((now.getTime() + 8 * HOUR) / (24 * HOUR)) * 24 * HOUR - 8 * HOUR);
  const awareB = new Date(taipeiMidnight.getTime() - 24 * HOUR + 7.5 * HOUR);
  // C: the director's report, used for the assessment and the lifecycle.
  let refC = '';
  const awareC = new Date(now.getTime() - 2 * HOUR);
  const occurredC = new Date(now.getTime() - 3 * HOUR);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  // ------------------------------------------------------------------ commands and chatter

  it('「說明」 and /help explain what the bot can do', async () => {
    for (const [as, conv, text] of [
      ['demo-teacher', 'demo-staff', '說明'],
      ['demo-teacher', 'dm:demo-teacher', '/help'],
      ['demo-window', 'demo-response', '/HELP'],
    ] as const) {
      const replies = await t.client.say(as, conv, text);
      expect(replies, text).toHaveLength(1);
      expect(replies[0]!.conversationId).toBe(conv);
      const help = texts(replies)[0]!;
      expect(help).toBe(T.help);
      expect(help).toContain('「通報」');
      expect(help).toContain('「事件」');
      expect(help).toContain('「我是誰」');
    }
  });

  it('an unknown slash command says so in zh-TW and lists what is possible', async () => {
    const replies = await t.client.say('demo-teacher', 'demo-staff', '/deploy now');
    expect(replies).toHaveLength(1);
    const text = texts(replies)[0]!;
    expect(text).toContain('我不認得「/deploy」這個指令');
    expect(text).toContain(T.help);
  });

  it('ordinary group chatter gets no reply; unrecognised text in a private chat gets the help', async () => {
    expect(await t.client.say('demo-teacher', 'demo-staff', '明天開會記得帶筆電')).toEqual([]);
    expect(await t.client.say('demo-window', 'demo-response', '我下午請假，有事打給主任')).toEqual([]);
    const dm = await t.client.say('demo-teacher', 'dm:demo-teacher', '明天開會記得帶筆電');
    expect(dm).toHaveLength(1);
    expect(texts(dm)[0]).toBe(`${T.notUnderstood}\n${T.help}`);
  });

  it('「我是誰」 names the person, the school and the roles', async () => {
    const [who] = texts(await t.client.say('demo-window', 'dm:demo-window', '我是誰'));
    expect(who).toBe('您是 示範國民中學（示範） 的 李組長（示範），身分：教職員、個資聯絡窗口。');
    const [auditor] = texts(await t.client.say('demo-auditor', 'demo-staff', '/whoami'));
    expect(auditor).toContain('張主任（示範）');
    expect(auditor).toContain('稽核人員');
  });

  it('「事件」 with nothing open says so', async () => {
    expect(texts(await t.client.say('demo-window', 'demo-response', '事件'))).toEqual([T.noOpenIncidents]);
  });

  // ------------------------------------------------------------------ three incidents to work on

  it('three reports: from the staff group, and privately by the IT teacher and the director', async () => {
    const a = await reportThroughOffer(t.client, {
      phrase: '我寄錯信了，成績單寄給全班家長',
      expectScenario: 'misdirected-message',
      values: {
        scenario: 'misdirected-message',
        howLeaked: howLeakedA,
        occurredAt: taipeiInput(new Date(now.getTime() - 3 * HOUR)),
        awareAt: taipeiInput(new Date(now.getTime() - HOUR)),
        place: placeA,
        categories: ['name', 'grades'],
        affectedEstimate: '30',
        affectedKinds: ['students', 'guardians'],
        involvesSystem: 'false',
        stepsTaken: '已請家長刪除訊息',
      },
    });
    refA = a.ref;
    refB = await reportPrivately('demo-it', {
      scenario: 'hacked-system',
      howLeaked: howLeakedB,
      occurredAt: taipeiInput(new Date(awareB.getTime() - HOUR)),
      awareAt: taipeiInput(awareB),
      place: '學校網站',
      categories: ['name', 'contact'],
      affectedEstimate: '120',
      affectedKinds: ['students'],
      involvesSystem: 'true',
      stepsTaken: '已停用帳號',
    });
    refC = await reportPrivately('demo-director', {
      scenario: 'general',
      howLeaked: '輔導紀錄放在公用電腦桌面',
      occurredAt: taipeiInput(occurredC),
      awareAt: taipeiInput(awareC),
      place: '學務處',
      categories: ['name'],
      affectedEstimate: '5',
      affectedKinds: ['students'],
      involvesSystem: 'false',
      stepsTaken: '已移除檔案',
    });
    expect(new Set([refA, refB, refC]).size).toBe(3);
    expect(await prisma().incident.count()).toBe(3);
  });

  it('「事件」 lists open incidents, with detail buttons only where details may be shown', async () => {
    const list = async (as: string, conv: string) => {
      const card = cards(await t.client.say(as, conv, '事件'))[0];
      expect(card, `${as} in ${conv}`).toBeTruthy();
      expect(card!.title).toBe('進行中的個資事件');
      return rowsOf(card!);
    };
    const rowFor = (rows: CardRow[], ref: string) => rows.find((r) => r.text.startsWith(ref))!;

    const team = await list('demo-window', 'demo-response');
    expect(team.map((r) => r.text.slice(0, 7)).sort()).toEqual([refA, refB, refC].sort());
    for (const r of team) expect(r.buttons?.map((b) => b.label)).toEqual(['查看']);
    // Awareness is shown as the Taipei calendar day, not the UTC one.
    expect(rowFor(team, refB).detail).toContain(formatChatDateTime(awareB));

    // The staff group sees that incidents exist, never a way to open them there.
    const staff = await list('demo-window', 'demo-staff');
    expect(staff).toHaveLength(3);
    for (const r of staff) expect(r.buttons ?? []).toEqual([]);

    // The teacher, privately: only the incident she reported can be opened.
    const teacher = await list('demo-teacher', 'dm:demo-teacher');
    expect(rowFor(teacher, refA).buttons?.map((b) => b.label)).toEqual(['查看']);
    expect(rowFor(teacher, refB).buttons ?? []).toEqual([]);
    expect(rowFor(teacher, refC).buttons ?? []).toEqual([]);

    // 查看 opens the incident card where it was pressed.
    const opened = await t.client.press('demo-window', 'demo-response', rowFor(team, refB).buttons![0]!.action);
    expect(cards(opened, 'incident').map((c) => [c.title, c.conversationId])).toEqual([[`個資事件 ${refB}`, 'demo-response']]);
  });

  // ------------------------------------------------------------------ roles

  it('the auditor can view but cannot tick a checklist item', async () => {
    const summary = texts(await t.client.say('demo-auditor', 'demo-response', `摘要 ${refA}`));
    expect(summary.join('\n')).toContain(`【個資事件 ${refA} 摘要】`);
    expect(summary.join('\n')).toContain(howLeakedA);
    expect((await t.client.messages('demo-auditor', 'demo-response')).length).toBeGreaterThan(0);

    const checklist = await cardOf(t.client, 'demo-auditor', 'demo-response', 'checklist', refA);
    // Clock reminders due in the background write their own entries (reminder.sent, reminders.*): not counted here.
    const userEntries = () => prisma().timelineEntry.count({ where: { NOT: { type: { startsWith: 'reminder' } } } });
    const before = await userEntries();
    for (const title of ['中斷洩漏途徑', '緊急儲存未受損資料']) {
      const row = rowsOf(checklist).find((r) => r.text === title)!;
      const replies = await t.client.press('demo-auditor', 'demo-response', rowButton(row, '完成'));
      expect(texts(replies), title).toEqual(['只有應變人員（個資聯絡窗口、資訊組、資料管理人、校長）或該項目負責人可以勾選。']);
      expect(forms(replies)).toEqual([]);
      expect(await itemState(refA, title)).toBe('open');
    }
    expect(await userEntries()).toBe(before);
  });

  it('a staff member cannot read the response group nor act on items someone else owns', async () => {
    const read = await t.client.raw('GET', '/local/api/conversations/demo-response/messages?as=demo-teacher');
    expect(read.status).toBe(403);
    expect(read.body.error).toMatch(CJK);
    expect(read.body.detail).toMatch(ENGLISH);
    expect(JSON.stringify(read.body)).not.toContain(howLeakedA);
    const write = await t.client.raw('POST', '/local/api/conversations/demo-response/messages', { as: 'demo-teacher', text: '事件' });
    expect(write.status).toBe(403);

    // The reporter got her own items privately (issue #13): 陳報校長 belongs to the contact window and is not on her
    // card, and pressing its action anyway is refused.
    const mine = await cardOf(t.client, 'demo-teacher', 'dm:demo-teacher', 'mine:demo-teacher', refA);
    expect(mine.title).toBe(`您的檢核項目｜${refA}`);
    expect(rowsOf(mine).map((r) => r.text)).not.toContain('陳報校長');
    const all = await prisma().checklistItem.findMany({ where: { incidentId: (await incidentByRef(refA)).id } });
    const hers = all.filter((i) => i.ownerPersonId === 'demo-teacher');
    expect(
      rowsOf(mine)
        .map((r) => r.text)
        .sort(),
    ).toEqual(hers.map((i) => i.title).sort());
    expect(hers.length).toBeLessThan(all.length);
    const brief = all.find((i) => i.title === '陳報校長')!;
    const refused = await t.client.press('demo-teacher', 'dm:demo-teacher', `ck:${brief.id}:d`);
    expect(texts(refused)[0]).toContain('只有應變人員');
    expect(forms(refused)).toEqual([]);
    expect(await itemState(refA, '陳報校長')).toBe('open');

    // An item of the unit where it happened is hers: she may record it.
    const stop = rowsOf(mine).find((r) => r.text === '中斷洩漏途徑')!;
    const asked = forms(await t.client.press('demo-teacher', 'dm:demo-teacher', rowButton(stop, '完成')))[0]!;
    expect(asked.fields.map((f) => f.id)).toEqual(['note']);
    await t.client.submit('demo-teacher', 'dm:demo-teacher', asked.formId, { note: '已撤回郵件並請家長刪除' });
    expect(await itemState(refA, '中斷洩漏途徑')).toBe('done');
  });

  it('「摘要」 in the staff group is answered privately; the group text holds no detail', async () => {
    const replies = await t.client.say('demo-window', 'demo-staff', `摘要 ${refA}`);
    const inGroup = replies.filter((m) => m.conversationId === 'demo-staff');
    expect(texts(inGroup)).toEqual([T.detailsOnlyPrivately]);
    expect(inGroup.every((m) => m.body.type === 'text')).toBe(true);
    const groupText = JSON.stringify(inGroup.map((m) => m.body));
    for (const detail of [howLeakedA, placeA, '王老師']) expect(groupText).not.toContain(detail);

    const privately = texts(replies.filter((m) => m.conversationId === 'dm:demo-window')).join('\n');
    expect(privately).toContain(`【個資事件 ${refA} 摘要】`);
    expect(privately).toContain(howLeakedA);
    expect(privately).toContain(`地點：${placeA}`);
    // Nothing else anywhere.
    expect(new Set(replies.map((m) => m.conversationId))).toEqual(new Set(['demo-staff', 'dm:demo-window']));
  });

  it('the teacher gets the summary of her own report only', async () => {
    const own = await t.client.say('demo-teacher', 'dm:demo-teacher', `摘要 ${refA}`);
    expect(texts(own).join('\n')).toContain(howLeakedA);

    const other = await t.client.say('demo-teacher', 'dm:demo-teacher', `摘要 ${refB}`);
    expect(texts(other)).toEqual([T.detailsNotAllowed]);
    expect(JSON.stringify(other)).not.toContain(howLeakedB);
    const inGroup = await t.client.say('demo-teacher', 'demo-staff', `摘要 ${refB}`);
    expect(texts(inGroup)).toEqual([T.detailsNotAllowed]);
    expect(inGroup.every((m) => m.conversationId === 'demo-staff')).toBe(true);

    // In the staff group her own report is still sent privately.
    const ownFromGroup = await t.client.say('demo-teacher', 'demo-staff', `摘要 ${refA}`);
    expect(texts(ownFromGroup.filter((m) => m.conversationId === 'demo-staff'))).toEqual([T.detailsOnlyPrivately]);
    expect(texts(ownFromGroup.filter((m) => m.conversationId === 'dm:demo-teacher')).join()).toContain(howLeakedA);

    // With several incidents open, the number is needed; an unknown number is said to be unknown.
    expect(texts(await t.client.say('demo-window', 'demo-response', '摘要'))).toEqual([T.refNeeded('摘要')]);
    expect(texts(await t.client.say('demo-window', 'demo-response', '摘要 999-999'))).toEqual([T.refUnknown('999-999')]);
  });

  // ------------------------------------------------------------------ checklist

  it('不適用 needs a reason: an empty one is refused and the item stays open', async () => {
    const title = '控制對當事人的損害';
    const card = await cardOf(t.client, 'demo-window', 'demo-response', 'checklist', refA);
    const row = rowsOf(card).find((r) => r.text === title)!;
    const asked = forms(await t.client.press('demo-window', 'demo-response', rowButton(row, '不適用')))[0]!;
    expect(asked.fields[0]).toMatchObject({ id: 'note', label: '不適用原因', required: true });

    for (const empty of ['', '   ']) {
      const refused = await t.client.submit('demo-window', 'demo-response', asked.formId, { note: empty });
      expect(texts(refused)).toEqual([T.askNaReason(title)]);
      expect(await itemState(refA, title)).toBe('open');
    }
    // The question is still open: the reason can be given afterwards.
    await t.client.submit('demo-window', 'demo-response', asked.formId, { note: '資料已全數收回，無需再聯絡' });
    expect(await itemState(refA, title)).toBe('na');
    const after = rowsOf(await cardOf(t.client, 'demo-window', 'demo-response', 'checklist', refA)).find((r) => r.text === title)!;
    expect(after.status).toBe('na');
    expect(after.detail).toContain('資料已全數收回，無需再聯絡');
  });

  it('重新開啟 reopens an item and is on the timeline', async () => {
    const title = '控制對當事人的損害';
    const row = rowsOf(await cardOf(t.client, 'demo-window', 'demo-response', 'checklist', refA)).find((r) => r.text === title)!;
    const replies = await t.client.press('demo-window', 'demo-response', rowButton(row, '重新開啟'));
    // The card is edited in place, now with 完成 / 不適用 again.
    const edited = cards(replies, 'checklist').find((c) => c.conversationId === 'demo-response')!;
    const reopened = rowsOf(edited).find((r) => r.text === title)!;
    expect(reopened.status).toBe('open');
    expect(reopened.buttons!.map((b) => b.label)).toEqual(['完成', '不適用']);
    expect(await itemState(refA, title)).toBe('open');

    const inc = await incidentByRef(refA);
    const entries = (await readTimeline(t.app.deps, inc.id)).filter((e) => e.type.startsWith('checklist.'));
    const last2 = entries.slice(-2);
    expect(last2.map((e) => e.type)).toEqual(['checklist.na', 'checklist.open']);
    expect(last2[1]!.summary).toBe(`李組長（示範） 重新開啟：${title}`);
    expect(last2[1]!.detail).toMatchObject({ item: 'control-harm', state: 'open', previous: 'na' });
  });

  // ------------------------------------------------------------------ assessment

  it('the assessment records categories, counts and minors; a special category flags the card', async () => {
    const assess = forms(await t.client.say('demo-window', 'demo-response', `評估 ${refC}`))[0]!;
    expect(assess.formId).toMatch(/^assess:/);
    const special = t.app.deps.playbooks.categories.find((c) => c.special)!;
    const replies = await t.client.submit('demo-window', 'demo-response', assess.formId, {
      categories: ['name', special.key],
      studentsCount: '30',
      guardiansCount: '25',
      staffCount: '',
      othersCount: '',
      minorsCount: '28',
      involvesSystem: 'false',
      systemRecordsHeld: '',
      occurredAt: '',
      correctionReason: '',
    });
    expect(texts(replies)).toContain(T.assessmentSaved(refC));
    const card = await cardOf(t.client, 'demo-window', 'demo-response', 'incident', refC);
    expect(card.sections[0]!.text).toContain('個資法第6條');
    expect(fieldOf(card, '個資類別')).toContain(special.label);
    expect(fieldOf(card, '影響人數')).toMatch(/^55 人/);
    expect(fieldOf(card, '其中未成年')).toBe('28 人（須通知法定代理人）');
    const inc = await incidentByRef(refC);
    expect(inc).toMatchObject({
      specialCategories: true,
      studentsCount: 30,
      guardiansCount: 25,
      staffCount: null,
      minorsCount: 28,
      status: 'assessing',
    });
    expect(inc.categories).toEqual(['name', special.key]);
    // The reporter's private copy is updated too.
    const reporterCopy = await cardOf(t.client, 'demo-director', 'dm:demo-director', 'incident', refC);
    expect(reporterCopy.sections[0]!.text).toContain('個資法第6條');
  });

  it('correcting the occurrence time to earlier recomputes the clocks and is on the timeline', async () => {
    const bureauRow = (card: Card) => rowsOf(card).find((r) => r.text.startsWith('3日內通報主管機關'))!;
    const before = bureauRow(await cardOf(t.client, 'demo-window', 'demo-response', 'incident', refC));
    expect(before.status).toBe('open');
    const inc = await incidentByRef(refC);
    const earlier = new Date(occurredC.getTime() - 14 * 24 * HOUR);

    const assess = forms(await t.client.say('demo-window', 'demo-response', `評估 ${refC}`))[0]!;
    // The form keeps what was assessed before.
    expect(assess.fields.find((f) => f.id === 'minorsCount')!.initial).toBe('28');
    await t.client.submit('demo-window', 'demo-response', assess.formId, {
      categories: inc.categories,
      studentsCount: '30',
      guardiansCount: '25',
      minorsCount: '28',
      involvesSystem: 'false',
      occurredAt: taipeiInput(earlier),
      correctionReason: '調閱紀錄發現上週已外流',
    });
    const corrected = await incidentByRef(refC);
    expect(corrected.occurredAt.getTime()).toBe(Math.floor(earlier.getTime() / 60_000) * 60_000);
    const bureau = t.app.bot.incidents.clocksOf(corrected).find((c) => c.id === 'bureau-3d')!;
    const oldBureau = t.app.bot.incidents.clocksOf(inc).find((c) => c.id === 'bureau-3d')!;
    expect(bureau.statutoryEnd!.getTime()).toBeLessThan(oldBureau.statutoryEnd!.getTime());
    expect(bureau.overdueAtAwareness).toBe(true);
    const after = bureauRow(await cardOf(t.client, 'demo-window', 'demo-response', 'incident', refC));
    expect(after.text).not.toBe(before.text);
    expect(after.status).toBe('overdue');
    expect(after.detail).toContain('知悉時已逾期');

    const entries = await readTimeline(t.app.deps, corrected.id);
    const correction = entries.filter((e) => e.type === 'incident.corrected');
    expect(correction).toHaveLength(1);
    expect(correction[0]!.detail).toMatchObject({
      field: 'occurredAt',
      from: inc.occurredAt.toISOString(),
      to: corrected.occurredAt.toISOString(),
      reason: '調閱紀錄發現上週已外流',
    });
  });

  it('an occurrence after awareness is refused and nothing changes', async () => {
    const inc = await incidentByRef(refC);
    // Reminder bookkeeping (reminders.scheduled, reminder.sent) is appended by the job runner on its own time; what
    // must not appear is anything the refused assessment would have written.
    const ownEntries = () => prisma().timelineEntry.count({ where: { incidentId: inc.id, NOT: { type: { startsWith: 'reminder' } } } });
    const entriesBefore = await ownEntries();
    const assess = forms(await t.client.say('demo-window', 'demo-response', `評估 ${refC}`))[0]!;
    const replies = await t.client.submit('demo-window', 'demo-response', assess.formId, {
      categories: inc.categories,
      minorsCount: '28',
      involvesSystem: 'false',
      occurredAt: taipeiInput(new Date(awareC.getTime() + 30 * 60_000)),
    });
    expect(texts(replies)).toHaveLength(1);
    expect(texts(replies)[0]).toMatch(/^「發生時間」不能晚於知悉時間（/);
    const after = await incidentByRef(refC);
    expect(after.occurredAt.getTime()).toBe(inc.occurredAt.getTime());
    expect(after.version).toBe(inc.version);
    expect(await ownEntries()).toBe(entriesBefore);
  });

  it('an assessment that finds an information system adds the cyber-security items and clock', async () => {
    const cyberTitle = '資安通報平台通報（1小時）';
    const before = await cardOf(t.client, 'demo-window', 'demo-response', 'checklist', refA);
    expect(rowsOf(before).map((r) => r.text)).not.toContain(cyberTitle);
    const inc = await incidentByRef(refA);
    const itemsBefore = await prisma().checklistItem.count({ where: { incidentId: inc.id } });

    const assess = forms(await t.client.say('demo-window', 'demo-response', `評估 ${refA}`))[0]!;
    await t.client.submit('demo-window', 'demo-response', assess.formId, {
      categories: inc.categories,
      studentsCount: '30',
      involvesSystem: '是',
    });

    const after = await cardOf(t.client, 'demo-window', 'demo-response', 'checklist', refA);
    const cyber = rowsOf(after).find((r) => r.text === cyberTitle);
    expect(cyber, 'the 1-hour cyber report is now on the checklist').toBeTruthy();
    expect(cyber!.status).toBe('open');
    const added = await prisma().checklistItem.findMany({
      where: { incidentId: inc.id, key: { startsWith: 'cyber-' } },
      orderBy: { position: 'asc' },
    });
    expect(added.map((i) => i.key)).toEqual(expect.arrayContaining(['cyber-report']));
    expect(added.every((i) => i.position >= itemsBefore)).toBe(true);
    expect(await prisma().checklistItem.count({ where: { incidentId: inc.id } })).toBe(itemsBefore + added.length);
    // Ticks made before are kept.
    expect(await itemState(refA, '中斷洩漏途徑')).toBe('done');
    const card = await cardOf(t.client, 'demo-window', 'demo-response', 'incident', refA);
    expect(rowsOf(card).some((r) => r.text.startsWith('1小時內資安事件通報'))).toBe(true);
    expect(fieldOf(card, '涉及資訊系統')).toBe('是');
    const entry = (await readTimeline(t.app.deps, inc.id)).find((e) => e.type === 'checklist.added');
    expect(entry?.summary).toContain(cyberTitle);

    // Saying it again adds nothing more.
    const again = forms(await t.client.say('demo-window', 'demo-response', `評估 ${refA}`))[0]!;
    await t.client.submit('demo-window', 'demo-response', again.formId, {
      categories: inc.categories,
      studentsCount: '30',
      involvesSystem: '是',
    });
    expect(await prisma().checklistItem.count({ where: { incidentId: inc.id } })).toBe(itemsBefore + added.length);
  });

  // ------------------------------------------------------------------ lifecycle

  it('進入通知階段 → 處理結束 starts the 1-month closure clock', async () => {
    const closureRow = (card: Card) => rowsOf(card).find((r) => r.text.startsWith('處理結束後1個月內報主管機關備查'))!;
    let card = await cardOf(t.client, 'demo-window', 'demo-response', 'incident', refC);
    expect(closureRow(card).text).toContain('待起算');

    await t.client.press('demo-window', 'demo-response', buttonOf(card, '進入通知階段'));
    expect((await incidentByRef(refC)).status).toBe('notifying');
    card = await cardOf(t.client, 'demo-window', 'demo-response', 'incident', refC);
    expect(card.subtitle).toContain('通知當事人中');

    // 處理結束 first shows what is still open, each item to be settled (done, or not applicable with a reason), and
    // refuses to end while any is open (issue #13).
    const openBefore = (
      await prisma().checklistItem.findMany({
        where: { incidentId: (await incidentByRef(refC)).id, state: 'open' },
        orderBy: { position: 'asc' },
      })
    ).filter((i) => settledBeforeEnding(i, t.app.deps.clockRules));
    expect(openBefore.length).toBeGreaterThan(0);
    const pending = cards(await t.client.press('demo-window', 'demo-response', buttonOf(card, '處理結束')))[0]!;
    expect(pending.title).toBe(`處理結束前的確認｜${refC}`);
    expect(rowsOf(pending).map((r) => r.text)).toEqual(openBefore.map((i) => i.title));
    for (let guard = 0; guard < 60; guard += 1) {
      const list = cards(await t.client.press('demo-window', 'demo-response', buttonOf(pending, '處理結束')))[0];
      if (!list || list.title.startsWith('處理結束｜')) break;
      const row = rowsOf(list)[0]!;
      const na = row.buttons!.some((b) => b.label === '不適用');
      const f = forms(await t.client.press('demo-window', 'demo-response', rowButton(row, na ? '不適用' : '完成')))[0];
      if (f) await t.client.submit('demo-window', 'demo-response', f.formId, fillItemForm(f, na ? '本案未涉及' : '已處理並留存紀錄'));
    }
    // Then the real end time, prefilled with now; a future time is refused and the form comes back as typed.
    const endForm = forms(await t.client.press('demo-window', 'demo-response', buttonOf(card, '處理結束')))[0]!;
    expect(endForm.formId).toMatch(/^end:/);
    expect(endForm.fields).toHaveLength(1);
    expect(endForm.fields[0]).toMatchObject({ id: 'endedAt', type: 'datetime', required: true });
    expect(Math.abs(new Date(`${endForm.fields[0]!.initial as string}:00+08:00`).getTime() - Date.now())).toBeLessThan(2 * 60_000);
    const endedAt = new Date(Math.floor((Date.now() - HOUR) / 60_000) * 60_000);
    const future = taipeiInput(new Date(Date.now() + 3 * HOUR));
    const refused = await t.client.submit('demo-window', 'demo-response', endForm.formId, { endedAt: future });
    expect(texts(refused).join('\n')).toContain('「處理結束時間」不能是未來的時間');
    expect(forms(refused)[0]?.fields[0]?.initial).toBe(future);
    const before = await t.client.submit('demo-window', 'demo-response', endForm.formId, {
      endedAt: taipeiInput(new Date(awareC.getTime() - HOUR)),
    });
    expect(texts(before).join('\n')).toContain('「處理結束時間」不能早於知悉時間');
    expect((await incidentByRef(refC)).status).toBe('notifying');
    const values = { endedAt: taipeiInput(endedAt) };
    const ended = await t.client.submit('demo-window', 'demo-response', endForm.formId, values);
    expect(texts(ended).join('\n')).toContain(`已記錄事件 ${refC} 處理結束`);
    const inc = await incidentByRef(refC);
    expect(inc.status).toBe('handling_ended');
    expect(inc.handlingEndedAt?.toISOString()).toBe(endedAt.toISOString());
    // What is left open is the work that comes after handling (the closure report, archiving).
    const left = await prisma().checklistItem.findMany({ where: { incidentId: inc.id, state: 'open' } });
    expect(left.filter((i) => settledBeforeEnding(i, t.app.deps.clockRules))).toEqual([]);
    expect(left.map((i) => i.title)).toContain('結案報告主管機關備查');
    const endEntry = (await readTimeline(t.app.deps, inc.id)).find((e) => e.type === 'incident.handling-ended')!;
    expect(endEntry.detail).toMatchObject({ handlingEndedAt: endedAt.toISOString() });
    expect(new Date((endEntry.detail as { recordedAt: string }).recordedAt).getTime()).toBeGreaterThan(endedAt.getTime());
    const closure = t.app.bot.incidents.clocksOf(inc).find((c) => c.id === 'closure-1m')!;
    expect(closure.pending).toBe(false);
    const days = (closure.statutoryEnd!.getTime() - inc.handlingEndedAt!.getTime()) / (24 * HOUR);
    expect(days).toBeGreaterThanOrEqual(28);
    expect(days).toBeLessThanOrEqual(41); // a month, plus a rollover past a long holiday
    card = await cardOf(t.client, 'demo-window', 'demo-response', 'incident', refC);
    expect(closureRow(card).text).not.toContain('待起算');
    expect(closureRow(card).text).toContain(formatChatDateTime(closure.statutoryEnd!, { endOfDay: true }));
    expect(card.buttons!.map((b) => b.label)).toContain('結案');
    const statusEntries = (await readTimeline(t.app.deps, inc.id))
      .filter((e) => e.type === 'incident.status')
      .map((e) => (e.detail as { to: string }).to);
    expect(statusEntries.slice(-2)).toEqual(['notifying', 'handling_ended']);
  });

  it('結案 is refused for the contact window and while an item was reopened; the principal closes at the end', async () => {
    const card = await cardOf(t.client, 'demo-window', 'demo-response', 'incident', refC);
    const close = buttonOf(card, '結案');
    expect(texts(await t.client.press('demo-window', 'demo-response', close))).toEqual(['結案須由管理人（校長）核定。']);
    const open = await prisma().checklistItem.count({ where: { incidentId: (await incidentByRef(refC)).id, state: 'open' } });
    expect(open).toBeGreaterThan(0); // the closure report and archiving come after handling ended
    expect(texts(await t.client.press('demo-principal', 'demo-response', close))).toEqual([
      `尚有 ${open} 項檢核項目未完成或未標示不適用，不能結案。`,
    ]);
    expect((await incidentByRef(refC)).status).toBe('handling_ended');
    // The auditor's review is ticked by the auditor only (legal-rules §6), in the auditor's private chat.
    await prisma().conversation.upsert({
      where: { id: 'local-dm-demo-auditor' },
      update: {},
      create: {
        id: 'local-dm-demo-auditor',
        platform: 'local',
        externalId: 'dm:demo-auditor',
        kind: 'direct',
        purpose: 'direct',
        schoolId: 'demo-school',
      },
    });
    for (let guard = 0; guard < 60; guard += 1) {
      const list = await cardOf(t.client, 'demo-window', 'demo-response', 'checklist', refC);
      const row = rowsOf(list).find((r) => r.status === 'open');
      if (!row) break;
      const [who, where] = row.text.startsWith('稽核人員檢視改善情形')
        ? ['demo-auditor', 'dm:demo-auditor']
        : ['demo-window', 'demo-response'];
      const na = row.buttons!.some((b) => b.label === '不適用');
      const f = forms(await t.client.press(who, where, rowButton(row, na ? '不適用' : '完成')))[0];
      if (f) await t.client.submit(who, where, f.formId, fillItemForm(f, na ? '本案未涉及' : '已處理並留存紀錄'));
    }
    expect(await prisma().checklistItem.count({ where: { incidentId: (await incidentByRef(refC)).id, state: 'open' } })).toBe(0);

    await t.client.press('demo-principal', 'demo-response', close);
    const closed = await incidentByRef(refC);
    expect(closed.status).toBe('closed');
    expect(closed.closedAt).not.toBeNull();
    const final = await cardOf(t.client, 'demo-window', 'demo-response', 'incident', refC);
    expect(final.subtitle).toContain('已結案');
    expect(final.tone).toBe('success');
    const listed = cards(await t.client.say('demo-window', 'demo-response', '事件'))[0]!;
    expect(rowsOf(listed).map((r) => r.text.slice(0, 7))).not.toContain(refC);
    // A closed incident's checklist cannot be changed.
    const ticked = rowsOf(await cardOf(t.client, 'demo-window', 'demo-response', 'checklist', refC))[0]!;
    expect(texts(await t.client.press('demo-window', 'demo-response', rowButton(ticked, '重新開啟')))).toEqual([
      `事件 ${refC} 已結案，不能再變更檢核項目。`,
    ]);
  });

  // ------------------------------------------------------------------ intake validation

  it('intake problems come back in zh-TW with the form re-sent as typed; cancelling creates no incident', async () => {
    const incidents = await prisma().incident.count();
    const form = forms(await t.client.say('demo-teacher', 'dm:demo-teacher', '通報'))[0]!;
    const typed = {
      scenario: 'lost-media',
      howLeaked: '裝有學生名冊的隨身碟遺失',
      occurredAt: '前幾天吧',
      awareAt: taipeiInput(now),
      place: '',
      categories: ['name'],
      affectedEstimate: '40',
      affectedKinds: ['students'],
      involvesSystem: 'false',
      stepsTaken: '',
    };
    const replies = await t.client.submit('demo-teacher', 'dm:demo-teacher', form.formId, typed);
    const problems = texts(replies)[0]!;
    expect(problems).toContain('還有幾個地方需要修正');
    expect(problems).toContain('看不懂「發生時間」的時間');
    expect(problems).toContain('請填寫「發生地點」。');
    expect(problems).toContain('請填寫「已做的處置」。');
    expect(problems).not.toContain('外洩經過');
    const again = forms(replies)[0]!;
    expect(again.formId).toBe(form.formId);
    const initial = Object.fromEntries(again.fields.map((f) => [f.id, f.initial]));
    expect(initial).toMatchObject({
      scenario: 'lost-media',
      howLeaked: typed.howLeaked,
      occurredAt: typed.occurredAt,
      affectedEstimate: '40',
      categories: ['name'],
    });
    expect(await prisma().incident.count()).toBe(incidents);

    const cancelled = await t.client.press('demo-teacher', 'dm:demo-teacher', again.cancelAction!);
    expect(texts(cancelled)).toEqual([T.intakeCancelled]);
    const late = await t.client.submit('demo-teacher', 'dm:demo-teacher', form.formId, {
      ...typed,
      occurredAt: taipeiInput(now),
      place: '圖書館',
      stepsTaken: '尚未處置',
    });
    expect(texts(late)).toEqual([T.promptExpired]);
    expect(await prisma().incident.count()).toBe(incidents);
    expect(await prisma().pendingPrompt.count({ where: { personId: 'demo-teacher', kind: 'intake', status: 'open' } })).toBe(0);
  });

  it('commands still work while an intake form is open', async () => {
    const form = forms(await t.client.say('demo-teacher', 'dm:demo-teacher', '通報'))[0]!;
    const summary = await t.client.say('demo-teacher', 'dm:demo-teacher', `摘要 ${refA}`);
    expect(texts(summary).join()).toContain(`【個資事件 ${refA} 摘要】`);
    const list = await t.client.say('demo-teacher', 'dm:demo-teacher', '事件');
    expect(cards(list)[0]?.title).toBe('進行中的個資事件');
    // Plain text is not taken as an answer to the form.
    expect(texts(await t.client.say('demo-teacher', 'dm:demo-teacher', '我再想想'))).toEqual([
      '請填寫上方的通報表後送出，或輸入「取消」。',
    ]);
    expect(texts(await t.client.say('demo-teacher', 'dm:demo-teacher', '取消'))).toEqual([T.intakeCancelled]);
    expect(texts(await t.client.submit('demo-teacher', 'dm:demo-teacher', form.formId, {}))).toEqual([T.promptExpired]);
  });

  // ------------------------------------------------------------------ malformed API input

  it('malformed API input is refused with a zh-TW error and an English detail; nothing is stored', async () => {
    const counts = async () =>
      Promise.all([
        prisma().localMessage.count(),
        prisma().inboundEvent.count(),
        prisma().pendingPrompt.count(),
        prisma().incident.count(),
        prisma().conversation.count(),
      ]);
    // Reminders and overdue notices of the incidents above fire in the background: wait until nothing is due.
    await settle(t);
    const before = await counts();

    const badJson = await fetch(`${t.url}/local/api/conversations/demo-staff/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"as": "demo-teacher", "text": 我寄錯信了',
    });
    const cases: [string, number, { error?: string; detail?: string }][] = [
      ['bad JSON', badJson.status, (await badJson.json()) as { error?: string; detail?: string }],
    ];
    const call = async (name: string, method: string, path: string, body?: unknown) => {
      const r = await t.client.raw(method, path, body);
      cases.push([name, r.status, r.body]);
    };
    await call('missing as', 'POST', '/local/api/conversations/demo-staff/messages', { text: '通報' });
    await call('empty text', 'POST', '/local/api/conversations/demo-staff/messages', { as: 'demo-teacher', text: '' });
    await call('values not an object', 'POST', '/local/api/conversations/dm:demo-teacher/forms', {
      as: 'demo-teacher',
      formId: 'intake:x',
      values: 'x',
    });
    await call('unknown user', 'POST', '/local/api/conversations/demo-staff/messages', { as: 'nobody', text: '通報' });
    await call('unknown conversation', 'POST', '/local/api/conversations/no-such-group/messages', { as: 'demo-teacher', text: '通報' });
    await call('unknown conversation (action)', 'POST', '/local/api/conversations/no-such-group/actions', {
      as: 'demo-teacher',
      action: 'intake:start',
    });
    await call('GET without as', 'GET', '/local/api/conversations/demo-staff/messages');
    await call('GET unknown user', 'GET', '/local/api/conversations/demo-staff/messages?as=nobody');

    expect(cases.map(([name, status]) => [name, status])).toEqual([
      ['bad JSON', 400],
      ['missing as', 400],
      ['empty text', 400],
      ['values not an object', 400],
      ['unknown user', 404],
      ['unknown conversation', 404],
      ['unknown conversation (action)', 404],
      ['GET without as', 400],
      ['GET unknown user', 404],
    ]);
    for (const [name, , body] of cases) {
      expect(body.error, name).toMatch(CJK);
      expect(body.detail, name).toMatch(ENGLISH);
    }
    expect(cases.find(([n]) => n === 'missing as')![2].detail).toContain('as');
    expect(cases.find(([n]) => n === 'unknown user')![2]).toEqual({ error: '找不到這位使用者。', detail: 'unknown user "nobody"' });
    expect(cases.find(([n]) => n === 'unknown conversation')![2]).toEqual({
      error: '找不到這個對話。',
      detail: 'unknown conversation "no-such-group"',
    });
    expect(await counts()).toEqual(before);
  });
});
