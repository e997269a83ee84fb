import type { Button, Card, CardField, CardRow, CardSection, Form, FormField, Tone } from '../../ports/chat-model.js';
import type { ComputedClock } from '../clocks/index.js';
import type { IntakeField, PlaybookLibrary } from '../playbooks/index.js';
import { ROLE_LABELS, type RoleKey } from '../roles.js';
import { completedBy } from '../incidents/clock-stops.js';
import { planText } from '../incidents/item-facts.js';
import { recordedTime } from '../incidents/times.js';
import { formatChatDateTime as formatShort, formatRocDate, formatRocDateTime } from '../time/roc.js';
import { taipeiWallClock } from '../time/taipei.js';
import type { ChecklistView, IncidentView } from '../incidents/service.js';
import { totalAffected } from '../incidents/service.js';
import { AFFECTED_KIND_LABELS, STATUS_LABELS, type AffectedKind } from '../incidents/types.js';

/** Action strings carried by buttons: built and read in actions.ts. */
import { act } from './actions.js';
import { draftThresholdLines } from '../clocks/draft.js';
export { act };

const roleLabel = (r: string) => ROLE_LABELS[r as RoleKey] ?? r;

/**
 * A clock's basis on a card: the short form (binding rules, how many practices besides) on the row, the full
 * citations folded behind a tap. The rules that bind the school and the practice it adopts from others (「參考…之作法」,
 * src/core/clocks/bases.ts) are on separate lines, so they never read as one list of legal bases.
 */
function basisParts(c: ComputedClock): Pick<CardRow, 'more'> {
  if (c.basisShort === c.basis) return {};
  const cite = (b: ComputedClock['bases'][number]) => `${b.law}${b.article ?? ''}${b.note ? `（${b.note}）` : ''}`;
  const binding = c.bases.filter((b) => b.binding).map(cite);
  const practice = c.bases.filter((b) => !b.binding).map(cite);
  const lines = [
    binding.length ? `依據：${binding.join('；')}` : '依據：本校無直接適用的法規，以下為參考作法',
    ...(practice.length ? [`參考作法（非本校適用之法規）：${practice.join('；')}`] : []),
  ];
  return { more: { label: '依據全文', text: lines.join('\n') } };
}

/** Full citation lines of a clock (the summary and wherever the full text is shown instead of a fold). */
export function basisLines(c: ComputedClock): string[] {
  return basisParts(c).more?.text.split('\n') ?? [`依據：${c.basis}`];
}

function clockLine(c: ComputedClock, now: Date): CardRow {
  if (c.pending) {
    return { text: `${c.label}：待起算`, detail: `依據：${c.basisShort}`, status: 'pending', ...basisParts(c) };
  }
  const end = c.statutoryEnd ? formatShort(c.statutoryEnd, { endOfDay: true, now }) : c.calendarGap ? '需補辦公日曆' : '無固定期限';
  const rec =
    c.recommendedBy && c.statutoryEnd && c.recommendedBy.getTime() !== c.statutoryEnd.getTime()
      ? `；建議 ${formatShort(c.recommendedBy, { endOfDay: true, now })} 前${
          c.recommendedBy <= now && c.statutoryEnd > now ? '（已過建議時間，法定期限尚未逾期）' : ''
        }`
      : '';
  const overdue = c.statutoryEnd && c.statutoryEnd.getTime() < now.getTime();
  const flags = [
    c.overdueAtAwareness ? '⚠ 知悉時已逾期，請立即辦理並說明' : '',
    overdue && !c.overdueAtAwareness ? '⚠ 已逾期' : '',
    c.rolledOver && c.rolloverNote ? c.rolloverNote : '',
    c.calendarGap ? `⚠ ${c.calendarGap.note}` : '',
    c.calendarNote ? `⚠ ${c.calendarNote}` : '',
    c.legalStatus !== 'in-force' ? `（${c.statusNote ?? '草案，尚未施行'}）` : '',
  ].filter(Boolean);
  return {
    text: `${c.label}：${end}${rec}`,
    detail: [`依據：${c.basisShort}`, ...flags].join('\n'),
    status: overdue || c.overdueAtAwareness ? 'overdue' : 'open',
    ...basisParts(c),
  };
}

