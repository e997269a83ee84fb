import type { ConversationAddress, TextMessage } from '../../ports/chat-model.js';
import { resolveEnabled } from '../clocks/index.js';
import type { CoreDeps } from '../context.js';
import type { CyberLevelChange, IncidentView } from '../incidents/service.js';
import { withMentions } from '../people/mentions.js';
import { formatChatDateTime } from '../time/roc.js';
import { isResponsePlace } from './rooms.js';
import { addressOf, type Turns } from './turn.js';

/**
 * The 1-hour cyber-incident report (legal-rules §1 cyber-1h, 資通安全事件通報應變及演練辦法 art. 6) is the tightest
 * clock of an incident that involves an information system: when it applies it is said first, in words, and the IT
 * role (資訊組) is asked by name — not left as one row among many on the card.
 */
export const CYBER_TEXTS = {
  /** The offer, before any incident exists: the scenario presumes an information system and the school's rules keep the clock on. */
  offer: '若涉及資訊系統（資安事件）：須由資訊組於知悉後1小時內至教育機構資安通報平台通報，請立即通知資訊組。',
  due: (end: string, minutes: number, it: string) =>
    `資安事件：須於知悉後1小時內（${end}前，尚餘約 ${minutes} 分鐘）至教育機構資安通報平台通報（平台無法使用時先以電話等方式通報）。請資訊組${it}立即處理。`,
  overdue: (end: string, it: string) =>
    `資安事件：知悉後1小時內至教育機構資安通報平台通報的期限（${end}）已過，請資訊組${it}立即通報（平台無法使用時先以電話等方式通報），並記錄遲延原因。`,
  levelChanged: (ref: string, c: CyberLevelChange, it: string, recover: string | null) =>
    `個資事件 ${ref}：資安事件等級由第${c.from}級改為第${c.to}級。等級變更須續報：請資訊組${it}至教育機構資安通報平台續報（資通安全事件通報應變及演練辦法第6條）。` +
    (recover ? `\n資安事件損害控制或復原期限隨之改為 ${recover}。` : ''),
};

/** Whether a report offer for this scenario should carry the cyber line: the scenario presumes a system, the school's rules keep cyber-1h on. */
export async function offerCarriesCyber(deps: CoreDeps, scenarioDefaults: unknown, schoolId: string | null): Promise<boolean> {
  if ((scenarioDefaults as { involvesSystem?: boolean } | undefined)?.involvesSystem !== true) return false;
  const school = schoolId ? await deps.repos.schools.find(schoolId) : null;
  return resolveEnabled(deps.clockRules, school?.clockProfile).get('cyber-1h') ?? true;
}

async function itNames(deps: CoreDeps, schoolId: string): Promise<{ ids: string[]; label: string }> {
  const it = await deps.repos.people.activeWithRole(schoolId, 'it');
  return { ids: it.map((p) => p.id), label: it.length ? ` ${it.map((p) => p.displayName).join('、')} ` : '' };
}

/**
 * The first words to the responders about a new incident when the 1-hour cyber report applies and is not yet made:
 * its deadline, the minutes left (or that it passed), and the IT role named. Null otherwise.
 */
export async function cyberFirstLine(deps: CoreDeps, view: IncidentView): Promise<string | null> {
  const clock = view.clocks.find((c) => c.id === 'cyber-1h');
  if (!clock?.applies || !clock.enabled || !clock.statutoryEnd) return null;
  if (view.checklist.some((c) => c.row.completesClock === 'cyber-1h' && c.state !== 'open')) return null;
  const now = deps.now();
  const { label } = await itNames(deps, view.incident.schoolId);
  const end = formatChatDateTime(clock.statutoryEnd, { now });
  const left = Math.floor((clock.statutoryEnd.getTime() - now.getTime()) / 60_000);
  return left > 0 ? CYBER_TEXTS.due(end, left, label) : CYBER_TEXTS.overdue(end, label);
}

/**
 * A level changed after the platform report (IncidentService.setChecklistState's `levelChange`): the responders are
 * told where the incident's card is (the response groups, its room, contact windows' private chats), with the IT
 * role mentioned in groups; `fallback` (where the change was made) when the card is nowhere else.
 */
export async function announceLevelChange(
  deps: CoreDeps,
  turns: Turns,
  view: IncidentView,
  change: CyberLevelChange,
  fallback: ConversationAddress | null,
): Promise<void> {
  const i = view.incident;
  const it = await itNames(deps, i.schoolId);
  const recoverClock = view.clocks.find((c) => c.id === 'cyber-recover' && c.applies && c.enabled);
  const recover = recoverClock?.statutoryEnd ? formatChatDateTime(recoverClock.statutoryEnd, { now: deps.now() }) : null;
  const message: TextMessage = { type: 'text', text: CYBER_TEXTS.levelChanged(i.ref, change, it.label, recover) };
  const places = (await turns.postedCopies(i.id, 'incident')).filter((p) => isResponsePlace(p.conv, i.schoolId, i.id));
  const seen = new Set<string>();
  for (const p of places) {
    if (seen.has(p.conv.id)) continue;
    seen.add(p.conv.id);
    await turns.say(addressOf(p.conv), p.conv.kind === 'group' ? await withMentions(deps.repos, message, it.ids) : message);
  }
  if (seen.size === 0 && fallback) await turns.say(fallback, message);
}
