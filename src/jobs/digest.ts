import { TZDate } from '@date-fns/tz';
import { addDays } from 'date-fns/addDays';
import { format } from 'date-fns/format';
import type { IncidentRecord as Incident } from '../ports/repositories/index.js';
import type { TextMessage } from '../ports/chat-model.js';
import type { ComputedClock } from '../core/clocks/index.js';
import type { CoreDeps } from '../core/context.js';
import { IncidentService } from '../core/incidents/service.js';
import { STATUS_LABELS, type IncidentStatus } from '../core/incidents/types.js';
import { formatRocDate, formatRocShort } from '../core/time/roc.js';
import { TIME_ZONE, startOfTaipeiDay, taipeiDayKey, type DayKey } from '../core/time/taipei.js';
import { currentHeads, SHORT_HEAD } from '../core/timeline/heads.js';
import { deliverNotice } from './deliver.js';
import { completedBy, deliveryRows, LATE_MARK, spoken, type AdapterLookup, type Recipient } from './notify.js';
import { clockRuns } from './plan.js';
import { jobIdFor, LATE_AFTER_MS } from './reminders.js';

/** Local time (Asia/Taipei) at which the daily digest goes out. */
export const DIGEST_HOUR = 9;
/** Deadlines listed per incident. */
const NEXT_PER_INCIDENT = 3;

export interface DigestJobData {
  /** The Taipei day (YYYY-MM-DD) the digest is for. */
  day: DayKey;
}

export interface QueuedDigest {
  id: string;
  key: string;
  data: DigestJobData;
  startAfter: Date;
}

/** The durable queue underneath (pg-boss in the product); adding the same id twice is a no-op. */
export interface DigestQueue {
  add(jobs: QueuedDigest[]): Promise<void>;
}

export type SchoolDigestOutcome =
  | { schoolId: string; outcome: 'sent'; key: string; incidents: number; deliveries: number; late: boolean }
  | { schoolId: string; outcome: 'no-open-incidents' };

export type DigestFireOutcome =
  | { outcome: 'done'; day: DayKey; schools: SchoolDigestOutcome[] }
  | { outcome: 'skipped'; day: DayKey; why: 'early' | 'day-over' };

/** 09:00 Asia/Taipei of the day. */
export function digestTime(day: DayKey): Date {
  const d = startOfTaipeiDay(day);
  return new Date(new TZDate(d.getFullYear(), d.getMonth(), d.getDate(), DIGEST_HOUR, 0, 0, TIME_ZONE).getTime());
}

export const digestKey = (schoolId: string, day: DayKey) => `digest:${schoolId}:${day}`;

/** What is due next on one incident: running deadline clocks whose step is not done, soonest first. */
export interface DueNext {
  clock: ComputedClock;
  at: Date;
  overdue: boolean;
}

/**
 * The daily digest: at 09:00 Taipei, every school with open incidents sends its contact window(s) (個資聯絡窗口), in a
 * private chat, the list of open incidents and what is due next. Once per day per school: the digest is claimed in
 * the notice table (key digest:<school>:<day>) before anything is sent, and every delivery carries an idempotency
 * key, so a retried or duplicated job (several instances) never sends it twice. A day without open incidents sends
 * nothing; a day the product was down entirely is not caught up the next day (that day's digest is current).
 */
export class DailyDigest {
  private readonly incidents: IncidentService;

  constructor(
    private readonly deps: CoreDeps,
    private readonly adapterFor: AdapterLookup,
    private readonly queue: DigestQueue,
  ) {
    this.incidents = new IncidentService(deps);
  }

  /** Queues the digest of today (sent at once if 09:00 has passed and it was not sent yet) and of tomorrow. */
  async schedule(): Promise<DayKey[]> {
    const today = taipeiDayKey(this.deps.now());
    const days = [today, format(addDays(startOfTaipeiDay(today), 1), 'yyyy-MM-dd')];
    await this.queue.add(
      days.map((day) => ({ id: jobIdFor(`digest:${day}`), key: `digest:${day}`, data: { day }, startAfter: digestTime(day) })),
    );
    return days;
  }

  /** The worker: the digest of one day for every school. Throws when a delivery failed (retried; sent ones are not repeated). */
  async fire(data: DigestJobData, jobId: string | null = null): Promise<DigestFireOutcome> {
    const now = this.deps.now();
    const at = digestTime(data.day);
    if (now < at) return { outcome: 'skipped', day: data.day, why: 'early' };
    if (taipeiDayKey(now) !== data.day) return { outcome: 'skipped', day: data.day, why: 'day-over' };
    const schools = await this.deps.repos.schools.ids();
    const out: SchoolDigestOutcome[] = [];
    const failures: string[] = [];
    for (const schoolId of schools) {
      try {
        out.push(await this.fireSchool(schoolId, data.day, now, jobId));
      } catch (err) {
        failures.push(`${schoolId}: ${(err as Error).message}`);
      }
    }
    if (failures.length > 0) throw new Error(`Daily digest ${data.day}: ${failures.join('; ')}`);
    return { outcome: 'done', day: data.day, schools: out };
  }

