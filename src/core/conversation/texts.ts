import { formatRocDateTime } from '../time/roc.js';
import { BOT_NAME } from '../bot-name.js';

/** Fixed zh-TW texts of the conversation. Kept together so a school (or a translator) can review them in one place. */
export const T = {
  help: [
    `我是${BOT_NAME}，可以協助：`,
    '・通報個資事件：輸入「通報」',
    '・查看進行中的事件：輸入「事件」',
    '・查看指派給自己、尚未完成的檢核項目：輸入「我的工作」',
    '・事件摘要／檢核清單／影響評估：「摘要 115-001」「清單 115-001」「評估 115-001」',
    '・更正發生、知悉、處理結束等時間（須說明原因）：「更正 115-001」',
    '・通知當事人（草稿、校長核定、通知紀錄）：「通知 115-001」',
    '・在網頁主控台查看事件全貌（個資聯絡窗口、校長、代理人、稽核人員）：「主控台」；登出：「登出主控台」',
    '・查看自己的身分：「我是誰」',
    '・回答問題途中可輸入「上一步」或「取消」',
    '請勿在聊天中貼上外洩的個資內容，描述類型與人數即可。',
  ].join('\n'),
  intakeTitle: '個資事件通報',
  /** The offer of the web form beside a report asked step by step (web-form.ts). */
  webFormOffer: (until: string, what = '通報', paged = false) =>
    `${paged ? '不想一頁一頁填寫' : '不想一題一題回答'}？按「在網頁填寫」可在一個頁面填完${what}，送出後回到這裡繼續。連結只能使用一次，限您本人使用，${until} 前有效。也可以直接在這裡${paged ? '填寫上面的表單' : '回答下面的問題'}。`,
  webFormIntro: '請在這一頁填完通報，送出後回到與小幫手的對話繼續。只要描述類型與人數，請勿貼上外洩的個資內容。',
  /** Said in chat when the report was filled on the web page (before the chat's own confirmation). */
  webFormFiled: '已收到您在網頁填寫的通報，不用再回答上面的問題。',
  /** Said in chat when any other form was filled on the web page (before what its submission says). */
  webFormSubmitted: (title: string) => `已收到您在網頁填寫的「${title}」，不用再回答上面的問題。`,
  /** Said in chat when the page's answers were refused on submission: the page shows why, the questions stay open. */
  webFormRefused: (title: string) => `您在網頁填寫的「${title}」還需要修改，請回到網頁修改後再送出，或在這裡繼續回答。`,
  /** Help of a field prefilled from the first message. */
  readFromMessage: (shown: string) => `依您的訊息帶入：${shown}。請確認，不對就直接修改。`,
  intakeFormIntro: '依臺北市政府政風處個人資料保護管理要點第45點，通報內容包括：外洩方式、時間、地點、初估類別及數量、已採取的處置。',
  unknownCommand: (cmd: string) => `我不認得「${cmd}」這個指令。\n`,
  notUnderstood: '我不太確定您的意思。',
  unknownPerson: '您的帳號尚未連結到學校的人員名冊，請洽個資聯絡窗口為您設定後再試。',
  groupNotBound: '這個群組尚未綁定學校，請由個資聯絡窗口完成設定。',
  /** `first`: a tighter deadline said before the 4-hour one (the 1-hour cyber report, cyber.ts). */
  offer: (scenario?: string, reasons: readonly string[] = [], first?: string) =>
    `看起來您在描述個資外洩${scenario ? `（${scenario}）` : ''}。要開始通報嗎？\n` +
    (reasons.length ? `（因為提到：${reasons.map((r) => `「${r}」`).join('')}）\n` : '') +
    (first ? `${first}\n` : '') +
    '依規定應於知悉後4小時內通報個資聯絡窗口，越早越好。',
  offerDismissed: '好的。如需通報，隨時輸入「通報」。',
  offerStarted: (name: string) => `已由 ${name} 開始通報。`,
  offerRefused: (name: string) => `${name} 已表示這不是個資事件。`,
  someone: '一位同仁',
  choiceAlreadyTaken: (takenText: string) => `${takenText}這個按鈕已失效，不用再按。`,
  intakeMovedToDirect: (name: string) => `已私訊 ${name} 填寫通報內容，細節請勿在群組討論。`,
  intakeIntro: '請填寫個資事件通報（約 2 分鐘）。只要描述類型與人數，請勿貼上外洩的個資內容。',
  intakeResume: '您有一份尚未完成的通報，我們從上次停下的地方繼續：',
  intakeCancelled: '已取消這份通報，沒有建立事件。如需通報，隨時輸入「通報」。',
  nothingToCancel: '目前沒有進行中的問答。',
  skipped: '略過',
  reported: (ref: string) => `已建立個資事件 ${ref}，謝謝您的通報。應變小組已收到通知，請依檢核清單處理。`,
  pointer: (ref: string) => `已建立個資事件 ${ref}，應變小組已接手。為保護當事人，請勿在本群組討論外洩內容。`,
  // `news`: the clocks already missed or ending soon (render.ts deadlineNews), instead of a fixed 「4小時內」.
  newIncidentForTeam: (ref: string, reporter: string, news: string[] = []) =>
    `新個資事件 ${ref}（通報人：${reporter}）。請依檢核清單分工處理${news.length ? `：\n${news.join('\n')}` : '。'}`,
  // When the bot cannot write to someone privately (`how`: the platform's wording, e.g. 「加小幫手為好友」). Detail-free.
  cannotAskInGroup: (name: string, how: string) =>
    `小幫手無法私訊 ${name}，為保護當事人，通報內容不能在群組填寫。請先${how}，再私訊小幫手「通報」。已請個資聯絡窗口儘快與您聯繫。`,
  reporterUnreachable: (name: string, where: string) =>
    `${name} 在「${where}」想通報個資事件，但小幫手無法私訊對方，通報尚未填寫。請儘快與通報人聯繫（依規定應於知悉後4小時內通報個資聯絡窗口）。`,
  reportedNotHere: (ref: string, name: string, how: string) =>
    `已建立個資事件 ${ref}，應變小組已接手。${name}：小幫手無法私訊您，事件細節不會顯示在這裡；請先${how}，之後私訊小幫手「摘要 ${ref}」查看。為保護當事人，請勿在本群組討論外洩內容。`,
  teamUnreachable: (ref: string, how: string) =>
    `已建立個資事件 ${ref}，但目前沒有可以顯示事件細節的地方（應變室、應變小組群組或個資聯絡窗口的私訊）。請個資聯絡窗口立即${how}，或在應變小組的群組輸入「綁定群組 應變小組」，然後輸入「摘要 ${ref}」查看並處理。`,
  detailsOnlyPrivately: '為保護當事人，事件細節只在應變小組群組或私訊中顯示。我已私訊給您。',
  cannotShowHere: (how: string) => `為保護當事人，事件細節只在應變小組群組或私訊中顯示，但小幫手無法私訊您。請先${how}，再私訊小幫手查看。`,
  detailsNotAllowed: '您沒有查看這個事件細節的權限。',
  noOpenIncidents: '目前沒有進行中的個資事件。',
  askNaReason: (title: string) => `請說明「${title}」不適用的原因（一句話即可）：`,
  askEvidence: (title: string, prompt: string) => `請簡述「${title}」的完成情形：${prompt}`,
  refNeeded: (cmd: string) => `請加上事件編號，例如「${cmd} 115-001」。`,
  refUnknown: (ref: string) => `找不到事件 ${ref}。輸入「事件」可查看進行中的事件。`,
  problems: (lines: string[]) => `還有幾個地方需要修正：\n・${lines.join('\n・')}`,
  promptExpired: '這個問答已過期或已完成。',
  handlingEnded: (ref: string, at: Date) =>
    `已記錄事件 ${ref} 處理結束（實際時間 ${formatRocDateTime(at)}），1個月結案報告期限自該日起算，法定時限已重新計算。`,
  timeCorrected: (ref: string) => `已更正事件 ${ref} 的時間並記下原因，法定時限與提醒已重新計算。`,
  assessmentSaved: (ref: string) => `已更新事件 ${ref} 的影響評估，法定時限已重新計算。`,
  whoami: (name: string, school: string, roles: string) => `您是 ${school} 的 ${name}，身分：${roles || '（未設定）'}。`,
  failed: '系統暫時無法處理，請稍後再試一次；您剛才的操作沒有被記錄。',
  emptyText: '訊息是空白的，沒有送出。請輸入文字後再送出。',
  textTooLong: (n: number, max: number) =>
    `訊息太長了：每則最多 ${max.toLocaleString('en-US')} 字，這則有 ${n.toLocaleString('en-US')} 字，所以沒有處理。請分成幾則送出，或只寫重點（外洩的資料本身不用貼上）。`,
  formValueTooLong: (n: number, max: number) =>
    `填寫的內容太長了：每一欄最多 ${max.toLocaleString('en-US')} 字，其中一欄有 ${n.toLocaleString('en-US')} 字，所以沒有送出。請精簡後再送出。`,
  consoleRefused: '主控台只開放給個資聯絡窗口、管理人（校長）、代理人及稽核人員。如需查看事件，請洽個資聯絡窗口。',
  consoleOff: '這個系統沒有開啟網頁主控台，請通知系統管理者。',
  consoleNoUrl: '系統尚未設定對外網址（PUBLIC_URL），暫時無法提供主控台登入連結，請通知系統管理者。',
  consoleMoved: '主控台登入連結只以私訊提供，我已私訊給您。',
  consoleNoDirect: (how: string) => `主控台登入連結只以私訊提供，但小幫手無法私訊您。請先${how}，再私訊小幫手輸入「主控台」。`,
  consoleLink: (until: string) =>
    `這是您的主控台登入連結，${until} 前有效，只能使用一次，僅限您本人使用，請勿轉傳。登入後閒置 30 分鐘或滿 12 小時會自動登出；要立即登出所有裝置，請輸入「登出主控台」。`,
  consoleSignedOut: (n: number) => (n > 0 ? `已登出主控台（結束 ${n} 個登入中的裝置）。` : '您目前沒有登入中的主控台。'),
};
