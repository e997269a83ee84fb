import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T } from '../../src/core/conversation/texts.js';
import type { Actor } from '../../src/core/roles.js';
import {
  buttonsIn,
  discordUser,
  seedDiscordIdentities,
  startDiscordTestApp,
  textOf,
  type DiscordTestApp,
} from '../fakes/discord/harness.js';
import type { FakeMessage } from '../fakes/discord/platform.js';
import { flexes, seedLineIdentities, startLineTestApp, texts, uid, uris, type LineTestApp } from '../fakes/line/harness.js';
import { ev } from '../fakes/line/events.js';
import type { DeliveredMessage } from '../fakes/line/platform.js';
import { png } from '../helpers/evidence.js';
import { Visit, readingsOf } from '../helpers/web-visit.js';

const teacher: Actor = { personId: 'demo-teacher', schoolId: 'demo-school', displayName: '王老師（示範）', roles: ['staff'] };

/** A misdirected-message incident reported by the teacher (its checklist has 建立寄送前核對機制, an item with a plan form). */
function report(app: LineTestApp['t']['app'] | DiscordTestApp['t']['app']) {
  const now = Date.now();
  return app.bot.incidents.report(teacher, null, {
    scenario: 'misdirected-message',
    howLeaked: '段考成績單誤寄到家長群組',
    occurredAt: new Date(now - 5 * 3600_000),
    awareAt: new Date(now - 3600_000),
    place: '教務處',
    categories: ['name', 'grades'],
    affectedEstimate: 30,
    affectedKinds: ['students'],
    involvesSystem: false,
    stepsTaken: '已請家長刪除',
  });
}

/** The 「在網頁填寫」 link among LINE messages. */
const webLink = (out: DeliveredMessage[]): string | undefined =>
  flexes(out)
    .flatMap((d) => uris(d.message))
    .find((u) => u.label === '在網頁填寫')?.uri;

/** A form posted as the page would post it. */
function form(values: Record<string, string | string[]>, readings: [string, string][] = []): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  for (const [k, v] of readings) p.set(k, v);
  return p;
}

/**
 * Issue #18 point 5 for every form the bot asks step by step (FormSteps, steps.ts), over HTTP through the fake LINE
 * platform: the assessment asked in the contact window's 1:1 chat offers 「在網頁填寫」; the page shows the form's own
 * fields prefilled, checks each with the chat's validateField, reads times back, and submits through the chat's own
 * form submission (Bot.onForm); a refusal of the submission stands beside the field it names.
 */
