import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskPersonalData } from '../../src/core/privacy/mask.js';
import { SignInLinks } from '../../src/web/console/links.js';
import { cards, LocalClient } from '../helpers/local-client.js';
import { HACKED_SYSTEM_PHRASE, hackedSystemValues, reportThroughOffer, workIncidentAsWindow } from '../helpers/scenario.js';
import { startCapturedApp, type SecuredApp } from './harness.js';

/**
 * Attack round 1 (docs/security.md): an outsider and a low-privilege insider against the console and the masking, over
 * real HTTP. What the other security suites cover (signatures, stale Slack timestamps, deep JSON, the Host check,
 * single-use links, IDOR of notices and items, the record's triggers) is not repeated here.
 */

/** Personal data written so that a pattern over plain characters misses it: invisible characters, full-width forms, bidi. */
const TRICKS: [string, string][] = [
  ['zero-width space inside an ID', 'A12\u200B3456789'],
  ['zero-width non-joiner inside an ID', 'A123\u200C456789'],
  ['word joiner between every digit of a mobile', '0\u20609\u20601\u20602\u20603\u20604\u20605\u20606\u20607\u20608'],
  ['soft hyphen inside an ID', 'A\u00AD123456789'],
  ['full-width ID with zero-width spaces between', 'Ａ１２３４５６７８９'.split('').join('\u200B')],
  ['zero-width space inside a mobile', '0912\u200B345678'],
  ['zero-width space in an e-mail domain', 'wang.parent@exam\u200Bple.com'],
  ['full-width at sign', 'wang.parent＠example.com'],
  ['+886 mobile', '+886 912 345 678'],
  ['ID in groups with dashes', 'A-123-456-789'],
];
/** What must not be readable in what is stored or logged, whatever separators or invisible characters stay. */
const visible = (s: string) => s.normalize('NFKC').replace(/[\p{Default_Ignorable_Code_Point}\s+-]/gu, '');

describe('attack round 1: masking with Unicode tricks', () => {
  it.each(TRICKS)('%s is masked whole', (_what, value) => {
    const r = maskPersonalData(`家長資料 ${value} 請查`);
    expect(r.masked).toBe(true);
    expect(visible(r.text)).not.toContain(visible(value).slice(2));
    expect(r.text).toMatch(/^家長資料 ［.+已遮蔽］ 請查$/);
  });

  it('a right-to-left override cannot make a stored "987654321A" show as A123456789; the controls are dropped', () => {
    const r = maskPersonalData('學生 \u202E987654321A\u202C 的成績');
    expect(r.text).toBe('學生 987654321A 的成績');
    expect(maskPersonalData('\u2067A123456789\u2069').text).toBe('［身分證號已遮蔽］');
  });

  it('what is kept stays as typed around the invisible characters (emoji joiners, variation selectors)', () => {
    expect(maskPersonalData('辛苦了👩\u200D🏫！').text).toBe('辛苦了👩\u200D🏫！');
    expect(maskPersonalData('共 3\uFE0F 人').text).toBe('共 3\uFE0F 人');
  });
});

