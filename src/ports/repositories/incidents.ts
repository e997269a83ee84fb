/** A value of a JSON column, as read. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key in string]?: JsonValue };

/**
 * An incident as stored (table incident): what the services read. The encrypted fields (…Enc) are ciphertext; the
 * repository of the incidents themselves comes with their service (issue #17 step 3); retention reads them already.
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
