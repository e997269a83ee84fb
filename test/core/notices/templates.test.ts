import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataFileError } from '../../../src/core/data/yaml-file.js';
import { parseBatchLine, parseNoticeCommand } from '../../../src/core/conversation/notice-cards.js';
import { AUDIENCES, NOTICE_SECTIONS, loadNoticeTemplates, renderNotice, type NoticeFacts } from '../../../src/core/notices/templates.js';
import { DEFAULT_PLAYBOOKS_DIR } from '../../../src/core/playbooks/library.js';

const SHIPPED = join(DEFAULT_PLAYBOOKS_DIR, 'notices');

const facts: NoticeFacts = {
  schoolName: '測試國中',
  ref: '115-007',
  occurredDate: '中華民國115年11月5日',
  awareDate: '中華民國115年11月6日',
  noticeDate: '中華民國115年11月7日',
  occurredClause: '（事件發生於中華民國115年11月5日）',
  what: '含個資的電子郵件寄給了不該收到的人',
  affected: '，人數約32人',
  categories: '姓名、成績',
  measures: '本校發現後已採取下列措施：收回誤寄的訊息，並請收件者刪除。',
  contactUnit: '註冊組',
  contactName: '李組長',
  contactPhone: '(02)2345-6789 分機 123',
  contactEmail: 'privacy@school.example',
};

describe('notice templates (playbooks/notices)', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });
  const copy = () => {
    dir = mkdtempSync(join(tmpdir(), 'notices-'));
    cpSync(SHIPPED, dir, { recursive: true });
    return dir;
  };

  it('the shipped templates cover every audience and fill every placeholder', () => {
    const templates = loadNoticeTemplates(SHIPPED);
    for (const a of AUDIENCES) {
      const t = templates.get(a);
      expect(t.audience).toBe(a);
      expect(t.basis).toContain('個人資料保護法第12條');
      const text = renderNotice(t, facts);
      expect(text, a).not.toMatch(/\{\{|\}\}/);
      // The measures come from the checklist (measures.ts), not from the reporter's typed note; the school's
      // telephone and e-mail are the inquiry channel of every template (施行細則第22條).
      for (const v of [
        '測試國中',
        '中華民國115年11月6日',
        '發現一起',
        '（事件發生於中華民國115年11月5日）：含個資的電子郵件寄給了不該收到的人。',
        '姓名、成績，人數約32人。',
        facts.measures,
        '註冊組',
        '中華民國115年11月7日',
        '(02)2345-6789 分機 123',
        'privacy@school.example',
      ]) {
        expect(text, `${a} contains ${v}`).toContain(v);
      }
      // One paragraph per §3.3 part, in order, between the greeting and the closing.
      const lines = text.split('\n');
      expect(lines[2]).toBe(t.greeting);
      expect(lines.slice(3, 3 + NOTICE_SECTIONS.length).every((l) => l.startsWith('　　'))).toBe(true);
    }
    expect(renderNotice(templates.get('guardians'), facts)).toContain('親愛的家長您好');
  });

  it("a template quoting the reporter's free text (外洩經過, 已採取的處置) is refused at load", () => {
    for (const p of ['howLeaked', 'stepsTaken']) {
      const d = copy();
      const file = join(d, 'others.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('{{what}}', `{{${p}}}`));
      expect(() => loadNoticeTemplates(d), p).toThrow(new RegExp(`others\\.yaml: sections\\.facts: \\{\\{${p}\\}\\} is no longer allowed`));
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('a template missing a required part is refused at load, naming file and field', () => {
    const d = copy();
    const file = join(d, 'staff.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/ {2}compensation: \|-\n( {4}.*\n)+/, ''));
    expect(() => loadNoticeTemplates(d)).toThrow(DataFileError);
    expect(() => loadNoticeTemplates(d)).toThrow(/staff\.yaml: sections\.compensation/);
  });

  it("a template without the school's telephone, e-mail or the measures taken is refused", () => {
    const d = copy();
    const file = join(d, 'guardians.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('電子郵件 {{contactEmail}}', '').replace('{{measures}}', '本校已處理。'));
    expect(() => loadNoticeTemplates(d)).toThrow(
      /guardians\.yaml:[\s\S]*sections\.measures: must contain \{\{measures\}\}[\s\S]*sections\.inquiry: must contain \{\{contactEmail\}\}/,
    );
    writeFileSync(file, original.replace('{{contactPhone}}', '學校總機'));
    expect(() => loadNoticeTemplates(d)).toThrow(/sections\.inquiry: must contain \{\{contactPhone\}\}/);
  });

  it('an unknown placeholder, a duplicate audience and a missing audience are refused', () => {
    const d = copy();
    const file = join(d, 'others.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('{{contactUnit}}', '{{contactFax}}'));
    expect(() => loadNoticeTemplates(d)).toThrow(/others\.yaml: sections\.inquiry: unknown placeholder \{\{contactFax\}\}/);
    writeFileSync(file, original.replace('audience: others', 'audience: staff'));
    expect(() => loadNoticeTemplates(d)).toThrow(/already defined/);
    rmSync(file);
    expect(() => loadNoticeTemplates(d)).toThrow(/no notice template for audience "others"/);
  });
});

describe('typed fallbacks', () => {
  it('「通知」 commands', () => {
    expect(parseNoticeCommand('通知')).toEqual({});
    expect(parseNoticeCommand('通知 115-001')).toEqual({ arg: '115-001' });
    expect(parseNoticeCommand('/notices 115-002')).toEqual({ arg: '115-002' });
    expect(parseNoticeCommand('通知家長了嗎')).toBeNull();
  });

  it('a delivery batch typed as 「方式 N/M」', () => {
    expect(parseBatchLine('書面 30/32')).toEqual({ channel: 'letter', notified: 30, total: 32, note: null });
    expect(parseBatchLine('簡訊 ５／５ 補發')).toEqual({ channel: 'sms', notified: 5, total: 5, note: '補發' });
    expect(parseBatchLine('公告 120/120 聯絡方式不明')).toEqual({
      channel: 'public',
      notified: 120,
      total: 120,
      publicReason: '聯絡方式不明',
    });
    expect(parseBatchLine('公開 80/80 逐一通知需費過鉅')).toEqual({
      channel: 'public',
      notified: 80,
      total: 80,
      publicReason: '逐一通知需費過鉅',
    });
    // Every means 施行細則第22條 names has its word.
    expect(parseBatchLine('言詞 12/12')?.channel).toBe('in-person');
    expect(parseBatchLine('傳真 1/1')?.channel).toBe('fax');
    expect(parseBatchLine('電子文件 40/40')?.channel).toBe('electronic');
    expect(parseBatchLine('其他 2/2 家訪')).toEqual({ channel: 'other', notified: 2, total: 2, note: '家訪' });
    expect(parseBatchLine('飛鴿 3/3')).toBeNull();
    expect(parseBatchLine('書面 三十人')).toBeNull();
  });
});
