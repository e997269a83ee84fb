import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import { cards, texts as localTexts } from '../helpers/local-client.js';
import { fieldFromIntake } from '../../src/core/conversation/render.js';
import { T } from '../../src/core/conversation/texts.js';
import { WebFormLinks } from '../../src/core/conversation/web-form.js';
import { ev } from '../fakes/line/events.js';
import { Visit, readingsOf } from '../helpers/web-visit.js';
import { flexes, lineGroupId, seedLineIdentities, startLineTestApp, texts, uid, uris, type LineTestApp } from '../fakes/line/harness.js';

/**
 * Issue #18 point 5 over HTTP, through the fake LINE platform: a report LINE asks step by step offers 「在網頁填寫」; the
 * page (the same fields as the chat) files it through the chat's own last step; the link is used once, bound to its
 * person and question, and the chat's questions end.
 */
describe('web forms from chat (LINE)', () => {
  let h: LineTestApp;
  const team = lineGroupId('webform-response');
  const teacher = { user: uid('demo-teacher') };
  const window_ = { user: uid('demo-window') };
  let link = '';

  beforeAll(async () => {
    h = await startLineTestApp();
    await seedLineIdentities(h.t.app.db.prisma, ['demo-teacher', 'demo-window', 'demo-principal']);
    h.fake.friends.set(teacher.user, '王老師');
    h.fake.friends.set(window_.user, '李組長');
    h.fake.groups.set(team, '個資應變小組');
    await h.send([ev.join(team, h.fake.issueReplyToken(team))]);
    await h.say({ group: team }, 'demo-principal', '綁定群組 應變小組');
  });
  afterAll(async () => {
    await h?.close();
  });

  /** The answers of the whole report as the page posts them. */
  function answers(over: Record<string, string | string[]> = {}): URLSearchParams {
    const lib = h.t.app.deps.playbooks;
    const fields = lib.intake.map((f) => fieldFromIntake(f, lib));
    const scenario = fields.find((f) => f.id === 'scenario')!.options![0]!.value;
    const categories = fields
      .find((f) => f.id === 'categories')!
      .options!.slice(0, 2)
      .map((o) => o.value);
    const kinds = fields.find((f) => f.id === 'affectedKinds')!.options![0]!.value;
    const base: Record<string, string | string[]> = {
      scenario,
      howLeaked: '成績單誤寄給全班家長',
      occurredAt: '昨天下午3點左右',
      awareAt: '現在',
      place: '教務處',
      categories,
      affectedEstimate: '約30人',
      affectedKinds: kinds,
      involvesSystem: 'false',
      stepsTaken: '已請家長刪除，聯絡人 A123456789',
      ...over,
    };
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(base)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
    return p;
  }

  it('a report asked step by step offers the page: a one-time link on a button, not in the notification text', async () => {
    const out = await h.say(teacher, 'demo-teacher', '通報');
    const card = flexes(out).find((d) => uris(d.message).some((u) => u.label === '在網頁填寫'))!;
    expect(card).toBeTruthy();
    link = uris(card.message).find((u) => u.label === '在網頁填寫')!.uri;
    expect(link).toMatch(new RegExp(`^${h.t.url}/console/form/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$`));
    expect(String(card.message.altText)).not.toContain('/console/');
    // The first question follows: the chat still works.
    expect(texts(out).at(-1)).toMatch(/^（1\/\d+）/);
    // Typed 「網頁填寫」, a new link; the question is asked again.
    const again = await h.say(teacher, 'demo-teacher', '網頁填寫');
    const second = flexes(again)
      .flatMap((d) => uris(d.message))
      .find((u) => u.label === '在網頁填寫')!;
    expect(second.uri).not.toBe(link);
    expect(texts(again).at(-1)).toMatch(/^（1\/\d+）/);
  });

  it('the page shows the same form: every field labelled, choices in fieldsets, the chat default of 知悉時間', async () => {
    const v = new Visit(link);
    const page = await v.get();
    expect(page.status).toBe(200);
    for (const f of h.t.app.deps.playbooks.intake) expect(page.html).toContain(f.label);
    expect(page.html).toContain('<fieldset id="f-scenario"');
    expect(page.html).toContain('<legend>');
    expect(page.html).toMatch(/name="_read_awareAt"/);
    expect(v.csrf).toBeTruthy();
  });

  it('without the CSRF token nothing is filed; errors stand next to their fields with focus on the first', async () => {
    const v = new Visit(link);
    await v.get();
    expect((await v.post(answers(), { csrf: false })).status).toBe(403);
    const bad = await v.post(answers({ place: '', occurredAt: '看不懂的時間' }));
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('id="f-occurredAt-error"');
    expect(bad.html).toContain('id="f-place-error"');
    expect(bad.html).toMatch(/id="f-occurredAt"[^>]*aria-invalid="true"[^>]*autofocus/);
    expect(bad.html).toContain('href="#f-occurredAt"');
    expect(await h.t.app.db.prisma.incident.count()).toBe(0);
  });

  it('「昨天下午3點左右」 is read by the chat reader and shown before filing; then filed, the chat continues and is not asked again', async () => {
    const v = new Visit(link);
    await v.get();
    const first = await v.post(answers());
    expect(first.status).toBe(200);
    expect(first.html).toMatch(/讀作：<strong>\d+\/\d+（.）15:00 左右<\/strong>/);
    expect(first.html).toContain('請確認下方「讀作」的時間');
    // The pasted ID number is already masked in what the page shows back.
    expect(first.html).not.toContain('A123456789');
    expect(await h.t.app.db.prisma.incident.count()).toBe(0);
    const before = h.fake.delivered.length;
    const form = answers();
    for (const [k, val] of readingsOf(first.html)) form.set(k, val);
    const done = await v.post(form);
    expect(done.status).toBe(200);
    expect(done.html).toContain('通報已送出');
    const incident = await h.t.app.db.prisma.incident.findFirstOrThrow();
    expect(done.html).toContain(incident.ref);
    expect(done.html).toContain('遮蔽');
    await h.t.app.line!.idle();
    const chat = h.fake.delivered.slice(before);
    const mine = texts(chat.filter((d) => d.chatId === teacher.user));
    expect(mine[0]).toBe(T.webFormFiled);
    expect(mine.join('\n')).toContain(incident.ref);
    expect(mine.join('\n')).toContain('左右');
    // The incident card is in the response group.
    expect(flexes(h.fake.messagesIn(team)).some((d) => String(d.message.altText).includes(incident.ref))).toBe(true);
    // The question in chat is closed: a text now is not taken as an answer.
    const prompt = await h.t.app.db.prisma.pendingPrompt.findFirstOrThrow({ where: { personId: 'demo-teacher', kind: 'intake' } });
    expect(prompt.status).toBe('done');
  });

  it('the link used again, or the other link of the same question, is refused with a clear page', async () => {
    const used = await new Visit(link).get();
    expect(used.status).toBe(410);
    expect(used.html).toContain('連結已使用過');
    const v = new Visit(link);
    expect((await v.post(answers())).status).toBe(403); // no CSRF cookie from a refused page
    expect(await h.t.app.db.prisma.incident.count()).toBe(1);
  });

  it("another person's question cannot be reached with a link, and a link only opens its own person's question", async () => {
    const out = await h.say(window_, 'demo-window', '通報');
    const own = flexes(out)
      .flatMap((d) => uris(d.message))
      .find((u) => u.label === '在網頁填寫')!.uri;
    const prompt = await h.t.app.db.prisma.pendingPrompt.findFirstOrThrow({ where: { personId: 'demo-window', status: 'open' } });
    // A link signed for the teacher naming the contact window's question (as a leaked key could make): refused.
    const forged = h.t.app.bot.webForms as unknown as { links: { sign(p: string, c: string, q: string): { token: string } } };
    const token = forged.links.sign('demo-teacher', prompt.conversationId, prompt.id).token;
    const other = await new Visit(`${h.t.url}/console/form/${token}`).get();
    expect(other.status).toBe(410);
    expect(other.html).toContain('這份表單已結束');
    expect((await new Visit(own).get()).status).toBe(200);
    // A tampered link: refused.
    const tampered = await new Visit(`${own.slice(0, -2)}AA`).get();
    expect(tampered.status).toBe(403);
    expect(tampered.html).toContain('連結無效');
    // Expired (made 31 minutes ago): a clear refusal; the chat's question is still open.
    const old = new WebFormLinks({ cipher: h.t.app.deps.cipher, now: () => new Date(Date.now() - 31 * 60_000) });
    const expired = await new Visit(`${h.t.url}/console/form/${old.sign('demo-window', prompt.conversationId, prompt.id).token}`).get();
    expect(expired.status).toBe(403);
    expect(expired.html).toContain('連結已過期');
    expect(expired.html).toContain('網頁填寫');
    expect((await h.t.app.db.prisma.pendingPrompt.findUniqueOrThrow({ where: { id: prompt.id } })).status).toBe('open');
    // Cancelled in chat: the link opens nothing, nothing lost in chat.
    await h.say(window_, 'demo-window', '取消');
    const closed = await new Visit(own).get();
    expect(closed.status).toBe(410);
  });

  it('asked in the response group itself (no private chat with the principal), no link is posted there', async () => {
    const out = await h.say({ group: team }, 'demo-principal', '通報');
    expect(texts(out.filter((d) => d.chatId === team)).at(-1)).toMatch(/^（1\/\d+）/);
    expect(out.flatMap((d) => uris(d.message))).toEqual([]);
    await h.say({ group: team }, 'demo-principal', '取消');
  });

  it('two submits of one link at the same moment file one report; the claims are forgotten after a day', async () => {
    const out = await h.say(teacher, 'demo-teacher', '通報');
    const fresh = flexes(out)
      .flatMap((d) => uris(d.message))
      .find((u) => u.label === '在網頁填寫')!.uri;
    const v = new Visit(fresh);
    const first = await v.post(answers()).catch(() => null);
    expect(first?.status).toBe(403); // no CSRF cookie yet
    const page = await v.get();
    const form = answers({ occurredAt: '115/12/01 09:00' });
    for (const [k, val] of readingsOf(page.html)) form.set(k, val);
    // The reading of 發生時間 is new on this page: shown first (both posts see the same page).
    const shown = await v.post(form);
    for (const [k, val] of readingsOf(shown.html)) form.set(k, val);
    const before = await h.t.app.db.prisma.incident.count();
    const results = await Promise.all([v.post(form), v.post(form)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 410]);
    expect(await h.t.app.db.prisma.incident.count()).toBe(before + 1);
    const repo = h.t.app.deps.repos.webForms;
    expect(await repo.forget(new Date(Date.now() - 86_400_000))).toBe(0);
    expect(await repo.forget(new Date(Date.now() + 1000))).toBe(2);
  });
});

describe('web forms on the demo page (LOCAL_CHAT_FORMS=steps: the local chat asks as LINE does)', () => {
  it('「通報」 asks step by step and offers 「在網頁填寫」, whose page opens', async () => {
    const t = await startTestApp({ env: { LOCAL_CHAT_FORMS: 'steps' } });
    try {
      const out = await t.client.say('demo-teacher', 'dm:demo-teacher', '通報');
      const card = cards(out).find((c) => c.title === '也可以在網頁填寫')!;
      const url = card.buttons!.find((b) => b.label === '在網頁填寫')!.url!;
      expect(url).toContain('/console/form/');
      expect(localTexts(out).at(-1)).toMatch(/^（1\/\d+）/);
      expect((await fetch(url)).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
