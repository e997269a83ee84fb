// npm run keygen [-- <key id>] — prints a new DATA_ENCRYPTION_KEYS entry (id:base64 of 32 random bytes).
// To rotate: put the new entry first, keep the old ones after it (comma-separated) so existing data still decrypts.
import { randomBytes } from 'node:crypto';

const id = process.argv[2] ?? `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
  process.stderr.write('key id must be 1–32 letters, digits, "-" or "_"\n');
  process.exit(2);
}
process.stdout.write(`${id}:${randomBytes(32).toString('base64')}\n`);
