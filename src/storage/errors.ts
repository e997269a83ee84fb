import { DatabaseUnavailableError } from './database.js';

const DOWN_CODES = new Set([
  'P1001', // can't reach database server
  'P1002', // timed out
  'P1008', // operation timed out
  'P1017', // server closed the connection
  'P2024', // pool timeout
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08006',
]);

/**
 * Whether an error means "the database is not available right now" (as opposed to a bug or bad data): such requests
 * are answered 503 so platforms retry them, and nothing is half-recorded because each change is one transaction.
 */
export function isDatabaseDown(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 6; depth += 1) {
    if (e instanceof DatabaseUnavailableError) return true;
    const o = e as { code?: unknown; errorCode?: unknown; message?: unknown; cause?: unknown; kind?: unknown };
    if (typeof o.code === 'string' && DOWN_CODES.has(o.code)) return true;
    if (typeof o.errorCode === 'string' && DOWN_CODES.has(o.errorCode)) return true;
    if (
      typeof o.message === 'string' &&
      /Connection terminated|connect ECONNREFUSED|Client has encountered a connection error|database system is shutting down|PGlite is closed|Cannot use a pool after calling end|terminating connection due to administrator command/i.test(
        o.message,
      )
    )
      return true;
    e = o.cause;
  }
  return false;
}
