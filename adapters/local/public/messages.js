// Messages of the local chat page: the core's neutral messages (src/ports/chat-model.ts) rendered as text bubbles with
// quick replies, cards and forms (forms.js), kept in place across polls (keyed reconciliation), and the scrolling.
import { els, h, nextId } from './dom.js';
import { buildForm } from './forms.js';
import { runAction } from './replies.js';
import { state } from './state.js';
import { doneFor } from './storage.js';
import { dayKey, formatDay, formatFull, formatTime } from './time.js';

const STATUS_ICONS = {
  done: { icon: '✓', label: '已完成' },
  na: { icon: '—', label: '不適用' },
  overdue: { icon: '!', label: '已逾期' },
  open: { icon: '○', label: '待處理' },
  pending: { icon: '…', label: '等待中' },
};

const TONE_BADGES = { warning: '注意', danger: '緊急' };

export function isNearBottom() {
  const m = els.messages;
  return m.scrollHeight - m.scrollTop - m.clientHeight < 48;
}

export function scrollToBottom() {
  els.messages.scrollTop = els.messages.scrollHeight;
  els.jumpLatest.hidden = true;
}

/**
 * Keyed reconciliation: a message node is rebuilt only when it is new or its editedAt changed, so a form being
 * filled in or a half-typed reply survives the poll.
 */
export function renderMessages(messages, scroll) {
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

  const senderName = isMine
    ? null
    : h('div', { class: 'msg-sender', text: isBot ? `${sender.name || '小幫手'}` : sender.name || '（未知）' });
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
    return h('a', {
      class: `btn btn--${style} ${extraClass}`.trim(),
      href: button.url,
      target: '_blank',
      rel: 'noopener noreferrer',
      text: button.label,
    });
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
                  ? h(
                      'details',
                      { class: 'row-more' },
                      h('summary', { text: row.more.label }),
                      h('span', { class: 'row-more-text', text: row.more.text }),
                    )
                  : null,
              ),
              row.buttons?.length
                ? h(
                    'div',
                    { class: 'row-buttons' },
                    row.buttons.map((button) => buildButton(message, button, 'btn--small')),
                  )
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
    card.buttons?.length
      ? h(
          'div',
          { class: 'card-buttons' },
          card.buttons.map((button) => buildButton(message, button)),
        )
      : null,
    card.footer ? h('footer', { class: 'card-footer', text: card.footer }) : null,
    h('p', { class: 'inline-error', role: 'alert', hidden: true }),
  );
}
