// Staged rollout of a plan: the changes that land on one OU or account (and below it) first; that
// target is re-synced and re-reconciled, and the engine compares its approved paths on the fresh
// facts with the facts the plan was applied on. Only when nothing approved became blocked there
// (beyond what a forced apply accepted) do the other changes follow.

import { UnprocessableError } from "../../kernel/errors.js";
import type { CallContext } from "../../kernel/principal.js";
import type { CatalogEntry } from "../catalog/catalog.types.js";
import type { AccountInventory } from "../reachability/reachability.types.js";
import type { Breakage, PlanChange } from "./remediation.types.js";
import { syncRequestsFor } from "./remediation-apply.js";
import type { RemediationDeps } from "./remediation-plan.js";
import { type OrgTreeNode, orgTree } from "./scp-plan.js";
import { createBreakageCheck } from "./scp-preflight.js";

const FINISHED = new Set(["succeeded", "partial", "failed"]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const breakageKey = (b: Pick<Breakage, "accountId" | "region" | "modelId" | "path">) =>
  [b.accountId, b.region, b.modelId, b.path].join("\u0000");

/**
 * The changes of the first stage (indexes): SCP changes on `first` or below it, agreements and use
 * cases of its accounts, and deletes of policies detached only there. The order of the plan
 * (narrowing before widening) holds within each stage.
 */
export function firstStage(
  changes: readonly PlanChange[],
  tree: readonly OrgTreeNode[],
  first: string,
): { first: number[]; accounts: string[] } {
  const t = orgTree(tree);
  const node = t.byId.get(first);
  if (node === undefined || node.kind === "root")
    throw new UnprocessableError(`rollout.first ${first} is not an OU or account of the organization`, [
      { field: "body.rollout.first", message: "not an OU or account in the inventory" },
    ]);
  const below = new Set([first, ...t.descendants(first)]);
  const inStage = (c: PlanChange): boolean => {
    // Account-level changes (agreements, use case, retention, License Manager grants) land on their account.
    if ("licenseArn" in c) return below.has(c.accountId ?? c.scope?.id ?? "");
    if ("accountId" in c) return below.has(c.accountId);
    if (c.kind !== "scp_delete") return below.has(c.target.id);
    const detaches = changes.filter((d) => d.kind === "scp_detach" && d.policyId === c.policyId);
    return detaches.length > 0 && detaches.every(inStage);
  };
  const indexes = changes.flatMap((c, i) => (inStage(c) ? [i] : []));
  if (indexes.length === 0)
    throw new UnprocessableError(`no change of the plan lands on ${first} or below it`, [
      { field: "body.rollout.first", message: "no change of the plan lands there" },
    ]);
  return { first: indexes, accounts: [...below].filter((id) => t.byId.get(id)?.kind === "account") };
}

export interface StageVerification {
  syncRunIds: string[];
  /** Set when verification itself could not be done (a sync that failed or did not finish). */
  problem: string | null;
  breakages: Breakage[];
}

export function createRolloutVerifier(
  deps: Pick<
    RemediationDeps,
    "repo" | "inventory" | "requestSync" | "syncRunStatus" | "reconcileAccounts" | "clock" | "settings"
  >,
) {
  async function awaitRun(ctx: CallContext, id: string): Promise<string> {
    const timeoutMs = deps.settings.rolloutSyncTimeoutMs ?? 15 * 60_000;
    const pollMs = deps.settings.rolloutPollMs ?? 1_000;
    const end = Date.now() + timeoutMs;
    for (;;) {
      const status = await deps.syncRunStatus(ctx, id);
      if (FINISHED.has(status)) return status;
      if (Date.now() > end) return "timed_out";
      await sleep(pollMs);
    }
  }

  /**
   * Re-syncs and re-reconciles what the first stage touched, then compares the approved paths of
   * the target's accounts on the fresh facts with `before`.
   */
  return async function verify(
    ctx: CallContext,
    input: {
      applied: readonly PlanChange[];
      tree: readonly OrgTreeNode[];
      accounts: readonly string[];
      before: readonly AccountInventory[];
      entries: readonly CatalogEntry[];
      /** Breakages a forced apply accepted: not unexpected. */
      accepted: ReadonlySet<string>;
    },
  ): Promise<StageVerification> {
    const syncRunIds: string[] = [];
    for (const req of syncRequestsFor(input.applied, input.tree)) syncRunIds.push(await deps.requestSync(ctx, req));
    for (const id of syncRunIds) {
      const status = await awaitRun(ctx, id);
      if (status === "failed" || status === "timed_out")
        return { syncRunIds, problem: `the verifying sync run ${id} ${status.replace("_", " ")}`, breakages: [] };
    }
    await deps.reconcileAccounts(ctx, [...input.accounts]);
    const [fresh, policies] = await Promise.all([deps.inventory.accounts(input.accounts), deps.repo.scps()]);
    const check = createBreakageCheck({
      entries: input.entries,
      now: deps.clock.now(),
      names: new Map(policies.map((p) => [p.id, p.name])),
    });
    const breakages = check(input.before, new Map(fresh.map((a) => [a.facts.accountId, a]))).filter(
      (b) => !input.accepted.has(breakageKey(b)),
    );
    return { syncRunIds, problem: null, breakages };
  };
}
