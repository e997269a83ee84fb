/** Roles of the school's personal-data organisation (legal-rules.md §6). Authorisation is on these, never on ids. */
export const ROLE_KEYS = ['staff', 'contactWindow', 'principal', 'actingApprover', 'auditor', 'it', 'dataManager'] as const;
export type RoleKey = (typeof ROLE_KEYS)[number];

export const ROLE_LABELS: Record<RoleKey | 'unit', string> = {
  staff: '教職員',
  contactWindow: '個資聯絡窗口',
  principal: '管理人（校長）',
  actingApprover: '代理人（代理管理人核定通知）',
  auditor: '稽核人員',
  it: '資訊組',
  dataManager: '資料管理人',
  unit: '事件發生單位',
};

export interface Actor {
  personId: string;
  schoolId: string;
  displayName: string;
  roles: readonly string[];
}

export type Permission =
  | 'incident.report'
  | 'incident.view'
  | 'incident.act' // tick checklist items, record assessment
  | 'incident.coordinate' // change status, end handling, correct times
  | 'incident.close'
  | 'incident.reports' // download the reports to the authority and the full export (src/core/documents)
  | 'notice.approve' // approve or send back a notice to the people affected (never one's own: src/core/notices)
  | 'admin.roles' // change roles, make people inactive, import the roster (src/core/people)
  | 'people.view' // the people and roles page of the console: roster, linked accounts, open codes, the record of changes
  | 'people.manage' // binding codes (issue, revoke) and unlinking a chat account
  | 'console.open'; // sign in to the web console (src/web/console): read-only views of the school's incidents

const RESPONDERS: RoleKey[] = ['contactWindow', 'principal', 'it', 'dataManager'];

const GRANTS: Record<Permission, RoleKey[]> = {
  'incident.report': ['staff', 'contactWindow', 'principal', 'it', 'dataManager', 'auditor'],
  // The acting approver reads the incident to judge the notice they may approve in the principal's place.
  'incident.view': [...RESPONDERS, 'actingApprover', 'auditor'],
  'incident.act': RESPONDERS,
  'incident.coordinate': ['contactWindow', 'principal'],
  'incident.close': ['principal'],
  'incident.reports': ['contactWindow', 'principal', 'auditor'],
  // 管理人 approves (私立…安全維護計畫實施辦法第3條第1款: the principal or the person the principal appoints); the
  // acting approver (代理人) named in the roster when the principal drafted the notice or is away.
  'notice.approve': ['principal', 'actingApprover'],
  'admin.roles': ['principal'],
  // The auditor reads who holds which role and every change to it (the record of access), and changes nothing.
  'people.view': ['principal', 'contactWindow', 'auditor'],
  'people.manage': ['principal', 'contactWindow'],
  'console.open': ['contactWindow', 'principal', 'actingApprover', 'auditor'],
};

export function hasRole(actor: Pick<Actor, 'roles'>, role: RoleKey): boolean {
  return actor.roles.includes(role);
}

/**
 * Whether the actor may do this. `involvement` widens view/act to the reporter of the incident and the owner of a
 * checklist item: they take part in the response without holding a response role.
 */
export function can(
  actor: Pick<Actor, 'roles'>,
  permission: Permission,
  involvement: { isReporter?: boolean; isOwner?: boolean } = {},
): boolean {
  if (GRANTS[permission].some((r) => actor.roles.includes(r))) return true;
  if (permission === 'incident.view' && (involvement.isReporter || involvement.isOwner)) return true;
  if (permission === 'incident.act' && involvement.isOwner) return true;
  return false;
}

/** The auditor must not be the principal (私立學校個資安全維護計畫實施辦法 art. 3 ¶3). */
export function roleConflict(roles: readonly string[]): string | null {
  if (roles.includes('auditor') && (roles.includes('principal') || roles.includes('actingApprover'))) {
    const who = roles.includes('principal') ? '管理人' : '管理人的代理人';
    return `稽核人員不得與${who}為同一人（私立高級中等以下學校及幼兒園個人資料檔案安全維護計畫實施辦法第3條第3項）`;
  }
  return null;
}

export function roleNames(roles: readonly string[]): string {
  return roles.map((r) => ROLE_LABELS[r as RoleKey] ?? r).join('、');
}
