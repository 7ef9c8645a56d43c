// Pre-flight of a plan's SCP changes: what approved use would the new policy set block?
//
// The reachability engine decides, twice: once on the stored facts of each affected account, once
// on the same facts with the SCP levels the plan leaves behind (its creates, updates, attaches,
// detaches and deletes applied to the organization's policies as the last sync saw them). An
// approved path (approved exactly as reconciliation reads the catalog) usable now and blocked
// after is a breakage. The staged rollout asks the same question of an OU's freshly synced facts.
import { type NamedPolicy, parsePolicyDocument, type ScpLevel } from "../../lib/policy-evaluator.js";
import type { CatalogEntry } from "../catalog/catalog.types.js";
import { isExpired } from "../catalog/grants.js";
import { createReachabilityEngine } from "../reachability/engine.js";
import {
  type AccountInventory,
  type CallPath,
  type PathVerdict,
  pathName,
} from "../reachability/reachability.types.js";
import { approvalsFor } from "../reconcile/reconcile.js";
import type { Breakage, PlanChange } from "./remediation.types.js";
import { type OrgTreeNode, orgTree, type ScpOnTarget } from "./scp-plan.js";

const ANY_PRINCIPAL = { kind: "any" } as const;

/** The id a policy the plan creates goes by until AWS gives it one. */
export const plannedPolicyId = (name: string) => `new:${name}`;

/** The organization's SCPs and their targets once `changes` are made. */
export function scpsAfter(policies: readonly ScpOnTarget[], changes: readonly PlanChange[]): ScpOnTarget[] {
  const byId = new Map(policies.map((p) => [p.id, { ...p, targets: [...p.targets] }]));
  for (const c of changes) {
    if (c.kind === "scp_create")
      byId.set(plannedPolicyId(c.name), {
        id: plannedPolicyId(c.name),
        name: c.name,
        content: c.content,
        awsManaged: false,
        targets: [],
      });
    else if (c.kind === "scp_update") {
      const p = byId.get(c.policyId);
      if (p) Object.assign(p, { content: c.after, name: c.name });
    } else if (c.kind === "scp_attach") {
      const p = byId.get(c.policyId ?? plannedPolicyId(c.name));
      if (p && !p.targets.includes(c.target.id)) p.targets.push(c.target.id);
    } else if (c.kind === "scp_detach") {
      const p = byId.get(c.policyId);
      if (p) p.targets = p.targets.filter((t) => t !== c.target.id);
    } else if (c.kind === "scp_delete") byId.delete(c.policyId);
  }
  return [...byId.values()];
}

/** An account's SCP levels (root first) under a set of policies, built as the facts repository builds them. */
export function levelsUnder(policies: readonly ScpOnTarget[]): (lineage: readonly string[]) => ScpLevel[] {
  const byTarget = new Map<string, NamedPolicy[]>();
  for (const p of [...policies].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    let named: NamedPolicy;
    try {
      named = { id: p.id, document: parsePolicyDocument(p.content) };
    } catch {
      continue; // an unreadable copy cannot decide anything (as in the facts repository)
    }
    for (const t of p.targets) byTarget.set(t, [...(byTarget.get(t) ?? []), named]);
  }
  const inForce = policies.some((p) => p.targets.length > 0);
  return (lineage) =>
    inForce ? [...lineage].reverse().map((targetId) => ({ targetId, policies: byTarget.get(targetId) ?? [] })) : [];
}

/** Accounts whose SCP levels the changes touch: below a changed target or a target of a changed policy. */
export function affectedAccounts(
  tree: readonly OrgTreeNode[],
  policies: readonly ScpOnTarget[],
  changes: readonly PlanChange[],
): string[] {
  const t = orgTree(tree);
  const targets = new Set<string>();
  const byId = new Map(policies.map((p) => [p.id, p]));
  for (const c of changes) {
    if ("target" in c && c.kind.startsWith("scp_")) targets.add(c.target.id);
    if (c.kind === "scp_update" || c.kind === "scp_delete")
      for (const target of byId.get(c.policyId)?.targets ?? []) targets.add(target);
  }
  if (targets.size === 0) return [];
  return tree.filter((n) => n.kind === "account" && t.lineageOf(n.id).some((id) => targets.has(id))).map((n) => n.id);
}

