// Remediation apply: checks a plan's SCP changes against Organizations, makes each change in AWS,
// gives each its audit form, and says which syncs verify what was applied.

import type { AllowedOperation } from "@aws-sdk/client-license-manager";
import type { AwsAccess } from "../../aws/aws-access.js";
import { AwsGateError } from "../../aws/errors.js";
import type { SyncRequest } from "../inventory/sync.service.js";
import type { PlanChange } from "./remediation.types.js";
import { type OrgTreeNode, orgTree } from "./scp-plan.js";

/** More touched accounts than this are verified by one organization-wide sync instead of one run each. */
const MAX_TARGETED_SYNCS = 20;

export function gateOf(err: unknown): { gate: string; code: string | null; message: string } {
  if (err instanceof AwsGateError) return { gate: err.gate, code: err.awsCode ?? null, message: err.message };
  return { gate: "unavailable", code: null, message: err instanceof Error ? err.message : String(err) };
}

export /** What a sync needs to verify a change: the node whose SCPs changed, or the account-Region. */
function syncRequestsFor(changes: readonly PlanChange[], tree: readonly OrgTreeNode[]): SyncRequest[] {
  const t = orgTree(tree);
  const scpNodes = new Set<string>();
  const accountRegions = new Map<string, Set<string>>();
  // A grant is account-wide (its facts are the account's, read with every Region).
  const grantAccounts = new Set<string>();
  for (const c of changes) {
    if (c.kind === "agreement_create" || c.kind === "use_case_put" || c.kind === "retention_put") {
      accountRegions.set(c.accountId, (accountRegions.get(c.accountId) ?? new Set()).add(c.region));
    } else if (c.kind.startsWith("license_grant") && "licenseArn" in c) {
      // A grant to an OU reaches every account in it: verified by a sync of the OU.
      if (c.scope !== undefined) scpNodes.add(c.scope.id);
      else if (c.accountId !== undefined) grantAccounts.add(c.accountId);
    } else if ("target" in c) scpNodes.add(c.target.id);
  }
  // Only the highest touched nodes: a sync of an OU covers every account below it.
  const top = [...scpNodes].filter(
    (id) =>
      !t
        .lineageOf(id)
        .slice(1)
        .some((a) => scpNodes.has(a)),
  );
  const out: SyncRequest[] = [];
  const covered = (accountId: string) => t.lineageOf(accountId).some((n) => top.includes(n));
  if (top.some((id) => t.byId.get(id)?.kind === "root")) return [{ scope: "organization" }];
  for (const id of top) out.push({ scope: t.byId.get(id)?.kind === "ou" ? "ou" : "account", scopeId: id });
  for (const accountId of grantAccounts) if (!covered(accountId)) out.push({ scope: "account", scopeId: accountId });
  for (const [accountId, regions] of accountRegions) {
    if (covered(accountId) || grantAccounts.has(accountId)) continue;
    for (const region of regions) out.push({ scope: "account_region", scopeId: accountId, region });
  }
  return out.length > MAX_TARGETED_SYNCS ? [{ scope: "organization" }] : out;
}

/** The ARN License Manager takes for an account as a grant principal. */
export const accountRoot = (accountId: string) => `arn:aws:iam::${accountId}:root`;

/** Operations a Bedrock managed-entitlement grant allows (those of AWS's own Bedrock grants). */
const GRANT_OPERATIONS: AllowedOperation[] = [
  "CheckoutLicense",
  "CheckInLicense",
  "ExtendConsumptionLicense",
  "ListPurchasedLicenses",
];

export interface ApplierSettings {
  /** How many times (and how far apart) a new grant's status is read until it is ACTIVE. */
  grantPolls: number;
  grantPollMs: number;
}

