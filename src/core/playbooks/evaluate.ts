/**
 * Measures leak detection on a labelled corpus (test/data/detect-corpus.yaml and the held-out set): recall, false
 * alarms, and whether the suggested playbook is the right one. Used by `npm run understand -- eval` and the tests.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import type { DetectResult } from './detect.js';
import { GENERAL_PLAYBOOK_ID } from './vocabulary.js';

const corpusSchema = z.strictObject({
  reports: z.record(z.string().min(1), z.array(z.string().trim().min(1)).min(1)),
  everyday: z.array(z.string().trim().min(1)).min(1),
});

export interface LabelledMessage {
  text: string;
  /** The playbook it should suggest; null for an everyday message that is not a report. */
  playbook: string | null;
}

/** Reads a corpus file; throws an English message naming the file when it is malformed. */
export function loadCorpus(file: string): LabelledMessage[] {
  const parsed = corpusSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new Error(
      `${file}: ${first.path.join('.') || '(document)'}: ${first.message} (expected "reports: {<playbook id>: [messages]}" and "everyday: [messages]")`,
    );
  }
  return [
    ...Object.entries(parsed.data.reports).flatMap(([playbook, texts]) => texts.map((text) => ({ text, playbook }))),
    ...parsed.data.everyday.map((text) => ({ text, playbook: null })),
  ];
}

/** Targets of issue #12: recall ≥ 97 %, false alarms ≤ 3 %, right playbook ≥ 90 % of the reports heard. */
export const DETECTION_TARGETS = { recall: 0.97, falseAlarms: 0.03, variant: 0.9 } as const;

export interface VariantFigures {
  playbook: string;
  reports: number;
  heard: number;
  right: number;
}

export interface Miss {
  text: string;
  expected: string | null;
  got: string | null;
  matched: string[];
}

export interface Evaluation {
  reports: number;
  everyday: number;
  recall: number;
  falseAlarms: number;
  /** Share of the reports heard whose suggested playbook is the labelled one (generic-only counts as general). */
  variant: number;
  perVariant: VariantFigures[];
  /** Reports not heard, everyday messages offered, and reports heard as the wrong playbook. */
  misses: Miss[];
  meetsTargets: boolean;
}

export function evaluateDetection(corpus: readonly LabelledMessage[], detect: (text: string) => DetectResult): Evaluation {
  const per = new Map<string, VariantFigures>();
  const misses: Miss[] = [];
  let reports = 0;
  let heard = 0;
  let right = 0;
  let everyday = 0;
  let alarms = 0;
  for (const m of corpus) {
    const r = detect(m.text);
    const got = r.isLeakReport ? (r.scenario ?? GENERAL_PLAYBOOK_ID) : null;
    if (m.playbook === null) {
      everyday += 1;
      if (r.isLeakReport) {
        alarms += 1;
        misses.push({ text: m.text, expected: null, got, matched: r.matched });
      }
      continue;
    }
    reports += 1;
    const v = per.get(m.playbook) ?? { playbook: m.playbook, reports: 0, heard: 0, right: 0 };
    per.set(m.playbook, v);
    v.reports += 1;
    if (!r.isLeakReport) {
      misses.push({ text: m.text, expected: m.playbook, got: null, matched: [] });
      continue;
    }
    heard += 1;
    v.heard += 1;
    if (got === m.playbook) {
      right += 1;
      v.right += 1;
    } else {
      misses.push({ text: m.text, expected: m.playbook, got, matched: r.matched });
    }
  }
  const recall = reports ? heard / reports : 1;
  const falseAlarms = everyday ? alarms / everyday : 0;
  const variant = heard ? right / heard : 1;
  return {
    reports,
    everyday,
    recall,
    falseAlarms,
    variant,
    perVariant: [...per.values()],
    misses,
    meetsTargets:
      recall >= DETECTION_TARGETS.recall && falseAlarms <= DETECTION_TARGETS.falseAlarms && variant >= DETECTION_TARGETS.variant,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** The figures as a plain-text table for operators (English headings, the messages as written). */
export function formatEvaluation(name: string, e: Evaluation): string {
  const lines = [
    `${name}: ${e.reports} reports, ${e.everyday} everyday messages`,
    `  recall        ${pct(e.recall).padStart(8)}   target ≥ ${pct(DETECTION_TARGETS.recall)}${e.recall >= DETECTION_TARGETS.recall ? '' : '   MISSED'}`,
    `  false alarms  ${pct(e.falseAlarms).padStart(8)}   target ≤ ${pct(DETECTION_TARGETS.falseAlarms)}${e.falseAlarms <= DETECTION_TARGETS.falseAlarms ? '' : '   MISSED'}`,
    `  variant       ${pct(e.variant).padStart(8)}   target ≥ ${pct(DETECTION_TARGETS.variant)}${e.variant >= DETECTION_TARGETS.variant ? '' : '   MISSED'}`,
    '',
    `  ${'playbook'.padEnd(22)}${'reports'.padStart(8)}${'heard'.padStart(8)}${'right'.padStart(8)}${'recall'.padStart(10)}${'variant'.padStart(10)}`,
    ...e.perVariant.map(
      (v) =>
        `  ${v.playbook.padEnd(22)}${String(v.reports).padStart(8)}${String(v.heard).padStart(8)}${String(v.right).padStart(8)}` +
        `${pct(v.reports ? v.heard / v.reports : 1).padStart(10)}${pct(v.heard ? v.right / v.heard : 1).padStart(10)}`,
    ),
  ];
  if (e.misses.length > 0) {
    lines.push('', '  misses (expected → got: message [matched]):');
    for (const m of e.misses)
      lines.push(
        `    ${m.expected ?? 'not a report'} → ${m.got ?? 'not a report'}: ${m.text}${m.matched.length ? ` [${m.matched.join(', ')}]` : ''}`,
      );
  }
  return lines.join('\n');
}
