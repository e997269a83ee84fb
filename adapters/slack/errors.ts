import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../src/ports/logger.js';
import { BOT_NAME } from '../../src/core/bot-name.js';
import { ChatPlatformError, type ChatErrorKind } from '../../src/ports/chat-errors.js';

/**
 * What the Slack adapter tells the operator: Slack's refusals as SlackApiError with what to fix (English), the Web API
 * call wrapper that turns them into it, and Bolt's own log lines routed to ours.
 */

/** An error Slack returned, with what the operator should do about it (English): one of the chat error kinds. */
export class SlackApiError extends ChatPlatformError {
  declare readonly code: string;
  constructor(
    readonly method: string,
    code: string,
    advice: string,
    options?: { cause?: unknown },
  ) {
    super('slack', kindOfSlackError(code), code, `Slack refused ${method} (${code}): ${advice}`, advice, options);
    this.name = 'SlackApiError';
  }
}

/** The chat error kind of a Slack Web API error code. */
export function kindOfSlackError(code: string): ChatErrorKind {
  switch (code) {
    case 'ratelimited':
      return 'rate-limited';
    case 'invalid_auth':
    case 'not_authed':
    case 'token_revoked':
    case 'token_expired':
    case 'account_inactive':
      return 'auth';
    case 'channel_not_found':
    case 'user_not_found':
    case 'message_not_found':
    case 'file_not_found':
    case 'file_deleted':
      return 'not-found';
    case 'missing_scope':
    case 'not_in_channel':
    case 'restricted_action':
    case 'not_allowed_token_type':
    case 'cant_invite':
    case 'is_archived':
      return 'permission';
    case 'request_error':
      return 'network';
    default:
      return 'validation';
  }
}

export function adviceFor(code: string, needed?: string): string {
  switch (code) {
    case 'missing_scope':
      return `the app lacks the "${needed ?? '?'}" scope. Add it under OAuth & Permissions (adapters/slack/manifest.yaml lists every scope the bot needs) and reinstall the app to the workspace.`;
    case 'not_in_channel':
      return `the bot is not a member of that channel. Invite it there (/invite @${BOT_NAME}).`;
    case 'channel_not_found':
      return 'the channel does not exist or the bot cannot see it (private channels need the bot invited).';
    case 'is_archived':
      return 'the channel is archived. Unarchive it, or bind another channel as the response team (綁定群組 應變小組).';
    case 'invalid_auth':
    case 'not_authed':
    case 'token_revoked':
    case 'account_inactive':
      return 'SLACK_BOT_TOKEN is not valid for this workspace. Copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions.';
    case 'ratelimited':
      return 'Slack kept answering 429 (rate limited) after every retry, each after the wait Retry-After asked for; the call was given up. Too many calls in a short time (Slack allows about one message per second per channel).';
    case 'name_taken':
      return 'a channel with that name already exists.';
    case 'restricted_action':
      return 'the workspace does not let apps create channels. A workspace admin can allow it (Settings & permissions → Permissions → Channel Management), or incidents are handled in the response channel.';
    case 'expired_trigger_id':
    case 'exchanged_trigger_id':
      return 'the trigger_id was used or older than 3 seconds; the form is posted as a button instead.';
    case 'request_error':
      return 'Slack could not be reached (DNS, TLS, a proxy, or Slack is down). Check that the server reaches SLACK_API_URL.';
    default:
      return 'see https://api.slack.com/methods for this error code.';
  }
}

/** A Web API call as the adapter runs it (see slackCall). */
export type SlackCall = <R>(method: string, fn: () => Promise<R>, expected?: readonly string[]) => Promise<R>;

/**
 * Runs a Web API call; Slack's refusals become SlackApiError with what to fix, logged at error level unless `expected`
 * (or an expired trigger, which the caller answers by posting a button).
 */
export async function slackCall<R>(log: Logger, method: string, fn: () => Promise<R>, expected: readonly string[] = []): Promise<R> {
  try {
    return await fn();
  } catch (err) {
    const e = err as { code?: string; data?: { error?: string; needed?: string } };
    if (e.code === 'slack_webapi_platform_error' && e.data?.error) {
      const wrapped = new SlackApiError(method, e.data.error, adviceFor(e.data.error, e.data.needed));
      const quiet = e.data.error === 'expired_trigger_id' || e.data.error === 'exchanged_trigger_id' || expected.includes(e.data.error);
      if (!quiet) log.error({ method, code: e.data.error, ...(e.data.needed ? { needed: e.data.needed } : {}) }, wrapped.message);
      throw wrapped;
    }
    if (e.code === 'slack_webapi_request_error' && /rate limit was exceeded/.test((err as Error).message)) {
      const wrapped = new SlackApiError(method, 'ratelimited', adviceFor('ratelimited'));
      log.error({ method, code: 'ratelimited' }, wrapped.message);
      throw wrapped;
    }
    if (e.code === 'slack_webapi_request_error') {
      // No answer from Slack at all: the network kind (the SDK's own message names the cause, never a body).
      throw new SlackApiError(method, 'request_error', adviceFor('request_error'), { cause: err });
    }
    throw err;
  }
}

/** Bolt's logger on ours: warnings and errors only (Bolt's debug lines may quote request bodies). */
export function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.WARN;
  const text = (msg: unknown[]) => msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : '[object]')).join(' ');
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (...msg: unknown[]) => log.warn({ source: 'bolt' }, text(msg)),
    error: (...msg: unknown[]) => log.error({ source: 'bolt' }, text(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
