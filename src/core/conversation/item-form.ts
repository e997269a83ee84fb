import type { Form, FormField } from '../../ports/chat-model.js';
import type { ChecklistView, IncidentView } from '../incidents/service.js';
import { CYBER_LEVELS, PLAN_STATE_LABELS, PLAN_STATES, type CyberLevel, type ItemFacts, type PlanState } from '../incidents/item-facts.js';
import type { ItemAsk } from '../playbooks/vocabulary.js';
import { maskPersonalData, type MaskFinding } from '../privacy/mask.js';
import { formatRocDateTime } from '../time/roc.js';
import { readAnyDay } from '../time/natural.js';
import { formIds } from './actions.js';
import { FieldProblems, type FieldProblem } from './intake.js';
import { itemDetailText } from './render.js';

/** formId of the tick form of an item that asks more than a note: `itemx:<itemId>`. */
export { ITEM_FORM_PREFIX } from './actions.js';

const LEVEL_HELP =
  '第1級：非核心資料輕微外洩；第2級：非核心資料嚴重外洩或核心資料輕微外洩；第3級：核心資料嚴重外洩；第4級：更嚴重者（資通安全事件通報應變及演練辦法第2條）。教育體系過去將個資輕微外洩列為第3級，請依主管機關指引判斷。';

const IT = {
  note: '完成情形',
  measure: '措施內容（做什麼、負責單位）',
  plannedOn: '預定完成日期（已完成者填完成日期）',
  planState: '目前辦理情形',
  cyberLevel: '資安事件等級',
  levelReason: '判定理由',
  delayReason: '遲延原因',
  delayIntro: (label: string, end: string) => `「${label}」的法定期限（${end}）已過，請說明遲延原因，會列入報告。`,
  badDate: (label: string) => `看不懂「${label}」，請輸入例如「115/12/31」「2026-12-31」或「12/31」。`,
  empty: (label: string) => `請填寫「${label}」。`,
};

/** The extra facts this tick asks: plan and level when ticking done, a delay reason when the item's report is late. */
export function itemAsksNow(view: IncidentView, entry: ChecklistView, to: 'done' | 'na', now: Date): ItemAsk[] {
  if (to !== 'done') return [];
  const def = view.playbook.checklist.find((i) => i.key === entry.row.key);
  const asks = def?.asks ?? [];
  return asks.filter((a) => a !== 'delayReason' || lateClock(view, entry, now) !== null);
}

/** The clock this item completes, when its statutory end has already passed. */
function lateClock(view: IncidentView, entry: ChecklistView, now: Date) {
  const c = view.clocks.find((x) => x.id === entry.row.completesClock && x.applies);
  return c?.statutoryEnd && c.statutoryEnd.getTime() < now.getTime() ? c : null;
}

/** The tick form of an item that asks more than a note (sent whole, in pages or step by step by FormSteps). */
export function itemForm(view: IncidentView, entry: ChecklistView, asks: ItemAsk[], now: Date): Form {
  const plan = asks.includes('plannedDate');
  const level = asks.includes('cyberLevel');
  const fields: FormField[] = [];
  if (level) {
    fields.push({
      id: 'cyberLevel',
      label: IT.cyberLevel,
      type: 'select',
      required: true,
      help: LEVEL_HELP,
      options: CYBER_LEVELS.map((n) => ({ value: String(n), label: `第${n}級` })),
      ...(view.incident.cyberLevel ? { initial: String(view.incident.cyberLevel) } : {}),
    });
  }
  fields.push({
    id: 'note',
    label: level ? IT.levelReason : plan ? IT.measure : IT.note,
    type: 'text',
    required: true,
    maxLength: 300,
    ...(entry.requiresEvidence ? { help: entry.requiresEvidence } : {}),
  });
  if (plan) {
    fields.push(
      { id: 'plannedOn', label: IT.plannedOn, type: 'text', required: true, maxLength: 20, placeholder: '115/12/31' },
      {
        id: 'planState',
        label: IT.planState,
        type: 'select',
        required: true,
        options: PLAN_STATES.map((s) => ({ value: s, label: PLAN_STATE_LABELS[s] })),
      },
    );
  }
  const late = asks.includes('delayReason') ? lateClock(view, entry, now) : null;
  if (late) fields.push({ id: 'delayReason', label: IT.delayReason, type: 'text', required: true, maxLength: 300 });
  const intro = [
    late ? IT.delayIntro(late.label, formatRocDateTime(late.statutoryEnd!, { endOfDay: late.period.unit !== 'hours' })) : '',
    itemDetailText(entry),
  ].filter(Boolean);
  return {
    type: 'form',
    formId: formIds.itemForm(entry.row.id),
    title: entry.row.title,
    intro: intro.join('\n\n'),
    fields,
    submitLabel: '送出',
    fallbackText: entry.row.title,
  };
}

const one = (v: string | string[] | undefined) => ((Array.isArray(v) ? v[0] : v) ?? '').trim();

/** Reads the submitted tick form: the masked note and the facts, or a zh-TW list of problems. */
export function readItemForm(
  values: Record<string, string | string[]>,
  asks: ItemAsk[],
  now: Date,
): { note: string; facts: ItemFacts; masked: MaskFinding[] } {
  const problems: FieldProblem[] = [];
  const masked: MaskFinding[] = [];
  const text = (id: string, label: string): string => {
    const raw = one(values[id]);
    if (!raw) {
      problems.push({ field: id, message: IT.empty(label) });
      return '';
    }
    const m = maskPersonalData(raw, { now });
    masked.push(...m.findings);
    return m.text.slice(0, 300);
  };
  const level = asks.includes('cyberLevel');
  const plan = asks.includes('plannedDate');
  const note = text('note', level ? IT.levelReason : plan ? IT.measure : IT.note);
  const facts: ItemFacts = {};
  if (level) {
    const n = Number(one(values.cyberLevel).replace(/^第|級$/g, ''));
    if (CYBER_LEVELS.includes(n as CyberLevel)) facts.cyberLevel = n as CyberLevel;
    else problems.push({ field: 'cyberLevel', message: '請選擇資安事件等級（第1級至第4級）。' });
  }
  if (plan) {
    const raw = one(values.plannedOn);
    // A plan's date is usually still to come: a future reading is what is meant.
    const day = raw ? readAnyDay(raw, now) : null;
    if (!raw) problems.push({ field: 'plannedOn', message: IT.empty(IT.plannedOn) });
    else if (!day) problems.push({ field: 'plannedOn', message: IT.badDate(IT.plannedOn) });
    else facts.plannedOn = day;
    const s = one(values.planState);
    const state = PLAN_STATES.find((p) => p === s || PLAN_STATE_LABELS[p] === s);
    if (state) facts.planState = state as PlanState;
    else problems.push({ field: 'planState', message: `「${IT.planState}」請選「尚未開始」「辦理中」或「已完成」。` });
  }
  // Asked only while the item's report is late (the form carries the field then).
  if (values.delayReason !== undefined) facts.delayReason = text('delayReason', IT.delayReason);
  if (problems.length) throw new FieldProblems(problems);
  return { note, facts, masked };
}
