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

/** What the roster import sets on a school. */
export type SchoolFields = Pick<SchoolRecord, 'name' | 'clockProfile' | 'kind' | 'contactPhone' | 'contactEmail'>;

export interface SchoolRepository {
  find(id: string): Promise<SchoolRecord | null>;
  /** The ids of every school, in order. */
  ids(): Promise<string[]>;
  create(school: SchoolFields & { id: string }): Promise<void>;
  update(id: string, fields: SchoolFields): Promise<void>;
}
