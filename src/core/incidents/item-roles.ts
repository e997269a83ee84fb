import type { ResolvedPlaybook } from '../playbooks/index.js';
import { can, ROLE_LABELS, type Actor, type RoleKey } from '../roles.js';

export const NOT_RESPONDER = '只有應變人員（個資聯絡窗口、資訊組、資料管理人、校長）或該項目負責人可以勾選。';

/**
 * Why this person may not change this checklist item, or null if they may. An item whose playbook entry names
 * `completedBy` is changed only by those roles (the auditor's review of the improvements is never ticked by the
 * principal or the executing unit, legal-rules §6); any other item by a responder or its owner. Chat and the console
 * both ask here, and IncidentService.setChecklistState asks again.
 */
export function itemActRefusal(
  playbook: Pick<ResolvedPlaybook, 'checklist'>,
  actor: Pick<Actor, 'roles' | 'personId'>,
  item: { key: string; title: string; ownerPersonId: string | null },
): string | null {
  const only = playbook.checklist.find((i) => i.key === item.key)?.completedBy;
  if (only) {
    if (only.some((r) => actor.roles.includes(r))) return null;
    const who = only.map((r) => ROLE_LABELS[r as RoleKey] ?? r).join('或');
    return `「${item.title}」只能由${who}勾選（稽核人員不得為管理人或執行單位，以確保檢視的獨立性）。`;
  }
  return can(actor, 'incident.act', { isOwner: item.ownerPersonId === actor.personId }) ? null : NOT_RESPONDER;
}
