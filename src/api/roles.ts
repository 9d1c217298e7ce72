/** Roles, lowest first: viewer reads, operator also writes tag values, admin also changes configuration, users and tokens. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: a signed-in user or an API token. */
export interface Principal {
  name: string;
  role: Role;
  kind: 'user' | 'token';
}

export const atLeast = (role: Role, needed: Role) => ROLES.indexOf(role) >= ROLES.indexOf(needed);

/** The name the audit logs record. */
export const auditName = (p: Principal) => (p.kind === 'token' ? `token:${p.name}` : p.name);
