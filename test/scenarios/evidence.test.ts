import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Card } from '../../src/ports/chat-model.js';
import { DocumentLinks } from '../../src/core/documents/links.js';
import { readTimeline } from '../../src/core/timeline/timeline.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { cards, forms, texts, type ApiResult } from '../helpers/local-client.js';
import { misdirectedValues, reportThroughOffer } from '../helpers/scenario.js';
import { png, sha256 } from '../helpers/evidence.js';

/**
 * Evidence from the local chat (issue #15): a screenshot sent with 📎 in the private chat is offered for filing,
 * filed against the incident with its hash, listed on the checklist and in the export, downloadable by the contact
 * window and the auditor (one-time links) and not by a staff member; a declined file leaves nothing behind; a flipped
 * byte in the stored file is caught on read. The tests run in order and build on each other.
 */

const TEACHER = 'demo-teacher';
const WINDOW = 'demo-window';
const AUDITOR = 'demo-auditor';
const dm = (who: string) => `dm:${who}`;

describe('evidence from the local chat', () => {
  let t: TestApp;
  const prisma = () => t.app.db.prisma;
  let ref = '';
  let incidentId = '';
  const screenshot = png(150_000);

  const upload = async (as: string, conversation: string, bytes: Buffer, name: string): Promise<ApiResult> => {
    const res = await fetch(`${t.url}/local/api/conversations/${conversation}/files?as=${as}&name=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(bytes),
    });
    return { status: res.status, body: (await res.json()) as ApiResult['body'] };
  };
  const download = (url: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
  const evidenceList = async (as: string): Promise<Card> => {
    const replies = await t.client.say(as, dm(as), `證據 ${ref}`);
    const card = cards(replies, 'evidence')[0];
    expect(card, `the evidence list for ${as}; got ${texts(replies).join(' | ')}`).toBeTruthy();
    return card!;
  };
  const links = (card: Card) =>
    card.sections
      .flatMap((s) => s.rows ?? [])
      .flatMap((r) => r.buttons ?? [])
      .map((b) => b.url!)
      .filter(Boolean);

  beforeAll(async () => {
    t = await startTestApp();
    const now = new Date();
    const r = await reportThroughOffer(t.client, {
      phrase: '我寄錯信了，成績單寄給全班家長',
      values: misdirectedValues(now),
    });
    ref = r.ref;
    incidentId = (await prisma().incident.findFirstOrThrow({ where: { ref } })).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a declined file leaves nothing behind', async () => {
    const r = await upload(TEACHER, dm(TEACHER), png(2000), '王小明的成績.png');
    expect(r.status).toBe(200);
    // The chat shows that a file was sent, its name masked where it holds personal data; the bot offers a form.
    const form = forms(r.body.replies ?? [])[0]!;
    expect(form.formId).toMatch(/^evd:/);
    expect(form.cancelAction).toMatch(/^evd:drop:/);
    const dropped = await t.client.press(TEACHER, dm(TEACHER), form.cancelAction!);
    expect(texts(dropped).join()).toContain('沒有被保存');
    expect(await prisma().evidence.count()).toBe(0);
    expect(await prisma().evidenceOffer.count()).toBe(0);
    expect(t.app.local?.uploads.size ?? 0).toBe(0);
    expect(readdirSync(t.config.evidence.dir, { recursive: true })).toEqual([]);
    // The used form cannot file anything afterwards.
    const late = await t.client.submit(TEACHER, dm(TEACHER), form.formId, {
      target: `${incidentId}|preserve-evidence`,
      description: '截圖',
    });
    expect(texts(late).join()).toContain('已失效');
  });

  it('a screenshot sent in the private chat is filed against the incident with its hash', async () => {
    const r = await upload(TEACHER, dm(TEACHER), screenshot, '家長群組截圖.png');
    const form = forms(r.body.replies ?? [])[0]!;
    const target = form.fields.find((f) => f.id === 'target')!;
    // The evidence item of the checklist is chosen by default.
    expect(target.initial).toBe(`${incidentId}|preserve-evidence`);
    const filed = await t.client.submit(TEACHER, dm(TEACHER), form.formId, {
      target: target.initial as string,
      description: '家長群組中被轉傳的成績單截圖',
    });
    const card = filed.map((m) => m.body).find((b): b is Card => b.type === 'card' && b.title.startsWith('已存證'));
    expect(card, texts(filed).join(' | ')).toBeTruthy();
    expect(JSON.stringify(card)).toContain(sha256(screenshot));
    const row = await prisma().evidence.findFirstOrThrow({ where: { incidentId } });
    expect(row).toMatchObject({
      seq: 1,
      sha256: sha256(screenshot),
      size: screenshot.length,
      mediaType: 'image/png',
      store: 'directory',
      itemKey: 'preserve-evidence',
    });
    const timeline = await readTimeline(t.app.deps, incidentId);
    expect(timeline.find((e) => e.type === 'evidence.filed')?.summary).toContain(sha256(screenshot).slice(0, 16));
  });

  it('appears in the checklist item', async () => {
    const replies = await t.client.say(WINDOW, dm(WINDOW), `清單 ${ref}`);
    const checklist = cards(replies, 'checklist')[0];
    expect(checklist, texts(replies).join(' | ')).toBeTruthy();
    const row = checklist!.sections.flatMap((s) => s.rows ?? []).find((x) => x.text.includes('保存相關證據'));
    expect(`${row?.text} ${row?.detail}`).toContain('證據 1 件');
  });

  it('can be downloaded by the contact window and the auditor, once per link, and not by a staff member who did not file it', async () => {
    for (const who of [WINDOW, AUDITOR]) {
      const [url] = links(await evidenceList(who));
      expect(url).toBeTruthy();
      const page = await fetch(url!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('雜湊值');
      const res = await download(url!);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await res.arrayBuffer()).equals(screenshot)).toBe(true);
      const again = await download(url!);
      expect(again.status).toBe(410);
      // The way to a new link names the evidence list, not the reports.
      expect(await again.text()).toContain('請回到聊天室輸入「證據」');
    }
    // A staff member with no part in it sees nothing, and a link made for them is refused.
    await prisma().person.create({ data: { id: 'evd-staff', schoolId: 'demo-school', displayName: '吳老師（測試）', roles: ['staff'] } });
    const row = await prisma().evidence.findFirstOrThrow({ where: { incidentId } });
    const forged = new DocumentLinks(t.app.deps.cipher, () => new Date()).sign(incidentId, 'evd-staff', {
      kind: 'evidence',
      format: row.id,
    });
    const refused = await download(`${t.url}/documents/${forged.token}`);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('沒有下載這份證據的權限');
    const timeline = await readTimeline(t.app.deps, incidentId);
    expect(timeline.filter((e) => e.type === 'evidence.downloaded').map((e) => e.actorLabel)).toEqual(['李組長（示範）', '張主任（示範）']);
  });

  it('goes into the export with its hash', async () => {
    const file = await t.app.bot.reports.service.exportIncident(incidentId);
    const JSZip = (await import('jszip')).default;
    const zip = await JSZip.loadAsync(file.bytes);
    const names = Object.keys(zip.files);
    const listing = names.find((n) => /evidence/.test(n));
    expect(listing, names.join(', ')).toBeTruthy();
    expect(await zip.file(listing!)!.async('string')).toContain(sha256(screenshot));
  });

  it('a flipped byte in the stored file is detected on read', async () => {
    const row = await prisma().evidence.findFirstOrThrow({ where: { incidentId } });
    const path = join(t.config.evidence.dir, row.id.slice(0, 2), `${row.id}.blob`);
    const stored = readFileSync(path);
    stored[5000] = (stored[5000] ?? 0) ^ 0x80;
    writeFileSync(path, stored);
    const [url] = links(await evidenceList(WINDOW));
    const res = await download(url!);
    expect(res.status).not.toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.text();
    expect(body).toContain('完整性檢查未通過');
    expect(body).toContain('無法提供這份證據');
    expect(body).not.toContain('找不到這份文件');
    const timeline = await readTimeline(t.app.deps, incidentId);
    expect(timeline.at(-1)?.type).toBe('evidence.integrity-failed');
    // The contact window is told at once in her private chat, with the incident and the piece, and no file content.
    const told = texts(await t.client.messages(WINDOW, dm(WINDOW))).filter((x) => x.includes('完整性檢查未通過'));
    expect(told.at(-1)).toContain(`事件 ${ref} 的證據 1`);
  });

  it('a file of another kind or over the limit is refused in zh-TW', async () => {
    const exe = Buffer.concat([Buffer.from('4d5a9000', 'hex'), randomBytes(500)]);
    const r = await upload(TEACHER, dm(TEACHER), exe, 'tool.exe');
    const form = forms(r.body.replies ?? [])[0]!;
    const refused = await t.client.submit(TEACHER, dm(TEACHER), form.formId, { target: `${incidentId}|`, description: '程式' });
    expect(texts(refused).join()).toContain('這種檔案無法存證');
    const big = await upload(TEACHER, dm(TEACHER), Buffer.alloc(t.config.evidence.maxBytes + 1, 1), 'big.png');
    expect(big.status).toBe(413);
    expect(big.body.error).toContain('MB');
    expect(await prisma().evidence.count()).toBe(1);
  });
});