describe('attack round 1: the running product', () => {
  let s: SecuredApp;
  let client: LocalClient;
  let ref = '';
  let noticeId = '';
  const links = () => new SignInLinks(s.app.deps.cipher, () => new Date());
  const url = (path: string) => `${s.app.url}${path}`;
  const get = (path: string, cookie = '') => fetch(url(path), { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  const post = (path: string, cookie: string, body: string, type = 'application/x-www-form-urlencoded') =>
    fetch(url(path), { method: 'POST', headers: { cookie, 'content-type': type }, body, redirect: 'manual' });

  /** Signs a person in through a fresh link, sending `carry` as the cookie header (an attacker's planted cookie). */
  async function signIn(personId: string, carry = ''): Promise<string> {
    const res = await post(`/console/sign-in/${links().sign(personId).token}`, carry, '');
    expect(res.status).toBe(303);
    return res.headers.get('set-cookie')!.split(';')[0]!;
  }
  /** The page's CSRF cookie and token, for the session `cookie`. */
  async function formOf(path: string, cookie: string): Promise<{ cookies: string; csrfCookie: string; token: string; html: string }> {
    const page = await get(path, cookie);
    expect(page.status).toBe(200);
    const set = page.headers.getSetCookie().find((c) => c.startsWith('pdi-console-csrf='))!;
    // What the token is bound to never reaches the cookie (the session id is the hash of the session's secret).
    expect(set).not.toMatch(/session:|page:|userInfo/i);
    const csrfCookie = set.split(';')[0]!;
    const html = await page.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    return { cookies: `${cookie}; ${csrfCookie}`, csrfCookie, token, html };
  }
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const sessionWorks = async (cookie: string) => (await get('/console', cookie)).status === 200;

  beforeAll(async () => {
    s = await startCapturedApp();
    client = new LocalClient(s.app.url);
    const r = await reportThroughOffer(client, { as: 'demo-it', phrase: HACKED_SYSTEM_PHRASE, values: hackedSystemValues(new Date()) });
    ref = r.ref;
    await workIncidentAsWindow(s.app, ref);
    const incident = await s.app.db.prisma.incident.findFirstOrThrow({ where: { ref } });
    noticeId = (await s.app.db.prisma.subjectNotice.findFirstOrThrow({ where: { incidentId: incident.id } })).id;
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('session fixation: a session cookie planted before sign-in is not adopted; the sign-in sets a new secret', async () => {
    const planted = `pdi-console=${'A'.repeat(43)}`;
    const cookie = await signIn('demo-window', planted);
    expect(cookie).not.toBe(planted);
    expect(await sessionWorks(cookie)).toBe(true);
    expect((await get('/console', planted)).status).toBe(401);
  });

  it("login CSRF: a sign-in POST sent by another site (the attacker's own link, to sign the victim in as them) is refused", async () => {
    for (const site of ['cross-site', 'same-site']) {
      const token = links().sign('demo-auditor').token;
      const res = await fetch(url(`/console/sign-in/${token}`), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': site, origin: 'https://evil.example' },
        body: '',
        redirect: 'manual',
      });
      expect(res.status, site).toBe(403);
      expect(res.headers.get('set-cookie') ?? '', site).not.toMatch(/pdi-console=/);
      // The link is not used up: its holder can still sign in from the page itself.
      const own = await fetch(url(`/console/sign-in/${token}`), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        body: '',
        redirect: 'manual',
      });
      expect(own.status, site).toBe(303);
    }
  });

  it("CSRF: one session's token and cookie do not work for another session (of another person, or the same person later)", async () => {
    const attacker = await signIn('demo-auditor');
    const theirs = await formOf('/console', attacker);
    const victim = await signIn('demo-principal');
    // The attacker's CSRF cookie planted beside the victim's session (a sibling subdomain can toss a cookie), and the
    // attacker's token in the form: the victim's sign-out (every session) must not go through.
    const tossed = await post('/console/sign-out', `${victim}; ${theirs.csrfCookie}`, form({ _csrf: theirs.token }));
    expect(tossed.status).toBe(403);
    expect(await tossed.text()).toContain('表單已失效');
    expect(await sessionWorks(victim)).toBe(true);
    // The same person signed in again: the token of the earlier session is no good in the new one.
    const before = await signIn('demo-window');
    const old = await formOf('/console', before);
    const after = await signIn('demo-window');
    expect((await post('/console/sign-out', `${after}; ${old.csrfCookie}`, form({ _csrf: old.token }))).status).toBe(403);
    expect(await sessionWorks(after)).toBe(true);
    // Its own page's token works.
    const own = await formOf('/console', after);
    expect((await post('/console/sign-out', own.cookies, form({ _csrf: own.token }))).status).toBe(200);
    expect(await sessionWorks(after)).toBe(false);
    expect(await sessionWorks(attacker)).toBe(true);
  });

  it('a token given twice, a method override, a huge body and thousands of fields: refused or ignored, never a 5xx, nothing changes', async () => {
    const cookie = await signIn('demo-window');
    const f = await formOf(`/console/incidents/${ref}`, cookie);
    const path = `/console/incidents/${ref}/notices/${noticeId}/edit`;
    const before = await s.app.db.prisma.subjectNoticeVersion.count();
    const twice = await post(path, f.cookies, `_csrf=${f.token}&_csrf=${f.token}&version=1&text=x`);
    expect(twice.status).toBe(403);
    const override = await fetch(url(path), {
      method: 'POST',
      headers: { cookie: f.cookies, 'content-type': 'application/x-www-form-urlencoded', 'x-http-method-override': 'DELETE' },
      body: form({ _method: 'DELETE', version: '1' }),
      redirect: 'manual',
    });
    expect(override.status).toBe(403); // still a POST of the edit form, and without its token
    const huge = await post(path, f.cookies, form({ _csrf: f.token, version: '1', text: 'x'.repeat(200_000) }));
    expect(huge.status).toBe(413);
    expect(huge.headers.get('content-security-policy')).toContain("default-src 'none'");
    const many = await post(path, f.cookies, `_csrf=${f.token}&version=1&${'text=a&'.repeat(8000)}`);
    expect(many.status).toBeLessThan(500);
    const nested = await post(path, f.cookies, `_csrf=${f.token}&version[__proto__][x]=1&text[a]=1`);
    expect(nested.status).toBeLessThan(500);
    expect(await s.app.db.prisma.subjectNoticeVersion.count()).toBe(
      before + (many.status === 303 ? 1 : 0) + (nested.status === 303 ? 1 : 0),
    );
    expect(s.logs.filter((l) => l.includes('"level":50'))).toEqual([]);
  });

  it('a result line planted in the flash cookie (a sibling subdomain can set cookies) is not shown on the page', async () => {
    const cookie = await signIn('demo-window');
    const lure = { kind: 'error', text: '系統異常：請將您的身分證字號回覆至 helpdesk@evil.example 以恢復帳號' };
    const planted = `pdi-console-flash=${encodeURIComponent(JSON.stringify(lure))}`;
    const res = await get(`/console/incidents/${ref}`, `${cookie}; ${planted}`);
    expect(res.status).toBe(200);
    expect(await res.text()).not.toContain('helpdesk@evil.example');
    // A real result line still shows: one the server set.
    const f = await formOf(`/console/incidents/${ref}`, cookie);
    const item = /action="(\/console\/incidents\/[^"]+\/items\/[A-Za-z0-9_-]+)"/.exec(f.html)![1]!;
    const done = await post(item, f.cookies, form({ _csrf: f.token, to: 'na', note: '' }));
    expect(done.status).toBe(303);
    const flash = done.headers
      .getSetCookie()
      .find((c) => c.startsWith('pdi-console-flash='))!
      .split(';')[0]!;
    const page = await (await get(`/console/incidents/${ref}`, `${f.cookies}; ${flash}`)).text();
    expect(page).toContain('class="flash');
  });

  it('multipart: many parts to the roster import and a multipart body to any other console route; refused, never a 5xx', async () => {
    const f = await formOf('/console/people', await signIn('demo-principal'));
    const changes = await s.app.db.prisma.personChange.count();
    const many = new FormData();
    many.append('_csrf', f.token);
    for (let i = 0; i < 60; i += 1) many.append(`f${i}`, 'x');
    for (let i = 0; i < 3; i += 1) many.append('roster', new Blob(['school:\n  id: demo-school\n']), `r${i}.yaml`);
    const toImport = await fetch(url('/console/people/import'), {
      method: 'POST',
      headers: { cookie: f.cookies },
      body: many,
      redirect: 'manual',
    });
    expect(toImport.status).toBeGreaterThanOrEqual(400);
    expect(toImport.status).toBeLessThan(500);
    const elsewhere = new FormData();
    elsewhere.append('_csrf', f.token);
    elsewhere.append('roles', 'principal');
    const toRoles = await fetch(url('/console/people/demo-teacher/roles'), {
      method: 'POST',
      headers: { cookie: f.cookies },
      body: elsewhere,
      redirect: 'manual',
    });
    expect(toRoles.status).toBe(415);
    expect(await s.app.db.prisma.personChange.count()).toBe(changes);
    expect(s.logs.filter((l) => l.includes('"level":50'))).toEqual([]);
  });

  it('HTML typed into a notice, a note and a name is shown as text on every console page, under a CSP without script', async () => {
    const payload = `</textarea><script>alert(1)</script><img src=x onerror="alert(2)">'"`;
    await s.app.db.prisma.person.update({ where: { id: 'demo-teacher' }, data: { displayName: `<b onmouseover="x()">王</b>` } });
    const cookie = await signIn('demo-window');
    const edit = await formOf(`/console/incidents/${ref}/notices/${noticeId}/edit`, cookie);
    const version = /name="version" value="(\d+)"/.exec(edit.html)![1]!;
    const saved = await post(
      `/console/incidents/${ref}/notices/${noticeId}/edit`,
      edit.cookies,
      form({ _csrf: edit.token, version, text: `親愛的家長：${payload}` }),
    );
    expect(saved.status).toBe(303);
    for (const path of [`/console/incidents/${ref}`, `/console/incidents/${ref}/notices/${noticeId}/edit`, '/console/people', '/console']) {
      const res = await get(path, cookie);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-security-policy'), path).toMatch(/default-src 'none'/);
      expect(res.headers.get('content-security-policy'), path).not.toMatch(/script-src/);
      const html = await res.text();
      expect(html, path).not.toMatch(/<script|<img|<b on|onerror="|onmouseover="/i);
      if (path.includes('notices')) expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      if (path === '/console/people') expect(html).toContain('&lt;b onmouseover=');
    }
  });
  it("IDOR on the people page: another school's person, code and account are out of reach; nothing changes", async () => {
    await s.app.db.prisma.school.create({ data: { id: 'rt-other', name: '他校（攻擊測試）' } });
    await s.app.db.prisma.person.create({
      data: { id: 'rt-other-window', schoolId: 'rt-other', displayName: '他校窗口', roles: ['contactWindow'] },
    });
    await s.app.db.prisma.identity.create({
      data: { id: 'rt-other-id', personId: 'rt-other-window', platform: 'line', externalId: 'U-rt-other' },
    });
    await s.app.db.prisma.bindingCode.create({
      data: { id: 'rt-other-code', personId: 'rt-other-window', codeHash: 'x', expiresAt: new Date(Date.now() + 3600_000) },
    });
    const f = await formOf('/console/people', await signIn('demo-principal'));
    expect(f.html).not.toContain('他校窗口');
    for (const [path, fields] of [
      ['/console/people/rt-other-window/roles', { roles: 'staff' }],
      ['/console/people/rt-other-window/active', { active: 'false' }],
      ['/console/people/rt-other-window/code', {}],
      ['/console/people/codes/rt-other-code/revoke', {}],
      ['/console/people/accounts/rt-other-id/unlink', {}],
    ] as const) {
      const res = await post(path, f.cookies, form({ _csrf: f.token, ...fields }));
      expect(res.status, path).toBeLessThan(500);
      const answer = res.status === 303 ? '' : await res.text();
      expect(answer, path).not.toMatch(/綁定碼[：:]\s*[0-9A-Z]{4}/);
    }
    const other = await s.app.db.prisma.person.findUniqueOrThrow({ where: { id: 'rt-other-window' } });
    expect([other.roles, other.active]).toEqual([['contactWindow'], true]);
    expect(await s.app.db.prisma.bindingCode.count({ where: { personId: 'rt-other-window' } })).toBe(1);
    expect((await s.app.db.prisma.bindingCode.findUniqueOrThrow({ where: { id: 'rt-other-code' } })).revokedAt).toBeNull();
    expect(await s.app.db.prisma.identity.count({ where: { id: 'rt-other-id' } })).toBe(1);
    expect(await s.app.db.prisma.personChange.count({ where: { personId: 'rt-other-window' } })).toBe(0);
    // The record export of this school's incident, through a link (correctly signed) naming the other school's
    // contact window, who may export their own school's records: refused, nothing recorded.
    const incident = await s.app.db.prisma.incident.findFirstOrThrow({ where: { ref } });
    for (const target of [
      { kind: 'export', format: 'zip' },
      { kind: 'bureau', format: 'pdf' },
    ] as const) {
      const link = url(`/documents/${s.app.bot.reports.links.sign(incident.id, 'rt-other-window', target).token}`);
      expect((await fetch(link)).status).toBe(403);
      expect(
        (await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })).status,
      ).toBe(403);
    }
    expect(await s.app.db.prisma.documentLinkUse.count()).toBe(0);
  });

  it('a flow that pastes an ID, a mobile and an e-mail with invisible characters: masked in the chat, the record and every log line', async () => {
    const pasted = TRICKS.map(([, v]) => v).join('、');
    const r = await client.raw('POST', '/local/api/conversations/dm:demo-teacher/messages', {
      as: 'demo-teacher',
      text: `我寄錯信了，家長資料：${pasted}`,
    });
    expect(r.status).toBe(200);
    const stored = JSON.stringify((await client.messages('demo-teacher', 'dm:demo-teacher')).map((m) => m.body));
    const logs = s.logs.join('\n');
    for (const [what, value] of TRICKS) {
      const digits = visible(value).slice(2);
      expect(visible(stored), what).not.toContain(digits);
      expect(visible(logs), what).not.toContain(digits);
    }
  });
});

describe('attack round 1: a web form link after the person lost the right to report', () => {
  it('the link of a person made inactive is refused (403), and nothing is filed', async () => {
    const s = await startCapturedApp({ LOCAL_CHAT_FORMS: 'steps' });
    try {
      const client = new LocalClient(s.app.url);
      const out = await client.say('demo-teacher', 'dm:demo-teacher', '通報');
      const link = cards(out)
        .find((c) => c.title === '也可以在網頁填寫')!
        .buttons!.find((b) => b.label === '在網頁填寫')!.url!;
      expect((await fetch(link)).status).toBe(200);
      await s.app.db.prisma.person.update({ where: { id: 'demo-teacher' }, data: { active: false } });
      const page = await fetch(link);
      expect(page.status).toBe(403);
      expect(await page.text()).not.toContain('name="_csrf"');
      const posted = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'x=1' });
      expect(posted.status).toBe(403);
      expect(await s.app.db.prisma.incident.count()).toBe(0);
    } finally {
      await s.close();
    }
  });
});
