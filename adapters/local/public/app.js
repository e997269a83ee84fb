// The local chat page: renders the core's neutral messages (src/ports/chat-model.ts) and talks only to the JSON API
// described in docs/local-api.md. Plain ES module, no build step, nothing fetched from outside this server.
// Every piece of message content goes through textContent / attributes, never innerHTML.
import { uploadFile, uploadProblem } from './attach.js';

const API = '/local/api';
const POLL_MS = 1500;
const TIME_ZONE = 'Asia/Taipei';
const STORAGE_PREFIX = 'pdi-local:';


const STATUS_ICONS = {
  done: { icon: '✓', label: '已完成' },
  na: { icon: '—', label: '不適用' },
  overdue: { icon: '!', label: '已逾期' },
  open: { icon: '○', label: '待處理' },
  pending: { icon: '…', label: '等待中' },
};

const TONE_BADGES = { warning: '注意', danger: '緊急' };
const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];
const WEEKDAY_INDEX = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

// ------------------------------------------------------------------ DOM helpers

/**
 * Builds an element. Attributes: `class`, `text` (textContent), `on<event>` handlers, booleans (set when true),
 * anything else via setAttribute. Children: nodes or strings (as text), null/false skipped.
 */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

const $ = (id) => document.getElementById(id);

const els = {
  navToggle: $('nav-toggle'),
  navUnread: $('nav-unread'),
  sidebar: $('sidebar'),
  scrim: $('scrim'),
  schoolName: $('school-name'),
  conversationList: $('conversation-list'),
  whoami: $('whoami-select'),
  chatTitle: $('chat-title'),
  chatSubtitle: $('chat-subtitle'),
  banner: $('banner'),
  welcome: $('welcome'),
  welcomeUsers: $('welcome-users'),
  messages: $('messages'),
  jumpLatest: $('jump-latest'),
  composer: $('composer'),
  input: $('composer-input'),
  send: $('composer-send'),
  attach: $('composer-attach'),
  attachLabel: $('composer-attach-label'),
  composerError: $('composer-error'),
  counter: $('composer-count'),
};

let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

// ------------------------------------------------------------------ storage (best effort: private mode may refuse)

function load(key, fallback) {
  try {
    const raw = localStorage.getItem(STORAGE_PREFIX + key);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

function save(key, value) {
  try {
    localStorage.setItem(STORAGE_PREFIX + key, JSON.stringify(value));
  } catch {
    /* storage unavailable: the page still works, it just forgets */
  }
}

/**
 * Drafts: what a person typed into a form (or the message box) and has not sent yet, kept per person and form in
 * sessionStorage, so that switching to another conversation or reloading loses nothing. Cleared on submit or cancel;
 * gone when the tab closes (it may describe the leak, so it is never kept longer than the tab).
 */
function loadDraft(key) {
  try {
    const raw = sessionStorage.getItem(`${STORAGE_PREFIX}draft:${key}`);
    return raw === null ? null : JSON.parse(raw);
  } catch {
    return null;
  }
}

function saveDraft(key, value) {
  try {
    if (value === null) sessionStorage.removeItem(`${STORAGE_PREFIX}draft:${key}`);
    else sessionStorage.setItem(`${STORAGE_PREFIX}draft:${key}`, JSON.stringify(value));
  } catch {
    /* storage unavailable or full: the page still works, it just forgets */
  }
}

const formDraftKey = (form) => (state.me ? `${state.me.id}:form:${form.formId}` : null);
const composerDraftKey = () => (state.me && state.openId ? `${state.me.id}:composer:${state.openId}` : null);

/**
 * What this user already did with a message on this page: a submitted/cancelled form, a chosen quick reply.
 * Keyed by id and time, since a fresh demo database reuses message ids.
 */
const doneKey = (message) => `${message.id}@${message.at}`;

function doneFor(message) {
  if (!state.me) return undefined;
  return load(`done:${state.me.id}`, {})[doneKey(message)];
}

function markDone(message, value) {
  if (!state.me) return;
  const key = `done:${state.me.id}`;
  const all = load(key, {});
  all[doneKey(message)] = value;
  const ids = Object.keys(all);
  for (const old of ids.slice(0, Math.max(0, ids.length - 300))) delete all[old];
  save(key, all);
}

// ------------------------------------------------------------------ time (always Asia/Taipei, whatever the device says)

const taipeiFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  weekday: 'short',
  hour: 'numeric',
  minute: '2-digit',
  hourCycle: 'h23',
});

function taipeiParts(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  const parts = {};
  for (const part of taipeiFormat.formatToParts(date)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: WEEKDAY_INDEX[parts.weekday] ?? 0,
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
  };
}

const pad = (n) => String(n).padStart(2, '0');

function formatTime(value) {
  const p = taipeiParts(value);
  return p ? `${pad(p.hour)}:${pad(p.minute)}` : '';
}

function dayKey(value) {
  const p = taipeiParts(value);
  return p ? `${p.year}-${pad(p.month)}-${pad(p.day)}` : 'unknown';
}

/** 「11月23日（一）」, with the year in front when it is not this year. */
function formatDay(value) {
  const p = taipeiParts(value);
  if (!p) return '';
  const now = taipeiParts(new Date());
  const year = now && now.year === p.year ? '' : `${p.year}年`;
  return `${year}${p.month}月${p.day}日（${WEEKDAYS[p.weekday]}）`;
}

