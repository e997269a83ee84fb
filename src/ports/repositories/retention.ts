import type { IncidentRecord } from './incidents.js';

/** The record left of a destroyed incident (table destruction_record; src/core/retention/record.ts). */
export interface DestructionRecordRow {
  id: string;
  incidentId: string;
  schoolId: string;
  incidentRef: string;
  occurredAt: Date;
  awareAt: Date;
  closedAt: Date | null;
  retainUntil: Date;
  destroyedAt: Date;
  authorisedBy: string;
  basis: string;
  /** Counts of rows removed per table. */
  removed: unknown;
  entryCount: number;
  headHash: string;
  keyId: string;
  seal: string;
}

export type NewDestructionRecord = Omit<DestructionRecordRow, 'removed'> & { removed: Record<string, number> };

export interface RetentionRepository {
  /** Every incident (of the school when given), by the time the school became aware, oldest first. */
  incidents(schoolId?: string): Promise<IncidentRecord[]>;
  findIncident(id: string): Promise<IncidentRecord | null>;
  /** The incident's rooms on the platforms (table conversation). */
  rooms(incidentId: string): Promise<{ platform: string; externalId: string }[]>;
  /** The incident's evidence files: where each is kept. */
  evidenceFiles(incidentId: string): Promise<{ id: string; store: string }[]>;
  /** How many rows each table holds for the incident, over the tables destruction removes. */
  countDetails(incidentId: string): Promise<Record<string, number>>;
  /**
   * Deletes every row holding the incident's details and the incident itself, and unbinds its platform rooms; the
   * append-only triggers let the timeline go only once the incident's destruction record exists in this transaction.
   */
  deleteDetails(incidentId: string): Promise<void>;
  createDestructionRecord(record: NewDestructionRecord): Promise<DestructionRecordRow>;
  /** The destruction record of an incident, by its id or by its ref (within a school when given). */
  findDestruction(where: { incidentId: string } | { incidentRef: string; schoolId?: string }): Promise<DestructionRecordRow | null>;
  /** Every destruction record, oldest first. */
  destructions(): Promise<DestructionRecordRow[]>;
  /** Refreshes the query planner's statistics of every table (ANALYZE; src/jobs/retention.ts runs it daily). */
  refreshPlannerStatistics(): Promise<void>;
}
