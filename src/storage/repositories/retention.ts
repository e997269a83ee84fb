import type { Prisma } from '../../generated/prisma/client.js';
import type { DestructionRecordRow, IncidentRecord, NewDestructionRecord, RetentionRepository } from '../../ports/repositories/index.js';
import type { Client } from './client.js';

/**
 * What destruction removes, children first: [table, WHERE clause on the table for incident $1]. Local-chat messages
 * of the incident's own rooms go too; platform rooms are unbound (purpose "left").
 */
const REMOVALS: readonly [table: string, where: string][] = [
  ['timeline_checkpoint', 'incident_id = $1'],
  ['timeline_entry', 'incident_id = $1'],
  ['checklist_item', 'incident_id = $1'],
  ['clock_schedule', 'incident_id = $1'],
  ['subject_notice_review', 'notice_id IN (SELECT id FROM subject_notice WHERE incident_id = $1)'],
  ['subject_notice_batch', 'notice_id IN (SELECT id FROM subject_notice WHERE incident_id = $1)'],
  ['subject_notice_version', 'notice_id IN (SELECT id FROM subject_notice WHERE incident_id = $1)'],
  ['subject_notice', 'incident_id = $1'],
  ['posted_card', 'incident_id = $1'],
  ['notice_delivery', 'notice_key IN (SELECT key FROM notice WHERE incident_id = $1)'],
  ['notice', 'incident_id = $1'],
  ['evidence_chunk', 'evidence_id IN (SELECT id FROM evidence WHERE incident_id = $1)'],
  ['evidence', 'incident_id = $1'],
  ['local_message', "conversation_id IN (SELECT external_id FROM conversation WHERE incident_id = $1 AND platform = 'local')"],
];

export class PrismaRetentionRepository implements RetentionRepository {
  constructor(private readonly db: Client) {}

  incidents(schoolId?: string): Promise<IncidentRecord[]> {
    return this.db.incident.findMany({ where: schoolId ? { schoolId } : {}, orderBy: { awareAt: 'asc' } });
  }

  findIncident(id: string): Promise<IncidentRecord | null> {
    return this.db.incident.findUnique({ where: { id } });
  }

  rooms(incidentId: string): Promise<{ platform: string; externalId: string }[]> {
    return this.db.conversation.findMany({ where: { incidentId }, select: { platform: true, externalId: true } });
  }

  evidenceFiles(incidentId: string): Promise<{ id: string; store: string }[]> {
    return this.db.evidence.findMany({ where: { incidentId }, select: { id: true, store: true } });
  }

  async countDetails(incidentId: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [table, where] of REMOVALS) {
      const [row] = await this.db.$queryRawUnsafe<{ n: bigint | number }[]>(
        `SELECT count(*) AS n FROM "${table}" WHERE ${where}`,
        incidentId,
      );
      out[table] = Number(row?.n ?? 0);
    }
    out.incident = 1;
    return out;
  }

  async deleteDetails(incidentId: string): Promise<void> {
    // Opens the append-only triggers' retention door for this transaction only (set_config(…, true) ends with it);
    // the triggers still require this incident's destruction record, inserted just before.
    await this.db.$executeRawUnsafe(`SELECT set_config('pdi.procedure', 'retention', true)`);
    for (const [table, where] of REMOVALS) await this.db.$executeRawUnsafe(`DELETE FROM "${table}" WHERE ${where}`, incidentId);
    await this.db.$executeRawUnsafe(`UPDATE conversation SET incident_id = NULL, purpose = 'left' WHERE incident_id = $1`, incidentId);
    await this.db.$executeRawUnsafe('DELETE FROM incident WHERE id = $1', incidentId);
  }

  createDestructionRecord(record: NewDestructionRecord): Promise<DestructionRecordRow> {
    return this.db.destructionRecord.create({ data: { ...record, removed: record.removed as Prisma.InputJsonValue } });
  }

  findDestruction(where: { incidentId: string } | { incidentRef: string; schoolId?: string }): Promise<DestructionRecordRow | null> {
    return this.db.destructionRecord.findFirst({ where });
  }

  destructions(): Promise<DestructionRecordRow[]> {
    return this.db.destructionRecord.findMany({ orderBy: { destroyedAt: 'asc' } });
  }

  async refreshPlannerStatistics(): Promise<void> {
    await this.db.$executeRawUnsafe('ANALYZE');
  }
}
