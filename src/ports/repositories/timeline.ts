/** One entry of an incident's timeline as stored (table timeline_entry): its detail encrypted, chained by hash. */
export interface TimelineEntryRecord {
  incidentId: string;
  seq: number;
  at: Date;
  actorId: string | null;
  actorLabel: string;
  type: string;
  summary: string;
  detailEnc: string | null;
  prevHash: string;
  hash: string;
}

/** A sealed head of a timeline (table timeline_checkpoint; src/core/timeline/checkpoints.ts). */
export interface CheckpointRecord {
  /** Grows in the order the checkpoints were written (verification reads them in that order). */
  id: bigint;
  incidentId: string;
  entryCount: number;
  headHash: string;
  at: Date;
  keyId: string;
  seal: string;
}

export type NewCheckpoint = Omit<CheckpointRecord, 'id'>;

/**
 * What a stored timeline holds, as the database prints it: counts, the last entry's seq and checkpoint's id, and a
 * SHA-256 over every column the verification reads of every row (each row a JSON array; entries in seq order,
 * checkpoints in id order), so equal prints mean byte-for-byte equal rows.
 */
export interface TimelineFingerprint {
  entries: number;
  lastSeq: number;
  entriesPrint: string;
  checkpoints: number;
  lastCheckpointId: bigint | null;
  checkpointsPrint: string;
}

/** The last entry of a timeline: what the next one chains to. */
export interface TimelineHead {
  seq: number;
  hash: string;
}

/** An incident with its current head (entries 0 and hash '' for an empty timeline). */
export interface IncidentHead {
  incidentId: string;
  schoolId: string;
  ref: string;
  entries: number;
  headHash: string;
}

export interface TimelineRepository {
  /**
   * Locks the incident row (SELECT … FOR UPDATE) until the transaction ends, so that concurrent appends to its timeline
   * take turns and get consecutive sequence numbers. Only meaningful inside a transaction.
   */
  lockIncident(incidentId: string): Promise<void>;
  /** The last entry (highest seq), or null for an empty timeline. */
  last(incidentId: string): Promise<TimelineHead | null>;
  /**
   * Writes sealed checkpoints, then entries: one INSERT each (none for an empty list), rows in the order given, so
   * checkpoint ids grow in that order.
   */
  append(checkpoints: readonly NewCheckpoint[], entries: readonly TimelineEntryRecord[]): Promise<void>;
  /** The entries of the incident (those with afterSeq < seq ≤ upToSeq when given), by seq. */
  entries(incidentId: string, range?: { afterSeq?: number | undefined; upToSeq?: number | undefined }): Promise<TimelineEntryRecord[]>;
  /** The entry numbered `seq`, or null. */
  entry(incidentId: string, seq: number): Promise<TimelineEntryRecord | null>;
  /** The checkpoints of the incident (those with afterId < id ≤ upToId when given), in the order written. */
  checkpoints(incidentId: string, range?: { afterId?: bigint | undefined; upToId?: bigint | undefined }): Promise<CheckpointRecord[]>;
  /**
   * Fingerprints of the incident's stored rows, computed by the database (src/core/timeline/verified.ts): entries up to
   * seq `upTo.seq` and checkpoints up to id `upTo.id` (all of them when not given).
   */
  fingerprint(incidentId: string, upTo?: { seq: number; id: bigint }): Promise<TimelineFingerprint>;
  /** The checkpoint written last, or null. */
  latestCheckpoint(incidentId: string): Promise<CheckpointRecord | null>;
  /** Every incident, or those whose id or ref is `idOrRef`, oldest first: id, school and ref. */
  listIncidents(idOrRef?: string): Promise<{ id: string; schoolId: string; ref: string }[]>;
  /** The id of every incident, in id order. */
  incidentIds(): Promise<string[]>;
  /** Incidents matching an id, or a ref (within a school when given): id, school and ref. */
  findIncidents(where: { id: string } | { ref: string; schoolId?: string }): Promise<{ id: string; schoolId: string; ref: string }[]>;
  /** The current head of each incident (of those ids when given), by school and ref. */
  heads(incidentIds?: readonly string[]): Promise<IncidentHead[]>;
}
