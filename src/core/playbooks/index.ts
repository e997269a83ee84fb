export { DEFAULT_PLAYBOOKS_DIR, loadPlaybookLibrary } from './library.js';
export {
  UnknownPlaybookError,
  type Category,
  type CategoryGroup,
  type ChecklistItem,
  type DefaultValue,
  type IntakeField,
  type IntakeOption,
  type PlaybookDefaults,
  type PlaybookLibrary,
  type ResolvedPlaybook,
} from './types.js';
export { conditionFacts, evaluateCondition, itemApplies, type Condition, type Facts } from './conditions.js';
export { LeakDetector, normalizeText, parseRule, type DetectResult, type DetectorConfig, type ScenarioPhrases } from './detect.js';
export type { FactDef } from './schema.js';
export {
  DERIVED_FACTS,
  FIELD_TYPES,
  GENERAL_PLAYBOOK_ID,
  INTAKE_FIELD_TYPES,
  INTAKE_KEYS,
  KNOWN_CLOCK_IDS,
  MAX_ITEM_KEY_LENGTH,
  MAX_LABEL_LENGTH,
  OWNER_ROLES,
  PHASES,
  SEVERITIES,
  type FieldType,
  type IntakeKey,
  type OwnerRole,
  type Phase,
  type Severity,
} from './vocabulary.js';
