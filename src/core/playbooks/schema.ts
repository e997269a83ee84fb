import { z } from 'zod';
import { ROLE_KEYS } from '../roles.js';
import type { Condition } from './conditions.js';
import {
  FIELD_TYPES,
  INTAKE_FIELD_TYPES,
  INTAKE_KEYS,
  ITEM_ASKS,
  MAX_ITEM_KEY_LENGTH,
  MAX_LABEL_LENGTH,
  OWNER_ROLES,
  PHASES,
  REPORT_SECTIONS,
  SEVERITIES,
  type IntakeKey,
} from './vocabulary.js';

/** Shape checks of the files in playbooks/; checks across files (clock ids, anchors, categories) are in library.ts. */

const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const CAMEL = /^[a-z][a-zA-Z0-9]*$/;

const text = z.string().trim().min(1, 'must not be empty');

const oneLine = text.refine((s) => !/[\r\n]/.test(s), { message: 'must be a single line' });

/** A label shown as a phone button (checklist titles, option labels, playbook titles). */
const buttonLabel = text.refine((s) => [...s].length <= MAX_LABEL_LENGTH, {
  message: `must be at most ${MAX_LABEL_LENGTH} characters so it fits a phone button (LINE cuts labels at ${MAX_LABEL_LENGTH}); shorten it and put the rest in "detail"`,
});

export const itemKeySchema = z
  .string()
  .regex(KEBAB, 'use kebab-case: lowercase letters and digits, single dashes between words')
  .max(MAX_ITEM_KEY_LENGTH, `must be at most ${MAX_ITEM_KEY_LENGTH} characters: it goes into button payloads`);

const clockRef = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a clock id is lowercase letters, digits and dashes');

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z
    .strictObject({
      fact: z.string().min(1).optional(),
      equals: z.union([z.boolean(), z.string(), z.number()]).optional(),
      includes: z.string().min(1).optional(),
      any: z.array(conditionSchema).min(1).optional(),
      all: z.array(conditionSchema).min(1).optional(),
    })
    .superRefine((c, ctx) => {
      const forms = [
        c.fact !== undefined && c.equals !== undefined && c.includes === undefined,
        c.fact !== undefined && c.includes !== undefined && c.equals === undefined,
        c.any !== undefined,
        c.all !== undefined,
      ].filter(Boolean).length;
      const parts = [c.fact, c.equals, c.includes, c.any, c.all].filter((v) => v !== undefined).length;
      const expectedParts = c.any !== undefined || c.all !== undefined ? 1 : 2;
      if (forms !== 1 || parts !== expectedParts) {
        ctx.addIssue({
          code: 'custom',
          message: 'a condition is exactly one of { fact, equals }, { fact, includes }, { any: [...] } or { all: [...] }',
        });
      }
    }),
);

/** One section or several, always read as a list. */
const reportSections = z
  .union([z.enum(REPORT_SECTIONS), z.array(z.enum(REPORT_SECTIONS)).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]));

/**
 * How a notice to the people affected says that this step was done (個資法施行細則第22條: the notice states the
 * measures already taken): a plain-language clause without the final 「。」, joined with others into one sentence
 * (src/core/notices/measures.ts). `null` marks an internal step that a notice does not mention (e.g. reporting to the
 * contact window); every item must say which, so a new item is never silently left out of the notices.
 */
export const MAX_PUBLIC_TEXT_LENGTH = 60;
const publicTextSchema = z.union(
  [
    oneLine
      .refine((s) => !/[。；;]/.test(s), { message: 'must be one clause without 「。」 or 「；」: the notice joins the clauses itself' })
      .refine((s) => [...s].length <= MAX_PUBLIC_TEXT_LENGTH, { message: `must be at most ${MAX_PUBLIC_TEXT_LENGTH} characters` }),
    z.null(),
  ],
  { message: 'give the plain-language wording for the notices, or ~ (null) for an internal step' },
);

