import { z } from 'zod';
import type { RepositoryHub } from '../../ports/repositories/index.js';
import type { SchoolKind } from '../clocks/rules.js';
import { parseYamlText } from '../data/yaml-file.js';
import { newId } from '../ids.js';
import { ROLE_KEYS, type RoleKey } from '../roles.js';
import { recordPersonChange, ROSTER_IMPORT_ACTOR, type PersonChanges } from './history.js';
import { faultsFromIssues, rosterFault, RosterError, yamlFaults } from './roster-faults.js';

/**
 * The school roster: one YAML file per school, kept by the school (who holds which role), applied with
 * `npm run people -- import <file>` (src/cli/people.ts; format and example in docs/people.md). It creates the school
 * and its people or brings them in line with the file; running it again with the same file changes nothing.
 *
 * People are matched by `id` when the file gives one, otherwise by name within the school: names must be unique in a
 * school anyway, because the chat commands name people (「產生綁定碼 王老師」). A person who leaves the file is kept as
 * is, or made inactive with `deactivateMissing` (an inactive person can no longer act, and their past actions stay on
 * the record under their name). Nothing is ever deleted: the timeline refers to people.
 *
 * Faults are data (roster-faults.ts: a code, the place, the person and field, the value), thrown as a RosterError: the
 * command prints them in English for the operator, the console's people page in zh-TW. The schema's messages below are
 * fault codes, not text.
 */

const SCHOOL_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** An office number as schools publish it: digits, brackets, dashes, spaces, 分機/轉/ext and # for the extension. */
const PHONE = /^[0-9()（）+\-－\s#]{6,}(?:\s*(?:分機|轉|ext\.?|#)\s*[0-9]{1,6})?$/i;
/** An ordinary mailbox address (no display name, no comments): what a notice prints for people to write to. */
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;

/** Public schools are government agencies under the PDPA; private schools fall under the MOE regulation for them. */
const KIND_ALIASES: Record<string, SchoolKind> = { public: 'public', 公立: 'public', private: 'private', 私立: 'private' };

/** What the roster needs to know of a clock profile (playbooks/clocks.yaml): its id and the kind of school it is for. */
export interface ProfileInfo {
  id: string;
  schoolKind?: SchoolKind | undefined;
}

/** Role names accepted in the file: the keys of src/core/roles.ts and the zh-TW names people use. */
const ROLE_ALIASES: Record<string, RoleKey> = {
  ...Object.fromEntries(ROLE_KEYS.map((k) => [k.toLowerCase(), k])),
  教職員: 'staff',
  個資聯絡窗口: 'contactWindow',
  聯絡窗口: 'contactWindow',
  管理人: 'principal',
  校長: 'principal',
  稽核人員: 'auditor',
  稽核: 'auditor',
  資訊組: 'it',
  資訊人員: 'it',
  資料管理人: 'dataManager',
  代理人: 'actingApprover',
  管理人代理人: 'actingApprover',
  職務代理人: 'actingApprover',
  'acting-approver': 'actingApprover',
  'contact-window': 'contactWindow',
  'data-manager': 'dataManager',
};

export function roleFromName(name: string): RoleKey | null {
  const n = name.normalize('NFKC').trim();
  return ROLE_ALIASES[n] ?? ROLE_ALIASES[n.toLowerCase()] ?? null;
}

const text = (max: number) =>
  z
    .string({ message: 'notText' })
    .transform((s) => s.normalize('NFKC').trim())
    .pipe(z.string().min(1, { message: 'empty' }).max(max, { message: 'tooLong' }));

const personSchema = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, { message: 'badPersonId' })
      .optional(),
    name: text(40),
    unit: text(40).optional(),
    email: z
      .string({ message: 'notText' })
      .transform((s) => s.normalize('NFKC').trim())
      .pipe(z.string().max(100, { message: 'tooLong' }).regex(EMAIL, { message: 'notEmail' }))
      .optional(),
    roles: z
      .array(z.string({ message: 'notRoleName' }), { message: 'notRoleList' })
      .min(1, { message: 'noRoles' })
      .transform((names, ctx) => {
        const out: RoleKey[] = [];
        names.forEach((n, i) => {
          const r = roleFromName(n);
          if (!r) ctx.addIssue({ code: 'custom', path: [i], message: 'unknownRole', params: { value: n } });
          else if (!out.includes(r)) out.push(r);
        });
        return out;
      }),
    active: z.boolean({ message: 'notBoolean' }).optional(),
  })
  .strict();

