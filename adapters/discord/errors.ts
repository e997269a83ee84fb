import { DiscordAPIError, HTTPError } from 'discord.js';
import type { Logger } from '../../src/ports/logger.js';
import { ChatPlatformError, kindOfStatus, type ChatErrorKind } from '../../src/ports/chat-errors.js';

/**
 * What the Discord adapter tells the operator: Discord's refusals as DiscordApiError with what to fix (English), and
 * the REST call wrapper that turns them into it (rate limits are waited out by discord.js itself).
 */

/** A refusal from Discord, with what the operator should do about it (English): one of the chat error kinds. */
export class DiscordApiError extends ChatPlatformError {
  constructor(
    readonly action: string,
    code: number | string,
    readonly status: number,
    advice: string,
    options?: { cause?: unknown },
  ) {
    super(
      'discord',
      kindOfDiscordError(code, status),
      code,
      `Discord refused ${action} (${status}, code ${code}): ${advice}`,
      advice,
      options,
    );
    this.name = 'DiscordApiError';
  }
}

/** The chat error kind of a Discord JSON error code (the HTTP status where the code says nothing more). */
export function kindOfDiscordError(code: number | string, status: number): ChatErrorKind {
  switch (code) {
    case 50013:
    case 50001:
    case 50007:
    case 50083:
      return 'permission';
    case 10003:
    case 10008:
    case 10013:
      return 'not-found';
    case 10062:
    case 40060:
    case 160002:
      return 'validation';
    case 'network':
      return 'network';
    default:
      return kindOfStatus(status);
  }
}

export const REQUIRED_PERMISSIONS =
  'View Channels, Send Messages, Send Messages in Threads, Create Private Threads, Embed Links, Read Message History';

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
    case 'network':
      return 'Discord could not be reached (DNS, TLS, a proxy, or Discord is down). Check that the server reaches DISCORD_API_BASE.';
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
      log[handled ? 'info' : 'error'](
        { action, code: err.code, status: err.status, route: err.url.replace(/^.*\/api\/v\d+/, '').replace(/\/[\w-]{60,}/g, '/<token>') },
        wrapped.message,
      );
      throw wrapped;
    }
    if (err instanceof HTTPError) {
      // Discord answered with an error but no JSON code (a 5xx from its edge): the HTTP status says the kind.
      const wrapped = new DiscordApiError(action, err.status, err.status, adviceFor(err.status, err.status), { cause: err });
      log.error({ action, status: err.status }, wrapped.message);
      throw wrapped;
    }
    if (isNetworkFailure(err)) {
      // No answer from Discord at all (fetch failed, refused, timed out).
      const wrapped = new DiscordApiError(action, 'network', 0, adviceFor('network', 0), { cause: err });
      log.error({ action, err: { type: (err as Error).name } }, wrapped.message);
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

/** A request that got no answer: refused, reset, timed out, DNS (Node's E… codes, undici's UND_ERR_…, fetch failed). */
function isNetworkFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return (
    (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_\w+)$/.test(code)) ||
    err.name === 'AbortError' ||
    (err instanceof TypeError && err.message === 'fetch failed')
  );
}
