import type { Database } from '../storage/database.js';
import { seedDirectory } from '../storage/directory-seed.js';

/**
 * The demo school of the embedded default: a few people with every role and two groups, clearly marked 示範, so a
 * newcomer can try the whole flow on the local chat page. Idempotent: run at every start when DEMO_SEED is on.
 */
export const DEMO_SCHOOL_ID = 'demo-school';

/**
 * The demo school is a public junior high (國民中學), so the rules that bind public schools apply (playbooks/clocks.yaml
 * profile public-school). Its contact details are reserved example values (.example is never a real domain).
 */
export const DEMO_SCHOOL = {
  name: '示範國民中學（示範）',
  kind: 'public',
  clockProfile: 'public-school',
  contactPhone: '(02)2700-0000 分機 100（示範）',
  contactEmail: 'privacy@demo-school.example',
} as const;

export const DEMO_PEOPLE = [
  { id: 'demo-teacher', name: '王老師（示範）', unit: '教務處', roles: ['staff'] },
  { id: 'demo-window', name: '李組長（示範）', unit: '註冊組', roles: ['staff', 'contactWindow'], email: 'registry@demo-school.example' },
  { id: 'demo-principal', name: '陳校長（示範）', unit: '校長室', roles: ['principal'] },
  { id: 'demo-it', name: '林老師（示範）', unit: '資訊組', roles: ['staff', 'it'] },
  { id: 'demo-director', name: '黃主任（示範）', unit: '學務處', roles: ['staff', 'dataManager'] },
  { id: 'demo-auditor', name: '張主任（示範）', unit: '會計室', roles: ['staff', 'auditor'] },
] as const;

export const DEMO_GROUPS = [
  { id: 'demo-staff', title: '示範國中 教職員群組（示範）', purpose: 'staff' },
  { id: 'demo-response', title: '個資事件應變小組（示範）', purpose: 'response' },
] as const;

/**
 * Creates what is missing and leaves the rest as it is. Safe when two instances start at once on a fresh database:
 * every insert is ON CONFLICT DO NOTHING, so the second never dies on a unique constraint. Plain SQL
 * (src/storage/directory-seed.ts): it runs before the server listens, where the Prisma client is not needed yet.
 */
export async function seedDemo(db: Pick<Database, 'sql'>, platform = 'local'): Promise<void> {
  // The school's record follows this file (a demo data directory made by an older version gets the public-school
  // profile and the contact details); its people keep what was done to them in the demo.
  await seedDirectory(db.sql, {
    school: { id: DEMO_SCHOOL_ID, isDemo: true, ...DEMO_SCHOOL },
    people: DEMO_PEOPLE.map((p) => ({
      id: p.id,
      displayName: p.name,
      unit: p.unit,
      email: 'email' in p ? p.email : null,
      roles: [...p.roles],
    })),
    identities: DEMO_PEOPLE.map((p) => ({ id: `${platform}-${p.id}`, personId: p.id, platform, externalId: p.id, displayName: p.name })),
    conversations: [
      ...DEMO_PEOPLE.map((p) => ({
        id: `${platform}-dm-${p.id}`,
        platform,
        externalId: `dm:${p.id}`,
        kind: 'direct',
        purpose: 'direct',
        title: `與小幫手的私訊（${p.name}）`,
      })),
      ...DEMO_GROUPS.map((g) => ({
        id: `${platform}-${g.id}`,
        platform,
        externalId: g.id,
        kind: 'group',
        purpose: g.purpose,
        title: g.title,
      })),
    ],
  });
}