export const checklistItemSchema = z.strictObject({
  key: itemKeySchema,
  title: buttonLabel,
  publicText: publicTextSchema,
  detail: text,
  basis: text,
  /** Caveat on the basis (e.g. an article number still to be confirmed), shown with it. */
  basisNote: text.optional(),
  phase: z.enum(PHASES),
  ownerRole: z.enum(OWNER_ROLES),
  /** Only these roles may complete it or mark it not applicable (the auditor's review: 私立…實施辦法第3條第3項). */
  completedBy: z.array(z.enum(ROLE_KEYS)).min(1).optional(),
  clock: clockRef.optional(),
  completesClock: clockRef.optional(),
  requiresEvidence: text.optional(),
  naAllowed: z.boolean(),
  when: conditionSchema.optional(),
  /** Which section of which report the item feeds, e.g. { bureau: containment, closure: harm, cyber: harm }. */
  reports: z
    .strictObject({ bureau: reportSections.optional(), closure: reportSections.optional(), cyber: reportSections.optional() })
    .refine((r) => Object.keys(r).length > 0, { message: 'name at least one report (bureau, closure, cyber), or leave "reports" out' })
    .optional(),
  /** What ticking it done asks besides the note (plannedDate, cyberLevel, delayReason). */
  asks: z.array(z.enum(ITEM_ASKS)).min(1).optional(),
});
export type ChecklistItemDef = z.output<typeof checklistItemSchema>;

const CHANGE_OPS = ['insertBefore', 'insertAfter', 'replace', 'omit', 'override'] as const;
export type ChangeOp = (typeof CHANGE_OPS)[number];

const OVERRIDABLE = ['title', 'publicText', 'detail', 'requiresEvidence', 'ownerRole'] as const;

/** One edit a variant makes to the checklist it extends; applied in order. */
export const changeSchema = z
  .strictObject({
    insertBefore: z.string().min(1).optional(),
    insertAfter: z.string().min(1).optional(),
    replace: z.string().min(1).optional(),
    omit: z.string().min(1).optional(),
    override: z.string().min(1).optional(),
    items: z.array(checklistItemSchema).min(1).optional(),
    item: checklistItemSchema.optional(),
    reason: text.optional(),
    title: buttonLabel.optional(),
    publicText: publicTextSchema.optional(),
    detail: text.optional(),
    requiresEvidence: text.optional(),
    ownerRole: z.enum(OWNER_ROLES).optional(),
  })
  .superRefine((c, ctx) => {
    const ops = CHANGE_OPS.filter((op) => c[op] !== undefined);
    if (ops.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `give exactly one of ${CHANGE_OPS.join(', ')} (found ${ops.length ? ops.join(', ') : 'none'})`,
      });
      return;
    }
    const op = ops[0]!;
    const allowed: Record<ChangeOp, readonly string[]> = {
      insertBefore: ['items'],
      insertAfter: ['items'],
      replace: ['item'],
      omit: ['reason'],
      override: OVERRIDABLE,
    };
    const present = ['items', 'item', 'reason', ...OVERRIDABLE].filter((k) => c[k as keyof typeof c] !== undefined);
    for (const k of present) {
      if (!allowed[op].includes(k)) {
        ctx.addIssue({ code: 'custom', path: [k], message: `"${k}" does not go with "${op}" (${op} takes ${allowed[op].join(', ')})` });
      }
    }
    if ((op === 'insertBefore' || op === 'insertAfter') && c.items === undefined) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: `"${op}" needs "items": the new checklist items` });
    }
    if (op === 'replace' && c.item === undefined) {
      ctx.addIssue({ code: 'custom', path: ['item'], message: '"replace" needs "item": the checklist item that takes its place' });
    }
    if (op === 'omit' && c.reason === undefined) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: '"omit" needs "reason": why this item does not apply to the scenario' });
    }
    if (op === 'override' && !OVERRIDABLE.some((k) => c[k] !== undefined)) {
      ctx.addIssue({ code: 'custom', message: `"override" needs at least one of ${OVERRIDABLE.join(', ')}` });
    }
  });
export type ChangeDef = z.output<typeof changeSchema>;

/** A fact a playbook's conditions may test that the intake does not ask (asked when an item depends on it). */
export const factSchema = z.strictObject({
  key: z.string().regex(CAMEL, 'use camelCase, e.g. suspectedCrime'),
  question: oneLine,
  type: z.literal('boolean'),
  basis: text,
});
export type FactDef = z.output<typeof factSchema>;

const defaultValue = z.union([z.boolean(), z.number(), z.string(), z.array(z.string())]);

