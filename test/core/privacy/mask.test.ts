import { describe, expect, it } from 'vitest';
import { taiwanIdCheckDigit } from '../../../src/core/privacy/checksums.js';
import { maskPersonalData, PII_KINDS, privacyNotice, type PiiKind } from '../../../src/core/privacy/mask.js';

const now = new Date('2026-11-21T10:00:00+08:00');
const mask = (text: string, extra: { studentNumberPattern?: RegExp } = {}) => maskPersonalData(text, { now, ...extra });
const token = (kind: PiiKind) => PII_KINDS[kind].token;
const countOf = (text: string, kind: PiiKind) => mask(text).findings.find((f) => f.kind === kind)?.count ?? 0;

/** A valid national ID computed with the check-digit algorithm, from a 9-character prefix. */
const validId = (head: string) => `${head}${taiwanIdCheckDigit(head)}`;
const invalidId = (head: string) => `${head}${(taiwanIdCheckDigit(head) + 1) % 10}`;

describe('maskPersonalData: identity numbers', () => {
  it('masks the message from the brief completely', () => {
    const r = mask('這是外洩的名單：王小明 A123456789 0912-345-678 …');
    expect(r.text).toBe(`這是外洩的名單：王小明 ${token('national-id')} ${token('phone')} …`);
    expect(r.masked).toBe(true);
    expect(r.findings).toEqual([
      { kind: 'national-id', count: 1 },
      { kind: 'phone', count: 1 },
    ]);
  });

  it('masks computed valid IDs as national IDs and wrong check digits as possible IDs, counted separately', () => {
    const good = [validId('F22345678'), validId('Z18765432'), validId('I20000000')];
    const bad = [invalidId('F22345678'), invalidId('K11111111')];
    const r = mask(`名單：${good.join('、')}；另有 ${bad.join('、')}`);
    for (const id of [...good, ...bad]) expect(r.text).not.toContain(id);
    expect(r.findings).toEqual([
      { kind: 'national-id', count: 3 },
      { kind: 'possible-id', count: 2 },
    ]);
    expect(r.text).toContain(token('possible-id'));
  });

  it('masks resident certificate numbers in the old and the 2021 format', () => {
    const r = mask(`外籍生 AC03095424、${validId('B91234567')}、${validId('CD1234567')}`);
    expect(r.findings).toEqual([{ kind: 'resident-id', count: 3 }]);
    expect(r.text).toBe(`外籍生 ${token('resident-id')}、${token('resident-id')}、${token('resident-id')}`);
  });

  it('matches full-width and lowercase input but returns the rest of the text unchanged', () => {
    const r = mask('身分證：Ａ１２３４５６７８９，小寫 a123456789。（請協助）');
    expect(r.text).toBe(`身分證：${token('national-id')}，小寫 ${token('national-id')}。（請協助）`);
  });

  it('keeps no partial digits', () => {
    const r = mask('A123456789 與 0912345678');
    expect(r.text).not.toMatch(/\d/);
  });

  it('masks an ID-like value after a 身分證 keyword even with a wrong length', () => {
    const r = mask('身分證字號：A12345678');
    expect(r.text).toBe(`身分證字號：${token('possible-id')}`);
  });
});

describe('maskPersonalData: phone numbers', () => {
  const mobiles = [
    '0912345678',
    '0912-345-678',
    '0912 345 678',
    '0912.345.678',
    '0912-345678',
    '(0912)345-678',
    '+886 912 345 678',
    '+886-912-345-678',
    '+886912345678',
    '886-912-345-678',
    '+886 (0)912 345 678',
    '００９１２－３４５－６７８'.slice(1), // full-width digits and dash
    '0912–345–678', // en dashes
  ];
  it.each(mobiles)('masks mobile %s', (phone) => {
    const r = mask(`家長手機 ${phone} 請回電`);
    expect(r.text).toBe(`家長手機 ${token('phone')} 請回電`);
    expect(r.findings).toEqual([{ kind: 'phone', count: 1 }]);
  });

  const landlines = [
    '(02)2345-6789',
    '02-2345-6789',
    '02 2345 6789',
    '0223456789',
    '049-2345678',
    '(049)2345678',
    '04-2345-6789',
    '037-123456',
    '0836-12345',
    '02-2345-6789 分機 123',
    '02-2345-6789#123',
    '(02)2345-6789 ext. 12',
    '+886-2-2345-6789',
    '（０２）２３４５－６７８９',
  ];
  it.each(landlines)('masks landline %s including its extension', (phone) => {
    const r = mask(`聯絡：${phone}。`);
    expect(r.text).toBe(`聯絡：${token('phone')}。`);
  });

  it('masks a local number without area code after a phone keyword', () => {
    expect(mask('住家電話：2345-6789').text).toBe(`住家電話：${token('phone')}`);
  });
});