describe('web forms from chat for FormSteps forms (LINE)', () => {
  let h: LineTestApp;
  const window_ = { user: uid('demo-window') };
  let ref = '';
  let incidentId = '';
  let link = '';

  beforeAll(async () => {
    h = await startLineTestApp();
    await seedLineIdentities(h.t.app.db.prisma, ['demo-window', 'demo-teacher']);
    h.fake.friends.set(window_.user, '李組長');
    const view = await report(h.t.app);
    ref = view.incident.ref;
    incidentId = view.incident.id;
  });
  afterAll(async () => {
    await h?.close();
  });

  const chatSince = async (before: number) => {
    await h.t.app.line!.idle();
    return texts(h.fake.delivered.slice(before).filter((d) => d.chatId === window_.user));
  };
  const openPrompt = () =>
    h.t.app.db.prisma.pendingPrompt.findFirst({
      where: { personId: 'demo-window', kind: 'form', status: 'open' },
      orderBy: { createdAt: 'desc' },
    });

  it('「影響評估」 asked step by step in the 1:1 chat offers the page (a link button), then the first question', async () => {
    const out = await h.say(window_, 'demo-window', `影響評估 ${ref}`);
    link = webLink(out)!;
    expect(link).toMatch(new RegExp(`^${h.t.url}/console/form/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$`));
    const card = flexes(out).find((d) => uris(d.message).length > 0)!;
    expect(String(card.message.altText)).not.toContain('/console/');
    expect(String(card.message.altText)).toContain(`影響評估｜${ref}`);
    expect(texts(out).at(-1)).toMatch(/^（1\/10）個資類別/);
    // 「網頁填寫」 typed while the form is open: a new link, and the same question again.
    const again = await h.say(window_, 'demo-window', '網頁填寫');
    expect(webLink(again)).toBeTruthy();
    expect(webLink(again)).not.toBe(link);
    expect(texts(again).at(-1)).toMatch(/^（1\/10）個資類別/);
  });

  it("the page shows the form's own fields, title and submit label, prefilled with the incident's values", async () => {
    const page = await new Visit(link).get();
    expect(page.status).toBe(200);
    expect(page.html).toContain(`影響評估｜${ref}`);
    for (const label of ['個資類別', '學生人數', '其中未滿18歲人數', '是否涉及資訊系統', '發生時間（如需更正）', '更正原因']) {
      expect(page.html).toContain(label);
    }
    expect(page.html).toContain('>儲存評估</button>');
    // The categories on record are checked; 是否涉及資訊系統 is 否.
    expect(page.html).toMatch(/name="categories" value="name" checked/);
    expect(page.html).toMatch(/name="categories" value="grades" checked/);
    expect(page.html).toMatch(/name="involvesSystem" value="false" checked/);
    expect(page.html).toContain('inputmode="numeric"');
  });

  const valid = { categories: ['name', 'grades'], studentsCount: '31', involvesSystem: 'false' };

  it('a bad number: 400, the error beside its field, what was typed kept; nothing recorded', async () => {
    const v = new Visit(link);
    await v.get();
    const bad = await v.post(form({ ...valid, studentsCount: '很多' }));
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('id="f-studentsCount-error"');
    expect(bad.html).toContain('「學生人數」請填整數');
    expect(bad.html).toMatch(/id="f-studentsCount"[^>]*value="很多"[^>]*aria-invalid="true"[^>]*autofocus/);
    expect(bad.html).toContain('href="#f-studentsCount"');
    const incident = await h.t.app.db.prisma.incident.findUniqueOrThrow({ where: { id: incidentId } });
    expect(incident.studentsCount).toBeNull();
  });

  it('a time is read back to confirm; the check across fields of the submission (更正原因) stands beside its field', async () => {
    const v = new Visit(link);
    await v.get();
    const first = await v.post(form({ ...valid, occurredAt: '昨天下午3點' }));
    expect(first.status).toBe(200);
    expect(first.html).toMatch(/讀作：<strong>\d+\/\d+（.）15:00<\/strong>/);
    expect(first.html).toContain('請確認下方「讀作」的時間');
    const before = h.fake.delivered.length;
    const refused = await v.post(form({ ...valid, occurredAt: '昨天下午3點' }, readingsOf(first.html)));
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('id="f-correctionReason-error"');
    expect(refused.html).toContain('更正發生時間時，請填寫「更正原因」。');
    expect(refused.html).toMatch(/id="f-occurredAt"[^>]*value="昨天下午3點"/);
    // The chat hears it still needs work; the question stays open; the link was given back.
    expect(await chatSince(before)).toContain(T.webFormRefused(`影響評估｜${ref}`));
    expect((await openPrompt())?.status).toBe('open');
    expect(await h.t.app.db.prisma.webFormUse.count()).toBe(0);
  });

  it('submitted: the assessment recorded through the chat’s own step, the chat told, the question closed, the link used', async () => {
    const v = new Visit(link);
    await v.get();
    const promptId = (await openPrompt())!.id;
    const before = h.fake.delivered.length;
    const done = await v.post(form(valid));
    expect(done.status).toBe(200);
    expect(done.html).toContain('已送出');
    expect(done.html).toContain(`影響評估｜${ref}`);
    const incident = await h.t.app.db.prisma.incident.findUniqueOrThrow({ where: { id: incidentId } });
    expect(incident.studentsCount).toBe(31);
    const entry = await h.t.app.db.prisma.timelineEntry.findFirstOrThrow({ where: { incidentId, type: 'assessment.recorded' } });
    expect(entry.summary).toContain('李組長');
    const chat = await chatSince(before);
    expect(chat[0]).toBe(T.webFormSubmitted(`影響評估｜${ref}`));
    expect(chat).toContain(T.assessmentSaved(ref));
    expect((await h.t.app.db.prisma.pendingPrompt.findUniqueOrThrow({ where: { id: promptId } })).status).toBe('done');
    const reused = await new Visit(link).get();
    expect(reused.status).toBe(410);
    // A text now is no answer to the closed questions.
    expect(texts(await h.say(window_, 'demo-window', '35')).join('\n')).not.toContain('學生人數');
  });

  it('an item form (建立寄送前核對機制: measure, date, state): a date the submission cannot read beside its field, then done', async () => {
    const item = await h.t.app.db.prisma.checklistItem.findFirstOrThrow({ where: { incidentId, key: 'send-safeguards' } });
    const out = await h.press(window_, 'demo-window', `ck:${item.id}:d`);
    const url = webLink(out)!;
    expect(url).toBeTruthy();
    const v = new Visit(url);
    const page = await v.get();
    expect(page.html).toContain('預定完成日期（已完成者填完成日期）');
    const planState = /name="planState" value="([^"]+)"/.exec(page.html)![1]!;
    const answers = { note: '大量寄信改用合併列印個別寄送（教務處）', plannedOn: '下個月', planState };
    const bad = await v.post(form(answers));
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('id="f-plannedOn-error"');
    expect(bad.html).toContain('看不懂「預定完成日期（已完成者填完成日期）」');
    const ok = await v.post(form({ ...answers, plannedOn: '115/12/31' }));
    expect(ok.status).toBe(200);
    expect((await h.t.app.db.prisma.checklistItem.findUniqueOrThrow({ where: { id: item.id } })).state).toBe('done');
    expect((await new Visit(url).post(form(answers))).status).toBe(403); // no CSRF cookie from a used link's page
    expect((await new Visit(url).get()).status).toBe(410);
  });

  it('a refusal that ends the questions (UserError.final: the evidence offer gone meanwhile): a page that says so, the question closed', async () => {
    const id = '600000000000000001';
    h.fake.contents.set(id, { bytes: png(2000), contentType: 'image/png' });
    const out = await h.send([ev.image(window_, window_.user, id, h.fake.issueReplyToken(window_.user))]);
    const url = webLink(out)!;
    expect(url, texts(out).join(' | ')).toBeTruthy();
    const v = new Visit(url);
    const page = await v.get();
    expect(page.html).toContain('證據說明');
    const target = /name="target" value="([^"]+)" checked/.exec(page.html)![1]!;
    const promptId = (await openPrompt())!.id;
    // The offer is gone (taken elsewhere, or past its 24 hours) before the page is sent.
    await h.t.app.db.prisma.evidenceOffer.deleteMany({});
    const before = h.fake.delivered.length;
    const ended = await v.post(form({ target, description: '外洩畫面截圖' }));
    expect(ended.status).toBe(409);
    expect(ended.html).toContain('這個存證邀請已失效');
    expect(ended.html).toContain('的問題已結束');
    expect((await h.t.app.db.prisma.pendingPrompt.findUniqueOrThrow({ where: { id: promptId } })).status).toBe('done');
    expect((await chatSince(before)).join('\n')).toContain('這個存證邀請已失效');
    expect(await h.t.app.db.prisma.evidence.count()).toBe(0);
    expect(h.fake.contentRequests(id)).toEqual([]);
  });
});