export const playbookFileSchema = z
  .strictObject({
    id: z.string().regex(KEBAB, 'use kebab-case, the same as the file name'),
    title: buttonLabel,
    description: oneLine,
    extends: z.string().min(1).optional(),
    facts: z.array(factSchema).default([]),
    defaults: z.record(z.string(), defaultValue).default({}),
    detect: z.array(text).default([]),
    checklist: z.array(checklistItemSchema).min(1).optional(),
    changes: z.array(changeSchema).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.extends === undefined) {
      if (p.checklist === undefined) {
        ctx.addIssue({ code: 'custom', path: ['checklist'], message: 'a playbook without "extends" needs its own "checklist"' });
      }
      if (p.changes !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['changes'],
          message: '"changes" only apply with "extends"; list the items under "checklist"',
        });
      }
    } else {
      if (p.checklist !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['checklist'],
          message: `a playbook that extends "${p.extends}" edits its checklist under "changes" (insertBefore/insertAfter/replace/omit/override)`,
        });
      }
      if (p.detect.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['detect'],
          message: 'a scenario playbook needs "detect" phrases, as staff would write them',
        });
      }
    }
  });
export type PlaybookFile = z.output<typeof playbookFileSchema>;

export const categoriesFileSchema = z
  .strictObject({
    groups: z.array(z.strictObject({ key: z.string().regex(CAMEL, 'use camelCase'), label: buttonLabel })).min(1),
    categories: z
      .array(
        z.strictObject({
          key: z
            .string()
            .regex(CAMEL, 'use camelCase, e.g. nationalId')
            .max(MAX_ITEM_KEY_LENGTH, `must be at most ${MAX_ITEM_KEY_LENGTH} characters: it goes into button payloads`),
          label: buttonLabel,
          group: z.string().min(1),
          hint: oneLine.optional(),
          basis: text,
          special: z.boolean(),
          biometric: z.boolean(),
          severity: z.enum(SEVERITIES),
          note: text.optional(),
          /** Words naming this kind of data in a message, to prefill the report (docs/detection.md). */
          detect: z.array(text).default([]),
          /** Places whose records are this kind of data (健康中心 → health): named in a report, they imply it. */
          places: z.array(text).default([]),
        }),
      )
      .min(1),
  })
  .superRefine((doc, ctx) => {
    const groups = new Set<string>();
    doc.groups.forEach((g, i) => {
      if (groups.has(g.key)) ctx.addIssue({ code: 'custom', path: ['groups', i, 'key'], message: `group "${g.key}" is listed twice` });
      groups.add(g.key);
    });
    const keys = new Set<string>();
    doc.categories.forEach((c, i) => {
      const at = (field: string) => ['categories', i, field];
      if (keys.has(c.key)) ctx.addIssue({ code: 'custom', path: at('key'), message: `category "${c.key}" is listed twice` });
      keys.add(c.key);
      if (!groups.has(c.group)) {
        ctx.addIssue({ code: 'custom', path: at('group'), message: `unknown group "${c.group}"; known groups: ${[...groups].join(', ')}` });
      }
      if (c.special !== (c.severity === 'special')) {
        ctx.addIssue({
          code: 'custom',
          path: at('severity'),
          message: 'severity "special" is for, and only for, special categories (個資法第6條): make "special" and "severity" agree',
        });
      }
      if (c.biometric && c.severity === 'normal') {
        ctx.addIssue({
          code: 'custom',
          path: at('severity'),
          message: 'biometric data is at least severity "high" (MOE biometric guideline)',
        });
      }
    });
  });
export type CategoriesFile = z.output<typeof categoriesFileSchema>;

const optionSchema = z.strictObject({ value: z.string().min(1), label: buttonLabel });

export const intakeFieldSchema = z.strictObject({
  key: z.enum(INTAKE_KEYS),
  label: buttonLabel,
  question: oneLine,
  type: z.enum(FIELD_TYPES),
  required: z.boolean(),
  options: z.array(optionSchema).min(2).optional(),
  optionsFrom: z.enum(['categories', 'playbooks']).optional(),
  help: oneLine,
  maxLength: z.number().int().positive().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  /** Only `now`, for datetimes the person usually answers with "just now". */
  default: z.literal('now').optional(),
  /** The person may answer roughly (「大約即可」). */
  approximate: z.boolean().optional(),
  /** Ready-made answers offered as buttons, e.g. 「尚未處置」. */
  suggestions: z.array(buttonLabel).min(1).optional(),
  basis: text,
});
export type IntakeFieldDef = z.output<typeof intakeFieldSchema>;

