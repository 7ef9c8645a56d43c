// The pre-flight an approver reads: the reachability engine's verdict on each account × Region of
// a request as it would be once approved. Approval makes provisioning widen bedrock-governor's own
// SCPs for the model; anything else that blocks (another SCP, the Bedrock policy, lifecycle, the
// use case…) stays, and is named with its policy so nobody approves something that cannot work.

import type { PairVerdict } from "../reachability/reachability.service.js";
import { managedOwner } from "../remediation/scp-plan.js";
import type {
  AccessRequestStatus,
  AccessRequestView,
  BlockingGateView,
  PreflightVerdictView,
} from "./access-request.types.js";
import type { PreflightPort } from "./request-filing.js";
import type { PolicyFact, RequestInventoryRepository } from "./request-inventory.repository.js";

/** Statuses whose outcome is still open: the verdict is worth reading only for these. */
const UNDECIDED: ReadonlySet<AccessRequestStatus> = new Set(["pending", "approved", "provisioning"]);

const POLICY_GATES = new Set(["org_policy", "iam", "bedrock_policy", "marketplace"]);

/** How a policy is named in a sentence: `SCP p-… (name, attached to ou-…)`. */
export function describePolicy(id: string, facts: ReadonlyMap<string, PolicyFact>): string {
  const p = facts.get(id);
  if (!p) return `policy ${id}`;
  const kind = p.type === "SERVICE_CONTROL_POLICY" ? "SCP" : p.type === "BEDROCK_POLICY" ? "Bedrock policy" : p.type;
  return `${kind} ${id} (${p.name}${p.targets.length ? `, attached to ${p.targets.join(", ")}` : ""})`;
}

export function createRequestPreflight(deps: {
  preflight?: PreflightPort;
  inventory: Pick<RequestInventoryRepository, "policies">;
}) {
  /** The engine's verdicts on the request's pairs once approved (managed SCPs widened). */
  async function verdicts(req: AccessRequestView): Promise<PreflightVerdictView[]> {
    if (!deps.preflight) return [];
    const now = await deps.preflight.judgePairs(req.accountIds, req.regions, req.modelId, req.profileId);
    const named = await deps.inventory.policies([...new Set(now.flatMap((v) => v.policyIds))]);
    const isManaged = (id: string) => {
      const p = named.get(id);
      return p !== undefined && p.type === "SERVICE_CONTROL_POLICY" && managedOwner(p.name) !== undefined;
    };
    // Pairs only bedrock-governor's own SCPs block: judged again with those out of the way.
    const opened = now.filter(
      (v) =>
        v.status === "blocked" && v.gate === "org_policy" && v.policyIds.length > 0 && v.policyIds.every(isManaged),
    );
    const widened = new Set(opened.flatMap((v) => v.policyIds));
    const after =
      widened.size === 0
        ? []
        : await deps.preflight.judgePairs(req.accountIds, req.regions, req.modelId, req.profileId, {
            ignorePolicyIds: [...widened],
          });
    const afterNamed = await deps.inventory.policies(
      [...new Set(after.flatMap((v) => v.policyIds))].filter((id) => !named.has(id)),
    );
    for (const [id, p] of afterNamed) named.set(id, p);
    return now.map((v) => {
      const reopened = opened.includes(v)
        ? after.find((a) => a.accountId === v.accountId && a.region === v.region)
        : undefined;
      return view(req, v, reopened, named, isManaged);
    });
  }

  function view(
    req: AccessRequestView,
    now: PairVerdict,
    reopened: PairVerdict | undefined,
    named: ReadonlyMap<string, PolicyFact>,
    isManaged: (id: string) => boolean,
  ): PreflightVerdictView {
    const v = reopened ?? now;
    const where = `${req.target} in ${v.accountId} ${v.region}`;
    // What approval cannot change comes first: a policy bedrock-governor does not manage.
    const blockers = [...v.policyIds.filter((id) => !isManaged(id)), ...v.policyIds.filter(isManaged)];
    const policyId = v.gate !== null && POLICY_GATES.has(v.gate) ? (blockers[0] ?? null) : null;
    const base = { accountId: v.accountId, region: v.region, gate: v.gate, policyId };
    if (v.status === "usable")
      return {
        ...base,
        status: reopened ? "opens_on_approval" : "usable",
        widens: reopened ? now.policyIds : [],
        sentence: reopened
          ? `approving opens ${where}: provisioning widens bedrock-governor's ${now.policyIds.map((id) => describePolicy(id, named)).join(", ")}`
          : `${where} is callable once approved`,
      };
    if (v.status === "unknown")
      return {
        ...base,
        status: "unknown",
        widens: [],
        sentence: `cannot tell whether ${where} would work: ${v.reason}${v.gate ? ` (gate ${v.gate})` : ""}`,
      };
    const by = policyId
      ? `${(blockers.some((id) => !isManaged(id)) ? blockers.filter((id) => !isManaged(id)) : blockers).map((id) => describePolicy(id, named)).join(", ")} ${v.gate === "bedrock_policy" ? "breaks every call" : "denies the model"} in ${v.region}`
      : `${v.reason} (gate ${v.gate ?? "unknown"}) in ${v.region}`;
    return {
      ...base,
      status: "blocked",
      widens: reopened ? now.policyIds : [],
      sentence: `approving this will not be enough: ${by}${v.fixOwner ? `; ${v.fixOwner.replace("_", " ")} must act` : ""}`,
    };
  }

  /**
   * A failure's policy gates with the policy that blocks them, as the engine names it now (after
   * provisioning widened what it could): `detail` and `policy` say which policy and where.
   */
  async function explainGates(req: AccessRequestView, gates: BlockingGateView[]): Promise<BlockingGateView[]> {
    if (!deps.preflight || !gates.some((g) => POLICY_GATES.has(g.gate))) return gates;
    const now = await deps.preflight.judgePairs(req.accountIds, req.regions, req.modelId, req.profileId);
    const named = await deps.inventory.policies([...new Set(now.flatMap((v) => v.policyIds))]);
    return gates.map((g) => {
      if (!POLICY_GATES.has(g.gate)) return g;
      const v = now.find((x) => x.accountId === g.accountId && x.region === g.region && x.gate === g.gate);
      const id = v?.policyIds[0];
      if (!v || id === undefined) return g;
      const policy = v.policyIds.map((p) => describePolicy(p, named)).join(", ");
      return { ...g, policyId: id, policy, detail: `${g.detail.replace(/\.$/, "")} (${policy})` };
    });
  }

  return {
    verdicts,
    explainGates,
    /** The request with its pre-flight (null once its outcome is decided). */
    async annotate(req: AccessRequestView): Promise<AccessRequestView> {
      return { ...req, preflight: UNDECIDED.has(req.status) ? await verdicts(req) : null };
    },
  };
}

export type RequestPreflight = ReturnType<typeof createRequestPreflight>;