  private async fireSchool(schoolId: string, day: DayKey, now: Date, jobId: string | null): Promise<SchoolDigestOutcome> {
    const key = digestKey(schoolId, day);
    const claimed = await this.deps.repos.notices.find(key);
    const open = await this.deps.repos.incidents.openIn(schoolId, 'oldest');
    if (!claimed && open.length === 0) return { schoolId, outcome: 'no-open-incidents' };
    const late = claimed ? claimed.late : now.getTime() - digestTime(day).getTime() > LATE_AFTER_MS;
    const written = claimed ? new Date(Math.max(claimed.createdAt.getTime(), digestTime(day).getTime())) : now;
    const message = await this.message(day, open, written, late);
    if (!claimed) {
      const recipients = await this.recipients(schoolId);
      const notice = { key, kind: 'digest', schoolId, level: 0, dueAt: digestTime(day), late, jobId, createdAt: now };
      await this.deps.repos.transaction((tx) => tx.notices.claim(notice, deliveryRows(key, recipients)));
    }
    const sent = await deliverNotice(this.deps, this.adapterFor, key, message);
    return { schoolId, outcome: 'sent', key, incidents: open.length, deliveries: sent.deliveries, late: sent.late };
  }

  /** Private chats of the school's active contact windows, on every platform with a registered adapter. */
  private async recipients(schoolId: string): Promise<Recipient[]> {
    const people = await this.deps.repos.people.activeWithRoleAndAccounts(schoolId, 'contactWindow');
    const out: Recipient[] = [];
    for (const person of people) {
      for (const identity of person.identities) {
        const adapter = this.adapterFor(identity.platform);
        if (!adapter) continue;
        const address = await adapter.directConversation({
          platform: identity.platform,
          externalId: identity.externalId,
          ...(identity.displayName ? { displayName: identity.displayName } : {}),
        });
        if (!address || out.some((r) => r.address.platform === address.platform && r.address.externalId === address.externalId)) continue;
        out.push({ target: `dm:${person.id}:${identity.platform}`, address, personId: person.id, label: person.displayName });
      }
    }
    return out;
  }

  /** The deadlines still open on the incident, soonest first (steps done or not applicable are left out). */
  async dueNext(incident: Incident): Promise<DueNext[]> {
    const now = this.deps.now();
    const items = await this.deps.repos.checklist.ofIncident(incident.id);
    return this.incidents
      .clocksOf(incident)
      .filter((c) => clockRuns(c) && c.kind === 'deadline' && c.recommendedBy && !completedBy(c.id, items))
      .map((clock) => ({ clock, at: clock.recommendedBy!, overdue: clock.recommendedBy! <= now }))
      .sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  /** Neutral zh-TW (reference numbers, stages, deadlines; never what leaked or whose data). */
  async message(day: DayKey, open: Incident[], at: Date, late: boolean): Promise<TextMessage> {
    const lines = [`【每日個資事件摘要】${formatRocDate(digestTime(day))}`];
    if (late) lines.push(`（${LATE_MARK}：原定 ${formatRocShort(digestTime(day))} 送出）`);
    lines.push(`處理中的個資事件：${open.length} 件`);
    // The chain heads, witnessed outside the database (src/core/timeline/heads.ts: `npm run verify -- --heads`).
    const heads = new Map(
      (
        await currentHeads(
          this.deps.repos,
          open.map((i) => i.id),
        )
      ).map((h) => [h.incidentId, h]),
    );
    for (const incident of open) {
      lines.push('', `■ 個資事件 ${incident.ref}（${STATUS_LABELS[incident.status as IncidentStatus] ?? incident.status}）`);
      const head = heads.get(incident.id);
      if (head && head.entries > 0) lines.push(`  紀錄鏈：${head.entries} 筆，鏈頭 ${head.headHash.slice(0, SHORT_HEAD)}`);
      const due = await this.dueNext(incident);
      if (due.length === 0) lines.push('  目前沒有進行中的期限。');
      for (const d of due.slice(0, NEXT_PER_INCIDENT)) {
        const when = formatRocShort(d.at, { endOfDay: d.clock.period.unit !== 'hours' });
        const left = d.overdue ? `已逾期${spoken(at.getTime() - d.at.getTime())}` : `還有${spoken(d.at.getTime() - at.getTime())}`;
        lines.push(`  ・「${d.clock.label}」期限 ${when}（${left}）`);
      }
      if (due.length > NEXT_PER_INCIDENT) lines.push(`  ・另有 ${due.length - NEXT_PER_INCIDENT} 項期限，請查看事件卡。`);
    }
    lines.push('', '期限提醒會另行送給各步驟負責人；本摘要每日上午9時送出。', '「紀錄鏈」供稽核核對事件紀錄未被刪改，請保留本訊息。');
    return {
      type: 'text',
      text: lines.join('\n'),
      quickReplies: open.slice(0, 3).map((i) => ({ label: `查看 ${i.ref}`.slice(0, 20), action: `inc:${i.id}:card` })),
    };
  }
}