describe('maskPersonalData: e-mail', () => {
  it('masks ordinary and full-width addresses', () => {
    const r = mask('寄給 wang.xiao-ming+test@school.edu.tw 與 ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ');
    expect(r.text).toBe(`寄給 ${token('email')} 與 ${token('email')}`);
    expect(r.findings).toEqual([{ kind: 'email', count: 2 }]);
  });

  it('masks e-mails inside URLs but keeps the rest of the URL', () => {
    const r = mask('表單 https://example.com/form?u=wang@example.com&step=2 有問題');
    expect(r.text).toBe(`表單 https://example.com/form?u=${token('email')}&step=2 有問題`);
  });
});

describe('maskPersonalData: dates of birth', () => {
  it.each([
    ['生日：2010/5/12', '生日：'],
    ['出生日期 2010-05-12', '出生日期 '],
    ['出生年月日：2010年5月12日', '出生年月日：'],
    ['生日 民國99年5月12日', '生日 '],
    ['出生：99/05/12', '出生：'],
    ['出生 099.05.12', '出生 '],
    ['DOB: 2010-05-12', 'DOB: '],
    ['生日 5/12', '生日 '],
    ['生日：5月12日', '生日：'],
    ['出生年月：2010年5月', '出生年月：'],
  ])('masks %s', (text, kept) => {
    expect(mask(text).text).toBe(`${kept}${token('birth-date')}`);
  });

  it('masks a recent date when it is labelled as a birth date', () => {
    expect(mask('出生日期：2025/03/01').text).toBe(`出生日期：${token('birth-date')}`);
  });

  it('masks any full date more than 3 years old (pasted records) in AD and ROC forms', () => {
    const r = mask('王小明 2011/3/4、李小華 民國100年3月4日、陳小美 100.03.04、林小強 20110304、張小芬 03/04/2011');
    expect(r.findings).toEqual([{ kind: 'old-date', count: 5 }]);
    expect(r.text).not.toMatch(/\d/);
  });

  it('keeps dates within 3 years and dates without a year', () => {
    const text = '2026/11/20 下午發現，11/20 下午通報，115年11月21日開會，2023/11/22 舊案';
    expect(mask(text).text).toBe(text);
    expect(mask('2023/11/20 舊案').text).toBe(`${token('old-date')} 舊案`);
  });
});

