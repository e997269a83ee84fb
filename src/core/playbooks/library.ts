import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { DataFileError, loadYamlData } from '../data/yaml-file.js';
import { PROJECT_ROOT } from '../data/root.js';
import type { Condition } from './conditions.js';
import { LeakDetector, type DetectResult } from './detect.js';
import { checkDetection, detectorConfig } from './detection-check.js';
import {
  categoriesFileSchema,
  detectionFileSchema,
  intakeFileSchema,
  playbookFileSchema,
  type ChangeDef,
  type ChecklistItemDef,
  type FactDef,
  type IntakeFieldDef,
  type PlaybookFile,
} from './schema.js';
import {
  DERIVED_FACTS,
  GENERAL_PLAYBOOK_ID,
  INTAKE_FIELD_TYPES,
  INTAKE_KEYS,
  KNOWN_CLOCK_IDS,
  REPORT_KINDS,
  REPORT_SECTIONS_OF,
  SEVERITIES,
  type FieldType,
  type IntakeKey,
  type Severity,
} from './vocabulary.js';

/** playbooks/ of this project. */
export const DEFAULT_PLAYBOOKS_DIR = join(PROJECT_ROOT, 'playbooks');

/** Label of the scenario option that selects the general playbook. */
const OTHER_SCENARIO_LABEL = '其他';

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

/** Faults per file, so one start-up reports everything wrong in every file. */
class Faults {
  private readonly byFile = new Map<string, string[]>();

  add(file: string, path: string, message: string): void {
    this.addRaw(file, `${path || '(document)'}: ${message}`);
  }

  addRaw(file: string, fault: string): void {
    const list = this.byFile.get(file) ?? [];
    list.push(fault);
    this.byFile.set(file, list);
  }

  has(file?: string): boolean {
    return file === undefined ? this.byFile.size > 0 : this.byFile.has(file);
  }

  throwIfAny(dir: string): void {
    if (this.byFile.size === 0) return;
    const entries = [...this.byFile.entries()];
    if (entries.length === 1) throw new DataFileError(entries[0]![0], entries[0]![1]);
    throw new DataFileError(
      dir,
      entries.flatMap(([file, faults]) => faults.map((f) => `${relative(dir, file)}: ${f}`)),
    );
  }
}

function tryLoad<S extends z.ZodType>(file: string, schema: S, faults: Faults): z.output<S> | undefined {
  try {
    return loadYamlData(file, schema);
  } catch (err) {
    if (!(err instanceof DataFileError)) throw err;
    for (const f of err.faults) faults.addRaw(err.file, f);
    return undefined;
  }
}

/** Clock ids from playbooks/clocks.yaml when it exists (its own loader validates the rest), else the built-in list. */
function readClockIds(file: string, faults: Faults): { ids: Set<string>; from: string } | undefined {
  if (!existsSync(file)) return { ids: new Set(KNOWN_CLOCK_IDS), from: 'the built-in list (no playbooks/clocks.yaml)' };
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors.length > 0) {
    faults.add(file, '', `cannot read the clock ids: YAML syntax error: ${doc.errors[0]!.message.split('\n')[0]}`);
    return undefined;
  }
  const clocks: unknown = (doc.toJS() as { clocks?: unknown } | null)?.clocks;
  const ids = Array.isArray(clocks)
    ? clocks.map((c: unknown) => (c as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === 'string')
    : [];
  if (ids.length === 0) {
    faults.add(file, 'clocks', 'cannot read the clock ids: expected a list "clocks" whose entries have an "id"');
    return undefined;
  }
  return { ids: new Set(ids), from: basename(file) };
}

interface Entry {
  item: ChecklistItem;
  file: string;
  path: string;
}

interface Built {
  doc: PlaybookFile;
  file: string;
  entries: Entry[];
  facts: FactDef[];
  defaults: Record<string, DefaultValue>;
}

