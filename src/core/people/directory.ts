import type { PersonRecord, RepositoryHub } from '../../ports/repositories/index.js';
import { UserError } from '../incidents/types.js';
import { can, ROLE_KEYS, roleConflict, type Actor, type RoleKey } from '../roles.js';
import { recordPersonChange } from './history.js';

/**
 * The school's people and their roles. Role changes are made by the principal (管理人); the rules of the law are
 * enforced here, whatever the adapter (a chat command, a setup script, a future admin page) asks for.
 */
export class PeopleDirectory {
  constructor(private readonly repos: RepositoryHub) {}

  async actorFor(personId: string): Promise<Actor | null> {
    const p = await this.repos.people.find(personId);
    return p?.active ? { personId: p.id, schoolId: p.schoolId, displayName: p.displayName, roles: p.roles } : null;
  }

  /** Replaces a person's roles, checking the grantor's authority and the auditor/principal separation. */
  async assignRoles(grantor: Actor, personId: string, roles: string[]): Promise<PersonRecord> {
    if (!can(grantor, 'admin.roles')) throw new UserError('只有管理人（校長）可以指派角色。');
    const unknown = roles.filter((r) => !(ROLE_KEYS as readonly string[]).includes(r));
    if (unknown.length) throw new UserError(`沒有這些角色：${unknown.join('、')}`);
    const conflict = roleConflict(roles);
    if (conflict) throw new UserError(conflict);
    const person = await this.repos.people.find(personId);
    if (!person || person.schoolId !== grantor.schoolId) throw new UserError('找不到這位人員。');
    const next = [...new Set(roles)] as RoleKey[];
    if (person.active) await this.keepsTheRoles(person, next);
    return this.repos.transaction(async (tx) => {
      const updated = await tx.people.setRoles(personId, next);
      if (person.roles.join() !== next.join()) {
        await recordPersonChange(tx, {
          schoolId: person.schoolId,
          personId,
          actorPersonId: grantor.personId,
          actorLabel: grantor.displayName,
          changes: { roles: { from: person.roles, to: next } },
        });
      }
      return updated;
    });
  }

  /**
   * Makes a person inactive (they can no longer act; what they did stays under their name) or active again. Only the
   * principal; never oneself; never the last active principal or contact window.
   */
  async setActive(grantor: Actor, personId: string, active: boolean): Promise<PersonRecord> {
    if (!can(grantor, 'admin.roles')) throw new UserError('只有管理人（校長）可以停用或恢復人員。');
    const person = await this.repos.people.find(personId);
    if (!person || person.schoolId !== grantor.schoolId) throw new UserError('找不到這位人員。');
    if (person.active === active) return person;
    if (!active && person.id === grantor.personId) throw new UserError('不能停用自己。');
    if (!active) await this.keepsTheRoles(person, []);
    return this.repos.transaction(async (tx) => {
      await tx.people.update(personId, { active });
      await recordPersonChange(tx, {
        schoolId: person.schoolId,
        personId,
        actorPersonId: grantor.personId,
        actorLabel: grantor.displayName,
        changes: { active: { from: person.active, to: active } },
      });
      return { ...person, active };
    });
  }

  /** A school always keeps an active principal (approves notices) and contact window (gets the 4-hour report). */
  private async keepsTheRoles(person: PersonRecord, next: readonly string[]): Promise<void> {
    for (const [role, label] of [
      ['principal', '管理人'],
      ['contactWindow', '個資聯絡窗口'],
    ] as const) {
      if (!person.roles.includes(role) || next.includes(role)) continue;
      const holders = await this.repos.people.countActiveWithRole(person.schoolId, role);
      if (holders <= 1) throw new UserError(`學校至少要有一位${label}，請先指派另一位${label}。`);
    }
  }
}
