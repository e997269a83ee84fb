import type { ChatAdapter } from '../../ports/chat.js';
import type { ConversationAddress, PlatformUser } from '../../ports/chat-model.js';
import type { ConversationRecord } from '../../ports/repositories/index.js';
import type { CoreDeps } from '../context.js';
import { newId } from '../ids.js';
import { appendTimeline } from '../timeline/timeline.js';

/**
 * Rooms per incident: on platforms that can open a private room (a Slack private channel, a Discord private thread),
 * each incident gets one with its responders, so the leak is discussed among the few who handle it and the wide
 * groups only see a detail-free pointer. The room is a conversation with purpose 'incident' bound to its incident;
 * only that incident's details are ever shown in it (its members include the reporter, who is not a responder for
 * other incidents).
 */

/** Roles invited to every incident room, besides the reporter. */
export const ROOM_ROLES = ['contactWindow', 'principal', 'it'] as const;

export const ROOM_TEXTS = {
  topic: (ref: string) => `個資事件 ${ref} 應變室｜請勿在此貼上外洩的個資內容`,
  welcome: (ref: string, reporter: string, news: string[] = []) =>
    `這是個資事件 ${ref} 的應變室（通報人：${reporter}），只有應變人員與通報人在這裡。請依檢核清單分工處理${news.length ? `：\n${news.join('\n')}` : '。'}`,
  pointer: (ref: string, room: string) => `新個資事件 ${ref} 已開設應變室「${room}」，事件細節請到應變室查看與處理。`,
} as const;

/** Whether incident details of `incidentId` may be shown in this conversation because it is a response place. */
export function isResponsePlace(
  conv: Pick<ConversationRecord, 'purpose' | 'schoolId' | 'incidentId'>,
  schoolId: string,
  incidentId?: string,
): boolean {
  if (conv.schoolId !== schoolId) return false;
  if (conv.purpose === 'response') return true;
  return conv.purpose === 'incident' && incidentId !== undefined && conv.incidentId === incidentId;
}

/** The platform-safe room name of an incident (`pdi-115-007`). */
export function roomName(ref: string): string {
  return `pdi-${ref.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`.slice(0, 60);
}

/** The people a room is opened with, as accounts on the adapter's platform. */
export async function roomMembers(
  deps: Pick<CoreDeps, 'repos'>,
  platform: string,
  schoolId: string,
  reporterId: string,
): Promise<PlatformUser[]> {
  const people = await deps.repos.people.roomMembersOn(schoolId, platform, ROOM_ROLES, reporterId);
  return people.flatMap((p) =>
    p.identities.map((i) => ({ platform: i.platform, externalId: i.externalId, ...(i.displayName ? { displayName: i.displayName } : {}) })),
  );
}

/** The rooms already opened for an incident (one per platform). */
export function roomsOf(deps: Pick<CoreDeps, 'repos'>, incidentId: string): Promise<ConversationRecord[]> {
  return deps.repos.conversations.roomsOf(incidentId);
}

/**
 * Opens the incident's room on this platform (or returns the one opened before: the adapter is asked with the
 * incident id as idempotency key, and the conversation row is keyed by the platform's id). Null when the adapter
 * cannot, or the platform refused: the caller then falls back to the response group.
 */
export async function openRoom(
  deps: Pick<CoreDeps, 'repos' | 'cipher' | 'now' | 'log'>,
  adapter: ChatAdapter,
  incident: { id: string; ref: string; schoolId: string; reporterId: string },
  near: ConversationAddress | null,
): Promise<{ conv: ConversationRecord; addr: ConversationAddress; created: boolean } | null> {
  if (!adapter.capabilities.incidentRooms || !adapter.openIncidentRoom) return null;
  const existing = (await roomsOf(deps, incident.id)).find((c) => c.platform === adapter.platform);
  if (existing) {
    return {
      conv: existing,
      addr: {
        platform: existing.platform,
        externalId: existing.externalId,
        kind: 'group',
        ...(existing.title ? { title: existing.title } : {}),
      },
      created: false,
    };
  }
  let addr: ConversationAddress;
  try {
    addr = await adapter.openIncidentRoom({
      name: roomName(incident.ref),
      topic: ROOM_TEXTS.topic(incident.ref),
      near,
      members: await roomMembers(deps, adapter.platform, incident.schoolId, incident.reporterId),
      idempotencyKey: `room:${incident.id}`,
    });
  } catch (err) {
    deps.log.error(
      { err, platform: adapter.platform, incidentId: incident.id },
      'could not open the incident room; using the response group instead',
    );
    return null;
  }
  const conv = await deps.repos.conversations.recordRoom(
    {
      id: newId(),
      platform: addr.platform,
      externalId: addr.externalId,
      kind: 'group',
      incidentId: incident.id,
      schoolId: incident.schoolId,
      title: addr.title ?? null,
    },
    roomName(incident.ref),
  );
  await deps.repos.transaction((tx) =>
    appendTimeline(deps, tx, incident.id, {
      actorId: null,
      actorLabel: '系統',
      type: 'room.opened',
      summary: `已開設應變室（${adapter.platform}）`,
      detail: { platform: adapter.platform, conversationId: conv.id },
    }),
  );
  return { conv, addr: { ...addr, kind: 'group' }, created: true };
}
