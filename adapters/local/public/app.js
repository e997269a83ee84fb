// The local chat page: renders the core's neutral messages (src/ports/chat-model.ts) and talks only to the JSON API
// described in docs/local-api.md. Plain ES module, no build step, nothing fetched from outside this server.
// Every piece of message content goes through textContent / attributes, never innerHTML.
//
// This file switches person and conversation, polls the open one and starts the page; the rest lives by concern:
// dom.js (elements), state.js (what the page knows), storage.js (drafts and choices kept), time.js (Taipei time),
// api.js (the JSON API), sidebar.js (header, conversation list, welcome, banner), messages.js (text, cards, the
// keyed rendering), forms.js, replies.js (buttons and replies elsewhere), composer.js (the message box), attach.js (📎).
import { api, conversationPath } from './api.js';
import { autosize, sendFile, sendMessage, updateCounter } from './composer.js';
import { clearComposerMessages, els, h, hideInlineError } from './dom.js';
import { isNearBottom, renderMessages, scrollToBottom } from './messages.js';
import { hideElsewhere } from './replies.js';
import {
  closeNav,
  hideBanner,
  openNav,
  renderChatHeader,
  renderConversationList,
  renderWelcome,
  renderWhoami,
  showBanner,
} from './sidebar.js';
import { myConversations, nav, state } from './state.js';
import { composerDraftKey, load, loadDraft, save, saveDraft } from './storage.js';

const POLL_MS = 1500;

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

nav.chooseUser = chooseUser;
nav.selectConversation = selectConversation;
nav.refresh = refresh;

void start();
