import { DiscordAPIError } from 'discord.js';
import type { Logger } from '../../src/ports/logger.js';

/**
 * What the Discord adapter tells the operator: Discord's refusals as DiscordApiError with what to fix (English), and
 * the REST call wrapper that turns them into it (rate limits are waited out by discord.js itself).
 */

/** A refusal from Discord, with what the operator should do about it (English). */
export class DiscordApiError extends Error {
  constructor(readonly action: string, readonly code: number | string, readonly status: number, advice: string) {
    super(`Discord refused ${action} (${status}, code ${code}): ${advice}`);
    this.name = 'DiscordApiError';
  }
}

export const REQUIRED_PERMISSIONS = 'View Channels, Send Messages, Send Messages in Threads, Create Private Threads, Embed Links, Read Message History';

export function adviceFor(code: number | string, status: number): string {
  switch (code) {
    case 50013:
      return `the bot lacks a permission in that channel. Give its role ${REQUIRED_PERMISSIONS} there (docs/discord.md lists why each is needed).`;
    case 50001:
      return 'the bot cannot see that channel. Give its role View Channels on the channel (or on its category).';
    case 50007:
      return 'the person does not accept direct messages from this server (User Settings → Privacy). Ask them to allow DMs from server members, or reach them in the response channel.';
    case 10003:
      return 'the channel no longer exists (deleted?). Bind another channel (/小幫手 指令:綁定群組 應變小組).';
    case 10008:
      return 'the message no longer exists (deleted by someone?); the card will be posted again on the next change.';
    case 50083:
      return 'the thread is archived and the bot may not unarchive it. Give the bot Send Messages in Threads, or unarchive the thread.';
    case 10062:
      return 'the interaction expired (Discord allows 3 s to answer): the server is overloaded or its clock is wrong.';
    case 40060:
      return 'the interaction was already answered (a replayed event).';
    case 160002:
      return 'the channel cannot have private threads. Use a text channel for the response team.';
    default:
      if (status === 401) return 'DISCORD_BOT_TOKEN is not valid. Copy it again from the Developer Portal (Bot → Reset Token).';
      if (status === 403) return `the bot is not allowed to do this. Check its role's permissions: ${REQUIRED_PERMISSIONS}.`;
      return 'see https://discord.com/developers/docs/topics/opcodes-and-status-codes#json for this error code.';
  }
}

/** A REST call as the adapter runs it (see discordCall). */
export type DiscordCall = <R>(action: string, fn: () => Promise<R>) => Promise<R>;

/** Runs a REST call; Discord's refusals become DiscordApiError with what to fix, logged once (info when handled). */
export async function discordCall<R>(log: Logger, action: string, fn: () => Promise<R>): Promise<R> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DiscordAPIError) {
      const wrapped = new DiscordApiError(action, err.code, err.status, adviceFor(err.code, err.status));
      const handled = err.code === 50083 || err.code === 10008 || err.code === 40060;
      log[handled ? 'info' : 'error']({ action, code: err.code, status: err.status, route: err.url.replace(/^.*\/api\/v\d+/, '').replace(/\/[\w-]{60,}/g, '/<token>') }, wrapped.message);
      throw wrapped;
    }
    throw err;
  }
}

/** Logs a failure, unless it is a DiscordApiError (logged with its advice already). */
export function logDiscordError(log: Logger, what: string, err: unknown): void {
  if (err instanceof DiscordApiError) return;
  log.error({ err: { type: (err as Error).name, message: (err as Error).message } }, `Discord: failed to ${what}`);
}
