import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_NAME } from '../../src/core/bot-name.js';
import { MAX_TEXT_LENGTH } from '../../src/core/conversation/limits.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { forms } from '../helpers/local-client.js';
import { lineGroupId, seedLineIdentities, startLineTestApp, texts as lineTexts, uid, type LineTestApp } from '../fakes/line/harness.js';

/**
 * Empty and too-long texts (issue #12): each gets its own plain zh-TW answer naming the problem (and the limit), on
 * the local API and from the core for platform texts (a LINE text may hold 5,000 characters); nothing is stored.
 */

const EMPTY = '訊息是空白的，沒有送出。請輸入文字後再送出。';
const tooLong = (n: number) =>
  `訊息太長了：每則最多 4,000 字，這則有 ${n.toLocaleString('en-US')} 字，所以沒有處理。請分成幾則送出，或只寫重點（外洩的資料本身不用貼上）。`;

describe('local chat API: empty and too-long texts', () => {
  let t: TestApp;
  const prisma = () => t.app.db.prisma;
  const counts = () => Promise.all([prisma().localMessage.count(), prisma().inboundEvent.count(), prisma().pendingPrompt.count()]);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('an empty or blank text is refused with its own message; nothing is stored', async () => {
    const before = await counts();
    for (const text of ['', '   ', '\n\t　']) {
      const r = await t.client.raw('POST', '/local/api/conversations/dm:demo-teacher/messages', { as: 'demo-teacher', text });
      expect(r.status, JSON.stringify(text)).toBe(400);
      expect(r.body).toEqual({ error: EMPTY, detail: 'text is empty' });
    }
    expect(await counts()).toEqual(before);
  });

  it('a 10 KB text is refused naming the limit and its length; exactly 4,000 characters (emoji counted once) pass', async () => {
    const before = await counts();
    const long = '成績單誤寄'.repeat(2000); // 10,000 characters, 30 KB of UTF-8
    const r = await t.client.raw('POST', '/local/api/conversations/demo-staff/messages', { as: 'demo-teacher', text: long });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: tooLong(10_000), detail: 'text has 10000 characters; the limit is 4000' });
    const oneOver = await t.client.raw('POST', '/local/api/conversations/demo-staff/messages', {
      as: 'demo-teacher',
      text: 'a'.repeat(MAX_TEXT_LENGTH + 1),
    });
    expect(oneOver.body.error).toBe(tooLong(4001));
    expect(await counts()).toEqual(before);

    // 3,999 letters and an emoji (two UTF-16 units) are 4,000 characters as people count them.
    const atLimit = await t.client.raw('POST', '/local/api/conversations/demo-staff/messages', {
      as: 'demo-teacher',
      text: `${'a'.repeat(3999)}😀`,
    });
    expect(atLimit.status).toBe(200);
  });

  it('a body over the server limit gets a plain answer naming it, not 「格式不正確」', async () => {
    const r = await t.client.raw('POST', '/local/api/conversations/demo-staff/messages', {
      as: 'demo-teacher',
      text: 'x'.repeat(300 * 1024),
    });
    expect(r.status).toBe(413);
    expect(r.body.error).toBe('送出的內容太大了（上限 256 KB），沒有處理。請分成幾次送出，或只寫重點。');
  });

  it('a form value over the limit is refused with its own message and the form stays open', async () => {
    const form = forms(await t.client.say('demo-teacher', 'dm:demo-teacher', '通報'))[0]!;
    const r = await t.client.raw('POST', '/local/api/conversations/dm:demo-teacher/forms', {
      as: 'demo-teacher',
      formId: form.formId,
      values: { howLeaked: '誤寄'.repeat(2500) },
    });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('填寫的內容太長了：每一欄最多 4,000 字，其中一欄有 5,000 字，所以沒有送出。請精簡後再送出。');
    const prompt = await prisma().pendingPrompt.findFirstOrThrow({ where: { personId: 'demo-teacher', kind: 'intake' } });
    expect(prompt.status).toBe('open');
  });

  it("the page is told the limit and the bot's one name, which its messages carry", async () => {
    const r = await t.client.raw('GET', '/local/api/state');
    const state = r.body as unknown as { limits: { maxTextLength: number; maxUploadBytes: number }; botName: string };
    // The longest text, and the largest file the 📎 button may send (EVIDENCE_MAX_MB, 25 by default).
    expect(state.limits).toEqual({ maxTextLength: 4000, maxUploadBytes: 25 * 1024 * 1024 });
    expect(state.botName).toBe(BOT_NAME);
    const html = await (await fetch(`${t.url}/`)).text();
    expect(html).toContain(`<title>${BOT_NAME}（示範環境）</title>`);
    expect(html).not.toContain('{{botName}}');
    const replies = await t.client.say('demo-teacher', 'dm:demo-teacher', '說明');
    expect(replies.map((m) => m.sender.name)).toEqual([BOT_NAME]);
  });
});

describe('LINE: a text over the limit is answered in zh-TW by the core, not failed', () => {
  let h: LineTestApp;
  const staff = lineGroupId('limits-staff');

  beforeAll(async () => {
    h = await startLineTestApp();
    await seedLineIdentities(h.t.app.db.prisma, ['demo-teacher', 'demo-window']);
    h.fake.groups.set(staff, '示範國中 教職員');
    await h.say({ group: staff }, 'demo-window', '綁定群組 教職員群組');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('in the 1:1 chat: the limit and the length, nothing stored; the next text works', async () => {
    const before = await h.t.app.db.prisma.incident.count();
    const out = await h.say({ user: uid('demo-teacher') }, 'demo-teacher', '家長'.repeat(2400)); // 4,800 ≤ LINE's 5,000
    expect(lineTexts(out)).toEqual([tooLong(4800)]);
    expect(await h.t.app.db.prisma.incident.count()).toBe(before);
    const help = await h.say({ user: uid('demo-teacher') }, 'demo-teacher', '說明');
    expect(lineTexts(help)[0]).toContain('通報個資事件');
  });

  it('in a group: a long leak report is answered; long ordinary chatter is left alone', async () => {
    const report = `我寄錯信了，把全班成績單寄給所有家長。${'詳細經過如下。'.repeat(700)}`;
    expect(lineTexts(await h.say({ group: staff }, 'demo-teacher', report))).toEqual([tooLong([...report].length)]);
    const minutes = `本週教學會議紀錄：${'下週三第七節研習，請準時出席。'.repeat(300)}`;
    expect(await h.say({ group: staff }, 'demo-teacher', minutes)).toEqual([]);
  });
});
