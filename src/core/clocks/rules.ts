import { join } from 'node:path';
import { z } from 'zod';
import { loadYamlData, parseYamlData } from '../data/yaml-file.js';
import { PROJECT_ROOT } from '../data/root.js';

/** playbooks/clocks.yaml of this project. */
export const DEFAULT_CLOCK_RULES_FILE = join(PROJECT_ROOT, 'playbooks', 'clocks.yaml');

export const CLOCK_TRIGGERS = ['awareness', 'occurrence', 'handlingEnded', 'recovered', 'breachConfirmed'] as const;
export type ClockTrigger = (typeof CLOCK_TRIGGERS)[number];

export const PERIOD_UNITS = ['hours', 'days', 'months', 'years', 'none'] as const;
export type PeriodUnit = (typeof PERIOD_UNITS)[number];

export const LEGAL_STATUSES = ['in-force', 'draft', 'uncertain'] as const;
export type LegalStatus = (typeof LEGAL_STATUSES)[number];

/**
 * deadline: something must be done by the end of the period;
 * retention: something must be kept at least until the end of the period (no holiday rollover);
 * ongoing: a duty without a fixed period (e.g. "promptly"), followed by reminders.
 */
export const CLOCK_KINDS = ['deadline', 'retention', 'ongoing'] as const;
export type ClockKind = (typeof CLOCK_KINDS)[number];

export const BOOLEAN_FACTS = ['involvesSystem', 'specialCategories'] as const;
export const NUMERIC_FACTS = ['recordsAffected', 'systemRecordsHeld', 'cyberLevel'] as const;
export type ConditionFact = (typeof BOOLEAN_FACTS)[number] | (typeof NUMERIC_FACTS)[number];

const periodSchema = z
  .strictObject({
    amount: z.number().int().min(0).default(0),
    unit: z.enum(PERIOD_UNITS),
  })
  .superRefine((p, ctx) => {
    if (p.unit === 'none' && p.amount !== 0) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'a period with unit "none" has no amount; remove it' });
    }
    if (p.unit !== 'none' && p.amount < 1) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: `a period in ${p.unit} needs an amount of at least 1` });
    }
  });
export type ClockPeriod = z.output<typeof periodSchema>;

const conditionLeafSchema = z
  .strictObject({
    fact: z.enum([...BOOLEAN_FACTS, ...NUMERIC_FACTS]),
    equals: z.boolean().optional(),
    atLeast: z.number().optional(),
    atMost: z.number().optional(),
    /** zh-TW statement of the condition, e.g. 「受影響個資達100筆以上」. */
    label: z.string().min(1),
    /** zh-TW unit shown after the incident's value, e.g. 「筆」. */
    unit: z.string().optional(),
  })
  .superRefine((c, ctx) => {
    const numeric = (NUMERIC_FACTS as readonly string[]).includes(c.fact);
    if (numeric && (c.equals !== undefined || (c.atLeast === undefined && c.atMost === undefined))) {
      ctx.addIssue({ code: 'custom', path: ['fact'], message: `${c.fact} is a number: use atLeast and/or atMost` });
    }
    if (!numeric && (c.equals === undefined || c.atLeast !== undefined || c.atMost !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['fact'], message: `${c.fact} is true/false: use equals` });
    }
  });
export type ConditionLeaf = z.output<typeof conditionLeafSchema>;

const conditionSchema = z
  .strictObject({ all: z.array(conditionLeafSchema).min(1).optional(), any: z.array(conditionLeafSchema).min(1).optional() })
  .refine((c) => (c.all === undefined) !== (c.any === undefined), { message: 'give exactly one of "all" or "any"' });
export type ClockCondition = z.output<typeof conditionSchema>;

const durationSchema = z.strictObject({
  amount: z.number().int().min(1),
  unit: z.enum(['minutes', 'hours', 'days']),
});

/** Reminder offsets per clock (scheduling is not built here; the schema only keeps room for it). */
const reminderSchema = z
  .strictObject({ before: durationSchema.optional(), every: durationSchema.optional(), note: z.string().optional() })
  .refine((r) => (r.before === undefined) !== (r.every === undefined), { message: 'give exactly one of "before" or "every"' });

const basisSchema = z.strictObject({
  law: z.string().min(1),
  article: z.string().optional(),
  /** Key of `sources`. */
  source: z.string().min(1),
  note: z.string().optional(),
});
export type ClockBasis = z.output<typeof basisSchema>;

