/** A school as the core reads it (table school). */
export interface SchoolRecord {
  id: string;
  name: string;
  isDemo: boolean;
  clockProfile: string;
  /** The contact window's office telephone printed on the reports (聯絡電話). */
  contactPhone: string | null;
  /** The school's shared mailbox printed in notices. */
  contactEmail: string | null;
  /** public | private (from the roster). */
  kind: string | null;
  createdAt: Date;
}

export interface SchoolRepository {
  find(id: string): Promise<SchoolRecord | null>;
}
