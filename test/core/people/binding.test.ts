import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODE_SEEN_ACTOR, personHistory } from '../../../src/core/people/history.js';
import { createLogger } from '../../../src/app/logger.js';
import { seedDemo } from '../../../src/app/demo.js';
import { BINDING_CODE_TTL_MS, BindingService, hashBindingCode, parseBindingCommand } from '../../../src/core/people/binding.js';
import type { Actor } from '../../../src/core/roles.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

const actor = (personId: string, roles: string[]): Actor => ({ personId, schoolId: 'demo-school', displayName: personId, roles });
const window = actor('demo-window', ['staff', 'contactWindow']);

describe('binding commands', () => {
  it('parses the zh-TW commands (full-width digits and spaces too) and ignores everything else', () => {
    expect(parseBindingCommand('綁定 123456')).toEqual({ kind: 'redeem', code: '123456' });
    expect(parseBindingCommand('綁定１２３４５６')).toEqual({ kind: 'redeem', code: '123456' });
    expect(parseBindingCommand('@小幫手 綁定群組 應變小組')).toEqual({ kind: 'bindGroup', purpose: 'response' });
    expect(parseBindingCommand('綁定群組 教職員群組')).toEqual({ kind: 'bindGroup', purpose: 'staff' });
    expect(parseBindingCommand('產生綁定碼 王老師')).toEqual({ kind: 'issue', who: '王老師' });
    expect(parseBindingCommand('解除綁定群組')).toEqual({ kind: 'unbindGroup' });
    expect(parseBindingCommand('綁定 12345')).toBeNull();
    expect(parseBindingCommand('我把綁定的名單寄錯了')).toBeNull();
  });
});