const pathKey = (p: CallPath) => JSON.stringify([p.kind, p.profileId ?? "", p.projectArn ?? "", p.workspaceArn ?? ""]);

function denyingPolicies(v: PathVerdict, names: ReadonlyMap<string, string>): Breakage["policies"] {
  const out = new Map<string, Breakage["policies"][number]>();
  for (const check of v.checks.filter((c) => c.status === "fail"))
    for (const e of check.evidence ?? []) {
      if (e.kind !== "scp") continue;
      const data = e.data as { matched?: { policyId: string; sid: string | null }[]; missingAllowAt?: string };
      for (const m of data.matched ?? [])
        out.set(`${m.policyId}\u0000${m.sid ?? ""}`, {
          policyId: m.policyId,
          name: names.get(m.policyId) ?? null,
          sid: m.sid ?? null,
        });
    }
  return [...out.values()];
}

/**
 * Compares approved paths between two views of the same accounts: `before` (the facts the
 * decision was made on) and `after` (with other SCPs, or freshly synced). One engine per side:
 * the engine memoizes SCP decisions by policy id, and an updated policy keeps its id.
 */
export function createBreakageCheck(input: {
  entries: readonly CatalogEntry[];
  now: Date;
  /** Policy names by id, for the report. */
  names: ReadonlyMap<string, string>;
}) {
  const live = input.entries.filter((e) => !isExpired(e, input.now));
  const engineBefore = createReachabilityEngine({ now: input.now });
  const engineAfter = createReachabilityEngine({ now: input.now });
  return (before: readonly AccountInventory[], after: ReadonlyMap<string, AccountInventory>): Breakage[] => {
    const out: Breakage[] = [];
    for (const account of before) {
      const later = after.get(account.facts.accountId);
      if (!account.facts.active || later === undefined) continue;
      const { approving } = approvalsFor(account, live, input.now);
      for (const rf of account.facts.regions.values()) {
        if (rf.status === "never") continue;
        const next = new Map(
          engineAfter.evaluateRegion(later.facts, rf.region, ANY_PRINCIPAL).map((v) => [v.modelId, v]),
        );
        for (const v of engineBefore.evaluateRegion(account.facts, rf.region, ANY_PRINCIPAL)) {
          for (const p of v.paths) {
            if (p.status !== "usable" || approving(p, v.modelId, rf.region).length === 0) continue;
            const q = next.get(v.modelId)?.paths.find((x) => pathKey(x.path) === pathKey(p.path));
            if (q?.status !== "blocked") continue;
            out.push({
              accountId: account.facts.accountId,
              region: rf.region,
              modelId: v.modelId,
              path: pathName(p.path),
              gate: q.gate ?? "unknown",
              reason: q.reason,
              policies: denyingPolicies(q, input.names),
            });
          }
        }
      }
    }
    return out;
  };
}

/** The breakages of applying `changes` to the accounts of `inventory` (their stored facts). */
export function preflightScps(input: {
  inventory: readonly AccountInventory[];
  policies: readonly ScpOnTarget[];
  changes: readonly PlanChange[];
  entries: readonly CatalogEntry[];
  now: Date;
}): Breakage[] {
  const after = scpsAfter(input.policies, input.changes);
  const levels = levelsUnder(after);
  const names = new Map([...input.policies, ...after].map((p) => [p.id, p.name]));
  const check = createBreakageCheck({ entries: input.entries, now: input.now, names });
  const changed = new Map(
    input.inventory.map((a) => [
      a.facts.accountId,
      { ...a, facts: { ...a.facts, scps: a.facts.scps === undefined ? undefined : levels(a.lineage) } },
    ]),
  );
  return check(input.inventory, changed);
}

/** One line per breakage, for a problem's detail. */
export function describeBreakage(b: Breakage): string {
  const by = b.policies.map((p) => `${p.name ?? p.policyId}${p.sid ? `/${p.sid}` : ""}`).join(", ");
  return `${b.modelId} in account ${b.accountId} ${b.region} via ${b.path} (${b.gate}${by ? `: ${by}` : ""})`;
}
