import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../../src/app/demo.js';
import { IncidentService } from '../../../src/core/incidents/service.js';
import { ItemChangedMeanwhile, itemBasis } from '../../../src/core/incidents/types.js';
import { NoticeChangedMeanwhile, NoticeService } from '../../../src/core/notices/service.js';
import { loadNoticeTemplates } from '../../../src/core/notices/templates.js';
import { deliveryBasis, type DeliveryInput } from '../../../src/core/notices/views.js';
import { verifyIncidentTimeline } from '../../../src/core/timeline/timeline.js';
import { testCoreDeps, type TestCoreDeps } from '../../helpers/core.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { at, DEMO_TEACHER, sampleAnswers } from '../../helpers/jobs.js';
import { DEMO_WINDOW } from '../../helpers/record.js';

/**
 * Two presses of one step at the same moment (two posts of one console page, a double tap in LINE: two webhooks):
 * exactly one is recorded, the other is refused as a stale page is (or, for chat's own buttons that carry no basis,
 * changes nothing). Each pair runs with Promise.all: on PGlite the two steps interleave between their reads and their
 * transactions; on PostgreSQL (TEST_POSTGRES_URL) they run on two connections of the pool at once.
 */

let tdb: TestDatabase;
let deps: TestCoreDeps;
let incidents: IncidentService;
let notices: NoticeService;
let n = 0;

const PAIRS = 6;
const batch: DeliveryInput = { channel: 'letter', total: 30, notified: 28 };

beforeAll(async () => {
  tdb = await createTestDatabase();
  await seedDemo(tdb.db);
  deps = testCoreDeps(tdb.db.prisma, () => at('2026-11-05 10:00'));
  incidents = new IncidentService(deps);
  notices = new NoticeService(deps, loadNoticeTemplates(join(deps.playbooks.dir, 'notices')));
});
afterAll(async () => tdb?.destroy());

async function newIncident() {
  n++;
  return incidents.report(DEMO_TEACHER, null, sampleAnswers(at('2026-11-05 09:00'), { howLeaked: `第${n}件：名冊誤傳` }));
}

const entries = (incidentId: string, type: string) => deps.prisma.timelineEntry.count({ where: { incidentId, type } });

/** A notice for the guardians, approved (set up directly: the approval's own steps are not what is tested here). */
async function approvedNotice(): Promise<{ incidentId: string; noticeId: string }> {
  const view = await newIncident();
  const { view: notice } = await notices.draft(DEMO_WINDOW, view.incident.id, 'guardians');
  await deps.prisma.subjectNotice.update({
    where: { id: notice.notice.id },
    data: { status: 'approved', approvedVersion: 1, approvedById: 'demo-principal', approvedAt: deps.now() },
  });
  return { incidentId: view.incident.id, noticeId: notice.notice.id };
}

/** Both outcomes of a pair: how many passed, and every refusal. */
async function both<T>(a: () => Promise<T>, b: () => Promise<T>) {
  const r = await Promise.allSettled([a(), b()]);
  const passed = r.filter((x): x is PromiseFulfilledResult<Awaited<T>> => x.status === 'fulfilled').map((x) => x.value);
  const refused = r.filter((x): x is PromiseRejectedResult => x.status === 'rejected').map((x) => x.reason as unknown);
  return { passed, refused };
}

