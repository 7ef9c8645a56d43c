// Managed Entitlements for Amazon Bedrock: the management account subscribes once and distributes
// AWS License Manager grants (us-east-1) to accounts, OUs or the organization; a receiving
// account's grant is PENDING_ACCEPT until accepted, DISABLED once accepted but not activated, and
// ACTIVE when the model may be used [doc "Managed Entitlements for Bedrock"; License Manager
// "Grant acceptance and activation"].
import type { ReceivedGrantState } from "./scenario-access-schema.js";
import { pathToRoot, type SandboxState } from "./state.js";
import type { GrantRecord, SandboxAccount, SandboxModel } from "./state-types.js";

/**
 * Whether a grant's principal covers the account (directly, through its OU path, or the
 * organization): a grant to "an organizational unit (OU), which includes all accounts in the OU", or
 * to "an organization, which will include all accounts across your organization" [doc AWS License
 * Manager API Reference "CreateGrant" — Principals]. Each covered account receives a child grant
 * with its own status; deleting the parent revokes them all [doc License Manager "License status
 * for grants": WORKFLOW_COMPLETED].
 */
export function grantCovers(state: SandboxState, g: GrantRecord, accountId: string): boolean {
  if (!state.accounts.has(accountId) || accountId === g.grantor) return false;
  if (g.scope.kind === "organization") return true;
  if (g.scope.kind === "account") return g.scope.id === accountId;
  return pathToRoot(state, accountId).includes(g.scope.id);
}

export function receivedStatus(g: GrantRecord, accountId: string): ReceivedGrantState {
  return g.accounts.get(accountId) ?? g.defaultStatus;
}

/** The live grants an account received, with its own status in each. */
export function receivedGrants(
  state: SandboxState,
  accountId: string,
): { grant: GrantRecord; status: ReceivedGrantState }[] {
  return [...state.grants.values()]
    .filter((g) => !g.deleted && grantCovers(state, g, accountId))
    .map((grant) => ({ grant, status: receivedStatus(grant, accountId) }));
}

/** The best received-grant status an account has for a model (ACTIVE wins), or undefined without a grant. */
export function entitlementStatus(
  state: SandboxState,
  accountId: string,
  modelId: string,
): ReceivedGrantState | undefined {
  const order: ReceivedGrantState[] = ["ACTIVE", "DISABLED", "PENDING_ACCEPT", "REJECTED"];
  const statuses = receivedGrants(state, accountId)
    .filter((r) => r.grant.modelId === modelId)
    .map((r) => r.status);
  return order.find((s) => statuses.includes(s));
}

/**
 * GetFoundationModelAvailability's `entitlementAvailability` for an account that receives the model
 * only through a managed entitlement: AVAILABLE while it holds an ACTIVE received grant, else
 * NOT_AVAILABLE (revoked with DeleteGrant, never distributed, pending acceptance or disabled) — the
 * same condition under which Converse refuses the model ("you must activate the grant" [doc "Using
 * third-party Bedrock models with granted licenses"]). [?] AWS documents only the field's enum, not
 * what it reports for a granted model; the switch `managedEntitlements.availabilityWithoutGrant`
 * makes it AVAILABLE for clients that must not rely on it.
 */
export function entitlementAvailability(
  state: SandboxState,
  account: SandboxAccount,
  model: SandboxModel,
): "AVAILABLE" | "NOT_AVAILABLE" {
  if (!account.managedEntitlementModels.has(model.id)) return "AVAILABLE";
  if (entitlementStatus(state, account.id, model.id) === "ACTIVE") return "AVAILABLE";
  return state.switches.availabilityWithoutGrant;
}
