import { seedDemo } from '../../src/app/demo.js';
import { EvidenceLocker } from '../../src/core/evidence/locker.js';
import { IncidentService } from '../../src/core/incidents/service.js';
import type { Actor } from '../../src/core/roles.js';
import type { Database, SqlRunner } from '../../src/storage/database.js';
import { type TestCoreDeps, testCoreDeps } from './core.js';
import { at, DEMO_TEACHER, sampleAnswers } from './jobs.js';

export const DEMO_WINDOW: Actor = {
  personId: 'demo-window',
  schoolId: 'demo-school',
  displayName: '李組長（示範）',
  roles: ['staff', 'contactWindow'],
};

/**
 * The demo school with `count` incidents reported through the core, each with `ticks` checklist items ticked with a
 * note (timeline entries with encrypted details, encrypted notes) and `evidence` pieces of evidence filed (a wrapped data
 * key and encrypted chunks each): a record to tamper with, re-key or destroy.
 */
export async function seedIncidents(
  db: Database,
  opts: { count?: number; ticks?: number; evidence?: number; now?: () => Date; deps?: TestCoreDeps } = {},
): Promise<{ deps: TestCoreDeps; ids: string[] }> {
  await seedDemo(db);
  const deps = opts.deps ?? testCoreDeps(db.prisma, opts.now ?? (() => at('2026-11-05 10:00')));
  const service = new IncidentService(deps);
  const ids: string[] = [];
  for (let n = 0; n < (opts.count ?? 2); n++) {
    const view = await service.report(DEMO_TEACHER, null, sampleAnswers(at('2026-11-05 09:00'), { howLeaked: `第${n + 1}件：名冊誤傳` }));
    const items = view.checklist.slice(0, opts.ticks ?? 3);
    for (const item of items) await service.setChecklistState(DEMO_WINDOW, item.row.id, 'done', `已處理第${n + 1}件`);
    if (deps.evidence) {
      const locker = new EvidenceLocker(deps, deps.evidence);
      for (let e = 0; e < (opts.evidence ?? 1); e++) {
        const text = Buffer.from(`第${n + 1}件證據${e + 1}：系統存取紀錄 2026-11-05 08:12 login\n`, 'utf8');
        await locker.file(DEMO_WINDOW, view.incident.id, {
          description: `存取紀錄${e + 1}`,
          source: { platform: 'local', message: `seed-${n}-${e}` },
          file: {
            stream: (async function* () {
              yield text;
            })(),
          },
        });
      }
    }
    ids.push(view.incident.id);
  }
  return { deps, ids };
}

/** Runs SQL as a superuser who bypasses the append-only triggers (they do not fire in replica mode). */
export async function asSuperuser(db: Database, fn: (sql: SqlRunner) => Promise<void>): Promise<void> {
  await db.sql.transaction(async (tx) => {
    await tx.exec('SET LOCAL session_replication_role = replica');
    await fn(tx);
  });
}