describe('maskPersonalData: student, passport, card and account numbers', () => {
  it('masks student numbers after keywords, one token per number', () => {
    const r = mask('學號：110123、110124, 110125；座號學號 70312；學生證號碼 S1100123');
    expect(r.text).toBe(
      `學號：${token('student-number')}、${token('student-number')}, ${token('student-number')}；座號學號 ${token('student-number')}；學生證號碼 ${token('student-number')}`,
    );
    expect(r.findings).toEqual([{ kind: 'student-number', count: 5 }]);
  });

  it('masks 5-digit student numbers only after a keyword', () => {
    expect(mask('學號 10523').text).toBe(`學號 ${token('student-number')}`);
    expect(mask('共 10523 字').text).toBe('共 10523 字');
  });

  it('uses a school-configured student-number pattern', () => {
    const r = mask('名單：st-0412 王小明', { studentNumberPattern: /st-\d{4}/i });
    expect(r.text).toBe(`名單：${token('student-number')} 王小明`);
  });

  it('masks bare digit runs of 6 or more digits and pasted CSV rows', () => {
    const r = mask('王小明,110123,0912345678\n李小華,110124,0987654321');
    expect(r.text).toBe(`王小明,${token('number')},${token('phone')}\n李小華,${token('number')},${token('phone')}`);
    expect(countOf('帳戶餘額查詢 12345678901', 'number')).toBe(1);
    expect(mask('序號 s1100123').text).toBe(`序號 ${token('number')}`);
  });

  it('masks passport numbers after 護照', () => {
    const r = mask('護照號碼：312345678，Passport No. M12345678');
    expect(r.text).toBe(`護照號碼：${token('passport')}，Passport No. ${token('passport')}`);
  });

  it('recognises card numbers by Luhn and brand, and bank accounts by keyword', () => {
    const r = mask('卡號 4111 1111 1111 1111，信用卡 5555555555554444，匯款帳號 (812) 1234-5678-9012');
    expect(r.text).toBe(`卡號 ${token('card-number')}，信用卡 ${token('card-number')}，匯款帳號 ${token('account-number')}`);
    expect(mask('4111-1111-1111-1111').findings).toEqual([{ kind: 'card-number', count: 1 }]);
    expect(mask('4111-1111-1111-1112').findings).toEqual([{ kind: 'number', count: 1 }]);
  });
});

describe('maskPersonalData: ordinary incident text passes unchanged', () => {
  const ordinary = [
    '今天 14:30 發現七年三班的 Google 表單設定錯誤，約 120 人的資料可被其他填答者看到。',
    '2026/11/20 下午 3 點，教務處發現成績單誤寄，影響 35 位學生。',
    '11/20 下午已先關閉表單的「顯示摘要圖表和其他作答內容」。',
    '外洩的個資種類：姓名、身分證號、出生日期、家長電話，共 2 筆。',
    '資訊組已於 2026-11-21 09:00 完成下架，並以電話通知教育局。',
    '依個資法第 12 條通知當事人，依施行細則第 22 條辦理。',
    '影響範圍：八年一班至八年五班，約 150 名學生。',
    '請參考 https://www.edu.tw/News_Content.aspx?n=9E7AC85F1954DDA8&s=1234567 公告。',
    '受影響人數 1,234 人，檔案大小 25 MB，損失估計新台幣 150,000 元。',
    '依教育部 113 年 11 月 22 日臺教資通字第1130105433號函辦理。',
    '第 2 節下課（10:00-10:10）發現電腦教室的列印紀錄外流。',
    '會議訂於 115 年 11 月 25 日 14:00 召開，地點在 701 教室。',
    '資通安全事件等級研判為第 2 級，需於 1 小時內通報。',
    '外流檔案在 IP 192.168.10.25 的印表機，韌體版本 6.4.3。',
    '處理期限：3 天內，即 11/23 前完成；上課時間 0830-1230。',
    '學號與姓名對照表外洩（不含身分證號），共 150000 筆資料。',
    '113-115 學年度的紀錄，2024-2026 年度計畫，班級 701、702、703。',
    'Google 表單連結 https://forms.gle/AbC123xYz45 已改為限本校帳號填寫。',
    '家長來電詢問 3 次，已請導師回電。',
  ];
  it.each(ordinary)('%s', (text) => {
    const r = mask(text);
    expect(r.text).toBe(text);
    expect(r.findings).toEqual([]);
    expect(r.masked).toBe(false);
  });
});

describe('maskPersonalData: idempotence', () => {
  const messy = [
    '這是外洩的名單：王小明 A123456789 0912-345-678 wang@example.com 生日 2010/5/12 學號 110123',
    '王小明,110123,0912345678-123456\n李小華,110124,(02)2345-6789 分機 12',
    '卡號 4111 1111 1111 1111，護照 312345678，https://x.example/a?mail=li@example.com&id=A123456789',
    '身分證 Ａ１２３４５６７８９ 出生 099.05.12 住家電話：2345-6789 20110304',
  ];
  it.each(messy)('masking masked text changes nothing: %s', (text) => {
    const once = mask(text);
    expect(once.masked).toBe(true);
    const twice = mask(once.text);
    expect(twice.text).toBe(once.text);
    expect(twice.findings).toEqual([]);
  });
});