export const intakeFileSchema = z
  .strictObject({
    freeTextWarning: oneLine,
    fields: z.array(intakeFieldSchema).min(1),
  })
  .superRefine((doc, ctx) => {
    const seen = new Set<IntakeKey>();
    doc.fields.forEach((f, i) => {
      const at = (field: string) => ['fields', i, field];
      if (seen.has(f.key)) ctx.addIssue({ code: 'custom', path: at('key'), message: `field "${f.key}" is listed twice` });
      seen.add(f.key);
      const types = INTAKE_FIELD_TYPES[f.key];
      if (!types.includes(f.type)) {
        ctx.addIssue({
          code: 'custom',
          path: at('type'),
          message: `"${f.key}" must be of type ${types.join(' or ')} (the conversation engine relies on it)`,
        });
      }
      const isChoice = f.type === 'select' || f.type === 'multiselect';
      const sources = Number(f.options !== undefined) + Number(f.optionsFrom !== undefined);
      if (isChoice && sources !== 1) {
        ctx.addIssue({ code: 'custom', path: at('options'), message: `a ${f.type} needs exactly one of "options" or "optionsFrom"` });
      }
      if (!isChoice && sources !== 0) {
        ctx.addIssue({ code: 'custom', path: at('options'), message: `a ${f.type} field has no options` });
      }
      if (f.key === 'categories' && f.optionsFrom !== 'categories') {
        ctx.addIssue({
          code: 'custom',
          path: at('optionsFrom'),
          message: '"categories" takes its options from categories.yaml: set optionsFrom: categories',
        });
      }
      if (f.key !== 'categories' && f.optionsFrom === 'categories') {
        ctx.addIssue({
          code: 'custom',
          path: at('optionsFrom'),
          message: 'only the "categories" field takes its options from categories.yaml',
        });
      }
      if (f.key !== 'scenario' && f.optionsFrom === 'playbooks') {
        ctx.addIssue({
          code: 'custom',
          path: at('optionsFrom'),
          message: 'only the "scenario" field takes its options from the playbooks',
        });
      }
      if ((f.type === 'text' || f.type === 'textarea') && f.maxLength === undefined) {
        ctx.addIssue({ code: 'custom', path: at('maxLength'), message: 'free-text fields need a maxLength' });
      }
      if (f.default !== undefined && f.type !== 'datetime') {
        ctx.addIssue({ code: 'custom', path: at('default'), message: 'default "now" only applies to datetime fields' });
      }
      if ((f.min !== undefined || f.max !== undefined) && f.type !== 'number') {
        ctx.addIssue({ code: 'custom', path: at('min'), message: 'min and max only apply to number fields' });
      }
      if (f.options) {
        const values = new Set<string>();
        f.options.forEach((o, j) => {
          if (values.has(o.value))
            ctx.addIssue({ code: 'custom', path: ['fields', i, 'options', j, 'value'], message: `option "${o.value}" is listed twice` });
          values.add(o.value);
        });
      }
    });
    const missing = INTAKE_KEYS.filter((k) => !seen.has(k));
    if (missing.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['fields'],
        message: `missing intake fields: ${missing.join(', ')} (every field of the internal report is required)`,
      });
    }
  });
export type IntakeFile = z.output<typeof intakeFileSchema>;

const wordList = z.array(text).min(1);

export const detectionFileSchema = z.strictObject({
  vocabulary: z.record(z.string().regex(CAMEL, 'name word lists in camelCase, e.g. publicPlace'), wordList).default({}),
  generic: z.array(text).min(1),
  ignore: z.array(text).default([]),
  negators: z.array(text).default([]),
  negatorWindow: z.number().int().min(0).max(20).default(6),
  questionEndings: z.array(text).default([]),
  quietContexts: z.array(text).default([]),
  happened: z.array(text).default([]),
  turnedOutFine: z.array(text).default([]),
  people: z.record(z.string().min(1), wordList).default({}),
  peopleWindow: z.number().int().min(0).max(20).default(6),
  peopleOf: z.array(text).default([]),
  wholeWords: z.array(text).default([]),
  accessories: z.array(text).default([]),
  readAs: z.record(text, text).default({}),
  restrictors: z.strictObject({ words: wordList, reach: wordList, window: z.number().int().min(1).max(20) }).optional(),
});
export type DetectionFile = z.output<typeof detectionFileSchema>;
