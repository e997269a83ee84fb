/**
 * The bot's one name, as people see it everywhere: the chat page, its messages, help and welcome texts, the documents
 * it writes, the platform apps (adapters/slack/manifest.yaml carries the same name; test/core/bot-name.test.ts checks
 * that no other spelling is left anywhere). Short references in running text say 「小幫手」.
 */
export const BOT_NAME = '個資事件應變小幫手';
