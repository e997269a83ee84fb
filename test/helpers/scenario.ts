import { expect } from 'vitest';
import type { Card, Button, Form } from '../../src/ports/chat-model.js';
import type { LocalMessageView } from '../../adapters/local/index.js';
import type { RunningApp } from '../../src/app/app.js';
import { cards, forms, texts, type LocalClient } from './local-client.js';

/** "YYYY-MM-DDTHH:mm" in Taipei time, as the chat page's datetime inputs send it. */
export function taipeiInput(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16);
}

export interface ReportOutcome {
  ref: string;
  incidentCard: Card;
  replies: LocalMessageView[];
}

/**
 * The report form's answers for a grade sheet sent to the wrong parents' group, 3 hours ago, known 1 hour ago: the
 * usual incident of a scenario test that is about something else (notices, evidence…).
 */
export function misdirectedValues(now: Date, over: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  const HOUR = 3600_000;
  return {
    scenario: 'misdirected-message',
    howLeaked: '段考成績單誤寄到七年三班家長群組',
    occurredAt: taipeiInput(new Date(now.getTime() - 3 * HOUR)),
    awareAt: taipeiInput(new Date(now.getTime() - HOUR)),
    place: '教務處',
    categories: ['name', 'grades'],
    affectedEstimate: '32',
    affectedKinds: ['students', 'guardians'],
    involvesSystem: 'false',
    stepsTaken: '尚未處置',
    ...over,
  };
}

/** The report form of a hacked grading system (occurred 5 h ago, known 2 h ago), with fields to override. */
export function hackedSystemValues(now: Date, over: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  const HOUR = 3600_000;
  return {
    scenario: 'hacked-system',
    howLeaked: '成績系統遭入侵',
    occurredAt: taipeiInput(new Date(now.getTime() - 5 * HOUR)),
    awareAt: taipeiInput(new Date(now.getTime() - 2 * HOUR)),
    place: '教務處',
    categories: ['name', 'grades'],
    affectedEstimate: '32',
    affectedKinds: ['students'],
    involvesSystem: 'true',
    stepsTaken: '已停用帳號',
    ...over,
  };
}

/** The phrase the IT staff use to report it in the staff group. */
export const HACKED_SYSTEM_PHRASE = '成績系統被駭客入侵，學生資料外洩了';

/** A staff member reports in the staff group from a natural phrase through the offer and the intake form. */
export async function reportThroughOffer(
  client: LocalClient,
  opts: { as?: string; group?: string; phrase: string; expectScenario?: string; values: Record<string, string | string[]> },
): Promise<ReportOutcome> {
  const as = opts.as ?? 'demo-teacher';
  const group = opts.group ?? 'demo-staff';
  const offer = await client.say(as, group, opts.phrase);
  const offerMsg = offer.find((m) => m.body.type === 'text' && (m.body.quickReplies ?? []).length > 0);
  expect(offerMsg, `the bot offers to start a report after "${opts.phrase}"`).toBeTruthy();
  const start = (offerMsg!.body as { quickReplies: Button[] }).quickReplies[0]!;
  expect(start.label).toBe('開始通報');
  // The offer is a one-shot choice (src/core/conversation/choices.ts): once:<id>:<the action it runs>; that action
  // carries the scenario, then the categories and people read from the message (offer.ts).
  if (opts.expectScenario) expect(start.action).toMatch(new RegExp(`^once:[A-Za-z0-9_-]+:intake:start:${opts.expectScenario}(:|$)`));

  const started = await client.press(as, group, start.action);
  const form = forms(started)[0];
  expect(form, 'the intake form is sent').toBeTruthy();
  expect(form!.conversationId, 'intake happens in the private chat').toBe(`dm:${as}`);
  const done = await client.submit(as, form!.conversationId, form!.formId, opts.values);
  const incident = cards(done, 'incident')[0];
  expect(incident, `an incident card is posted; got: ${texts(done).join(' | ')}`).toBeTruthy();
  const ref = /個資事件 (\d{3}-\d{3})/.exec(incident!.title)![1]!;
  return { ref, incidentCard: incident!, replies: done };
}

/** The latest version of a card with this key in a conversation (cards are edited in place). */
export async function latestCard(
  client: LocalClient,
  as: string,
  conversation: string,
  key: string,
): Promise<Card & { messageId: string }> {
  const all = cards(await client.messages(as, conversation), key);
  expect(all.length, `a ${key} card in ${conversation}`).toBeGreaterThan(0);
  return all[all.length - 1]!;
}

/**
 * Works through the whole checklist in a conversation as one responder: 完成 for each item (answering the note form
 * where an item asks for one), or 不適用 with a reason for the keys listed in `notApplicable`.
 */
