import type { DetectResult } from './detect.js';
import type { ChecklistItemDef, FactDef } from './schema.js';
import type { FieldType, IntakeKey, Severity } from './vocabulary.js';

/** What the playbook library gives the rest of the product (loaded and checked by library.ts). */

export interface ChecklistItem extends ChecklistItemDef {
  /** Id of the playbook whose file defines the item's current content. */
  source: string;
}

export type DefaultValue = boolean | number | string | string[];
export type PlaybookDefaults = Readonly<Record<string, DefaultValue>>;

export interface ResolvedPlaybook {
  id: string;
  title: string;
  description: string;
  extends?: string;
  file: string;
  /** In working order; conditional items included (filter with `itemApplies`). */
  checklist: ChecklistItem[];
  /** Intake answers and facts this scenario presumes, e.g. involvesSystem: true. */
  defaults: PlaybookDefaults;
  /** Facts its conditions may test beyond the intake (declared along the extends chain). */
  facts: FactDef[];
  /** Detection rules as written (see detect.ts). */
  detect: string[];
}

export interface CategoryGroup {
  key: string;
  label: string;
}

export interface Category {
  key: string;
  label: string;
  group: string;
  groupLabel: string;
  hint?: string;
  basis: string;
  special: boolean;
  biometric: boolean;
  severity: Severity;
  note?: string;
}

export interface IntakeOption {
  value: string;
  label: string;
  /** Category group label, for multi-selects shown in groups. */
  group?: string;
}

export interface IntakeField {
  key: IntakeKey;
  label: string;
  question: string;
  type: FieldType;
  required: boolean;
  /** Always filled for select and multiselect fields, whatever the source. */
  options?: IntakeOption[];
  optionsFrom?: 'categories' | 'playbooks';
  help: string;
  maxLength?: number;
  min?: number;
  max?: number;
  default?: 'now';
  approximate?: boolean;
  suggestions?: string[];
  basis: string;
  /** Shown with free-text fields: describe the data, do not paste it. */
  warning?: string;
}

export interface PlaybookLibrary {
  dir: string;
  general: ResolvedPlaybook;
  /** General first, then the scenario variants in the order the intake offers them. */
  list(): ResolvedPlaybook[];
  /** Throws UnknownPlaybookError for an id no playbook file defines. */
  get(id: string): ResolvedPlaybook;
  categories: Category[];
  categoryGroups: CategoryGroup[];
  category(key: string): Category | undefined;
  /** The highest severity among these category keys (normal when none is known). */
  severityOf(categoryKeys: readonly string[]): Severity;
  intake: IntakeField[];
  intakeWarning: string;
  detect(text: string): DetectResult;
}

/** A caller asked for a playbook that does not exist (a bug or stale data, not a user mistake). */
export class UnknownPlaybookError extends Error {
  constructor(
    readonly id: string,
    known: readonly string[],
  ) {
    super(`Unknown playbook "${id}". Known playbooks: ${known.join(', ')}. Add playbooks/playbooks/${id}.yaml or fix the caller.`);
    this.name = 'UnknownPlaybookError';
  }
}
