// Storage of the local chat page (best effort: private mode may refuse): the chosen person and conversation
// (localStorage), drafts (sessionStorage), and what this person already did with a message.
import { state } from './state.js';

const STORAGE_PREFIX = 'pdi-local:';

export function load(key, fallback) {
  try {
    const raw = localStorage.getItem(STORAGE_PREFIX + key);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

export function save(key, value) {
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
export function loadDraft(key) {
  try {
    const raw = sessionStorage.getItem(`${STORAGE_PREFIX}draft:${key}`);
    return raw === null ? null : JSON.parse(raw);
  } catch {
    return null;
  }
}

export function saveDraft(key, value) {
  try {
    if (value === null) sessionStorage.removeItem(`${STORAGE_PREFIX}draft:${key}`);
    else sessionStorage.setItem(`${STORAGE_PREFIX}draft:${key}`, JSON.stringify(value));
  } catch {
    /* storage unavailable or full: the page still works, it just forgets */
  }
}

export const formDraftKey = (form) => (state.me ? `${state.me.id}:form:${form.formId}` : null);
export const composerDraftKey = () => (state.me && state.openId ? `${state.me.id}:composer:${state.openId}` : null);

/**
 * What this user already did with a message on this page: a submitted/cancelled form, a chosen quick reply.
 * Keyed by id and time, since a fresh demo database reuses message ids.
 */
const doneKey = (message) => `${message.id}@${message.at}`;

export function doneFor(message) {
  if (!state.me) return undefined;
  return load(`done:${state.me.id}`, {})[doneKey(message)];
}

export function markDone(message, value) {
  if (!state.me) return;
  const key = `done:${state.me.id}`;
  const all = load(key, {});
  all[doneKey(message)] = value;
  const ids = Object.keys(all);
  for (const old of ids.slice(0, Math.max(0, ids.length - 300))) delete all[old];
  save(key, all);
}
