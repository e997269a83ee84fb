import type { ChecklistItemRecord as ChecklistRow, IncidentRecord as Incident } from '../../ports/repositories/index.js';
import type { ComputedClock } from '../clocks/index.js';
import type { ResolvedPlaybook } from '../playbooks/index.js';
import type { ChecklistState, IncidentStatus } from './types.js';

/** An incident with its sensitive fields decrypted, its checklist and its clocks computed now. */
export interface IncidentView {
  incident: Incident;
  status: IncidentStatus;
  howLeaked: string;
  place: string;
  stepsTaken: string;
  /** The reporter's head-count estimate in words, null when it was given as a plain number (or before it was kept). */
  affectedEstimateText: string | null;
  playbook: ResolvedPlaybook;
  checklist: ChecklistView[];
  clocks: ComputedClock[];
  reporterName: string;
  categoryLabel: (key: string) => string;
}

export interface ChecklistView {
  row: ChecklistRow;
  state: ChecklistState;
  note: string | null;
  doneByName: string | null;
  detail: string;
  basis: string;
  naAllowed: boolean;
  requiresEvidence: string | null;
  /** 遲延原因 recorded with this item (the report it completes went in late), decrypted. */
  delayReason: string | null;
  /** Pieces of evidence filed for this item (src/core/evidence). */
  evidenceCount: number;
}
