import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EncryptedColumnRef, RepositoryHub } from '../../src/ports/repositories/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { at } from '../helpers/jobs.js';

const PROMPT_STATE: EncryptedColumnRef = { table: 'pending_prompt', column: 'state_enc', key: ['id'] };

/** The key commands' repository (src/storage/repositories/keys.ts) on the run's engine, on values it does not decrypt. */
describe('key rotation repository', () => {
  let tdb: TestDatabase;
  let repos: RepositoryHub;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    repos = tdb.db.repos;
    for (const [id, key] of [
      ['p1', 'k1'],
      ['p2', 'k2'],
      ['p3', 'k1'],
      ['p4', 'k1'],
      ['p5', 'k2'],
    ] as const) {
      await repos.prompts.open({
        id,
        conversationId: `conv-${id}`,
        personId: 'someone',
        kind: 'intake',
        stateEnc: `enc:v1:${key}:value-${id}`,
        expiresAt: at('2026-11-06 10:00'),
      });
    }
  });
  afterAll(async () => tdb.destroy());

  it('reads a column in key order, page by page, and the values not under a key', async () => {
    const first = await repos.keyRotation.values(PROMPT_STATE, null, 2);
    expect(first.map((r) => r.id)).toEqual(['p1', 'p2']);
    expect(first[0]).toEqual({ id: 'p1', state_enc: 'enc:v1:k1:value-p1' });
    const next = await repos.keyRotation.values(PROMPT_STATE, ['p2'], 2);
    expect(next.map((r) => r.id)).toEqual(['p3', 'p4']);
    expect((await repos.keyRotation.values(PROMPT_STATE, ['p5'], 2)).length).toBe(0);
    expect((await repos.keyRotation.valuesNotUnder(PROMPT_STATE, 'k2', 10)).map((r) => r.id)).toEqual(['p1', 'p3', 'p4']);
    expect(await repos.keyRotation.countByKey(PROMPT_STATE)).toEqual([
      { keyId: 'k1', count: 3 },
      { keyId: 'k2', count: 2 },
    ]);
  });

  it('writes a value back only if the row still holds the value read', async () => {
    const rows = await repos.keyRotation.valuesNotUnder(PROMPT_STATE, 'k2', 2);
    await repos.prompts.save('p3', 'enc:v1:k1:changed-meanwhile', null);
    const written = await repos.keyRotation.rewrite(
      PROMPT_STATE,
      rows.map((row) => ({ row, old: String(row.state_enc), next: `enc:v1:k2:again-${String(row.id)}` })),
    );
    expect(rows.map((r) => r.id)).toEqual(['p1', 'p3']);
    expect(written).toBe(1);
    expect((await repos.prompts.find('p1'))?.stateEnc).toBe('enc:v1:k2:again-p1');
    expect((await repos.prompts.find('p3'))?.stateEnc).toBe('enc:v1:k1:changed-meanwhile');
  });

  it('key checks: listed oldest first, the active ones other than the current, retired', async () => {
    await tdb.db.prisma.encryptionKeyCheck.createMany({
      data: [
        { keyId: 'k1', checkValue: 'c1', createdAt: at('2026-01-01 00:00') },
        { keyId: 'k2', checkValue: 'c2', createdAt: at('2026-06-01 00:00') },
      ],
    });
    expect((await repos.keyRotation.keyChecks()).map((k) => k.keyId)).toEqual(['k1', 'k2']);
    expect((await repos.keyRotation.activeKeysOtherThan('k2')).map((k) => k.keyId)).toEqual(['k1']);
    await repos.keyRotation.retire('k1', at('2026-11-05 10:00'));
    expect(await repos.keyRotation.activeKeysOtherThan('k2')).toEqual([]);
    expect((await repos.keyRotation.keyChecks())[0]?.retiredAt).toEqual(at('2026-11-05 10:00'));
    expect(await repos.keyRotation.recordsSealedOutside('k2')).toEqual([]);
  });
});
