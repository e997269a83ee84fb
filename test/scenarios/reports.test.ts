import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../src/app/config.js';
import type { Card } from '../../src/ports/chat-model.js';
import { DocumentLinks } from '../../src/core/documents/links.js';
import { LINK_ACTION } from '../../src/ports/chat-model.js';
import { verifyChain, type ChainedEntry } from '../../src/core/timeline/chain.js';
import { readTimeline } from '../../src/core/timeline/timeline.js';
import { checkHeads, parseHeads } from '../../src/core/timeline/heads.js';
import { formatRocDate, formatRocDateTime, rocYear } from '../../src/core/time/roc.js';
import { inTaipei } from '../../src/core/time/taipei.js';
import { startTestApp, TEST_KEYS, type TestApp } from '../helpers/app.js';
import { docxText, expectAll, odtText, pdfText } from '../helpers/documents.js';
import { testEngine } from '../helpers/db.js';
import { cards, forms, texts } from '../helpers/local-client.js';
import { latestCard, reportThroughOffer, taipeiInput } from '../helpers/scenario.js';

/**
 * The reports of issue #7 through the local chat: report → checklist → approved notice → 「報告」 → a private card with
 * a signed link per report and format → each document downloaded over HTTP and read back → the submission date
 * recorded from the chat stops the clock → the full export read back and its chain verified. Refusals: a staff
 * member and an IT responder asking for reports, a tampered link, an expired link, a link whose holder lost the role.
 * The tests run in order and build on each other.
 */

const HOUR = 3600_000;
const WINDOW = 'demo-window';
const PRINCIPAL = 'demo-principal';
const AUDITOR = 'demo-auditor';
const GROUP = 'demo-response';
const SCHOOL = '示範國民中學（示範）';

