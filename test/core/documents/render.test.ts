import { describe, expect, it } from 'vitest';
import { buildReport, MISSING, type ReportKind } from '../../../src/core/documents/model.js';
import { renderReport } from '../../../src/core/documents/render.js';
import { docxText, expectAll, odtText, pdfText } from '../../helpers/documents.js';
import { at, engineClocks, item, sampleFacts } from './fixtures.js';

const engineClocksFor = (f: Parameters<typeof engineClocks>[0], profile: string) => engineClocks(f, profile);

/**
 * The reports of issue #7 rendered to PDF, ODT and DOCX and read back: every field legal-rules.md §3 requires is
 * there with its value, and the dates are ROC dates in Taipei time.
 */

const NOW = at('2026-11-23T14:05');
const TODAY = '中華民國115年11月23日';

/** legal-rules.md §3.1 (internal report, the model of the 3-day report), §3.2 (closure) and the cyber report. */
const REQUIRED: Record<ReportKind, string[]> = {
  bureau: [
    '學校名稱',
    '示範國民中學（示範）',
    '事件編號',
    '115-007',
    '填報日期',
    TODAY,
    '通報人（發現單位）',
    '林老師（示範）（資訊組）',
    '事件經過（個人資料外洩或受侵害之方式）',
    '成績查詢系統遭不明人士以外流帳號登入並下載成績檔',
    '事件發生時間',
    '中華民國115年11月5日 10:00',
    '知悉時間',
    '中華民國115年11月6日 09:00',
    '發生地點（單位）',
    '教務處成績系統',
    '外洩或受侵害之個人資料類別',
    '姓名、成績',
    '受影響人數合計',
    '120 人',
    '其中未滿18歲者：118 人',
    '避免損害擴大之處置（通報時）',
    '已停用外流帳號並更換管理者密碼',
    '法令依據',
    '私立高級中等以下學校及幼兒園個人資料檔案安全維護計畫實施辦法第13條第3項',
    '法定期限',
    '事件發生之日起3日內：中華民國115年11月9日 24:00 前',
    '聯絡窗口',
    '李組長（示範）（註冊組）',
    '聯絡電話',
    '(02)2345-6789 分機 123',
  ],
  closure: [
    '事件發生時間',
    '中華民國115年11月5日 10:00',
    '知悉時間',
    '中華民國115年11月6日 09:00',
    '處理結束時間',
    '中華民國115年11月20日 16:00',
    '通報主管機關日期',
    '中華民國115年11月7日',
    '影響範圍及損害情形',
    '姓名、成績',
    '120 人',
    '對當事人之損害及控制情形',
    '請下載者刪除並回覆確認',
    '緊急應變處置經過',
    '中斷洩漏途徑：已完成（中華民國115年11月6日 09:40，林老師（示範））；說明：停用外流帳號',
    '調查情形',
    '登入紀錄顯示僅下載一次，未見散布',
    '根本原因分析',
    '管理者密碼過於簡單且未啟用兩步驟驗證',
    '改善措施',
    '研議改進措施：全校帳號啟用兩步驟驗證',
    '預定完成時間',
    '研議改進措施：中華民國115年12月31日',
    '辦理情形',
    '研議改進措施：辦理中',
    '修補漏洞並安全復原：已完成（中華民國115年11月7日）',
    // Handling ended Fri 11-20: one month ends Sun 12-20, which rolls to Mon 12-21 (行政程序法第48條).
    '處理結束之日起1個月內：中華民國115年12月21日 24:00 前',
    '適用規則',
    '公立學校',
    // The evidence in the locker with its hash (issue #15).
    '證據保全',
    '證據1：成績系統存取紀錄匯出檔',
    'a'.repeat(64),
    // An approximate occurrence time is printed as one (the reporter's reading), an exact awareness time as it is.
    '中華民國115年11月5日 10:00 左右（通報人所述之約略時間）',
  ],
  cyber: [
    '資通安全事件調查、處理及改善報告',
    '資通安全事件通報應變及演練辦法第6條',
    '完成損害控制或復原時間',
    '中華民國115年11月7日 18:30',
    '資安通報平台通報情形',
    '通報單編號 TACERT-1150007',
    '事故系統保有個人資料筆數',
    '1200 筆',
    '處理及復原作業',
    '資安事件損害控制或復原：已完成',
    '根本原因分析',
    '管理者密碼過於簡單且未啟用兩步驟驗證',
    '改善措施',
    '全校帳號啟用兩步驟驗證',
    '資安事件等級',
    '第3級（判定理由：核心業務系統之學生成績輕微外洩）',
    '修補漏洞並安全復原：已完成',
    '已於中華民國115年11月7日完成',
  ],
};

