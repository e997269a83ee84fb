import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentLinks } from '../../../src/core/documents/links.js';
import { readTimeline, verifyIncidentTimeline } from '../../../src/core/timeline/timeline.js';
import { eventEnvelope, slackEvent } from '../../fakes/slack/events.js';
import type { EventFile } from '../../fakes/slack/files.js';
import {
  answersFor,
  buttonsIn,
  seedSlackIdentities,
  slackUser,
  startSlackTestApp,
  textOf,
  type SlackTestApp,
} from '../../fakes/slack/harness.js';
import type { OpenedView, PostedMessage } from '../../fakes/slack/platform.js';
import { png, sha256 } from '../../helpers/evidence.js';

/**
 * Evidence from Slack (issue #15): a screenshot shared in the bot's DM is offered for filing (a message whose
 * 「填寫表單」 opens the form as a modal), filed against the incident with its SHA-256 — fetched from Slack only then,
 * through files.info and the private URL with the bot token — counted on the checklist in the incident's room, and
 * downloadable through one-time links by the contact window and the auditor, not by a staff member; a declined file
 * is never downloaded and leaves nothing; a file shared in a channel is offered privately (an ephemeral note in the
 * channel). Every Web API call is checked against Slack's OpenAPI file, files.info's answers too.
 */

/** Every link button (url) in a message's blocks. */
function linksIn(m: PostedMessage): string[] {
  const out: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o.type === 'button' && typeof o.url === 'string') out.push(o.url);
    Object.values(o).forEach(walk);
  };
  walk(m.blocks);
  return out;
}

