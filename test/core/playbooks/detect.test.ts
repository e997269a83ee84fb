import { beforeAll, describe, expect, it } from 'vitest';
import {
  LeakDetector,
  loadPlaybookLibrary,
  normalizeText,
  parseRule,
  type DetectorConfig,
  type PlaybookLibrary,
} from '../../../src/core/playbooks/index.js';

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
    // A public page showing addresses is a list published too widely (issue #12), not only 「個資外洩」.
    ['學校粉專貼文把學生住址和電話都公開在網路上', 'shared-roster'],
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
    expect(lib.detect(text)).toEqual({ isLeakReport: false, matched: [], categories: [], people: [] });
  });

  it('says which phrases matched', () => {
    expect(lib.detect('成績單寄錯了').matched).toEqual(expect.arrayContaining(['寄錯+成績']));
    expect(lib.detect('名單外流').matched).toEqual(expect.arrayContaining(['外流', '名單+外流']));
    expect(lib.detect('我剛把名單傳到家長群組了').matched).toContain('名單+傳到+家長群組');
  });

  it('wants a personal-data word for a wrong send, not any file (round 8)', () => {
    expect(lib.detect('我寄錯信了').isLeakReport).toBe(false);
    expect(lib.detect('剛剛檔案傳錯了 是上學期的行事曆 等一下補新的').isLeakReport).toBe(false);
    // email named as the channel is not an email address
    expect(lib.detect('email寄錯版本了 是舊的會議紀錄 請以這封為準').isLeakReport).toBe(false);
    expect(lib.detect('我寄錯信了 附件是全班的家長電話').scenario).toBe('misdirected-message');
    // a misplaced item found again is no report
    expect(lib.detect('還好那包考卷只是放錯抽屜 已經找到了 沒有外流').isLeakReport).toBe(false);
    // 電話 in 「打電話」 is the call, not a number
    expect(lib.detect('ㄏㄏ 今天又被家長打電話問功課 累ㄌ').isLeakReport).toBe(false);
    expect(lib.detect('家長打電話來說他收到別班的名單 上面有電話跟地址').isLeakReport).toBe(true);
  });

  it('hears leaks said without a wrong-send verb, and not their everyday look-alikes (round 9)', () => {
    // CCTV footage sent out is a public video; a camera that only recorded something is not
    expect(lib.detect('監視器拍到的畫面被家長po到臉書').scenario).toBe('public-video');
    expect(lib.detect('監視器拍到有人偷腳踏車 已經報警 警察會來調閱').isLeakReport).toBe(false);
    // an outsider who somehow has the data, unless the person gave it himself
    expect(lib.detect('補習班怎麼會有學生的住址 寄傳單到家裡').isLeakReport).toBe(true);
    expect(lib.detect('家長問補習班怎麼有他電話 我跟他說不是學校給的 是他自己在公園填傳單登記的').isLeakReport).toBe(false);
    // the school's own address is not personal data; a question about the law is not a report
    expect(lib.detect('學校地址可以在google地圖查到 家長來參觀可以用').isLeakReport).toBe(false);
    expect(lib.detect('有人把全班住址做成google地圖分享連結').isLeakReport).toBe(true);
    expect(lib.detect('想問一下 學生照片放學校網站要不要家長同意書？個資法怎麼規定').isLeakReport).toBe(false);
    // something lost and brought back is found again
    expect(lib.detect('平板掉在操場 警衛送還給我了').isLeakReport).toBe(false);
    expect(lib.detect('裝學生資料的隨身碟掉了 到現在還沒送回來').scenario).toBe('lost-media');
    // 朋友 inside 小朋友 is not an audience of friends
    expect(lib.detect('小朋友的名單已經傳到教務處了').isLeakReport).toBe(false);
    expect(lib.detect('我把全班名單傳給朋友看了').scenario).toBe('misdirected-message');
    // a vendor copying data for himself is a report; a teacher working on his own computer, or names on a door, is not
    expect(lib.detect('系統廠商工程師遠端進來維修 把整個學生資料庫下載到他自己電腦說要測試').isLeakReport).toBe(true);
    expect(lib.detect('我在自己電腦整理學生資料 明天交').isLeakReport).toBe(false);
    expect(lib.detect('小朋友名字貼在門口 方便家長找教室').isLeakReport).toBe(false);
  });

  it('hears the families of round 10 with the right playbook, and not their look-alikes', () => {
    // data put on a public web page or an announcement's attachment, said without 個資
    expect(lib.detect('總務處網頁上的採購公告附件不小心放成含學生名單的那一版，有身分證字號，掛上網已經兩週了').scenario).toBe(
      'shared-roster',
    );
    expect(lib.detect('學務處把懲處名單掛上網了 還有學號').scenario).toBe('shared-roster');
    expect(lib.detect('獎學金公告已經掛上網了，請有需要的學生下載申請表').isLeakReport).toBe(false);
    // English words for data and what happened to it; English reminders stay silent, and 「lost」 is not in 「almost」
    const english =
      "Our school's Google Drive folder with student counseling notes was set to 'anyone with the link', and the link got posted in a public group. 怎麼辦";
    expect(lib.detect(english).scenario).toBe('shared-roster');
    expect(lib.detect("I accidentally sent the class list with parents' phone numbers to the wrong group").scenario).toBe(
      'misdirected-message',
    );
    expect(lib.detect("A teacher's laptop with student records was stolen from his car").scenario).toBe('lost-media');
    expect(lib.detect("Reminder — please don't post student photos on public social media without parental consent.").isLeakReport).toBe(
      false,
    );
    expect(lib.detect('Almost done with the grade report, will send it to the office tomorrow.').isLeakReport).toBe(false);
    // an accessory of a device is not the device
    expect(lib.detect('手機充電線不見了 誰借走了').isLeakReport).toBe(false);
    expect(lib.detect('電腦滑鼠不見了，有人看到嗎').isLeakReport).toBe(false);
    expect(lib.detect('手機跟充電器都不見了 手機裡有學生照片').scenario).toBe('lost-media');
    // routed by what happened, as the playbooks describe it
    expect(lib.detect('午餐廠商那邊說他們訂餐系統被駭，我們學校提供的學生過敏名單跟班級座號可能被拿走了').scenario).toBe('hacked-system');
    expect(lib.detect('我手機掉了 LINE 沒設密碼 裡面有全班家長群組跟學生照片').scenario).toBe('lost-media');
    expect(lib.detect('寄家長會通知 密件副本寫成副本 所有家長的信箱都露出來').scenario).toBe('misdirected-message');
    // a wrong send to another group is still a misdirected message; a public place is a shared roster
    expect(lib.detect('我把名單傳錯到別的群組了').scenario).toBe('misdirected-message');
    expect(lib.detect('名單不小心放到班網了').scenario).toBe('shared-roster');
    expect(lib.detect('我點了一封假的教育局信的連結 輸入了校務系統的帳號密碼').scenario).toBe('hacked-system');
    expect(lib.detect('舊的學生資料卡直接丟進資源回收 被收舊報紙的拿走').scenario).toBe('lost-media');
    expect(lib.detect('😱😱 我們班有同學把全班的健康檢查結果截圖貼在IG限動 😭 要怎麼處理').scenario).toBe('shared-roster');
    expect(lib.detect('特教學生名冊放在川堂的桌上沒人顧 一堆人在看').scenario).toBe('shared-roster');
    expect(lib.detect('廠商員工把學生名冊拍照傳到他們群組 已經流出去了').scenario).toBe('shared-roster');
    expect(lib.detect('學務系統有一筆從海外IP登入的紀錄 用的是組長帳號').scenario).toBe('hacked-system');
    // 掉了 inside 關掉了, 不見 inside 看不見: a word inside another word is not that word
    expect(lib.detect('學生資料夾的共用我關掉了 現在只有我能看').isLeakReport).toBe(false);
    expect(lib.detect('成績單字太小看不見').isLeakReport).toBe(false);
    expect(lib.detect('平板掉了 裡面有學生的IEP').scenario).toBe('lost-media');
  });

  it('hears the families of round 11 with the right playbook, and not their look-alikes', () => {
    // Taiwanese Hokkien read as the Mandarin words of the lists: lost, found, handed to, whole, children
    expect(lib.detect('阮手機毋見去矣 內底有規班學生的電話').scenario).toBe('lost-media');
    expect(lib.detect('今天在操場抾著一本點名簿，頂面有學生電話').scenario).toBe('lost-media');
    expect(lib.detect('家長會長共規本家長通訊錄提去予伊的朋友用').isLeakReport).toBe(true);
    expect(lib.detect('囡仔攏真乖 今仔日規班攏有交作業').isLeakReport).toBe(false);
    expect(lib.detect('手機毋見去矣 原來佇車頂 找到了').isLeakReport).toBe(false);
    // identity documents are data (a photo of one is a copy of it); a card to be reissued is no report
    expect(lib.detect('體育組把選手的健保卡照片傳到家長群組了').scenario).toBe('misdirected-message');
    expect(lib.detect('學生證照片被貼到班網上了').scenario).toBe('shared-roster');
    expect(lib.detect('畢旅的居留證影本放在公用雲端 全校都可以下載').scenario).toBe('shared-roster');
    expect(lib.detect('阮健保卡毋見去矣 要去哪裡補辦').isLeakReport).toBe(false);
    expect(lib.detect('撿到一張學生證，請失主到學務處認領').isLeakReport).toBe(false);
    // blogs and community groups are public places and outside audiences
    expect(lib.detect('實習老師在個人網誌寫了學生家裡發生的事跟全名').scenario).toBe('shared-roster');
    expect(lib.detect('我把社員的健保卡影本傳到社區群組了').scenario).toBe('misdirected-message');
    // requests, jokes and restrictions are quiet; a restriction does not silence what was posted
    expect(lib.detect('社團老師請在週五前把社員名單e-mail給學務處').isLeakReport).toBe(false);
    expect(lib.detect('Wi-Fi斷線了 是不是又被駭了哈哈 開玩笑的 資訊組說機房在維修').isLeakReport).toBe(false);
    expect(lib.detect('這不是開玩笑的 名單真的被貼到臉書了').isLeakReport).toBe(true);
    expect(lib.detect('寒假營隊的相簿連結我放在LINE記事本，只有隊輔看得到').isLeakReport).toBe(false);
    expect(lib.detect('只有三年級的成績被貼在公布欄').scenario).toBe('shared-roster');
    // found media, recycling, spreading by others, mail to another school: the playbooks they describe
    expect(lib.detect('剛剛在三年二班教室撿到一支隨身碟，插上去看裡面是輔導室的個案晤談紀錄').scenario).toBe('lost-media');
    expect(lib.detect('那份名單被轉寄到外校了').scenario).toBe('shared-roster');
    expect(lib.detect('輔導紀錄夾在信裡寄到別校去了').scenario).toBe('misdirected-message');
    // a place implies the kind of data kept there
    expect(lib.detect('保健室電腦中了勒索病毒').categories).toContain('healthExam');
    expect(lib.detect('健康中心的電腦很慢 誰會修').isLeakReport).toBe(false);
  });

  it('hears a request not to open what was just sent, with a retraction, as a wrong send', () => {
    expect(lib.detect('剛剛那個檔案大家先不要點開 我等一下收回').scenario).toBe('misdirected-message');
    expect(lib.detect('剛剛的連結先不要點開 是錯的 我收回重傳').isLeakReport).toBe(false);
    expect(lib.detect('考卷先不要打開 等一下收回').isLeakReport).toBe(false);
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

describe('the cases of issue #12', () => {
  const cases: [string, string | undefined][] = [
    ['我剛把名單傳到家長群組了', 'misdirected-message'],
    ['我把段考成績單貼到班親會的群組了', 'misdirected-message'],
    ['雲端資料夾的學生資料設成知道連結的任何人都能看', 'shared-roster'],
    ['學校公布欄貼出低收入戶名單', 'shared-roster'],
    ['學校網頁上的公告有學生身分證字號', 'shared-roster'],
    ['我們班一個學生的聯絡簿弄丟了', 'lost-media'],
    ['廠商的伺服器被入侵，有我們學校的資料', 'hacked-system'],
    ['報名系統改網址上的編號就能看到別人的資料', 'hacked-system'],
    ['有學生用老師的帳號登入校務系統', 'hacked-system'],
    ['詐騙集團打電話給家長，還叫得出學生的名字', undefined],
  ];
  it.each(cases)('「%s」 → %s', (text, scenario) => {
    const r = lib.detect(text);
    expect(r.isLeakReport).toBe(true);
    expect(r.scenario).toBe(scenario);
  });

  it('does not offer a reminder telling colleagues how to share safely, but hears the same words as a report', () => {
    expect(lib.detect('提醒大家不要把名單傳到群組').isLeakReport).toBe(false);
    expect(lib.detect('分享雲端資料夾時請設定為限制，不要選知道連結的任何人').isLeakReport).toBe(false);
    expect(lib.detect('請大家先不要轉傳，我剛剛把名單傳到家長群組了').isLeakReport).toBe(true);
  });
});

describe('categories and people named in a report', () => {
  it('suggests the data categories by their words in categories.yaml', () => {
    expect(lib.detect('我把全班的成績和家長電話傳到家長群組了').categories).toEqual(expect.arrayContaining(['grades', 'contact']));
    expect(lib.detect('筆電被偷了，裡面有學生的身分證字號和輔導紀錄').categories).toEqual(
      expect.arrayContaining(['nationalId', 'learningRecord']),
    );
    expect(lib.detect('健康調查的google表單看得到其他人的回覆，有病史').categories).toEqual(
      expect.arrayContaining(['healthExam', 'medicalRecord']),
    );
  });

  it('names whose data it is from a people word right before a data word, not the audience', () => {
    expect(lib.detect('我把學生的成績傳到家長群組了').people).toEqual(['students']);
    expect(lib.detect('寄信給家長時沒用密件副本，家長的email都露出來了').people).toEqual(['guardians']);
    expect(lib.detect('共用雲端的教職員健檢資料設成任何人都能看').people).toEqual(['staff']);
    expect(lib.detect('我把學生名單和家長電話貼到班群了').people).toEqual(['students', 'guardians']);
  });

  it('a head count names whose data it is (「約30位學生」), unless they are who told about it', () => {
    expect(lib.detect('三年二班的成績單被傳到家長LINE群組，約30位學生').people).toEqual(['students']);
    expect(lib.detect('成績單寄錯信了，三十幾名學生').people).toEqual(['students']);
    expect(lib.detect('兩位家長反映，三年二班的成績單被傳到家長群組').people).toEqual([]);
    // 「打電話」 is an ignored phrase: what is left of it still says who told
    expect(lib.detect('兩位家長打電話來說，三年二班的成績單被傳到家長群組').people).toEqual([]);
  });

  it('suggests nothing for ordinary chat', () => {
    expect(lib.detect('期末成績已上傳校務系統')).toMatchObject({ categories: [], people: [] });
  });
});

describe('normalizeText', () => {
  it('unifies width and case, drops spaces and 的, and marks punctuation as a clause boundary', () => {
    expect(normalizeText('ＵＳＢ　掉了')).toBe('usb掉了');
    expect(normalizeText('Google 表單')).toBe('google表單');
    expect(normalizeText('沒有，外洩了！')).toBe('沒有\n外洩了\n');
    expect(normalizeText('學生的資料')).toBe('學生資料');
    expect(normalizeText('个资泄漏')).toBe('個資洩漏');
  });

  it('reads the variant spellings of whole words as the standard one (身份證, 公佈欄)', () => {
    expect(normalizeText('身份證字號')).toBe('身分證字號');
    expect(normalizeText('公佈欄、佈告欄')).toBe('公布欄\n布告欄');
    expect(lib.detect('名單貼在公佈欄上，有學生身份證').categories).toContain('nationalId');
  });

  it("reads English n't as not, so a negation stays one word", () => {
    expect(normalizeText("Don't post it")).toBe('donotpostit');
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
    expect(parseRule('寄錯 + |').faults).toEqual([
      'part 2 of "寄錯 + |" has no words (write "A|B + C|D", optionally "- E|F" for words that rule it out)',
    ]);
    expect(parseRule('寄錯。').faults[0]).toContain('must be words without punctuation');
  });

  it('expands @lists and reads the words after " - " as exclusions', () => {
    const { rule, faults } = parseRule('@lost + 筆電 - @found|沒事', { lost: ['不見', '被偷'], found: ['找到了'] });
    expect(faults).toEqual([]);
    expect(rule!.groups.map((g) => g.map((t) => t.shown))).toEqual([['不見', '被偷'], ['筆電']]);
    expect(rule!.unless.map((t) => t.shown)).toEqual(['找到了', '沒事']);
  });

  it('names an unknown list and an empty exclusion', () => {
    expect(parseRule('@nope + 信', { lost: ['不見'] }).faults[0]).toBe('unknown word list "@nope" in "@nope + 信"; known lists: @lost');
    expect(parseRule('寄錯 - |').faults).toEqual(['"寄錯 - |" has no words after " - "']);
  });
});

describe('LeakDetector', () => {
  const config: DetectorConfig = {
    vocabulary: { lost: ['不見', '被偷'], found: ['找到了'], data: ['名單', '成績'] },
    generic: ['外洩'],
    ignore: ['瓦斯外洩'],
    negators: ['避免', '如果'],
    negatorWindow: 3,
    questionEndings: ['嗎'],
    quietContexts: ['演練', '提醒'],
    happened: ['剛剛'],
    people: { students: ['學生'], guardians: ['家長'] },
    peopleWindow: 2,
    peopleOf: ['資料'],
  };
  const detector = new LeakDetector(
    config,
    [
      { id: 'mail', rules: ['寄錯 + 信'] },
      { id: 'mail-long', rules: ['寄錯 + 信 + 家長'] },
      { id: 'lost', rules: ['筆電 + @lost - @found'] },
    ],
    [{ key: 'grades', words: ['成績'] }],
  );

  it('applies the negator only within the window and the clause', () => {
    expect(detector.detect('避免外洩').isLeakReport).toBe(false);
    expect(detector.detect('要避免，但還是外洩了').isLeakReport).toBe(true);
    expect(detector.detect('避免麻煩的是資料外洩').isLeakReport).toBe(true);
  });

  it('does not let a negated protection (「沒有遮蔽」) negate the data after it, but still negates a plain negation', () => {
    const withProtections = new LeakDetector(
      {
        ...config,
        negatorWindow: 10,
        negators: ['沒有'],
        vocabulary: { ...config.vocabulary, unprotected: ['沒有遮蔽'] },
        generic: ['外洩', '@data + @unprotected'],
      },
      [],
      [{ key: 'grades', words: ['成績'] }],
    );
    const hit = withProtections.detect('公告名單沒有遮蔽成績');
    expect(hit.isLeakReport).toBe(true);
    expect(hit.categories).toEqual(['grades']);
    expect(withProtections.detect('檢查過了，名單沒有外洩').isLeakReport).toBe(false);
    // The project's own words: an unmasked list on the school website is heard, a masked one is not.
    expect(lib.detect('校網公告的錄取名單沒有遮蔽身分證').categories).toContain('nationalId');
    expect(lib.detect('校網公告的錄取名單已經遮蔽身分證').isLeakReport).toBe(false);
  });

  it('does not let a request not to open (「先不要點開」) negate the words after it', () => {
    const base = { ...config, negatorWindow: 10, negators: ['不要'] };
    const rules = [{ id: 'mail', rules: ['@doNotOpen + 收回'] }];
    const withRequests = new LeakDetector({ ...base, vocabulary: { ...config.vocabulary, doNotOpen: ['不要點開'] } }, rules);
    expect(withRequests.detect('大家先不要點開 我等一下收回').scenario).toBe('mail');
    expect(withRequests.detect('不要收回').isLeakReport).toBe(false);
    // A list word without the negator in it: 不要 still reaches 收回, and nothing is heard.
    const plain = new LeakDetector({ ...base, vocabulary: { ...config.vocabulary, doNotOpen: ['點開'] } }, rules);
    expect(plain.detect('大家先不要點開 我等一下收回').isLeakReport).toBe(false);
  });

  it('counts an affirmed occurrence even when another one is negated', () => {
    expect(detector.detect('說好避免外洩結果外洩').isLeakReport).toBe(true);
  });

  it('does not count words in a question', () => {
    expect(detector.detect('這樣會外洩嗎？').isLeakReport).toBe(false);
    expect(detector.detect('外洩了，怎麼辦呢').isLeakReport).toBe(true);
  });

  it('ends a question at a space typed between Chinese words, so a statement before it still counts', () => {
    // Without punctuation the whole message was one clause ending in 嗎, and the statement before it was lost.
    expect(detector.detect('資料外洩了 可以收回嗎').isLeakReport).toBe(true);
    expect(detector.detect('資料外洩了可以收回嗎').isLeakReport).toBe(false);
    expect(detector.detect('會外洩嗎 我先問問').isLeakReport).toBe(false);
    // A space inside an English run or between English and Chinese is no boundary.
    expect(detector.detect('外洩 of data 嗎').isLeakReport).toBe(false);
    // A negator still reaches across a space.
    expect(detector.detect('避免 外洩').isLeakReport).toBe(false);
  });

  it('does not let a negation reach past 但是, and reads masked data as protected', () => {
    expect(detector.detect('避免麻煩但外洩了').isLeakReport).toBe(true);
    expect(lib.detect('學校網站公告的錄取名單已打碼身分證').isLeakReport).toBe(false);
    expect(lib.detect('學校網站公告的錄取名單有遮蔽姓名，但電話也在上面').isLeakReport).toBe(true);
  });

  it('reads a clause ending with 的話 as a condition, like a question', () => {
    const withCondition = new LeakDetector({ ...config, questionEndings: ['嗎', '的話'] }, [{ id: 'mail', rules: ['寄錯 + 信'] }]);
    expect(withCondition.detect('寄錯信的話 要找誰').isLeakReport).toBe(false);
    expect(withCondition.detect('寄錯信了，說的話都收不回').isLeakReport).toBe(true);
    expect(normalizeText('寄錯的話')).toBe('寄錯之話');
  });

  it('is silent when the message says it turned out fine, even if something happened', () => {
    const withFine = new LeakDetector({ ...config, turnedOutFine: ['虛驚一場'] }, [{ id: 'mail', rules: ['寄錯 + 信'] }]);
    expect(withFine.detect('剛剛以為寄錯信，查過是對的，虛驚一場').isLeakReport).toBe(false);
    expect(withFine.detect('剛剛寄錯信了').scenario).toBe('mail');
  });

  it('drops ignored phrases, and quiet contexts unless something happened', () => {
    expect(detector.detect('瓦斯外洩').isLeakReport).toBe(false);
    expect(detector.detect('外洩演練').isLeakReport).toBe(false);
    expect(detector.detect('演練時寄錯信').isLeakReport).toBe(false);
    expect(detector.detect('提醒一下，我剛剛寄錯信了').scenario).toBe('mail');
  });

  it('does not hear a term inside a whole word, before an accessory, or inside a longer English word', () => {
    const words = new LeakDetector(
      { ...config, vocabulary: { ...config.vocabulary, lost: ['不見', '掉了', 'lost'] }, wholeWords: ['關掉'], accessories: ['充電線'] },
      [{ id: 'lost', rules: ['筆電|laptop|名單 + @lost - @found'] }],
    );
    expect(words.detect('名單關掉了').isLeakReport).toBe(false);
    expect(words.detect('名單掉了').scenario).toBe('lost');
    expect(words.detect('筆電充電線不見了').isLeakReport).toBe(false);
    expect(words.detect('筆電不見了').scenario).toBe('lost');
    expect(words.detect('the laptop is almost ready').isLeakReport).toBe(false);
    expect(words.detect('the laptop is lost').scenario).toBe('lost');
    expect(words.detect('two laptops lost').scenario).toBe('lost');
  });

  it('rules a match out with the words after " - "', () => {
    expect(detector.detect('筆電被偷了').scenario).toBe('lost');
    expect(detector.detect('筆電不見，後來找到了').isLeakReport).toBe(false);
  });

  it('prefers the more specific rule between scenarios', () => {
    expect(detector.detect('我寄錯信給家長').scenario).toBe('mail-long');
    expect(detector.detect('我寄錯了一封信').scenario).toBe('mail');
  });

  it('reads categories and people only for a report', () => {
    expect(detector.detect('學生成績外洩')).toMatchObject({ categories: ['grades'], people: ['students'] });
    expect(detector.detect('家長資料外洩').people).toEqual(['guardians']);
    expect(detector.detect('學生成績很好')).toMatchObject({ isLeakReport: false, categories: [], people: [] });
  });
});
