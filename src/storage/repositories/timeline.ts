import type {
  CheckpointRecord,
  IncidentHead,
  NewCheckpoint,
  TimelineEntryRecord,
  TimelineFingerprint,
  TimelineHead,
  TimelineRepository,
} from '../../ports/repositories/index.js';
import type { Client } from './client.js';

const ENTRY = {
  incidentId: true,
  seq: true,
  at: true,
  actorId: true,
  actorLabel: true,
  type: true,
  summary: true,
  detailEnc: true,
  prevHash: true,
  hash: true,
} as const;

// The fingerprint's rows: every column the verification reads, as a JSON array (no two different rows print alike).
const ENTRY_ROW = `json_build_array(incident_id, seq, at, actor_id, actor_label, type, summary, detail_enc, prev_hash, hash)::text`;
const CHECKPOINT_ROW = `json_build_array(id, incident_id, entry_count, head_hash, at, key_id, seal)::text`;
const print = (row: string, order: string) =>
  `encode(sha256(convert_to(coalesce(string_agg(${row}, E'\\n' ORDER BY ${order}), ''), 'UTF8')), 'hex')`;

type HeadRow = { id: string; school_id: string; ref: string; n: number | null; head: string | null };
const toHead = (r: HeadRow): IncidentHead => ({
  incidentId: r.id,
  schoolId: r.school_id,
  ref: r.ref,
  entries: Number(r.n ?? 0),
  headHash: r.head ?? '',
});

export class PrismaTimelineRepository implements TimelineRepository {
  constructor(private readonly db: Client) {}

  async lockIncident(incidentId: string): Promise<void> {
    await this.db.$queryRaw`SELECT id FROM incident WHERE id = ${incidentId} FOR UPDATE`;
  }

  last(incidentId: string): Promise<TimelineHead | null> {
    return this.db.timelineEntry.findFirst({ where: { incidentId }, orderBy: { seq: 'desc' }, select: { seq: true, hash: true } });
  }

  async append(checkpoints: readonly NewCheckpoint[], entries: readonly TimelineEntryRecord[]): Promise<void> {
    if (checkpoints.length > 0) await this.db.timelineCheckpoint.createMany({ data: [...checkpoints] });
    if (entries.length > 0) await this.db.timelineEntry.createMany({ data: [...entries] });
  }

  entries(incidentId: string, range: { afterSeq?: number | undefined; upToSeq?: number | undefined } = {}): Promise<TimelineEntryRecord[]> {
    const seq = {
      ...(range.afterSeq !== undefined ? { gt: range.afterSeq } : {}),
      ...(range.upToSeq !== undefined ? { lte: range.upToSeq } : {}),
    };
    return this.db.timelineEntry.findMany({
      where: { incidentId, ...(Object.keys(seq).length ? { seq } : {}) },
      orderBy: { seq: 'asc' },
      select: ENTRY,
    });
  }

  entry(incidentId: string, seq: number): Promise<TimelineEntryRecord | null> {
    return this.db.timelineEntry.findUnique({ where: { incidentId_seq: { incidentId, seq } }, select: ENTRY });
  }

  checkpoints(incidentId: string, range: { afterId?: bigint | undefined; upToId?: bigint | undefined } = {}): Promise<CheckpointRecord[]> {
    const id = {
      ...(range.afterId !== undefined ? { gt: range.afterId } : {}),
      ...(range.upToId !== undefined ? { lte: range.upToId } : {}),
    };
    return this.db.timelineCheckpoint.findMany({
      where: { incidentId, ...(Object.keys(id).length ? { id } : {}) },
      orderBy: { id: 'asc' },
    });
  }

  async fingerprint(incidentId: string, upTo?: { seq: number; id: bigint }): Promise<TimelineFingerprint> {
    const [row] = await this.db.$queryRawUnsafe<
      {
        entries: number;
        last_seq: number | null;
        entries_print: string;
        checkpoints: number;
        last_id: bigint | null;
        checkpoints_print: string;
      }[]
    >(
      `SELECT e.n AS entries, e.last AS last_seq, e.p AS entries_print, c.n AS checkpoints, c.last AS last_id, c.p AS checkpoints_print
         FROM (SELECT count(*)::int AS n, max(seq) AS last, ${print(ENTRY_ROW, 'seq')} AS p
                 FROM timeline_entry WHERE incident_id = $1 ${upTo ? 'AND seq <= $2' : ''}) e,
              (SELECT count(*)::int AS n, max(id) AS last, ${print(CHECKPOINT_ROW, 'id')} AS p
                 FROM timeline_checkpoint WHERE incident_id = $1 ${upTo ? 'AND id <= $3' : ''}) c`,
      incidentId,
      ...(upTo ? [upTo.seq, upTo.id] : []),
    );
    return {
      entries: Number(row!.entries),
      lastSeq: Number(row!.last_seq ?? 0),
      entriesPrint: row!.entries_print,
      checkpoints: Number(row!.checkpoints),
      lastCheckpointId: row!.last_id === null ? null : BigInt(row!.last_id),
      checkpointsPrint: row!.checkpoints_print,
    };
  }

  latestCheckpoint(incidentId: string): Promise<CheckpointRecord | null> {
    return this.db.timelineCheckpoint.findFirst({ where: { incidentId }, orderBy: { id: 'desc' } });
  }

  listIncidents(idOrRef?: string): Promise<{ id: string; schoolId: string; ref: string }[]> {
    return this.db.incident.findMany({
      where: idOrRef ? { OR: [{ id: idOrRef }, { ref: idOrRef }] } : {},
      orderBy: { createdAt: 'asc' },
      select: { id: true, schoolId: true, ref: true },
    });
  }

  async incidentIds(): Promise<string[]> {
    const rows = await this.db.incident.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
    return rows.map((r) => r.id);
  }

  findIncidents(where: { id: string } | { ref: string; schoolId?: string }): Promise<{ id: string; schoolId: string; ref: string }[]> {
    return this.db.incident.findMany({ where, select: { id: true, schoolId: true, ref: true } });
  }

  async heads(incidentIds?: readonly string[]): Promise<IncidentHead[]> {
    const rows = await this.db.$queryRawUnsafe<HeadRow[]>(
      `SELECT i.id, i.school_id, i.ref, e.seq AS n, e.hash AS head
         FROM incident i
         LEFT JOIN timeline_entry e ON e.incident_id = i.id
                                   AND e.seq = (SELECT max(seq) FROM timeline_entry x WHERE x.incident_id = i.id)
        ${incidentIds ? 'WHERE i.id = ANY($1::text[])' : ''}
        ORDER BY i.school_id, i.ref`,
      ...(incidentIds ? [[...incidentIds]] : []),
    );
    return rows.map(toHead);
  }
}