const ID = /^[a-z0-9][a-z0-9-]*$/;

const clockSchema = z.strictObject({
  id: z.string().regex(ID, 'ids are lowercase letters, digits and dashes'),
  label: z.string().min(1),
  action: z.string().min(1),
  /** Key of `roles`. */
  actor: z.string().min(1),
  trigger: z.enum(CLOCK_TRIGGERS),
  kind: z.enum(CLOCK_KINDS).default('deadline'),
  period: periodSchema,
  /** Other periods chosen by facts; the first that matches wins, otherwise `period`. */
  periodWhen: z.array(z.strictObject({ when: conditionLeafSchema, period: periodSchema, note: z.string().optional() })).optional(),
  basis: z.array(basisSchema).min(1, 'every clock needs its legal basis'),
  legalStatus: z.enum(LEGAL_STATUSES),
  statusNote: z.string().min(1),
  defaultEnabled: z.boolean(),
  /** The clock only applies when this holds. */
  appliesWhen: conditionSchema.optional(),
  /** Like appliesWhen, but its evaluation is always reported, even when the clock is off. */
  thresholds: conditionSchema.optional(),
  /** zh-TW note on who the clock applies to. */
  applicabilityNote: z.string().optional(),
  reminders: z.array(reminderSchema).optional(),
});
export type ClockRule = z.output<typeof clockSchema>;

export const SCHOOL_KINDS = ['public', 'private'] as const;
export type SchoolKind = (typeof SCHOOL_KINDS)[number];

const profileSchema = z.strictObject({
  id: z.string().regex(ID, 'ids are lowercase letters, digits and dashes'),
  label: z.string().min(1),
  description: z.string().min(1),
  extends: z.string().optional(),
  /** The kind of school the profile is for (the roster's school.kind picks the first profile of its kind). */
  schoolKind: z.enum(SCHOOL_KINDS).optional(),
  /**
   * Keys of `sources` whose rules bind this kind of school (added to those of the profile it extends). A basis from
   * any other source is shown as practice adopted from it (「參考…之作法」). A profile chain naming none treats every
   * source as binding (a rule set written before profiles named their rules).
   */
  binds: z.array(z.string()).optional(),
  overrides: z.record(z.string(), z.boolean()).default({}),
});
export type ClockProfile = z.output<typeof profileSchema>;