export function clocksSection(clocks: ComputedClock[], now: Date): CardSection {
  const shown = clocks.filter((c) => c.applies && c.enabled);
  return { heading: '法定時限', rows: shown.map((c) => clockLine(c, now)) };
}

/** The reports already submitted (src/core/documents), with the clock each one completes. */
const SUBMISSIONS = [
  { column: 'bureauSubmittedAt', clock: 'bureau-3d', label: '通報主管機關' },
  { column: 'closureSubmittedAt', clock: 'closure-1m', label: '結案報告' },
  { column: 'cyberSubmittedAt', clock: 'cyber-report-1m', label: '資安事件調查報告' },
] as const;

function submissionFields(i: IncidentView['incident']): CardField[] {
  const sent = SUBMISSIONS.filter((s) => i[s.column]);
  return sent.length
    ? [{ label: '報告送出', value: sent.map((s) => `${s.label}：${formatRocDate(i[s.column]!)}`).join('\n'), tone: 'success' }]
    : [];
}

/**
 * A clock whose report was submitted shows as done, with the day; one stopped by its checklist items (the same rule as
 * the reminders, core/incidents/clock-stops.ts) shows 「已完成（time）」 instead of its deadline, so a finished duty
 * never reads as a running countdown.
 */
function withSubmissions(section: CardSection, v: IncidentView, now: Date): CardSection {
  const i = v.incident;
  const shown = v.clocks.filter((c) => c.applies && c.enabled);
  const items = v.checklist.map((c) => ({ ...c.row, state: c.state }));
  return {
    ...section,
    rows: (section.rows ?? []).map((row, n) => {
      const clock = shown[n];
      const s = SUBMISSIONS.find((x) => x.clock === clock?.id && i[x.column]);
      if (s) return { ...row, text: `${row.text}｜已於 ${formatRocDate(i[s.column]!)} 送出`, status: 'done' as const };
      const stopped = clock && !clock.pending && clock.kind !== 'retention' ? completedBy(clock.id, items) : null;
      if (!stopped || !clock) return row;
      const done = stopped.filter((x) => x.state === 'done');
      const last = done
        .map((x) => x.doneAt)
        .filter((d): d is Date => !!d)
        .sort((a, b) => b.getTime() - a.getTime())[0];
      const what = done.length === 0 ? '不適用' : last ? `已完成（${formatShort(last, { now })}）` : '已完成';
      return { ...row, text: `${clock.label}：${what}`, detail: `依據：${clock.basisShort}`, status: 'done' as const };
    }),
  };
}

/**
 * What the team must know about the clocks the moment an incident is announced (legal-rules §4: an occurrence-counted
 * clock may be overdue at awareness — say so at once): each running deadline not yet stopped whose statutory end has
 * passed (已逾期), whose cautious target has passed (the statutory end still ahead: 尚未逾期), or whose statutory end
 * falls within the next 24 hours — the soonest first.
 */
export function deadlineNews(v: IncidentView, now: Date): string[] {
  const items = v.checklist.map((c) => ({ ...c.row, state: c.state }));
  const day = 24 * 3600_000;
  return v.clocks
    .filter((c) => c.applies && c.enabled && !c.pending && c.kind === 'deadline' && c.statutoryEnd && !completedBy(c.id, items))
    .sort((a, b) => a.statutoryEnd!.getTime() - b.statutoryEnd!.getTime())
    .flatMap((c) => {
      const end = formatShort(c.statutoryEnd!, { endOfDay: true, now });
      if (c.statutoryEnd! <= now) return [`⚠ ${c.label}：已逾期（期限 ${end}），請立即辦理`];
      if (c.recommendedBy && c.recommendedBy <= now) return [`⚠ ${c.label}：已過建議時間；法定期限 ${end}，尚未逾期`];
      if (c.statutoryEnd!.getTime() - now.getTime() <= day) return [`${c.label}：${end} 前`];
      return [];
    });
}

