import { ChannelType, Routes, type REST } from 'discord.js';
import type { Logger } from '../../src/ports/logger.js';
import type { ConversationAddress, IncidentRoomRequest, PlatformUser } from '../../src/ports/chat-model.js';
import type { OutboundLedger } from '../../src/core/chat/delivery.js';
import type { DiscordCall } from './errors.js';
import { DISCORD_PLATFORM_NAME, toDiscordMessage, type DiscordMessage } from './render.js';

/**
 * Incident rooms on Discord: a private thread (type 12) in the response channel, not invitable by its members, with
 * the responders added. Claimed in outbound_message (`room:discord:<key>`, kept for good): two instances asked at once
 * open one thread, and a retried call returns it.
 */
/** Private threads archive after this many minutes without messages (a week; posting again unarchives them). */
const THREAD_ARCHIVE_MINUTES = 10080;

export interface DiscordRoomsDeps {
  rest: REST;
  ledger: OutboundLedger;
  log: Logger;
  call: DiscordCall;
  post: (channelId: string, body: DiscordMessage) => Promise<{ id: string }>;
}

export class DiscordRooms {
  constructor(private readonly d: DiscordRoomsDeps) {}

  /**
   * A private thread in `near` (a server text channel) with the members added. A retried call (same idempotencyKey, or
   * after a restart the same name among the channel's active threads) returns the thread opened before. Members
   * Discord refuses are skipped and logged.
   */
  async open(req: IncidentRoomRequest): Promise<ConversationAddress> {
    if (!req.near || req.near.platform !== DISCORD_PLATFORM_NAME || req.near.kind !== 'group') {
      throw new Error(
        'A Discord incident room is a private thread inside a server text channel: bind the response channel (綁定群組 應變小組) first.',
      );
    }
    const parent = req.near.externalId;
    // Claimed in outbound_message (kept for good, 'room:'): two instances asked at once open one thread.
    const { messageId: threadId } = await this.d.ledger.once(
      `room:${DISCORD_PLATFORM_NAME}:${req.idempotencyKey}`,
      DISCORD_PLATFORM_NAME,
      parent,
      async () => {
        const found = await this.findThread(parent, req.name);
        if (found) return found;
        const t = (await this.d.call('create a private thread', () =>
          this.d.rest.post(Routes.threads(parent), {
            body: {
              name: req.name.slice(0, 100),
              type: ChannelType.PrivateThread,
              invitable: false,
              auto_archive_duration: THREAD_ARCHIVE_MINUTES,
            },
          }),
        )) as { id: string };
        await this.d.post(t.id, toDiscordMessage({ type: 'text', text: req.topic }));
        return t.id;
      },
    );
    const room: ConversationAddress = { platform: DISCORD_PLATFORM_NAME, externalId: threadId, kind: 'group', title: req.name };
    await this.add(room, req.members);
    return room;
  }

  async add(room: ConversationAddress, members: PlatformUser[]): Promise<void> {
    for (const m of members) {
      if (m.platform !== DISCORD_PLATFORM_NAME) continue;
      try {
        await this.d.call('add a member to the incident thread', () =>
          this.d.rest.put(Routes.threadMembers(room.externalId, m.externalId)),
        );
      } catch (err) {
        this.d.log.warn(
          { thread: room.externalId, user: m.externalId, err: { type: (err as Error).name, message: (err as Error).message } },
          'Discord: member not added to the incident thread',
        );
      }
    }
  }

  private async findThread(parent: string, name: string): Promise<string | undefined> {
    try {
      const ch = (await this.d.rest.get(Routes.channel(parent))) as { guild_id?: string };
      if (!ch.guild_id) return undefined;
      const active = (await this.d.rest.get(Routes.guildActiveThreads(ch.guild_id))) as {
        threads: { id: string; name: string; parent_id?: string }[];
      };
      const hit = active.threads.find((t) => t.parent_id === parent && t.name === name);
      if (hit) return hit.id;
      const archived = (await this.d.rest.get(Routes.channelJoinedArchivedThreads(parent))) as { threads: { id: string; name: string }[] };
      return archived.threads.find((t) => t.name === name)?.id;
    } catch (err) {
      this.d.log.warn(
        { err: { type: (err as Error).name, message: (err as Error).message } },
        'Discord: could not look for an existing incident thread; opening a new one',
      );
      return undefined;
    }
  }
}