export function createRemediationApplier(
  deps: { aws: AwsAccess },
  settings: ApplierSettings = { grantPolls: 10, grantPollMs: 500 },
) {
  /**
   * The ARN License Manager takes for an OU as a grant principal ("An organizational unit (OU),
   * which includes all accounts in the OU" [doc AWS License Manager API Reference "CreateGrant" —
   * Principals]): `arn:<partition>:organizations::<management account>:ou/<org id>/<ou id>` [doc AWS
   * Organizations "Actions, resources, and condition keys" — organizationalunit].
   */
  async function ouArn(ouId: string, managementAccountId: string): Promise<string> {
    const org = await deps.aws.organizations().describeOrganization();
    if (org?.Id === undefined) throw new Error("DescribeOrganization returned no organization id");
    const partition = org.Arn?.split(":")[1] ?? "aws";
    return `arn:${partition}:organizations::${managementAccountId}:ou/${org.Id}/${ouId}`;
  }

  /**
   * CreateGrant to the account or OU, CreateGrantVersion Status=ACTIVE, then GetGrant until ACTIVE
   * ("Activate the grant" [doc License Manager "Grant acceptance and activation"]). Anything short
   * of ACTIVE deletes the grant again: nothing is left half-applied.
   */
  async function createActiveGrant(
    change: Extract<PlanChange, { kind: "license_grant_create" }>,
    token: string,
  ): Promise<string> {
    const lm = deps.aws.account(change.managementAccountId).licenseManager();
    const made = await lm.createGrant({
      licenseArn: change.licenseArn,
      principalArn:
        change.scope !== undefined
          ? await ouArn(change.scope.id, change.managementAccountId)
          : accountRoot(change.accountId ?? ""),
      grantName: change.grantName,
      clientToken: token,
      allowedOperations: GRANT_OPERATIONS,
    });
    let version = made.version ?? "1";
    try {
      const activated = await lm.setGrantStatus(made.grantArn, "ACTIVE", `${token}-activate`);
      version = activated.version ?? version;
      let status = activated.status;
      // A grant to an OU is the parent of one child grant per account in it; once distributed its
      // own status is WORKFLOW_COMPLETED and "the grant details show the status of the child grant
      // for each account" [doc License Manager "License status for grants"]. The members' statuses
      // are then read by the verifying sync of the OU (their received grants) and judged by the engine.
      const done = (s: string | undefined) =>
        s === "ACTIVE" || (change.scope !== undefined && s === "WORKFLOW_COMPLETED");
      for (let i = 0; !done(status) && i < settings.grantPolls; i++) {
        await new Promise((r) => setTimeout(r, settings.grantPollMs));
        const g = await lm.getGrant(made.grantArn);
        status = g?.GrantStatus;
        version = g?.Version ?? version;
      }
      if (!done(status)) throw new Error(`grant ${made.grantArn} stayed ${status ?? "unknown"}, not ACTIVE`);
      return made.grantArn;
    } catch (err) {
      const why = gateOf(err).message;
      try {
        await lm.deleteGrant(made.grantArn, version);
      } catch (cleanup) {
        throw new Error(
          `grant ${made.grantArn} could not be activated (${why}) and could not be deleted (${gateOf(cleanup).message}): delete it in the management account`,
        );
      }
      throw new Error(`grant ${made.grantArn} could not be activated and was deleted again: ${why}`, { cause: err });
    }
  }

  /** Checks the plan's SCP changes against Organizations itself (the inventory may be behind). */
  async function preflight(changes: readonly PlanChange[]): Promise<string[]> {
    const scpChanges = changes.filter((c) => c.kind.startsWith("scp_"));
    if (scpChanges.length === 0) return [];
    const org = deps.aws.organizations();
    const live = await org.listPolicies("SERVICE_CONTROL_POLICY");
    const byId = new Map(live.map((p) => [p.Id as string, p]));
    const problems: string[] = [];
    for (const c of scpChanges) {
      if (c.kind === "scp_create" && live.some((p) => p.Name === c.name))
        problems.push(`a policy named ${c.name} already exists`);
      if (c.kind === "scp_update" || c.kind === "scp_delete") {
        if (!byId.has(c.policyId)) {
          problems.push(`policy ${c.policyId} no longer exists`);
          continue;
        }
        const now = (await org.describePolicy(c.policyId))?.Content ?? "";
        if (now !== c.before) problems.push(`policy ${c.policyId} was changed since the last sync`);
      }
      if ((c.kind === "scp_detach" || c.kind === "scp_attach") && c.policyId && !byId.has(c.policyId))
        problems.push(`policy ${c.policyId} no longer exists`);
    }
    return problems;
  }

  async function execute(change: PlanChange, created: Map<string, string>, token: string): Promise<string | undefined> {
    const org = () => deps.aws.organizations();
    switch (change.kind) {
      case "scp_create": {
        const p = await org().createPolicy({
          name: change.name,
          description: change.description,
          content: change.content,
          type: "SERVICE_CONTROL_POLICY",
        });
        const id = p?.PolicySummary?.Id as string;
        created.set(change.name, id);
        return id;
      }
      case "scp_update":
        await org().updatePolicy({
          policyId: change.policyId,
          name: change.name,
          description: change.description,
          content: change.after,
        });
        return change.policyId;
      case "scp_attach": {
        const id = change.policyId ?? created.get(change.name);
        if (!id) throw new Error(`policy ${change.name} was not created`);
        await org().attachPolicy(id, change.target.id);
        return id;
      }
      case "scp_detach":
        await org().detachPolicy(change.policyId, change.target.id);
        return change.policyId;
      case "scp_delete":
        await org().deletePolicy(change.policyId);
        return change.policyId;
      case "agreement_create":
        await deps.aws
          .account(change.accountId)
          .bedrock(change.region)
          .createFoundationModelAgreement(change.modelId, change.offer.offerToken);
        return undefined;
      case "use_case_put":
        await deps.aws.account(change.accountId).bedrock(change.region).putUseCaseForModelAccess(change.form);
        return undefined;
      case "retention_put": {
        const bedrock = deps.aws.account(change.accountId).bedrock(change.region);
        const live = await bedrock.getAccountDataRetention();
        if (live !== change.before && live !== change.mode)
          throw new Error(`the retention mode is ${live} now, not ${change.before} as planned; make a new plan`);
        await bedrock.putAccountDataRetention(change.mode);
        return undefined;
      }
      case "license_grant_create":
        return createActiveGrant(change, token);
      case "license_grant_activate": {
        const lm = deps.aws.account(change.managementAccountId).licenseManager();
        await lm.setGrantStatus(change.grantArn, "ACTIVE", token);
        return change.grantArn;
      }
      case "license_grant_delete": {
        const lm = deps.aws.account(change.managementAccountId).licenseManager();
        const g = await lm.getGrant(change.grantArn);
        if (g?.GrantStatus === "DELETED") return change.grantArn;
        await lm.deleteGrant(change.grantArn, g?.Version ?? "1");
        return change.grantArn;
      }
    }
  }

  return { preflight, execute };
}

