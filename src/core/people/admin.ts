import { createHash } from 'node:crypto';
import type { OpenBindingCode, PersonChangeView, PersonRecord, PersonWithIdentities } from '../../ports/repositories/index.js';
import type { CoreDeps } from '../context.js';
import { UserError } from '../incidents/types.js';
import { can, type Actor } from '../roles.js';
import { BindingService } from './binding.js';
import { PeopleDirectory } from './directory.js';
import { personHistory, recordPersonChange } from './history.js';
import { applyRoster, parseRoster, type RosterPlan } from './roster.js';
import { rosterFault, rosterFaultZh, RosterError } from './roster-faults.js';

export const MAX_ROSTER_BYTES = 256 * 1024;

const NOT_ALLOWED_VIEW = '人員與角色頁限管理人（校長）、個資聯絡窗口及稽核人員查看。';
const NOT_ALLOWED_MANAGE = '綁定碼與帳號綁定限管理人（校長）或個資聯絡窗口處理。';
const NOT_ALLOWED_ROLES = '只有管理人（校長）可以變更角色、停用人員或匯入名冊。';

/** A roster import checked but not applied: what it would do, and a digest the confirmation must carry. */
export type RosterPreview = { ok: true; plan: RosterPlan; digest: string } | { ok: false; faults: string[] };

/**
 * The people and roles of a school for the web console (issue #18 point 6): the roster with linked chat accounts, role
 * changes, making someone inactive, binding codes (issue, list open ones, revoke), unlinking a chat account, the
 * record of changes, and the roster import with a preview. Every step is one of the core's own (PeopleDirectory,
 * BindingService, applyRoster: the same as chat and `npm run people`), checks the actor's roles itself, and lands on
 * person_change in the transaction that makes the change.
 */
export class PeopleAdmin {
  private readonly directory: PeopleDirectory;
  private readonly binding: BindingService;

  constructor(private readonly deps: Pick<CoreDeps, 'repos' | 'log' | 'now' | 'clockRules'>) {
    this.directory = new PeopleDirectory(deps.repos);
    this.binding = new BindingService(deps);
  }

  private see(actor: Actor): void {
    if (!can(actor, 'people.view')) throw new UserError(NOT_ALLOWED_VIEW);
  }
  private manage(actor: Actor): void {
    if (!can(actor, 'people.manage')) throw new UserError(NOT_ALLOWED_MANAGE);
  }

  async roster(actor: Actor): Promise<PersonWithIdentities[]> {
    this.see(actor);
    return this.deps.repos.people.rosterOf(actor.schoolId);
  }

  /** One page of the roster (people page, a large school): those whose name or unit contains `q`, and the school's counts. */
  async rosterPage(
    actor: Actor,
    query: { q?: string; offset: number; limit: number },
  ): Promise<{ people: PersonWithIdentities[]; matching: number; active: number; inactive: number }> {
    this.see(actor);
    const [page, counts] = await Promise.all([
      this.deps.repos.people.rosterPage(actor.schoolId, query),
      this.deps.repos.people.rosterCounts(actor.schoolId),
    ]);
    return { ...page, ...counts };
  }

  /** The school's unused codes (never the code), with the name of who issued each (null: the operator). */
  async openCodes(actor: Actor): Promise<(OpenBindingCode & { createdByName: string | null })[]> {
    this.see(actor);
    const codes = await this.deps.repos.bindings.openCodes(actor.schoolId, this.deps.now());
    const ids = [...new Set(codes.flatMap((c) => (c.createdById ? [c.createdById] : [])))];
    const names = new Map((ids.length ? await this.deps.repos.people.names(ids) : []).map((p) => [p.id, p.displayName]));
    return codes.map((c) => ({ ...c, createdByName: c.createdById ? (names.get(c.createdById) ?? '（已不在名冊）') : null }));
  }

  async history(actor: Actor, limit = 200, offset = 0): Promise<PersonChangeView[]> {
    this.see(actor);
    return personHistory(this.deps.repos, actor.schoolId, limit, offset);
  }

  private async personOf(actor: Actor, personId: string): Promise<PersonRecord> {
    const p = await this.deps.repos.people.find(personId);
    if (!p || p.schoolId !== actor.schoolId) throw new UserError('找不到這位人員。');
    return p;
  }

  /** A one-time binding code for an active person of the school (earlier unused codes of theirs stop working). */
  async issueCode(actor: Actor, personId: string): Promise<{ code: string; person: PersonRecord; expiresAt: Date }> {
    this.manage(actor);
    const person = await this.personOf(actor, personId);
    if (!person.active) throw new UserError(`${person.displayName} 已停用，不能產生綁定碼。`);
    return this.binding.issueCode(actor, person.id);
  }