function formatFull(value) {
  const p = taipeiParts(value);
  return p ? `${p.year}年${p.month}月${p.day}日（${WEEKDAYS[p.weekday]}）${pad(p.hour)}:${pad(p.minute)}（臺北時間）` : '';
}

/** A datetime-local value ("YYYY-MM-DDTHH:mm", Taipei wall clock) from a form field's initial value. */
function toLocalInputValue(initial) {
  if (typeof initial !== 'string' || initial === '') return '';
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(initial)) return initial;
  const p = taipeiParts(initial);
  return p ? `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}` : '';
}

// ------------------------------------------------------------------ API

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

function statusMessage(status) {
  switch (status) {
    case 400:
      return '送出的內容有誤，請檢查後再試一次。';
    case 403:
      return '你不是這個對話的成員，無法在這裡發言。';
    case 404:
      return '找不到這個對話或使用者，請重新整理頁面。';
    case 503:
      return '資料庫暫時無法使用，這次沒有記錄任何內容，請稍後再試。';
    default:
      return `發生錯誤（代碼 ${status}），請稍後再試。`;
  }
}

async function api(method, path, body) {
  let response;
  try {
    response = await fetch(API + path, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('無法連線到小幫手，請確認程式仍在執行，再試一次。', 0);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok || (data && data.ok === false)) {
    const message = data && typeof data.error === 'string' && data.error.trim() ? data.error : statusMessage(response.status);
    throw new ApiError(message, response.status);
  }
  if (data === null || typeof data !== 'object') throw new ApiError('小幫手的回應無法解讀，請重新整理頁面。', response.status);
  return data;
}

const conversationPath = (id) => `/conversations/${encodeURIComponent(id)}`;

// ------------------------------------------------------------------ state

const state = {
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

const roleText = (roles) => (roles ?? []).map((role) => state.roleLabels[role] ?? role).join('、');
const userLabel = (user) => (user.roles?.length ? `${user.name}（${roleText(user.roles)}）` : user.name);

function myConversations() {
  if (!state.me) return [];
  const mine = state.conversations.filter((c) => Array.isArray(c.members) && c.members.includes(state.me.id));
  return [...mine.filter((c) => c.kind !== 'direct'), ...mine.filter((c) => c.kind === 'direct')];
}

function conversationTitle(conversation) {
  if (conversation.kind === 'direct') return '與小幫手的私訊';
  return conversation.title || '（未命名群組）';
}

const openConversation = () => state.conversations.find((c) => c.id === state.openId) ?? null;

// ------------------------------------------------------------------ header, sidebar, welcome

function renderWhoami() {
  const select = els.whoami;
  select.replaceChildren(
    h('option', { value: '', text: '請選擇身分…', disabled: true, selected: !state.me }),
    ...state.users.map((user) =>
      h('option', { value: user.id, text: userLabel(user), selected: state.me?.id === user.id }),
    ),
  );
  select.disabled = state.users.length === 0;
}

function renderWelcome() {
  const show = !state.me;
  els.welcome.hidden = !show;
  els.messages.hidden = show;
  if (!show) return;
  els.welcomeUsers.replaceChildren(
    ...state.users.map((user) =>
      h(
        'li',
        {},
        h(
          'button',
          { type: 'button', class: 'welcome-user', onclick: () => chooseUser(user.id) },
          h('span', { class: 'welcome-user-name', text: user.name }),
          h('span', { class: 'welcome-user-role', text: [roleText(user.roles), user.unit].filter(Boolean).join(' · ') }),
        ),
      ),
    ),
  );
}

function renderConversationList() {
  const list = myConversations();
  if (!state.me) {
    els.conversationList.replaceChildren(h('li', { class: 'conversation-empty', text: '請先選擇身分。' }));
  } else if (list.length === 0) {
    els.conversationList.replaceChildren(h('li', { class: 'conversation-empty', text: '你目前沒有可用的對話。' }));
  } else {
    els.conversationList.replaceChildren(
      ...list.map((conversation) => {
        const current = conversation.id === state.openId;
        const unread = state.unread.has(conversation.id);
        return h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: `conversation-item${current ? ' is-current' : ''}`,
              'aria-current': current ? 'true' : false,
              'data-conversation-id': conversation.id,
              onclick: () => {
                selectConversation(conversation.id);
                closeNav();
              },
            },
            h('span', { class: `conversation-icon kind-${conversation.kind}`, 'aria-hidden': 'true', text: conversation.kind === 'direct' ? '助' : '群' }),
            h(
              'span',
              { class: 'conversation-text' },
              h('span', { class: 'conversation-name', text: conversationTitle(conversation) }),
              h('span', {
                class: 'conversation-meta',
                text: conversation.kind === 'direct' ? '只有你和小幫手' : `群組 · ${conversation.members.length} 人`,
              }),
            ),
            unread ? h('span', { class: 'unread-badge', text: '新' }) : null,
          ),
        );
      }),
    );
  }
  els.navUnread.hidden = ![...state.unread].some((id) => id !== state.openId);
}