export function incidentCard(v: IncidentView, now: Date): Card {
  const i = v.incident;
  const total = totalAffected(i);
  const kinds = (i.affectedKinds as AffectedKind[]).map((k) => AFFECTED_KIND_LABELS[k] ?? k).join('、');
  const items = v.checklist.map((c) => ({ ...c.row, state: c.state }));
  const anyOverdue = v.clocks.some(
    (c) => c.applies && c.enabled && (c.overdueAtAwareness || (c.statutoryEnd && c.statutoryEnd < now)) && !completedBy(c.id, items),
  );
  const done = v.checklist.filter((c) => c.state !== 'open').length;
  const tone: Tone = i.status === 'closed' ? 'success' : anyOverdue ? 'danger' : 'warning';
  const card: Card = {
    type: 'card',
    key: 'incident',
    title: `個資事件 ${i.ref}`,
    subtitle: `${v.playbook.title}｜${STATUS_LABELS[v.status]}${i.notBreachAt ? '（判定非個資事件）' : ''}`,
    tone,
    sections: [
      {
        fields: [
          { label: '通報人', value: v.reporterName },
          { label: '發生時間', value: recordedTime(i, 'occurredAt', i.occurredAt) },
          { label: '知悉時間', value: recordedTime(i, 'awareAt', i.awareAt) },
          { label: '地點', value: v.place },
          { label: '外洩方式', value: v.howLeaked },
          {
            label: '個資類別',
            value: i.categories.length ? i.categories.map((k) => v.categoryLabel(k)).join('、') : '尚未評估',
            ...(i.specialCategories || i.biometric ? { tone: 'danger' as Tone } : {}),
          },
          { label: '影響人數', value: total !== null ? `${total} 人${kinds ? `（${kinds}）` : ''}` : '尚未評估' },
          ...(i.minorsCount ? [{ label: '其中未成年', value: `${i.minorsCount} 人（須通知法定代理人）`, tone: 'warning' as Tone }] : []),
          { label: '涉及資訊系統', value: i.involvesSystem ? '是' : '否' },
          { label: '已採取措施', value: v.stepsTaken },
          { label: '檢核進度', value: `${done} / ${v.checklist.length}` },
          ...submissionFields(i),
        ],
      },
      // Not a breach (src/core/incidents/not-breach.ts): the clocks stopped; what remains is the record.
      i.notBreachAt
        ? {
            heading: '法定期限',
            text: `已停止：${formatRocDateTime(i.notBreachAt)} 經管理人判定非個資事件（理由見事件時間軸）；事件紀錄依規定保存。`,
          }
        : withSubmissions(clocksSection(v.clocks, now), v, now),
    ],
    buttons: [
      { label: '檢核清單', action: act.incident(i.id, 'checklist'), style: 'primary' },
      { label: '影響評估', action: act.incident(i.id, 'assess') },
      { label: '摘要', action: act.incident(i.id, 'summary') },
      { label: '通知當事人', action: `ntc:list:${i.id}` },
      { label: '報告', action: `rpt:list:${i.id}` },
    ],
    footer: '事件細節僅限應變人員查看，請勿轉傳。',
    fallbackText: `個資事件 ${i.ref}（${STATUS_LABELS[v.status]}）`,
  };
  if (i.specialCategories || i.biometric) {
    card.sections.unshift({
      text: i.specialCategories
        ? '⚠ 涉及個資法第6條特種個資（病歷、醫療、基因、性生活、健康檢查、犯罪前科），屬最高敏感等級。'
        : '⚠ 涉及生物特徵資料，依教育部指引以高敏感等級處理。',
    });
  }
  if (v.status === 'assessing' || v.status === 'containing' || v.status === 'reported') {
    card.buttons!.push({ label: '進入通知階段', action: act.incident(i.id, 'notifying') });
  }
  if (v.status === 'notifying' || v.status === 'assessing') card.buttons!.push({ label: '處理結束', action: act.incident(i.id, 'end') });
  if (v.status === 'handling_ended') card.buttons!.push({ label: '結案', action: act.incident(i.id, 'close'), style: 'primary' });
  return card;
}

const PHASE_HEADINGS: Record<string, string> = {
  contain: '立即應變（儘速／4小時內）',
  assess: '評估與調查',
  report: '通報',
  notify: '通知當事人',
  recover: '改善與復原',
};

