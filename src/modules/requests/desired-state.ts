// Desired state = the catalog ∪ the access grants in force, each grant as an account-scoped
// entry for one Region. Reconciliation, the policy compilers, remediation and the audit analysis
// read desired state only through this, so a grant counts wherever a catalog entry does; the
// catalog itself (and its YAML apply) never sees grants.
import type { Clock } from "../../lib/clock.js";
import type { CatalogEntry, DesiredStateSource } from "../catalog/catalog.types.js";
import type { AccessGrantView } from "./access-request.types.js";

export interface GrantSource {
  /** Grants in force at `at` (started, not ended, not expired). */
  grantsAt(at: Date): Promise<AccessGrantView[]>;
}

export const GRANT_ENTRY_PREFIX = "grant:";

/**
 * The managed entitlement an access grant for `modelId` is provisioned through: that of the first
 * catalog entry (by id) for exactly this model that names one. The grant carries it, so remediation
 * distributes (and, when the grant ends, deletes) a License Manager grant to the account. A grant
 * whose approval rule asked for a managed entitlement (`provisionVia`) carries one even when no
 * catalog entry names a license: remediation then finds the management account's license for the
 * model when it plans.
 */
export function entitlementFor(catalog: readonly CatalogEntry[], modelId: string): CatalogEntry["entitlement"] {
  return [...catalog]
    .filter((e) => e.entitlement !== undefined && e.model === modelId)
    .sort((a, b) => a.id.localeCompare(b.id))[0]?.entitlement;
}

export function grantEntry(g: AccessGrantView, fromCatalog?: CatalogEntry["entitlement"]): CatalogEntry {
  const entitlement = fromCatalog ?? (g.provisionVia === "managed_entitlement" ? {} : undefined);
  return {
    id: `${GRANT_ENTRY_PREFIX}${g.id}`,
    model: g.modelId,
    ...(g.profileId ? { viaProfiles: [g.profileId] } : {}),
    scope: { kind: "account", id: g.accountId },
    regions: [g.region],
    owner: g.owner,
    justification: g.purpose,
    expiresAt: g.expiresAt,
    ...(entitlement ? { entitlement } : {}),
  };
}

export function createDesiredState(deps: {
  catalog: DesiredStateSource;
  grants: GrantSource;
  clock: Clock;
}): DesiredStateSource {
  return {
    async entries(at?: Date): Promise<CatalogEntry[]> {
      const [catalog, grants] = await Promise.all([
        deps.catalog.entries(at),
        deps.grants.grantsAt(at ?? deps.clock.now()),
      ]);
      return [...catalog, ...grants.map((g) => grantEntry(g, entitlementFor(catalog, g.modelId)))];
    },
  };
}
