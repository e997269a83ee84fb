import { createHash } from 'node:crypto';
import type { ConversationAddress, TextMessage } from '../ports/chat-model.js';
import type {
  ChecklistItemRecord as ChecklistItem,
  IncidentRecord as Incident,
  PeopleRepository,
  Repositories,
} from '../ports/repositories/index.js';
export { withMentions } from '../core/people/mentions.js';
import type { ComputedClock } from '../core/clocks/index.js';
import { stoppingItems } from '../core/incidents/clock-stops.js';
import { ROLE_LABELS, type RoleKey } from '../core/roles.js';
import { formatRocShort } from '../core/time/roc.js';
import type { ChatAdapter } from '../ports/chat.js';
import { STATUTORY_SOON_MIN, type EscalationLevel, type ReminderSlot } from './plan.js';

export type AdapterLookup = (platform: string) => ChatAdapter | undefined;

/** One conversation a notice goes to: a person's private chat on one platform, or the school's response group. */
export interface Recipient {
  /** Unique within a notice: dm:<personId>:<platform> or group:<conversationId>. */
  target: string;
  address: ConversationAddress;
  personId: string | null;
  /** Who it is, for the timeline (staff names, never incident details). */
  label: string;
}

/**
 * The notice_delivery rows of one notice (a reminder or a digest): one per recipient, each with the idempotency key
 * the adapter is given, so a retried job never posts to the same person twice.
 */
export function deliveryRows(noticeKey: string, recipients: Recipient[]) {
  return recipients.map((r) => ({
    noticeKey,
    target: r.target,
    platform: r.address.platform,
    externalId: r.address.externalId,
    conversationKind: r.address.kind,
    personId: r.personId,
    idempotencyKey: createHash('sha256').update(`${noticeKey}|${r.target}`).digest('hex').slice(0, 40),
  }));
}

/** The step's owners as the card shows them (role and, for the reporting unit, the person), for the message text. */
export interface Owners {
  roles: string[];
  personIds: string[];
  text: string;
}

export { completedBy, stoppingItems } from '../core/incidents/clock-stops.js';

/** The clock's `actor` (clocks.yaml roles) as a person role: the school acts through its contact window. */
const ACTOR_ROLE: Record<string, string> = {
  unit: 'unit',
  school: 'contactWindow',
  contactWindow: 'contactWindow',
  principal: 'principal',
  it: 'it',
};

export async function ownersOf(
  people: PeopleRepository,
  incident: Incident,
  clock: ComputedClock,
  items: ChecklistItem[],
): Promise<Owners> {
  const open = stoppingItems(clock.id, items).filter((i) => i.state === 'open');
  const pairs =
    open.length > 0
      ? open.map((i) => ({ role: i.ownerRole, personId: i.ownerRole === 'unit' ? (i.ownerPersonId ?? incident.reporterId) : null }))
      : [{ role: ACTOR_ROLE[clock.actor] ?? 'contactWindow', personId: null as string | null }].map((p) =>
          p.role === 'unit' ? { ...p, personId: incident.reporterId } : p,
        );
  const roles = [...new Set(pairs.map((p) => p.role))];
  const personIds = new Set(pairs.map((p) => p.personId).filter((x): x is string => !!x));
  const byRole = await peopleWithRoles(
    people,
    incident.schoolId,
    roles.filter((r) => r !== 'unit'),
  );
  for (const p of byRole) personIds.add(p.id);
  const names = await people.names([...personIds]);
  const label = (r: string) => ROLE_LABELS[r as RoleKey | 'unit'] ?? r;
  const text = roles
    .map((r) => {
      if (r !== 'unit') return label(r);
      const unitNames = pairs
        .filter((p) => p.role === 'unit')
        .map((p) => names.find((n) => n.id === p.personId)?.displayName)
        .filter(Boolean);
      return unitNames.length ? `${label(r)}（${[...new Set(unitNames)].join('、')}）` : label(r);
    })
    .join('、');
  return { roles, personIds: [...personIds], text };
}

async function peopleWithRoles(people: PeopleRepository, schoolId: string, roles: string[]) {
  if (roles.length === 0) return [];
  return people.activeWithAnyRole(schoolId, roles);
}