function itemRow(c: ChecklistView): CardRow {
  const owner = roleLabel(c.row.ownerRole);
  const statusText =
    c.state === 'done'
      ? `✓ ${c.doneByName ?? ''} ${c.row.doneAt ? formatShort(c.row.doneAt) : ''}`
      : c.state === 'na'
        ? `不適用（${c.note ?? ''}）— ${c.doneByName ?? ''}`
        : `負責：${owner}`;
  const buttons: Button[] =
    c.state === 'open'
      ? [
          { label: '完成', action: act.item(c.row.id, 'd'), style: 'primary' },
          ...(c.naAllowed ? [{ label: '不適用', action: act.item(c.row.id, 'n') }] : []),
        ]
      : [{ label: '重新開啟', action: act.item(c.row.id, 'o') }];
  return {
    text: c.row.title,
    detail: [
      statusText,
      c.state === 'done' && c.note ? `紀錄：${c.note}` : '',
      c.state === 'done' ? (planText(c.row) ?? '') : '',
      c.evidenceCount > 0 ? `證據 ${c.evidenceCount} 件（加密保存；輸入「證據」查看）` : '',
    ]
      .filter(Boolean)
      .join('\n'),
    status: c.state === 'open' ? 'open' : c.state,
    buttons,
  };
}

/** Card key of a person's own checklist items (the reporter's 1:1 chat): `mine:<personId>`. */
export const MINE_PREFIX = 'mine:';

/**
 * The checklist. With `onlyFor`, the items that person owns by name (the reporting unit's steps): what a reporter who
 * is not a responder sees in the 1:1 chat; the full list is for the responders.
 */
export function checklistCard(v: IncidentView, onlyFor?: string): Card {
  const items = onlyFor ? v.checklist.filter((c) => c.row.ownerPersonId === onlyFor) : v.checklist;
  const phases = [...new Set(items.map((c) => c.row.phase))];
  const done = items.filter((c) => c.state !== 'open').length;
  const title = onlyFor ? `您的檢核項目｜${v.incident.ref}` : `檢核清單｜${v.incident.ref}`;
  return {
    type: 'card',
    key: onlyFor ? `${MINE_PREFIX}${onlyFor}` : 'checklist',
    title,
    subtitle: `${v.playbook.title}：已處理 ${done} / ${items.length} 項`,
    tone: done === items.length ? 'success' : 'info',
    sections:
      phases.length > 0
        ? phases.map((p) => ({ heading: PHASE_HEADINGS[p] ?? p, rows: items.filter((c) => c.row.phase === p).map(itemRow) }))
        : [{ text: '目前沒有指派給您的檢核項目，應變小組會接手處理。' }],
    footer: onlyFor
      ? `以下是由您負責的項目；其餘 ${v.checklist.length - items.length} 項由應變小組處理。按「完成」記錄已做的事；「不適用」須說明原因。`
      : '按「完成」記錄已做的事；「不適用」須說明原因。每一步都會記入事件紀錄。',
    fallbackText: `${onlyFor ? '您的檢核項目' : '檢核清單'} ${v.incident.ref}：已處理 ${done} / ${items.length} 項`,
  };
}

export function itemDetailText(c: ChecklistView): string {
  return `「${c.row.title}」\n${c.detail}\n依據：${c.basis}`;
}

export function summaryText(v: IncidentView, now: Date): string {
  const i = v.incident;
  const lines = [
    `【個資事件 ${i.ref} 摘要】`,
    `階段：${STATUS_LABELS[v.status]}｜劇本：${v.playbook.title}`,
    `通報人：${v.reporterName}`,
    `發生：${recordedTime(i, 'occurredAt', i.occurredAt)}｜知悉：${recordedTime(i, 'awareAt', i.awareAt)}`,
    `地點：${v.place}`,
    `外洩方式：${v.howLeaked}`,
    `已採取措施：${v.stepsTaken}`,
    `個資類別：${i.categories.map((k) => v.categoryLabel(k)).join('、') || '尚未評估'}`,
    `影響人數：${totalAffected(i) ?? '尚未評估'}`,
    '',
    '法定時限：',
    ...clocksSection(v.clocks, now).rows!.map((r) => `・${r.text}${r.status === 'overdue' ? '（逾期）' : ''}`),
    ...draftThresholdLines(v.clocks).map((l) => `・${l}`),
    '',
    '時限的依據（全文）：',
    ...v.clocks.filter((c) => c.applies && c.enabled).flatMap((c) => [`・${c.label}`, ...basisLines(c).map((l) => `　${l}`)]),
    '',
    `檢核清單：已處理 ${v.checklist.filter((c) => c.state !== 'open').length} / ${v.checklist.length}`,
    ...v.checklist
      .filter((c) => c.state === 'open')
      .slice(0, 8)
      .map((c) => `□ ${c.row.title}（${roleLabel(c.row.ownerRole)}）`),
  ];
  return lines.join('\n');
}

