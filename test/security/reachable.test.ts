import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { DEMO_PEOPLE, seedDemo } from '../../src/app/demo.js';
import { TEST_KEYS } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/db.js';
import { startCapturedApp, type SecuredApp } from './harness.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** What is reachable, and by whom: the local chat, the Host check, /metrics, headers, the local API's edges. */
describe('what is reachable', () => {
  describe('configuration', () => {
    const base = { DATA_ENCRYPTION_KEYS: TEST_KEYS, DATA_DIR: '/tmp/pdi-reach-config' };
    it('the local chat (no login) is refused on a non-loopback address and on a production database', () => {
      expect(() => loadConfig({ ...base, HOST: '0.0.0.0', LOCAL_CHAT: 'on' })).toThrow(/LOCAL_CHAT: the local chat page has no login/);
      expect(() => loadConfig({ ...base, HOST: '0.0.0.0' })).toThrow(ConfigError); // on by default with the embedded database
      expect(() => loadConfig({ ...base, DATABASE_URL: 'postgresql://u@db/x', LOCAL_CHAT: 'on' })).toThrow(/refused with DATABASE_URL/);
      expect(() => loadConfig({ ...base, DATABASE_URL: 'postgresql://u@db/x', DEMO_SEED: 'on' })).toThrow(
        /DEMO_SEED: refused with DATABASE_URL/,
      );
      expect(loadConfig({ ...base, HOST: '127.0.0.1', LOCAL_CHAT: 'on' }).localChat).toBe(true);
      expect(loadConfig({ ...base, HOST: '::1' }).localChat).toBe(true);
      const prod = loadConfig({ ...base, HOST: '0.0.0.0', DATABASE_URL: 'postgresql://u@db/x' });
      expect([prod.localChat, prod.demoSeed]).toEqual([false, false]);
      const demo = loadConfig({
        ...base,
        HOST: '0.0.0.0',
        DATABASE_URL: 'postgresql://u@db/x',
        LOCAL_CHAT: 'demo-on-network',
        ALLOWED_HOSTS: 'demo.school.tw, 10.0.0.5:3000',
      });
      expect([demo.localChat, demo.localChatOnNetwork, demo.demoSeed]).toEqual([true, true, true]);
      expect(demo.allowedHosts).toEqual(expect.arrayContaining(['localhost', '127.0.0.1', '[::1]', 'demo.school.tw', '10.0.0.5']));
    });

    it('trusted proxies are none by default, else as configured; a short metrics token is refused', () => {
      expect(loadConfig(base).trustProxy).toBe(false);
      expect(loadConfig({ ...base, TRUST_PROXY: '1' }).trustProxy).toBe(1);
      expect(loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/8, loopback' }).trustProxy).toBe('10.0.0.0/8,loopback');
      expect(() => loadConfig({ ...base, TRUST_PROXY: 'every one!' })).toThrow(/TRUST_PROXY/);
      expect(() => loadConfig({ ...base, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: must be at least 24/);
    });

    it('a malformed key ring stops start-up with a plain configuration error, not a stack', () => {
      // Validated with the rest of the configuration, before anything starts (src/app/config.ts).
      let err: unknown;
      try {
        loadConfig({ ...base, PORT: '0', DATA_ENCRYPTION_KEYS: 'k1:short' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/^Configuration error[\s\S]*DATA_ENCRYPTION_KEYS: /);
    });
  });

  describe('the running product', () => {
    let s: SecuredApp;
    beforeAll(async () => {
      s = await startCapturedApp();
    });
    afterAll(async () => {
      await s?.close();
    });
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${s.app.url}${path}`, { headers });
    /** fetch() may not set Host (a forbidden header): a plain HTTP request, as a rebinding browser would send it. */
    const withHost = (path: string, host: string) =>
      new Promise<number>((resolve, reject) => {
        // An empty value means no Host header at all (HTTP/1.0 style).
        const req = request({ host: '127.0.0.1', port: s.app.port, path, setHost: false, headers: host ? { host } : {} }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });

    it('the local page and API answer only allowed Host names (DNS rebinding)', async () => {
      expect(await withHost('/local/api/state', `127.0.0.1:${s.app.port}`)).toBe(200);
      expect(await withHost('/local/api/state', `localhost:${s.app.port}`)).toBe(200);
      expect(await withHost('/', 'LOCALHOST')).toBe(200);
      for (const host of ['evil.example', `attacker.test:${s.app.port}`, '127.0.0.1.evil.example']) {
        expect(await withHost('/local/api/state', host), host).toBe(421);
        expect(await withHost('/', host), host).toBe(421);
        expect(await withHost('/static/app.js', host), host).toBe(421);
      }
      // No Host at all: Node refuses an HTTP/1.1 request without one (400) before any route runs.
      expect(await withHost('/local/api/state', '')).toBe(400);
      // Health checks are not the local chat: a load balancer may use any name.
      expect(await withHost('/healthz', 'lb.internal')).toBe(200);
    });

    it('every answer carries the protective headers; API answers are never cached', async () => {
      for (const path of ['/', '/local/api/state', '/healthz', '/nope']) {
        const res = await get(path);
        expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
        expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
        expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      }
      expect((await get('/local/api/state')).headers.get('cache-control')).toBe('no-store');
      expect((await get('/local/api/conversations/demo-staff/messages?as=demo-teacher')).headers.get('cache-control')).toBe('no-store');
      expect((await get('/')).headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    });

    it('/metrics answers loopback clients that came straight, and nobody through a proxy', async () => {
      expect((await get('/metrics')).status).toBe(200);
      expect((await get('/metrics', { 'x-forwarded-for': '203.0.113.9' })).status).toBe(403);
      expect((await get('/metrics', { forwarded: 'for=203.0.113.9' })).status).toBe(403);
    });

    it('a repeated ?as, a missing one, or JSON nested too deep is a 400, never a 500', async () => {
      const twice = await get('/local/api/conversations/demo-staff/messages?as=demo-teacher&as=demo-principal');
      expect(twice.status).toBe(400);
      expect(((await twice.json()) as { error: string }).error).toBe('只能選擇一個身分。');
      expect((await get('/local/api/conversations/demo-staff/messages')).status).toBe(400);
      const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      for (const body of [
        deep,
        `{"as":"demo-teacher","text":${'['.repeat(5000)}1${']'.repeat(5000)}}`,
        '{"__proto__":{"x":1},"as":"demo-teacher","text":"hi"}',
        '{"as":',
      ]) {
        const res = await fetch(`${s.app.url}/local/api/conversations/demo-staff/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        expect(res.status).toBe(400);
      }
      expect(s.logs.filter((l) => l.includes('"level":50'))).toEqual([]);
    });
  });

  it('/metrics with METRICS_TOKEN needs the bearer token', async () => {
    const s = await startCapturedApp({ METRICS_TOKEN });
    try {
      const url = `${s.app.url}/metrics`;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);
      expect(s.logs.join('\n')).not.toContain(METRICS_TOKEN);
    } finally {
      await s.close();
    }
  });

  it('seeding the demo twice at once (two instances on a fresh database) does not fail', async () => {
    const tdb = await createTestDatabase();
    try {
      await Promise.all([seedDemo(tdb.db), seedDemo(tdb.db), seedDemo(tdb.db)]);
      expect(await tdb.db.prisma.person.count()).toBe(DEMO_PEOPLE.length);
      await seedDemo(tdb.db);
      expect(await tdb.db.prisma.identity.count()).toBe(DEMO_PEOPLE.length);
    } finally {
      await tdb.destroy();
    }
  });
});