describe('reports to the education bureau: links, downloads, submission dates, export', () => {
  let t: TestApp;
  const prisma = () => t.app.db.prisma;
  const now = new Date();
  const howLeaked = '成績查詢系統遭人以外流帳號登入並下載成績檔';
  let ref = '';
  let incidentId = '';
  /** Links of the contact window's reports card: report kind → format → URL. */
  let links: Record<string, Record<string, string>> = {};

  const tick = async (as: string, conv: string, title: string, note: string) => {
    const card = await latestCard(t.client, as, conv, 'checklist');
    const row = card.sections.flatMap((s) => s.rows ?? []).find((r) => r.text.includes(title));
    expect(row, `checklist row ${title}`).toBeTruthy();
    const replies = await t.client.press(as, conv, row!.buttons!.find((b) => b.label === '完成')!.action);
    const f = forms(replies)[0];
    if (f) await t.client.submit(as, conv, f.formId, { note });
  };
  const reportsCard = (msgs: Awaited<ReturnType<typeof t.client.say>>): Card | undefined => cards(msgs, 'reports')[0];
  const linksOf = (card: Card) => {
    const out: Record<string, Record<string, string>> = {};
    for (const s of card.sections) {
      // Each link is a link button (Button.url) whose action the bot ignores.
      for (const b of (s.rows ?? []).flatMap((r) => r.buttons ?? [])) {
        const kind = s.heading!.startsWith('通報主管機關')
          ? 'bureau'
          : s.heading!.startsWith('結案')
            ? 'closure'
            : s.heading!.startsWith('資安')
              ? 'cyber'
              : 'export';
        const format = b.label.startsWith('PDF') ? 'pdf' : b.label.startsWith('ODF') ? 'odt' : b.label.startsWith('Word') ? 'docx' : 'zip';
        expect(b.action).toBe(LINK_ACTION);
        out[kind] ??= {};
        out[kind][format] = b.url!;
      }
    }
    return out;
  };
  const download = (url: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });

  beforeAll(async () => {
    t = await startTestApp();
  });
  let closed = false;
  afterAll(async () => {
    if (!closed) await t?.close();
  });

  it('a report of a hacked system, a worked checklist and an approved notice', async () => {
    const r = await reportThroughOffer(t.client, {
      as: 'demo-it',
      phrase: '成績系統被駭客入侵，學生資料外洩了',
      values: {
        scenario: 'hacked-system',
        howLeaked,
        occurredAt: taipeiInput(new Date(now.getTime() - 5 * HOUR)),
        awareAt: taipeiInput(new Date(now.getTime() - 2 * HOUR)),
        place: '教務處成績系統',
        categories: ['name', 'grades'],
        affectedEstimate: '32',
        affectedKinds: ['students', 'guardians'],
        involvesSystem: 'true',
        stepsTaken: '已停用外流帳號',
      },
    });
    ref = r.ref;
    incidentId = (await prisma().incident.findFirstOrThrow({ where: { ref } })).id;
    await tick(WINDOW, GROUP, '中斷洩漏途徑', '停用外流帳號並更換管理者密碼');
    await tick(WINDOW, GROUP, '初步分析事件原因', '管理者密碼過於簡單');

    const created = await t.client.press(WINDOW, GROUP, `ntc:new:${incidentId}:guardians`);
    const noticeId = cards(created)
      .find((c) => c.key?.startsWith('notice:'))!
      .key!.slice('notice:'.length);
    await t.client.press(WINDOW, GROUP, `ntc:submit:${noticeId}`);
    await t.client.press(PRINCIPAL, `dm:${PRINCIPAL}`, `ntc:ok:${noticeId}:1`);
    const batch = forms(await t.client.press(WINDOW, GROUP, `ntc:batch:${noticeId}`))[0]!;
    await t.client.submit(WINDOW, GROUP, batch.formId, { channel: 'letter', total: '32', notified: '30' });
    expect((await prisma().subjectNotice.findUniqueOrThrow({ where: { id: noticeId } })).status).toBe('approved');
  });

  it('「報告」 answers privately with a link per report and format, and the export', async () => {
    const inGroup = await t.client.say(WINDOW, GROUP, `報告 ${ref}`);
    expect(texts(inGroup.filter((m) => m.conversationId === GROUP))).toEqual(['報告下載連結只以私訊提供，我已私訊給您。']);
    expect(cards(inGroup.filter((m) => m.conversationId === GROUP))).toHaveLength(0);
    const card = reportsCard(inGroup.filter((m) => m.conversationId === `dm:${WINDOW}`))!;
    expect(card.title).toBe(`報告與匯出｜${ref}`);
    expect(card.sections.map((s) => s.heading)).toEqual([
      '通報主管機關（事件發生日起3日內）',
      '結案報告：處理方式及結果（處理結束後1個月內）',
      '資安事件調查、處理及改善報告（完成復原後1個月內）',
      '事件完整紀錄（稽核及5年保存）',
    ]);
    expect(card.sections[0]!.fields![0]).toEqual({ label: '送出日期', value: '尚未登記' });
    // The demo school now has its office number on record (src/app/demo.ts: notices print it), so 聯絡電話 is no longer
    // among the fields left 【待補】.
    expect(card.sections[0]!.fields!.map((f) => f.value).join('\n')).not.toContain('聯絡電話');
    expect(card.buttons!.map((b) => b.label)).toEqual(['登記通報主管機關報告送出日', '登記結案報告送出日', '登記資安事件調查報告送出日']);
    expect(card.footer).toMatch(/^下載連結僅限您本人使用，有效至 中華民國\d+年\d+月\d+日 \d\d:\d\d；/);
    links = linksOf(card);
    expect(Object.keys(links)).toEqual(['bureau', 'closure', 'cyber', 'export']);
    for (const kind of ['bureau', 'closure', 'cyber']) expect(Object.keys(links[kind]!)).toEqual(['pdf', 'odt', 'docx']);
    for (const url of Object.values(links).flatMap((f) => Object.values(f))) {
      expect(url).toMatch(new RegExp(`^${t.url}/documents/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$`));
      // No personal data and no incident details in the link itself.
      expect(decodeURIComponent(url)).not.toContain(ref);
    }
    // The incident card's 報告 button leads to the same card.
    const viaButton = await t.client.press(AUDITOR, `dm:${AUDITOR}`, `rpt:list:${incidentId}`);
    const auditorCard = reportsCard(viaButton)!;
    expect(auditorCard.title).toBe(`報告與匯出｜${ref}`);
    // The auditor may download but not record submissions.
    expect(auditorCard.buttons ?? []).toEqual([]);
  });

  it('a staff member or an IT responder asking for reports is refused in zh-TW', async () => {
    const staff = await t.client.say('demo-teacher', 'dm:demo-teacher', `報告 ${ref}`);
    expect(texts(staff)).toEqual(['只有個資聯絡窗口、管理人（校長）及稽核人員可以下載事件報告與完整紀錄。']);
    expect(reportsCard(staff)).toBeUndefined();
    const it = await t.client.press('demo-it', GROUP, `rpt:list:${incidentId}`);
    expect(texts(it)).toEqual(['只有個資聯絡窗口、管理人（校長）及稽核人員可以下載事件報告與完整紀錄。']);
    expect(reportsCard(it)).toBeUndefined();
  });

  it('each format downloads over HTTP, regenerated from the record, with every required field and ROC dates', async () => {
    const incident = await prisma().incident.findUniqueOrThrow({ where: { id: incidentId } });
    // The school's office number, as the roster file sets it (npm run people -- import; docs/people.md).
    await prisma().school.update({ where: { id: incident.schoolId }, data: { contactPhone: '(02)2345-6789 分機 123' } });
    const common = [
      SCHOOL,
      ref,
      `填報日期${formatRocDate(now)}`,
      `製表日期：${formatRocDate(now)}`,
      `事件發生時間${formatRocDateTime(incident.occurredAt)}`,
      `知悉時間${formatRocDateTime(incident.awareAt)}`,
      howLeaked,
      '姓名、成績',
      '32 人（通報時初估，尚待評估確認）',
      '李組長（示範）（註冊組）',
      '聯絡電話(02)2345-6789 分機 123',
    ];
    const expected: Record<string, string[]> = {
      bureau: [
        ...common,
        '通報人（發現單位）林老師（示範）（資訊組）',
        '發生地點（單位）教務處成績系統',
        '已停用外流帳號',
        '中斷洩漏途徑：已完成',
        '停用外流帳號並更換管理者密碼',
        '未成年學生的家長（法定代理人）：已核定，已通知 30 / 32 人',
      ],
      // Findings come from the items the playbook routes to each section; an item not done yet is 【待補】.
      closure: [
        ...common,
        '處理結束時間【待補】',
        '根本原因分析・初步分析事件原因：管理者密碼過於簡單',
        '調查經過及結果・評估受影響個資與人數：尚未完成【待補】',
      ],
      cyber: [
        ...common,
        '資通安全事件調查、處理及改善報告',
        '完成損害控制或復原時間【待補】',
        '根本原因分析・初步分析事件原因：管理者密碼過於簡單',
        '資安事件等級【待補】',
      ],
    };
    const read = {
      pdf: async (b: Uint8Array) => (await pdfText(b)).text,
      odt: async (b: Uint8Array) => (await odtText(b)).text,
      docx: docxText,
    };
    const mime = {
      pdf: 'application/pdf',
      odt: 'application/vnd.oasis.opendocument.text',
      docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    };
    for (const kind of ['bureau', 'closure', 'cyber'] as const) {
      for (const format of ['pdf', 'odt', 'docx'] as const) {
        const url = links[kind]![format]!;
        // GET only shows the page with the button: link previews neither render nor record anything.
        const page = await fetch(url);
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain('<form method="post"><button type="submit">下載</button></form>');
        expect(html).toContain(`事件 ${ref}｜`);
        const res = await download(url);
        expect(res.status, `${kind}.${format}`).toBe(200);
        expect(res.headers.get('content-type')).toContain(mime[format]);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.headers.get('content-disposition')).toMatch(
          new RegExp(`^attachment; filename="[ -~]+"; filename\\*=UTF-8''${encodeURIComponent(ref)}-`),
        );
        const text = await read[format](new Uint8Array(await res.arrayBuffer()));
        expectAll(text, expected[kind]!, `${kind}.${format}`);
      }
    }
    // Every download is on the timeline: who and which document, never the content.
    const timeline = await readTimeline(t.app.deps, incidentId);
    const downloads = timeline.filter((e) => e.type === 'report.downloaded');
    expect(downloads).toHaveLength(9);
    expect(downloads.every((e) => e.actorId === WINDOW)).toBe(true);
    expect(downloads[0]!.summary).toBe('李組長（示範） 下載通報主管機關報告（PDF）');
    // The client's address is recorded with each download through a link (single-use links, issue #14).
    expect(downloads.map((e) => e.detail)).toContainEqual({ document: 'closure', format: 'docx', via: 'link', clientAddress: '127.0.0.1' });
    expect(JSON.stringify(downloads)).not.toContain(howLeaked);
  });

  it('tampered, expired and no-longer-allowed links are refused with 403 and a zh-TW page', async () => {
    const url = links.bureau!.pdf!;
    const sig = url.slice(-43);
    const flipped = `${url.slice(0, -43)}${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    const [body, signature] = url.split('/documents/')[1]!.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    // The same signature on another report: the signature covers the document and format.
    const swapped = `${t.url}/documents/${Buffer.from(JSON.stringify({ ...claims, d: 'closure' })).toString('base64url')}.${signature}`;
    for (const bad of [flipped, swapped, `${t.url}/documents/not-a-token`]) {
      for (const method of ['GET', 'POST'] as const) {
        const res = method === 'GET' ? await fetch(bad) : await download(bad);
        expect(res.status, `${method} ${bad}`).toBe(403);
        expect(res.headers.get('content-type')).toContain('text/html');
        expect(await res.text()).toContain('這個下載連結無效或已被修改');
      }
    }
    const past = new DocumentLinks(t.app.deps.cipher, () => new Date(Date.now() - 16 * 60_000));
    const old = `${t.url}/documents/${past.sign(incidentId, WINDOW, { kind: 'bureau', format: 'pdf' }).token}`;
    const expired = await download(old);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('這個下載連結已超過有效時間（15分鐘）');

    await prisma().person.update({ where: { id: WINDOW }, data: { roles: ['staff'] } });
    const denied = await download(url);
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain('您目前沒有下載這份文件的權限');
    await prisma().person.update({ where: { id: WINDOW }, data: { roles: ['staff', 'contactWindow'] } });
    const timeline = await readTimeline(t.app.deps, incidentId);
    expect(timeline.filter((e) => e.type === 'report.downloaded')).toHaveLength(9);
  });

  it('the contact window records the day the bureau report was submitted: timeline, card, checklist, clock stopped', async () => {
    const schedule = await prisma().clockSchedule.findUnique({ where: { incidentId_clockId: { incidentId, clockId: 'bureau-3d' } } });
    expect(schedule?.state).toBe('active');
    const dm = `dm:${WINDOW}`;
    const ask = await t.client.press(WINDOW, dm, `rpt:sub:${incidentId}:bureau`);
    const form = forms(ask)[0]!;
    expect(form.fields.map((f) => [f.id, f.required])).toEqual([['date', true]]);
    const tomorrow = inTaipei(new Date(now.getTime() + 24 * HOUR));
    const future = await t.client.submit(WINDOW, dm, form.formId, {
      date: `${rocYear(tomorrow)}/${tomorrow.getMonth() + 1}/${tomorrow.getDate()}`,
    });
    expect(texts(future)).toEqual(['送出日期不能晚於今天。']);
    const unreadable = await t.client.submit(WINDOW, dm, form.formId, { date: '下週' });
    expect(texts(unreadable)).toEqual(['看不懂這個日期，請輸入例如「115/11/23」、「2026-11-23」、「今天」或「昨天」。']);
    const today = inTaipei(now);
    const done = await t.client.submit(WINDOW, dm, form.formId, { date: `${rocYear(today)}/${today.getMonth() + 1}/${today.getDate()}` });
    expect(texts(done)).toContain(
      `已登記通報主管機關報告於${formatRocDate(now)}送出，並記錄在事件紀錄上。檢核項目「通報主管機關（教育局/處）」已完成，相關期限提醒已停止。`,
    );

    const incident = await prisma().incident.findUniqueOrThrow({ where: { id: incidentId } });
    expect(formatRocDate(incident.bureauSubmittedAt!)).toBe(formatRocDate(now));
    const item = await prisma().checklistItem.findFirstOrThrow({ where: { incidentId, key: 'bureau-report' } });
    expect([item.state, item.doneById]).toEqual(['done', WINDOW]);
    const timeline = await readTimeline(t.app.deps, incidentId);
    const submitted = timeline.find((e) => e.type === 'report.submitted')!;
    expect(submitted.summary).toBe(`李組長（示範） 登記通報主管機關報告已於${formatRocDate(now)}送出`);
    // The reminders' schedule follows the checklist: the clock is stopped.
    await expect
      .poll(
        async () =>
          (await prisma().clockSchedule.findUnique({ where: { incidentId_clockId: { incidentId, clockId: 'bureau-3d' } } }))?.state,
      )
      .toBe('stopped');

    const card = await latestCard(t.client, WINDOW, GROUP, 'incident');
    const fields = card.sections.flatMap((s) => s.fields ?? []);
    expect(fields.find((f) => f.label === '報告送出')?.value).toBe(`通報主管機關：${formatRocDate(now)}`);
    const clockRow = card.sections.flatMap((s) => s.rows ?? []).find((r) => r.text.startsWith('3日內通報主管機關'))!;
    expect(clockRow.text).toContain(`｜已於 ${formatRocDate(now)} 送出`);
    expect(clockRow.status).toBe('done');

    // The closure report now states the day the bureau was notified.
    const fresh = linksOf(reportsCard(await t.client.say(WINDOW, dm, `報告 ${ref}`))!);
    const odt = await download(fresh.closure!.odt!);
    expectAll((await odtText(new Uint8Array(await odt.arrayBuffer()))).text, [`通報主管機關日期${formatRocDate(now)}`], 'closure.odt');
    // An auditor cannot record a submission.
    const auditor = await t.client.press(AUDITOR, `dm:${AUDITOR}`, `rpt:sub:${incidentId}:closure`);
    expect(texts(auditor)).toEqual(['只有個資聯絡窗口或校長可以登記報告送出日期。']);
  });

  it('the full export: timeline with a verifiable chain, checklist, assessment, notices with versions, reports', async () => {
    const card = reportsCard(await t.client.press(AUDITOR, `dm:${AUDITOR}`, `rpt:list:${incidentId}`))!;
    const res = await download(linksOf(card).export!.zip!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const zip = await JSZip.loadAsync(new Uint8Array(await res.arrayBuffer()));
    const names = Object.keys(zip.files);
    expect(names).toEqual(
      expect.arrayContaining([
        'README.txt',
        'incident.json',
        'assessment.json',
        'checklist.json',
        'clocks.json',
        'notices.json',
        'timeline.json',
        'timeline-verification.json',
        'chain-head.json',
        'SHA256SUMS',
        `reports/${ref}-通報主管機關報告.pdf`,
        `reports/${ref}-通報主管機關報告.odt`,
        `reports/${ref}-結案報告.pdf`,
        `reports/${ref}-資安事件調查報告.odt`,
        // The DOCX versions the chat offers are in the archive too.
        `reports/${ref}-通報主管機關報告.docx`,
        `reports/${ref}-結案報告.docx`,
        `reports/${ref}-資安事件調查報告.docx`,
      ]),
    );
    const json = async <T>(name: string) => JSON.parse(await zip.file(name)!.async('string')) as T;
    const entries = (await json<(Omit<ChainedEntry, 'at'> & { at: string })[]>('timeline.json')).map((e) => ({ ...e, at: new Date(e.at) }));
    expect(verifyChain(entries)).toEqual({ ok: true, checked: entries.length });
    expect(await json<{ ok: boolean; entries: number }>('timeline-verification.json')).toMatchObject({
      ok: true,
      entries: entries.length,
      problems: [],
      sealedHead: { entries: entries.length },
    });
    // The chain head at export time, to be checked later against the database with `npm run verify -- --heads`.
    const head = await json<{ entries: number; headHash: string; ref: string }>('chain-head.json');
    expect(head).toMatchObject({ ref, entries: entries.length, headHash: entries.at(-1)!.hash });
    expect((await checkHeads(t.app.db.repos, parseHeads(JSON.stringify(head)))).map((h) => h.ok)).toEqual([true]);
    // A changed entry in the exported JSON is caught by the same check.
    const altered = entries.map((e, i) => (i === 3 ? { ...e, summary: `${e.summary}（改）` } : e));
    expect(verifyChain(altered)).toMatchObject({ ok: false, problem: { seq: 4 } });
    expect(entries.map((e) => e.type)).toEqual(
      expect.arrayContaining(['incident.reported', 'notice.approved', 'report.downloaded', 'report.submitted']),
    );

    const notices =
      await json<
        { versions: { text: string }[]; reviews: { decision: string; reviewer: string }[]; batches: { recipientsNotified: number }[] }[]
      >('notices.json');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.versions[0]!.text).toContain(SCHOOL);
    expect(notices[0]!.reviews).toEqual([expect.objectContaining({ decision: 'approved', reviewer: '陳校長（示範）' })]);
    expect(notices[0]!.batches.map((b) => b.recipientsNotified)).toEqual([30]);
    const checklist = await json<{ key: string; state: string }[]>('checklist.json');
    expect(checklist.find((c) => c.key === 'bureau-report')?.state).toBe('done');
    expect((await json<{ submitted: { bureau: string } }>('incident.json')).submitted.bureau).toBeTruthy();
    expect((await json<{ categories: { label: string }[] }>('assessment.json')).categories.map((c) => c.label)).toEqual(['姓名', '成績']);
    const pdf = await pdfText(await zip.file(`reports/${ref}-通報主管機關報告.pdf`)!.async('uint8array'));
    expectAll(pdf.text, [ref, howLeaked], 'exported pdf');
    // SHA256SUMS covers every other file.
    const sums = (await zip.file('SHA256SUMS')!.async('string'))
      .trim()
      .split('\n')
      .map((l) => l.split('  ')[1]);
    expect(sums.sort()).toEqual(names.filter((n) => n !== 'SHA256SUMS' && !n.endsWith('/')).sort());
    const timeline = await readTimeline(t.app.deps, incidentId);
    expect(timeline.at(-1)).toMatchObject({
      type: 'export.downloaded',
      actorId: AUDITOR,
      summary: '張主任（示範） 匯出事件完整紀錄（ZIP）',
    });
    // The archive holds the record of its own download: recorded first, then built.
    expect(entries.at(-1)).toMatchObject({ type: 'export.downloaded', actorId: AUDITOR, seq: timeline.at(-1)!.seq });
    const docx = await docxText(await zip.file(`reports/${ref}-結案報告.docx`)!.async('uint8array'));
    expectAll(docx, [ref, '結案'], 'exported docx');
  });

  it.skipIf(testEngine() === 'postgres')(
    'npm run export writes the same archive for an operator and records it',
    async () => {
      const dataDir = dirname(t.app.db.location);
      await t.app.close();
      await t.tdb.db.close();
      const outDir = mkdtempSync(join(tmpdir(), 'pdi-export-'));
      try {
        const out = join(outDir, 'export.zip');
        const env = { ...process.env, DATA_DIR: dataDir, DATA_ENCRYPTION_KEYS: TEST_KEYS, LOG_LEVEL: 'silent', DATABASE_URL: '' };
        const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT_DIR, 'src/cli/export.ts'), '--incident', ref, '--out', out], {
          env,
          encoding: 'utf8',
          cwd: ROOT_DIR,
        });
        expect(run.stderr).toBe('');
        expect(run.status).toBe(0);
        expect(run.stdout).toMatch(
          new RegExp(`^wrote .*export\\.zip \\(\\d+ bytes\\): incident ${ref} of demo-school, timeline intact \\(\\d+ entries\\)\\n$`),
        );
        const zip = await JSZip.loadAsync(readFileSync(out));
        const entries = (JSON.parse(await zip.file('timeline.json')!.async('string')) as (ChainedEntry & { at: string })[]).map((e) => ({
          ...e,
          at: new Date(e.at),
        }));
        expect(verifyChain(entries).ok).toBe(true);
        expect(entries.at(-1)).toMatchObject({
          type: 'export.downloaded',
          actorId: null,
          actorLabel: '系統管理者（匯出指令）',
          detail: { document: 'export', format: 'zip', via: 'cli' },
        });
        const missing = spawnSync(
          process.execPath,
          ['--import', 'tsx', join(ROOT_DIR, 'src/cli/export.ts'), '--incident', '999-999', '--out', out],
          { env, encoding: 'utf8', cwd: ROOT_DIR },
        );
        expect(missing.status).toBe(2);
        expect(missing.stderr).toContain('No incident with ref or id "999-999"');
        // A path that cannot be written: refused in English before anything is recorded on the timeline.
        const badPath = join(outDir, 'no-such-dir', 'export.zip');
        const bad = spawnSync(
          process.execPath,
          ['--import', 'tsx', join(ROOT_DIR, 'src/cli/export.ts'), '--incident', ref, '--out', badPath],
          { env, encoding: 'utf8', cwd: ROOT_DIR },
        );
        expect(bad.status).toBe(2);
        expect(bad.stderr).toContain(`Cannot write ${badPath}: ENOENT. Nothing was exported or recorded.`);
        const again = spawnSync(
          process.execPath,
          ['--import', 'tsx', join(ROOT_DIR, 'src/cli/export.ts'), '--incident', ref, '--out', out],
          { env, encoding: 'utf8', cwd: ROOT_DIR },
        );
        expect(again.status).toBe(0);
        const zip2 = await JSZip.loadAsync(readFileSync(out));
        const entries2 = JSON.parse(await zip2.file('timeline.json')!.async('string')) as { type: string; seq: number }[];
        // Exactly one more export record: the failed attempt left none.
        expect(entries2.filter((e) => e.type === 'export.downloaded').length).toBe(
          entries.filter((e) => e.type === 'export.downloaded').length + 1,
        );
        expect(entries2.map((e) => e.type)).not.toContain('export.failed');
      } finally {
        rmSync(outDir, { recursive: true, force: true });
        await t.tdb.destroy();
        closed = true;
      }
      // Four runs of the CLI, each starting Node and the embedded database: slow on a shared machine.
    },
    300_000,
  );
});