function renderChatHeader() {
  const conversation = openConversation();
  if (!state.me) {
    els.chatTitle.textContent = state.botName;
    els.chatSubtitle.textContent = state.school ? state.school.name : '';
  } else if (!conversation) {
    els.chatTitle.textContent = '請選擇對話';
    els.chatSubtitle.textContent = '';
  } else {
    els.chatTitle.textContent = conversationTitle(conversation);
    if (conversation.kind === 'direct') {
      els.chatSubtitle.textContent = `只有你（${state.me.name}）和小幫手看得到`;
    } else {
      const names = conversation.members
        .map((id) => state.users.find((user) => user.id === id)?.name)
        .filter(Boolean);
      els.chatSubtitle.textContent = `${conversation.members.length} 位成員：${names.join('、')}`;
    }
  }
  const enabled = Boolean(state.me && conversation);
  els.input.disabled = !enabled;
  els.send.disabled = !enabled;
  els.attach.disabled = !enabled;
  els.attachLabel.classList.toggle('is-disabled', !enabled);
}

function openNav() {
  els.sidebar.classList.add('is-open');
  els.scrim.hidden = false;
  els.navToggle.setAttribute('aria-expanded', 'true');
  els.sidebar.querySelector('.conversation-item')?.focus();
}

function closeNav() {
  if (!els.sidebar.classList.contains('is-open')) return;
  els.sidebar.classList.remove('is-open');
  els.scrim.hidden = true;
  els.navToggle.setAttribute('aria-expanded', 'false');
}

function showBanner(text, action) {
  els.banner.replaceChildren(
    h('span', { text }),
    action ? h('button', { type: 'button', class: 'banner-button', text: action.label, onclick: action.run }) : null,
  );
  els.banner.hidden = false;
}

function hideBanner() {
  els.banner.hidden = true;
  els.banner.replaceChildren();
}

// ------------------------------------------------------------------ switching user / conversation

function chooseUser(userId) {
  const user = state.users.find((u) => u.id === userId);
  if (!user) return;
  state.me = user;
  state.unread.clear();
  save('user', user.id);
  const list = myConversations();
  const remembered = load(`conversation:${user.id}`, null);
  const keep = list.find((c) => c.id === state.openId) ?? list.find((c) => c.id === remembered) ?? list[0] ?? null;
  renderWhoami();
  renderWelcome();
  selectConversation(keep ? keep.id : null, { force: true });
}

function selectConversation(conversationId, { force = false } = {}) {
  if (!force && conversationId === state.openId) return;
  state.openId = conversationId;
  state.view += 1;
  state.unread.delete(conversationId);
  if (state.me && conversationId) save(`conversation:${state.me.id}`, conversationId);
  els.messages.replaceChildren();
  els.jumpLatest.hidden = true;
  clearComposerMessages();
  // The message box holds this person's unsent text for this conversation (not what was typed elsewhere).
  const composerKey = composerDraftKey();
  const unsent = composerKey ? loadDraft(composerKey) : null;
  els.input.value = typeof unsent === 'string' ? unsent : '';
  autosize();
  updateCounter();
  hideElsewhere();
  renderConversationList();
  renderChatHeader();
  if (conversationId) {
    els.messages.append(h('p', { class: 'messages-loading', 'data-key': 'loading', text: '載入訊息中…' }));
    void refresh({ scroll: 'bottom' });
  }
  schedulePoll();
}

// ------------------------------------------------------------------ loading and polling messages

function isNearBottom() {
  const m = els.messages;
  return m.scrollHeight - m.scrollTop - m.clientHeight < 48;
}

function scrollToBottom() {
  els.messages.scrollTop = els.messages.scrollHeight;
  els.jumpLatest.hidden = true;
}

/**
 * Re-reads the open conversation. scroll: 'bottom' (just opened), 'reveal' (after the user's own request: show the
 * new messages from the first one), or none (a poll: follow only if the reader is at the bottom).
 */
async function refresh({ scroll } = {}) {
  const conversationId = state.openId;
  const me = state.me;
  const view = state.view;
  if (!conversationId || !me) return;
  const seq = ++state.requestSeq;
  try {
    const data = await api('GET', `${conversationPath(conversationId)}/messages?as=${encodeURIComponent(me.id)}`);
    if (view !== state.view || seq < state.appliedSeq) return;
    state.appliedSeq = seq;
    if (state.offline) {
      state.offline = false;
      hideBanner();
    }
    renderMessages(Array.isArray(data.messages) ? data.messages : [], scroll);
  } catch (error) {
    if (view !== state.view) return;
    if (error.status === 0 || error.status === 503) {
      state.offline = true;
      showBanner(`${error.message}（會自動重試）`);
    } else {
      showBanner(error.message);
    }
  }
}

function schedulePoll() {
  clearTimeout(state.pollTimer);
  if (!state.openId || !state.me) return;
  state.pollTimer = setTimeout(async () => {
    if (!document.hidden) await refresh();
    schedulePoll();
  }, POLL_MS);
}

/**
 * Keyed reconciliation: a message node is rebuilt only when it is new or its editedAt changed, so a form being
 * filled in or a half-typed reply survives the poll.
 */