/** Every report ends with the sign-off block a 公文 attachment needs (承辦人／單位主管／校長, each with a date line). */
const SIGN_OFF = ['核章', '承辦人', '單位主管', '校長（核定）', '日期：＿＿＿年＿＿月＿＿日'];
for (const kind of ['bureau', 'closure', 'cyber'] as const) REQUIRED[kind].push(...SIGN_OFF);

const readers = {
  pdf: async (b: Buffer) => (await pdfText(b)).text,
  odt: async (b: Buffer) => (await odtText(b)).text,
  docx: docxText,
};

describe('report documents, read back', () => {
  for (const kind of ['bureau', 'closure', 'cyber'] as const) {
    for (const format of ['pdf', 'odt', 'docx'] as const) {
      it(`${kind} as ${format}: every required field, ROC dates, the date line`, async () => {
        const doc = buildReport(kind, sampleFacts(), NOW);
        const file = await renderReport(doc, format, NOW);
        expect(file.filename).toBe(
          `115-007-${{ bureau: '通報主管機關報告', closure: '結案報告', cyber: '資安事件調查報告' }[kind]}.${format}`,
        );
        const text = await readers[format](file.bytes);
        expectAll(text, [doc.title, `製表日期：${TODAY}`, ...REQUIRED[kind]], `${kind}.${format}`);
        // No Gregorian dates leak into the text; no ISO timestamps either.
        expect(text).not.toMatch(/20\d\d[-/年]\d/);
      });
    }
  }

  it('facts not on record are written 【待補】 and listed, never invented', async () => {
    const facts = sampleFacts({ handlingEndedAt: null, contactWindow: null, contactPhone: null, checklist: [], clocks: [] });
    const doc = buildReport('closure', facts, NOW);
    expect(doc.missing).toEqual(
      expect.arrayContaining(['處理結束時間', '聯絡窗口', '聯絡電話', '調查經過及結果', '根本原因分析', '改善措施', '法定期限']),
    );
    const odt = (await odtText((await renderReport(doc, 'odt', NOW)).bytes)).text;
    expect(odt).toContain(`處理結束時間\n${MISSING}`);
    expect(odt).toContain(`尚待補正之欄位：${doc.missing.join('、')}`);
    const pdf = (await pdfText((await renderReport(doc, 'pdf', NOW)).bytes)).text;
    expectAll(pdf, [`處理結束時間${MISSING}`, '處理結束之日起1個月內（期限日期【待補】）'], 'closure.pdf');
  });

  it('the ODT package is valid: mimetype first and stored, manifest lists the parts, metadata in Taipei time', async () => {
    const file = await renderReport(buildReport('bureau', sampleFacts(), NOW), 'odt', NOW);
    // ODF 1.3 part 2 §3.3: the first local file header is "mimetype", uncompressed, with no extra field.
    expect(file.bytes.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
    expect(file.bytes.readUInt16LE(8)).toBe(0); // compression method: stored
    const nameLength = file.bytes.readUInt16LE(26);
    expect(file.bytes.readUInt16LE(28)).toBe(0); // extra field length
    expect(file.bytes.subarray(30, 30 + nameLength).toString()).toBe('mimetype');
    expect(file.bytes.subarray(30 + nameLength, 30 + nameLength + 39).toString()).toBe('application/vnd.oasis.opendocument.text');
    const { zip, files } = await odtText(file.bytes);
    expect(files).toEqual(expect.arrayContaining(['mimetype', 'META-INF/manifest.xml', 'content.xml', 'styles.xml', 'meta.xml']));
    const manifest = await zip.file('META-INF/manifest.xml')!.async('string');
    for (const part of ['content.xml', 'styles.xml', 'meta.xml']) expect(manifest).toContain(`manifest:full-path="${part}"`);
    const meta = await zip.file('meta.xml')!.async('string');
    expect(meta).toContain('<meta:creation-date>2026-11-23T14:05:00+08:00</meta:creation-date>');
    expect(meta).toContain('<dc:language>zh-TW</dc:language>');
  });

  it('the PDF embeds a subset of the Traditional Chinese font, not the 7 MB file', async () => {
    const file = await renderReport(buildReport('closure', sampleFacts(), NOW), 'pdf', NOW);
    expect(file.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(file.bytes.length).toBeLessThan(400_000);
    expect(file.bytes.toString('latin1')).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSansTC/);
  });

  it('the cyber report takes the recovery time from the checklist when none was recorded on the incident', () => {
    const doc = buildReport('cyber', sampleFacts({ recoveredAt: null }), NOW);
    const f = doc.sections[1]!.fields.find((x) => x.label === '完成損害控制或復原時間')!;
    expect(f.lines).toEqual(['中華民國115年11月7日 18:30（檢核項目「資安事件損害控制或復原」完成時間）；系統已由備份還原']);
    const none = buildReport('cyber', sampleFacts({ recoveredAt: null, checklist: [] }), NOW);
    expect(none.missing).toContain('完成損害控制或復原時間');
  });

  it('text that looks like markup stays text', async () => {
    const doc = buildReport('bureau', sampleFacts({ place: '<教務處> & "註冊組"' }), NOW);
    expect((await odtText((await renderReport(doc, 'odt', NOW)).bytes)).text).toContain('<教務處> & "註冊組"');
    expect(await docxText((await renderReport(doc, 'docx', NOW)).bytes)).toContain('<教務處> & "註冊組"');
  });
});

describe('reports state facts, not clicks (issue #13)', () => {
  const text = (kind: ReportKind, facts = sampleFacts()) =>
    buildReport(kind, facts, NOW)
      .sections.flatMap((s) => s.fields.map((f) => `${f.label}：${f.lines.join('\n')}`))
      .join('\n');

  it('prints plan, schedule and state separately: never the tick time as the schedule, never 「已於…完成」 for a plan', () => {
    for (const kind of ['closure', 'cyber'] as const) {
      const doc = buildReport(kind, sampleFacts(), NOW);
      const section = doc.sections.find((s) => s.heading.startsWith('六、'))!;
      const f = (label: string) => section.fields.find((x) => x.label === label)!.lines;
      expect(f('改善措施')).toContain('・研議改進措施：全校帳號啟用兩步驟驗證');
      expect(f('預定完成時間')).toContain('・研議改進措施：中華民國115年12月31日');
      expect(f('辦理情形')).toContain('・研議改進措施：辦理中');
      // Ticked on 11-18: that day is nowhere in the section, and nothing planned for December is said to be done.
      expect(section.fields.flatMap((x) => x.lines).join('\n')).not.toContain('115年11月18日');
      expect(section.fields.flatMap((x) => x.lines).join('\n')).not.toMatch(/已於中華民國115年12月31日完成/);
    }
  });

  it('a plan past its date and not done says so; an improvement ticked without a plan is 【待補】', () => {
    const late = sampleFacts();
    const plan = late.checklist.find((c) => c.key === 'improvement-plan')!;
    plan.plannedOn = at('2026-11-20T00:00');
    expect(text('closure', late)).toContain('・研議改進措施：辦理中，已逾預定完成日期');
    plan.plannedOn = null;
    plan.planState = null;
    const doc = buildReport('closure', late, NOW);
    expect(doc.missing).toEqual(expect.arrayContaining(['預定完成時間', '辦理情形']));
  });

  it('prints the cyber level that was set, and 【待補】 until it is', () => {
    expect(text('cyber')).toContain('資安事件等級：第3級（判定理由：核心業務系統之學生成績輕微外洩）');
    expect(text('bureau')).toContain('資安事件等級：第3級');
    const none = buildReport('cyber', sampleFacts({ cyberLevel: null }), NOW);
    expect(none.missing).toContain('資安事件等級');
  });

  it('a private school: the cyber report says which rule applies instead of 「期限日期【待補】」', () => {
    const facts = sampleFacts({
      profile: {
        id: 'private-school',
        label: '私立學校（預設）',
        description: '私立學校依私立學校個資安全維護計畫實施辦法',
        schoolKind: 'private',
      },
    });
    const privateFacts = { ...facts, clocks: engineClocksFor(facts, 'private-school') };
    const t = text('cyber', privateFacts);
    expect(t).not.toContain('期限日期【待補】');
    expect(t).toContain('法定期限：本校適用之規則未將此報告列為法定期限；如主管機關要求送交，建議於 中華民國115年12月7日 24:00 前');
    expect(t).toContain('適用規則：本校為私立學校（非公務機關）');
    expect(t).not.toContain('預設');
    expect(buildReport('cyber', privateFacts, NOW).missing).not.toContain('法定期限');
  });

  it('says a deadline on a year without an office calendar (2028, derived from the rules) is provisional', () => {
    const base = sampleFacts();
    const facts2028 = {
      ...base,
      occurredAt: at('2028-01-21T10:00'),
      awareAt: at('2028-01-21T11:00'),
      handlingEndedAt: null,
      recoveredAt: null,
    };
    const t = text('bureau', { ...facts2028, clocks: engineClocks(facts2028, base.profile.id) });
    // 2028 Lunar New Year 01-24 … 01-28, then a weekend: the end rolls to Mon 01-31.
    expect(t).toContain('中華民國117年1月31日 24:00 前（依規定推算之辦公日曆，尚待人事行政總處公告確認）');
    expect(text('bureau')).not.toContain('依規定推算之辦公日曆');
  });

  it('a late report needs 遲延原因: 【待補】 until given, then printed; none when on time', () => {
    // Occurred Thu 11-05: 3 days end Sun 11-08, statutory end Mon 11-09 24:00.
    const onTime = text('bureau');
    expect(onTime).not.toContain('遲延原因');
    const late = sampleFacts({ submitted: { bureau: at('2026-11-10T00:00'), closure: null, cyber: null } });
    expect(text('bureau', late)).toContain(`遲延原因：${MISSING}`);
    expect(buildReport('bureau', late, NOW).missing).toContain('遲延原因');
    late.checklist.push(
      item({
        key: 'bureau-report',
        title: '通報主管機關（教育局/處）',
        phase: 'report',
        state: 'done',
        note: '已發文',
        doneAt: at('2026-11-10T09:00'),
        doneByName: '李組長（示範）',
        delayReason: '發生時間於調查後才確認',
      }),
    );
    expect(text('bureau', late)).toContain('遲延原因：發生時間於調查後才確認');
    // Not yet submitted and already past the end: the reason is asked for too.
    expect(text('bureau', sampleFacts({ submitted: { bureau: null, closure: null, cyber: null } }))).toContain(`遲延原因：${MISSING}`);
  });

  it("the reporter's estimate is printed as given until the assessment", () => {
    const facts = sampleFacts({ total: 40, totalIsEstimate: true, estimateText: '30 至 40 人', counts: [] });
    expect(text('bureau', facts)).toContain('受影響人數合計：30 至 40 人（通報時初估，尚待評估確認）');
    const unknown = sampleFacts({ total: null, totalIsEstimate: false, estimateText: '尚不清楚（正在清查存取紀錄）', counts: [] });
    expect(text('bureau', unknown)).toContain('受影響人數合計：尚不清楚（正在清查存取紀錄）（通報時初估，尚待評估確認）');
  });
});

describe('a report cites what binds this school, in the words of the law (scen1 finding 10)', () => {
  const privateSchool = (f = sampleFacts()) => {
    const facts = {
      ...f,
      profile: { id: 'private-school', label: '私立學校（預設）', description: '草案規則關閉', schoolKind: 'private' as const },
    };
    return { ...facts, clocks: engineClocksFor(facts, 'private-school') };
  };
  const headerOf = (kind: ReportKind, facts: ReturnType<typeof sampleFacts>) => {
    const doc = buildReport(kind, facts, NOW);
    const fields = Object.fromEntries(doc.sections[0]!.fields.map((f) => [f.label, f.lines.join('\n')]));
    return { doc, fields };
  };

  it('a public school: the private-school regulation is practice, never its 法令依據; no tool settings in 適用規則', () => {
    for (const kind of ['bureau', 'closure'] as const) {
      const { doc, fields } = headerOf(kind, sampleFacts());
      expect(fields.法令依據).toBe(
        '本校無直接適用之法定期限規定；參考私立高級中等以下學校及幼兒園個人資料檔案安全維護計畫實施辦法第13條第3項之作法辦理',
      );
      expect(doc.basisLine.startsWith('依私立')).toBe(false);
      expect(doc.basisLine).toContain(
        '參考私立高級中等以下學校及幼兒園個人資料檔案安全維護計畫實施辦法第13條第3項之作法；依所屬主管機關之規定辦理',
      );
      expect(fields.適用規則).toBe(
        kind === 'bureau'
          ? '本校為公立學校（公務機關）；公立學校依所屬主管機關之規定通報；本期限可作為審慎之參考。'
          : '本校為公立學校（公務機關）。',
      );
      expect(fields.適用規則).not.toMatch(/開啟|關閉|設定|預設|期限保留/);
    }
  });

  it('a public school: the 2026 cyber regulation binds and is cited first', () => {
    const { doc, fields } = headerOf('cyber', sampleFacts());
    expect(fields.法令依據!.startsWith('資通安全事件通報應變及演練辦法第6條')).toBe(true);
    expect(fields.法令依據).toContain('參考資通安全事件通報及應變辦法第6條');
    expect(doc.basisLine.startsWith('依資通安全事件通報應變及演練辦法第6條')).toBe(true);
  });

  it('a private school: the regulation binds and is its 法令依據', () => {
    const { doc, fields } = headerOf('bureau', privateSchool());
    expect(fields.法令依據).toBe('私立高級中等以下學校及幼兒園個人資料檔案安全維護計畫實施辦法第13條第3項');
    expect(doc.basisLine).toBe(
      '依私立高級中等以下學校及幼兒園個人資料檔案安全維護計畫實施辦法第13條第3項，自事件發生之日起3日內通報主管機關。',
    );
    expect(fields.適用規則).toBe('本校為私立學校（非公務機關）。');
  });
});

describe('required sections need real content (scen1 finding 18)', () => {
  const VAGUE = '已處理，詳見事件紀錄';
  const vague = (f = sampleFacts()) => ({
    ...f,
    checklist: f.checklist.map((i) =>
      i.reports.closure?.some((s) => s === 'investigation' || s === 'cause' || s === 'improvement' || s === 'harm')
        ? { ...i, note: i.state === 'open' ? i.note : VAGUE }
        : i,
    ),
  });

  it('「已處理，詳見事件紀錄」 as cause, investigation, harm or improvement is 【待補】 and listed', () => {
    const doc = buildReport('closure', vague(), NOW);
    const field = (label: string) =>
      doc.sections
        .flatMap((s) => s.fields)
        .find((f) => f.label === label)!
        .lines.join('\n');
    for (const label of ['根本原因分析', '調查經過及結果', '對當事人之損害及控制情形', '改善措施']) {
      expect(field(label), label).toContain(MISSING);
      expect(doc.missing).toContain(label);
    }
    expect(field('根本原因分析')).toContain('紀錄僅記「已處理，詳見事件紀錄」');
  });

  it('a real note stays as written; vague words alone do not count as content', async () => {
    const { hasContent } = await import('../../../src/core/documents/sections.js');
    for (const t of ['已處理，詳見事件紀錄', '已完成', '同上', '處理完畢。', '詳見紀錄', '無', 'OK']) expect(hasContent(t), t).toBe(false);
    for (const t of ['管理者密碼過於簡單', '大量寄信改用密件副本', '已請收件者刪除並回覆確認', '登入紀錄顯示僅下載一次'])
      expect(hasContent(t), t).toBe(true);
    const doc = buildReport('closure', sampleFacts(), NOW);
    expect(doc.missing).not.toContain('根本原因分析');
  });
});
