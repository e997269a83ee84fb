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
    if (person.id === grantor.personId && !next.includes('principal')) {
      const principals = await this.repos.people.countActiveWithRole(grantor.schoolId, 'principal');
      if (principals <= 1) throw new UserError('學校至少要有一位管理人，請先指派另一位管理人。');
    }
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
}