function renderMessages(messages, scroll) {
  const container = els.messages;
  const stick = isNearBottom();
  const desired = [];
  let lastDay = null;
  for (const message of messages) {
    const day = dayKey(message.at);
    if (day !== lastDay) {
      desired.push({ key: `day:${day}`, sig: day, build: () => buildDaySeparator(message.at) });
      lastDay = day;
    }
    desired.push({ key: `msg:${message.id}`, sig: message.editedAt ?? '', build: () => buildMessage(message), isMessage: true });
  }
  if (messages.length === 0) {
    desired.push({
      key: 'empty',
      sig: '',
      build: () =>
        h(
          'p',
          { class: 'messages-empty' },
          '這裡還沒有訊息。',
          h('br'),
          '試著描述發生的事，例如「我寄錯信了，把全班成績單寄給所有家長」。',
        ),
    });
  }

  const existing = new Map();
  for (const child of container.children) existing.set(child.dataset.key, child);
  const kept = new Set();
  let firstAdded = null;
  let previous = null;
  for (const item of desired) {
    let node = existing.get(item.key);
    if (!node || node.dataset.sig !== item.sig) {
      const fresh = item.build();
      fresh.dataset.key = item.key;
      fresh.dataset.sig = item.sig;
      if (node) node.replaceWith(fresh);
      else if (item.isMessage) firstAdded ??= fresh;
      node = fresh;
    }
    kept.add(item.key);
    const expected = previous ? previous.nextElementSibling : container.firstElementChild;
    if (expected !== node) container.insertBefore(node, expected);
    previous = node;
  }
  for (const [key, node] of existing) if (!kept.has(key)) node.remove();

  if (scroll === 'bottom') scrollToBottom();
  else if (scroll === 'reveal' && firstAdded) revealFrom(firstAdded);
  else if (stick) scrollToBottom();
  else if (firstAdded) els.jumpLatest.hidden = false;
}

/** Scrolls to the end, unless that would hide the start of the new messages (a tall form): then to their start. */
function revealFrom(node) {
  const container = els.messages;
  const top = node.getBoundingClientRect().top - container.getBoundingClientRect().top + container.scrollTop;
  if (container.scrollHeight - top <= container.clientHeight) scrollToBottom();
  else container.scrollTop = Math.max(0, top - 8);
}

function buildDaySeparator(at) {
  return h('div', { class: 'day-separator', role: 'separator', 'aria-label': formatDay(at) }, h('span', { text: formatDay(at) }));
}

// ------------------------------------------------------------------ messages

function buildMessage(message) {
  const sender = message.sender ?? { kind: 'bot', name: '小幫手' };
  const isBot = sender.kind === 'bot';
  const isMine = !isBot && state.me && sender.userId === state.me.id;
  const who = isBot ? 'bot' : isMine ? 'mine' : 'other';
  const body = message.body ?? { type: 'text', text: '' };

  let content;
  if (body.type === 'card') content = buildCard(message, body);
  else if (body.type === 'form') content = buildForm(message, body);
  else content = buildText(message, body, who);

  const meta = h(
    'div',
    { class: 'msg-meta' },
    h('time', { datetime: message.at, title: formatFull(message.at), text: formatTime(message.at) }),
    message.editedAt && body.type !== 'card'
      ? h('span', {
          class: 'msg-edited',
          title: formatFull(message.editedAt),
          text: `已更新 ${dayKey(message.editedAt) === dayKey(message.at) ? '' : `${formatDay(message.editedAt)} `}${formatTime(message.editedAt)}`,
        })
      : null,
  );

  const senderName = isMine ? null : h('div', { class: 'msg-sender', text: isBot ? `${sender.name || '小幫手'}` : sender.name || '（未知）' });
  const avatarText = isBot ? '助' : Array.from(sender.name || '？')[0];

  return h(
    'div',
    {
      class: `msg msg--${who} msg--${body.type}`,
      'data-message-id': message.id,
      'data-body-type': body.type,
      'data-card-key': body.type === 'card' && body.key ? body.key : false,
    },
    isMine ? null : h('div', { class: `avatar avatar--${who}`, 'aria-hidden': 'true', text: avatarText }),
    h('div', { class: 'msg-main' }, senderName, content, meta),
  );
}

function buildText(message, body, who) {
  const bubble = h('div', { class: `bubble bubble--${who}` }, h('p', { class: 'bubble-text', text: body.text ?? '' }));
  const replies = Array.isArray(body.quickReplies) ? body.quickReplies : [];
  if (replies.length === 0) return bubble;
  const done = doneFor(message);
  const chips = h(
    'div',
    { class: 'chips', role: 'group', 'aria-label': '建議的回覆' },
    replies.map((reply, index) =>
      h('button', {
        type: 'button',
        class: `chip${reply.style === 'primary' ? ' chip--primary' : ''}${done?.chip === index ? ' is-chosen' : ''}`,
        disabled: Boolean(done),
        'aria-pressed': done ? String(done.chip === index) : false,
        text: reply.label,
        onclick: (event) => runAction(message, reply.action, event.currentTarget, { chip: index }),
      }),
    ),
  );
  return h('div', { class: 'text-with-chips' }, bubble, chips, h('p', { class: 'inline-error', role: 'alert', hidden: true }));
}

function buildButton(message, button, extraClass = '') {
  const style = button.style === 'primary' || button.style === 'danger' ? button.style : 'default';
  // A link button (a signed download link) opens the address; only http(s) addresses are followed.
  if (typeof button.url === 'string' && /^https?:\/\//.test(button.url)) {
    return h('a', { class: `btn btn--${style} ${extraClass}`.trim(), href: button.url, target: '_blank', rel: 'noopener noreferrer', text: button.label });
  }
  return h('button', {
    type: 'button',
    class: `btn btn--${style} ${extraClass}`.trim(),
    text: button.label,
    onclick: (event) => runAction(message, button.action, event.currentTarget),
  });
}

