import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEYS } from '../helpers/app.js';
import { FakeLinePlatform } from '../fakes/line/platform.js';
import { FakeSlackApi } from '../fakes/slack/platform.js';
import { rowCounts, settledRowCounts, startCapturedApp, type SecuredApp } from './harness.js';

/**
 * Property-based fuzzing of everything reachable over HTTP (loopback only): the LINE webhook, the Slack HTTP endpoint
 * and the local chat API, with bodies that carry personal data. For every request: no 5xx; a rejected request (4xx)
 * stores nothing; and at the end, no log line holds a secret or any of the personal data sent. Bounded in runs and
 * time.
 */
const LINE_SECRET = 'fedcba9876543210fedcba9876543210';
const LINE_TOKEN = 'fuzz-channel-access-token-0000000000000';
const SLACK_SECRET = 'abcdef0123456789abcdef0123456789';
const SLACK_TOKEN = 'xoxb-9999-8888-fuzztoken';
const KEY = TEST_KEYS.split(':')[1]!;
/** Personal data an attacker (or a careless staff member) puts in requests: it must never reach a log line. */
const PERSONAL = ['A123456789', '0912345678', 'wang.parent@example.com', '王小明的成績單'];
const SECRETS = [LINE_SECRET, LINE_TOKEN, SLACK_SECRET, SLACK_TOKEN, KEY];
const RUNS = { numRuns: 40, interruptAfterTimeLimit: 60_000 };

const personal = fc.constantFrom(...PERSONAL);
/** JSON-ish values with personal data inside, sometimes nested deep, sometimes broken. */
const bodyText = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc
    .tuple(fc.json({ maxDepth: 2 }), personal)
    .map(([j, p]) => `{"events":[{"type":"message","message":{"type":"text","text":"${p}"},"x":${j}}]}`),
  fc.tuple(fc.integer({ min: 65, max: 20_000 }), personal).map(([n, p]) => `${'{"a":'.repeat(n)}"${p}"${'}'.repeat(n)}`),
  fc.tuple(fc.integer({ min: 65, max: 20_000 }), personal).map(([n, p]) => `${'['.repeat(n)}"${p}"`),
  fc.string({ maxLength: 300 }),
  personal.map((p) => `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: p } }))}`),
  personal.map((p) => `command=%2Fpdi&text=${encodeURIComponent(p)}&user_id=U1&channel_id=C1&trigger_id=t`),
);

describe('security fuzz: webhooks and the local API', () => {
  let s: SecuredApp;
  let line: FakeLinePlatform;
  let slack: FakeSlackApi;
  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${s.app.url}${path}`, { method: 'POST', headers, body });

  beforeAll(async () => {
    line = await FakeLinePlatform.start(LINE_TOKEN);
    slack = await FakeSlackApi.start(SLACK_TOKEN);
    s = await startCapturedApp({
      LINE_CHANNEL_SECRET: LINE_SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: LINE_TOKEN,
      LINE_API_BASE_URL: line.url,
      LINE_API_DATA_URL: line.url,
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: slack.url,
    });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await line?.close();
    await slack?.close();
  });

  it('LINE webhook: unsigned or wrongly signed bodies are refused and store nothing; signed garbage is a 400, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        bodyText,
        fc.option(fc.oneof(fc.base64String({ maxLength: 44 }), fc.constant(''))),
        fc.boolean(),
        async (body, badSig, signIt) => {
          const before = await settledRowCounts(s.app);
          const signature = signIt ? createHmac('sha256', LINE_SECRET).update(body).digest('base64') : badSig;
          const res = await post('/webhooks/line', body, {
            'content-type': 'application/json',
            ...(signature !== null ? { 'x-line-signature': signature } : {}),
          });
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) expect(await rowCounts(s.app)).toEqual(before);
          if (!signIt) expect(res.status).toBe(401);
        },
      ),
      RUNS,
    );
    await s.app.line!.idle();
  }, 120_000);

  it('Slack endpoint: unsigned, stale or wrongly signed requests are refused and store nothing; signed garbage is never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        bodyText,
        fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain'),
        fc.constantFrom('none', 'wrong', 'stale', 'good'),
        async (body, contentType, how) => {
          const before = await settledRowCounts(s.app);
          const ts = Math.floor(Date.now() / 1000) - (how === 'stale' ? 3600 : 0);
          const secret = how === 'wrong' ? '00000000000000000000000000000000' : SLACK_SECRET;
          const sig = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
          const headers: Record<string, string> = {
            'content-type': contentType,
            ...(how === 'none' ? {} : { 'x-slack-signature': sig, 'x-slack-request-timestamp': String(ts) }),
          };
          const res = await post('/slack/events', body, headers);
          expect(res.status).toBeLessThan(500);
          if (how !== 'good') expect(res.status).toBe(401);
          if (res.status >= 400) expect(await rowCounts(s.app)).toEqual(before);
        },
      ),
      RUNS,
    );
    await s.app.slack!.idle();
  }, 120_000);

  it('local API: any path, identity, query and body is answered without a 5xx; refused requests store nothing', async () => {
    const segment = fc.oneof(
      fc.constantFrom('demo-staff', 'demo-response', 'dm:demo-teacher', 'nope', '..', '%2e%2e', ''),
      fc.string({ maxLength: 20 }),
    );
    const as = fc.oneof(fc.constantFrom('demo-teacher', 'demo-auditor', 'nobody', ''), personal, fc.string({ maxLength: 10 }));
    await fc.assert(
      fc.asyncProperty(
        segment,
        fc.constantFrom('messages', 'actions', 'forms'),
        as,
        fc.option(as),
        bodyText,
        fc.boolean(),
        async (conv, kind, who, second, body, asJson) => {
          const before = await settledRowCounts(s.app);
          const path = `/local/api/conversations/${encodeURIComponent(conv)}/${kind}`;
          const query = `?as=${encodeURIComponent(who)}${second !== null ? `&as=${encodeURIComponent(second)}` : ''}`;
          const got = await fetch(`${s.app.url}${path}${query}`);
          expect(got.status).toBeLessThan(500);
          const jsonBody = asJson
            ? JSON.stringify({
                as: who,
                text: body,
                action: body.slice(0, 200),
                formId: 'intake:x',
                values: { howLeaked: body.slice(0, 100) },
              })
            : body;
          const res = await post(path, jsonBody, { 'content-type': 'application/json' });
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) expect(await rowCounts(s.app)).toEqual(before);
        },
      ),
      RUNS,
    );
  }, 180_000);

  it('no log line holds a secret or the personal data sent; rejected webhooks are not logged one by one', () => {
    const all = s.logs.join('\n');
    for (const secret of SECRETS) expect(all).not.toContain(secret);
    for (const p of PERSONAL) expect(all).not.toContain(p);
    // A probe of 40 bad requests per endpoint: one line per reason per minute, not one per request.
    const lineWarns = s.logs.filter((l) => l.includes('LINE webhook rejected'));
    const slackWarns = s.logs.filter((l) => l.includes('Slack request rejected'));
    expect(lineWarns.length).toBeLessThanOrEqual(6);
    expect(slackWarns.length).toBeLessThanOrEqual(8);
    expect(s.logs.filter((l) => l.includes('"level":50'))).toEqual([]);
  });
});
