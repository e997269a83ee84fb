/**
 * Load-time checks of everything detection reads (playbooks/detection.yaml, the playbooks' `detect` rules, the
 * categories' `detect` words), so a typo stops start-up with its file and place instead of silently hearing less.
 */
import { checkWords, parseRule, type Vocabulary } from './detect-rules.js';
import type { DetectorConfig } from './detect.js';
import type { CategoriesFile, DetectionFile } from './schema.js';

export interface DetectionFault {
  /** Which file: the detection file, the categories file, or a playbook file (as given by the caller). */
  file: string;
  path: string;
  message: string;
}

export function detectorConfig(detection: DetectionFile): DetectorConfig {
  return detection;
}

export function checkDetection(
  files: { detection: string; categories: string },
  detection: DetectionFile | undefined,
  categories: CategoriesFile | undefined,
  playbooks: readonly { file: string; detect: readonly string[] }[],
  /** The options of the intake's affectedKinds field, when it loaded. */
  peopleKinds: ReadonlySet<string> | undefined,
): DetectionFault[] {
  const faults: DetectionFault[] = [];
  const vocabulary: Vocabulary = detection?.vocabulary ?? {};
  const words = (file: string, path: string, list: readonly string[]) =>
    list.forEach((w, i) => {
      for (const message of checkWords([w])) faults.push({ file, path: `${path}.${i}`, message });
    });

  if (detection) {
    const f = files.detection;
    for (const [name, list] of Object.entries(detection.vocabulary)) words(f, `vocabulary.${name}`, list);
    detection.generic.forEach((r, i) => {
      for (const message of parseRule(r, vocabulary).faults) faults.push({ file: f, path: `generic.${i}`, message });
    });
    for (const key of [
      'ignore',
      'negators',
      'questionEndings',
      'quietContexts',
      'happened',
      'turnedOutFine',
      'peopleOf',
      'wholeWords',
      'accessories',
    ] as const)
      words(f, key, detection[key]);
    words(f, 'readAs', Object.keys(detection.readAs));
    words(f, 'readAs', Object.values(detection.readAs));
    if (detection.restrictors) {
      words(f, 'restrictors.words', detection.restrictors.words);
      words(f, 'restrictors.reach', detection.restrictors.reach);
    }
    for (const [kind, list] of Object.entries(detection.people)) {
      if (peopleKinds && !peopleKinds.has(kind)) {
        faults.push({
          file: f,
          path: `people.${kind}`,
          message: `"${kind}" is not an option of the intake field affectedKinds (${[...peopleKinds].join(', ')})`,
        });
      }
      words(f, `people.${kind}`, list);
    }
  }
  categories?.categories.forEach((c, i) => {
    words(files.categories, `categories.${i}.detect`, c.detect);
    words(files.categories, `categories.${i}.places`, c.places);
  });
  // Without the detection file the word lists are unknown: the playbooks' rules are checked once it loads.
  if (!detection) return faults;
  for (const p of playbooks) {
    p.detect.forEach((r, i) => {
      for (const message of parseRule(r, vocabulary).faults) faults.push({ file: p.file, path: `detect.${i}`, message });
    });
  }
  return faults;
}
