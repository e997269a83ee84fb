/** The typed commands (「通報」「事件」「清單 115-001」…), read from a text after masking. */
export type Command =
  | 'help'
  | 'report'
  | 'list'
  | 'summary'
  | 'checklist'
  | 'assess'
  | 'correct'
  | 'cancel'
  | 'back'
  | 'whoami'
  | 'mine'
  | 'console'
  | 'consoleSignOut';

const COMMANDS: [RegExp, Command][] = [
  [/^(\/help|help|說明|幫助|指令|選單)$/i, 'help'],
  [/^(\/report|通報|我要通報|回報|通報個資事件|開始通報)$/i, 'report'],
  [/^(\/incidents|事件|事件列表|進行中事件)$/i, 'list'],
  [/^(\/mytasks|我的工作|我的任務|我的待辦)$/i, 'mine'],
  [/^(\/summary|摘要)(\s+\S+)?$/i, 'summary'],
  [/^(\/checklist|清單|檢核清單)(\s+\S+)?$/i, 'checklist'],
  [/^(\/assess|評估|影響評估)(\s+\S+)?$/i, 'assess'],
  [/^(\/correct|更正|更正時間)(\s+\S+)?$/i, 'correct'],
  [/^(\/cancel|取消)$/i, 'cancel'],
  [/^(\/back|上一步)$/i, 'back'],
  [/^(\/whoami|我是誰)$/i, 'whoami'],
  [/^(\/console|主控台|開啟主控台|登入主控台)$/i, 'console'],
  [/^(\/console-signout|登出主控台)$/i, 'consoleSignOut'],
];

/** Commands that only show something: they are answered while a question is open, which stays open. */
export const ANSWERED_DURING_PROMPT = new Set<Command>([
  'help',
  'whoami',
  'list',
  'summary',
  'checklist',
  'assess',
  'correct',
  'mine',
  'console',
  'consoleSignOut',
]);

export function parseCommand(text: string): { cmd: Command; arg?: string } | null {
  const t = text
    .normalize('NFKC')
    .trim()
    .replace(/^@\S+\s+/, '');
  for (const [re, cmd] of COMMANDS) {
    const m = re.exec(t);
    if (m) {
      const arg = m[2]?.trim();
      return arg ? { cmd, arg } : { cmd };
    }
  }
  return null;
}
