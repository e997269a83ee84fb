import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, ROOT_DIR } from '../../src/app/config.js';
import { writeKeyFile } from '../../src/app/keys.js';
import { TEST_KEYS } from '../helpers/app.js';

describe('configuration', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pdi-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to the embedded database, the local chat and the demo school, with the key file beside DATA_DIR', () => {
    // Issue #14: the key file no longer lives inside DATA_DIR, and the configuration no longer makes a key (start-up
    // makes one only for a database without encrypted data: test/app/keys.test.ts).
    const data = join(dir, 'data');
    const c = loadConfig({ DATA_DIR: data });
    expect(c.database).toEqual({
      kind: 'pglite',
      dataDir: join(data, 'pglite'),
      template: join(ROOT_DIR, 'dist', 'pglite-template.tar.gz'),
    });
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      localChat: true,
      demoSeed: true,
      encryptionKeySource: 'none',
      encryptionKeys: null,
    });
    expect(c.keyFile).toBe(join(dir, 'data-keys', 'encryption-keys'));
    writeKeyFile(c.keyFile!, TEST_KEYS);
    expect(statSync(c.keyFile!).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'data-keys')).mode & 0o777).toBe(0o700);
    const again = loadConfig({ DATA_DIR: data });
    expect(again.encryptionKeys).toBe(TEST_KEYS);
    expect(again.encryptionKeySource).toBe('file');
    // DATA_KEYS_FILE puts it anywhere; an install from before keeps reading DATA_DIR/encryption-keys.
    expect(loadConfig({ DATA_DIR: data, DATA_KEYS_FILE: join(dir, 'elsewhere') }).keyFile).toBe(join(dir, 'elsewhere'));
    const old = join(dir, 'old');
    writeKeyFile(join(old, 'encryption-keys'), TEST_KEYS);
    expect(loadConfig({ DATA_DIR: old })).toMatchObject({
      encryptionKeySource: 'legacy-file',
      keyFile: join(old, 'encryption-keys'),
      encryptionKeys: TEST_KEYS,
    });
  });

  it('refuses an unusable key ring with a plain message naming the setting, never the key', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ DATA_DIR: dir, ...env });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      return '';
    };
    expect(problems({ DATA_ENCRYPTION_KEYS: 'k1:short' })).toMatch(/DATA_ENCRYPTION_KEYS: Key "k1" is not valid base64/);
    expect(problems({ DATA_ENCRYPTION_KEYS: 'k1:short' })).not.toMatch(/\n\s+at /);
    expect(problems({ DATA_ENCRYPTION_KEYS: 'nokey' })).toMatch(/DATA_ENCRYPTION_KEYS: Key ring entry 1 has no "<id>:" prefix/);
    expect(problems({ DATA_ENCRYPTION_KEYS: `k1:${Buffer.alloc(16, 1).toString('base64')}` })).toMatch(
      /Key "k1" is 16 bytes long; AES-256 needs exactly 32 bytes/,
    );
    const leaked = Buffer.alloc(31, 9).toString('base64');
    expect(problems({ DATA_ENCRYPTION_KEYS: `k1:${leaked}` })).not.toContain(leaked);
  });

  it('switches to PostgreSQL with DATABASE_URL, where the local chat is off by default and a key is required', () => {
    expect(() => loadConfig({ DATA_DIR: dir, DATABASE_URL: 'postgresql://u@db/x' })).toThrow(
      /DATA_ENCRYPTION_KEYS: required with DATABASE_URL/,
    );
    const c = loadConfig({ DATA_DIR: dir, DATABASE_URL: 'postgresql://u@db/x', DATA_ENCRYPTION_KEYS: TEST_KEYS });
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
    expect(msg).toMatch(/LOCAL_CHAT: must be "on", "off" or "demo-on-network"/);
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
