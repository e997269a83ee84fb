// The message box of the local chat page: its size, the character counter, sending a message and sending a file from 📎
// (the bot offers it as evidence).
import { uploadFile, uploadProblem } from './attach.js';
import { API, api, conversationPath } from './api.js';
import { clearComposerMessages, els, showComposerError } from './dom.js';
import { handleReplies } from './replies.js';
import { nav, state } from './state.js';
import { composerDraftKey, saveDraft } from './storage.js';

export function autosize() {
  const input = els.input;
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
}

let sending = false;

/** Characters as people count them (an emoji is one), the same count as the server's. */
const charCount = (text) => [...text].length;
const groupDigits = (n) => n.toLocaleString('en-US');

/** Shows 「3,812／4,000 字」 near the limit, and how far over it is past it. */
export function updateCounter() {
  const n = charCount(els.input.value);
  const max = state.maxTextLength;
  const near = n >= Math.floor(max * 0.8);
  els.counter.hidden = !near;
  els.counter.classList.toggle('is-over', n > max);
  els.counter.textContent =
    n > max ? `${groupDigits(n)}／${groupDigits(max)} 字，超過 ${groupDigits(n - max)} 字` : `${groupDigits(n)}／${groupDigits(max)} 字`;
}

export async function sendMessage() {
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
  clearComposerMessages();
  await whileSending('傳送中…', async (conversationId) => {
    const result = await api('POST', `${conversationPath(conversationId)}/messages`, { as: state.me.id, text });
    if (els.input.value.trim() === text) {
      els.input.value = '';
      const key = composerDraftKey();
      if (key) saveDraft(key, null);
    }
    autosize();
    updateCounter();
    return result;
  });
  els.input.focus();
}

/**
 * Sends one thing with the send button showing `label` and locked (one request at a time), then shows the bot's
 * replies and refreshes; a failure is shown above the composer and nothing typed is lost.
 */
async function whileSending(label, send) {
  sending = true;
  els.send.disabled = true;
  els.send.textContent = label;
  const conversationId = state.openId;
  try {
    const result = await send(conversationId);
    handleReplies(result.replies, conversationId);
    await nav.refresh({ scroll: 'reveal' });
  } catch (failure) {
    showComposerError(failure.message);
  } finally {
    sending = false;
    els.send.textContent = '送出';
    els.send.disabled = els.input.disabled;
  }
}

/** A file from 📎: sent as it is (the bot offers it as evidence in the private chat; nothing is kept unless filed). */
export async function sendFile(file) {
  if (sending || !state.me || !state.openId) return;
  clearComposerMessages();
  const problem = uploadProblem(file, state.maxUploadBytes);
  if (problem) {
    showComposerError(problem);
    return;
  }
  await whileSending('上傳中…', (conversationId) => uploadFile(API, conversationPath(conversationId), state.me.id, file));
}
