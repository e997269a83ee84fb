/**
 * One family of errors for every chat platform: an adapter turns its SDK's failures into a `ChatPlatformError` of
 * one of these kinds, with advice for the operator (English) saying what to fix. The core and the operator read the
 * kind, never a platform's own codes; the adapter's subclass (SlackApiError, DiscordApiError, LineApiError) keeps
 * the platform's code for its own decisions (an expired trigger, a deleted card).
 */
export const CHAT_ERROR_KINDS = ['rate-limited', 'auth', 'not-found', 'permission', 'validation', 'network'] as const;
export type ChatErrorKind = (typeof CHAT_ERROR_KINDS)[number];

/** What the operator should look at for each kind, when the adapter has nothing more specific to say. */
export const CHAT_ERROR_ADVICE: Readonly<Record<ChatErrorKind, string>> = {
  'rate-limited':
    'the platform kept refusing calls as too many in a short time, after waiting as it asked; the call was given up. It passes by itself; if it recurs, fewer messages are being sent per conversation than the platform allows.',
  auth: "the bot's token or secret is not valid for this platform (wrong, revoked or expired). Copy it again from the platform's developer console into the configuration and restart.",
  'not-found': 'the conversation, message or file no longer exists on the platform (deleted, or the bot was removed from it).',
  permission:
    'the bot is not allowed to do this there. Check the permissions or scopes the adapter documents (docs/<platform>.md) and that the bot is a member of the conversation.',
  validation:
    'the platform refused the request as it was sent (an expired interaction, a name already taken, a limit exceeded). See the code in the message.',
  network:
    'the platform could not be reached (DNS, TLS, a proxy or the platform itself is down). Check the server can reach the platform API URL from the configuration.',
};

export class ChatPlatformError extends Error {
  /** What the operator should do about it (English). */
  readonly advice: string;

  constructor(
    readonly platform: string,
    readonly kind: ChatErrorKind,
    /** The platform's own code (a Slack error string, a Discord JSON code, an HTTP status). */
    readonly code: string | number,
    message: string,
    advice?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ChatPlatformError';
    this.advice = advice ?? CHAT_ERROR_ADVICE[kind];
  }
}

/** The kind an HTTP status means, for platforms whose errors are statuses (LINE) or as a fallback (Discord). */
export function kindOfStatus(status: number): ChatErrorKind {
  if (status === 429) return 'rate-limited';
  if (status === 401) return 'auth';
  if (status === 403) return 'permission';
  if (status === 404 || status === 410) return 'not-found';
  if (status >= 500 || status === 0) return 'network';
  return 'validation';
}

export function isChatPlatformError(err: unknown, kind?: ChatErrorKind): err is ChatPlatformError {
  return err instanceof ChatPlatformError && (kind === undefined || err.kind === kind);
}
