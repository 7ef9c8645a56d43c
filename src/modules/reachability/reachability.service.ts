// The engine's explanation for one model in one account-Region, from the stored inventory: every
// path with the gate that stops it, why, who can fix it and the evidence. The matrix cell's
// details, the access-request pre-flight and the console's explanations read it.
import { ForbiddenError, NotFoundError, UnprocessableError } from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import { createReachabilityEngine } from "./engine.js";
import type { FactsRepository } from "./facts.repository.js";
import type { ModelVerdict, PathVerdict } from "./reachability.types.js";
import { pathName } from "./reachability.types.js";

export interface Explanation {
  verdict: ModelVerdict;
  /** When the facts were read (the account-Region's last successful sync). */
  inventoryAsOf: Date | null;
  /** The path the caller asked about (a profile id given as the model), when one. */
  requestedPath: string | null;
  checkedAt: Date;
}

export interface ExplainRequest {
  accountId: string;
  region: string;
  /** A model id, or an inference profile id (then the verdict is about that profile's path). */
  model: string;
}

/** The engine's verdict on one call a request asks for (the access-request pre-flight). */
export interface PairVerdict {
  accountId: string;
  region: string;
  /** The verdict on the requested path: the profile asked for, else every path of the model. */
  status: "usable" | "blocked" | "unknown";
  /** Where every requested path is blocked (the first path's gate), or cannot be judged. */
  gate: string | null;
  reason: string;
  /**
   * The policies the blocking check names (SCPs that deny or fail to allow, the Bedrock policy's
   * ids), from its evidence; empty when the gate is not a policy's.
   */
  policyIds: string[];
  /** Who can open the blocking gate (the engine's fixOwner), when it says. */
  fixOwner: string | null;
  /** Every requested path, with its status and the gate that stops it. */
  paths: Array<{ name: string; kind: PathVerdict["path"]["kind"]; status: PathVerdict["status"]; gate: string | null }>;
}

/** Policy ids in a failed check's evidence (SCP matches, Bedrock policy ids). */
function blockingPolicyIds(path: PathVerdict | undefined): string[] {
  const check = path?.checks.find((c) => c.gate === path.gate && c.status !== "pass");
  const ids = new Set<string>();
  for (const e of check?.evidence ?? []) {
    const data = e.data ?? {};
    for (const m of (data.matched as Array<{ policyId?: unknown }> | undefined) ?? [])
      if (typeof m.policyId === "string") ids.add(m.policyId);
    for (const id of (data.policyIds as unknown[] | undefined) ?? []) if (typeof id === "string") ids.add(id);
  }
  return [...ids];
}

export function createReachabilityService(deps: { facts: FactsRepository; clock: Clock }) {
  return {
    /**
     * The engine on the stored inventory for each account × Region: can `modelId` (through
     * `profileId` when given) be called there, judged for any principal whose identity policies
     * allow it. Account-Regions not in the inventory are left out. `ignorePolicyIds`: judge as if
     * those SCPs were not attached (what bedrock-governor's own SCPs become once a grant widens them).
     */
    async judgePairs(
      accountIds: readonly string[],
      regions: readonly string[],
      modelId: string,
      profileId: string | null,
      opts: { ignorePolicyIds?: readonly string[] } = {},
    ): Promise<PairVerdict[]> {
      const engine = createReachabilityEngine({ now: deps.clock.now() });
      const ignore = new Set(opts.ignorePolicyIds ?? []);
      const out: PairVerdict[] = [];
      for (const account of await deps.facts.accounts(accountIds)) {
        // A hypothetical: the world with these SCPs out of the way (the ones a grant rewrites).
        const facts =
          ignore.size === 0 || account.facts.scps === undefined
            ? account.facts
            : {
                ...account.facts,
                scps: account.facts.scps.map((l) => ({ ...l, policies: l.policies.filter((p) => !ignore.has(p.id)) })),
              };
        for (const region of regions) {
          if (!facts.regions.has(region)) continue;
          const v = engine.evaluate(facts, region, modelId, { kind: "any" });
          const paths = profileId === null ? v.paths : v.paths.filter((p) => pathName(p.path) === profileId);
          const usable = paths.find((p) => p.status === "usable");
          const status = usable
            ? "usable"
            : paths.length > 0 && paths.every((p) => p.status === "blocked")
              ? "blocked"
              : "unknown";
          const first = usable ?? paths.find((p) => p.status === status) ?? paths[0];
          const blocking = status === "usable" ? undefined : first;
          out.push({
            accountId: account.facts.accountId,
            region,
            status,
            gate: status === "usable" ? null : (first?.gate ?? null),
            reason: first?.reason ?? "no path to the model",
            policyIds: blockingPolicyIds(blocking),
            fixOwner: blocking?.checks.find((c) => c.gate === blocking.gate)?.fixOwner ?? null,
            paths: paths.map((p) => ({ name: pathName(p.path), kind: p.path.kind, status: p.status, gate: p.gate })),
          });
        }
      }
      return out;
    },

    async explain(ctx: CallContext, req: ExplainRequest): Promise<Explanation> {
      if (!hasRole(ctx.principal, "viewer", "requester", "auditor"))
        throw new ForbiddenError("explaining model access needs the viewer role");
      const [account] = await deps.facts.accounts([req.accountId]);
      if (account === undefined) throw new NotFoundError(`account ${req.accountId} is not in the inventory`);
      const rf = account.facts.regions.get(req.region);
      if (rf === undefined)
        throw new UnprocessableError(`account ${req.accountId} is not synced in ${req.region}`, [
          { field: "query.region", message: "not a Region in the account's scope" },
        ]);
      const profile = rf.profiles.get(req.model);
      const modelId = profile?.modelId ?? req.model;
      // An account-Region that could not be read is still judged (the account-wide Bedrock policy
      // may block it); a model unknown to a Region that was read is not there.
      if (
        rf.status === "ok" &&
        !rf.models.has(modelId) &&
        profile === undefined &&
        ![...rf.profiles.values()].some((p) => p.modelId === modelId)
      )
        throw new NotFoundError(`${req.model} is not in the inventory of ${req.accountId} in ${req.region}`);
      const now = deps.clock.now();
      const verdict = createReachabilityEngine({ now }).evaluate(account.facts, req.region, modelId, { kind: "any" });
      const narrowed: ModelVerdict =
        profile === undefined
          ? verdict
          : (() => {
              const paths: PathVerdict[] = verdict.paths.filter((p) => pathName(p.path) === profile.profileId);
              const status = paths[0]?.status ?? "blocked";
              return { ...verdict, status, paths };
            })();
      return {
        verdict: narrowed,
        inventoryAsOf: account.regionDetails.get(req.region)?.lastSuccessAt ?? null,
        requestedPath: profile?.profileId ?? null,
        checkedAt: now,
      };
    },
  };
}

export type ReachabilityService = ReturnType<typeof createReachabilityService>;
