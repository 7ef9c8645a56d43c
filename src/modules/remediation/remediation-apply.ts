// Remediation apply: checks a plan's SCP changes against Organizations, makes each change in AWS,
// gives each its audit form, and says which syncs verify what was applied.
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
  for (const c of changes) {
    if (c.kind === "agreement_create" || c.kind === "use_case_put") {
      accountRegions.set(c.accountId, (accountRegions.get(c.accountId) ?? new Set()).add(c.region));
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
  for (const [accountId, regions] of accountRegions) {
    if (covered(accountId)) continue;
    for (const region of regions) out.push({ scope: "account_region", scopeId: accountId, region });
  }
  return out.length > MAX_TARGETED_SYNCS ? [{ scope: "organization" }] : out;
}

export function createRemediationApplier(deps: { aws: AwsAccess }) {
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

  async function execute(change: PlanChange, created: Map<string, string>): Promise<string | undefined> {
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
    }
  }

  return { preflight, execute };
}

/** The audit form of a change: everything but policy bodies and forms. */
export function changeSummary(change: PlanChange): Record<string, unknown> {
  switch (change.kind) {
    case "scp_create":
      return { kind: change.kind, name: change.name, target: change.target, characters: change.content.length };
    case "scp_update":
      return { kind: change.kind, policyId: change.policyId, name: change.name, target: change.target };
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
  }
}