/** The item only the auditor may settle (playbooks/playbooks/general.yaml `completedBy: [auditor]`), and the demo auditor. */
export const AUDITOR_ITEM = '稽核人員檢視改善情形';
export const AUDITOR = 'demo-auditor';

export async function completeChecklist(
  client: LocalClient,
  as: string,
  conversation: string,
  notApplicable: Set<string> = new Set(),
): Promise<Card> {
  for (let guard = 0; guard < 80; guard += 1) {
    const card = await latestCard(client, as, conversation, 'checklist');
    const open = card.sections.flatMap((s) => s.rows ?? []).filter((r) => r.status === 'open');
    if (open.length === 0) return card;
    const row = open[0]!;
    const wantNa = [...notApplicable].some((k) => row.text.includes(k)) && row.buttons!.some((b) => b.label === '不適用');
    const button = row.buttons!.find((b) => b.label === (wantNa ? '不適用' : '完成'))!;
    // Only the auditor ticks the auditor's review (playbook `completedBy`, legal-rules §6): the demo auditor presses it.
    const who = row.text.includes(AUDITOR_ITEM) ? AUDITOR : as;
    const replies = await client.press(who, conversation, button.action);
    const f = forms(replies)[0];
    // The recovery item asks when it was really completed; others may ask a plan, a level or a delay reason.
    if (f) await client.submit(who, conversation, f.formId, fillItemForm(f, wantNa ? '本事件未涉及此項' : '已處理完成並留存紀錄'));
  }
  throw new Error('checklist did not complete');
}

/**
 * The values of the 處理結束 form (src/core/conversation/times.ts): the real end time, and every open item settled —
 * 不適用 with `naReason` where the item allows it (or when `naReason` is null, 已完成 for all), 已完成 otherwise, with
 * the completion time of the recovery item set to the end time.
 */
export function endingValues(form: Form, endedAt: string, naReason: string | null = '本案未涉及'): Record<string, string> {
  const values: Record<string, string> = {};
  for (const f of form.fields) {
    if (f.id === 'endedAt' || f.id.startsWith('t_')) values[f.id] = endedAt;
    else if (f.id.startsWith('s_')) values[f.id] = naReason && f.options?.some((o) => o.value === 'na') ? 'na' : 'done';
  }
  for (const f of form.fields) {
    if (!f.id.startsWith('n_')) continue;
    values[f.id] = values[`s_${f.id.slice(2)}`] === 'na' ? naReason! : '已處理並留存紀錄';
  }
  return values;
}

/**
 * Answers a checklist item's form: the note, and where the item asks more, today as the planned (done) date, the
 * first option of each choice (辦理情形 尚未開始, 資安事件等級 第1級) and a delay reason. `over` sets fields by id.
 */
export function fillItemForm(form: Form, note: string, over: Record<string, string> = {}): Record<string, string> {
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const values: Record<string, string> = {};
  for (const field of form.fields) {
    values[field.id] =
      over[field.id] ??
      (field.id === 'plannedOn'
        ? today
        : field.id === 'at'
          ? taipeiInput(new Date())
          : field.type === 'select'
            ? field.options![0]!.value
            : field.id === 'delayReason'
              ? '發生時間於調查後才確認'
              : note);
  }
  return values;
}

/** As the demo contact window: the first checklist item ticked with a note, and a notice to guardians drafted and submitted. */
export async function workIncidentAsWindow(app: RunningApp, ref: string): Promise<string> {
  const window = { personId: 'demo-window', schoolId: 'demo-school', displayName: '李組長（示範）', roles: ['staff', 'contactWindow'] };
  const incident = await app.db.prisma.incident.findFirstOrThrow({ where: { ref } });
  const item = await app.db.prisma.checklistItem.findFirstOrThrow({ where: { incidentId: incident.id }, orderBy: { position: 'asc' } });
  await app.bot.incidents.setChecklistState(window, item.id, 'done', '已停用帳號並改密碼');
  const { view } = await app.bot.notices.service.draft(window, incident.id, 'guardians');
  await app.bot.notices.service.submit(window, view.notice.id);
  return item.title;
}

/**
 * As the demo auditor (張主任): the auditor's review settled through the core, for tests where the contact window
 * ticks every other item on a platform (only the auditor may settle it: playbook `completedBy`, legal-rules §6).
 */
export async function settleAuditorReview(app: RunningApp, incidentId?: string): Promise<void> {
  const auditor = { personId: 'demo-auditor', schoolId: 'demo-school', displayName: '張主任（示範）', roles: ['staff', 'auditor'] };
  const items = await app.db.prisma.checklistItem.findMany({
    where: { ...(incidentId ? { incidentId } : {}), key: 'audit-review', state: 'open' },
  });
  for (const item of items) await app.bot.incidents.setChecklistState(auditor, item.id, 'done', '已檢視改善措施並向管理人報告');
}
