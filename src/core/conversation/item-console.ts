import type { Form, FormField } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';
import type { ChecklistView, IncidentService, IncidentView } from '../incidents/service.js';
import type { ItemFacts } from '../incidents/item-facts.js';
import { ItemChangedMeanwhile, itemBasis, UserError } from '../incidents/types.js';
import { itemActRefusal, NOT_RESPONDER } from '../incidents/item-roles.js';
import { maskPersonalData, type MaskFinding } from '../privacy/mask.js';
import type { Actor } from '../roles.js';
import { readAnyDay } from '../time/natural.js';
import { formatChatDateTime, formatRocDate } from '../time/roc.js';
import { FieldProblems, type FieldProblem, type RawAnswers } from './intake.js';
import { itemAsksNow, itemForm, readItemForm } from './item-form.js';
import { asksCompletionTime, completionForm, readCompletion } from './times.js';
import type { Turns } from './turn.js';
import { WHEN_TEXTS, readFieldTime } from './when.js';
import { announceLevelChange } from './cyber.js';

/** Two readings of one text this close are the same (「現在」 read when the page was shown and again when sent). */
const SAME_READING_MS = 5 * 60_000;

/** The plan's date field of itemForm (item-form.ts): a day, read back like a time. */
const PLAN_DATE = 'plannedOn';

const NOT_ALLOWED = '只有應變人員（個資聯絡窗口、資訊組、資料管理人、校長）或該項目負責人可以勾選。';

/** How a time field's text reads: shown beside the field before the form is taken. */
export interface ItemTimeReading {
  at: string;
  text: string;
}

/** The form of an item that asks more than a note, as the console's page shows it. */
export interface ItemFormPage {
  title: string;
  intro: string;
  submitLabel: string;
  fields: FormField[];
  values: RawAnswers;
  readings: Record<string, ItemTimeReading>;
  /** What the chat's own readers refused, field by field (the field's id and its zh-TW message): shown beside each field. */
  problems: FieldProblem[];
  /** A refusal that is about no one field (zh-TW), or null. */
  error: string | null;
  /** Valid, but a time reading the page had not shown yet: look at it and send again. */
  confirmTimes: boolean;
  /** The item's state the page was opened on (stale pages are refused). */
  basis: string;
}

/** Whether ticking this item done asks for its own form (as chat decides in IncidentFlow.onItemAction). */
export function asksMoreThanNote(view: IncidentView, entry: ChecklistView, now: Date): boolean {
  return asksCompletionTime(entry) || itemAsksNow(view, entry, 'done', now).length > 0;
}

export type ItemFormResult = { ok: true; title: string; masked: MaskFinding[] } | { ok: false; page: ItemFormPage };

/**
 * The checklist steps of the console that ask more than a note (issue #18 point 4), as chat takes them: the form chat
 * sends for the item (times.ts `completionForm` for the item that starts a clock, item-form.ts `itemForm` for a plan,
 * a cyber level, a delay reason), read by chat's own readers (readCompletion, readItemForm: the natural-time reader,
 * the masking), ticked by the same service step; and 重新開啟 of a settled item. Each step carries the item's state
 * the page was shown on (`basis`) and is refused with ItemChangedMeanwhile when the item changed since: checked here
 * first (before reading a form) and again by the service inside its transaction, the item's row locked, so of two
 * posts of one page at the same moment exactly one is recorded.
 */
export class ItemConsole {
  constructor(
    private readonly deps: CoreDeps,
    private readonly turns: Turns,
    private readonly incidents: IncidentService,
  ) {}

  /** The item's state as a page carries it: 「open:」「done:<ms of doneAt>」. */
  static basisOf(entry: ChecklistView): string {
    return itemBasis(entry.row);
  }

  /** The item's form as chat would send it, with its time fields read; refused as chat refuses. */
  async open(actor: Actor, itemId: string): Promise<ItemFormPage> {
    const { view, entry } = await this.item(actor, itemId);
    if (entry.state === 'done') throw new UserError(`「${entry.row.title}」已經完成了。`);
    const form = this.formOf(view, entry);
    const values: RawAnswers = {};
    for (const f of form.fields) if (f.initial !== undefined) values[f.id] = f.initial;
    return this.page(form, values, { basis: ItemConsole.basisOf(entry) });
  }