/**
 * The form field of an intake question. With `shownAt`, a field whose default is 「現在」 (知悉時間) is prefilled with
 * that moment, written as Taipei wall-clock time (`2026-11-20T14:30`): what a date-time picker shows and what the time
 * parser reads back from a platform's text input.
 */
export function fieldFromIntake(f: IntakeField, lib: PlaybookLibrary, shownAt?: Date): FormField {
  const options =
    f.optionsFrom === 'categories'
      ? lib.categories.map((c) => ({ value: c.key, label: c.label }))
      : f.optionsFrom === 'playbooks' || f.key === 'scenario'
        ? [
            ...lib
              .list()
              .filter((p) => p.id !== 'general')
              .map((p) => ({ value: p.id, label: p.title })),
            { value: 'general', label: '其他' },
          ]
        : f.options?.map((o) => (typeof o === 'string' ? { value: o, label: o } : o));
  return {
    id: f.key,
    label: f.label,
    // An estimate of people is typed as text (「約30人」「30到40人」「尚不清楚，…」) and read by conversation/headcount.ts.
    ...(f.type === 'headcount' ? { type: 'text' as const, format: 'headcount' as const } : { type: f.type }),
    required: f.required,
    ...(f.help ? { help: f.help } : {}),
    ...(options ? { options } : {}),
    ...(f.maxLength ? { maxLength: f.maxLength } : f.type === 'headcount' ? { maxLength: 200 } : {}),
    ...(f.suggestions?.length ? { suggestions: [...f.suggestions] } : {}),
    ...(f.default === 'now' && shownAt ? { initial: taipeiWallClock(shownAt) } : {}),
  };
}

export function assessmentForm(v: IncidentView, lib: PlaybookLibrary): Form {
  const i = v.incident;
  const n = (x: number | null) => (x === null ? '' : String(x));
  return {
    type: 'form',
    formId: `assess:${i.id}`,
    title: `影響評估｜${i.ref}`,
    intro: '評估受侵害個人資料之類別及數量（臺北市政府政風處個人資料保護管理要點第43點第5款）。只填人數與類別，請勿貼上個資本身。',
    fields: [
      {
        id: 'categories',
        label: '個資類別',
        type: 'multiselect',
        required: true,
        options: lib.categories.map((c) => ({ value: c.key, label: c.label })),
        initial: i.categories,
      },
      { id: 'studentsCount', label: '學生人數', type: 'number', required: false, initial: n(i.studentsCount) },
      { id: 'guardiansCount', label: '家長人數', type: 'number', required: false, initial: n(i.guardiansCount) },
      { id: 'staffCount', label: '教職員人數', type: 'number', required: false, initial: n(i.staffCount) },
      { id: 'othersCount', label: '其他人數', type: 'number', required: false, initial: n(i.othersCount) },
      {
        id: 'minorsCount',
        label: '其中未滿18歲人數',
        type: 'number',
        required: false,
        help: '未成年人須通知其法定代理人（民法第12條）',
        initial: n(i.minorsCount),
      },
      { id: 'involvesSystem', label: '是否涉及資訊系統', type: 'boolean', required: true, initial: i.involvesSystem ? 'true' : 'false' },
      { id: 'systemRecordsHeld', label: '該系統保有的個資筆數（約）', type: 'number', required: false, initial: n(i.systemRecordsHeld) },
      {
        id: 'occurredAt',
        label: '發生時間（如需更正）',
        type: 'datetime',
        required: false,
        help: '更正後法定時限會重新計算，並記入事件紀錄',
      },
      { id: 'correctionReason', label: '更正原因', type: 'text', required: false, maxLength: 200 },
    ],
    submitLabel: '儲存評估',
    fallbackText: `影響評估｜${i.ref}`,
  };
}