describe('binding codes', () => {
  let tdb: TestDatabase;
  let now = new Date('2026-11-20T02:00:00Z');
  let svc: BindingService;
  const user = (id: string) => ({ platform: 'line', externalId: id });

  beforeAll(async () => {
    tdb = await createTestDatabase();
    await seedDemo(tdb.db);
    svc = new BindingService({ repos: tdb.db.repos, log: createLogger({ level: 'silent' }), now: () => now });
  });
  afterAll(async () => {
    await tdb?.destroy();
  });

  it('only the principal or the contact window can issue, and only the hash is stored', async () => {
    await expect(svc.issueCode(actor('demo-teacher', ['staff']), '王老師')).rejects.toThrow(/只有校長/);
    const { code, person, expiresAt } = await svc.issueCode(window, '王老師');
    expect(code).toMatch(/^\d{6}$/);
    expect(person.id).toBe('demo-teacher');
    expect(expiresAt.getTime() - now.getTime()).toBe(BINDING_CODE_TTL_MS);
    const rows = await tdb.db.prisma.bindingCode.findMany({ where: { personId: 'demo-teacher' } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.codeHash).toBe(hashBindingCode(code));
    expect(JSON.stringify(rows)).not.toContain(code);
  });

  it('a code links the account once; a second use, an expired code and an earlier code are refused', async () => {
    const first = await svc.issueCode(window, '王老師');
    const second = await svc.issueCode(window, 'demo-teacher'); // a new code replaces the unused one
    await expect(svc.redeem(user('U-first'), first.code)).rejects.toThrow(/不正確或已使用/);
    const r = await svc.redeem(user('U-teacher'), second.code);
    expect(r.person.id).toBe('demo-teacher');
    const identity = await tdb.db.prisma.identity.findUniqueOrThrow({
      where: { platform_externalId: { platform: 'line', externalId: 'U-teacher' } },
    });
    expect(identity.personId).toBe('demo-teacher');
    await expect(svc.redeem(user('U-someone'), second.code)).rejects.toThrow(/不正確或已使用/);

    const late = await svc.issueCode(window, '林老師');
    now = new Date(now.getTime() + BINDING_CODE_TTL_MS + 1000);
    await expect(svc.redeem(user('U-it'), late.code)).rejects.toThrow(/過期/);
    expect(await tdb.db.prisma.identity.count({ where: { externalId: 'U-it' } })).toBe(0);
  });

  it('a new account replaces the person’s earlier account on the same platform; an account linked to someone else is kept', async () => {
    const c = await svc.issueCode(window, '王老師');
    await svc.redeem(user('U-teacher-new-phone'), c.code);
    const ids = await tdb.db.prisma.identity.findMany({ where: { personId: 'demo-teacher', platform: 'line' } });
    expect(ids.map((i) => i.externalId)).toEqual(['U-teacher-new-phone']);
    const other = await svc.issueCode(window, '黃主任');
    await expect(svc.redeem(user('U-teacher-new-phone'), other.code)).rejects.toThrow(/已綁定為 王老師/);
  });

  it('stops guessing after five wrong codes in an hour', async () => {
    const good = await svc.issueCode(window, '張主任');
    for (let i = 0; i < 5; i += 1) await expect(svc.redeem(user('U-guesser'), String(100000 + i))).rejects.toThrow(/不正確/);
    await expect(svc.redeem(user('U-guesser'), good.code)).rejects.toThrow(/嘗試次數過多/);
    now = new Date(now.getTime() + 3600_000 + 1000);
    await expect(svc.redeem(user('U-guesser'), good.code)).resolves.toMatchObject({ person: { id: 'demo-auditor' } });
  });

  it('a code typed in a group is revoked; names must be unambiguous', async () => {
    const c = await svc.issueCode(window, '王老師');
    const group = await tdb.db.prisma.conversation.findFirstOrThrow({ where: { kind: 'group' } });
    const said = await svc.command({ kind: 'redeem', code: c.code }, { conversation: group, actor: null, user: user('U-x') });
    expect(said).toContain('已作廢');
    await expect(svc.redeem(user('U-x'), c.code)).rejects.toThrow(/不正確/);
    // On 王老師's record: issued by the contact window, then revoked by the bot; never the code.
    const [revoked, issued] = await personHistory(tdb.db.repos, 'demo-school', 2);
    expect(issued).toMatchObject({
      personId: 'demo-teacher',
      actorLabel: window.displayName,
      changes: { bindingCode: { to: c.expiresAt.toISOString() } },
    });
    expect(revoked).toMatchObject({
      personId: 'demo-teacher',
      actorLabel: CODE_SEEN_ACTOR,
      changes: { bindingCode: { from: c.expiresAt.toISOString(), to: null } },
    });
    expect(JSON.stringify(await tdb.db.prisma.personChange.findMany())).not.toContain(c.code);
    await expect(svc.issueCode(window, '老師')).rejects.toThrow(/好幾位/);
    await expect(svc.issueCode(window, '不存在的人')).rejects.toThrow(/找不到/);
  });

  it('being removed from a group closes its questions; being added again starts unbound', async () => {
    const addr = { platform: 'line', externalId: 'C-left', kind: 'group' as const };
    await svc.joined(addr);
    const conv = await tdb.db.prisma.conversation.update({
      where: { platform_externalId: { platform: 'line', externalId: 'C-left' } },
      data: { schoolId: 'demo-school', purpose: 'response' },
    });
    await tdb.db.prisma.pendingPrompt.create({
      data: {
        id: 'p-left',
        conversationId: conv.id,
        personId: 'demo-window',
        kind: 'item',
        stateEnc: 'x',
        expiresAt: new Date(now.getTime() + 3600_000),
      },
    });
    await svc.left(addr);
    const after = await tdb.db.prisma.conversation.findUniqueOrThrow({ where: { id: conv.id } });
    expect(after.purpose).toBe('left');
    expect((await tdb.db.prisma.pendingPrompt.findUniqueOrThrow({ where: { id: 'p-left' } })).status).toBe('cancelled');
    await svc.joined(addr);
    const again = await tdb.db.prisma.conversation.findUniqueOrThrow({ where: { id: conv.id } });
    expect([again.purpose, again.schoolId]).toEqual(['staff', null]);
  });
});
