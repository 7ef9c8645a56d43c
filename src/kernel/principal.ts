// Roles, principals and the call context: who acts, as every layer names it.
export const ROLES = ["admin", "approver", "requester", "auditor", "viewer"] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a role may do beyond itself. admin is the platform team and holds every role;
 * approver also files requests; auditor and requester also read what a viewer reads.
 */
const IMPLIED: Record<Role, readonly Role[]> = {
  admin: ["admin", "approver", "requester", "auditor", "viewer"],
  approver: ["approver", "requester", "viewer"],
  requester: ["requester", "viewer"],
  auditor: ["auditor", "viewer"],
  viewer: ["viewer"],
};

export function effectiveRoles(granted: Iterable<Role>): Set<Role> {
  const out = new Set<Role>();
  for (const role of granted) for (const r of IMPLIED[role]) out.add(r);
  return out;
}

export type PrincipalKind = "user" | "api_key" | "system";

/** Who is calling. Crosses module borders; never carries a credential. */
export interface Principal {
  kind: PrincipalKind;
  /** Stable id, namespaced by kind (see principal-ids.ts): `oidc:<issuer tag>:<sub>`, `apikey:<key id>`, `system`. */
  id: string;
  /**
   * The person acting (a user's principal id): a user is herself; an API key acts for its owner;
   * a service key and the system act for nobody (null) and never decide requests. Separation of
   * duties compares persons. Absent: the principal is its own person.
   */
  person?: string | null;
  /** Human-readable name: email/name claim, or the API key's name. */
  name: string;
  /** Roles granted directly (not expanded). */
  roles: Role[];
  /** Groups from the identity provider, when any. */
  groups: string[];
}

export function hasRole(principal: Principal, ...anyOf: Role[]): boolean {
  const eff = effectiveRoles(principal.roles);
  return anyOf.some((r) => eff.has(r));
}

/** The person behind a principal (see Principal.person); null for service keys and the system. */
export function personOf(principal: Principal): string | null {
  if (principal.person !== undefined) return principal.person;
  return principal.kind === "system" ? null : principal.id;
}

export const SYSTEM_PRINCIPAL: Principal = Object.freeze({
  kind: "system",
  id: "system",
  person: null,
  name: "bedrock-governor",
  roles: ["admin"],
  groups: [],
}) as Principal;

/** Passed to every service call: who acts, and the request it belongs to (for the audit log). */
export interface CallContext {
  principal: Principal;
  requestId?: string;
}