/** The audit form of a change: everything but policy bodies and forms. */
/** Statements of a policy document (for the report's description of a change); null when unreadable. */
function statementCount(content: string): number | null {
  try {
    const doc = JSON.parse(content) as { Statement?: unknown };
    return Array.isArray(doc.Statement) ? doc.Statement.length : doc.Statement === undefined ? 0 : 1;
  } catch {
    return null;
  }
}

export function changeSummary(change: PlanChange): Record<string, unknown> {
  switch (change.kind) {
    case "scp_create":
      return {
        kind: change.kind,
        name: change.name,
        target: change.target,
        characters: change.content.length,
        statements: statementCount(change.content),
      };
    case "scp_update":
      return {
        kind: change.kind,
        policyId: change.policyId,
        name: change.name,
        target: change.target,
        statements: statementCount(change.after),
      };
    case "scp_attach":
    case "scp_detach":
      return { kind: change.kind, policyId: change.policyId ?? null, name: change.name, target: change.target };
    case "scp_delete":
      return { kind: change.kind, policyId: change.policyId, name: change.name };
    case "agreement_create":
      return {
        kind: change.kind,
        accountId: change.accountId,
        region: change.region,
        modelId: change.modelId,
        offerId: change.offer.offerId,
      };
    case "use_case_put":
      return { kind: change.kind, accountId: change.accountId, region: change.region, models: change.models };
    case "retention_put":
      return {
        kind: change.kind,
        accountId: change.accountId,
        region: change.region,
        before: change.before,
        mode: change.mode,
        entryIds: change.entryIds,
      };
    case "license_grant_create":
    case "license_grant_activate":
    case "license_grant_delete": {
      return { ...change };
    }
  }
}
