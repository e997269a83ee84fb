// What the local chat page knows: the school, its people and conversations, who the reader is and what is open.

export const state = {
  school: null,
  users: [],
  conversations: [],
  /** zh-TW role names, from the server (src/core/roles.ts). */
  roleLabels: {},
  /** The bot's one name (src/core/bot-name.ts), from the server; the page's HTML carries it too. */
  botName: document.querySelector('.brand-name')?.textContent || '小幫手',
  /** The longest text the bot takes (src/core/conversation/limits.ts), from the server. */
  maxTextLength: 4000,
  /** The largest file the evidence locker takes (EVIDENCE_MAX_MB), from the server. */
  maxUploadBytes: 25 * 1024 * 1024,
  me: null,
  openId: null,
  /** Increases on every user/conversation switch so that late answers for the old view are dropped. */
  view: 0,
  requestSeq: 0,
  appliedSeq: 0,
  pollTimer: 0,
  unread: new Set(),
  offline: false,
};

export const roleText = (roles) => (roles ?? []).map((role) => state.roleLabels[role] ?? role).join('、');
export const userLabel = (user) => (user.roles?.length ? `${user.name}（${roleText(user.roles)}）` : user.name);

export function myConversations() {
  if (!state.me) return [];
  const mine = state.conversations.filter((c) => Array.isArray(c.members) && c.members.includes(state.me.id));
  return [...mine.filter((c) => c.kind !== 'direct'), ...mine.filter((c) => c.kind === 'direct')];
}

export function conversationTitle(conversation) {
  if (conversation.kind === 'direct') return '與小幫手的私訊';
  return conversation.title || '（未命名群組）';
}

export const openConversation = () => state.conversations.find((c) => c.id === state.openId) ?? null;

/**
 * The page's navigation, set by app.js when it starts: the views below it (sidebar, messages, forms, replies,
 * composer) switch person or conversation and re-read the open one through these, without importing app.js.
 */
export const nav = {
  chooseUser: (_userId) => {},
  selectConversation: (_conversationId, _options) => {},
  refresh: async (_options) => {},
};
