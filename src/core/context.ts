import type { Logger } from '../ports/logger.js';
import type { ClockRuleSet, OfficeCalendar } from './clocks/index.js';
import type { PlaybookLibrary } from './playbooks/index.js';
import type { FieldCipher } from './privacy/cipher.js';
import type { BlobStore } from '../ports/blobs.js';
import type { RepositoryHub } from '../ports/repositories/index.js';

/** Everything the core needs, passed explicitly (no globals, no process.env). */
export interface CoreDeps {
  /** The storage ports (src/ports/repositories/): everything the core reads and writes in the database. */
  repos: RepositoryHub;
  cipher: FieldCipher;
  playbooks: PlaybookLibrary;
  clockRules: ClockRuleSet;
  calendar: OfficeCalendar;
  log: Logger;
  now: () => Date;
  /**
   * Where evidence files are kept (src/core/evidence): the first store takes new files, the others are read for
   * files stored earlier under another EVIDENCE_STORE. Without it the bot answers that evidence cannot be filed.
   */
  evidence?: { stores: readonly BlobStore[]; maxBytes?: number };
  /**
   * Called by IncidentService after each committed change of an incident (src/jobs schedules its clocks from it).
   * Failures are logged, never thrown at the person who made the change.
   */
  onIncidentChanged?: (change: IncidentChange) => Promise<void>;
}

export interface IncidentChange {
  incidentId: string;
  /** What changed: reported | checklist | assessment | occurrence-corrected | status:<to>. */
  reason: string;
}
