import { format } from 'date-fns';
import type { Form, FormField } from '../chat/model.js';
import type { ChecklistView, IncidentView, ItemResolution } from '../incidents/service.js';
import { CLOCK_TIMES, isClockTimeField, type ClockTimeField } from '../incidents/times.js';
import { UserError } from '../incidents/types.js';
import { ROLE_LABELS, type RoleKey } from '../roles.js';
import { formatRocDateTime } from '../time/roc.js';
import { inTaipei } from '../time/taipei.js';
import { validateField, type RawAnswers } from './intake.js';

/*
 * The forms that ask for the real time of a clock-starting fact (處理結束, the cyber recovery, corrections): prefilled
 * with now, earlier allowed, never the future. Times are read with the intake's own parser (validateField); the
 * incident service checks them against the other facts. Sent through FormSteps, so platforms without forms ask the
 * same questions one at a time.
 */

/** A form's initial value for a datetime field: the Taipei wall clock, "YYYY-MM-DDTHH:mm" (what a picker shows). */
export function nowInitial(now: Date): string {
  return format(inTaipei(now), "yyyy-MM-dd'T'HH:mm");
}

const RECOVER_CLOCK = 'cyber-recover';

/** Whether ticking this item done asks for its real completion time (it starts the cyber investigation report). */
export function asksCompletionTime(c: ChecklistView): boolean {
  return c.row.completesClock === RECOVER_CLOCK;
}

const TIME_HELP = '實際發生的時間（預設為現在，可改為較早的時間，不能是未來）；法定期限由這個時間起算。例如：今天 14:30、昨天 16:00、11/20 9:00。';

function timeField(id: string, label: string, now: Date, help = TIME_HELP): FormField {
  return { id, label, type: 'datetime', required: true, initial: nowInitial(now), help };
}

const stateId = (itemId: string) => `s_${itemId}`;
const noteId = (itemId: string) => `n_${itemId}`;
const timeId = (itemId: string) => `t_${itemId}`;
const noteLabel = (c: ChecklistView) => `${c.row.title}（說明）`;

/** 處理結束: the real time, then each open item settled (done / not applicable with a reason). */
export function endingForm(v: IncidentView, now: Date): Form {
  const open = v.checklist.filter((c) => c.state === 'open');
  const fields: FormField[] = [timeField('endedAt', '處理結束時間', now, `${TIME_HELP}1個月結案報告期限自這一天起算。`)];
  for (const c of open) {
    const owner = ROLE_LABELS[c.row.ownerRole as RoleKey] ?? c.row.ownerRole;
    fields.push({
      id: stateId(c.row.id),
      label: c.row.title,
      type: 'select',
      required: true,
      help: `尚未完成（負責：${owner}）。請選擇已完成或不適用。`,
      options: [{ value: 'done', label: '已完成' }, ...(c.naAllowed ? [{ value: 'na', label: '不適用' }] : [])],
    });
    fields.push({
      id: noteId(c.row.id),
      label: noteLabel(c),
      type: 'text',
      required: false,
      maxLength: 300,
      help: c.requiresEvidence ? `已完成：${c.requiresEvidence}；不適用：原因（必填）` : '不適用時必填原因；已完成可簡述做法',
    });
    if (asksCompletionTime(c)) fields.push(timeField(timeId(c.row.id), `${c.row.title}（完成時間）`, now));
  }
  const intro =
    open.length > 0
      ? `處理結束前，尚有 ${open.length} 項檢核項目未完成，請逐項確認（不適用須說明原因）：\n${open.map((c) => `□ ${c.row.title}`).join('\n')}`
      : '所有檢核項目均已處理。請填寫處理結束的實際時間。';
  return {
    type: 'form',
    formId: `end:${v.incident.id}`,
    title: `處理結束｜${v.incident.ref}`,
    intro,
    fields,
    submitLabel: '確認處理結束',
    fallbackText: `處理結束｜${v.incident.ref}`,
  };
}