/**
 * Where a reminder goes: the owners' private chats; from level 1 also the contact windows' and the response groups;
 * at level 2 also the principal's. Only platforms with a registered adapter are used.
 */
export async function resolveRecipients(
  repos: Pick<Repositories, 'people' | 'conversations'>,
  adapterFor: AdapterLookup,
  incident: Incident,
  owners: Owners,
  level: EscalationLevel,
): Promise<Recipient[]> {
  const ids = new Set(owners.personIds);
  const escalate = level >= 2 ? ['contactWindow', 'principal'] : level >= 1 ? ['contactWindow'] : [];
  for (const p of await peopleWithRoles(repos.people, incident.schoolId, escalate)) ids.add(p.id);
  const people = await repos.people.activeWithIdentities([...ids]);
  const out: Recipient[] = [];
  const seen = new Set<string>();
  for (const person of people) {
    for (const identity of person.identities) {
      const adapter = adapterFor(identity.platform);
      if (!adapter) continue;
      const address = await adapter.directConversation({
        platform: identity.platform,
        externalId: identity.externalId,
        ...(identity.displayName ? { displayName: identity.displayName } : {}),
      });
      if (!address || seen.has(`${address.platform}:${address.externalId}`)) continue;
      seen.add(`${address.platform}:${address.externalId}`);
      out.push({ target: `dm:${person.id}:${identity.platform}`, address, personId: person.id, label: person.displayName });
    }
  }
  if (level >= 1) {
    // The response groups, and the incident's own rooms where the platform opened one (conversation/rooms.ts).
    const groups = await repos.conversations.teamOf(incident);
    for (const g of groups) {
      if (!adapterFor(g.platform) || seen.has(`${g.platform}:${g.externalId}`)) continue;
      seen.add(`${g.platform}:${g.externalId}`);
      out.push({
        target: `group:${g.id}`,
        address: {
          platform: g.platform,
          externalId: g.externalId,
          kind: g.kind as 'group' | 'direct',
          ...(g.title ? { title: g.title } : {}),
        },
        personId: null,
        label: g.title ?? '應變小組群組',
      });
    }
  }
  return out;
}

/** 「1小時15分鐘」「3天」: a duration in zh-TW, rounded to minutes. */
export function spoken(ms: number): string {
  const min = Math.max(0, Math.round(ms / 60_000));
  if (min >= 1440 && min % 1440 === 0) return `${min / 1440}天`;
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  return [d ? `${d}天` : '', h ? `${h}小時` : '', m ? `${m}分鐘` : ''].join('') || '不到1分鐘';
}

export const ESCALATION_TEXT: Record<EscalationLevel, string> = {
  0: '',
  1: '已逾期，本提醒同時通知個資聯絡窗口。',
  2: '已逾期，本提醒同時通知個資聯絡窗口及管理人（校長）。',
};

/** The same, while the statutory end is still ahead (past the target only, or its last hours): no 「已逾期」. */
export const ESCALATION_AHEAD_TEXT: Record<EscalationLevel, string> = {
  0: '',
  1: '本提醒同時通知個資聯絡窗口。',
  2: '本提醒同時通知個資聯絡窗口及管理人（校長）。',
};

export const LATE_MARK = '延遲送達';

/**
 * The reminder, in neutral zh-TW: which clock, by when (ROC short form), its legal basis, who owns the step. No
 * incident details (what leaked, whose data): it may be read in a group.
 */