describe('privacyNotice', () => {
  it('lists the masked kinds with counts and asks for a description instead of the data', () => {
    const r = mask(`王小明 A123456789 0912-345-678、李小華 ${invalidId('B12345678')} 0987-654-321 li@example.com`);
    const notice = privacyNotice(r.findings);
    // Evidence goes to the locker as a file, not into the chat as text (issue #15).
    expect(notice).toContain('截圖或檔案私訊傳給我');
    expect(notice).toContain('身分證號 1 筆');
    expect(notice).toContain('疑似證件號碼 1 筆');
    expect(notice).toContain('電話號碼 2 筆');
    expect(notice).toContain('電子郵件地址 1 筆');
    expect(notice).toContain('請不要在對話中貼上外洩的資料本身');
    expect(notice).toContain('人數');
    expect(notice).not.toMatch(/\d{3}/);
  });

  it('is empty when nothing was masked', () => {
    expect(privacyNotice([])).toBe('');
    expect(privacyNotice(mask('約 120 人').findings)).toBe('');
  });
});

describe('maskPersonalData: exact both ways (issue #12)', () => {
  it.each(['A 123 456 789', 'A-123-456-789', 'A.123.456.789', 'Ａ１２３４５６７８９', 'Ａ　１２３　４５６　７８９', 'a1 2345 6789'])(
    'masks the ID written as %s',
    (id) => {
      expect(mask(`名單：王小明 ${id}。`).text).toBe(`名單：王小明 ${token('national-id')}。`);
    },
  );

  it.each(['0912-345-678', '0912 345 678', '09 1234 5678', '(02)2345-6789', '+886 912 345 678', '+886-9-1234-5678'])(
    'masks the phone %s',
    (p) => {
      expect(mask(`家長 ${p} 請回電`).text).toBe(`家長 ${token('phone')} 請回電`);
    },
  );

  it("keeps the school's switchboard on record in a notice, in any writing, and masks a parent's number", () => {
    const keep = ['(02)2345-6789'];
    const notice =
      '如有疑問，請於上班時間來電本校 02-2345-6789 分機 123（或 +886 2 2345 6789，電話：2345-6789），家長 0912-345-678 已通知。';
    expect(maskPersonalData(notice, { now, keep }).text).toBe(
      `如有疑問，請於上班時間來電本校 02-2345-6789 分機 123（或 +886 2 2345 6789，電話：2345-6789），家長 ${token('phone')} 已通知。`,
    );
    // Without the allow-list the same notice loses the school's number.
    expect(mask(notice).text).not.toContain('2345-6789');
    // A number that only shares the last digits with the switchboard is still masked.
    expect(maskPersonalData('家長 (03)2345-6789', { now, keep }).text).toBe(`家長 ${token('phone')}`);
  });

  it('keeps ids the system made and official ticket numbers', () => {
    const kept = [
      'jobId 12345678-7187-4a1b-9c3d-1234567890ab 重試',
      'LINE U4af4980629f3a1b2c3d4e5f6a7b8c9d0 加入',
      '教育機構資安通報平台事件單號 EDU-1151207-001，已通報。',
      '單號 ISAC-202611-0001 已結案',
      // A digit group that reads like a number with the +886 country prefix stays inside its ticket.
      '通報平台事件單號：AAA-88620000-000，已完成通報。',
    ];
    for (const text of kept) expect(mask(text).text).toBe(text);
  });

  it('a contact label or a mobile number glued to letters is not a ticket', () => {
    expect(mask('家長 TEL-0912345678').text).toBe(`家長 TEL-${token('phone')}`);
    expect(mask('家長 ABC-0912-345-678').text).not.toContain('345');
    expect(mask('卡號 CARD-4111-1111-1111-1111').text).not.toContain('1111');
  });

  it('a two-letter prefix with a single number is not taken for a ticket (it may be a student number)', () => {
    expect(mask('名單 NO-110123 王小明').text).toBe(`名單 NO-${token('number')} 王小明`);
  });
});
