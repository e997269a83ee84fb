import type { SchoolRecord, SchoolRepository } from '../../ports/repositories/index.js';
import type { Client } from './client.js';

export class PrismaSchoolRepository implements SchoolRepository {
  constructor(private readonly db: Client) {}

  find(id: string): Promise<SchoolRecord | null> {
    return this.db.school.findUnique({ where: { id } });
  }
}
