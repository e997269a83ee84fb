// The header, the sidebar (conversation list), the welcome panel and the banner of the local chat page.
import { els, h } from './dom.js';
import { conversationTitle, myConversations, nav, openConversation, roleText, state, userLabel } from './state.js';

export function renderWhoami() {
  const select = els.whoami;
  select.replaceChildren(
    h('option', { value: '', text: '請選擇身分…', disabled: true, selected: !state.me }),
    ...state.users.map((user) => h('option', { value: user.id, text: userLabel(user), selected: state.me?.id === user.id })),
  );
  select.disabled = state.users.length === 0;
}

export function renderWelcome() {
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
          { type: 'button', class: 'welcome-user', onclick: () => nav.chooseUser(user.id) },
          h('span', { class: 'welcome-user-name', text: user.name }),
          h('span', { class: 'welcome-user-role', text: [roleText(user.roles), user.unit].filter(Boolean).join(' · ') }),
        ),
      ),
    ),
  );
}

export function renderConversationList() {
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
                nav.selectConversation(conversation.id);
                closeNav();
              },
            },
            h('span', {
              class: `conversation-icon kind-${conversation.kind}`,
              'aria-hidden': 'true',
              text: conversation.kind === 'direct' ? '助' : '群',
            }),
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

export function renderChatHeader() {
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
      const names = conversation.members.map((id) => state.users.find((user) => user.id === id)?.name).filter(Boolean);
      els.chatSubtitle.textContent = `${conversation.members.length} 位成員：${names.join('、')}`;
    }
  }
  const enabled = Boolean(state.me && conversation);
  els.input.disabled = !enabled;
  els.send.disabled = !enabled;
  els.attach.disabled = !enabled;
  els.attachLabel.classList.toggle('is-disabled', !enabled);
}

export function openNav() {
  els.sidebar.classList.add('is-open');
  els.scrim.hidden = false;
  els.navToggle.setAttribute('aria-expanded', 'true');
  els.sidebar.querySelector('.conversation-item')?.focus();
}

export function closeNav() {
  if (!els.sidebar.classList.contains('is-open')) return;
  els.sidebar.classList.remove('is-open');
  els.scrim.hidden = true;
  els.navToggle.setAttribute('aria-expanded', 'false');
}

export function showBanner(text, action) {
  els.banner.replaceChildren(
    h('span', { text }),
    action ? h('button', { type: 'button', class: 'banner-button', text: action.label, onclick: action.run }) : null,
  );
  els.banner.hidden = false;
}

export function hideBanner() {
  els.banner.hidden = true;
  els.banner.replaceChildren();
}