export const rosterSchema = z
  .object({
    school: z
      .object({
        id: z.string({ message: 'notText' }).regex(SCHOOL_ID, { message: 'badSchoolId' }),
        name: text(100),
        clockProfile: z.string().optional(),
        kind: z
          .string({ message: 'unknownKind' })
          .transform((k, ctx) => {
            const kind = KIND_ALIASES[k.normalize('NFKC').trim().toLowerCase()];
            if (!kind) ctx.addIssue({ code: 'custom', message: 'unknownKind', params: { value: k } });
            return kind as SchoolKind;
          })
          .optional(),
        contactPhone: z
          .string()
          .transform((s) => s.normalize('NFKC').trim())
          .pipe(z.string().regex(PHONE, { message: 'notPhone' }))
          .optional(),
        contactEmail: z
          .string({ message: 'notText' })
          .transform((s) => s.normalize('NFKC').trim())
          .pipe(z.string().max(100, { message: 'tooLong' }).regex(EMAIL, { message: 'notEmail' }))
          .optional(),
      })
      .strict(),
    people: z.array(personSchema, { message: 'notPeopleList' }).min(1, { message: 'noPeople' }),
  })
  .strict()
  .superRefine((doc, ctx) => {
    const seenNames = new Map<string, number>();
    const seenIds = new Map<string, number>();
    doc.people.forEach((p, i) => {
      const prev = seenNames.get(p.name);
      if (prev !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['people', i, 'name'],
          message: 'duplicateName',
          params: { value: p.name, other: String(prev) },
        });
      seenNames.set(p.name, i);
      if (p.id) {
        const prevId = seenIds.get(p.id);
        if (prevId !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['people', i, 'id'],
            message: 'duplicateId',
            params: { value: p.id, other: String(prevId) },
          });
        seenIds.set(p.id, i);
      }
      // 私立高級中等以下學校及幼兒園個人資料檔案安全維護計畫實施辦法 art. 3 ¶3 (src/core/roles.ts roleConflict).
      if (p.roles.includes('auditor') && (p.roles.includes('principal') || p.roles.includes('actingApprover'))) {
        const kind = p.roles.includes('principal') ? 'principal' : 'actingApprover';
        ctx.addIssue({ code: 'custom', path: ['people', i, 'roles'], message: 'auditorConflict', params: { value: p.name, kind } });
      }
    });
    const active = doc.people.filter((p) => p.active !== false);
    if (!active.some((p) => p.roles.includes('principal'))) {
      ctx.addIssue({ code: 'custom', path: ['people'], message: 'noPrincipal' });
    }
    if (!active.some((p) => p.roles.includes('contactWindow'))) {
      ctx.addIssue({ code: 'custom', path: ['people'], message: 'noContactWindow' });
    }
  });

export type Roster = z.output<typeof rosterSchema>;

/** Parses and checks a roster file's text; every fault is listed with its place in the file (RosterError). */
export function parseRoster(file: string, yamlText: string, knownProfiles: readonly (string | ProfileInfo)[]): Roster {
  const parsed = parseYamlText(yamlText);
  if (parsed.errors.length > 0) throw new RosterError(file, yamlFaults(parsed.errors, parsed.at));
  const doc = parsed.value;
  const checked = rosterSchema.safeParse(doc);
  if (!checked.success) throw new RosterError(file, faultsFromIssues(checked.error.issues, doc));
  const roster = checked.data;
  const at = (code: Parameters<typeof rosterFault>[0], extra: Parameters<typeof rosterFault>[3]) =>
    new RosterError(file, [rosterFault(code, ['school', 'clockProfile'], doc, extra)]);
  const profiles = knownProfiles.map((p): ProfileInfo => (typeof p === 'string' ? { id: p } : p));
  const { clockProfile, kind } = roster.school;
  if (clockProfile) {
    const profile = profiles.find((p) => p.id === clockProfile);
    if (!profile) throw at('unknownProfile', { value: clockProfile, params: { known: profiles.map((p) => p.id) } });
    if (kind && profile.schoolKind && profile.schoolKind !== kind) {
      const fitting = profiles.filter((p) => p.schoolKind === kind).map((p) => p.id);
      throw at('profileKindMismatch', { value: clockProfile, params: { known: fitting, kind, profileKind: profile.schoolKind } });
    }
    if (!kind && profile.schoolKind) roster.school.kind = profile.schoolKind;
  } else if (kind) {
    // The kind alone chooses the first profile written for that kind of school (the plain one, before its variants).
    const profile = profiles.find((p) => p.schoolKind === kind);
    if (profile) roster.school.clockProfile = profile.id;
  }
  if (roster.school.id === 'demo-school') throw new RosterError(file, [rosterFault('demoSchoolId', ['school', 'id'], doc)]);
  return roster;
}

