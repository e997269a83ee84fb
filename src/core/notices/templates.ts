import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DataFileError, loadYamlData } from '../data/yaml-file.js';

/** The audiences a notice is written for (legal-rules.md §5: minors are notified through their legal guardian). */
export const AUDIENCES = ['guardians', 'adult-students', 'staff', 'others'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** The parts legal-rules.md §3.3 requires in a notice (個資法施行細則第22條; seed 004 pt. 44), in reading order. */
export const NOTICE_SECTIONS = ['facts', 'measures', 'advice', 'inquiry', 'compensation'] as const;
export type NoticeSection = (typeof NOTICE_SECTIONS)[number];

/** What a template may fill in from the incident. */
export const PLACEHOLDERS = [
  'schoolName',
  'ref',
  'occurredDate',
  'awareDate',
  'noticeDate',
  'occurredClause',
  'what',
  'affected',
  'categories',
  'measures',
  'contactUnit',
  'contactName',
  'contactPhone',
  'contactEmail',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type NoticeFacts = Record<Placeholder, string>;

/**
 * The reporter's free text, which earlier templates could fill in: a notice goes to every person affected and must not
 * quote what the reporter typed (names, addresses, internal details: legal-rules.md §3.3 — a notice states the facts
 * and the measures, not the data). A template that still uses one stops start-up with this explanation.
 */
const FREE_TEXT: Record<string, string> = {
  howLeaked: "the reporter's own words are never quoted in a notice; use {{what}} (the kind of incident in plain words)",
  stepsTaken: "the reporter's internal note is never quoted in a notice; use {{measures}} (built from the checklist)",
};

const PLACEHOLDER_RE = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

const text = z.string().trim().min(1, 'must not be empty');

const templateSchema = z
  .object({
    audience: z.enum(AUDIENCES),
    label: text,
    basis: text,
    title: text,
    greeting: text,
    sections: z.object(Object.fromEntries(NOTICE_SECTIONS.map((s) => [s, text])) as Record<NoticeSection, typeof text>).strict(),
    closing: text,
  })
  .strict();

export type NoticeTemplate = z.output<typeof templateSchema>;

export interface NoticeTemplates {
  dir: string;
  get(audience: Audience): NoticeTemplate;
}

/**
 * Placeholders each template must use in a given part: the measures taken (施行細則第22條第2項) and the inquiry channel
 * (施行細則第22條; 臺北市政府政風處個人資料保護管理要點第44點: 提供查詢及協助管道) with the school's telephone and e-mail.
 */
const REQUIRED: [NoticeSection, Placeholder][] = [
  ['measures', 'measures'],
  ['inquiry', 'contactPhone'],
  ['inquiry', 'contactEmail'],
];

function unknownPlaceholders(value: string): string[] {
  return [...value.matchAll(PLACEHOLDER_RE)].map((m) => m[1]!).filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p));
}

/**
 * Loads playbooks/notices/*.yaml: one template per audience, every §3.3 part present, only known placeholders.
 * A bad or missing file stops start-up with a DataFileError naming the file and the fault.
 */
export function loadNoticeTemplates(dir: string): NoticeTemplates {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /\.ya?ml$/i.test(n))
      .sort();
  } catch (err) {
    throw new DataFileError(dir, [`cannot read the notice template folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  const byAudience = new Map<Audience, NoticeTemplate>();
  for (const name of names) {
    const file = join(dir, name);
    const t = loadYamlData(file, templateSchema);
    const faults: string[] = [];
    const strings: [string, string][] = [
      ['title', t.title],
      ['greeting', t.greeting],
      ['closing', t.closing],
      ...NOTICE_SECTIONS.map((s): [string, string] => [`sections.${s}`, t.sections[s]]),
    ];
    for (const [path, value] of strings) {
      for (const p of unknownPlaceholders(value)) {
        if (FREE_TEXT[p]) faults.push(`${path}: {{${p}}} is no longer allowed: ${FREE_TEXT[p]}`);
        else faults.push(`${path}: unknown placeholder {{${p}}} (known: ${PLACEHOLDERS.join(', ')})`);
      }
    }
    for (const [section, p] of REQUIRED) {
      if (!t.sections[section].includes(`{{${p}}}`)) faults.push(`sections.${section}: must contain {{${p}}}`);
    }
    if (byAudience.has(t.audience)) faults.push(`audience: "${t.audience}" is already defined by another file in ${dir}`);
    if (faults.length) throw new DataFileError(file, faults);
    byAudience.set(t.audience, t);
  }
  const missing = AUDIENCES.filter((a) => !byAudience.has(a));
  if (missing.length) {
    throw new DataFileError(
      dir,
      missing.map((a) => `no notice template for audience "${a}": add a file with "audience: ${a}"`),
    );
  }
  return {
    dir,
    get: (audience) => byAudience.get(audience)!,
  };
}

function fill(template: string, facts: NoticeFacts): string {
  return template.replace(PLACEHOLDER_RE, (_m, name: string) => facts[name as Placeholder]);
}

/** The first text of a notice: title, greeting, the five required parts, closing; placeholders filled. */
export function renderNotice(t: NoticeTemplate, facts: NoticeFacts): string {
  return [
    fill(t.title, facts),
    '',
    fill(t.greeting, facts),
    ...NOTICE_SECTIONS.map((s) => `　　${fill(t.sections[s], facts).replace(/\s*\n\s*/g, '')}`),
    '',
    fill(t.closing, facts),
  ].join('\n');
}

/** Blanks a school leaves in a template for the drafter (「【請填寫：學校電話】」); a notice cannot be submitted with one. */
export const BLANK_MARKER = /【請填寫[^】]*】/;