describe(`two presses at the same moment (${process.env.TEST_DATABASE ?? 'pglite'})`, () => {
  it('a delivery batch posted twice from one page (the console, chat form naming its basis): one batch, one entry', async () => {
    for (let i = 0; i < PAIRS; i++) {
      const { incidentId, noticeId } = await approvedNotice();
      const basis = deliveryBasis(1, 'approved', 0);
      const { passed, refused } = await both(
        () => notices.recordDelivery(DEMO_WINDOW, noticeId, batch, basis),
        () => notices.recordDelivery(DEMO_WINDOW, noticeId, batch, basis),
      );
      expect(passed).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0]).toBeInstanceOf(NoticeChangedMeanwhile);
      expect(await deps.prisma.subjectNoticeBatch.count({ where: { noticeId } })).toBe(1);
      expect(await entries(incidentId, 'notice.delivered')).toBe(1);
      expect((await notices.get(noticeId)).notified).toBe(28);
      expect((await verifyIncidentTimeline(deps, incidentId)).ok).toBe(true);
    }
  });

  it('a batch and a revision at the same moment: exactly one of them is recorded', async () => {
    for (let i = 0; i < PAIRS; i++) {
      const { incidentId, noticeId } = await approvedNotice();
      const text = `${(await notices.get(noticeId)).text}\n（第${i + 1}次修改）`;
      const { passed, refused } = await both<unknown>(
        () => notices.recordDelivery(DEMO_WINDOW, noticeId, batch, deliveryBasis(1, 'approved', 0)),
        () => notices.revise(DEMO_WINDOW, noticeId, text, 1),
      );
      expect(passed).toHaveLength(1);
      expect(refused).toHaveLength(1);
      const batches = await deps.prisma.subjectNoticeBatch.count({ where: { noticeId } });
      const versions = await deps.prisma.subjectNoticeVersion.count({ where: { noticeId } });
      // Either the batch went out on version 1 and the text stays, or version 2 withdrew the approval and no batch.
      expect([batches, versions]).toSatisfy(([b, v]: number[]) => (b === 1 && v === 1) || (b === 0 && v === 2));
      expect((await entries(incidentId, 'notice.delivered')) + (await entries(incidentId, 'notice.revised'))).toBe(1);
    }
  });

  it('a checklist tick from chat tapped twice (no basis): one entry, the other changes nothing', async () => {
    for (let i = 0; i < PAIRS; i++) {
      const view = await newIncident();
      const item = view.checklist[0]!.row;
      const { passed, refused } = await both(
        () => incidents.setChecklistState(DEMO_WINDOW, item.id, 'done', '已處理'),
        () => incidents.setChecklistState(DEMO_WINDOW, item.id, 'done', '已處理'),
      );
      expect(refused).toEqual([]);
      expect(passed.map((r) => r.changed).sort()).toEqual([false, true]);
      expect(await entries(view.incident.id, 'checklist.done')).toBe(1);
      // The incident moved out of 「reported」 once.
      expect(await entries(view.incident.id, 'incident.status')).toBe(1);
      expect((await deps.prisma.checklistItem.findUniqueOrThrow({ where: { id: item.id } })).state).toBe('done');
    }
  });

  it('two different items ticked at the same moment on a new incident: the status moves once', async () => {
    for (let i = 0; i < PAIRS; i++) {
      const view = await newIncident();
      const [a, b] = [view.checklist[0]!.row, view.checklist[1]!.row];
      const { passed } = await both(
        () => incidents.setChecklistState(DEMO_WINDOW, a.id, 'done', '已處理'),
        () => incidents.setChecklistState(DEMO_WINDOW, b.id, 'done', '已處理'),
      );
      expect(passed).toHaveLength(2);
      expect(await entries(view.incident.id, 'checklist.done')).toBe(2);
      expect(await entries(view.incident.id, 'incident.status')).toBe(1);
      expect((await verifyIncidentTimeline(deps, view.incident.id)).ok).toBe(true);
    }
  });

  it('an item step posted twice from one console page (basis): one recorded, the other refused as stale', async () => {
    for (let i = 0; i < PAIRS; i++) {
      const view = await newIncident();
      const item = view.checklist[0]!.row;
      const basis = itemBasis(item);
      const done = await both(
        () => incidents.setChecklistState(DEMO_WINDOW, item.id, 'done', '已處理', { basis }),
        () => incidents.setChecklistState(DEMO_WINDOW, item.id, 'done', '已處理', { basis }),
      );
      expect(done.passed).toHaveLength(1);
      expect(done.refused).toHaveLength(1);
      expect(done.refused[0]).toBeInstanceOf(ItemChangedMeanwhile);
      expect(await entries(view.incident.id, 'checklist.done')).toBe(1);

      // 重新開啟 posted twice from the page that showed it settled.
      const settled = itemBasis(await deps.prisma.checklistItem.findUniqueOrThrow({ where: { id: item.id } }));
      const reopen = await both(
        () => incidents.setChecklistState(DEMO_WINDOW, item.id, 'open', '再確認', { basis: settled }),
        () => incidents.setChecklistState(DEMO_WINDOW, item.id, 'open', '再確認', { basis: settled }),
      );
      expect(reopen.passed).toHaveLength(1);
      expect(reopen.refused[0]).toBeInstanceOf(ItemChangedMeanwhile);
      expect(await entries(view.incident.id, 'checklist.open')).toBe(1);
    }
  });

  it('重新開啟 tapped twice in chat (no basis): one entry', async () => {
    for (let i = 0; i < PAIRS; i++) {
      const view = await newIncident();
      const item = view.checklist[0]!.row;
      await incidents.setChecklistState(DEMO_WINDOW, item.id, 'done', '已處理');
      const { passed, refused } = await both(
        () => incidents.setChecklistState(DEMO_WINDOW, item.id, 'open', null),
        () => incidents.setChecklistState(DEMO_WINDOW, item.id, 'open', null),
      );
      expect(refused).toEqual([]);
      expect(passed.map((r) => r.changed).sort()).toEqual([false, true]);
      expect(await entries(view.incident.id, 'checklist.open')).toBe(1);
    }
  });

  it('a status button tapped twice (進入通知階段): the status moves once, the other is refused', async () => {
    for (let i = 0; i < PAIRS; i++) {
      const view = await newIncident();
      const { passed, refused } = await both(
        () => incidents.advance(DEMO_WINDOW, view.incident.id, 'notifying'),
        () => incidents.advance(DEMO_WINDOW, view.incident.id, 'notifying'),
      );
      expect(passed).toHaveLength(1);
      expect(String(refused[0])).toContain('不能改為「');
      expect(await entries(view.incident.id, 'incident.status')).toBe(1);
    }
  });

  it('處理結束 sent twice at the same moment: handling ends once, every item settled once', async () => {
    for (let i = 0; i < PAIRS; i++) {
      const view = await newIncident();
      const open = await deps.prisma.checklistItem.findMany({ where: { incidentId: view.incident.id, state: 'open' } });
      const input = { endedAt: deps.now(), resolutions: open.map((o) => ({ itemId: o.id, state: 'done' as const, note: '已處理' })) };
      const { passed, refused } = await both(
        () => incidents.endHandling(DEMO_WINDOW, view.incident.id, input),
        () => incidents.endHandling(DEMO_WINDOW, view.incident.id, input),
      );
      expect(passed).toHaveLength(1);
      expect(String(refused[0])).toContain('不能再標示處理結束');
      expect(await entries(view.incident.id, 'incident.handling-ended')).toBe(1);
      // Each item that handling's end settles (some stay open past it) has one entry, not two.
      const settled = await deps.prisma.checklistItem.count({ where: { incidentId: view.incident.id, state: 'done' } });
      expect(settled).toBeGreaterThan(0);
      expect(await entries(view.incident.id, 'checklist.done')).toBe(settled);
      expect((await verifyIncidentTimeline(deps, view.incident.id)).ok).toBe(true);
    }
  });
});