  /** Revokes an unused code; on the person's record (`bindingCode`: until when it was valid → null), never the code. */
  async revokeCode(actor: Actor, codeId: string): Promise<OpenBindingCode> {
    this.manage(actor);
    const now = this.deps.now();
    const r = await this.deps.repos.transaction(async (tx) => {
      const revoked = await tx.bindings.revokeCodeById(codeId, actor.schoolId, now);
      if (!revoked) throw new UserError('這個綁定碼已使用、已作廢或不存在。');
      await recordPersonChange(tx, {
        schoolId: actor.schoolId,
        personId: revoked.personId,
        actorPersonId: actor.personId,
        actorLabel: actor.displayName,
        changes: { bindingCode: { from: revoked.expiresAt.toISOString(), to: null } },
      });
      return revoked;
    });
    this.deps.log.info({ personId: r.personId, by: actor.personId }, 'binding code revoked');
    return r;
  }

  /** Removes a chat account from a person; on their record (`account`: platform → null). */
  async unlink(actor: Actor, identityId: string): Promise<{ person: PersonRecord; platform: string }> {
    this.manage(actor);
    return this.deps.repos.transaction(async (tx) => {
      const row = await tx.bindings.unlink(identityId, actor.schoolId);
      if (!row) throw new UserError('找不到這個綁定的聊天帳號（可能已解除）。');
      await recordPersonChange(tx, {
        schoolId: actor.schoolId,
        personId: row.personId,
        actorPersonId: actor.personId,
        actorLabel: actor.displayName,
        changes: { account: { from: row.platform, to: null } },
      });
      this.deps.log.info({ personId: row.personId, platform: row.platform, by: actor.personId }, 'platform account unlinked');
      return { person: row.person, platform: row.platform };
    });
  }

  setRoles(actor: Actor, personId: string, roles: string[]): Promise<PersonRecord> {
    return this.directory.assignRoles(actor, personId, roles);
  }

  setActive(actor: Actor, personId: string, active: boolean): Promise<PersonRecord> {
    return this.directory.setActive(actor, personId, active);
  }

  /**
   * Checks a roster file for the actor's school and says what importing it would do, writing nothing: the same
   * parsing and rules as `npm run people -- import --dry-run`. Faults come back in zh-TW, each with its place.
   */
  async previewRoster(actor: Actor, text: string, deactivateMissing: boolean): Promise<RosterPreview> {
    return this.runRoster(actor, text, { deactivateMissing, dryRun: true });
  }

  /**
   * Applies a roster file previewed with `digest`: refused (`ROSTER_CHANGED`) when what it would do is no longer what
   * the preview showed (the file, or the people on record, changed meanwhile).
   */
  async importRoster(actor: Actor, text: string, deactivateMissing: boolean, digest: string): Promise<RosterPreview> {
    const preview = await this.runRoster(actor, text, { deactivateMissing, dryRun: true });
    if (!preview.ok) return preview;
    if (preview.digest !== digest) throw new UserError(ROSTER_CHANGED);
    return this.runRoster(actor, text, { deactivateMissing, dryRun: false });
  }

  private async runRoster(actor: Actor, text: string, opts: { deactivateMissing: boolean; dryRun: boolean }): Promise<RosterPreview> {
    if (!can(actor, 'admin.roles')) throw new UserError(NOT_ALLOWED_ROLES);
    if (Buffer.byteLength(text, 'utf8') > MAX_ROSTER_BYTES) throw new UserError(`名冊檔案太大（上限 ${MAX_ROSTER_BYTES / 1024} KB）。`);
    const profiles = this.deps.clockRules.profiles.map((p) => ({ id: p.id, schoolKind: p.schoolKind }));
    const school = await this.deps.repos.schools.find(actor.schoolId);
    if (!school) throw new UserError('找不到您的學校。');
    try {
      const roster = parseRoster('roster', text, profiles);
      if (roster.school.id !== actor.schoolId) {
        const fault = rosterFault('otherSchool', ['school', 'id'], null, { value: roster.school.id, params: { other: actor.schoolId } });
        return { ok: false, faults: [rosterFaultZh(fault)] };
      }
      const plan = await applyRoster(this.deps, roster, {
        defaultClockProfile: school.clockProfile,
        ...opts,
        actor: { personId: actor.personId, label: actor.displayName },
      });
      if (!opts.dryRun) this.deps.log.info({ schoolId: actor.schoolId, by: actor.personId }, 'roster imported from the console');
      return { ok: true, plan, digest: planDigest(plan) };
    } catch (err) {
      // Every fault in zh-TW, rendered from the check's structured faults (roster-faults.ts), never its English.
      if (err instanceof RosterError) return { ok: false, faults: err.rosterFaults.map(rosterFaultZh) };
      throw err;
    }
  }
}

export const ROSTER_CHANGED = '名冊預覽之後，檔案或人員資料已有變動，請重新預覽後再確認匯入。';

/** What a plan does, without the ids a dry run makes up for new people: the preview and the confirmation compare it. */
export function planDigest(plan: RosterPlan): string {
  const shape = {
    school: plan.school,
    people: plan.people.map((p) => [p.action === 'create' ? '' : p.id, p.name, p.action, p.changes]),
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('base64url');
}
