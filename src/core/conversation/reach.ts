import type { ChatAdapter } from '../../ports/chat.js';
import { DEFAULT_WORDING, type ConversationAddress } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';

/**
 * Who can be reached privately, and how to tell the contact windows (個資聯絡窗口) at once when someone cannot be.
 * Incident details are shown only in the incident's room, a response group, or a private chat; when the bot cannot
 * open a private chat with someone (a LINE user who has not added it as a friend, Slack refusing conversations.open,
 * Discord DMs closed), the wide group only ever gets a detail-free message saying who must act and how.
 */

/** What a person does on this adapter's platform so the bot can write to them privately (zh-TW verb phrase). */
export function reachPrivately(adapter: ChatAdapter): string {
  return adapter.wording?.reachPrivately ?? DEFAULT_WORDING.reachPrivately;
}

export interface PrivateChat {
  adapter: ChatAdapter;
  addr: ConversationAddress;
  personId: string;
}

/**
 * The private chats of the school's contact windows, at most one per person: on `preferPlatform` first, then on the
 * other registered platforms. `exceptPlatform` leaves one platform out (already tried by the caller).
 */
export async function contactWindowChats(
  deps: Pick<CoreDeps, 'repos'>,
  adapters: Iterable<ChatAdapter>,
  schoolId: string,
  opts: { preferPlatform?: string; exceptPlatform?: string } = {},
): Promise<PrivateChat[]> {
  const byPlatform = new Map([...adapters].map((a) => [a.platform, a]));
  const windows = await deps.repos.people.activeWithRoleAndAccounts(schoolId, 'contactWindow');
  const out: PrivateChat[] = [];
  for (const w of windows) {
    const ids = w.identities
      .filter((i) => i.platform !== opts.exceptPlatform && byPlatform.has(i.platform))
      .sort((a, b) => Number(b.platform === opts.preferPlatform) - Number(a.platform === opts.preferPlatform));
    for (const id of ids) {
      const adapter = byPlatform.get(id.platform)!;
      const addr = await adapter.directConversation({ platform: id.platform, externalId: id.externalId }).catch(() => null);
      if (!addr) continue;
      out.push({ adapter, addr, personId: w.id });
      break;
    }
  }
  return out;
}

/**
 * Tells the school's contact windows a detail-free `text` at once: privately (on `preferPlatform` first, then any
 * platform), else in the school's response groups. Returns how many conversations were told; 0 is logged for the
 * operator (English), since then nobody responsible heard of it through the bot.
 */
export async function tellContactWindows(
  deps: Pick<CoreDeps, 'repos' | 'log'>,
  adapters: Iterable<ChatAdapter>,
  schoolId: string,
  text: string,
  preferPlatform: string,
): Promise<number> {
  const list = [...adapters];
  let told = 0;
  for (const c of await contactWindowChats(deps, list, schoolId, { preferPlatform })) {
    await c.adapter.send(c.addr, { type: 'text', text });
    told += 1;
  }
  if (told > 0) return told;
  const groups = await deps.repos.conversations.responseGroups({ schoolId });
  for (const g of groups) {
    const adapter = list.find((a) => a.platform === g.platform);
    if (!adapter) continue;
    await adapter.send({ platform: g.platform, externalId: g.externalId, kind: g.kind as 'group' | 'direct' }, { type: 'text', text });
    told += 1;
  }
  if (told === 0)
    deps.log.warn(
      { schoolId },
      'no contact window could be reached privately and the school has no response group: link them (docs/people.md)',
    );
  return told;
}