export function reminderMessage(input: {
  incident: Pick<Incident, 'id' | 'ref'>;
  clock: ComputedClock;
  slot: ReminderSlot;
  owners: Owners;
  late: boolean;
  /** When the message is written (the later of the planned time and now). */
  at: Date;
}): TextMessage {
  const { clock, slot, incident } = input;
  const dayBased = clock.period.unit !== 'hours';
  const fmt = (d: Date) => formatRocShort(d, { endOfDay: dayBased });
  const target = clock.recommendedBy;
  const lines: string[] = [];
  // Past the cautious target is not past the law: 「逾期」 and a delay explanation only once the statutory end passed.
  const statutoryAhead = !!clock.statutoryEnd && clock.statutoryEnd.getTime() > input.at.getTime();
  const endText = clock.statutoryEnd ? fmt(clock.statutoryEnd) : '';
  const legalOverdue = slot.level > 0 && !statutoryAhead;
  lines.push(`【${legalOverdue ? '逾期提醒' : '期限提醒'}】個資事件 ${incident.ref}`);
  if (input.late) lines.push(`（${LATE_MARK}：原定 ${formatRocShort(slot.fireAt)} 送出）`);
  if (slot.kind === 'overdueAtStart') {
    // The one notice of a clock already past its target when the incident was entered: what was missed and what to do.
    if (statutoryAhead && target && target.getTime() !== clock.statutoryEnd!.getTime()) {
      lines.push(`「${clock.label}」在事件建立時已過建議完成時間；法定期限 ${endText}，尚未逾期。`);
      lines.push(`請立即辦理：${clock.action.replace(/[。\s]+$/, '')}。`);
    } else {
      lines.push(`「${clock.label}」在事件建立時已逾法定期限。`);
      lines.push(`請立即辦理：${clock.action.replace(/[。\s]+$/, '')}；並在報告中敘明遲延原因（例如知悉或通報較晚）。`);
    }
  } else if (slot.kind === 'repeat') lines.push(`「${clock.label}」尚未完成，請儘速辦理。`);
  else if (slot.kind === 'before' && target) lines.push(`「${clock.label}」還有${spoken(target.getTime() - input.at.getTime())}到期。`);
  else if (slot.kind === 'due') lines.push(`「${clock.label}」已到期，請立即辦理。`);
  else if (slot.kind === 'statutory') lines.push(`「${clock.label}」已過建議完成時間，法定期限今日24:00屆滿，請立即辦理。`);
  else if (slot.kind === 'statutorySoon' && statutoryAhead)
    lines.push(
      `「${clock.label}」法定期限 ${endText} 屆滿，還有${spoken(clock.statutoryEnd!.getTime() - input.at.getTime())}，請立即辦理。`,
    );
  else if (target && statutoryAhead)
    lines.push(
      `「${clock.label}」已過建議完成時間${spoken(input.at.getTime() - target.getTime())}；法定期限 ${endText}，尚未逾期，請儘速辦理。`,
    );
  else if (target) {
    const end = clock.statutoryEnd ?? target;
    const what = end.getTime() === target.getTime() ? '建議完成時間' : '法定期限';
    lines.push(`「${clock.label}」已逾${what}${spoken(input.at.getTime() - end.getTime())}，請立即辦理並記錄遲延原因。`);
  }
  if (target) {
    if (dayBased && clock.statutoryEnd && clock.statutoryEnd.getTime() !== target.getTime()) {
      lines.push(`建議完成：${fmt(target)}；法定期限：${fmt(clock.statutoryEnd)}`);
    } else lines.push(`期限：${fmt(target)}`);
  }
  lines.push(`法律依據：${clock.basis}`);
  lines.push(`負責：${input.owners.text}`);
  if (ESCALATION_TEXT[slot.level]) lines.push(legalOverdue ? ESCALATION_TEXT[slot.level] : ESCALATION_AHEAD_TEXT[slot.level]);
  lines.push('完成後請在檢核清單勾選，提醒即停止。');
  return { type: 'text', text: lines.join('\n'), quickReplies: [{ label: '查看事件', action: `inc:${incident.id}:card` }] };
}

/** The short wording of a slot on the timeline: 「到期前1小時」「逾期第2次」. */
export function slotLabel(clock: ComputedClock, slot: ReminderSlot): string {
  switch (slot.kind) {
    case 'before':
      return clock.recommendedBy ? `到期前${spoken(clock.recommendedBy.getTime() - slot.fireAt.getTime())}` : '到期前';
    case 'due':
      return '到期';
    case 'statutory':
      return '法定期限當日';
    case 'statutorySoon':
      return `法定期限前${spoken(STATUTORY_SOON_MIN * 60_000)}`;
    case 'overdue':
      return `逾期第${slot.slot.split('-')[1]}次`;
    case 'repeat':
      return `第${slot.slot.split('-')[1]}次提醒`;
    case 'overdueAtStart':
      return clock.statutoryEnd && clock.statutoryEnd.getTime() > slot.fireAt.getTime() ? '建立時已過建議時間' : '建立時已逾期';
  }
}