  /** The form sent: read by chat's readers, then ticked done; the chat's cards follow. */
  async complete(
    actor: Actor,
    itemId: string,
    basis: string,
    submitted: RawAnswers,
    shown: Record<string, string>,
  ): Promise<ItemFormResult> {
    const { view, entry } = await this.item(actor, itemId);
    if (ItemConsole.basisOf(entry) !== basis) throw new ItemChangedMeanwhile(entry.row.title);
    const form = this.formOf(view, entry);
    const now = this.deps.now();
    const raw: RawAnswers = {};
    for (const f of form.fields) {
      const v = submitted[f.id];
      if (v !== undefined) raw[f.id] = v;
    }
    // What was typed goes back masked, as everything shown or stored is.
    const echo = (): RawAnswers =>
      Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === 'string' ? maskPersonalData(v, { now }).text : v]));
    let done: { note: string | null; happenedAt?: Date; facts?: ItemFacts };
    let masked: MaskFinding[] = [];
    try {
      if (asksCompletionTime(entry)) {
        const { at, note } = readCompletion(entry, raw, now);
        const m = maskPersonalData(note ?? '', { now });
        masked = m.findings;
        done = { note: m.text.slice(0, 300) || null, happenedAt: at };
      } else {
        const read = readItemForm(raw, view.playbook.checklist.find((i) => i.key === entry.row.key)?.asks ?? [], now);
        masked = read.masked;
        done = { note: read.note, facts: read.facts };
      }
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      const problems = err instanceof FieldProblems ? err.problems : [];
      return { ok: false, page: this.page(form, echo(), { basis, problems, error: problems.length ? null : err.message }) };
    }
    const readings = this.readings(form.fields, raw);
    const seen = (id: string, at: string) => Math.abs(Date.parse(shown[id] ?? '') - Date.parse(at)) <= SAME_READING_MS;
    if (Object.entries(readings).some(([id, r]) => !seen(id, r.at))) {
      return { ok: false, page: this.page(form, echo(), { basis, confirmTimes: true }) };
    }
    const r = await this.incidents.setChecklistState(actor, itemId, 'done', done.note, {
      basis,
      ...(done.happenedAt ? { happenedAt: done.happenedAt } : {}),
      ...(done.facts ? { facts: done.facts } : {}),
    });
    if (r.changed) await this.turns.refreshCards(null, r.view, ['checklist', 'incident']);
    if (r.levelChange) await announceLevelChange(this.deps, this.turns, r.view, r.levelChange, null);
    return { ok: true, title: entry.row.title, masked };
  }

  /**
   * 重新開啟 (chat's button on a settled item: the same service step). The console asks why (optional, masked): kept as
   * the item's note and on its timeline entry.
   */
  async reopen(actor: Actor, itemId: string, basis: string, rawReason: string): Promise<{ title: string; masked: MaskFinding[] }> {
    const { entry } = await this.item(actor, itemId);
    if (ItemConsole.basisOf(entry) !== basis || entry.state === 'open') throw new ItemChangedMeanwhile(entry.row.title);
    const m = maskPersonalData(rawReason.trim(), { now: this.deps.now() });
    const r = await this.incidents.setChecklistState(actor, itemId, 'open', m.text.slice(0, 300) || null, { basis });
    await this.turns.refreshCards(null, r.view, ['checklist', 'incident']);
    return { title: entry.row.title, masked: m.findings };
  }

  // ------------------------------------------------------------------ internals

  private async item(actor: Actor, itemId: string) {
    const row = await this.deps.repos.checklist.find(itemId);
    if (!row) throw new UserError('找不到這個檢核項目。');
    const view = await this.incidents.get(row.incidentId);
    if (view.incident.schoolId !== actor.schoolId) throw new UserError('找不到這個檢核項目。');
    const entry = view.checklist.find((c) => c.row.id === itemId)!;
    const refusal = itemActRefusal(view.playbook, actor, row);
    if (refusal) throw new UserError(refusal === NOT_RESPONDER ? NOT_ALLOWED : refusal);
    if (view.status === 'closed') throw new UserError(`事件 ${view.incident.ref} 已結案，不能再變更檢核項目。`);
    return { view, entry };
  }

  private formOf(view: IncidentView, entry: ChecklistView): Form {
    const now = this.deps.now();
    if (asksCompletionTime(entry)) return completionForm(entry, now);
    const asks = itemAsksNow(view, entry, 'done', now);
    if (asks.length === 0) throw new UserError(`「${entry.row.title}」只需要紀錄，請直接在事件頁勾選。`);
    return itemForm(view, entry, asks, now);
  }

  private readings(fields: FormField[], values: RawAnswers): Record<string, ItemTimeReading> {
    const out: Record<string, ItemTimeReading> = {};
    const now = this.deps.now();
    for (const f of fields) {
      const text = values[f.id];
      if (typeof text !== 'string' || !text.trim()) continue;
      if (f.type === 'datetime') {
        const r = readFieldTime(f.label, text, now);
        if (r.ok) out[f.id] = { at: r.at.toISOString(), text: WHEN_TEXTS.reading(r.at, r.approximate) };
      } else if (f.id === PLAN_DATE) {
        // The plan's date, read as readItemForm reads it (a day, usually still to come).
        const day = readAnyDay(text, now);
        if (day) out[f.id] = { at: day.toISOString(), text: formatRocDate(day) };
      }
    }
    return out;
  }

  private page(
    form: Form,
    values: RawAnswers,
    o: { basis: string; problems?: FieldProblem[]; error?: string | null; confirmTimes?: boolean },
  ): ItemFormPage {
    const now = this.deps.now();
    // A time field's initial value (「2026-12-07T14:30」) is shown as chat writes times.
    const shownValues: RawAnswers = { ...values };
    for (const f of form.fields) {
      const v = values[f.id];
      if (f.type !== 'datetime' || typeof v !== 'string' || v !== f.initial) continue;
      const r = readFieldTime(f.label, v, now);
      if (r.ok) shownValues[f.id] = formatChatDateTime(r.at, { now });
    }
    return {
      title: form.title,
      intro: form.intro ?? '',
      submitLabel: form.submitLabel ?? '送出',
      fields: form.fields,
      values: shownValues,
      readings: this.readings(form.fields, shownValues),
      problems: o.problems ?? [],
      error: o.error ?? null,
      confirmTimes: o.confirmTimes ?? false,
      basis: o.basis,
    };
  }
}
