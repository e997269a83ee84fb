import { beforeAll, describe, expect, it } from 'vitest';
import { LeakDetector, loadPlaybookLibrary, normalizeText, parseRule, type PlaybookLibrary } from '../../../src/core/playbooks/index.js';

let lib: PlaybookLibrary;
beforeAll(() => {
  lib = loadPlaybookLibrary();
});

describe('leak detection on the project phrases', () => {
  /** Messages as staff write them, and the scenario they should suggest (undefined: generic only). */
  const positives: [string, string | undefined][] = [
    ['報告！我們班的Google表單可以看到別人的資料', 'form-responses'],
    ['家長反映填完問卷後看得到其他人的答案', 'form-responses'],
    ['健康調查表單好像有勾到「顯示摘要圖表和其他作答內容」', 'form-responses'],
    ['不好意思，我剛剛寄錯信，把全班成績寄給另一班家長', 'misdirected-message'],
    ['主任，我把學生緊急聯絡名冊傳錯群組了', 'misdirected-message'],
    ['寄給全體家長的通知忘了用密件副本，大家都看得到彼此的信箱', 'misdirected-message'],
    ['輔導室的名單外流了，家長群組在傳', 'shared-roster'],
    ['雲端硬碟的學生資料夾設成知道連結者皆可檢視，被外校的人看到', 'shared-roster'],
    ['學生的作業影片在 YouTube 是公開的，任何人都搜得到', 'public-video'],
    ['聽說畢業典禮的影片公開在網路上', 'public-video'],
    ['ＵＳＢ 掉了，裡面有學生輔導紀錄', 'lost-media'],
    ['筆電在捷運上被偷了，裡面有全校學生的身分證字號', 'lost-media'],
    ['裝健康檢查資料的公文袋遺失了', 'lost-media'],
    ['學校網站被入侵，首頁被改掉', 'hacked-system'],
    ['校務行政系統好像被駭了', 'hacked-system'],
    ['電腦中了勒索病毒，檔案都被加密了', 'hacked-system'],
    ['疑似個資外洩，要怎麼通報？', undefined],
    ['學生資料外 流了怎麼辦', undefined],
    ['這算不算個資事件？', undefined],
    ['家長說孩子的資料被洩露出去', undefined],
    ['學校粉專貼文把學生住址和電話都公開在網路上', undefined],
    ['段考成績被公開在班級群組', undefined],
  ];

  it.each(positives)('「%s」 → %s', (text, scenario) => {
    const r = lib.detect(text);
    expect(r.isLeakReport).toBe(true);
    expect(r.scenario).toBe(scenario);
    expect(r.matched.length).toBeGreaterThan(0);
  });

  const negatives = [
    '明天開會',
    '表單記得填',
    '請各位老師週五前完成問卷填寫，謝謝',
    '下午三點在會議室開會，記得帶筆電',
    '我的雨傘不見了，有人看到嗎',
    '本學區學生外流嚴重，招生要加油',
    '化學實驗室瓦斯外洩演練改到週五',
    '提醒大家上傳作業影片時不要設成公開',
    '請大家注意，避免個資外洩',
    '不好意思傳錯了，請忽略',
    '週三公開觀課，歡迎大家來看',
    '校慶影片公開播放時間是週五',
    '下週三下午個資事件通報演練，請準時出席',
    '期末成績已上傳校務系統',
    '檢查過了，資料沒有外洩',
    '這份問卷的結果大家看得到嗎？',
    '得獎名單公開在學校網站',
    '請把聯絡電話更新在通訊錄',
  ];

  it.each(negatives)('「%s」 is ordinary chat', (text) => {
    expect(lib.detect(text)).toEqual({ isLeakReport: false, matched: [] });
  });

  it('says which phrases matched', () => {
    expect(lib.detect('我寄錯信了').matched).toEqual(['寄錯+信']);
    expect(lib.detect('名單外流').matched).toEqual(['外流', '名單+外流']);
  });

  it('tolerates full-width letters, spaces and simplified characters', () => {
    expect(lib.detect('ＧＯＯＧＬＥ 表單 可以 看到 別人').scenario).toBe('form-responses');
    expect(lib.detect('U S B 不 見 了').scenario).toBe('lost-media');
    expect(lib.detect('个资泄漏').isLeakReport).toBe(true);
  });

  it('picks the scenario whose phrases match most', () => {
    // Both a form and a wrongly shared spreadsheet: the form phrase is the longer match.
    expect(lib.detect('表單回應的試算表任何人都能看，表單上也看得到別人的作答').scenario).toBe('form-responses');
  });
});

describe('normalizeText', () => {
  it('unifies width and case, drops spaces and marks punctuation as a clause boundary', () => {
    expect(normalizeText('ＵＳＢ　掉了')).toBe('usb掉了');
    expect(normalizeText('Google 表單')).toBe('google表單');
    expect(normalizeText('沒有，外洩了！')).toBe('沒有\n外洩了\n');
  });
});

describe('parseRule', () => {
  it('reads alternatives and parts', () => {
    const { rule, faults } = parseRule('寄錯|傳錯 + 信|群組');
    expect(faults).toEqual([]);
    expect(rule!.groups.map((g) => g.map((t) => t.shown))).toEqual([
      ['寄錯', '傳錯'],
      ['信', '群組'],
    ]);
  });

  it('reports empty parts and punctuation', () => {
    expect(parseRule('寄錯 + |').faults).toEqual(['part 2 of "寄錯 + |" has no words (write "A|B + C|D")']);
    expect(parseRule('寄錯。').faults[0]).toContain('must be words without punctuation');
  });
});

describe('LeakDetector', () => {
  const detector = new LeakDetector(
    { generic: ['外洩'], ignore: ['瓦斯外洩'], negators: ['避免'], negatorWindow: 3, quietContexts: ['演練'] },
    [
      { id: 'mail', rules: ['寄錯 + 信'] },
      { id: 'mail-long', rules: ['寄錯信給家長'] },
    ],
  );

  it('applies the negator only within the window and the clause', () => {
    expect(detector.detect('避免外洩').isLeakReport).toBe(false);
    expect(detector.detect('要避免，但還是外洩了').isLeakReport).toBe(true);
    expect(detector.detect('避免麻煩的是資料外洩').isLeakReport).toBe(true);
  });

  it('counts an affirmed occurrence even when another one is negated', () => {
    expect(detector.detect('說好避免外洩結果外洩').isLeakReport).toBe(true);
  });

  it('drops ignored phrases and quiet contexts for generic words only', () => {
    expect(detector.detect('瓦斯外洩').isLeakReport).toBe(false);
    expect(detector.detect('外洩演練').isLeakReport).toBe(false);
    expect(detector.detect('演練時寄錯信').scenario).toBe('mail');
  });

  it('prefers the longer match between scenarios', () => {
    expect(detector.detect('我寄錯信給家長').scenario).toBe('mail-long');
    expect(detector.detect('我寄錯了一封信').scenario).toBe('mail');
  });
});
