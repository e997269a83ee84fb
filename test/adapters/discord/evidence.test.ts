import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentLinks } from '../../../src/core/documents/links.js';
import { REFUSALS } from '../../../src/core/evidence/types.js';
import { readTimeline } from '../../../src/core/timeline/timeline.js';
import {
  buttonsIn,
  DISCORD_TOKEN,
  discordUser,
  seedDiscordIdentities,
  startDiscordTestApp,
  textOf,
  type DiscordTestApp,
  type Outcome,
} from '../../fakes/discord/harness.js';
import type { FakeMessage, OpenedModal } from '../../fakes/discord/platform.js';
import { png, sha256 } from '../../helpers/evidence.js';

type C = Record<string, unknown>;

/** The inputs of a modal by custom_id (Label components, type 18, or legacy action rows). */
function inputsOf(modal: OpenedModal): Map<string, C> {
  return new Map(
    modal.data.components.map((row) => {
      const c = (row.type === 18 ? row.component : (row.components as C[])[0]) as C;
      return [String(c.custom_id), c];
    }),
  );
}

/** The addresses of a message's link buttons (style 5). */
function linksIn(m: FakeMessage): string[] {
  return m.components
    .flatMap((row) => (row.components as C[]) ?? [])
    .filter((c) => c.type === 2 && c.style === 5)
    .map((c) => String(c.url));
}

const REPORT = {
  howLeaked: '成績單誤寄給全班家長',
  occurredAt: '今天 0:00',
  awareAt: '現在',
  affectedEstimate: '30',
  stepsTaken: '已請家長刪除訊息',
  categories: '姓名、成績',
};

/**
 * Evidence from Discord (issue #15), through discord.js and the fake Discord: a screenshot sent in the bot's DM is
 * offered (a 「填寫表單」 button opening a modal with the checklist item and a description), fetched from the CDN only
 * when filed — the message fetched again for a freshly signed URL, the bot token never sent to the CDN — and filed with
 * its SHA-256; the contact window and the auditor download it through the one-time link and a staff member cannot; a
 * declined file is never downloaded and leaves nothing; a file sent in a server channel (DISCORD_READ_GROUP_MESSAGES,
 * which brings the Message Content intent) is offered in DMs only. The tests run in order and build on each other.
 */
