import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../src/ports/logger.js';
import { BOT_NAME } from '../../src/core/bot-name.js';

/**
 * What the Slack adapter tells the operator: Slack's refusals as SlackApiError with what to fix (English), the Web API
 * call wrapper that turns them into it, and Bolt's own log lines routed to ours.
 */

/** An error Slack returned, with what the operator should do about it (English). */
export class SlackApiError extends Error {
  constructor(readonly method: string, readonly code: string, advice: string) {
    super(`Slack refused ${method} (${code}): ${advice}`);
    this.name = 'SlackApiError';
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
