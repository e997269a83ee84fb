import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/ports/logger.js';
import type { ConversationAddress, IncidentRoomRequest, PlatformUser } from '../../src/ports/chat-model.js';
import type { OutboundLedger } from '../../src/core/chat/delivery.js';
import { SlackApiError, adviceFor, type SlackCall } from './errors.js';
import { SLACK_PLATFORM_NAME } from './render.js';

/**
 * Incident rooms on Slack: a private channel per incident (conversations.create is_private), its detail-free topic and
 * its members. The channel id is recorded under `room:<key>` in outbound_message, so a retried call — on any instance —
 * returns the room already opened, and the bot joining a room it created is not taken for a group to bind.
 */
const SLACK_CHANNEL_NAME_MAX = 80;
const MAX_ROOM_SUFFIX = 20;
/** Refusals that concern one member of an incident room: that member is skipped (logged), the others are added. */
const ROOM_INVITE_SKIPPED = [
  'already_in_channel',
  'user_not_found',
  'cant_invite',
  'cant_invite_self',
  'user_is_restricted',
  'user_is_ultra_restricted',
  'user_is_bot',
  'ura_max_channels',
  'no_user',
];

export interface SlackRoomsDeps {
  client: webApi.WebClient;
  ledger: OutboundLedger;
  /** Whether outbound_message records this channel as an incident room (opened by any instance). */
  recordedRoom: (channelId: string) => Promise<boolean>;
  log: Logger;
  call: SlackCall;
}

export class SlackRooms {
  /** Incident rooms this instance created (the others are found in outbound_message). */
  private readonly created = new Set<string>();

  constructor(private readonly d: SlackRoomsDeps) {}

  /**
   * A private channel for one incident, its topic set and the members invited one by one (a member Slack refuses is
   * skipped and logged, never the whole room). A name already taken in the workspace gets a suffix (pdi-2026-0007-2, …).
   */
  async open(req: IncidentRoomRequest): Promise<ConversationAddress> {
    const { messageId: channelId, repeated } = await this.d.ledger.once(`room:${req.idempotencyKey}`, SLACK_PLATFORM_NAME, req.name, () =>
      this.create(req),
    );
    const room: ConversationAddress = { platform: SLACK_PLATFORM_NAME, externalId: channelId, kind: 'group', title: req.name };
    if (!repeated) {
      await this.d
        .call('conversations.setTopic', () => this.d.client.conversations.setTopic({ channel: channelId, topic: clipTopic(req.topic) }))
        .catch((err: unknown) =>
          this.d.log.warn(
            { channel: channelId, err: { type: (err as Error).name, message: (err as Error).message } },
            'Slack incident room topic not set',
          ),
        );
    }
    await this.add(room, req.members);
    return room;
  }

  private async create(req: IncidentRoomRequest): Promise<string> {
    const base = slackChannelName(req.name);
    for (let n = 1; n <= MAX_ROOM_SUFFIX; n += 1) {
      const name = n === 1 ? base : `${base.slice(0, SLACK_CHANNEL_NAME_MAX - String(n).length - 1)}-${n}`;
      try {
        const r = await this.d.call('conversations.create', () => this.d.client.conversations.create({ name, is_private: true }), [
          'name_taken',
        ]);
        if (!r.channel?.id) throw new Error('conversations.create answered without a channel id');
        this.created.add(r.channel.id);
        this.d.log.info({ channel: r.channel.id, name }, 'Slack incident room created');
        return r.channel.id;
      } catch (err) {
        if (err instanceof SlackApiError && err.code === 'name_taken') continue;
        throw err;
      }
    }
    throw new SlackApiError(
      'conversations.create',
      'name_taken',
      `channel names ${base} to ${base}-${MAX_ROOM_SUFFIX} are all taken; archive or rename old ones.`,
    );
  }

  async isIncidentRoom(channelId: string): Promise<boolean> {
    if (this.created.has(channelId)) return true;
    return this.d.recordedRoom(channelId);
  }

  /** Invites people to an incident room (one call each: Slack refuses a whole list for one member it cannot add). */
  async add(room: ConversationAddress, members: PlatformUser[]): Promise<void> {
    for (const m of members) {
      if (m.platform !== SLACK_PLATFORM_NAME) continue;
      try {
        await this.d.call(
          'conversations.invite',
          () => this.d.client.conversations.invite({ channel: room.externalId, users: m.externalId }),
          ROOM_INVITE_SKIPPED,
        );
      } catch (err) {
        if (err instanceof SlackApiError && err.code === 'already_in_channel') continue;
        if (err instanceof SlackApiError && ROOM_INVITE_SKIPPED.includes(err.code)) {
          this.d.log.warn(
            { channel: room.externalId, user: m.externalId, code: err.code },
            `Slack could not add a responder to the incident room (${err.code}); they are skipped. ${adviceFor(err.code)}`,
          );
          continue;
        }
        throw err;
      }
    }
  }
}

/** Slack channel names: lowercase letters, digits, hyphens and underscores, at most 80 characters. */
export function slackChannelName(name: string): string {
  const clean = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return (clean || 'pdi-incident').slice(0, SLACK_CHANNEL_NAME_MAX - 3);
}

function clipTopic(topic: string): string {
  const chars = [...topic];
  return chars.length <= 250 ? topic : `${chars.slice(0, 249).join('')}…`;
}