describe('Discord: evidence sent to the bot', () => {
  let h: DiscordTestApp;
  let staff = '';
  let ref = '';
  let incidentId = '';
  const teacher = discordUser('demo-teacher');
  const windowUser = discordUser('demo-window');
  const auditor = discordUser('demo-auditor');
  const prisma = () => h.t.app.db.prisma;
  const texts = (o: Outcome) => o.changed.map(textOf).join('\n---\n');
  const messageFetches = () => h.fake.callsTo('GET', /^\/channels\/\d+\/messages\/\d+$/);
  const offerIn = (o: Outcome, channel: string) =>
    o.changed.find((m) => m.channelId === channel && buttonsIn(m).some((b) => b.label === '填寫表單'));
  const download = (url: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });

  /** Opens the offered form (the modal) and submits it with the default checklist item. */
  async function file(who: string, offer: FakeMessage, description: string): Promise<Outcome> {
    const opened = await h.click(who, offer, '填寫表單');
    expect(opened.interaction!.response!.type).toBe(9);
    const modal = opened.modals[0]!;
    const target = inputsOf(modal).get('target')!;
    const chosen = (target.options as { value: string; default?: boolean }[]).find((o) => o.default)!;
    return h.submit(modal, { target: [chosen.value], description });
  }

  beforeAll(async () => {
    // Server channels are read (Message Content intent); the locker takes files up to 1 MB here.
    h = await startDiscordTestApp({ DISCORD_READ_GROUP_MESSAGES: 'on', EVIDENCE_MAX_MB: '1' });
    await seedDiscordIdentities(prisma(), ['demo-teacher', 'demo-principal', 'demo-window', 'demo-it', 'demo-auditor']);
    staff = h.fake.textChannel('教職員');
    const team = h.fake.textChannel('應變小組');
    for (const [id, purpose] of [
      [staff, 'staff'],
      [team, 'response'],
    ] as const) {
      await prisma().conversation.create({
        data: { id: `discord-${id}`, platform: 'discord', externalId: id, kind: 'group', purpose, schoolId: 'demo-school', title: purpose },
      });
    }
    // The teacher reports with /通報 (modals in pages of five).
    let modal: OpenedModal | undefined = (await h.command(teacher, staff, 'report')).modals[0];
    for (let page = 0; page < 6 && modal; page += 1) {
      const answers: Record<string, string | string[]> = {};
      for (const [id, c] of inputsOf(modal)) {
        if (c.type === 3) {
          const opts = c.options as { value: string }[];
          answers[id] = [opts.find((o) => o.value === 'false')?.value ?? opts[0]!.value];
        } else answers[id] = REPORT[id as keyof typeof REPORT] ?? (typeof c.value === 'string' && c.value ? c.value : '教務處');
      }
      const out = await h.submit(modal, answers);
      const created = out.changed.map(textOf).find((t) => t.includes('已建立個資事件'));
      if (created) {
        ref = /個資事件 (\d{3}-\d{3})/.exec(created)![1]!;
        break;
      }
      const next = out.changed.find((m) => buttonsIn(m).some((b) => b.label === '填寫通報表'))!;
      modal = (await h.click(teacher, next, '填寫通報表')).modals[0];
    }
    expect(ref).not.toBe('');
    incidentId = (await prisma().incident.findFirstOrThrow({ where: { ref } })).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a declined file is never downloaded and leaves nothing behind', async () => {
    const dm = h.fake.dmOf(teacher);
    const sent = await h.sendFile(teacher, dm, [{ name: '王小明的成績.png', bytes: png(2000), contentType: 'image/png' }]);
    const offer = offerIn(sent, dm);
    expect(offer, texts(sent)).toBeTruthy();
    expect(textOf(offer!)).toContain(`存為事件證據｜${ref}`);
    expect(buttonsIn(offer!).map((b) => b.label)).toEqual(['填寫表單', '取消']);
    const dropped = await h.click(teacher, offer!, '取消');
    expect(texts(dropped)).toContain('沒有被保存');
    expect(await prisma().evidence.count()).toBe(0);
    expect(await prisma().evidenceOffer.count()).toBe(0);
    // Nothing was fetched from Discord: neither the message again nor the file from the CDN.
    expect(messageFetches()).toEqual([]);
    expect(h.fake.cdnCalls).toEqual([]);
    // The declined offer's form cannot file anything afterwards (and the file is still not fetched).
    const late = await file(teacher, offer!, '截圖');
    expect(texts(late)).toContain('已失效');
    expect(await prisma().evidence.count()).toBe(0);
    expect(h.fake.cdnCalls).toEqual([]);
  });

  it('a screenshot sent in the DM is filed against the incident with its hash, fetched from the CDN once', async () => {
    const dm = h.fake.dmOf(teacher);
    const screenshot = png(150_000);
    const sent = await h.sendFile(teacher, dm, [{ name: '家長群組截圖.png', bytes: screenshot, contentType: 'image/png' }]);
    const opened = await h.click(teacher, offerIn(sent, dm)!, '填寫表單');
    const inputs = inputsOf(opened.modals[0]!);
    expect([...inputs.keys()]).toEqual(['target', 'description']);
    // The evidence item of the checklist is chosen by default.
    expect((inputs.get('target')!.options as { value: string; default?: boolean }[]).find((o) => o.default)?.value).toBe(
      `${incidentId}|preserve-evidence`,
    );
    const filed = await h.submit(opened.modals[0]!, {
      target: [`${incidentId}|preserve-evidence`],
      description: '家長群組中被轉傳的成績單截圖',
    });
    const card = filed.changed.find((m) => textOf(m).includes('已存證'));
    expect(card, texts(filed)).toBeTruthy();
    expect(card!.channelId).toBe(dm);
    expect(textOf(card!)).toContain(sha256(screenshot));
    const row = await prisma().evidence.findFirstOrThrow({ where: { incidentId } });
    expect(row).toMatchObject({
      seq: 1,
      sha256: sha256(screenshot),
      size: screenshot.length,
      mediaType: 'image/png',
      itemKey: 'preserve-evidence',
      sourcePlatform: 'discord',
      sourceMessage: sent.sent.id,
    });
    // The message was fetched again (a freshly signed URL), the file streamed once from the CDN without the bot token.
    expect(messageFetches().map((c) => c.path)).toEqual([`/channels/${dm}/messages/${sent.sent.id}`]);
    expect(h.fake.cdnCalls.map((c) => [c.path, c.status, c.authorization])).toEqual([
      [`/attachments/${dm}/${sent.sent.attachments[0]!.id}/${encodeURIComponent('家長群組截圖.png')}`, 200, false],
    ]);
    expect(await prisma().evidenceOffer.count()).toBe(0);
    const timeline = await readTimeline(h.t.app.deps, incidentId);
    expect(timeline.find((e) => e.type === 'evidence.filed')?.summary).toContain(sha256(screenshot).slice(0, 16));
  });

  it('appears in the checklist item', async () => {
    const out = await h.say(windowUser, h.fake.dmOf(windowUser), `清單 ${ref}`);
    const checklist = out.changed.find((m) => textOf(m).includes(`檢核清單｜${ref}`));
    expect(checklist, texts(out)).toBeTruthy();
    // The item's row: its title line and the detail lines under it, up to the next item.
    const lines = textOf(checklist!).split('\n');
    const start = lines.findIndex((l) => l.includes('保存相關證據'));
    const end = lines.findIndex((l, i) => i > start && /^(☐|✅|➖|⚠️|⏳|•) /.test(l));
    expect(lines.slice(start, end === -1 ? undefined : end).join(' ')).toContain('證據 1 件');
  });

  it('can be downloaded by the contact window and the auditor, once per link, and not by a staff member', async () => {
    const row = await prisma().evidence.findFirstOrThrow({ where: { incidentId } });
    for (const who of [windowUser, auditor]) {
      const dm = h.fake.dmOf(who);
      const out = await h.say(who, dm, `證據 ${ref}`);
      const list = out.changed.find((m) => m.channelId === dm && textOf(m).includes(`證據清單｜${ref}`));
      expect(list, texts(out)).toBeTruthy();
      const [url] = linksIn(list!);
      expect(url).toMatch(/\/documents\//);
      const page = await fetch(url!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('雜湊值');
      const res = await download(url!);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(row.sha256);
      expect((await download(url!)).status).toBe(410);
    }
    await prisma().person.create({ data: { id: 'evd-staff', schoolId: 'demo-school', displayName: '吳老師（測試）', roles: ['staff'] } });
    const forged = new DocumentLinks(h.t.app.deps.cipher, () => new Date()).sign(incidentId, 'evd-staff', {
      kind: 'evidence',
      format: row.id,
    });
    const refused = await download(`${h.t.url}/documents/${forged.token}`);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('沒有下載這份證據的權限');
    const timeline = await readTimeline(h.t.app.deps, incidentId);
    expect(timeline.filter((e) => e.type === 'evidence.downloaded').map((e) => e.actorLabel)).toEqual(['李組長（示範）', '張主任（示範）']);
  });

  it('goes into the export with its hash and where it came from (the Discord message)', async () => {
    const row = await prisma().evidence.findFirstOrThrow({ where: { incidentId } });
    const file = await h.t.app.bot.reports.service.exportIncident(incidentId);
    const JSZip = (await import('jszip')).default;
    const zip = await JSZip.loadAsync(file.bytes);
    const listing = Object.keys(zip.files).find((n) => /evidence/.test(n));
    expect(listing, Object.keys(zip.files).join(', ')).toBeTruthy();
    const text = await zip.file(listing!)!.async('string');
    expect(text).toContain(row.sha256);
    expect(text).toContain(row.sourceMessage);
  });

  it('each file of a message is offered on its own', async () => {
    const dm = h.fake.dmOf(teacher);
    const sent = await h.sendFile(
      teacher,
      dm,
      [
        { name: '截圖1.png', bytes: png(500), contentType: 'image/png' },
        { name: '截圖2.png', bytes: png(600), contentType: 'image/png' },
      ],
      '兩張截圖',
    );
    const offers = sent.changed.filter((m) => m.channelId === dm && buttonsIn(m).some((b) => b.label === '填寫表單'));
    expect(offers.map((m) => /截圖\d\.png/.exec(textOf(m))?.[0])).toEqual(['截圖1.png', '截圖2.png']);
    expect(await prisma().evidenceOffer.count()).toBe(2);
    for (const offer of offers) await h.click(teacher, offer, '取消');
    expect(await prisma().evidenceOffer.count()).toBe(0);
  });

  it('a file sent in a server channel by a responder is offered in their DM only; the channel gets a reminder without details', async () => {
    const before = h.fake.cdnCalls.length;
    const sent = await h.sendFile(windowUser, staff, [{ name: '學生名冊外流.png', bytes: png(3000), contentType: 'image/png' }]);
    const dm = h.fake.dmOf(windowUser);
    expect(offerIn(sent, dm), texts(sent)).toBeTruthy();
    const inChannel = sent.changed.filter((m) => m.channelId === staff);
    expect(inChannel.map(textOf).join('\n')).toContain('請勿在群組張貼外洩的資料');
    expect(inChannel.map(textOf).join('\n')).not.toContain('學生名冊');
    expect(inChannel.flatMap((m) => buttonsIn(m))).toEqual([]);
    expect(h.fake.cdnCalls.length).toBe(before);
  });

  it('a file whose message was deleted meanwhile is answered 「無法從聊天平台取得…」 and nothing is kept', async () => {
    const dm = h.fake.dmOf(teacher);
    const sent = await h.sendFile(teacher, dm, [{ name: 'mail.png', bytes: png(1000), contentType: 'image/png' }]);
    h.fake.deleteUserMessage(sent.sent.id);
    await h.settle();
    const out = await file(teacher, offerIn(sent, dm)!, '寄錯的郵件');
    expect(texts(out)).toContain(REFUSALS.fetch);
    expect(await prisma().evidence.count()).toBe(1);
    expect(await prisma().evidenceOffer.count({ where: { personId: 'demo-teacher' } })).toBe(0);
  });

  it('a file over the limit is refused in zh-TW without being downloaded', async () => {
    const dm = h.fake.dmOf(teacher);
    const before = h.fake.cdnCalls.length;
    const sent = await h.sendFile(teacher, dm, [{ name: 'big.png', bytes: png(1024 * 1024 + 10), contentType: 'image/png' }]);
    const out = await file(teacher, offerIn(sent, dm)!, '大檔案');
    expect(texts(out)).toContain('檔案超過 1 MB，無法存證');
    expect(h.fake.cdnCalls.length).toBe(before);
    expect(await prisma().evidence.count()).toBe(1);
  });

  it('the fake refuses what Discord refuses: an unsigned, tampered or expired attachment URL, a wrong bot token', async () => {
    const dm = h.fake.dmOf(teacher);
    const sent = await h.sendFile(teacher, dm, [{ name: 'x.png', bytes: png(100), contentType: 'image/png' }]);
    const a = sent.sent.attachments[0]!;
    const good = h.fake.signedUrl(a);
    expect((await fetch(good)).status).toBe(200);
    const unsigned = good.split('?')[0]!;
    const tampered = good.replace(/hm=([0-9a-f])/, (_m, c: string) => `hm=${c === '0' ? '1' : '0'}`);
    h.fake.attachmentUrlTtlMs = -60_000;
    const expired = h.fake.signedUrl(a);
    h.fake.attachmentUrlTtlMs = 24 * 3600_000;
    for (const url of [unsigned, tampered, expired]) {
      const res = await fetch(url);
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('This content is no longer available.');
    }
    const wrong = await fetch(`${h.fake.apiBase}/v10/channels/${dm}/messages/${sent.sent.id}`, {
      headers: { authorization: `Bot ${DISCORD_TOKEN}x` },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${h.fake.apiBase}/v10/channels/${dm}/messages/${sent.sent.id}`, {
      headers: { authorization: `Bot ${DISCORD_TOKEN}` },
    });
    expect(((await right.json()) as { attachments: { id: string }[] }).attachments.map((x) => x.id)).toEqual([a.id]);
  });

  it('every request the bot sent, and every payload the fake gave, is as Discord describes it', () => {
    expect(h.fake.invalidCalls().map((c) => `${c.method} ${c.path}: ${c.problems.join('; ')}`)).toEqual([]);
    expect(h.fake.payloadProblems).toEqual([]);
  });
});
