// Managed-entitlement grants (License Manager CreateGrant / CreateGrantVersion / DeleteGrant from the
// management account, home Region us-east-1 [doc "Managed Entitlements for Bedrock — API
// Reference"]). A grant's principal is an account, or an OU "which includes all accounts in the OU"
// [doc AWS License Manager API Reference, "CreateGrant" — Principals]: a catalog entry scoped to an
// OU is served by ONE grant to that OU, never by one grant per account below it.
import type { AwsAccess } from "../../aws/aws-access.js";
import type { CatalogEntry } from "../catalog/catalog.types.js";
import { entryAppliesTo } from "../catalog/catalog-scope.js";
import { modelTraits } from "../reachability/model-traits.js";
import type { AccountInventory } from "../reachability/reachability.types.js";
import type { PlanChange, Unresolved } from "./remediation.types.js";
import { gateOf } from "./remediation-apply.js";

/** Grants bedrock-governor distributes are named with this prefix; it never touches others. */
export const GOVERNOR_GRANT_PREFIX = "bedrock-governor";
/** `principal` is the account id, or the OU id for a grant to an OU. */
export const governorGrantName = (modelId: string, principal: string) =>
  `${GOVERNOR_GRANT_PREFIX} ${modelId} for ${principal}`;
const rootAccount = (arn: string | undefined) => /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(arn ?? "")?.[1];
/** The OU id of an OU ARN (`arn:aws:organizations::<mgmt>:ou/o-…/ou-…` [doc AWS Organizations "Actions, resources, and condition keys" — resource type organizationalunit]). */
const ouOf = (arn: string | undefined) =>
  /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]+\/(ou-[a-z0-9-]+)$/.exec(arn ?? "")?.[1];

type Principal = { kind: "account" | "ou"; id: string };
const keyOf = (licenseArn: string, p: Principal) => `${licenseArn}|${p.kind}:${p.id}`;

interface LiveGrant {
  arn: string;
  name: string;
  licenseArn: string;
  principal: Principal;
  status: string;
}

interface Desired {
  licenseArn: string;
  modelId: string;
  principal: Principal;
  entryIds: string[];
  /** The plan's accounts the grant reaches. */
  accounts: string[];
}

/** The management account's own license for each model an entry asks for without naming one. */
async function licensesByModel(aws: AwsAccess, mgmt: string, models: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (models.length === 0) return out;
  const held = (await aws.account(mgmt).licenseManager().listReceivedLicenses()).filter(
    (l) => l.Beneficiary === undefined || l.Beneficiary === mgmt,
  );
  for (const m of models) {
    const product = modelTraits(m).productId;
    const l = held.find((x) => x.ProductSKU === m || (product !== undefined && x.ProductSKU === product));
    if (l?.LicenseArn) out.set(m, l.LicenseArn);
  }
  return out;
}

