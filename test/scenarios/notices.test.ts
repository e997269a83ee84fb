import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Card } from '../../src/ports/chat-model.js';
import { readTimeline, verifyIncidentTimeline } from '../../src/core/timeline/timeline.js';
import { formatRocDate } from '../../src/core/time/roc.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { cards, forms, texts } from '../helpers/local-client.js';
import { reportThroughOffer, taipeiInput } from '../helpers/scenario.js';

/**
 * Notices to the affected people through the local chat (issue #7): report → draft from the template → sent to the
 * principal → sent back with a comment → revised → approved by a principal who wrote no version → delivery batch.
 * Refusals on the way: approval by the contact window, by a principal who revised the text, a delivery before approval.
 * The tests run in order and build on each other.
 */

const HOUR = 3600_000;
const WINDOW = 'demo-window';
const PRINCIPAL = 'demo-principal';
const VICE = 'demo-vice';
const GROUP = 'demo-response';

describe('notices to affected people, approval and delivery', () => {
  let t: TestApp;
  const prisma = () => t.app.db.prisma;
  const now = new Date();
  const awareAt = new Date(now.getTime() - HOUR);
  const howLeaked = '段考成績單誤寄到七年三班家長群組';
  let ref = '';
  let incidentId = '';
  let noticeId = '';

  const noticeCards = async (as: string, conv: string): Promise<Card[]> =>
    cards(await t.client.messages(as, conv)).filter((c) => c.key === `notice:${noticeId}`);
  const latestNotice = async (as: string, conv: string) => {
    const all = await noticeCards(as, conv);
    expect(all.length, `a notice card in ${conv}`).toBeGreaterThan(0);
    return all[all.length - 1]!;
  };
  const reviewCards = async (as: string) =>
    cards(await t.client.messages(as, `dm:${as}`)).filter((c) => c.key === `notice-review:${noticeId}`);
  const button = (card: Card, label: string) => {
    const b = card.buttons?.find((x) => x.label === label);
    expect(b, `button ${label} on ${card.title}; has ${card.buttons?.map((x) => x.label).join(',')}`).toBeTruthy();
    return b!.action;
  };
  const status = async () => (await prisma().subjectNotice.findUniqueOrThrow({ where: { id: noticeId } })).status;

  beforeAll(async () => {
    t = await startTestApp();
    // A second 管理人 (an appointed deputy): the one who approves when the principal has edited the text.
    await prisma().person.create({
      data: { id: VICE, schoolId: 'demo-school', displayName: '吳副校長（示範）', unit: '校長室', roles: ['principal'] },
    });
    await prisma().identity.create({
      data: { id: `local-${VICE}`, personId: VICE, platform: 'local', externalId: VICE, displayName: '吳副校長（示範）' },
    });
    await prisma().conversation.create({
      data: {
        id: `local-dm-${VICE}`,
        platform: 'local',
        externalId: `dm:${VICE}`,
        kind: 'direct',
        purpose: 'direct',
        schoolId: 'demo-school',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a report opens the incident', async () => {
    const r = await reportThroughOffer(t.client, {
      phrase: '我寄錯信了，成績單寄給全班家長',
      values: {
        scenario: 'misdirected-message',
        howLeaked,
        occurredAt: taipeiInput(new Date(now.getTime() - 3 * HOUR)),
        awareAt: taipeiInput(awareAt),
        place: '教務處',
        categories: ['name', 'grades'],
        affectedEstimate: '32',
        affectedKinds: ['students', 'guardians'],
        involvesSystem: 'false',
        stepsTaken: '已請家長刪除訊息',
      },
    });
    ref = r.ref;
    incidentId = (await prisma().incident.findFirstOrThrow({ where: { ref } })).id;
  });

  it('「通知」 in the staff group moves to a private chat; the overview offers a draft per audience', async () => {
    const staff = await t.client.say(WINDOW, 'demo-staff', `通知 ${ref}`);
    expect(texts(staff.filter((m) => m.conversationId === 'demo-staff')).join()).toContain('只在應變小組群組或私訊中顯示');
    expect(cards(staff.filter((m) => m.conversationId === 'demo-staff'))).toHaveLength(0);

    const replies = await t.client.say(WINDOW, GROUP, `通知 ${ref}`);
    const overview = cards(replies, 'notices')[0]!;
    expect(overview.title).toBe(`通知當事人｜${ref}`);
    const rows = overview.sections.flatMap((s) => s.rows ?? []);
    expect(rows.map((r) => r.text)).toEqual([
      '未成年學生的家長（法定代理人）（依影響評估建議）',
      '已滿18歲的學生本人',
      '教職員',
      '其他當事人',
    ]);
    const create = rows[0]!.buttons!.find((b) => b.label === '建立')!.action;
    const created = await t.client.press(WINDOW, GROUP, create);
    const card = cards(created).find((c) => c.key?.startsWith('notice:'))!;
    noticeId = card.key!.slice('notice:'.length);
    expect(card.subtitle).toBe('第1版｜草稿｜撰稿：李組長（示範）');
    const body = card.sections[0]!.text!;
    // §3.3: the facts and the measures taken, what to do, where to ask, compensation; ROC dates; plain zh-TW.
    expect(body).toContain('示範國民中學（示範） 個人資料事件通知（致家長）');
    expect(body).toContain(`本校於${formatRocDate(awareAt)}發現一起與您孩子有關的個人資料事件`);
    // The facts come from structured fields (the scenario in plain words, the categories, the count), never from the
    // reporter's typed 外洩經過; the day it happened is named once, only when it differs from the day it was found.
    expect(body).not.toContain(howLeaked);
    expect(body).toContain('：含個資的電子郵件、LINE 或其他通訊軟體訊息寄給了不該收到的人。');
    expect(body.match(/中華民國\d+年\d+月\d+日/g)!.length).toBe(
      formatRocDate(awareAt) === formatRocDate(new Date(now.getTime() - 3 * HOUR)) ? 2 : 3,
    );
    expect(body).toContain('可能涉及的資料類別有：姓名、成績');
    // The measures come from the checklist, not from the reporter's note (「已請家長刪除訊息」 is theirs): nothing is
    // ticked yet, so the notice says the response has started and what is under way.
    expect(body).not.toContain('已請家長刪除訊息');
    expect(body).toContain('本校已啟動個資事件應變程序，正在查明事件並處理中。');
    // The inquiry channel: the school's telephone and e-mail from its record (src/app/demo.ts), unmasked.
    expect(body).toContain('電話 (02)2700-0000 分機 100（示範），電子郵件 privacy@demo-school.example');
    expect(body).toContain('165反詐騙專線');
    expect(body).toContain('本校註冊組（個資聯絡窗口 李組長（示範））');
    expect(body).toContain('請求賠償');
    expect(body).toContain(`示範國民中學（示範） 敬啟　${formatRocDate(now)}`);
    expect(body).not.toMatch(/\{\{|\}\}/);
    expect(card.buttons!.map((b) => b.label)).toEqual(['修改內容', '送校長核定']);
  });

  it('nothing can be recorded as sent before approval', async () => {
    const refused = await t.client.press(WINDOW, GROUP, `ntc:batch:${noticeId}`);
    expect(texts(refused)).toEqual(['這份通知尚未經管理人（校長）核定，不能登記為已通知。請先送核。']);
    // Not through the form either, which goes straight to the service.
    const form = await t.client.submit(WINDOW, GROUP, `ntc:${noticeId}:batch`, { channel: 'letter', total: '32', notified: '32' });
    expect(texts(form)).toEqual(['這份通知尚未經管理人（校長）核定，不能登記為已通知。請先送核。']);
    expect(await prisma().subjectNoticeBatch.count()).toBe(0);
  });

  it('sent to the principals privately with a readable preview; the contact window cannot approve', async () => {
    await prisma().person.update({ where: { id: VICE }, data: { active: false } });
    const card = await latestNotice(WINDOW, GROUP);
    const replies = await t.client.press(WINDOW, GROUP, button(card, '送校長核定'));
    expect(texts(replies)).toContain('已將「未成年學生的家長（法定代理人）」通知稿送管理人（校長）核定（1 位）。核定後才能開始通知。');
    expect(await status()).toBe('submitted');
    const review = (await reviewCards(PRINCIPAL))[0]!;
    expect(review.title).toBe('請核定：通知稿｜未成年學生的家長（法定代理人）');
    expect(review.sections[0]!.text).toBe(card.sections[0]!.text);
    expect(review.buttons!.map((b) => b.label)).toEqual(['核定', '退回修改']);
    expect(await reviewCards(VICE)).toHaveLength(0);
    await prisma().person.update({ where: { id: VICE }, data: { active: true } });

    const refused = await t.client.press(WINDOW, GROUP, button(review, '核定'));
    // Since the roster can name an acting approver (代理人), the refusal names both who may decide.
    expect(texts(refused)).toEqual(['只有管理人（校長）或名冊指定的代理人可以核定或退回通知稿。']);
    const refusedBack = await t.client.press(WINDOW, GROUP, button(review, '退回修改'));
    expect(texts(refusedBack)).toEqual(['只有管理人（校長）或名冊指定的代理人可以核定或退回通知稿。']);
    expect(await status()).toBe('submitted');
  });

  it('the principal sends it back with a comment (required); the card shows the outcome instead of buttons', async () => {
    const review = (await reviewCards(PRINCIPAL))[0]!;
    const ask = await t.client.press(PRINCIPAL, `dm:${PRINCIPAL}`, button(review, '退回修改'));
    const form = forms(ask)[0]!;
    expect(form.fields.map((f) => [f.id, f.type, f.required])).toEqual([['comment', 'textarea', true]]);
    const empty = await t.client.submit(PRINCIPAL, `dm:${PRINCIPAL}`, form.formId, { comment: '  ' });
    expect(texts(empty)).toEqual(['退回時請寫下修改意見。']);
    expect(await status()).toBe('submitted');

    const comment = '請補上學校可以打電話詢問的時間，語氣再和緩一些。';
    await t.client.submit(PRINCIPAL, `dm:${PRINCIPAL}`, form.formId, { comment });
    expect(await status()).toBe('returned');
    const after = await reviewCards(PRINCIPAL);
    expect(after).toHaveLength(1);
    expect(after[0]!.buttons ?? []).toEqual([]);
    expect(after[0]!.sections.map((s) => s.text).join('\n')).toContain(`已由 陳校長（示範） 於`);
    expect(after[0]!.sections.map((s) => s.text).join('\n')).toContain(`意見：${comment}`);

    const dm = await t.client.messages(WINDOW, `dm:${WINDOW}`);
    expect(texts(dm)).toContain(`「未成年學生的家長（法定代理人）」通知稿被 陳校長（示範） 退回修改。\n意見：${comment}`);
    const inGroup = await latestNotice(WINDOW, GROUP);
    expect(inGroup.subtitle).toBe('第1版｜已退回修改｜撰稿：李組長（示範）');
    expect(inGroup.sections[1]).toEqual({ heading: '管理人退回意見', text: `陳校長（示範）（第1版）：${comment}` });
    // The version sent back cannot go again unchanged.
    const unchanged = await t.client.press(WINDOW, GROUP, `ntc:submit:${noticeId}`);
    expect(texts(unchanged)).toEqual(['第1版已被退回，請依管理人（校長）的意見修改後再送核。']);
    expect(await status()).toBe('returned');
  });

  it('the contact window revises (a blank left in the text blocks submission) and resubmits', async () => {
    // Two steps are done meanwhile: the edit form starts from the text with the measures sentence brought up to date,
    // in the order the steps were done and in the playbook's public wording (publicText).
    for (const key of ['confirm-deletion', 'stop-leak']) {
      const item = await prisma().checklistItem.findFirstOrThrow({ where: { incidentId, key } });
      const asked = forms(await t.client.press(WINDOW, GROUP, `ck:${item.id}:d`))[0];
      if (asked) await t.client.submit(WINDOW, GROUP, asked.formId, { note: '已處理並留存紀錄' });
      expect((await prisma().checklistItem.findUniqueOrThrow({ where: { id: item.id } })).state).toBe('done');
    }
    const card = await latestNotice(WINDOW, GROUP);
    const form = forms(await t.client.press(WINDOW, GROUP, button(card, '修改內容')))[0]!;
    const field = form.fields[0]!;
    expect(field.type).toBe('textarea');
    const measures =
      '本校發現後已採取下列措施：請誤收者刪除訊息並取得刪除確認（已處理並留存紀錄）；設法收回誤寄的訊息，並請收件者刪除（已處理並留存紀錄）。';
    expect(field.initial).toBe(card.sections[0]!.text!.replace(/本校已啟動個資事件應變程序[^。]*。/, measures));
    expect(field.initial).not.toContain('本校已啟動');
    const v2 = `${field.initial as string}\n上班時間：週一至週五 8:00–16:30【請填寫：分機】`;
    const saved = await t.client.submit(WINDOW, GROUP, form.formId, { text: v2 });
    expect(texts(saved)).toContain('已儲存為第2版。修改完成後請按「送校長核定」。');
    const blocked = await t.client.press(WINDOW, GROUP, button(await latestNotice(WINDOW, GROUP), '送校長核定'));
    expect(texts(blocked)).toEqual(['通知稿還有待填寫的地方：【請填寫：分機】。請修改後再送核。']);

    // The school's switchboard on record stays in the notice (parents must be told whom to call); a parent's is masked.
    await prisma().school.update({ where: { id: 'demo-school' }, data: { contactPhone: '(02)2345-6789 分機 123' } });
    const form3 = forms(await t.client.press(WINDOW, GROUP, button(await latestNotice(WINDOW, GROUP), '修改內容')))[0]!;
    const v3text = v2.replace('【請填寫：分機】', '，請撥學校總機轉註冊組。電話 02-2345-6789 轉 123（已聯絡家長 0912-345-678）');
    await t.client.submit(WINDOW, GROUP, form3.formId, { text: v3text });
    const v3 = await latestNotice(WINDOW, GROUP);
    expect(v3.subtitle).toBe('第3版｜草稿｜撰稿：李組長（示範）');
    await t.client.press(WINDOW, GROUP, button(v3, '送校長核定'));
    const reviews = await reviewCards(PRINCIPAL);
    const latest = reviews[reviews.length - 1]!;
    expect(latest.subtitle).toBe(`事件 ${ref}｜第3版｜撰稿：李組長（示範）`);
    expect(latest.sections[0]!.text).toContain('請撥學校總機轉註冊組。');
    expect(latest.sections[0]!.text).toContain('本校發現後已採取下列措施：請誤收者刪除訊息並取得刪除確認（已處理並留存紀錄）；');
    expect(latest.sections[0]!.text).toContain('privacy@demo-school.example');
    expect(latest.sections[0]!.text).toContain('電話 02-2345-6789 轉 123（已聯絡家長 ［電話號碼已遮蔽］）');
  });

  it('a principal who revised the text cannot approve it; another 管理人 does', async () => {
    const reviews = await reviewCards(PRINCIPAL);
    const v3Review = reviews[reviews.length - 1]!;
    const form = forms(await t.client.press(PRINCIPAL, `dm:${PRINCIPAL}`, `ntc:edit:${noticeId}`))[0]!;
    await t.client.submit(PRINCIPAL, `dm:${PRINCIPAL}`, form.formId, { text: `${form.fields[0]!.initial as string}\n再次向您致歉。` });
    expect(await status()).toBe('draft');
    // The v3 request card no longer offers a decision.
    const stale = (await reviewCards(PRINCIPAL)).at(-1)!;
    expect(stale.buttons ?? []).toEqual([]);
    expect(stale.sections[0]!.text).toContain('這一版不需要核定');
    const stalePress = await t.client.press(PRINCIPAL, `dm:${PRINCIPAL}`, button(v3Review, '核定'));
    expect(texts(stalePress)).toEqual(['您撰寫或修改過這份通知稿，不能核定自己的稿件；請由其他管理人或代理人核定。']);

    const submitted = await t.client.press(PRINCIPAL, `dm:${PRINCIPAL}`, `ntc:submit:${noticeId}`);
    expect(texts(submitted)).toContain('已將「未成年學生的家長（法定代理人）」通知稿送管理人（校長）核定（1 位）。核定後才能開始通知。');
    const own = await t.client.press(PRINCIPAL, `dm:${PRINCIPAL}`, `ntc:ok:${noticeId}:4`);
    expect(texts(own)).toEqual(['您撰寫或修改過這份通知稿，不能核定自己的稿件；請由其他管理人或代理人核定。']);
    expect(await status()).toBe('submitted');

    const viceCard = (await reviewCards(VICE)).at(-1)!;
    expect(viceCard.subtitle).toBe(`事件 ${ref}｜第4版｜撰稿：陳校長（示範）`);
    await t.client.press(VICE, `dm:${VICE}`, button(viceCard, '核定'));
    expect(await status()).toBe('approved');
    const decided = (await reviewCards(VICE)).at(-1)!;
    expect(decided.buttons ?? []).toEqual([]);
    expect(decided.sections.at(-1)!.text).toMatch(/^✓ 已由 吳副校長（示範） 於 中華民國\d+年\d+月\d+日 \d\d:\d\d 核定$/);
    const again = await t.client.press(VICE, `dm:${VICE}`, button(viceCard, '核定'));
    expect(texts(again)).toEqual(['這份通知稿目前為「已核定」，不需要再核定。']);
  });

  it('delivery batches are recorded with counts only; a public notice needs a reason', async () => {
    const card = await latestNotice(WINDOW, GROUP);
    expect(card.subtitle).toBe('第4版｜已核定｜撰稿：陳校長（示範）');
    const form = forms(await t.client.press(WINDOW, GROUP, button(card, '登記通知紀錄')))[0]!;
    expect(form.fields.map((f) => f.id)).toEqual(['channel', 'total', 'notified', 'publicReason', 'note']);
    const noReason = await t.client.submit(WINDOW, GROUP, form.formId, { channel: 'public', total: '2', notified: '2' });
    // 施行細則第22條第1項但書: a public notice only where notifying each person would cost too much (需費過鉅).
    expect(texts(noReason)[0]).toBe(
      '以公開方式（網際網路、新聞媒體等）通知時，請說明為何個別通知需費過鉅（個人資料保護法施行細則第22條第1項但書）。',
    );
    const other = await t.client.submit(WINDOW, GROUP, form.formId, { channel: 'other', total: '2', notified: '2' });
    expect(texts(other)[0]).toContain('選「其他方式」時，請在備註寫下用什麼方式讓當事人知悉');
    const means = form.fields.find((f) => f.id === 'channel')!.options!.map((o) => o.label);
    expect(means.slice(0, 8)).toEqual([
      '言詞（當面告知）',
      '書面（信件、聯絡簿）',
      '電話',
      '簡訊',
      '電子郵件',
      '傳真',
      '電子文件（校務系統、學習平台等）',
      '其他足以使當事人知悉的方式',
    ]);
    const tooMany = await t.client.submit(WINDOW, GROUP, form.formId, { channel: 'letter', total: '30', notified: '31' });
    expect(texts(tooMany)).toEqual(['已通知人數請填 0 到應通知人數之間的整數。']);

    const ok = await t.client.submit(WINDOW, GROUP, form.formId, {
      channel: 'letter',
      total: '30',
      notified: '28',
      note: '家長 0912-345-678 請假未到校',
    });
    expect(texts(ok)).toContain('已登記「未成年學生的家長（法定代理人）」的通知紀錄：累計已通知 28 / 30 人。');
    // Two parents not reached yet: completion is not offered, the person is told how many are left.
    const partial = ok.find((m) => m.body.type === 'text' && m.body.text.startsWith('通知紀錄：'))!;
    expect(partial.body.type === 'text' && partial.body.text).toContain('尚有 2 人未通知到');
    expect(partial.body.type === 'text' && partial.body.quickReplies).toBeUndefined();
    expect(texts(ok).some((x) => x.startsWith('每一份核定的通知都已登記通知紀錄'))).toBe(false);
    // The form names the batches it was sent on: sent again (a double tap, two webhooks), it records nothing.
    const again = await t.client.submit(WINDOW, GROUP, form.formId, { channel: 'phone', total: '2', notified: '2' });
    expect(texts(again)).toEqual([
      '這個登記表單開啟後，這份通知已登記了通知紀錄或有了變更（同一表單送出兩次也是如此），這次沒有登記，以免重複計算人數。要登記下一批時，請再按「登記通知紀錄」。',
    ]);
    expect(await prisma().subjectNoticeBatch.count({ where: { noticeId } })).toBe(1);
    const next = forms(await t.client.press(WINDOW, GROUP, button(await latestNotice(WINDOW, GROUP), '登記通知紀錄')))[0]!;
    // The follow-up batch reaches the two not reached before: it adds to the reached, not to the number to reach.
    const last = await t.client.submit(WINDOW, GROUP, next.formId, { channel: 'phone', total: '2', notified: '2' });
    expect(texts(last)).toContain('已登記「未成年學生的家長（法定代理人）」的通知紀錄：累計已通知 30 / 30 人。');
    const offer = last.find((m) => m.body.type === 'text' && m.body.text.startsWith('每一份核定的通知都已登記通知紀錄'))!;
    expect(offer.body.type === 'text' && offer.body.text).toContain(
      '未成年學生的家長（法定代理人）：書面（信件、聯絡簿）、電話 30 / 30 人',
    );
    const item = await prisma().checklistItem.findFirstOrThrow({ where: { incidentId, key: 'notify-subjects' } });
    expect(offer.body.type === 'text' && offer.body.quickReplies?.map((b) => b.action)).toEqual([`ck:${item.id}:d`]);
    expect(item.state).toBe('open');
    const after = await latestNotice(WINDOW, GROUP);
    const section = after.sections.find((s) => s.heading?.startsWith('通知紀錄'))!;
    expect(section.heading).toBe('通知紀錄：已通知 30 / 30 人');
    expect(section.rows!.map((r) => r.text)).toEqual(['書面（信件、聯絡簿）：28 / 30 人', '電話：2 / 2 人']);
    // The phone number typed in the note was masked before it was stored.
    expect(section.rows![0]!.detail).toContain('備註：家長 ［電話號碼已遮蔽］ 請假未到校');
    const batches = await prisma().subjectNoticeBatch.findMany({ where: { noticeId } });
    expect(batches.map((b) => [b.channel, b.version, b.recipientsNotified, b.recipientsTotal])).toEqual([
      ['letter', 4, 28, 30],
      ['phone', 4, 2, 2],
    ]);
    const edit = await t.client.press(WINDOW, GROUP, `ntc:edit:${noticeId}`);
    expect(texts(edit)).toEqual(['這份通知已開始寄送，不能再修改內容。']);
  });

  it('every version and decision is on the timeline, the chain verifies, and texts are encrypted at rest', async () => {
    const timeline = await readTimeline(t.app.deps, incidentId);
    const notices = timeline.filter((e) => e.type.startsWith('notice.'));
    expect(notices.map((e) => e.type)).toEqual([
      'notice.drafted',
      'notice.submitted',
      'notice.returned',
      'notice.revised',
      'notice.revised',
      'notice.submitted',
      'notice.revised',
      'notice.submitted',
      'notice.approved',
      'notice.delivered',
      'notice.delivered',
    ]);
    const versions = await prisma().subjectNoticeVersion.findMany({ where: { noticeId }, orderBy: { version: 'asc' } });
    expect(versions.map((v) => v.authorId)).toEqual([WINDOW, WINDOW, WINDOW, PRINCIPAL]);
    for (const v of versions) {
      expect(v.bodyEnc.startsWith('enc:')).toBe(true);
      expect(v.bodyEnc).not.toContain('家長');
    }
    const drafted = notices[0]!.detail as { text: string; version: number };
    expect(drafted.version).toBe(1);
    expect(drafted.text).not.toContain(howLeaked);
    expect((notices[2]!.detail as { comment: string }).comment).toContain('請補上學校可以打電話詢問的時間');
    expect(notices[8]!.actorId).toBe(VICE);
    expect(notices[8]!.summary).toBe('吳副校長（示範） 核定通知稿（未成年學生的家長（法定代理人））第4版');
    expect(await verifyIncidentTimeline(t.app.deps, incidentId)).toEqual({ ok: true, checked: timeline.length });
  });
});
