// Remediation with AWS's own access primitives: the account-Region data-retention mode the catalog
// pins (PutAccountDataRetention [doc "Data retention"]) and managed-entitlement grants (License
// Manager CreateGrant / CreateGrantVersion / DeleteGrant from the management account, home Region
// us-east-1 [doc "Managed Entitlements for Bedrock — API Reference"]).
import type { AwsAccess } from "../../aws/aws-access.js";
import type { CatalogEntry } from "../catalog/catalog.types.js";
import { entryAllowsRegion, entryAppliesTo } from "../catalog/catalog-scope.js";
import { settableRetentionModes } from "../catalog/scp-surfaces.js";
import type { AccountInventory } from "../reachability/reachability.types.js";
import type { PlanChange, Unresolved } from "./remediation.types.js";
import { gateOf } from "./remediation-apply.js";

/** Grants bedrock-governor distributes are named with this prefix; it never touches others. */
export const GOVERNOR_GRANT_PREFIX = "bedrock-governor";
export const governorGrantName = (modelId: string, accountId: string) =>
  `${GOVERNOR_GRANT_PREFIX} ${modelId} for ${accountId}`;
const rootAccount = (arn: string | undefined) => /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(arn ?? "")?.[1];

/**
 * A retention change where the catalog pins the mode for an account-Region: the entries applying
 * there are grouped by model; a model is pinned when every entry for it pins modes (one entry
 * allowing any mode leaves it free), and the current mode must be one its entries allow. Where a
 * pinned model's modes do not include the current mode, the new mode is the first of
 * ACCOUNT_RETENTION_MODES (the preference order) every pinned model allows; none → unresolved (the pins conflict).
 */
export function planRetention(
  accounts: readonly AccountInventory[],
  entries: readonly CatalogEntry[],
  region: string | undefined,
): { changes: PlanChange[]; unresolved: Unresolved[] } {
  const changes: PlanChange[] = [];
  const unresolved: Unresolved[] = [];
  for (const a of accounts) {
    if (!a.facts.active) continue;
    for (const [r, rf] of [...a.facts.regions].sort(([x], [y]) => x.localeCompare(y))) {
      if (region !== undefined && r !== region) continue;
      const byModel = new Map<string, CatalogEntry[]>();
      for (const e of entries)
        if (entryAppliesTo(e, a.lineage) && entryAllowsRegion(e, r))
          byModel.set(e.model, [...(byModel.get(e.model) ?? []), e]);
      const pinned = [...byModel.values()].filter((group) => group.every((e) => e.retentionModes !== undefined));
      if (pinned.length === 0 || !rf.dataRetention.known) continue;
      const current = rf.dataRetention.value;
      // The same rule the SCP pin compiles (scp-surfaces.ts), so the mode set here is one it allows.
      const settable = settableRetentionModes([...byModel.values()].flat());
      if (settable.includes(current)) continue;
      const mode = settable[0];
      const entryIds = pinned
        .flat()
        .map((e) => e.id)
        .sort();
      if (mode === undefined) {
        unresolved.push({
          kind: "retention_mode",
          accountId: a.facts.accountId,
          region: r,
          reason: `entries ${entryIds.join(", ")} pin retention modes no single settable mode satisfies; the mode stays ${current}`,
        });
        continue;
      }
      changes.push({ kind: "retention_put", accountId: a.facts.accountId, region: r, before: current, mode, entryIds });
    }
  }
  return { changes, unresolved };
}

interface LiveGrant {
  arn: string;
  name: string;
  licenseArn: string;
  accountId: string;
  status: string;
}

/**
 * License Manager grants the catalog asks for (entries with `entitlement`, access grants inheriting
 * it) in the plan's accounts: created and activated where the account holds no ACTIVE grant of the
 * model, activated where bedrock-governor's own grant is not ACTIVE, deleted where bedrock-governor
 * distributed one no entry asks for any more. Read live from the management account.
 */