function buildCard(message, card) {
  const tone = ['info', 'success', 'warning', 'danger'].includes(card.tone) ? card.tone : 'info';
  const titleId = nextId('card-title');
  const sections = (card.sections ?? []).map((section) => {
    const parts = [];
    if (section.heading) parts.push(h('h4', { class: 'card-heading', text: section.heading }));
    if (section.text) parts.push(h('p', { class: 'card-text', text: section.text }));
    if (section.fields?.length) {
      parts.push(
        h(
          'dl',
          { class: 'card-fields' },
          section.fields.map((field) =>
            h(
              'div',
              { class: `card-field${field.tone ? ` tone-${field.tone}` : ''}` },
              h('dt', { text: field.label }),
              h('dd', { text: field.value }),
            ),
          ),
        ),
      );
    }
    if (section.rows?.length) {
      parts.push(
        h(
          'ul',
          { class: 'card-rows' },
          section.rows.map((row) => {
            const status = STATUS_ICONS[row.status] ? row.status : 'open';
            const icon = STATUS_ICONS[status];
            return h(
              'li',
              { class: `card-row status-${status}`, 'data-status': status },
              h('span', { class: 'status-icon', role: 'img', 'aria-label': icon.label, title: icon.label, text: icon.icon }),
              h(
                'div',
                { class: 'row-body' },
                h('span', { class: 'row-text', text: row.text }),
                row.detail ? h('span', { class: 'row-detail', text: row.detail }) : null,
                // Long citations fold on a phone: a tap on the summary opens them.
                row.more
                  ? h('details', { class: 'row-more' }, h('summary', { text: row.more.label }), h('span', { class: 'row-more-text', text: row.more.text }))
                  : null,
              ),
              row.buttons?.length
                ? h('div', { class: 'row-buttons' }, row.buttons.map((button) => buildButton(message, button, 'btn--small')))
                : null,
            );
          }),
        ),
      );
    }
    return h('section', { class: 'card-section' }, parts);
  });

  return h(
    'article',
    { class: `card tone-${tone}`, 'aria-labelledby': titleId },
    h(
      'header',
      { class: 'card-header' },
      TONE_BADGES[tone] ? h('span', { class: `tone-badge tone-${tone}`, text: TONE_BADGES[tone] }) : null,
      h('h3', { class: 'card-title', id: titleId, text: card.title }),
      card.subtitle ? h('p', { class: 'card-subtitle', text: card.subtitle }) : null,
      message.editedAt ? h('span', { class: 'card-updated', text: `已更新 ${formatTime(message.editedAt)}` }) : null,
    ),
    sections,
    card.buttons?.length ? h('div', { class: 'card-buttons' }, card.buttons.map((button) => buildButton(message, button))) : null,
    card.footer ? h('footer', { class: 'card-footer', text: card.footer }) : null,
    h('p', { class: 'inline-error', role: 'alert', hidden: true }),
  );
}

// ------------------------------------------------------------------ forms

function buildForm(message, form) {
  const titleId = nextId('form-title');
  const controls = [];
  const fieldNodes = (form.fields ?? []).map((field) => {
    const built = buildField(field);
    controls.push(built);
    return built.node;
  });
  const error = h('p', { class: 'inline-error', role: 'alert', hidden: true });
  const status = h('p', { class: 'form-status', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'btn btn--primary', text: form.submitLabel || '送出' });
  const cancel = form.cancelAction
    ? h('button', { type: 'button', class: 'btn btn--default', text: '取消' })
    : null;
  const fieldset = h('fieldset', { class: 'form-body' }, fieldNodes, h('div', { class: 'form-actions' }, submit, cancel));
  const node = h(
    'form',
    { class: 'chat-form', novalidate: true, 'aria-labelledby': titleId, 'data-form-id': form.formId },
    h('h3', { class: 'form-title', id: titleId, text: form.title }),
    form.intro ? h('p', { class: 'form-intro', text: form.intro }) : null,
    h('p', { class: 'form-required-note' }, h('span', { class: 'req', 'aria-hidden': 'true', text: '*' }), ' 為必填'),
    fieldset,
    error,
    status,
  );

  const finish = (outcome) => {
    fieldset.disabled = true;
    node.classList.add('is-done');
    status.textContent = outcome === 'cancelled' ? '已取消' : '已送出 ✓';
  };
  const previous = doneFor(message);
  if (previous?.form) finish(previous.form);

  // A draft of this form typed earlier (before a conversation switch or a reload) is put back; typing keeps it.
  const draftKey = formDraftKey(form);
  const draft = draftKey && !previous?.form ? loadDraft(draftKey) : null;
  if (draft && typeof draft === 'object') {
    for (const control of controls) {
      if (Object.prototype.hasOwnProperty.call(draft, control.field.id)) control.write(draft[control.field.id]);
    }
  }
  const keepDraft = () => {
    if (!draftKey || fieldset.disabled) return;
    const values = {};
    for (const control of controls) values[control.field.id] = control.raw();
    saveDraft(draftKey, values);
  };
  node.addEventListener('input', keepDraft);
  node.addEventListener('change', keepDraft);

  node.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (fieldset.disabled) return;
    const problems = [];
    const values = {};
    for (const control of controls) {
      control.setInvalid(false);
      const value = control.read();
      const problem = control.check(value);
      if (problem) {
        problems.push({ control, problem });
        control.setInvalid(true);
      }
      values[control.field.id] = value;
    }
    if (problems.length > 0) {
      showInlineError(error, problems.map((p) => p.problem).join('\n'));
      problems[0].control.focus();
      return;
    }
    hideInlineError(error);
    fieldset.disabled = true;
    submit.textContent = '送出中…';
    try {
      const conversationId = state.openId;
      const result = await api('POST', `${conversationPath(conversationId)}/forms`, {
        as: state.me.id,
        formId: form.formId,
        values,
      });
      markDone(message, { form: 'submitted' });
      if (draftKey) saveDraft(draftKey, null);
      finish('submitted');
      handleReplies(result.replies, conversationId);
      await refresh({ scroll: 'reveal' });
    } catch (failure) {
      fieldset.disabled = false;
      showInlineError(error, failure.message);
    } finally {
      submit.textContent = form.submitLabel || '送出';
    }
  });

  cancel?.addEventListener('click', async () => {
    hideInlineError(error);
    fieldset.disabled = true;
    try {
      const conversationId = state.openId;
      const result = await api('POST', `${conversationPath(conversationId)}/actions`, {
        as: state.me.id,
        action: form.cancelAction,
        messageId: message.id,
      });
      markDone(message, { form: 'cancelled' });
      if (draftKey) saveDraft(draftKey, null);
      finish('cancelled');
      handleReplies(result.replies, conversationId);
      await refresh({ scroll: 'reveal' });
    } catch (failure) {
      fieldset.disabled = false;
      showInlineError(error, failure.message);
    }
  });

  return node;
}