export type Change = { field: string; from: string; to: string };
export interface PersonPlan {
  name: string;
  id: string;
  action: 'create' | 'update' | 'unchanged' | 'deactivate' | 'not in file';
  changes: Change[];
}
export interface RosterPlan {
  schoolId: string;
  school: { action: 'create' | 'update' | 'unchanged'; changes: Change[] };
  people: PersonPlan[];
  /** True when applying would change something. */
  changed: boolean;
}

const show = (v: unknown): string => (v === null || v === undefined ? '(none)' : Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

type Value = string | string[] | boolean | null;
type Field = [
  name: 'name' | 'unit' | 'email' | 'roles' | 'active' | 'clockProfile' | 'kind' | 'contactPhone' | 'contactEmail',
  from: Value,
  to: Value,
];

/** The fields that differ, with their values as they are (what the record of changes to people keeps). */
function compare(fields: Field[]): Record<string, { from: Value; to: Value }> {
  return Object.fromEntries(fields.filter(([, from, to]) => show(from) !== show(to)).map(([field, from, to]) => [field, { from, to }]));
}

/** The same differences as the command prints them; `omit` leaves out a field the line already names. */
function shown(changes: Record<string, { from: Value; to: Value }>, omit?: string): Change[] {
  return Object.entries(changes)
    .filter(([field]) => field !== omit)
    .map(([field, { from, to }]) => ({ field, from: show(from), to: show(to) }));
}

/**
 * Compares the roster with the database and, unless `dryRun`, applies it in one transaction. Returns what was (or
 * would be) done, person by person.
 */
export async function applyRoster(
  db: { repos: RepositoryHub },
  roster: Roster,
  opts: {
    defaultClockProfile: string;
    deactivateMissing?: boolean;
    dryRun?: boolean;
    actorLabel?: string;
    /** The person importing from the console (src/core/people/admin.ts); absent for the operator's command. */
    actor?: { personId: string; label: string };
  },
): Promise<RosterPlan> {
  const { school: s } = roster;
  const actorLabel = opts.actor?.label ?? opts.actorLabel ?? ROSTER_IMPORT_ACTOR;
  const actorPersonId = opts.actor?.personId ?? null;
  return db.repos.transaction(
    async (repos) => {
      const school = await repos.schools.find(s.id);
      if (school?.isDemo) throw new RosterError('roster', [rosterFault('demoSchool', ['school', 'id'], null, { value: s.id })]);
      const wanted = {
        name: s.name,
        clockProfile: s.clockProfile ?? school?.clockProfile ?? opts.defaultClockProfile,
        kind: s.kind ?? school?.kind ?? null,
        contactPhone: s.contactPhone ?? null,
        contactEmail: s.contactEmail ?? null,
      };
      const schoolFields = (from: typeof school): Field[] => [
        ['name', from?.name ?? null, wanted.name],
        ['kind', from?.kind ?? null, wanted.kind],
        ['clockProfile', from?.clockProfile ?? null, wanted.clockProfile],
        ['contactPhone', from?.contactPhone ?? null, wanted.contactPhone],
        ['contactEmail', from?.contactEmail ?? null, wanted.contactEmail],
      ];
      const schoolPlan: RosterPlan['school'] = school
        ? (() => {
            const changes = shown(compare(schoolFields(school)));
            return { action: changes.length ? 'update' : 'unchanged', changes };
          })()
        : { action: 'create', changes: shown(compare(schoolFields(null))) };

      const existing = school ? await repos.people.inSchool(s.id) : [];
      const byId = new Map(existing.map((p) => [p.id, p]));
      const byName = new Map(existing.map((p) => [p.displayName.normalize('NFKC'), p]));
      const matched = new Set<string>();
      const people: PersonPlan[] = [];
      const writes: (() => Promise<unknown>)[] = [];

      const fault = (code: 'idOfOtherSchool' | 'nameOnRecord' | 'twoMatch', i: number, field: string, value: string, other: string) =>
        new RosterError('roster', [rosterFault(code, ['people', i, field], { people: roster.people }, { value, params: { other } })]);
      for (const [i, p] of roster.people.entries()) {
        const found = p.id ? byId.get(p.id) : byName.get(p.name);
        if (p.id && !found) {
          const elsewhere = await repos.people.find(p.id);
          if (elsewhere) throw fault('idOfOtherSchool', i, 'id', p.id, elsewhere.schoolId);
          const namesake = byName.get(p.name);
          if (namesake) throw fault('nameOnRecord', i, 'id', p.id, namesake.id);
        }
        const want = { displayName: p.name, unit: p.unit ?? null, email: p.email ?? null, roles: p.roles, active: p.active ?? true };
        if (!found) {
          const id = p.id ?? newId();
          const created = compare([
            ['name', null, want.displayName],
            ['unit', null, want.unit],
            ['email', null, want.email],
            ['roles', null, want.roles],
            ['active', null, want.active],
          ]) as PersonChanges;
          people.push({ name: p.name, id, action: 'create', changes: shown(created, 'name') });
          writes.push(async () => {
            await repos.people.create({ id, schoolId: s.id, ...want });
            await recordPersonChange(repos, { schoolId: s.id, personId: id, actorPersonId, actorLabel, changes: created });
          });
          continue;
        }
        if (matched.has(found.id)) throw fault('twoMatch', i, 'name', p.name, `${found.displayName} (${found.id})`);
        matched.add(found.id);
        const changed = compare([
          ['name', found.displayName, want.displayName],
          ['unit', found.unit, want.unit],
          ['email', found.email, want.email],
          ['roles', found.roles, want.roles],
          ['active', found.active, want.active],
        ]) as PersonChanges;
        const changes = shown(changed);
        people.push({ name: p.name, id: found.id, action: changes.length ? 'update' : 'unchanged', changes });
        if (changes.length) {
          writes.push(async () => {
            await repos.people.update(found.id, want);
            await recordPersonChange(repos, { schoolId: s.id, personId: found.id, actorPersonId, actorLabel, changes: changed });
          });
        }
      }
      for (const p of existing) {
        if (matched.has(p.id)) continue;
        if (opts.deactivateMissing && p.active) {
          people.push({ name: p.displayName, id: p.id, action: 'deactivate', changes: [{ field: 'active', from: 'true', to: 'false' }] });
          writes.push(async () => {
            await repos.people.update(p.id, { active: false });
            await recordPersonChange(repos, {
              schoolId: s.id,
              personId: p.id,
              actorPersonId,
              actorLabel,
              changes: { active: { from: true, to: false } },
            });
          });
        } else {
          people.push({ name: p.displayName, id: p.id, action: 'not in file', changes: [] });
        }
      }

      const plan: RosterPlan = {
        schoolId: s.id,
        school: schoolPlan,
        people,
        changed:
          schoolPlan.action !== 'unchanged' ||
          people.some((p) => p.action === 'create' || p.action === 'update' || p.action === 'deactivate'),
      };
      if (opts.dryRun || !plan.changed) return plan;
      if (!school) await repos.schools.create({ id: s.id, ...wanted });
      else if (schoolPlan.action === 'update') await repos.schools.update(s.id, wanted);
      for (const w of writes) await w();
      return plan;
      // A large school's first import is hundreds of rows in this one transaction; on a slow disk or a busy server that
      // can pass Prisma's 5-second default for interactive transactions.
    },
    { timeoutMs: 120_000, maxWaitMs: 30_000 },
  );
}