/** Loads and checks everything under playbooks/. Any fault stops start-up with a DataFileError naming file and field. */
export function loadPlaybookLibrary(dir: string = DEFAULT_PLAYBOOKS_DIR): PlaybookLibrary {
  const faults = new Faults();
  const playbooksDir = join(dir, 'playbooks');
  const categoriesFile = join(dir, 'categories.yaml');
  const intakeFile = join(dir, 'intake.yaml');
  const detectionFile = join(dir, 'detection.yaml');

  const clocks = readClockIds(join(dir, 'clocks.yaml'), faults);
  const categoriesDoc = tryLoad(categoriesFile, categoriesFileSchema, faults);
  const intakeDoc = tryLoad(intakeFile, intakeFileSchema, faults);
  const detectionDoc = tryLoad(detectionFile, detectionFileSchema, faults);

  // --- playbook files
  let files: string[] = [];
  try {
    files = readdirSync(playbooksDir)
      .filter((f) => ['.yaml', '.yml'].includes(extname(f)))
      .sort()
      .map((f) => join(playbooksDir, f));
  } catch (err) {
    faults.add(playbooksDir, '', `cannot read the playbook folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const docs = new Map<string, { doc: PlaybookFile; file: string }>();
  /** Playbooks whose file has faults of its own: others' references to them are not faults too. */
  const broken = new Set<string>();
  for (const file of files) {
    const doc = tryLoad(file, playbookFileSchema, faults);
    if (!doc) {
      broken.add(basename(file, extname(file)));
      continue;
    }
    const stem = basename(file, extname(file));
    if (doc.id !== stem) faults.add(file, 'id', `"${doc.id}" must match the file name "${stem}"`);
    const other = docs.get(doc.id);
    if (other) {
      faults.add(file, 'id', `playbook "${doc.id}" is also defined in ${other.file}`);
      continue;
    }
    docs.set(doc.id, { doc, file });
  }
  if (!docs.has(GENERAL_PLAYBOOK_ID) && !broken.has(GENERAL_PLAYBOOK_ID)) {
    faults.add(playbooksDir, '', `missing ${GENERAL_PLAYBOOK_ID}.yaml: the general playbook every scenario extends`);
  }

  // --- what conditions and defaults may refer to
  const intakeTypes = new Map<string, FieldType>(INTAKE_KEYS.map((k) => [k, INTAKE_FIELD_TYPES[k][0]!]));
  const intakeOptions = new Map<string, Set<string>>();
  for (const f of intakeDoc?.fields ?? []) {
    intakeTypes.set(f.key, f.type);
    if (f.options) intakeOptions.set(f.key, new Set(f.options.map((o) => o.value)));
  }
  if (categoriesDoc) intakeOptions.set('categories', new Set(categoriesDoc.categories.map((c) => c.key)));

  // --- resolution
  const built = new Map<string, Built | null>();
  const resolving = new Set<string>();

  const checkItem = (file: string, path: string, item: ChecklistItemDef, facts: Map<string, FieldType>) => {
    for (const field of ['clock', 'completesClock'] as const) {
      const id = item[field];
      if (id !== undefined && clocks && !clocks.ids.has(id)) {
        faults.add(file, `${path}.${field}`, `unknown clock id "${id}" (item "${item.key}"); known clock ids from ${clocks.from}: ${[...clocks.ids].join(', ')}`);
      }
    }
    if (item.when) checkCondition(file, `${path}.when`, item.when, facts);
    checkReports(file, path, item);
  };

  /** The report sections an item feeds exist in that report, and what ticking it asks fits what it feeds. */
  const checkReports = (file: string, path: string, item: ChecklistItemDef) => {
    const fed = new Set<string>();
    for (const kind of REPORT_KINDS) {
      for (const section of item.reports?.[kind] ?? []) {
        fed.add(section);
        if (!REPORT_SECTIONS_OF[kind].includes(section)) {
          faults.add(file, `${path}.reports.${kind}`, `the ${kind} report has no "${section}" section (it has ${REPORT_SECTIONS_OF[kind].join(', ')})`);
        }
      }
    }
    const asks = new Set(item.asks ?? []);
    if (fed.has('improvement') && !asks.has('plannedDate')) {
      faults.add(file, `${path}.asks`, `"${item.key}" feeds an improvement section: add "asks: [plannedDate]" so the reports print its scheduled completion date`);
    }
    if (asks.has('plannedDate') && !fed.has('improvement') && !fed.has('recovery')) {
      faults.add(file, `${path}.asks`, `"${item.key}" asks a planned date but feeds no improvement or recovery section of a report`);
    }
    if (asks.has('delayReason') && !item.completesClock) {
      faults.add(file, `${path}.asks`, `"${item.key}" asks a delay reason but completes no clock (the reason is asked when that clock is overdue)`);
    }
  };

  const checkCondition = (file: string, path: string, c: Condition, facts: Map<string, FieldType>) => {
    c.any?.forEach((x, i) => checkCondition(file, `${path}.any.${i}`, x, facts));
    c.all?.forEach((x, i) => checkCondition(file, `${path}.all.${i}`, x, facts));
    if (c.fact === undefined) return;
    const kind = facts.get(c.fact);
    if (kind === undefined) {
      faults.add(file, `${path}.fact`, `unknown fact "${c.fact}"; known facts: ${[...facts.keys()].join(', ')} (declare new ones under "facts")`);
      return;
    }
    const options = intakeOptions.get(c.fact);
    if (kind === 'multiselect') {
      if (c.includes === undefined) faults.add(file, `${path}.fact`, `"${c.fact}" holds several answers: test it with "includes"`);
      else if (options && !options.has(c.includes)) faults.add(file, `${path}.includes`, `"${c.includes}" is not an option of "${c.fact}"`);
      return;
    }
    if (c.includes !== undefined) {
      faults.add(file, `${path}.includes`, `"includes" only applies to multi-select facts; "${c.fact}" is ${kind}`);
      return;
    }
    const expected = kind === 'boolean' ? 'boolean' : kind === 'number' || kind === 'headcount' ? 'number' : kind === 'select' ? 'string' : undefined;
    if (expected === undefined) {
      faults.add(file, `${path}.fact`, `"${c.fact}" is free ${kind} and cannot be tested; use a yes/no fact instead`);
    } else if (typeof c.equals !== expected) {
      faults.add(file, `${path}.equals`, `"${c.fact}" is ${kind}: "equals" must be a ${expected}`);
    } else if (kind === 'select' && options && !options.has(c.equals as string)) {
      faults.add(file, `${path}.equals`, `"${String(c.equals)}" is not an option of "${c.fact}"`);
    }
  };

  const checkDefaults = (file: string, defaults: Record<string, DefaultValue>, declared: Set<string>) => {
    for (const [key, value] of Object.entries(defaults)) {
      const path = `defaults.${key}`;
      if (key === 'scenario') {
        faults.add(file, path, 'the scenario is the playbook itself; remove this default');
        continue;
      }
      const kind = declared.has(key) ? 'boolean' : intakeTypes.get(key);
      if (kind === undefined) {
        faults.add(file, path, `unknown field "${key}"; defaults may set intake fields (${INTAKE_KEYS.filter((k) => k !== 'scenario').join(', ')}) or declared facts (${[...declared].join(', ') || 'none'})`);
        continue;
      }
      const options = intakeOptions.get(key);
      const bad = (what: string) => faults.add(file, path, `"${key}" is ${kind}: ${what}`);
      if (kind === 'boolean' && typeof value !== 'boolean') bad('give true or false');
      else if ((kind === 'number' || kind === 'headcount') && typeof value !== 'number') bad('give a number');
      else if ((kind === 'text' || kind === 'textarea') && typeof value !== 'string') bad('give a text');
      else if (kind === 'datetime') bad('times cannot have a default in a playbook');
      else if (kind === 'select' && (typeof value !== 'string' || (options && !options.has(value)))) bad(`give one of ${[...(options ?? [])].join(', ')}`);
      else if (kind === 'multiselect') {
        if (!Array.isArray(value)) bad('give a list');
        else for (const v of value) if (options && !options.has(v)) faults.add(file, path, `"${v}" is not an option of "${key}"`);
      }
    }
  };

  const build = (id: string, via: string[]): Built | null => {
    if (built.has(id)) return built.get(id)!;
    const source = docs.get(id);
    if (!source) return null;
    const { doc, file } = source;
    if (resolving.has(id)) {
      faults.add(file, 'extends', `circular extends: ${[...via, id].join(' → ')}`);
      return null;
    }
    resolving.add(id);

    let parent: Built | null = null;
    if (doc.extends !== undefined) {
      if (!docs.has(doc.extends)) {
        if (!broken.has(doc.extends)) faults.add(file, 'extends', `unknown playbook "${doc.extends}"; known playbooks: ${[...docs.keys()].join(', ')}`);
        resolving.delete(id);
        built.set(id, null);
        return null;
      }
      parent = build(doc.extends, [...via, id]);
      if (!parent) {
        resolving.delete(id);
        built.set(id, null);
        return null;
      }
    }

    const facts = [...(parent?.facts ?? [])];
    doc.facts.forEach((f, i) => {
      if ((INTAKE_KEYS as readonly string[]).includes(f.key) || (DERIVED_FACTS as readonly string[]).includes(f.key) || facts.some((x) => x.key === f.key)) {
        faults.add(file, `facts.${i}.key`, `fact "${f.key}" is already defined (by the intake, derived from categories, or by an extended playbook)`);
      } else {
        facts.push(f);
      }
    });
    const factKinds = new Map<string, FieldType>(intakeTypes);
    for (const d of DERIVED_FACTS) factKinds.set(d, 'boolean');
    for (const f of facts) factKinds.set(f.key, 'boolean');

    let entries: Entry[];
    if (!parent) {
      entries = (doc.checklist ?? []).map((item, i) => ({ item: { ...item, source: id }, file, path: `checklist.${i}` }));
    } else {
      entries = applyChanges(parent, doc, file, faults);
    }
    for (const e of entries) if (e.file === file) checkItem(file, e.path, e.item, factKinds);

    const byKey = new Map<string, Entry[]>();
    for (const e of entries) byKey.set(e.item.key, [...(byKey.get(e.item.key) ?? []), e]);
    for (const [key, list] of byKey) {
      if (list.length < 2) continue;
      for (const e of list.filter((x) => x.file === file)) {
        const others = list.filter((x) => x !== e).map((x) => `${relative(dir, x.file)} ${x.path}`);
        faults.add(file, `${e.path}.key`, `checklist key "${key}" is used twice in playbook "${id}" (also at ${others.join(', ')}); keys must be unique`);
      }
    }

    const declared = new Set(facts.map((f) => f.key));
    checkDefaults(file, doc.defaults, declared);
    resolving.delete(id);
    // Playbooks extending a faulty one are not checked: their faults would only echo their parent's.
    if (faults.has(file)) {
      built.set(id, null);
      return null;
    }
    const result: Built = { doc, file, entries, facts, defaults: { ...(parent?.defaults ?? {}), ...doc.defaults } };
    built.set(id, result);
    return result;
  };

  for (const id of docs.keys()) build(id, []);

  // --- intake options that depend on other files
  const scenarioOrder: string[] = [];
  const intakeField = intakeDoc?.fields.find((f) => f.key === 'scenario');
  if (intakeDoc && intakeField?.options) {
    const index = intakeDoc.fields.indexOf(intakeField);
    const values = intakeField.options.map((o) => o.value);
    intakeField.options.forEach((o, j) => {
      if (!docs.has(o.value) && !broken.has(o.value)) faults.add(intakeFile, `fields.${index}.options.${j}.value`, `"${o.value}" is not a playbook; playbooks: ${[...docs.keys()].join(', ')}`);
    });
    for (const id of docs.keys()) {
      if (!values.includes(id)) faults.add(intakeFile, `fields.${index}.options`, `no option selects playbook "${id}"; add { value: ${id}, label: … }`);
    }
    scenarioOrder.push(...values);
  }

  // --- detection
  const kindsField = intakeDoc?.fields.find((f) => f.key === 'affectedKinds');
  const detectionFaults = checkDetection(
    { detection: detectionFile, categories: categoriesFile },
    detectionDoc,
    categoriesDoc,
    [...docs.values()].map(({ doc, file }) => ({ file, detect: doc.detect })),
    kindsField?.options ? new Set(kindsField.options.map((o) => o.value)) : undefined,
  );
  for (const f of detectionFaults) faults.add(f.file, f.path, f.message);

  faults.throwIfAny(dir);
  // Past this point every file loaded and every check passed.
  const cats = categoriesDoc!;
  const intakeData = intakeDoc!;
  const detection = detectionDoc!;

  const toResolved = (id: string): ResolvedPlaybook => {
    const b = built.get(id)!;
    return {
      id,
      title: b.doc.title,
      description: b.doc.description,
      ...(b.doc.extends !== undefined ? { extends: b.doc.extends } : {}),
      file: b.file,
      checklist: b.entries.map((e) => e.item),
      defaults: Object.freeze({ ...b.defaults }),
      facts: b.facts,
      detect: b.doc.detect,
    };
  };
  const rank = (id: string) => (id === GENERAL_PLAYBOOK_ID ? -1 : scenarioOrder.includes(id) ? scenarioOrder.indexOf(id) : scenarioOrder.length);
  const ordered = [...docs.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).map(toResolved);
  const byId = new Map(ordered.map((p) => [p.id, p]));

  const groupLabels = new Map(cats.groups.map((g) => [g.key, g.label]));
  const categories: Category[] = cats.categories.map((c) => ({ ...c, groupLabel: groupLabels.get(c.group)! }));
  const categoryByKey = new Map(categories.map((c) => [c.key, c]));

  const intake: IntakeField[] = intakeData.fields.map((f) => resolveField(f, intakeData.freeTextWarning, categories, ordered));

  const detector = new LeakDetector(
    detectorConfig(detection),
    ordered.filter((p) => p.detect.length > 0).map((p) => ({ id: p.id, rules: p.detect })),
    cats.categories.map((c) => ({ key: c.key, words: c.detect })),
  );

  return {
    dir,
    general: byId.get(GENERAL_PLAYBOOK_ID)!,
    list: () => [...ordered],
    get(id: string) {
      const p = byId.get(id);
      if (!p) throw new UnknownPlaybookError(id, [...byId.keys()]);
      return p;
    },
    categories,
    categoryGroups: cats.groups.map((g) => ({ ...g })),
    category: (key: string) => categoryByKey.get(key),
    severityOf(keys: readonly string[]): Severity {
      let level = 0;
      for (const k of keys) level = Math.max(level, SEVERITIES.indexOf(categoryByKey.get(k)?.severity ?? 'normal'));
      return SEVERITIES[level]!;
    },
    intake,
    intakeWarning: intakeData.freeTextWarning,
    detect: (text: string) => detector.detect(text),
  };
}

function applyChanges(parent: Built, doc: PlaybookFile, file: string, faults: Faults): Entry[] {
  const entries = parent.entries.map((e) => ({ ...e }));
  const removed: { clock: string; path: string; key: string }[] = [];
  const fresh = (item: ChecklistItemDef, path: string): Entry => ({ item: { ...item, source: doc.id }, file, path });

  (doc.changes ?? []).forEach((change: ChangeDef, i) => {
    const op = (['insertBefore', 'insertAfter', 'replace', 'omit', 'override'] as const).find((o) => change[o] !== undefined)!;
    const anchor = change[op]!;
    const path = `changes.${i}`;
    const at = entries.findIndex((e) => e.item.key === anchor);
    if (at < 0) {
      faults.add(file, `${path}.${op}`, `no item "${anchor}" in the checklist of "${doc.extends}" (after the changes above it); keys: ${entries.map((e) => e.item.key).join(', ')}`);
      return;
    }
    const target = entries[at]!;
    switch (op) {
      case 'insertBefore':
      case 'insertAfter': {
        const added = change.items!.map((item, j) => fresh(item, `${path}.items.${j}`));
        entries.splice(op === 'insertBefore' ? at : at + 1, 0, ...added);
        break;
      }
      case 'replace':
        if (target.item.completesClock) removed.push({ clock: target.item.completesClock, path: `${path}.replace`, key: anchor });
        entries[at] = fresh(change.item!, `${path}.item`);
        break;
      case 'omit':
        if (target.item.completesClock) removed.push({ clock: target.item.completesClock, path: `${path}.omit`, key: anchor });
        entries.splice(at, 1);
        break;
      case 'override': {
        const { title, publicText, detail, requiresEvidence, ownerRole } = change;
        entries[at] = {
          ...target,
          item: {
            ...target.item,
            ...(title !== undefined ? { title } : {}),
            ...(publicText !== undefined ? { publicText } : {}),
            ...(detail !== undefined ? { detail } : {}),
            ...(requiresEvidence !== undefined ? { requiresEvidence } : {}),
            ...(ownerRole !== undefined ? { ownerRole } : {}),
            source: doc.id,
          },
        };
        break;
      }
    }
  });

  for (const r of removed) {
    if (!entries.some((e) => e.item.completesClock === r.clock)) {
      faults.add(file, r.path, `removing "${r.key}" leaves no item that completes clock "${r.clock}"; keep an item with completesClock: ${r.clock}`);
    }
  }
  return entries;
}

function resolveField(f: IntakeFieldDef, warning: string, categories: Category[], playbooks: ResolvedPlaybook[]): IntakeField {
  let options: IntakeOption[] | undefined;
  if (f.optionsFrom === 'categories') {
    options = categories.map((c) => ({ value: c.key, label: c.label, group: c.groupLabel }));
  } else if (f.optionsFrom === 'playbooks') {
    options = [
      ...playbooks.filter((p) => p.id !== GENERAL_PLAYBOOK_ID).map((p) => ({ value: p.id, label: p.title })),
      { value: GENERAL_PLAYBOOK_ID, label: OTHER_SCENARIO_LABEL },
    ];
  } else if (f.options) {
    options = f.options.map((o) => ({ ...o }));
  }
  const { options: _ignored, ...rest } = f;
  void _ignored;
  return {
    ...rest,
    ...(options ? { options } : {}),
    ...(f.type === 'text' || f.type === 'textarea' ? { warning } : {}),
  };
}