/** One form field: its node plus how to read, check and flag it. */
function buildField(field) {
  const id = nextId('field');
  const helpId = field.help ? `${id}-help` : null;
  const required = Boolean(field.required);
  const labelChildren = [
    field.label,
    field.type === 'datetime' ? h('span', { class: 'label-note', text: '（臺北時間）' }) : null,
    required ? h('span', { class: 'req', 'aria-hidden': 'true', text: ' *' }) : null,
  ];
  const help = field.help ? h('p', { class: 'field-help', id: helpId, text: field.help }) : null;
  const initial = field.initial;
  const options = Array.isArray(field.options) ? field.options : [];
  const missing = `請填寫「${field.label}」。`;

  if (field.type === 'multiselect' || field.type === 'boolean') {
    const choices =
      field.type === 'boolean'
        ? [
            { value: 'true', label: '是' },
            { value: 'false', label: '否' },
          ]
        : options;
    const initialValues = Array.isArray(initial) ? initial : typeof initial === 'string' && initial !== '' ? [initial] : [];
    const name = `${id}-choice`;
    const inputs = choices.map((option, index) =>
      h('input', {
        type: field.type === 'boolean' ? 'radio' : 'checkbox',
        id: `${id}-${index}`,
        name,
        value: option.value,
        checked: initialValues.includes(option.value),
      }),
    );
    const group = h(
      'fieldset',
      {
        class: `form-field choice-group type-${field.type}`,
        'data-field-id': field.id,
        'aria-describedby': helpId ?? false,
        'aria-required': required ? 'true' : false,
      },
      h('legend', {}, labelChildren),
      help,
      h(
        'div',
        { class: 'choices' },
        choices.map((option, index) =>
          h('label', { class: 'choice', for: `${id}-${index}` }, inputs[index], h('span', { text: option.label })),
        ),
      ),
    );
    group.addEventListener('change', () => group.classList.remove('is-invalid'));
    return {
      field,
      node: group,
      read: () =>
        field.type === 'boolean'
          ? (inputs.find((input) => input.checked)?.value ?? '')
          : inputs.filter((input) => input.checked).map((input) => input.value),
      raw: () => inputs.filter((input) => input.checked).map((input) => input.value),
      write: (value) => {
        const wanted = Array.isArray(value) ? value : [];
        for (const input of inputs) input.checked = wanted.includes(input.value);
      },
      check: (value) => (required && value.length === 0 ? (field.type === 'boolean' ? `請選擇「${field.label}」是或否。` : `請至少勾選一項「${field.label}」。`) : null),
      setInvalid: (invalid) => group.classList.toggle('is-invalid', invalid),
      focus: () => inputs[0]?.focus(),
    };
  }

  let control;
  const common = {
    id,
    name: field.id,
    'aria-describedby': helpId ?? false,
    'aria-required': required ? 'true' : false,
    required,
  };
  if (field.type === 'textarea') {
    control = h('textarea', { ...common, rows: 3, maxlength: field.maxLength ?? false, placeholder: field.placeholder ?? false });
    control.value = typeof initial === 'string' ? initial : '';
  } else if (field.type === 'select') {
    const initialValue = typeof initial === 'string' ? initial : '';
    control = h(
      'select',
      common,
      h('option', { value: '', text: '請選擇…', disabled: required, selected: initialValue === '' }),
      options.map((option) => h('option', { value: option.value, text: option.label, selected: option.value === initialValue })),
    );
  } else if (field.type === 'datetime') {
    control = h('input', { ...common, type: 'datetime-local', step: 60 });
    control.value = toLocalInputValue(initial);
  } else if (field.type === 'number') {
    control = h('input', { ...common, type: 'number', inputmode: 'numeric', placeholder: field.placeholder ?? false });
    control.value = typeof initial === 'string' ? initial : '';
  } else {
    control = h('input', { ...common, type: 'text', maxlength: field.maxLength ?? false, placeholder: field.placeholder ?? false });
    control.value = typeof initial === 'string' ? initial : '';
  }

  // Ready-made answers (e.g. 「尚未處置」) where the core offers them.
  const suggestions =
    (field.type === 'text' || field.type === 'textarea') && Array.isArray(field.suggestions) && field.suggestions.length
      ? h(
          'div',
          { class: 'suggestions', role: 'group', 'aria-label': `「${field.label}」的常用答案` },
          field.suggestions.map((text) =>
            h('button', {
              type: 'button',
              class: 'suggestion',
              text,
              onclick: () => {
                control.value = text;
                control.dispatchEvent(new Event('input', { bubbles: true }));
                control.focus();
              },
            }),
          ),
        )
      : null;
  const node = h(
    'div',
    { class: `form-field type-${field.type}`, 'data-field-id': field.id },
    h('label', { for: id }, labelChildren),
    help,
    control,
    suggestions,
  );
  const clear = () => {
    node.classList.remove('is-invalid');
    control.removeAttribute('aria-invalid');
  };
  control.addEventListener('input', clear);
  control.addEventListener('change', clear);
  return {
    field,
    node,
    read: () => {
      if (field.type === 'datetime') return control.value.slice(0, 16);
      if (field.type === 'select' || field.type === 'number') return control.value;
      return control.value.trim();
    },
    raw: () => control.value,
    write: (value) => {
      if (typeof value === 'string') control.value = value;
    },
    check: (value) => {
      if (field.type === 'number' && control.validity.badInput) return `「${field.label}」請填數字。`;
      if (field.type === 'datetime' && control.validity.badInput) return `「${field.label}」的日期時間不完整。`;
      if (required && value === '') return field.type === 'select' ? `請選擇「${field.label}」。` : missing;
      return null;
    },
    setInvalid: (invalid) => {
      node.classList.toggle('is-invalid', invalid);
      control.setAttribute('aria-invalid', invalid ? 'true' : 'false');
    },
    focus: () => control.focus(),
  };
}

