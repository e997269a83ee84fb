import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPersonChange, ROSTER_IMPORT_ACTOR } from '../../src/core/people/history.js';
import { applyRoster, parseRoster } from '../../src/core/people/roster.js';
import { SignInLinks } from '../../src/web/console/links.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HACKED_SYSTEM_PHRASE, hackedSystemValues, reportThroughOffer, workIncidentAsWindow } from '../helpers/scenario.js';

const PEOPLE_ROSTER = `school:
  id: tp-console-jh
  name: 主控台測試國中
  kind: private
people:
  - name: 陳校長
    roles: [校長]
  - name: 李組長
    roles: [教職員, 個資聯絡窗口]
  - name: 王老師
    roles: [staff]
  - name: 林稽核
    roles: [稽核人員]
`;

/** Issue #18 points 6 and 4 over HTTP: the people and roles page, and the assessment editor. */
describe('the console: people and roles, and the assessment editor', () => {
  let t: TestApp;
  let ref = '';
  const ids: Record<string, string> = {};

  /** A session for a person, from a sign-in link as chat would give it. */
  async function session(personId: string): Promise<string> {
    const { token } = new SignInLinks(t.app.deps.cipher, () => new Date()).sign(personId);
    const res = await fetch(`${t.url}/console/sign-in/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    return res.headers.get('set-cookie')!.split(';')[0]!;
  }
  const get = (path: string, cookie: string) => fetch(`${t.url}${path}`, { headers: { cookie }, redirect: 'manual' });
  async function formOf(path: string, cookie: string) {
    const page = await get(path, cookie);
    expect(page.status).toBe(200);
    const csrf = page.headers
      .getSetCookie()
      .find((c) => c.startsWith('pdi-console-csrf='))!
      .split(';')[0]!;
    const html = await page.text();
    return { cookies: `${cookie}; ${csrf}`, token: /name="_csrf" value="([^"]+)"/.exec(html)![1]!, html };
  }
  const post = (path: string, form: { cookies: string; token: string }, fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams({ _csrf: form.token });
    for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) body.append(k, one);
    return fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { cookie: form.cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
      redirect: 'manual',
    });
  };
  /** A 303 to the people page followed with its result line. */
  async function followed(res: Response, form: { cookies: string }): Promise<string> {
    expect(res.status).toBe(303);
    const flash = res.headers
      .getSetCookie()
      .find((c) => c.startsWith('pdi-console-flash='))!
      .split(';')[0]!;
    return (await get(res.headers.get('location')!.split('#')[0]!, `${form.cookies}; ${flash}`)).text();
  }

  beforeAll(async () => {
    t = await startTestApp();
    const profiles = t.app.deps.clockRules.profiles.map((p) => ({ id: p.id, schoolKind: p.schoolKind }));
    await applyRoster(t.app.db, parseRoster('r.yaml', PEOPLE_ROSTER, profiles), { defaultClockProfile: 'private-school' });
    for (const p of await t.app.db.repos.people.inSchool('tp-console-jh')) ids[p.displayName] = p.id;
    ref = (await reportThroughOffer(t.client, { as: 'demo-it', phrase: HACKED_SYSTEM_PHRASE, values: hackedSystemValues(new Date()) })).ref;
    await workIncidentAsWindow(t.app, ref);
  });
  afterAll(async () => t?.close());

  it('staff are refused the page; the auditor reads it without forms', async () => {
    // Staff have no console at all: their sign-in is refused, and without a session the page is 401.
    const { token } = new SignInLinks(t.app.deps.cipher, () => new Date()).sign(ids.王老師!);
    const staff = await fetch(`${t.url}/console/sign-in/${token}`, { method: 'POST', body: '', redirect: 'manual' });
    expect(staff.status).toBe(403);
    expect((await fetch(`${t.url}/console/people`)).status).toBe(401);
    const auditor = await session(ids.林稽核!);
    const page = await formOf('/console/people', auditor);
    expect(page.html).toContain('唯讀檢視');
    expect(page.html).not.toContain('產生綁定碼');
    const denied = await post(`/console/people/${ids.王老師}/code`, page, {});
    expect(denied.status).toBe(303);
    expect(await followed(denied, page)).toContain('綁定碼與帳號綁定限');
  });

  it('the principal issues a binding code, changes a role, imports a roster with a preview, then confirms', async () => {
    const cookie = await session(ids.陳校長!);
    let page = await formOf('/console/people', cookie);
    expect(page.html).toContain('王老師');
    const code = await post(`/console/people/${ids.王老師}/code`, page, {});
    expect(code.status).toBe(200);
    const codeHtml = await code.text();
    const digits = /綁定 (\d{6})/.exec(codeHtml)![1]!;
    page = await formOf('/console/people', cookie);
    expect(page.html).toMatch(/王老師：.*前有效/);
    expect(page.html).not.toContain(digits);
    // On the 異動紀錄: issued by the principal, until when; then revoked from the page.
    expect(page.html).toMatch(/<td>王老師<\/td><td>產生綁定碼，中華民國[^<]*前有效<\/td><td>陳校長<\/td>/);
    const codeId = /action="\/console\/people\/codes\/([^/"]+)\/revoke"/.exec(page.html)![1]!;
    expect(await followed(await post(`/console/people/codes/${codeId}/revoke`, page, {}), page)).toMatch(
      /<td>王老師<\/td><td>作廢綁定碼（原 中華民國[^<]*前有效）<\/td><td>陳校長<\/td>/,
    );

    const roles = await post(`/console/people/${ids.王老師}/roles`, page, { roles: ['staff', 'it'] });
    expect(await followed(roles, page)).toContain('已將 王老師 的角色設為：教職員、資訊組');
    const last = await post(`/console/people/${ids.陳校長}/roles`, page, { roles: ['staff'] });
    expect(await followed(last, page)).toContain('學校至少要有一位管理人');

    const file = `${PEOPLE_ROSTER.replace('roles: [staff]', 'roles: [staff, 資料管理人]')}  - name: 張老師\n    roles: [老闆]\n`;
    const upload = async (text: string) => {
      const fd = new FormData();
      fd.append('_csrf', page.token);
      fd.append('roster', new Blob([text], { type: 'text/yaml' }), 'roster.yaml');
      return fetch(`${t.url}/console/people/import`, { method: 'POST', headers: { cookie: page.cookies }, body: fd });
    };
    const bad = await upload(file);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('第 5 位人員（張老師）的角色（roles）第 1 項：沒有「老闆」這個角色');
    // Several faults at once, each in zh-TW with its place, none in the check's English.
    const many = `${PEOPLE_ROSTER.replace('  kind: private', '  kind: 公營\n  contactEmail: privacy at school\n  fax: 1234')}  - name: 王老師\n    email: wang@\n    active: maybe\n    roles: [稽核人員, 管理人]\n`;
    const several = await upload(many);
    expect(several.status).toBe(400);
    const lines = [...(await several.text()).matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]!);
    expect(lines).toEqual([
      '學校的公私立別（kind）：沒有「公營」這種學校類別，請寫 public（公立）或 private（私立）',
      '學校的聯絡電子郵件（contactEmail）：不是電子郵件地址，例如 privacy@school.example.edu.tw',
      '學校：不認得的欄位：「fax」（請檢查拼字）',
      '第 5 位人員（王老師）的電子郵件（email）：不是電子郵件地址，例如 registry@school.example.edu.tw',
      '第 5 位人員（王老師）的是否在職（active）：只能是 true（是）或 false（否）',
    ]);
    // The file-wide rules (run once each entry is right): a name twice, the auditor as principal.
    const twice = await upload(`${PEOPLE_ROSTER}  - name: 王老師\n    roles: [稽核人員, 管理人]\n`);
    expect(twice.status).toBe(400);
    const lines2 = [...(await twice.text()).matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]!);
    expect(lines2).toEqual([
      '第 5 位人員（王老師）的姓名（name）：「王老師」出現兩次（另見第 3 位人員）；同一校姓名不可重複，請加上單位或註記',
      '第 5 位人員（王老師）的角色（roles）：稽核人員不得同時是管理人（私立學校個資安全維護計畫實施辦法第3條第3項）',
    ]);
    for (const line of [...lines, ...lines2]) expect(line).not.toMatch(/\b(must|unknown|Unrecognized|listed|cannot|required)\b/i);
    const good = await upload(file.replace('[老闆]', '[教職員]'));
    expect(good.status).toBe(200);
    const preview = await good.text();
    expect(preview).toContain('新增 1 人、變更 1 人');
    expect(preview).toMatch(/王老師<\/td><td><span class="badge warn">變更/);
    expect(await t.app.db.prisma.person.count({ where: { displayName: '張老師' } })).toBe(0);
    const fields = Object.fromEntries(
      [...preview.matchAll(/name="(roster|digest|deactivateMissing)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    const confirmed = await post('/console/people/import/confirm', page, fields);
    const after2 = await followed(confirmed, page);
    expect(after2).toContain('已匯入名冊：新增 1 人、變更 1 人');
    expect(after2).toContain('角色：教職員、資訊組 → 教職員、資料管理人');
    expect(await t.app.db.prisma.person.count({ where: { displayName: '張老師' } })).toBe(1);
    // The same confirmation again: nothing to do any more, refused with the new preview.
    const again = await post('/console/people/import/confirm', page, fields);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('請重新預覽');
    // Without the CSRF token, refused.
    const forged = await post(`/console/people/${ids.王老師}/active`, { ...page, token: 'x' }, { active: 'false' });
    expect(forged.status).toBe(403);
  });

  it('the contact window edits the assessment; the timeline has it; a stale form is refused with 409', async () => {
    const cookie = await session('demo-window');
    const incident = await t.app.db.prisma.incident.findFirstOrThrow({ where: { ref } });
    const page = await formOf(`/console/incidents/${ref}`, cookie);
    expect(page.html).toContain(`/console/incidents/${ref}/assessment`);
    const form = await formOf(`/console/incidents/${ref}/assessment`, cookie);
    const version = /name="version" value="(\d+)"/.exec(form.html)![1]!;
    const fields = {
      version,
      categories: ['name', 'grades'],
      studentsCount: '31',
      guardiansCount: '',
      staffCount: '',
      othersCount: '',
      minorsCount: '29',
      involvesSystem: 'true',
      systemRecordsHeld: '1200',
      occurredAt: '',
      correctionReason: '',
    };
    const saved = await post(`/console/incidents/${ref}/assessment`, form, fields);
    expect(saved.status).toBe(303);
    const row = await t.app.db.prisma.incident.findUniqueOrThrow({ where: { id: incident.id } });
    expect([row.studentsCount, row.minorsCount, row.systemRecordsHeld]).toEqual([31, 29, 1200]);
    const entry = await t.app.db.prisma.timelineEntry.findFirstOrThrow({
      where: { incidentId: incident.id, type: 'assessment.recorded' },
      orderBy: { seq: 'desc' },
    });
    expect(entry.summary).toContain('李組長（示範） 更新影響評估：2 類個資，共 31 人');
    const shown = await (await get(`/console/incidents/${ref}`, cookie)).text();
    expect(shown).toContain('李組長（示範） 更新影響評估');
    // The same form again, opened on the version before that save.
    const stale = await post(`/console/incidents/${ref}/assessment`, form, { ...fields, studentsCount: '40' });
    expect(stale.status).toBe(409);
    const html = await stale.text();
    expect(html).toContain('已有人更新');
    expect(html).toContain('value="40"');
    expect((await t.app.db.prisma.incident.findUniqueOrThrow({ where: { id: incident.id } })).studentsCount).toBe(31);
    // Staff cannot open it; the auditor may read the incident but not edit.
    const auditor = await session('demo-auditor');
    expect((await get(`/console/incidents/${ref}/assessment`, auditor)).status).toBe(403);
  });

  it('a large school: 50 people a page with 上一頁／下一頁, a search by name or unit, the record paged too', async () => {
    const school = 'tp-console-jh';
    for (let i = 0; i < 120; i += 1) {
      const id = `many-${i}`;
      await t.app.db.repos.people.create({
        id,
        schoolId: school,
        displayName: `教師${String(i).padStart(3, '0')}`,
        unit: `第${i % 12}班`,
        email: null,
        roles: ['staff'],
        active: true,
      });
      await recordPersonChange(t.app.db.repos, {
        schoolId: school,
        personId: id,
        actorPersonId: null,
        actorLabel: ROSTER_IMPORT_ACTOR,
        changes: { roles: { from: null, to: ['staff'] }, active: { from: null, to: true } },
      });
    }
    const total = await t.app.db.prisma.person.count({ where: { schoolId: school } });
    expect(total).toBeGreaterThanOrEqual(124);
    const cards = (html: string) => [...html.matchAll(/<li class="card[^"]*" id="person-([^"]+)"/g)].map((m) => m[1]!);
    const principal = await session(ids.陳校長!);
    const first = await (await get('/console/people', principal)).text();
    expect(cards(first)).toHaveLength(50);
    expect(first).toContain(`第 1–50 人，共 ${total} 人`);
    expect(first).toContain('<label for="people-q">姓名或單位</label>');
    expect(first).toContain('<a href="/console/people?page=2#roster" rel="next">下一頁</a>');
    expect(first).not.toContain('rel="prev">上一頁</a>');
    const second = await (await get('/console/people?page=2', principal)).text();
    expect(cards(second)).toHaveLength(50);
    expect(second).toContain('<a href="/console/people#roster" rel="prev">上一頁</a>');
    expect(second).toContain('<a href="/console/people?page=3#roster" rel="next">下一頁</a>');
    const last = await (await get('/console/people?page=3', principal)).text();
    expect(cards(last)).toHaveLength(total - 100);
    expect(last).not.toContain('rel="next">下一頁</a>');
    // Every person on exactly one page.
    expect(new Set([...cards(first), ...cards(second), ...cards(last)]).size).toBe(total);
    // A search by name finds the one; by unit, the ten of that class; the search is kept on the pages' links and forms.
    const byName = await (await get(`/console/people?q=${encodeURIComponent('教師042')}`, principal)).text();
    expect(cards(byName)).toEqual(['many-42']);
    expect(byName).toContain('value="教師042"');
    expect(byName).toContain('「教師042」：第 1–1 人，共 1 人');
    const byUnit = await (await get(`/console/people?q=${encodeURIComponent('第11班')}`, principal)).text();
    expect(cards(byUnit)).toHaveLength(10);
    expect(await (await get(`/console/people?q=${encodeURIComponent('沒有這個人')}`, principal)).text()).toContain(
      '沒有姓名或單位符合的人員',
    );
    // A step taken on page 2 comes back to page 2.
    const page2 = await formOf('/console/people?page=2', principal);
    const someone = cards(page2.html).find((id) => id.startsWith('many-'))!;
    expect(page2.html).toContain(`action="/console/people/${someone}/roles?page=2"`);
    const moved = await post(`/console/people/${someone}/roles?page=2`, page2, { roles: ['staff', 'it'] });
    expect(moved.status).toBe(303);
    expect(moved.headers.get('location')).toBe(`/console/people?page=2#person-${someone}`);
    // The record of changes: 50 entries a page, the older ones behind 下一頁（較舊）.
    const rows = (html: string) => (html.split('id="history"')[1]!.match(/<tr><td>/g) ?? []).length;
    expect(rows(first)).toBe(50);
    expect(first).toContain('<a href="/console/people?hpage=2#history" rel="next">下一頁（較舊）</a>');
    const older = await (await get('/console/people?hpage=2', principal)).text();
    expect(rows(older)).toBeGreaterThan(0);
    expect(older).toContain('<a href="/console/people#history" rel="prev">上一頁（較新）</a>');
  });
});