/** The values of the ending form as the service takes them; zh-TW problems name the field (FormSteps goes back to it). */
export function readEnding(v: IncidentView, values: RawAnswers, now: Date): { endedAt: Date; resolutions: ItemResolution[] } {
  const form = endingForm(v, now);
  const problems: string[] = [];
  const read = (id: string) => {
    const f = form.fields.find((x) => x.id === id);
    if (!f) return null;
    const r = validateField(f, values[id], now);
    if (!r.ok) problems.push(r.message);
    return r.ok ? r.value : null;
  };
  const endedAt = read('endedAt') as Date | null;
  const resolutions: ItemResolution[] = [];
  for (const c of v.checklist.filter((x) => x.state === 'open')) {
    const state = read(stateId(c.row.id)) as 'done' | 'na' | null;
    const note = (read(noteId(c.row.id)) as string | null)?.trim() || null;
    const at = asksCompletionTime(c) ? (read(timeId(c.row.id)) as Date | null) : null;
    if (state === 'na' && !note) problems.push(`「${noteLabel(c)}」：標示不適用時必須說明原因。`);
    if (state) resolutions.push({ itemId: c.row.id, state, note, ...(at ? { happenedAt: at } : {}) });
  }
  if (problems.length > 0 || !endedAt) throw new UserError(`還有幾個地方需要修正：\n・${problems.join('\n・')}`);
  return { endedAt, resolutions };
}

/** Ticking the cyber recovery item done: when it really was completed, and what was done. */
export function completionForm(c: ChecklistView, now: Date): Form {
  return {
    type: 'form',
    formId: `done:${c.row.id}`,
    title: c.row.title,
    intro: `請填寫「${c.row.title}」實際完成的時間：1個月內的資安事件調查報告期限由這個時間起算。`,
    fields: [
      timeField('at', '實際完成時間', now),
      { id: 'note', label: '完成情形', type: 'text', required: !!c.requiresEvidence, maxLength: 300, ...(c.requiresEvidence ? { help: c.requiresEvidence } : {}) },
    ],
    submitLabel: '完成',
    fallbackText: c.row.title,
  };
}

export function readCompletion(c: ChecklistView, values: RawAnswers, now: Date): { at: Date; note: string | null } {
  const form = completionForm(c, now);
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const f of form.fields) {
    const r = validateField(f, values[f.id], now);
    if (r.ok) out[f.id] = r.value;
    else problems.push(r.message);
  }
  if (problems.length > 0) throw new UserError(`還有幾個地方需要修正：\n・${problems.join('\n・')}`);
  return { at: out.at as Date, note: ((out.note as string | null) ?? '').trim() || null };
}

/** The clock-starting times this incident has recorded, in the order they happen. */
function recordedTimes(v: IncidentView): ClockTimeField[] {
  return (Object.keys(CLOCK_TIMES) as ClockTimeField[]).filter((k) => v.incident[k] !== null);
}

/** 更正時間: which time, its new value, and the reason (required; kept on the correction's own timeline entry). */
export function correctionForm(v: IncidentView, now: Date): Form {
  const options = recordedTimes(v).map((k) => ({ value: k, label: `${CLOCK_TIMES[k]}（目前 ${formatRocDateTime(v.incident[k]!)}）` }));
  return {
    type: 'form',
    formId: `fix:${v.incident.id}`,
    title: `更正事件時間｜${v.incident.ref}`,
    intro: '更正會重新計算法定時限與提醒，並連同原因記入事件紀錄（原紀錄保留）。',
    fields: [
      { id: 'field', label: '要更正的時間', type: 'select', required: true, options },
      timeField('to', '正確時間', now, '實際發生的時間，不能是未來。例如：昨天 16:00、11/20 9:00。'),
      { id: 'reason', label: '更正原因', type: 'text', required: true, maxLength: 200, help: '例如：調閱郵件紀錄，實際寄出時間較早' },
    ],
    submitLabel: '更正',
    fallbackText: `更正事件時間｜${v.incident.ref}`,
  };
}

export function readCorrection(v: IncidentView, values: RawAnswers, now: Date): { field: ClockTimeField; to: Date; reason: string } {
  const form = correctionForm(v, now);
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const f of form.fields) {
    const r = validateField(f, values[f.id], now);
    if (r.ok) out[f.id] = r.value;
    else problems.push(r.message);
  }
  const field = String(out.field ?? '');
  if (problems.length > 0 || !isClockTimeField(field)) throw new UserError(`還有幾個地方需要修正：\n・${problems.join('\n・') || '請選擇要更正的時間。'}`);
  return { field, to: out.to as Date, reason: String(out.reason) };
}