// ------------------------------------------------------------------ actions and replies

function showInlineError(node, text) {
  node.textContent = text;
  node.hidden = false;
}

function hideInlineError(node) {
  node.textContent = '';
  node.hidden = true;
}

async function runAction(message, action, button, remember) {
  const holder = button.closest('.msg');
  const error = holder?.querySelector('.inline-error');
  const buttons = holder ? [...holder.querySelectorAll('.chips button, .card button')] : [button];
  if (error) hideInlineError(error);
  for (const b of buttons) b.disabled = true;
  button.classList.add('is-busy');
  button.setAttribute('aria-busy', 'true');
  const conversationId = state.openId;
  try {
    const result = await api('POST', `${conversationPath(conversationId)}/actions`, {
      as: state.me.id,
      action,
      messageId: message.id,
    });
    if (remember) {
      markDone(message, remember);
      button.classList.add('is-chosen');
      for (const b of buttons) b.setAttribute('aria-pressed', String(b === button));
    }
    handleReplies(result.replies, conversationId);
    await refresh({ scroll: 'reveal' });
    if (!remember) for (const b of buttons) b.disabled = false;
  } catch (failure) {
    for (const b of buttons) b.disabled = false;
    if (error) showInlineError(error, failure.message);
    else showComposerError(failure.message);
  } finally {
    button.classList.remove('is-busy');
    button.removeAttribute('aria-busy');
  }
}

/** Replies that landed in another conversation: mark it and offer to go there. */
function handleReplies(replies, fromConversationId) {
  if (!Array.isArray(replies)) return;
  const elsewhere = new Set();
  for (const reply of replies) {
    const target = reply && reply.conversationId;
    if (!target || target === fromConversationId) continue;
    if (!myConversations().some((c) => c.id === target)) continue;
    state.unread.add(target);
    elsewhere.add(target);
  }
  if (elsewhere.size === 0) return;
  renderConversationList();
  const target = [...elsewhere][0];
  const conversation = state.conversations.find((c) => c.id === target);
  showElsewhere(conversation);
}

let elsewhereNode = null;

function showElsewhere(conversation) {
  hideElsewhere();
  const title = conversationTitle(conversation);
  elsewhereNode = h(
    'div',
    { class: 'elsewhere', role: 'status' },
    h('span', { text: `小幫手在「${title}」回覆了你。` }),
    h(
      'div',
      { class: 'elsewhere-buttons' },
      h('button', {
        type: 'button',
        class: 'btn btn--primary btn--small',
        text: `前往「${title}」`,
        onclick: () => selectConversation(conversation.id),
      }),
      h('button', { type: 'button', class: 'btn btn--small', text: '知道了', onclick: hideElsewhere }),
    ),
  );
  els.composer.before(elsewhereNode);
}

function hideElsewhere() {
  elsewhereNode?.remove();
  elsewhereNode = null;
}

// ------------------------------------------------------------------ composer

function clearComposerMessages() {
  hideInlineError(els.composerError);
}

function showComposerError(text) {
  showInlineError(els.composerError, text);
}

function autosize() {
  const input = els.input;
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
}

let sending = false;

/** Characters as people count them (an emoji is one), the same count as the server's. */
const charCount = (text) => [...text].length;
const groupDigits = (n) => n.toLocaleString('en-US');

