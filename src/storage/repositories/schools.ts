import type { SchoolFields, SchoolRecord, SchoolRepository } from '../../ports/repositories/index.js';
import type { Client } from './client.js';

export class PrismaSchoolRepository implements SchoolRepository {
  constructor(private readonly db: Client) {}

  find(id: string): Promise<SchoolRecord | null> {
    return this.db.school.findUnique({ where: { id } });
  }

  async ids(): Promise<string[]> {
    return (await this.db.school.findMany({ orderBy: { id: 'asc' }, select: { id: true } })).map((s) => s.id);
  }

  async create(school: SchoolFields & { id: string }): Promise<void> {
    await this.db.school.create({ data: school });
  }

  async update(id: string, fields: SchoolFields): Promise<void> {
    await this.db.school.update({ where: { id }, data: fields });
  }
}
