/** A value of a JSON column, as read. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key in string]?: JsonValue };

/**
 * An incident as stored (table incident): what the services read. The encrypted fields (…Enc) are ciphertext (the
 * services decrypt them with the incident's AAD, src/core/incidents/lifecycle.ts `aad`).
 */
export interface IncidentRecord {
  id: string;
  schoolId: string;
  ref: string;
  /** reported | containing | assessing | notifying | handling_ended | closed */
  status: string;
  playbookId: string;
  reporterId: string;
  conversationId: string | null;
  occurredAt: Date;
  awareAt: Date;
  approximateTimes: string[];
  handlingEndedAt: Date | null;
  recoveredAt: Date | null;
  breachConfirmedAt: Date | null;
  closedAt: Date | null;
  /** When the 管理人 decided it is not a personal-data breach (closed at the same time). */
  notBreachAt: Date | null;
  bureauSubmittedAt: Date | null;
  closureSubmittedAt: Date | null;
  cyberSubmittedAt: Date | null;
  involvesSystem: boolean;
  categories: string[];
  specialCategories: boolean;
  biometric: boolean;
  affectedEstimate: number | null;
  affectedEstimateTextEnc: string | null;
  cyberLevel: number | null;
  affectedKinds: string[];
  studentsCount: number | null;
  guardiansCount: number | null;
  staffCount: number | null;
  othersCount: number | null;
  minorsCount: number | null;
  systemRecordsHeld: number | null;
  clockProfile: string;
  clockOverrides: JsonValue;
  howLeakedEnc: string;
  placeEnc: string;
  stepsTakenEnc: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What a new incident is given (src/core/incidents/service.ts `report`); the rest takes the table's defaults. */
export type NewIncident = Pick<
  IncidentRecord,
  | 'id'
  | 'schoolId'
  | 'ref'
  | 'status'
  | 'playbookId'
  | 'reporterId'
  | 'conversationId'
  | 'occurredAt'
  | 'awareAt'
  | 'approximateTimes'
  | 'involvesSystem'
  | 'categories'
  | 'specialCategories'
  | 'biometric'
  | 'affectedEstimate'
  | 'affectedEstimateTextEnc'
  | 'affectedKinds'
  | 'clockProfile'
  | 'createdAt'
  | 'howLeakedEnc'
  | 'placeEnc'
  | 'stepsTakenEnc'
>;

/** The facts of an incident that change after its report (assessment, lifecycle times, submitted reports). */
export type IncidentChanges = Partial<
  Omit<IncidentRecord, 'id' | 'schoolId' | 'ref' | 'playbookId' | 'reporterId' | 'clockOverrides' | 'version' | 'createdAt' | 'updatedAt'>
>;

/** Which of a school's incidents a list shows first. */
export type IncidentOrder = 'newest' | 'oldest';

export interface IncidentRepository {
  find(id: string): Promise<IncidentRecord | null>;
  /** The school's incident with this number (115-001). */
  findByRef(schoolId: string, ref: string): Promise<IncidentRecord | null>;
  /** Incidents named by their id or their number, of one school or of all (the operator's export). */
  findByIdOrRef(idOrRef: string, schoolId?: string): Promise<IncidentRecord[]>;
  /** The school's incidents not closed, by awareness (`newest` first, or `oldest`); at most `limit` when given. */
  openIn(schoolId: string, order: IncidentOrder, limit?: number): Promise<IncidentRecord[]>;
  /** The ids of the incidents not closed, of the school or of every school (start-up reconciliation of the reminders). */
  openIds(schoolId?: string): Promise<string[]>;
  /** The numbers of these incidents, by id (those that exist). */
  refsOf(ids: string[]): Promise<Map<string, string>>;
  create(incident: NewIncident): Promise<IncidentRecord>;
  /**
   * Writes these facts; `revise` also counts a new version of the incident (a fact that a document or card shows
   * changed: assessment, status, corrected times, submitted reports). With `ifVersion`, only while the incident is
   * still at that version (an editor opened on it, the console): false when it changed since, and nothing is written.
   */
  update(id: string, changes: IncidentChanges, opts?: { revise?: boolean; ifVersion?: number }): Promise<boolean>;
  /** Locks the incident's row for the rest of the transaction (changes to its schedules, its evidence numbering). */
  lock(id: string): Promise<void>;
  /**
   * How many of the school's incidents have a number starting with `prefix` (the ROC year), the school's row locked
   * for the rest of the transaction first, so that two reports never take the same next number.
   */
  countRefsLocked(schoolId: string, prefix: string): Promise<number>;
}

/** One step of an incident's checklist (table checklist_item); noteEnc and delayReasonEnc are ciphertext. */
export interface ChecklistItemRecord {
  id: string;
  incidentId: string;
  key: string;
  position: number;
  title: string;
  phase: string;
  ownerRole: string;
  ownerPersonId: string | null;
  clockId: string | null;
  completesClock: string | null;
  /** open | done | na */
  state: string;
  noteEnc: string | null;
  doneById: string | null;
  doneAt: Date | null;
  plannedOn: Date | null;
  /** todo | doing | done */
  planState: string | null;
  delayReasonEnc: string | null;
}

export type NewChecklistItem = Pick<
  ChecklistItemRecord,
  'id' | 'incidentId' | 'key' | 'position' | 'title' | 'phase' | 'ownerRole' | 'ownerPersonId' | 'clockId' | 'completesClock'
>;

export type ChecklistChanges = Partial<
  Pick<ChecklistItemRecord, 'state' | 'noteEnc' | 'doneById' | 'doneAt' | 'plannedOn' | 'planState' | 'delayReasonEnc'>
>;

/** An open step someone is to do, with the number of its incident (「我的工作」). */
export type AssignedItem = ChecklistItemRecord & { incidentRef: string };

export interface ChecklistRepository {
  find(id: string): Promise<ChecklistItemRecord | null>;
  findByKey(incidentId: string, key: string): Promise<ChecklistItemRecord | null>;
  /** The incident's items in playbook order. */
  ofIncident(incidentId: string): Promise<ChecklistItemRecord[]>;
  /** The items of these incidents, by incident then playbook order. */
  ofIncidents(incidentIds: string[]): Promise<ChecklistItemRecord[]>;
  /** The incident's items still open, in playbook order. */
  openOf(incidentId: string): Promise<ChecklistItemRecord[]>;
  /** The incident's first open item that completes this clock (src/core/clocks), if any. */
  openCompleting(incidentId: string, clockId: string): Promise<ChecklistItemRecord | null>;
  countOpen(incidentId: string): Promise<number>;
  /** How many of the incident's items that complete this clock are done, `exceptId` left out. */
  countDoneCompleting(incidentId: string, clockId: string, exceptId: string): Promise<number>;
  /**
   * Inside a transaction: locks the item's row until it ends (SELECT … FOR UPDATE) and reads it as it is now, so a
   * step that checks the item's state here and then writes cannot interleave with another step on the same item.
   */
  lockFind(id: string): Promise<ChecklistItemRecord | null>;
  /** Of these incidents, those where the person is named owner of an item. */
  incidentsOwnedBy(personId: string, incidentIds: string[]): Promise<Set<string>>;
  /** The items of these incidents counted by incident and state (the home card's progress). */
  progress(incidentIds: string[]): Promise<{ incidentId: string; state: string; count: number }[]>;
  /**
   * The open items of the school's open incidents that the person is to do: named owner, or one of the roles with
   * nobody named; incidents by awareness (oldest first), items in playbook order.
   */
  assignedTo(schoolId: string, personId: string, roles: readonly string[]): Promise<AssignedItem[]>;
  createMany(items: NewChecklistItem[]): Promise<void>;
  update(id: string, changes: ChecklistChanges): Promise<ChecklistItemRecord>;
}

/** What the reminders of one clock of an incident are (table clock_schedule): its planned slots as stored JSON. */
export interface ClockScheduleRecord {
  incidentId: string;
  clockId: string;
  /** active | stopped | inactive */
  state: string;
  targetAt: Date | null;
  statutoryEnd: Date | null;
  slots: JsonValue;
  note: string | null;
  updatedAt: Date;
}

export interface ClockScheduleRepository {
  ofIncident(incidentId: string): Promise<ClockScheduleRecord[]>;
  /** Writes the clock's schedule, created or replaced. */
  save(schedule: ClockScheduleRecord): Promise<void>;
  /** The incidents with a schedule still active (start-up reconciliation: closed since, jobs to cancel). */
  incidentsWithActive(): Promise<string[]>;
}