/** Shows 「3,812／4,000 字」 near the limit, and how far over it is past it. */
function updateCounter() {
  const n = charCount(els.input.value);
  const max = state.maxTextLength;
  const near = n >= Math.floor(max * 0.8);
  els.counter.hidden = !near;
  els.counter.classList.toggle('is-over', n > max);
  els.counter.textContent = n > max ? `${groupDigits(n)}／${groupDigits(max)} 字，超過 ${groupDigits(n - max)} 字` : `${groupDigits(n)}／${groupDigits(max)} 字`;
}

async function sendMessage() {
  const text = els.input.value.trim();
  if (sending || !state.me || !state.openId) return;
  // Checked here too, so nothing is sent that the server would refuse; the text stays in the box.
  if (!text) {
    showComposerError('訊息是空白的，沒有送出。請輸入文字後再送出。');
    return;
  }
  const n = charCount(text);
  if (n > state.maxTextLength) {
    showComposerError(
      `訊息太長了：每則最多 ${groupDigits(state.maxTextLength)} 字，這則有 ${groupDigits(n)} 字，所以沒有送出。請分成幾則送出，或只寫重點（外洩的資料本身不用貼上）。`,
    );
    return;
  }
  sending = true;
  els.send.disabled = true;
  els.send.textContent = '傳送中…';
  clearComposerMessages();
  const conversationId = state.openId;
  try {
    const result = await api('POST', `${conversationPath(conversationId)}/messages`, { as: state.me.id, text });
    if (els.input.value.trim() === text) {
      els.input.value = '';
      const key = composerDraftKey();
      if (key) saveDraft(key, null);
    }
    autosize();
    updateCounter();
    handleReplies(result.replies, conversationId);
    await refresh({ scroll: 'reveal' });
  } catch (failure) {
    showComposerError(failure.message);
  } finally {
    sending = false;
    els.send.textContent = '送出';
    els.send.disabled = els.input.disabled;
    els.input.focus();
  }
}

/** A file from 📎: sent as it is (the bot offers it as evidence in the private chat; nothing is kept unless filed). */
async function sendFile(file) {
  if (sending || !state.me || !state.openId) return;
  clearComposerMessages();
  const problem = uploadProblem(file, state.maxUploadBytes);
  if (problem) {
    showComposerError(problem);
    return;
  }
  sending = true;
  els.send.disabled = true;
  els.send.textContent = '上傳中…';
  const conversationId = state.openId;
  try {
    const result = await uploadFile(API, conversationPath(conversationId), state.me.id, file);
    handleReplies(result.replies, conversationId);
    await refresh({ scroll: 'reveal' });
  } catch (failure) {
    showComposerError(failure.message);
  } finally {
    sending = false;
    els.send.textContent = '送出';
    els.send.disabled = els.input.disabled;
  }
}

// ------------------------------------------------------------------ start

function wireEvents() {
  els.whoami.addEventListener('change', () => chooseUser(els.whoami.value));
  els.navToggle.addEventListener('click', () => {
    if (els.sidebar.classList.contains('is-open')) closeNav();
    else openNav();
  });
  els.scrim.addEventListener('click', closeNav);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && els.sidebar.classList.contains('is-open')) {
      closeNav();
      els.navToggle.focus();
    }
  });
  els.attach.addEventListener('change', () => {
    const file = els.attach.files?.[0];
    els.attach.value = '';
    if (file) void sendFile(file);
  });
  els.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    void sendMessage();
  });
  els.input.addEventListener('keydown', (event) => {
    // isComposing / 229: Enter that confirms a 注音 or 倉頡 candidate must not send.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      void sendMessage();
    }
  });
  els.input.addEventListener('input', () => {
    autosize();
    updateCounter();
    const key = composerDraftKey();
    if (key) saveDraft(key, els.input.value === '' ? null : els.input.value);
    if (!els.composerError.hidden) hideInlineError(els.composerError);
  });
  els.messages.addEventListener('scroll', () => {
    if (isNearBottom()) els.jumpLatest.hidden = true;
  });
  els.jumpLatest.addEventListener('click', scrollToBottom);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refresh();
  });
}

async function start() {
  wireEvents();
  let data;
  try {
    data = await api('GET', '/state');
  } catch (error) {
    showBanner(error.message, { label: '重新載入', run: () => location.reload() });
    return;
  }
  state.school = data.school ?? null;
  state.users = Array.isArray(data.users) ? data.users : [];
  state.conversations = Array.isArray(data.conversations) ? data.conversations : [];
  state.roleLabels = data.roleLabels ?? {};
  if (typeof data.botName === 'string' && data.botName) state.botName = data.botName;
  if (data.limits && Number.isInteger(data.limits.maxTextLength)) state.maxTextLength = data.limits.maxTextLength;
  if (data.limits && Number.isInteger(data.limits.maxUploadBytes)) state.maxUploadBytes = data.limits.maxUploadBytes;
  els.schoolName.textContent = state.school ? state.school.name : '';
  document.title = state.school ? `${state.botName} · ${state.school.name}（示範環境）` : document.title;

  const params = new URLSearchParams(location.search);
  const wanted = params.get('as') ?? load('user', null);
  const wantedConversation = params.get('c');
  renderWhoami();
  if (wanted && state.users.some((u) => u.id === wanted)) {
    if (wantedConversation && state.me === null) {
      const user = state.users.find((u) => u.id === wanted);
      if (user) save(`conversation:${user.id}`, wantedConversation);
    }
    chooseUser(wanted);
  } else {
    renderWelcome();
    renderConversationList();
    renderChatHeader();
  }
}

void start();