describe('Slack: evidence shared with the bot', () => {
  let h: SlackTestApp;
  const prisma = () => h.t.app.db.prisma;
  const teacher = slackUser('demo-teacher');
  const windowUser = slackUser('demo-window');
  const auditor = slackUser('demo-auditor');
  let ref = '';
  let incidentId = '';
  let room = '';
  const screenshot = png(300_000);

  const share = (channel: string, user: string, bytes: Buffer, name: string, text = '') => {
    const file: EventFile = h.fake.files.upload({ bytes, name, mimetype: 'image/png', user, channel });
    return h.request(eventEnvelope(slackEvent.fileShare(channel, user, [file], text)));
  };
  const offerIn = (posted: PostedMessage[], channel: string): PostedMessage => {
    const offer = posted.find((m) => m.channel === channel && buttonsIn(m).some((b) => b.label === '填寫表單'));
    expect(offer, posted.map((m) => `${m.channel}: ${textOf(m)}`).join('\n---\n')).toBeTruthy();
    return offer!;
  };
  const openForm = async (user: string, offer: PostedMessage): Promise<OpenedView> => {
    const { views } = await h.click(user, offer, '填寫表單');
    expect(views).toHaveLength(1);
    return views[0]!;
  };
  const download = (url: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
  const listFor = async (user: string): Promise<PostedMessage> => {
    const { posted } = await h.say(h.fake.dmOf(user), user, `證據 ${ref}`);
    const list = posted.find((m) => textOf(m).includes(`證據清單｜${ref}`));
    expect(list, posted.map(textOf).join('\n---\n')).toBeTruthy();
    return list!;
  };

  beforeAll(async () => {
    h = await startSlackTestApp();
    await seedSlackIdentities(prisma(), ['demo-teacher', 'demo-window', 'demo-principal', 'demo-auditor']);
    const { views } = await h.command(h.fake.dmOf(teacher), teacher, '');
    const submitted = await h.submit(
      teacher,
      views[0]!,
      answersFor(views[0]!, { howLeaked: '成績單誤寄給全班家長', occurredAt: '今天 0:00', awareAt: '現在' }),
    );
    ref = /個資事件 (\d{3}-\d{3})/.exec(submitted.posted.map(textOf).join('\n'))![1]!;
    incidentId = (await prisma().incident.findFirstOrThrow({ where: { ref } })).id;
    room = [...h.fake.channels.values()][0]!.id;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a declined file leaves nothing behind and is never downloaded from Slack', async () => {
    const dm = h.fake.dmOf(teacher);
    const shared = await share(dm, teacher, png(2000), '王小明的成績.png');
    expect(shared.res.status).toBe(200);
    const offer = offerIn(shared.posted, dm);
    expect(textOf(offer)).toContain('存為事件證據');
    expect(buttonsIn(offer).map((b) => b.label)).toEqual(['填寫表單', '取消']);
    const dropped = await h.click(teacher, offer, '取消');
    expect(dropped.posted.map(textOf).join()).toContain('沒有被保存');
    expect(await prisma().evidence.count()).toBe(0);
    expect(await prisma().evidenceOffer.count()).toBe(0);
    // The form still open on Slack files nothing afterwards.
    const late = await openForm(teacher, offer);
    const refused = await h.submit(teacher, late, {
      target: { v: { type: 'static_select', selected_option: { value: `${incidentId}|preserve-evidence` } } },
      description: { v: { type: 'plain_text_input', value: '截圖' } },
    });
    expect(refused.posted.map(textOf).join()).toContain('已失效');
    expect(await prisma().evidence.count()).toBe(0);
    // Neither files.info nor the file's private URL was ever asked for.
    expect(h.fake.callsOf('files.info')).toEqual([]);
    expect(h.fake.files.downloads).toEqual([]);
  });

  it('a screenshot shared in the DM is filed against the incident with its SHA-256 (fetched from Slack only then)', async () => {
    const dm = h.fake.dmOf(teacher);
    const shared = await share(dm, teacher, screenshot, '家長群組截圖.png');
    const offer = offerIn(shared.posted, dm);
    expect(h.fake.files.downloads).toEqual([]);
    const modal = await openForm(teacher, offer);
    expect((modal.view.title as { text: string }).text).toBe(`存為事件證據｜${ref}`);
    const target = (modal.view.blocks as { block_id?: string; element?: { initial_option?: { value: string } } }[]).find(
      (b) => b.block_id === 'target',
    );
    // The checklist's evidence item is chosen by default.
    expect(target?.element?.initial_option?.value).toBe(`${incidentId}|preserve-evidence`);
    const filed = await h.submit(teacher, modal, {
      target: { v: { type: 'static_select', selected_option: { value: `${incidentId}|preserve-evidence` } } },
      description: { v: { type: 'plain_text_input', value: '家長群組中被轉傳的成績單截圖' } },
    });
    const card = filed.posted.find((m) => m.channel === dm && textOf(m).includes('已存證'));
    expect(card, filed.posted.map(textOf).join('\n---\n')).toBeTruthy();
    expect(textOf(card!)).toContain(sha256(screenshot));
    expect(textOf(card!)).toContain(`證據 1｜${ref}`);
    const row = await prisma().evidence.findFirstOrThrow({ where: { incidentId } });
    expect(row).toMatchObject({
      seq: 1,
      sha256: sha256(screenshot),
      size: screenshot.length,
      mediaType: 'image/png',
      itemKey: 'preserve-evidence',
      sourcePlatform: 'slack',
    });
    expect(row.sourceMessage).toMatch(new RegExp(`^${dm}:\\d+\\.\\d+$`));
    expect(await prisma().evidenceOffer.count()).toBe(0);
    // One files.info and one download of the private URL, with the bot token.
    expect(h.fake.callsOf('files.info')).toHaveLength(1);
    expect(h.fake.files.downloads).toEqual([{ fileId: h.fake.callsOf('files.info')[0]!.params.file, authorized: true, status: 200 }]);
    const timeline = await readTimeline(h.t.app.deps, incidentId);
    expect(timeline.find((e) => e.type === 'evidence.filed')?.summary).toContain(sha256(screenshot).slice(0, 16));
    expect((await verifyIncidentTimeline(h.t.app.deps, incidentId)).ok).toBe(true);
  });

  it('the checklist in the incident room counts it', async () => {
    const checklist = h.fake
      .messagesIn(room)
      .filter((m) => m.text.startsWith('檢核清單'))
      .at(-1)!;
    expect(textOf(checklist)).toContain('證據 1 件');
  });

  it('the contact window and the auditor download it through one-time links; a staff member cannot', async () => {
    for (const user of [windowUser, auditor]) {
      const list = await listFor(user);
      expect(list.channel).toBe(h.fake.dmOf(user));
      expect(textOf(list)).toContain(sha256(screenshot).slice(0, 16));
      const [url] = linksIn(list);
      expect(url).toMatch(/\/documents\//);
      const page = await fetch(url!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('雜湊值');
      const res = await download(url!);
      expect([res.status, res.headers.get('content-type')]).toEqual([200, 'image/png']);
      expect(Buffer.from(await res.arrayBuffer()).equals(screenshot)).toBe(true);
      expect((await download(url!)).status).toBe(410);
    }
    // A staff member with no part in the incident, linked on Slack: the list shows nothing, a link made for them is refused.
    await prisma().person.create({ data: { id: 'evd-staff', schoolId: 'demo-school', displayName: '吳老師（測試）', roles: ['staff'] } });
    await prisma().identity.create({ data: { id: 'slack-evd-staff', personId: 'evd-staff', platform: 'slack', externalId: 'USTAFF001' } });
    const theirs = await h.say(h.fake.dmOf('USTAFF001'), 'USTAFF001', `證據 ${ref}`);
    expect(theirs.posted.map(textOf).join()).toContain('沒有您可以查看的證據');
    expect(theirs.posted.flatMap(linksIn)).toEqual([]);
    const row = await prisma().evidence.findFirstOrThrow({ where: { incidentId } });
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

  it('a file shared in the incident room by a responder is offered in her DM; the room gets only a note she alone sees', async () => {
    const before = h.fake.messagesIn(room).length;
    const shared = await share(room, windowUser, png(4000), '系統畫面.png');
    const inRoom = h.fake.messagesIn(room).slice(before);
    expect(inRoom).toHaveLength(1);
    expect(inRoom[0]!.onlyFor).toBe(windowUser); // chat.postEphemeral: not kept in the channel
    expect(textOf(inRoom[0]!)).toContain('已私訊您');
    const offer = offerIn(shared.posted, h.fake.dmOf(windowUser));
    expect(textOf(offer)).toContain('系統畫面.png');
    expect(h.fake.messagesIn(room).slice(before).map(textOf).join()).not.toContain('系統畫面');
    await h.click(windowUser, offer, '取消');
    expect(await prisma().evidence.count()).toBe(1);
    expect(h.fake.files.downloads).toHaveLength(1);
  });

  it('a file deleted on Slack before it is filed is answered in zh-TW, and nothing is filed', async () => {
    const dm = h.fake.dmOf(teacher);
    const shared = await share(dm, teacher, png(1000), 'deleted.png');
    const offer = offerIn(shared.posted, dm);
    const modal = await openForm(teacher, offer);
    for (const f of h.fake.files.hosted.values()) if (f.name === 'deleted.png') f.deleted = true;
    const refused = await h.submit(teacher, modal, {
      target: { v: { type: 'static_select', selected_option: { value: `${incidentId}|` } } },
      description: { v: { type: 'plain_text_input', value: '已刪除的截圖' } },
    });
    expect(refused.posted.map(textOf).join()).toContain('無法從聊天平台取得這個檔案');
    expect(await prisma().evidence.count()).toBe(1);
  });

  it("a caption is read like any message and the file is still offered; a stranger's file in a channel is ignored", async () => {
    const dm = h.fake.dmOf(teacher);
    const captioned = await share(dm, teacher, png(500), 'caption.png', `證據 ${ref}`);
    expect(captioned.posted.some((m) => textOf(m).includes(`證據清單｜${ref}`))).toBe(true);
    offerIn(captioned.posted, dm);
    const downloads = h.fake.files.downloads.length;
    const stranger = await share(room, 'USTRANGER', png(500), 'x.png');
    expect(stranger.posted).toEqual([]);
    expect(h.fake.files.downloads.length).toBe(downloads);
  });

  it('every Web API call the bot made was one Slack accepts, and the fake answered as Slack describes', () => {
    expect(h.fake.invalidCalls().map((c) => `${c.method}: ${c.problems.join('; ')}`)).toEqual([]);
  });
});
