import { format } from 'date-fns/format';
import type { Card, Form, FormField } from '../../ports/chat-model.js';
import type { ChecklistView, IncidentView, ItemResolution } from '../incidents/service.js';
import type { ClockRuleSet } from '../clocks/index.js';
import { CLOCK_TIMES, isClockTimeField, settledBeforeEnding, type ClockTimeField } from '../incidents/times.js';
import { UserError } from '../incidents/types.js';
import { ROLE_LABELS, type RoleKey } from '../roles.js';
import { formatRocDateTime } from '../time/roc.js';
import { inTaipei } from '../time/taipei.js';
import { FieldProblems, validateField, type FieldProblem, type RawAnswers } from './intake.js';
import { act } from './render.js';

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

const TIME_HELP =
  '實際發生的時間（預設為現在，可改為較早的時間，不能是未來）；法定期限由這個時間起算。例如：今天 14:30、昨天 16:00、11/20 9:00。';

function timeField(id: string, label: string, now: Date, help = TIME_HELP): FormField {
  return { id, label, type: 'datetime', required: true, initial: nowInitial(now), help };
}

/**
 * 處理結束 with items still open: what is open, each with its 完成 / 不適用 buttons (不適用 asks for the reason, the
 * recovery item for its real completion time), and 處理結束 again once all are settled. The service refuses to end
 * handling while any item is open, whatever the platform.
 */
export function openItemsCard(v: IncidentView, rules: ClockRuleSet): Card {
  const open = openBeforeEnding(v, rules);
  return {
    type: 'card',
    title: `處理結束前的確認｜${v.incident.ref}`,
    subtitle: `尚有 ${open.length} 項檢核項目未處理`,
    tone: 'warning',
    sections: [
      {
        text: '處理結束前，請逐項標示「完成」或「不適用」（不適用須說明原因）。全部處理後，再按「處理結束」填寫實際結束時間。',
        rows: open.map((c) => ({
          text: c.row.title,
          detail: `負責：${ROLE_LABELS[c.row.ownerRole as RoleKey] ?? c.row.ownerRole}`,
          status: 'open' as const,
          buttons: [
            { label: '完成', action: act.item(c.row.id, 'd'), style: 'primary' as const },
            ...(c.naAllowed ? [{ label: '不適用', action: act.item(c.row.id, 'n') }] : []),
          ],
        })),
      },
    ],
    buttons: [{ label: '處理結束', action: act.incident(v.incident.id, 'end') }],
    fallbackText: `處理結束前尚有 ${open.length} 項檢核項目未處理：${open.map((c) => c.row.title).join('、')}`,
  };
}

/** The open items to settle before handling ends (not the reports and record-keeping that come after it). */
export function openBeforeEnding(v: IncidentView, rules: ClockRuleSet): ChecklistView[] {
  return v.checklist.filter((c) => c.state === 'open' && settledBeforeEnding(c.row, rules));
}

/** 處理結束 once every item is settled: its real time (prefilled with now). */
export function endingForm(v: IncidentView, now: Date): Form {
  return {
    type: 'form',
    formId: `end:${v.incident.id}`,
    title: `處理結束｜${v.incident.ref}`,
    intro:
      '處理結束前應完成的檢核項目均已處理（結案報告、歸檔等於處理結束後辦理）。請填寫處理結束的實際時間：1個月結案報告期限自這一天起算。',
    fields: [timeField('endedAt', '處理結束時間', now)],
    submitLabel: '確認處理結束',
    fallbackText: `處理結束｜${v.incident.ref}`,
  };
}

/** The ending form's values as the service takes them (items were settled one by one before). */
export function readEnding(v: IncidentView, values: RawAnswers, now: Date): { endedAt: Date; resolutions: ItemResolution[] } {
  const field = endingForm(v, now).fields[0]!;
  const r = validateField(field, values[field.id], now);
  if (!r.ok) throw new UserError(r.message);
  return { endedAt: r.value as Date, resolutions: [] };
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
      {
        id: 'note',
        label: '完成情形',
        type: 'text',
        required: !!c.requiresEvidence,
        maxLength: 300,
        ...(c.requiresEvidence ? { help: c.requiresEvidence } : {}),
      },
    ],
    submitLabel: '完成',
    fallbackText: c.row.title,
  };
}

export function readCompletion(c: ChecklistView, values: RawAnswers, now: Date): { at: Date; note: string | null } {
  const form = completionForm(c, now);
  const problems: FieldProblem[] = [];
  const out: Record<string, unknown> = {};
  for (const f of form.fields) {
    const r = validateField(f, values[f.id], now);
    if (r.ok) out[f.id] = r.value;
    else problems.push({ field: f.id, message: r.message });
  }
  if (problems.length > 0) throw new FieldProblems(problems);
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
  if (problems.length > 0 || !isClockTimeField(field))
    throw new UserError(`還有幾個地方需要修正：\n・${problems.join('\n・') || '請選擇要更正的時間。'}`);
  return { field, to: out.to as Date, reason: String(out.reason) };
}
