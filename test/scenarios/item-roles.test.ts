import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forms, texts } from '../helpers/local-client.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { reportThroughOffer, taipeiInput } from '../helpers/scenario.js';

/**
 * Who owns and who may tick which checklist item (scenario findings 5 and 20): the teacher who mis-sent a message is
 * not made the owner of notifying the parents or of analysing the cause; the auditor's review of the improvements is
 * ticked by the auditor only (legal-rules §6: the auditor is neither the 管理人 nor the executing unit).
 */

const HOUR = 3600_000;
const AUDITOR = 'demo-auditor';

describe('checklist owners and who may complete an item', () => {
  let t: TestApp;
  let incidentId = '';
  const prisma = () => t.app.db.prisma;
  const item = (key: string) => prisma().checklistItem.findFirstOrThrow({ where: { incidentId, key } });

  beforeAll(async () => {
    t = await startTestApp();
    await prisma().conversation.upsert({
      where: { id: `local-dm-${AUDITOR}` },
      update: {},
      create: {
        id: `local-dm-${AUDITOR}`,
        platform: 'local',
        externalId: `dm:${AUDITOR}`,
        kind: 'direct',
        purpose: 'direct',
        schoolId: 'demo-school',
      },
    });
    const now = new Date();
    const r = await reportThroughOffer(t.client, {
      phrase: '糟糕，我寄錯信了，把成績總表寄到家長群組',
      values: {
        scenario: 'misdirected-message',
        howLeaked: '成績總表誤寄到家長聯絡信箱群組',
        occurredAt: taipeiInput(new Date(now.getTime() - 3 * HOUR)),
        awareAt: taipeiInput(new Date(now.getTime() - HOUR)),
        place: '教務處',
        categories: ['name', 'grades'],
        affectedEstimate: '320',
        affectedKinds: ['students', 'guardians'],
        involvesSystem: 'false',
        stepsTaken: '已嘗試收回郵件',
      },
    });
    incidentId = (await prisma().incident.findFirstOrThrow({ where: { ref: r.ref } })).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the reporter owns the first steps only; notifying and the cause go to the institution', async () => {
    const reporter = (await prisma().incident.findUniqueOrThrow({ where: { id: incidentId } })).reporterId;
    const rows = await prisma().checklistItem.findMany({ where: { incidentId } });
    const mine = rows.filter((r) => r.ownerPersonId === reporter).map((r) => r.key);
    expect(mine).toContain('stop-leak');
    for (const key of ['notify-subjects', 'initial-cause', 'repair-plan', 'alert-other-units', 'improvement-plan']) {
      expect(mine, key).not.toContain(key);
    }
    expect((await item('notify-subjects')).ownerRole).toBe('contactWindow');
    expect((await item('initial-cause')).ownerRole).toBe('contactWindow');
    // Every item the reporter owns is one of the unit's first steps (contain, report to the window, assess).
    expect(rows.filter((r) => r.ownerPersonId === reporter).every((r) => ['contain', 'report', 'assess'].includes(r.phase))).toBe(true);
  });

  it('the contact window and the principal cannot tick the auditor review; the auditor can', async () => {
    const audit = await item('audit-review');
    for (const who of ['demo-window', 'demo-principal']) {
      for (const to of ['d', 'n']) {
        const r = await t.client.press(who, 'demo-response', `ck:${audit.id}:${to}`);
        expect(texts(r)).toEqual(['「稽核人員檢視改善情形」只能由稽核人員勾選（稽核人員不得為管理人或執行單位，以確保檢視的獨立性）。']);
      }
    }
    expect((await item('audit-review')).state).toBe('open');
    // Refused in the service too, whatever the way in (the console's item page calls the same step).
    const window = { personId: 'demo-window', schoolId: 'demo-school', displayName: '李組長（示範）', roles: ['staff', 'contactWindow'] };
    await expect(t.app.bot.incidents.setChecklistState(window, audit.id, 'done', '已檢視')).rejects.toThrow('只能由稽核人員勾選');
    const asked = await t.client.press(AUDITOR, `dm:${AUDITOR}`, `ck:${audit.id}:d`);
    expect(texts(asked).join('\n')).not.toContain('只能由');
    const form = forms(asked)[0];
    expect(form, 'the auditor is asked for the note').toBeTruthy();
    await t.client.submit(AUDITOR, `dm:${AUDITOR}`, form!.formId, { note: '已檢視改善措施的執行情形與佐證' });
    const done = await item('audit-review');
    expect(done.state).toBe('done');
    expect(done.doneById).toBe(AUDITOR);
  });
});
