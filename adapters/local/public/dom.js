// DOM helpers of the local chat page: building elements (content only through textContent and attributes, never
// innerHTML), the page's fixed elements by id, and the inline error lines.

/**
 * Builds an element. Attributes: `class`, `text` (textContent), `on<event>` handlers, booleans (set when true),
 * anything else via setAttribute. Children: nodes or strings (as text), null/false skipped.
 */
export function h(tag, attrs = {}, ...children) {
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

export const els = {
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
export const nextId = (prefix) => `${prefix}-${++uid}`;

export function showInlineError(node, text) {
  node.textContent = text;
  node.hidden = false;
}

export function hideInlineError(node) {
  node.textContent = '';
  node.hidden = true;
}

/** The message box's error line. */
export function clearComposerMessages() {
  hideInlineError(els.composerError);
}

export function showComposerError(text) {
  showInlineError(els.composerError, text);
}