export async function planGrants(input: {
  aws: AwsAccess;
  accounts: readonly AccountInventory[];
  entries: readonly CatalogEntry[];
  managementAccountId: string | undefined;
}): Promise<{ changes: PlanChange[]; unresolved: Unresolved[]; accounts: Set<string> }> {
  const changes: PlanChange[] = [];
  const unresolved: Unresolved[] = [];
  const touched = new Set<string>();
  const withEntitlement = input.entries.filter((e) => e.entitlement !== undefined);
  // (license, account) → the entries asking for it.
  const desired = new Map<string, { licenseArn: string; modelId: string; accountId: string; entryIds: string[] }>();
  for (const a of input.accounts) {
    // The management account holds the license itself: it receives no grant.
    if (!a.facts.active || a.facts.management) continue;
    for (const e of withEntitlement) {
      if (!entryAppliesTo(e, a.lineage)) continue;
      const licenseArn = (e.entitlement as { licenseArn: string }).licenseArn;
      const key = `${licenseArn}|${a.facts.accountId}`;
      const at = desired.get(key) ?? { licenseArn, modelId: e.model, accountId: a.facts.accountId, entryIds: [] };
      at.entryIds.push(e.id);
      desired.set(key, at);
    }
  }
  const mgmt = input.managementAccountId;
  if (mgmt === undefined) {
    if (desired.size > 0)
      unresolved.push({
        kind: "entitlement_grant",
        reason: "the management account (which holds the licenses) is not in the inventory: sync the organization",
      });
    return { changes, unresolved, accounts: touched };
  }
  const inScope = new Set(input.accounts.map((a) => a.facts.accountId));
  let all: LiveGrant[];
  try {
    all = (await input.aws.account(mgmt).licenseManager().listDistributedGrants())
      .map((g) => ({
        arn: g.GrantArn ?? "",
        name: g.GrantName ?? "",
        licenseArn: g.LicenseArn ?? "",
        accountId: rootAccount(g.GranteePrincipalArn) ?? "",
        status: g.GrantStatus ?? "",
      }))
      .filter((g) => g.accountId !== "" && inScope.has(g.accountId));
  } catch (err) {
    unresolved.push({
      kind: "entitlement_grant",
      accountId: mgmt,
      reason: `could not list the management account's distributed grants: ${gateOf(err).message}`,
    });
    return { changes, unresolved, accounts: touched };
  }
  const live = all.filter((g) => g.status !== "DELETED");
  // Grants made to the account directly (deleted ones too): the member's facts may still show them.
  const directArns = new Set(all.map((g) => g.arn));
  const ours = (g: LiveGrant) => g.name.startsWith(GOVERNOR_GRANT_PREFIX);
  const byAccount = new Map(input.accounts.map((a) => [a.facts.accountId, a]));
  for (const d of [...desired.values()].sort((x, y) =>
    `${x.accountId}${x.licenseArn}`.localeCompare(`${y.accountId}${y.licenseArn}`),
  )) {
    const direct = live.filter(
      (g) => g.licenseArn === d.licenseArn && g.accountId === d.accountId && g.status !== "REJECTED",
    );
    if (direct.some((g) => g.status === "ACTIVE")) continue;
    // An ACTIVE grant through an OU or the organization (seen by the member at its last sync) serves.
    const received = byAccount.get(d.accountId)?.facts.grants;
    if (
      received?.known &&
      received.value.some((g) => g.status === "ACTIVE" && !directArns.has(g.grantArn) && g.modelIds.includes(d.modelId))
    )
      continue;
    const mine = direct.find(ours);
    const base = { accountId: d.accountId, licenseArn: d.licenseArn, managementAccountId: mgmt };
    touched.add(d.accountId);
    if (mine !== undefined)
      changes.push({
        kind: "license_grant_activate",
        ...base,
        modelId: d.modelId,
        grantArn: mine.arn,
        status: mine.status,
      });
    else if (direct.length > 0)
      unresolved.push({
        kind: "entitlement_inactive",
        accountId: d.accountId,
        modelId: d.modelId,
        reason: `grant ${direct[0]?.arn} of ${d.licenseArn} to ${d.accountId} is ${direct[0]?.status} and was not made by bedrock-governor: activate it in the management account`,
      });
    else
      changes.push({
        kind: "license_grant_create",
        ...base,
        modelId: d.modelId,
        grantName: governorGrantName(d.modelId, d.accountId),
        entryIds: d.entryIds.sort(),
      });
  }
  for (const g of live.filter(ours).sort((x, y) => x.arn.localeCompare(y.arn))) {
    if (desired.has(`${g.licenseArn}|${g.accountId}`)) continue;
    touched.add(g.accountId);
    changes.push({
      kind: "license_grant_delete",
      accountId: g.accountId,
      licenseArn: g.licenseArn,
      managementAccountId: mgmt,
      grantArn: g.arn,
      grantName: g.name,
    });
  }
  return { changes, unresolved, accounts: touched };
}
