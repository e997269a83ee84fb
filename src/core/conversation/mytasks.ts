import type { Card, TextMessage } from '../../ports/chat-model.js';
import type { Repositories } from '../../ports/repositories/index.js';
import { ROLE_LABELS, type Actor, type RoleKey } from '../roles.js';
import { act } from './render.js';

/** At most this many steps are listed (the rest: 「還有 N 項」). */
const MAX_ROWS = 30;

/**
 * 「我的工作」: the open checklist steps this person owns on the school's open incidents — assigned to them by name
 * (the reporting unit's steps) or to one of their roles with nobody named — each with its 完成 / 不適用 buttons.
 */
export async function myTasks(repos: Pick<Repositories, 'checklist'>, actor: Actor): Promise<Card | TextMessage> {
  const items = await repos.checklist.assignedTo(actor.schoolId, actor.personId, actor.roles);
  if (items.length === 0) return { type: 'text', text: '目前沒有指派給您、尚未完成的檢核項目。' };
  const shown = items.slice(0, MAX_ROWS);
  const refs = [...new Set(items.map((i) => i.incidentRef))];
  return {
    type: 'card',
    key: 'my-tasks',
    title: '我的工作',
    subtitle: `${refs.length} 件事件，${items.length} 項待處理`,
    tone: 'info',
    sections: [
      {
        rows: shown.map((i) => ({
          text: `${i.incidentRef}｜${i.title}`,
          detail: `負責：${ROLE_LABELS[i.ownerRole as RoleKey | 'unit'] ?? i.ownerRole}${i.ownerPersonId === actor.personId ? '（您）' : ''}`,
          status: 'open' as const,
          buttons: [
            { label: '完成', action: act.item(i.id, 'd'), style: 'primary' as const },
            { label: '不適用', action: act.item(i.id, 'n') },
          ],
        })),
      },
    ],
    ...(items.length > shown.length ? { footer: `還有 ${items.length - shown.length} 項，請輸入「清單 事件編號」查看。` } : {}),
    fallbackText: `我的工作：${items.length} 項待處理（${refs.join('、')}）`,
  };
}
