import { randomBytes } from 'node:crypto';

/** A new opaque id: 16 URL-safe characters (96 random bits). Short enough for button payloads on every platform. */
export function newId(): string {
  return randomBytes(12).toString('base64url');
}