export const clockRulesSchema = z
  .strictObject({
    version: z.literal(1),
    defaultProfile: z.string().min(1),
    roles: z.record(z.string().regex(/^[a-zA-Z]+$/), z.string().min(1)),
    sources: z.record(
      z.string().regex(ID),
      z.strictObject({
        title: z.string().min(1),
        seed: z
          .string()
          .regex(/^\d{3}$/)
          .optional(),
        url: z.string().optional(),
        /** Who the rules bind, in words (shown with the profile: docs/rules.md). */
        binds: z.string().optional(),
      }),
    ),
    /** Short names of laws for the folded citation on a phone (full names stay in the expanded text and documents). */
    shortNames: z.record(z.string().min(1), z.string().min(1)).default({}),
    clocks: z.array(clockSchema).min(1),
    profiles: z.array(profileSchema).min(1),
  })
  .superRefine((doc, ctx) => {
    const clockIds = new Set<string>();
    doc.clocks.forEach((c, i) => {
      if (clockIds.has(c.id)) ctx.addIssue({ code: 'custom', path: ['clocks', i, 'id'], message: `clock id "${c.id}" is used twice` });
      clockIds.add(c.id);
      if (!(c.actor in doc.roles)) {
        ctx.addIssue({
          code: 'custom',
          path: ['clocks', i, 'actor'],
          message: `unknown role "${c.actor}"; known roles: ${Object.keys(doc.roles).join(', ')}`,
        });
      }
      c.basis.forEach((b, j) => {
        if (!(b.source in doc.sources)) {
          ctx.addIssue({
            code: 'custom',
            path: ['clocks', i, 'basis', j, 'source'],
            message: `unknown source "${b.source}"; add it under sources`,
          });
        }
      });
      if ((c.kind === 'ongoing') !== (c.period.unit === 'none')) {
        ctx.addIssue({
          code: 'custom',
          path: ['clocks', i, 'kind'],
          message: 'kind "ongoing" goes with period unit "none", and only with it',
        });
      }
      if (c.kind === 'retention' && c.period.unit === 'hours') {
        ctx.addIssue({
          code: 'custom',
          path: ['clocks', i, 'period', 'unit'],
          message: 'a retention period is counted in days, months or years',
        });
      }
      c.periodWhen?.forEach((p, j) => {
        if (p.period.unit !== c.period.unit && (p.period.unit === 'none' || c.period.unit === 'none')) {
          ctx.addIssue({
            code: 'custom',
            path: ['clocks', i, 'periodWhen', j, 'period', 'unit'],
            message: 'an alternative period cannot switch to or from "none"',
          });
        }
      });
    });
    const profileIds = new Set<string>();
    doc.profiles.forEach((p, i) => {
      p.binds?.forEach((b, j) => {
        if (!(b in doc.sources))
          ctx.addIssue({
            code: 'custom',
            path: ['profiles', i, 'binds', j],
            message: `unknown source "${b}"; known sources: ${Object.keys(doc.sources).join(', ')}`,
          });
      });
      if (profileIds.has(p.id))
        ctx.addIssue({ code: 'custom', path: ['profiles', i, 'id'], message: `profile id "${p.id}" is used twice` });
      profileIds.add(p.id);
      for (const id of Object.keys(p.overrides)) {
        if (!clockIds.has(id))
          ctx.addIssue({ code: 'custom', path: ['profiles', i, 'overrides', id], message: `unknown clock id "${id}"` });
      }
    });
    doc.profiles.forEach((p, i) => {
      if (p.extends !== undefined && !profileIds.has(p.extends)) {
        ctx.addIssue({ code: 'custom', path: ['profiles', i, 'extends'], message: `unknown profile "${p.extends}"` });
      }
      const chain = new Set<string>([p.id]);
      let parent = p.extends;
      while (parent !== undefined) {
        if (chain.has(parent)) {
          ctx.addIssue({
            code: 'custom',
            path: ['profiles', i, 'extends'],
            message: `profiles extend each other in a loop (${[...chain, parent].join(' → ')})`,
          });
          break;
        }
        chain.add(parent);
        parent = doc.profiles.find((q) => q.id === parent)?.extends;
      }
    });
    if (!profileIds.has(doc.defaultProfile)) {
      ctx.addIssue({ code: 'custom', path: ['defaultProfile'], message: `unknown profile "${doc.defaultProfile}"` });
    }
  });

export type ClockRuleSet = z.output<typeof clockRulesSchema> & { file: string };

/** Load and validate the clock rules (default playbooks/clocks.yaml). A bad file throws DataFileError. */
export function loadClockRules(file: string = DEFAULT_CLOCK_RULES_FILE): ClockRuleSet {
  return { ...loadYamlData(file, clockRulesSchema), file };
}

/** Validate clock rules given as YAML text (`file` only names them in errors). */
export function parseClockRules(file: string, text: string): ClockRuleSet {
  return { ...parseYamlData(file, text, clockRulesSchema), file };
}

/** Thrown for a profile or clock id that the rules do not define (an operator or caller mistake). */
export class UnknownClockSettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownClockSettingError';
  }
}

export function findProfile(rules: ClockRuleSet, id: string): ClockProfile {
  const p = rules.profiles.find((q) => q.id === id);
  if (!p) {
    throw new UnknownClockSettingError(
      `Unknown clock profile "${id}". Known profiles: ${rules.profiles.map((q) => q.id).join(', ')} (defined in ${rules.file}).`,
    );
  }
  return p;
}

/**
 * Whether each clock is on: explicit overrides, then the profile (and the profiles it extends, nearest first),
 * then the clock's default.
 */
export function resolveEnabled(
  rules: ClockRuleSet,
  profileId: string = rules.defaultProfile,
  overrides: Record<string, boolean> = {},
): Map<string, boolean> {
  const known = new Set(rules.clocks.map((c) => c.id));
  const unknown = Object.keys(overrides).filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new UnknownClockSettingError(
      `Unknown clock id ${unknown.map((u) => `"${u}"`).join(', ')}. Known clocks: ${[...known].join(', ')}.`,
    );
  }
  const chain: ClockProfile[] = [];
  for (let p: ClockProfile | undefined = findProfile(rules, profileId); p; p = p.extends ? findProfile(rules, p.extends) : undefined) {
    chain.push(p);
  }
  const enabled = new Map<string, boolean>();
  for (const c of rules.clocks) {
    const fromProfile = chain.find((p) => c.id in p.overrides)?.overrides[c.id];
    enabled.set(c.id, overrides[c.id] ?? fromProfile ?? c.defaultEnabled);
  }
  return enabled;
}