/**
 * License Manager grants the catalog asks for (entries with `entitlement`, access grants inheriting
 * it or asking for one through their approval rule) in the plan's accounts: one grant to the OU of
 * an OU-scoped entry, one to the account otherwise; created and activated where the account holds
 * no ACTIVE grant of the model, activated where bedrock-governor's own grant is not ACTIVE, deleted
 * where bedrock-governor distributed one no entry asks for any more (a per-account grant an OU grant
 * now covers included). Read live from the management account.
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
  const mgmt = input.managementAccountId;
  // The management account holds the license itself: it receives no grant.
  const receivers = input.accounts.filter((a) => a.facts.active && !a.facts.management);
  const asking = input.entries.filter(
    (e) => e.entitlement !== undefined && receivers.some((a) => entryAppliesTo(e, a.lineage)),
  );
  if (mgmt === undefined) {
    if (asking.length > 0)
      unresolved.push({
        kind: "entitlement_grant",
        reason: "the management account (which holds the licenses) is not in the inventory: sync the organization",
      });
    return { changes, unresolved, accounts: touched };
  }
  const lm = input.aws.account(mgmt).licenseManager();
  let all: LiveGrant[];
  let found: Map<string, string>;
  try {
    const unnamed = [...new Set(asking.filter((e) => !e.entitlement?.licenseArn).map((e) => e.model))];
    found = await licensesByModel(input.aws, mgmt, unnamed);
    all = (await lm.listDistributedGrants()).flatMap((g): LiveGrant[] => {
      const account = rootAccount(g.GranteePrincipalArn);
      const ou = ouOf(g.GranteePrincipalArn);
      const principal: Principal | undefined = account
        ? { kind: "account", id: account }
        : ou
          ? { kind: "ou", id: ou }
          : undefined;
      if (principal === undefined) return [];
      const base = { arn: g.GrantArn ?? "", name: g.GrantName ?? "", licenseArn: g.LicenseArn ?? "" };
      return [{ ...base, principal, status: g.GrantStatus ?? "" }];
    });
  } catch (err) {
    unresolved.push({
      kind: "entitlement_grant",
      accountId: mgmt,
      reason: `could not read the management account's licenses and distributed grants: ${gateOf(err).message}`,
    });
    return { changes, unresolved, accounts: touched };
  }
  // Only grants that reach the plan's accounts: to one of them, or to an OU above one of them.
  const inScope = new Set(input.accounts.map((a) => a.facts.accountId));
  const ousAbove = new Set(input.accounts.flatMap((a) => a.lineage.slice(1)));
  const reaches = (p: Principal) => (p.kind === "account" ? inScope.has(p.id) : ousAbove.has(p.id));
  const scoped = all.filter((g) => reaches(g.principal));
  const live = scoped.filter((g) => g.status !== "DELETED");

  const desired = new Map<string, Desired>();
  const want = (licenseArn: string, modelId: string, principal: Principal, entryId: string, accountId: string) => {
    const key = keyOf(licenseArn, principal);
    const at = desired.get(key) ?? { licenseArn, modelId, principal, entryIds: [], accounts: [] };
    if (!at.entryIds.includes(entryId)) at.entryIds.push(entryId);
    if (!at.accounts.includes(accountId)) at.accounts.push(accountId);
    desired.set(key, at);
  };
  const licenseOf = (e: CatalogEntry) => e.entitlement?.licenseArn ?? found.get(e.model);
  for (const e of asking.filter((x) => licenseOf(x) === undefined).sort((x, y) => x.id.localeCompare(y.id)))
    unresolved.push({
      kind: "entitlement_grant",
      accountId: mgmt,
      modelId: e.model,
      reason: `${e.id} asks for a managed entitlement of ${e.model}, but the management account holds no license for it (its ProductSKU): subscribe to the offer there, or name the license in a catalog entry`,
    });
  // OU-scoped entries first: the accounts they reach get no grant of their own for the license.
  for (const a of receivers)
    for (const e of asking) {
      const licenseArn = licenseOf(e);
      if (licenseArn !== undefined && e.scope.kind === "ou" && entryAppliesTo(e, a.lineage))
        want(licenseArn, e.model, { kind: "ou", id: e.scope.id }, e.id, a.facts.accountId);
    }
  const viaOu = (licenseArn: string, accountId: string) =>
    [...desired.values()].some(
      (d) => d.principal.kind === "ou" && d.licenseArn === licenseArn && d.accounts.includes(accountId),
    );
  for (const a of receivers)
    for (const e of asking) {
      const licenseArn = licenseOf(e);
      if (licenseArn === undefined || e.scope.kind === "ou" || !entryAppliesTo(e, a.lineage)) continue;
      if (viaOu(licenseArn, a.facts.accountId)) continue;
      want(licenseArn, e.model, { kind: "account", id: a.facts.accountId }, e.id, a.facts.accountId);
    }

  // Grants made to the account directly (deleted ones too): the member's facts may still show them.
  const directArns = new Set(scoped.filter((g) => g.principal.kind === "account").map((g) => g.arn));
  const byAccount = new Map(input.accounts.map((a) => [a.facts.accountId, a]));
  /** The account's last sync saw an ACTIVE received grant of the model (`other`: not one made to it directly). */
  const seesActive = (accountId: string, modelId: string, other: boolean) => {
    const received = byAccount.get(accountId)?.facts.grants;
    return (
      received?.known === true &&
      received.value.some(
        (g) => g.status === "ACTIVE" && (!other || !directArns.has(g.grantArn)) && g.modelIds.includes(modelId),
      )
    );
  };
  const ours = (g: LiveGrant) => g.name.startsWith(GOVERNOR_GRANT_PREFIX);
  const order = (d: Desired) => `${d.principal.kind === "ou" ? 0 : 1}${d.principal.id}${d.licenseArn}`;
  for (const d of [...desired.values()].sort((x, y) => order(x).localeCompare(order(y)))) {
    const existing = live.filter(
      (g) =>
        g.licenseArn === d.licenseArn &&
        g.principal.kind === d.principal.kind &&
        g.principal.id === d.principal.id &&
        g.status !== "REJECTED",
    );
    const ou = d.principal.kind === "ou";
    const principal = ou ? { scope: { kind: "ou" as const, id: d.principal.id } } : { accountId: d.principal.id };
    if (ou) {
      // A grant to an OU is ACTIVE where each account says so (its own child grant's status).
      if (existing.length > 0 && d.accounts.every((a) => seesActive(a, d.modelId, false))) continue;
    } else {
      if (existing.some((g) => g.status === "ACTIVE")) continue;
      // An ACTIVE grant through an OU or the organization (seen by the member at its last sync) serves.
      if (seesActive(d.principal.id, d.modelId, true)) continue;
    }
    const mine = existing.find(ours);
    const base = { ...principal, licenseArn: d.licenseArn, managementAccountId: mgmt };
    for (const a of d.accounts) touched.add(a);
    if (mine !== undefined)
      changes.push({
        kind: "license_grant_activate",
        ...base,
        modelId: d.modelId,
        grantArn: mine.arn,
        status: mine.status,
      });
    else if (existing.length > 0)
      unresolved.push({
        kind: "entitlement_inactive",
        ...(ou ? { targetId: d.principal.id } : { accountId: d.principal.id }),
        modelId: d.modelId,
        reason: `grant ${existing[0]?.arn} of ${d.licenseArn} to ${d.principal.id} is ${existing[0]?.status} and was not made by bedrock-governor: activate it in the management account`,
      });
    else
      changes.push({
        kind: "license_grant_create",
        ...base,
        modelId: d.modelId,
        grantName: governorGrantName(d.modelId, d.principal.id),
        entryIds: d.entryIds.sort(),
      });
  }
  for (const g of live.filter(ours).sort((x, y) => x.arn.localeCompare(y.arn))) {
    if (desired.has(keyOf(g.licenseArn, g.principal))) continue;
    const principal =
      g.principal.kind === "ou"
        ? { scope: { kind: "ou" as const, id: g.principal.id } }
        : { accountId: g.principal.id };
    for (const a of input.accounts)
      if (a.facts.accountId === g.principal.id || a.lineage.includes(g.principal.id)) touched.add(a.facts.accountId);
    changes.push({
      kind: "license_grant_delete",
      ...principal,
      licenseArn: g.licenseArn,
      managementAccountId: mgmt,
      grantArn: g.arn,
      grantName: g.name,
    });
  }
  return { changes, unresolved, accounts: touched };
}
