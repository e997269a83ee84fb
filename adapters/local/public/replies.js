// Buttons and quick replies of the local chat page: an action sent to the bot, and replies that landed in another
// conversation (marked unread, with an offer to go there).
import { api, conversationPath } from './api.js';
import { els, h, hideInlineError, showComposerError, showInlineError } from './dom.js';
import { renderConversationList } from './sidebar.js';
import { conversationTitle, myConversations, nav, state } from './state.js';
import { markDone } from './storage.js';

export async function runAction(message, action, button, remember) {
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
    await nav.refresh({ scroll: 'reveal' });
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
export function handleReplies(replies, fromConversationId) {
  if (!Array.isArray(replies)) return;
  const elsewhere = new Set();
  for (const reply of replies) {
    const target = reply?.conversationId;
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
        onclick: () => nav.selectConversation(conversation.id),
      }),
      h('button', { type: 'button', class: 'btn btn--small', text: '知道了', onclick: hideElsewhere }),
    ),
  );
  els.composer.before(elsewhereNode);
}

export function hideElsewhere() {
  elsewhereNode?.remove();
  elsewhereNode = null;
}
