import type { Logger as PinoLogger } from 'pino';

/**
 * The structured logger every layer writes to. Its one implementation is src/app/logger.ts (pino, with every string
 * masked and body-like fields redacted): code below the composition root receives it and never builds its own.
 */
export type Logger = PinoLogger;
