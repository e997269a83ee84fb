import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';

describe('configuration', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pdi-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to the embedded database, the local chat and the demo school, and generates a private key file', () => {
    const c = loadConfig({ DATA_DIR: dir });
    expect(c.database).toEqual({ kind: 'pglite', dataDir: join(dir, 'pglite') });
    expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', localChat: true, demoSeed: true, encryptionKeySource: 'generated-file' });
    expect(c.encryptionKeys).toMatch(/^k1:[A-Za-z0-9+/]{43}=$/);
    expect(statSync(join(dir, 'encryption-keys')).mode & 0o777).toBe(0o600);
    // The same key is used on the next start.
    const again = loadConfig({ DATA_DIR: dir });
    expect(again.encryptionKeys).toBe(c.encryptionKeys);
    expect(again.encryptionKeySource).toBe('file');
  });

  it('switches to PostgreSQL with DATABASE_URL, where the local chat is off by default and a key is required', () => {
    expect(() => loadConfig({ DATA_DIR: dir, DATABASE_URL: 'postgresql://u@db/x' })).toThrow(/DATA_ENCRYPTION_KEYS: required with DATABASE_URL/);
    const c = loadConfig({ DATA_DIR: dir, DATABASE_URL: 'postgresql://u@db/x', DATA_ENCRYPTION_KEYS: 'k1:abc' });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgresql://u@db/x', poolSize: 10 });
    expect(c.localChat).toBe(false);
  });

  it('reports every wrong value at once, naming the variable and what to fix, without echoing secrets', () => {
    let err: unknown;
    try {
      loadConfig({ DATA_DIR: dir, PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://root:hunter2@db/x', LOCAL_CHAT: 'maybe' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/PORT: must be a number \(got "eighty"\)/);
    expect(msg).toMatch(/LOG_LEVEL: .*\(got "loud"\)/);
    expect(msg).toMatch(/DATABASE_URL: must start with postgresql:\/\//);
    expect(msg).toMatch(/LOCAL_CHAT: must be "on" or "off"/);
    expect(msg).not.toContain('hunter2');
    expect(msg).toMatch(/\.env\.example/);
  });

  it('refuses a playbooks directory that does not exist', () => {
    expect(() => loadConfig({ DATA_DIR: dir, PLAYBOOKS_DIR: join(dir, 'nope') })).toThrow(/PLAYBOOKS_DIR: directory .* does not exist/);
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ DATA_DIR: dir, PORT: '', DATABASE_URL: '  ' }).database.kind).toBe('pglite');
  });
});
