import type { Button, FormField } from '../../ports/chat-model.js';
import { maskPersonalData, type MaskFinding } from '../privacy/mask.js';
import { parseNaturalTime } from '../time/natural.js';
import { UserError, type IntakeAnswers } from '../incidents/types.js';
import { parseHeadCount, type HeadCount } from './headcount.js';
import { act } from './render.js';
import { WHEN_TEXTS, readFieldTime } from './when.js';

export type RawValue = string | string[];
export type RawAnswers = Record<string, RawValue>;

export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * A form's answers refused field by field: chat says them as one message (「還有幾個地方需要修正：・…」), a web page
 * shows each beside its field (`problems`: the field's id and its zh-TW message).
 */
export class FieldProblems extends UserError {
  constructor(readonly problems: FieldProblem[]) {
    super(`還有幾個地方需要修正：\n・${problems.map((p) => p.message).join('\n・')}`);
  }
}

const YES = new Set(['是', '有', 'y', 'yes', 'true', '1', '對', '涉及']);
const NO = new Set(['否', '沒有', '無', 'n', 'no', 'false', '0', '不是', '未涉及']);

export function parseBoolean(v: string): boolean | null {
  const t = v.trim().toLowerCase();
  if (YES.has(t)) return true;
  if (NO.has(t)) return false;
  return null;
}

/**
 * A time typed by staff, read by the product's one parser (src/core/time/natural.ts): 「昨天下午3點左右」, 「11/20 14:30」,
 * 「115/11/20」, 「三個小時前」, ISO. Null when it cannot be read or is still in the future.
 */
export function parseWhen(text: string, now: Date): Date | null {
  return parseNaturalTime(text, now)?.at ?? null;
}

function asList(v: RawValue | undefined): string[] {
  if (v === undefined) return [];
  if (Array.isArray(v)) return v.map((s) => s.trim()).filter(Boolean);
  return v
    .split(/[,，、\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function asText(v: RawValue | undefined): string {
  return (Array.isArray(v) ? v.join('、') : (v ?? '')).trim();
}

/** Maps typed choices ("1,3", labels, values) to option values. */
export function resolveChoices(field: FormField, v: RawValue | undefined): { values: string[]; unknown: string[] } {
  const opts = field.options ?? [];
  const values: string[] = [];
  const unknown: string[] = [];
  for (const token of asList(v)) {
    const n = /^\d+$/.test(token) ? Number(token) : NaN;
    const hit =
      opts.find((o) => o.value === token) ?? opts.find((o) => o.label === token) ?? (n >= 1 && n <= opts.length ? opts[n - 1] : undefined);
    if (hit) {
      if (!values.includes(hit.value)) values.push(hit.value);
    } else unknown.push(token);
  }
  return { values, unknown };
}

export interface ValidatedIntake {
  answers: IntakeAnswers;
  /** Personal data masked out of what the reporter typed (kind → count). */
  masked: MaskFinding[];
  /** Time fields read from a vague answer (「昨天下午」): shown to the reporter with the reading, to correct if wrong. */
  approximate: { field: string; at: Date }[];
}

/** Validates one field; returns the normalised value or a zh-TW problem. */
export function validateField(
  field: FormField,
  raw: RawValue | undefined,
  now: Date,
): { ok: true; value: unknown; masked?: MaskFinding[]; approximate?: boolean } | { ok: false; message: string } {
  const text = asText(raw);
  const empty = field.type === 'multiselect' ? asList(raw).length === 0 : text === '';
  if (empty) {
    if (field.required) return { ok: false, message: `請填寫「${field.label}」。` };
    return { ok: true, value: field.type === 'multiselect' ? [] : null };
  }
  switch (field.type) {
    case 'text':
    case 'textarea': {
      if (field.format === 'headcount') {
        const h = parseHeadCount(text, field.label, now);
        return h.ok ? { ok: true, value: h.value, masked: h.value.masked } : h;
      }
      if (field.maxLength && text.length > field.maxLength) {
        return { ok: false, message: `「${field.label}」最多 ${field.maxLength} 字，請精簡描述。` };
      }
      const m = maskPersonalData(text, { now });
      return { ok: true, value: m.text, masked: m.findings };
    }
    case 'number': {
      const n = Number(text.normalize('NFKC').replace(/[,，人名約]/g, ''));
      if (!Number.isInteger(n) || n < 0 || n > 10_000_000) {
        return { ok: false, message: `「${field.label}」請填整數（例如 35）。` };
      }
      return { ok: true, value: n };
    }
    case 'datetime': {
      const r = readFieldTime(field.label, text, now);
      if (!r.ok) return r;
      return { ok: true, value: r.at, ...(r.approximate ? { approximate: true } : {}) };
    }
    case 'boolean': {
      const b = parseBoolean(text);
      if (b === null) return { ok: false, message: `「${field.label}」請回答「是」或「否」。` };
      return { ok: true, value: b };
    }
    case 'select': {
      const { values } = resolveChoices(field, text);
      if (values.length !== 1) return { ok: false, message: `「${field.label}」請從選項中選一個。` };
      return { ok: true, value: values[0] };
    }
    case 'multiselect': {
      const { values, unknown } = resolveChoices(field, raw);
      if (unknown.length > 0)
        return { ok: false, message: `「${field.label}」沒有這些選項：${unknown.join('、')}。請回覆選項編號，例如 1,3。` };
      if (field.required && values.length === 0) return { ok: false, message: `請至少選一個「${field.label}」。` };
      return { ok: true, value: values };
    }
  }
}

const isHeadCount = (v: unknown): v is HeadCount => typeof v === 'object' && v !== null && 'text' in v && 'count' in v;

/** The number of an estimate (a plain number from an older form or a prefilled answer is taken as it is). */
function headCountOf(v: unknown): number | null {
  if (isHeadCount(v)) return v.count;
  return typeof v === 'number' ? v : null;
}

export function validateIntake(
  fields: FormField[],
  raw: RawAnswers,
  now: Date,
): { ok: true; result: ValidatedIntake } | { ok: false; problems: FieldProblem[] } {
  const out: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  const masked = new Map<MaskFinding['kind'], number>();
  const approximate: ValidatedIntake['approximate'] = [];
  for (const f of fields) {
    const r = validateField(f, raw[f.id], now);
    if (!r.ok) problems.push({ field: f.id, message: r.message });
    else {
      out[f.id] = r.value;
      if (r.approximate && r.value instanceof Date) approximate.push({ field: f.id, at: r.value });
      for (const m of r.masked ?? []) masked.set(m.kind, (masked.get(m.kind) ?? 0) + m.count);
    }
  }
  const occurredAt = out.occurredAt as Date | undefined;
  const awareAt = (out.awareAt as Date | null | undefined) ?? now;
  if (occurredAt && awareAt && occurredAt.getTime() > awareAt.getTime()) {
    problems.push({ field: 'occurredAt', message: '發生時間不能晚於知悉時間。' });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    result: {
      answers: {
        scenario: (out.scenario as string | null) ?? 'general',
        howLeaked: (out.howLeaked as string | null) ?? '',
        occurredAt: occurredAt ?? awareAt,
        awareAt,
        place: (out.place as string | null) ?? '',
        categories: (out.categories as string[] | null) ?? [],
        affectedEstimate: headCountOf(out.affectedEstimate),
        ...(isHeadCount(out.affectedEstimate) ? { affectedEstimateText: out.affectedEstimate.text } : {}),
        affectedKinds: (out.affectedKinds as string[] | null) ?? [],
        involvesSystem: (out.involvesSystem as boolean | null) ?? false,
        stepsTaken: (out.stepsTaken as string | null) ?? '尚未處置',
        ...(approximate.length ? { approximateTimes: approximate.map((a) => a.field) } : {}),
      },
      masked: [...masked].map(([kind, count]) => ({ kind, count })),
      approximate,
    },
  };
}

/** The question for one field in step-by-step mode (platforms without forms), with quick replies. */
export function stepQuestion(field: FormField, index: number, total: number, promptId: string): { text: string; quickReplies: Button[] } {
  const lines = [`（${index + 1}/${total}）${field.label}${field.required ? '' : '（可略過）'}`];
  if (field.help) lines.push(field.help);
  const quick: Button[] = [];
  if (field.type === 'select' || field.type === 'multiselect') {
    const opts = field.options ?? [];
    lines.push(...opts.map((o, i) => `${i + 1}. ${o.label}`));
    lines.push(field.type === 'multiselect' ? '請回覆編號，可多選，例如：1,3' : '請回覆編號或點選下方選項');
    if (field.type === 'select' && opts.length <= 11)
      quick.push(...opts.map((o, i) => ({ label: o.label.slice(0, 20), action: act.say(String(i + 1)) })));
  }
  if (field.type === 'boolean') quick.push({ label: '是', action: act.say('是') }, { label: '否', action: act.say('否') });
  if (field.type === 'datetime') {
    lines.push(WHEN_TEXTS.hint);
    quick.push({ label: '現在', action: act.say('現在') });
  }
  if (!field.required) quick.push({ label: '略過', action: act.say('略過') });
  if (index > 0) quick.push({ label: '上一步', action: act.say('上一步') });
  quick.push({ label: '取消通報', action: act.cancelPrompt(promptId) });
  return { text: lines.join('\n'), quickReplies: quick };
}
