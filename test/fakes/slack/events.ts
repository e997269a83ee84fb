import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { types } from '@slack/bolt';
import { Ajv } from 'ajv';
import type { EventFile } from './files.js';
import { BOT_USER_ID, TEAM_ID } from './platform.js';
import { SLACK_SPECS_DIR } from './spec.js';

/**
 * Requests as Slack sends them to the bot: Events API envelopes (checked against Slack's event wrapper schema,
 * test/fakes/specs/slack/slack_common_event_wrapper_schema.json), slash commands and interaction payloads as forms,
 * each signed with the v0 scheme (HMAC-SHA256 of "v0:<timestamp>:<body>" with the signing secret).
 */
export const APP_ID = 'A0PDIBOT1';
const wrapper = new Ajv({ strict: false, allErrors: true }).compile(
  JSON.parse(readFileSync(join(SLACK_SPECS_DIR, 'slack_common_event_wrapper_schema.json'), 'utf8')) as object,
);

export interface SlackRequest {
  body: string;
  contentType: string;
}

export function eventEnvelope(
  event: Record<string, unknown>,
  eventId = `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
): SlackRequest & { eventId: string } {
  const envelope = {
    token: 'deprecated-verification-token',
    team_id: TEAM_ID,
    api_app_id: APP_ID,
    event: { event_ts: `${(Date.now() / 1000).toFixed(6)}`, ...event },
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authed_users: [BOT_USER_ID],
  };
  if (!wrapper(envelope)) throw new Error(`Test built an event Slack would never send: ${JSON.stringify(wrapper.errors)}`);
  return { body: JSON.stringify(envelope), contentType: 'application/json', eventId };
}

export const slackEvent = {
  message: (channel: string, user: string, text: string, channelType: 'channel' | 'im' | 'group' = 'channel') => ({
    type: 'message',
    channel,
    channel_type: channelType,
    user,
    text,
    ts: `${(Date.now() / 1000).toFixed(6)}`,
  }),
  /**
   * Someone shared files (FakeSlackFiles.upload) in a channel or DM: a message of subtype file_share, shaped as Slack's
   * SDK types describe it (@slack/types FileShareMessageEvent; the 2021 Events API file does not describe it).
   */
  fileShare: (
    channel: string,
    user: string,
    files: EventFile[],
    text = '',
    channelType: 'channel' | 'im' | 'group' = channel.startsWith('D') ? 'im' : channel.startsWith('G') ? 'group' : 'channel',
  ) => {
    const ts = `${(Date.now() / 1000).toFixed(6)}`;
    const event: types.FileShareMessageEvent = {
      type: 'message',
      subtype: 'file_share',
      text,
      files,
      upload: false,
      display_as_bot: false,
      user,
      ts,
      channel,
      channel_type: channelType,
      event_ts: ts,
    };
    return event as unknown as Record<string, unknown>;
  },
  botJoined: (channel: string) => ({ type: 'member_joined_channel', user: BOT_USER_ID, channel, channel_type: 'C', team: TEAM_ID }),
  /** The person opened the app's Home tab (channel: their DM with the app). */
  homeOpened: (user: string, channel: string) => ({ type: 'app_home_opened', user, channel, tab: 'home' }),
};

/** A button click on the person's Home tab (a view, not a message: no channel). */
export function homeAction(a: {
  user: string;
  viewId: string;
  actionId: string;
  value: string;
  triggerId: string;
  overflow?: boolean;
}): SlackRequest {
  const action = a.overflow
    ? {
        type: 'overflow',
        action_id: a.actionId,
        block_id: 'b',
        selected_option: { text: { type: 'plain_text', text: 'x' }, value: a.value },
        action_ts: `${Date.now() / 1000}`,
      }
    : {
        type: 'button',
        action_id: a.actionId,
        block_id: 'b',
        value: a.value,
        text: { type: 'plain_text', text: 'x' },
        action_ts: `${Date.now() / 1000}`,
      };
  return interaction({
    type: 'block_actions',
    user: { id: a.user, username: a.user.toLowerCase(), team_id: TEAM_ID },
    trigger_id: a.triggerId,
    container: { type: 'view', view_id: a.viewId },
    view: { id: a.viewId, type: 'home', team_id: TEAM_ID, callback_id: 'pdi_home', hash: 'h', blocks: [], state: { values: {} } },
    actions: [action],
  });
}

export function slashCommand(a: { channel: string; user: string; text: string; triggerId: string; command?: string }): SlackRequest {
  const form = new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: TEAM_ID,
    team_domain: 'school',
    channel_id: a.channel,
    channel_name: a.channel.startsWith('D') ? 'directmessage' : 'staff',
    user_id: a.user,
    user_name: a.user.toLowerCase(),
    command: a.command ?? '/pdi',
    text: a.text,
    api_app_id: APP_ID,
    response_url: 'https://hooks.slack.com/commands/T0SCHOOL1/1/abc',
    trigger_id: a.triggerId,
  });
  return { body: form.toString(), contentType: 'application/x-www-form-urlencoded' };
}

export function interaction(payload: Record<string, unknown>): SlackRequest {
  const body = new URLSearchParams({
    payload: JSON.stringify({
      team: { id: TEAM_ID, domain: 'school' },
      api_app_id: APP_ID,
      token: 'deprecated-verification-token',
      ...payload,
    }),
  });
  return { body: body.toString(), contentType: 'application/x-www-form-urlencoded' };
}

/** A button click on a posted message. */
export function blockAction(a: {
  channel: string;
  user: string;
  messageTs: string;
  actionId: string;
  value: string;
  triggerId: string;
  overflow?: boolean;
}): SlackRequest {
  const action = a.overflow
    ? {
        type: 'overflow',
        action_id: a.actionId,
        block_id: 'b',
        selected_option: { text: { type: 'plain_text', text: 'x' }, value: a.value },
        action_ts: `${Date.now() / 1000}`,
      }
    : {
        type: 'button',
        action_id: a.actionId,
        block_id: 'b',
        value: a.value,
        text: { type: 'plain_text', text: 'x' },
        action_ts: `${Date.now() / 1000}`,
      };
  return interaction({
    type: 'block_actions',
    user: { id: a.user, username: a.user.toLowerCase(), team_id: TEAM_ID },
    trigger_id: a.triggerId,
    container: { type: 'message', message_ts: a.messageTs, channel_id: a.channel, is_ephemeral: false },
    channel: { id: a.channel, name: 'x' },
    message: { ts: a.messageTs, type: 'message', text: '' },
    actions: [action],
  });
}

export function viewSubmission(a: {
  user: string;
  view: { id: string; hash: string; view: Record<string, unknown> };
  values: Record<string, Record<string, unknown>>;
  triggerId: string;
}): SlackRequest {
  return interaction({
    type: 'view_submission',
    user: { id: a.user, username: a.user.toLowerCase(), team_id: TEAM_ID },
    trigger_id: a.triggerId,
    view: { ...a.view.view, id: a.view.id, hash: a.view.hash, team_id: TEAM_ID, state: { values: a.values } },
  });
}

export function viewClosed(a: { user: string; view: { id: string; hash: string; view: Record<string, unknown> } }): SlackRequest {
  return interaction({
    type: 'view_closed',
    user: { id: a.user, username: a.user.toLowerCase(), team_id: TEAM_ID },
    view: { ...a.view.view, id: a.view.id, hash: a.view.hash, team_id: TEAM_ID, state: { values: {} } },
    is_cleared: false,
  });
}

export function globalShortcut(a: { user: string; triggerId: string; callbackId: string }): SlackRequest {
  return interaction({
    type: 'shortcut',
    callback_id: a.callbackId,
    trigger_id: a.triggerId,
    action_ts: `${Date.now() / 1000}`,
    user: { id: a.user, username: a.user.toLowerCase(), team_id: TEAM_ID },
  });
}

export function sign(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const sig = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-signature': `v0=${sig}`, 'x-slack-request-timestamp': String(timestamp) };
}

export async function post(url: string, req: SlackRequest, headers: Record<string, string>): Promise<Response> {
  return fetch(`${url}/slack/events`, { method: 'POST', headers: { 'content-type': req.contentType, ...headers }, body: req.body });
}
