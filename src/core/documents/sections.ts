import { PLAN_STATE_LABELS } from '../incidents/item-facts.js';
import type { ReportKind, ReportSection as SectionKey } from '../playbooks/vocabulary.js';
import { formatRocDate, formatRocDateTime } from '../time/roc.js';
import { startOfTaipeiDay, taipeiDayKey } from '../time/taipei.js';
import type { ReportChecklistItem, ReportFacts } from './facts.js';

/** Written where a required fact is not on record yet; a report never invents one. */
export const MISSING = '【待補】';

/**
 * The checklist items that feed one section of one report, in checklist order, as the playbook data says
 * (`reports` on each item, playbooks/playbooks/*.yaml). Nothing is picked by item id here.
 */
export function itemsFor(facts: ReportFacts, kind: ReportKind, section: SectionKey): ReportChecklistItem[] {
  return facts.checklist.filter((c) => c.reports[kind]?.includes(section));
}

const who = (i: ReportChecklistItem) => (i.doneByName ? `，${i.doneByName}` : '');

/** A measure and its state: 「・中斷洩漏途徑：已完成（115年…，林老師）；說明：…」. */
export function measureLine(i: ReportChecklistItem): string {
  const state =
    i.state === 'done'
      ? `已完成（${i.doneAt ? formatRocDateTime(i.doneAt) : '時間未記錄'}${who(i)}）`
      : i.state === 'na'
        ? '不適用'
        : '尚未完成';
  const plan = i.state === 'done' ? planPhrase(i) : '';
  return `・${i.title}：${state}${i.note ? `；${i.state === 'na' ? '原因' : '說明'}：${i.note}` : ''}${plan ? `；${plan}` : ''}`;
}

/**
 * A finding (investigation, cause, harm, platform report): what was found, as written when the item was done. An
 * item not done yet is a fact still to be supplied (【待補】); one marked not applicable says why.
 */
export function findingLine(i: ReportChecklistItem): string {
  if (i.state === 'na') return `・${i.title}：不適用${i.note ? `（${hasContent(i.note) ? i.note : `原因${MISSING}`}）` : ''}`;
  if (i.state === 'open') return `・${i.title}：尚未完成${MISSING}`;
  if (i.note && !hasContent(i.note)) return `・${i.title}：${MISSING}（紀錄僅記「${i.note}」，請補寫實際內容）`;
  return `・${i.title}：${i.note ?? `已完成（${i.doneAt ? formatRocDate(i.doneAt) : '時間未記錄'}）`}`;
}

/**
 * Words that say only that something was handled or where to look (「已處理，詳見事件紀錄」「同上」「完成」), never what
 * was found, why it happened or what will change. A required section whose note is only these is still to be written.
 */
const FILLER =
  /已經|已|均|皆|都|處理|辦理|完成|完畢|結束|詳見|請見|參見|參閱|詳如|如|見|同|上|前|述|事件|紀錄|記錄|相關|資料|檔案|說明|報告|內容|系統|中|了|好|無|略|ok|done|n\/?a/giu;

/** Whether a responder's note says something of its own, beyond 「已處理，詳見事件紀錄」 and the like. */
export function hasContent(note: string): boolean {
  const bare = note.replace(/[\s\p{P}\p{S}]/gu, '');
  return bare.replace(FILLER, '') !== '';
}

/** 00:00 Taipei of the day of `d`. */
const dayOf = (d: Date) => startOfTaipeiDay(taipeiDayKey(d)).getTime();

/** 「預定115年12月31日完成（辦理中）」 from the plan recorded with the tick, never from the tick time. */
function planPhrase(i: ReportChecklistItem, now?: Date): string {
  if (!i.plannedOn || !i.planState) return '';
  const date = formatRocDate(i.plannedOn);
  if (i.planState === 'done') return `已於${date}完成`;
  const late = now && dayOf(i.plannedOn) < dayOf(now) ? '，已逾預定完成日期' : '';
  return `預定${date}完成（${PLAN_STATE_LABELS[i.planState]}${late}）`;
}

/**
 * Improvement measures with plan, schedule and state printed separately (legal-rules.md §3.2; 資通安全管理法施行細則第8條
 * 第6款、第7款 as the model): what will be done, by when, and how far along it is. The tick time is never the schedule,
 * and a measure planned for later is never said to be done.
 */
export function improvementFields(facts: ReportFacts, kind: ReportKind, now: Date): { label: string; lines: string[] }[] {
  const items = itemsFor(facts, kind, 'improvement');
  const plan = items.map((i) =>
    i.state === 'na'
      ? `・${i.title}：不適用${i.note ? `（${i.note}）` : ''}`
      : `・${i.title}：${i.state === 'done' && i.note && hasContent(i.note) ? i.note : MISSING}`,
  );
  const schedule = items
    .filter((i) => i.state !== 'na')
    .map((i) => `・${i.title}：${i.state === 'done' && i.plannedOn ? formatRocDate(i.plannedOn) : MISSING}`);
  const state = items
    .filter((i) => i.state !== 'na')
    .map((i) => {
      if (i.state === 'open' || !i.planState || !i.plannedOn) return `・${i.title}：尚未規劃${i.state === 'done' ? MISSING : ''}`;
      if (i.planState === 'done') return `・${i.title}：已完成（${formatRocDate(i.plannedOn)}）`;
      return `・${i.title}：${planPhrase(i, now)
        .replace(/^預定.+?完成（/, '')
        .replace(/）$/, '')}`;
    });
  return [
    { label: '改善措施', lines: plan },
    { label: '預定完成時間', lines: schedule },
    { label: '辦理情形', lines: state },
  ];
}

/** The cybersecurity incident level as set by IT, with the reason recorded (資通安全事件通報應變及演練辦法第2條). */
export function cyberLevelLine(facts: ReportFacts): string | null {
  if (!facts.cyberLevel) return null;
  const item = facts.checklist.find((c) => c.asks.includes('cyberLevel') && c.state === 'done');
  return `第${facts.cyberLevel}級${item?.note ? `（判定理由：${item.note}）` : ''}`;
}
