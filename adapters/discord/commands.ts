import { REST, Routes } from 'discord.js';

/**
 * The bot's application commands, registered by `npm run discord:commands` (src/cli/discord-commands.ts):
 * - /report (zh-TW 「通報」): opens the report form as a modal;
 * - /pdi (zh-TW 「小幫手」) with one text option: any command the bot understands in chat (綁定 123456,
 *   綁定群組 應變小組, 事件, 清單 115-001, 通知 115-001, 說明 …), for server channels where the bot reads no messages;
 * - /console (zh-TW 「主控台」): the web console's one-time sign-in link, by the core's 「主控台」 command: asked in a
 *   server channel, the answer there is ephemeral (only the person sees it) and the link goes to their DM;
 * - the message context menu 「回報個資外洩」 (Report data leak): opens the report form from a message (its text is
 *   not copied into the report).
 * Usable in servers and in the bot's DMs (contexts 0 and 1, guild and user-DM installs not needed: integration 0).
 */
export const COMMAND_NAMES = { report: 'report', pdi: 'pdi', console: 'console', reportMessage: 'Report data leak' } as const;

/** The text a slash command without a text option stands for (the core's command words: src/core/conversation). */
export const COMMAND_TEXTS: Readonly<Record<string, string>> = { [COMMAND_NAMES.report]: '通報', [COMMAND_NAMES.console]: '主控台' };

export const COMMANDS = [
  {
    name: COMMAND_NAMES.report,
    name_localizations: { 'zh-TW': '通報' },
    description: 'Report a personal-data incident (opens the report form)',
    description_localizations: { 'zh-TW': '通報個資事件（開啟通報表）' },
    type: 1,
    contexts: [0, 1],
    integration_types: [0],
  },
  {
    name: COMMAND_NAMES.pdi,
    name_localizations: { 'zh-TW': '小幫手' },
    description: 'Talk to the incident bot (link, bind a channel, list incidents, help)',
    description_localizations: { 'zh-TW': '對小幫手下指令：綁定、綁定群組、事件、清單、說明…' },
    type: 1,
    contexts: [0, 1],
    integration_types: [0],
    options: [
      {
        type: 3,
        name: 'text',
        name_localizations: { 'zh-TW': '指令' },
        description: 'e.g. 綁定 123456 · 綁定群組 應變小組 · 事件 · 清單 115-001 · 說明',
        description_localizations: { 'zh-TW': '例如：綁定 123456、綁定群組 應變小組、事件、清單 115-001、說明' },
        required: true,
        max_length: 200,
      },
    ],
  },
  {
    name: COMMAND_NAMES.console,
    name_localizations: { 'zh-TW': '主控台' },
    description: 'Sign-in link to the web console (sent to you privately)',
    description_localizations: { 'zh-TW': '取得主控台（網頁）登入連結，只以私訊傳給您' },
    type: 1,
    contexts: [0, 1],
    integration_types: [0],
  },
  {
    name: COMMAND_NAMES.reportMessage,
    name_localizations: { 'zh-TW': '回報個資外洩' },
    type: 3,
    contexts: [0, 1],
    integration_types: [0],
  },
];

/** Replaces the application's commands: in one server (instant, for testing) or globally (production). */
export async function registerCommands(opts: {
  botToken: string;
  applicationId: string;
  apiBase: string;
  guildId?: string;
}): Promise<{ scope: string; names: string[] }> {
  const rest = new REST({ api: opts.apiBase.replace(/\/+$/, '') }).setToken(opts.botToken);
  const route = opts.guildId
    ? Routes.applicationGuildCommands(opts.applicationId, opts.guildId)
    : Routes.applicationCommands(opts.applicationId);
  const saved = (await rest.put(route, { body: COMMANDS })) as { name: string }[];
  return { scope: opts.guildId ? `server ${opts.guildId}` : 'global', names: saved.map((c) => c.name) };
}
