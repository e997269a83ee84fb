import { readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { PROJECT_ROOT } from '../data/root.js';
import { PlaybookChecks } from './checks.js';
import { LeakDetector } from './detect.js';
import { checkDetection, detectorConfig } from './detection-check.js';
import { Faults, readClockIds, tryLoad } from './faults.js';
import { resolvePlaybooks } from './resolve.js';
import {
  categoriesFileSchema,
  detectionFileSchema,
  intakeFileSchema,
  playbookFileSchema,
  type IntakeFieldDef,
  type PlaybookFile,
} from './schema.js';
import {
  UnknownPlaybookError,
  type Category,
  type IntakeField,
  type IntakeOption,
  type PlaybookLibrary,
  type ResolvedPlaybook,
} from './types.js';
import { GENERAL_PLAYBOOK_ID, INTAKE_FIELD_TYPES, INTAKE_KEYS, SEVERITIES, type FieldType, type Severity } from './vocabulary.js';

/** playbooks/ of this project. */
export const DEFAULT_PLAYBOOKS_DIR = join(PROJECT_ROOT, 'playbooks');

/** Label of the scenario option that selects the general playbook. */
const OTHER_SCENARIO_LABEL = '其他';

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
  const checks = new PlaybookChecks(faults, clocks, intakeTypes, intakeOptions);
  const built = resolvePlaybooks(dir, docs, broken, checks, faults);

  // --- intake options that depend on other files
  const scenarioOrder: string[] = [];
  const intakeField = intakeDoc?.fields.find((f) => f.key === 'scenario');
  if (intakeDoc && intakeField?.options) {
    const index = intakeDoc.fields.indexOf(intakeField);
    const values = intakeField.options.map((o) => o.value);
    intakeField.options.forEach((o, j) => {
      if (!docs.has(o.value) && !broken.has(o.value))
        faults.add(
          intakeFile,
          `fields.${index}.options.${j}.value`,
          `"${o.value}" is not a playbook; playbooks: ${[...docs.keys()].join(', ')}`,
        );
    });
    for (const id of docs.keys()) {
      if (!values.includes(id))
        faults.add(intakeFile, `fields.${index}.options`, `no option selects playbook "${id}"; add { value: ${id}, label: … }`);
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
  const rank = (id: string) =>
    id === GENERAL_PLAYBOOK_ID ? -1 : scenarioOrder.includes(id) ? scenarioOrder.indexOf(id) : scenarioOrder.length;
  const ordered = [...docs.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).map(toResolved);
  const byId = new Map(ordered.map((p) => [p.id, p]));

  const groupLabels = new Map(cats.groups.map((g) => [g.key, g.label]));
  const categories: Category[] = cats.categories.map((c) => ({ ...c, groupLabel: groupLabels.get(c.group)! }));
  const categoryByKey = new Map(categories.map((c) => [c.key, c]));

  const intake: IntakeField[] = intakeData.fields.map((f) => resolveField(f, intakeData.freeTextWarning, categories, ordered));

  const detector = new LeakDetector(
    detectorConfig(detection),
    ordered.filter((p) => p.detect.length > 0).map((p) => ({ id: p.id, rules: p.detect })),
    cats.categories.map((c) => ({ key: c.key, words: c.detect, places: c.places })),
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
