import { describe, expect, it } from 'vitest';
import { maskPersonalData } from '../../../src/core/privacy/mask.js';
import { missingContact, type SchoolContact } from '../../../src/core/notices/contact.js';
import { findMeasures, measuresSentence, refreshMeasures, type MeasureItem } from '../../../src/core/notices/measures.js';
import { loadPlaybookLibrary } from '../../../src/core/playbooks/index.js';

const at = (iso: string) => new Date(`${iso}+08:00`);
const item = (position: number, publicText: string | null, state = 'open', doneAt: Date | null = null, phase = 'contain'): MeasureItem => ({
  position,
  state,
  doneAt,
  phase,
  def: { title: `項目${position}`, publicText },
});

describe('the measures sentence of a notice', () => {
  it('lists the done steps in the order they were done, in their public wording, leaving internal ones out', () => {
    const s = measuresSentence([
      item(0, '中斷資料外洩的途徑', 'done', at('2026-11-05T10:30')),
      item(1, null, 'done', at('2026-11-05T09:00')), // internal (report to the contact window)
      item(2, '保存相關紀錄作為調查證據', 'done', at('2026-11-05T09:45')),
      item(3, '清查受影響的資料種類與人數', 'open'),
      item(4, '報請警察機關調查', 'na', at('2026-11-05T11:00')),
    ]);
    expect(s).toBe('本校發現後已採取下列措施：保存相關紀錄作為調查證據；中斷資料外洩的途徑。');
  });

  it('with nothing done yet, names no step: none has been taken (a notice must not claim a measure not taken)', () => {
    const s = measuresSentence([
      item(0, '清查受影響的資料種類與人數', 'open', null, 'assess'),
      item(1, '中斷資料外洩的途徑'),
      item(2, null),
      item(3, '保存相關紀錄作為調查證據'),
    ]);
    expect(s).toBe('本校已啟動個資事件應變程序，正在查明事件並處理中。');
    expect(measuresSentence([])).toBe('本校已啟動個資事件應變程序，正在查明事件並處理中。');
  });

  it("a done item's note says what was actually done, after the playbook's general wording", () => {
    const s = measuresSentence([
      { ...item(0, '設法收回誤寄的訊息，並請收件者刪除', 'done', at('2026-11-05T09:00')), note: 'Gmail 無法收回，已請收件家長刪除。' },
      { ...item(1, '保存相關紀錄作為調查證據', 'done', at('2026-11-05T09:30')), note: '  ' },
    ]);
    expect(s).toBe(
      '本校發現後已採取下列措施：設法收回誤寄的訊息，並請收件者刪除（Gmail 無法收回，已請收件家長刪除）；保存相關紀錄作為調查證據。',
    );
  });

  it('every shipped playbook gives each item a public wording or marks it internal, and the sentence reads for each', () => {
    const lib = loadPlaybookLibrary();
    for (const p of lib.list()) {
      for (const i of p.checklist) expect(i.publicText === null || typeof i.publicText === 'string', `${p.id}/${i.key}`).toBe(true);
      const all = p.checklist.map((d, n) => ({ position: n, state: 'done', doneAt: at('2026-11-05T10:00'), phase: d.phase, def: d }));
      const s = measuresSentence(all);
      expect(s.startsWith('本校發現後已採取下列措施：'), p.id).toBe(true);
      expect(s.match(/。/g), p.id).toHaveLength(1);
      // Internal steps are never named to the people affected.
      expect(s, p.id).not.toMatch(/聯絡窗口|陳報校長|歸檔/);
    }
  });

  it('a revision refreshes the sentence only while it is still the generated one', () => {
    const old = '本校已啟動個資事件應變程序，正在中斷資料外洩的途徑。';
    const fresh = '本校發現後已採取下列措施：中斷資料外洩的途徑。';
    const text = `您好：\n　　${old}我們也在追查原因。\n敬啟`;
    expect(findMeasures(text)).toBe(old);
    expect(refreshMeasures(text, old, fresh)).toBe(`您好：\n　　${fresh}我們也在追查原因。\n敬啟`);
    // The drafter rewrote it: theirs stays.
    const rewritten = text.replace(old, '本校已啟動個資事件應變程序，正在全力處理中。');
    expect(refreshMeasures(rewritten, old, fresh)).toBe(rewritten);
    // No generated sentence at all (the drafter replaced the paragraph).
    expect(refreshMeasures('本校已處理完畢。', old, fresh)).toBe('本校已處理完畢。');
  });
});

describe("the school's contact channel in notice text", () => {
  const contact: SchoolContact = {
    phone: '(02)2345-6789 分機 123',
    email: 'privacy@school.example.edu.tw',
    unit: '註冊組',
    name: '李組長',
  };
  const mask = (s: string) => maskPersonalData(s, { now: at('2026-11-05T12:00') });

  // The notice service masks typed text with the school's phone and e-mail on the masker's keep list.
  const keep = [contact.phone!, contact.email!];
  const maskKeepingContact = (text: string) => maskPersonalData(text, { now: at('2026-11-05T12:00'), keep });

  it("keeps the school's telephone (as written or typed another way) and e-mail, and masks other people's", () => {
    const text =
      '請撥 (02)2345-6789 分機 123 或 02-2345-6789，來信 Privacy@School.example.edu.tw；家長王先生 0912-345-678、wang@example.com。';
    const r = maskKeepingContact(text);
    expect(r.text).toContain('(02)2345-6789 分機 123');
    expect(r.text).toContain('02-2345-6789');
    expect(r.text).toContain('Privacy@School.example.edu.tw');
    expect(r.text).not.toContain('0912-345-678');
    expect(r.text).not.toContain('wang@example.com');
    expect(r.findings.length).toBeGreaterThan(0);
    // A longer number that merely contains the school's digits is not the school's: masked as any other text.
    for (const other of ['證號 A1223456789', '帳號 90223456789', '電話 (02)2345-6788']) {
      expect(maskKeepingContact(other).text).toBe(mask(other).text);
    }
    // The masker does mask office numbers: without the school's record the same text loses the number.
    expect(mask('請撥 02-2345-6789').text).not.toContain('2345-6789');
  });

  it('names the contact values a text lacks', () => {
    expect(missingContact('電話 (02)2345-6789 分機 123，電子郵件 privacy@school.example.edu.tw', contact)).toEqual([]);
    expect(missingContact('電話 02 2345 6789', contact)).toEqual(['電子郵件 privacy@school.example.edu.tw']);
    expect(missingContact('請洽學校', contact)).toEqual(['聯絡電話 (02)2345-6789 分機 123', '電子郵件 privacy@school.example.edu.tw']);
    expect(missingContact('請洽學校', { phone: null, email: null, unit: null, name: null })).toEqual([]);
  });
});
