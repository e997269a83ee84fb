import type { SqlRunner } from './database.js';

/** A school with its people, their platform identities and conversations, written by the demo seed (src/app/demo.ts). */
export interface DirectorySeed {
  school: {
    id: string;
    name: string;
    isDemo: boolean;
    kind: string;
    clockProfile: string;
    contactPhone: string;
    contactEmail: string;
  };
  people: { id: string; displayName: string; unit: string; email: string | null; roles: string[] }[];
  identities: { id: string; personId: string; platform: string; externalId: string; displayName: string }[];
  conversations: { id: string; platform: string; externalId: string; kind: string; purpose: string; title: string }[];
}

/**
 * Creates what is missing of `seed` and leaves the rest as it is, except the school's own record (kind, clock profile,
 * contact details), which follows the seed. Every insert is ON CONFLICT DO NOTHING, so two instances seeding a fresh
 * database at once never die on a unique constraint. Plain SQL on the database's runner (it runs at every start of
 * the embedded default, before the server listens: the Prisma client is not needed there). Rows go in as one jsonb
 * parameter per table, read with the table's own row type.
 */
export async function seedDirectory(sql: SqlRunner, seed: DirectorySeed): Promise<void> {
  const { school } = seed;
  const insert = (table: string, columns: string[], rows: Record<string, unknown>[]) =>
    sql.query(
      `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb) ON CONFLICT DO NOTHING`,
      [JSON.stringify(rows)],
    );
  await insert(
    'school',
    ['id', 'name', 'is_demo', 'kind', 'clock_profile', 'contact_phone', 'contact_email'],
    [
      {
        id: school.id,
        name: school.name,
        is_demo: school.isDemo,
        kind: school.kind,
        clock_profile: school.clockProfile,
        contact_phone: school.contactPhone,
        contact_email: school.contactEmail,
      },
    ],
  );
  await sql.query('UPDATE school SET kind = $2, clock_profile = $3, contact_phone = $4, contact_email = $5 WHERE id = $1', [
    school.id,
    school.kind,
    school.clockProfile,
    school.contactPhone,
    school.contactEmail,
  ]);
  await insert(
    'person',
    ['id', 'school_id', 'display_name', 'unit', 'email', 'roles'],
    seed.people.map((p) => ({ id: p.id, school_id: school.id, display_name: p.displayName, unit: p.unit, email: p.email, roles: p.roles })),
  );
  await insert(
    'identity',
    ['id', 'person_id', 'platform', 'external_id', 'display_name'],
    seed.identities.map((i) => ({
      id: i.id,
      person_id: i.personId,
      platform: i.platform,
      external_id: i.externalId,
      display_name: i.displayName,
    })),
  );
  await insert(
    'conversation',
    ['id', 'platform', 'external_id', 'kind', 'purpose', 'title', 'school_id'],
    seed.conversations.map((c) => ({
      id: c.id,
      platform: c.platform,
      external_id: c.externalId,
      kind: c.kind,
      purpose: c.purpose,
      title: c.title,
      school_id: school.id,
    })),
  );
}