/** Every link button (style 5) of a Discord message. */
const linksOf = (m: FakeMessage) =>
  m.components.flatMap((row) =>
    ((row.components as Record<string, unknown>[]) ?? []).filter((c) => c.type === 2 && c.style === 5).map((c) => String(c.label)),
  );

describe('web forms from chat in pages (Discord DMs)', () => {
  let h: DiscordTestApp;
  const windowUser = discordUser('demo-window');
  let ref = '';

  beforeAll(async () => {
    h = await startDiscordTestApp();
    await seedDiscordIdentities(h.t.app.db.prisma, ['demo-window', 'demo-teacher']);
    ref = (await report(h.t.app)).incident.ref;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the report asked in pages in the DM offers 「在網頁填寫」 after the first page; never in a server channel', async () => {
    const dm = h.fake.dmOf(windowUser);
    const out = await h.say(windowUser, dm, '通報');
    const withLink = out.changed.filter((m) => linksOf(m).includes('在網頁填寫'));
    expect(withLink.map((m) => m.channelId)).toEqual([dm]);
    expect(textOf(withLink[0]!)).toContain('不想一頁一頁填寫');
    // After the first page (its 「填寫表單」 button), which must stay the first answer where a modal can open.
    const at = out.changed.indexOf(withLink[0]!);
    expect(out.changed.slice(0, at).some((m) => buttonsIn(m).some((b) => b.label.includes('填寫')))).toBe(true);
    await h.say(windowUser, dm, '取消');
    // /report in a server channel: whatever it opens, no link is posted in the channel.
    const channel = h.fake.textChannel('行政群');
    const moved = await h.command(windowUser, channel, 'report');
    expect(moved.changed.length).toBeGreaterThan(0);
    expect(moved.changed.filter((m) => linksOf(m).length > 0 && m.channelId !== dm)).toEqual([]);
    expect(h.fake.messagesIn(channel).flatMap(linksOf)).toEqual([]);
  });

  it('a FormSteps form in pages (the assessment, 10 fields in pages of 5) offers the link in the DM, whose page opens', async () => {
    const dm = h.fake.dmOf(windowUser);
    const out = await h.say(windowUser, dm, `影響評估 ${ref}`);
    const withLink = out.changed.filter((m) => linksOf(m).includes('在網頁填寫'));
    expect(withLink.map((m) => m.channelId)).toEqual([dm]);
    const url = String(
      withLink[0]!.components.flatMap((r) => (r.components as Record<string, unknown>[]) ?? []).find((c) => c.style === 5)!.url,
    );
    const page = await new Visit(url).get();
    expect(page.status).toBe(200);
    expect(page.html).toContain('其中未滿18歲人數');
    expect(h.fake.invalidCalls()).toEqual([]);
  });
});
