import { HTTPFetchError } from '@line/bot-sdk';
import { ChatPlatformError, kindOfStatus } from '../../src/ports/chat-errors.js';

/**
 * What the LINE adapter tells the operator: LINE's refusals (the SDK's HTTPFetchError, an HTTP status) as LineApiError
 * with what to fix (English), one of the chat error kinds; and the call wrapper that turns them into it. The SDK's own
 * message may quote LINE's answer, so only the status travels.
 */
export class LineApiError extends ChatPlatformError {
  declare readonly code: number;
  constructor(
    readonly action: string,
    readonly status: number,
    advice: string,
    options?: { cause?: unknown },
  ) {
    super(
      'line',
      status === 0 ? 'network' : kindOfStatus(status),
      status,
      `LINE refused ${action} (HTTP ${status}): ${advice}`,
      advice,
      options,
    );
    this.name = 'LineApiError';
  }
}

export function adviceFor(status: number): string {
  switch (status) {
    case 0:
      return 'LINE could not be reached (DNS, TLS, a proxy, or LINE is down). Check that the server reaches LINE_API_BASE_URL.';
    case 400:
      return 'LINE refused the request as sent (an expired or used reply token, a message over its limits).';
    case 401:
      return 'LINE_CHANNEL_ACCESS_TOKEN is not valid. Issue a long-lived channel access token again in the LINE Developers console (Messaging API tab).';
    case 403:
      return 'the channel is not allowed to use this API (the plan, or the feature not enabled for the channel).';
    case 404:
    case 410:
      return 'the user, group or content no longer exists for this channel (unfollowed, the bot left, or expired).';
    case 409:
      return 'a request with this X-Line-Retry-Key was accepted already; it was delivered once.';
    case 429:
      return "LINE's rate limit or the monthly message quota is exhausted. Check the quota (the contact windows are warned at 80 % and 95 %) and LINE Official Account Manager.";
    default:
      return status >= 500
        ? 'LINE answered with a server error; it usually passes by itself.'
        : 'see https://developers.line.biz/en/reference/messaging-api/#status-codes for this status.';
  }
}

/** Runs a LINE API call; its refusals become LineApiError (not logged here: the caller decides what is expected). */
export async function lineCall<R>(action: string, fn: () => Promise<R>): Promise<R> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HTTPFetchError) throw new LineApiError(action, err.status, adviceFor(err.status), { cause: err });
    const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
    if ((err instanceof TypeError && err.message === 'fetch failed') || (typeof code === 'string' && /^E[A-Z]+$/.test(code))) {
      throw new LineApiError(action, 0, adviceFor(0), { cause: err });
    }
    throw err;
  }
}

/** The response header of a refusal (LINE's x-line-accepted-request-id on a 409), when the SDK kept it. */
export function lineErrorHeader(err: LineApiError, name: string): string | null {
  return err.cause instanceof HTTPFetchError ? err.cause.headers.get(name) : null;
}
