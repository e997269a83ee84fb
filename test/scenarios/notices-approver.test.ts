import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Card } from '../../src/ports/chat-model.js';
import { readTimeline } from '../../src/core/timeline/timeline.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { cards, forms, texts } from '../helpers/local-client.js';
import { misdirectedValues, reportThroughOffer } from '../helpers/scenario.js';

/**
 * A notice the principal drafted (issue #13): the principal may not approve their own text, and with no other 管理人
 * nobody could; the roster's acting approver (代理人) approves it instead. The approved notice carries the school's
 * telephone and e-mail from the school record, unmasked, also after a revision that typed the number another way.
 * The tests run in order and build on each other.
 */

const PRINCIPAL = 'demo-principal';
const WINDOW = 'demo-window';
const DEPUTY = 'demo-deputy';
const PHONE = '(02)2700-0000 分機 100（示範）';
const EMAIL = 'privacy@demo-school.example';

describe('a notice the principal drafted, approved by the acting approver', () => {
  let t: TestApp;
  const prisma = () => t.app.db.prisma;
  const now = new Date();
  let ref = '';
  let incidentId = '';
  let noticeId = '';
  const dm = (who: string) => `dm:${who}`;
  const status = async () => (await prisma().subjectNotice.findUniqueOrThrow({ where: { id: noticeId } })).status;
  const reviewCards = async (as: string): Promise<Card[]> =>
    cards(await t.client.messages(as, dm(as))).filter((c) => c.key === `notice-review:${noticeId}`);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("the principal drafts the notice: it shows the school's phone and e-mail", async () => {
    const r = await reportThroughOffer(t.client, {
      phrase: '我寄錯信了，成績單寄給全班家長',
      values: misdirectedValues(now),
    });
    ref = r.ref;
    incidentId = (await prisma().incident.findFirstOrThrow({ where: { ref } })).id;
    const created = await t.client.press(PRINCIPAL, dm(PRINCIPAL), `ntc:new:${incidentId}:guardians`);
    const card = cards(created).find((c) => c.key?.startsWith('notice:'))!;
    noticeId = card.key!.slice('notice:'.length);
    const body = card.sections[0]!.text!;
    expect(body).toContain(`電話 ${PHONE}，電子郵件 ${EMAIL}`);
    // 「尚未處置」 typed at intake never reaches the people affected.
    expect(body).not.toContain('尚未處置');
    expect(body).toMatch(/本校已啟動個資事件應變程序，正在[^。]+。/);
  });

  it('without an acting approver the principal is told what to do, and nothing is submitted', async () => {
    const replies = await t.client.press(PRINCIPAL, dm(PRINCIPAL), `ntc:submit:${noticeId}`);
    const said = texts(replies);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^找不到可以核定的管理人：這份通知稿由您撰寫或修改過，不能由您自己核定/);
    expect(said[0]).toContain('角色「代理人」');
    expect(said[0]).toContain('npm run people -- import');
    expect(await status()).toBe('draft');
    // The drafter cannot approve by pressing the action either.
    const own = await t.client.press(PRINCIPAL, dm(PRINCIPAL), `ntc:ok:${noticeId}:1`);
    expect(texts(own)).toEqual(['您撰寫或修改過這份通知稿，不能核定自己的稿件；請由其他管理人或代理人核定。']);
  });

  it("a revision keeps the school's numbers as they are and masks other people's", async () => {
    await prisma().person.create({
      data: { id: DEPUTY, schoolId: 'demo-school', displayName: '吳副校長（示範）', unit: '校長室', roles: ['staff', 'actingApprover'] },
    });
    await prisma().identity.create({
      data: { id: `local-${DEPUTY}`, personId: DEPUTY, platform: 'local', externalId: DEPUTY, displayName: '吳副校長（示範）' },
    });
    await prisma().conversation.create({
      data: {
        id: `local-dm-${DEPUTY}`,
        platform: 'local',
        externalId: dm(DEPUTY),
        kind: 'direct',
        purpose: 'direct',
        schoolId: 'demo-school',
      },
    });

    const form = forms(await t.client.press(PRINCIPAL, dm(PRINCIPAL), `ntc:edit:${noticeId}`))[0]!;
    const text = `${form.fields[0]!.initial as string}\n也可直撥 02-2700-0000 或寫信到 ${EMAIL.toUpperCase()}，勿回覆 0912-345-678 的簡訊。`;
    const saved = await t.client.submit(PRINCIPAL, dm(PRINCIPAL), form.formId, { text });
    expect(texts(saved)).toContain('已儲存為第2版。修改完成後請按「送校長核定」。');
    const version = await prisma().subjectNotice.findUniqueOrThrow({ where: { id: noticeId } });
    expect(version.currentVersion).toBe(2);
  });

  it('submitted again, it goes to the acting approver, who approves it', async () => {
    const replies = await t.client.press(PRINCIPAL, dm(PRINCIPAL), `ntc:submit:${noticeId}`);
    expect(texts(replies)).toContain(
      '已將「未成年學生的家長（法定代理人）」通知稿送代理人核定（1 位；撰稿的管理人不能核定自己的稿件）。核定後才能開始通知。',
    );
    expect(await status()).toBe('submitted');
    const review = (await reviewCards(DEPUTY)).at(-1)!;
    expect(review.subtitle).toBe(`事件 ${ref}｜第2版｜撰稿：陳校長（示範）`);
    const approve = review.buttons!.find((b) => b.label === '核定')!.action;
    // Still never the drafter, even with the acting approver's card in hand.
    expect(texts(await t.client.press(PRINCIPAL, dm(PRINCIPAL), approve))).toEqual([
      '您撰寫或修改過這份通知稿，不能核定自己的稿件；請由其他管理人或代理人核定。',
    ]);
    // Nor the contact window, who holds no approving role.
    expect(texts(await t.client.press(WINDOW, dm(WINDOW), approve))).toEqual([
      '只有管理人（校長）或名冊指定的代理人可以核定或退回通知稿。',
    ]);
    await t.client.press(DEPUTY, dm(DEPUTY), approve);
    expect(await status()).toBe('approved');
    const timeline = await readTimeline(t.app.deps, incidentId);
    const approved = timeline.find((e) => e.type === 'notice.approved')!;
    expect(approved.actorId).toBe(DEPUTY);
  });

  it("the approved notice carries the school's phone and e-mail unmasked", async () => {
    const view = await t.client.press(WINDOW, 'demo-response', `ntc:show:${noticeId}`);
    const card = cards(view).find((c) => c.key === `notice:${noticeId}`)!;
    expect(card.subtitle).toBe('第2版｜已核定｜撰稿：陳校長（示範）');
    const body = card.sections[0]!.text!;
    expect(body).toContain(`電話 ${PHONE}，電子郵件 ${EMAIL}`);
    expect(body).toContain('也可直撥 02-2700-0000 或寫信到 PRIVACY@DEMO-SCHOOL.EXAMPLE');
    expect(body).not.toContain('0912-345-678');
    expect(body).toContain('［電話號碼已遮蔽］');
  });

  it('when a principal can decide, the request goes to the principal, not to the acting approver', async () => {
    const created = await t.client.press(WINDOW, 'demo-response', `ntc:new:${incidentId}:staff`);
    noticeId = cards(created)
      .find((c) => c.key?.startsWith('notice:'))!
      .key!.slice('notice:'.length);
    const replies = await t.client.press(WINDOW, 'demo-response', `ntc:submit:${noticeId}`);
    expect(texts(replies)).toContain('已將「教職員」通知稿送管理人（校長）核定（1 位）。核定後才能開始通知。');
    expect(await reviewCards(PRINCIPAL)).toHaveLength(1);
    expect(await reviewCards(DEPUTY)).toHaveLength(0);
  });

  it('the principal is away: the drafter sends it to the acting approver, who decides', async () => {
    const card = cards(await t.client.messages(WINDOW, 'demo-response'))
      .filter((c) => c.key === `notice:${noticeId}`)
      .at(-1)!;
    expect(card.buttons!.map((b) => b.label)).toEqual(['修改內容', '改送代理人核定']);
    const replies = await t.client.press(WINDOW, 'demo-response', card.buttons![1]!.action);
    expect(texts(replies)).toContain('已將「教職員」通知稿送代理人核定（1 位；管理人不在時由代理人核定）。核定後才能開始通知。');
    const review = (await reviewCards(DEPUTY)).at(-1)!;
    await t.client.press(DEPUTY, dm(DEPUTY), review.buttons!.find((b) => b.label === '核定')!.action);
    expect(await status()).toBe('approved');
    // Decided once: the principal's card no longer offers a decision.
    expect(texts(await t.client.press(PRINCIPAL, dm(PRINCIPAL), `ntc:ok:${noticeId}:1`))).toEqual([
      '這份通知稿目前為「已核定」，不需要再核定。',
    ]);
    // Only a submitted notice goes to the acting approver.
    expect(texts(await t.client.press(WINDOW, 'demo-response', `ntc:acting:${noticeId}`))).toEqual([
      '這份通知稿目前不是「待核定」，請先按「送校長核定」。',
    ]);
  });
});
