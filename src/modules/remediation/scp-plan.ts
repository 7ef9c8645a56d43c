// The SCP part of a remediation plan: which roots, OUs and accounts carry bedrock-governor's
// catalog SCPs, what those policies must say, and the Organizations calls that get there.
//
// WHERE. Several SCPs along an account's path are ANDed, so the SCP on a node N must allow every
// entry that applies anywhere at or below N (its lineage's entries and its descendants'), or it
// would deny what an account below is approved for. The access an account A ends up with is the
// intersection along its path, which equals the entries of A's own lineage exactly when some node
// on the path has that set as its allowed set. So the root always carries catalog SCPs, and a node
// carries its own when its allowed set differs from its parent's (a sibling of an account with an
// account-scoped entry, for example). Nodes whose set equals the parent's need nothing: the
// parent's policies already say exactly that.
//
// WHAT. Policies are bedrock-governor's own, recognised by name (`bedrock-governor-catalog-<node>`
// and `…-<i>-of-<n>` when split); other SCPs are never changed, only counted against AWS's five
// policies per target. Existing managed policies are paired with the compiled ones in name order
// and updated in place, extra ones created and attached, surplus ones detached and deleted.
//
// ORDER. Narrowing before widening: creates, attaches and updates run deepest node first, so a
// node's own restrictions are in place before an ancestor's ceiling opens; detaches and deletes
// run last.
import { createTwoFilesPatch } from "diff";
import type { CatalogEntry } from "../catalog/catalog.types.js";
import type { ModelFact, ProfileFact } from "../catalog/grants.js";
import { compileScps, PolicyTooLargeError } from "../catalog/policy-compiler.js";
import { MAX_SCPS_PER_TARGET } from "../catalog/scp-compiler.js";
import { retentionStatements } from "../catalog/scp-surfaces.js";
import type { PlanChange, ScpTargetRef, Unresolved } from "./remediation.types.js";

export const MANAGED_SCP_PREFIX = "bedrock-governor-catalog";

export interface OrgTreeNode {
  id: string;
  kind: "root" | "ou" | "account";
  /** null for the root. */
  parentId: string | null;
  /** The management account: SCPs do not apply to it, so it never gets one. */
  management?: boolean;
}

export interface ScpOnTarget {
  id: string;
  name: string;
  content: string;
  awsManaged: boolean;
  /** Every target the policy is attached to. */
  targets: readonly string[];
}

export interface ScpPlanInput {
  nodes: readonly OrgTreeNode[];
  entries: readonly CatalogEntry[];
  models: readonly ModelFact[];
  profiles: readonly ProfileFact[];
  /** Model ids bedrock-mantle serves (see CompileScpsInput). */
  mantleModels?: readonly string[];
  /** Every SCP in the organization (managed or not). */
  policies: readonly ScpOnTarget[];
  now: Date;
  /** Only changes on these nodes are wanted (see `includedNodes`); unset: all. */
  include?: ReadonlySet<string>;
}

export interface ScpPlan {
  changes: PlanChange[];
  unresolved: Unresolved[];
  /** Nodes whose SCPs the plan changes. */
  touched: string[];
}

/** The managed-name owner of a policy: the node id in `bedrock-governor-catalog-<node>[-i-of-n]`. */
export function managedOwner(name: string): string | undefined {
  const m = /^bedrock-governor-catalog-(.+?)(?:-\d+-of-\d+)?$/.exec(name);
  return m?.[1];
}

function pretty(content: string): string {
  try {
    return `${JSON.stringify(JSON.parse(content), null, 2)}\n`;
  } catch {
    return `${content}\n`;
  }
}

function sameDocument(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}

export function policyDiff(name: string, before: string, after: string): string {
  return createTwoFilesPatch(`${name} (now)`, `${name} (planned)`, pretty(before), pretty(after), "", "", {
    context: 2,
  });
}

/** Nodes by id, each node's lineage (self first, up to the root) and its descendants. */
export function orgTree(nodes: readonly OrgTreeNode[]) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const children = new Map<string, string[]>();
  for (const n of nodes) {
    if (n.parentId === null) continue;
    const siblings = children.get(n.parentId);
    if (siblings) siblings.push(n.id);
    else children.set(n.parentId, [n.id]);
  }
  const lineage = new Map<string, string[]>();
  const lineageOf = (id: string): string[] => {
    const known = lineage.get(id);
    if (known) return known;
    const chain: string[] = [];
    for (
      let at: string | null = id;
      at !== null && byId.has(at) && !chain.includes(at);
      at = byId.get(at)?.parentId ?? null
    )
      chain.push(at);
    lineage.set(id, chain);
    return chain;
  };
  const descendants = (id: string): string[] => {
    const out: string[] = [];
    const stack = [...(children.get(id) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop() as string;
      out.push(next);
      stack.push(...(children.get(next) ?? []));
    }
    return out;
  };
  return { byId, lineageOf, descendants };
}

/**
 * The nodes a scope's SCP changes start from: the lineage of every account in scope (an OU scope
 * adds the OU's subtree). `planScps` closes it downwards: once a node's policy changes, every
 * change below it goes with it.
 */
export function includedNodes(
  nodes: readonly OrgTreeNode[],
  scopeAccounts: readonly string[],
  scopeNodes: readonly string[] = [],
): Set<string> {
  const t = orgTree(nodes);
  const out = new Set<string>();
  for (const id of [...scopeAccounts, ...scopeNodes]) for (const n of t.lineageOf(id)) out.add(n);
  for (const id of scopeNodes) for (const d of t.descendants(id)) out.add(d);
  return out;
}

export function planScps(input: ScpPlanInput): ScpPlan {
  const t = orgTree(input.nodes);
  const root = input.nodes.find((n) => n.kind === "root");
  if (root === undefined) return { changes: [], unresolved: [], touched: [] };

  // Entries by the node they are scoped to (organization entries apply everywhere).
  const everywhere: CatalogEntry[] = [];
  const scopedAt = new Map<string, CatalogEntry[]>();
  for (const e of input.entries) {
    if (e.scope.kind === "organization") everywhere.push(e);
    else scopedAt.set(e.scope.id, [...(scopedAt.get(e.scope.id) ?? []), e]);
  }
  // Allowed set of a node: its lineage's entries and every entry scoped below it.
  const allowed = new Map<string, CatalogEntry[]>();
  for (const n of input.nodes) allowed.set(n.id, [...everywhere]);
  for (const [scopeId, entries] of scopedAt) {
    if (!t.byId.has(scopeId)) continue; // scoped to a node that left the organization
    for (const n of [...t.lineageOf(scopeId), ...t.descendants(scopeId)]) allowed.get(n)?.push(...entries);
  }
  const keyOf = (id: string) =>
    (allowed.get(id) ?? [])
      .map((e) => e.id)
      .sort()
      .join("\n");
  // The retention pin narrows as entries are added (a pinned model), so a node's pin is the union
  // over the accounts it governs (their own lineage's entries), and a node whose union differs
  // from its parent's carries its own policies even when its allowed set is the parent's.
  const lineageEntries = (account: string) => {
    const chain = new Set(t.lineageOf(account));
    return [...everywhere, ...[...scopedAt].flatMap(([id, entries]) => (chain.has(id) ? entries : []))];
  };
  const retentionGroups = new Map<string, CatalogEntry[][]>();
  const groupsOf = (id: string): CatalogEntry[][] => {
    const known = retentionGroups.get(id);
    if (known) return known;
    const accounts = [id, ...t.descendants(id)].filter((n) => {
      const node = t.byId.get(n);
      return node?.kind === "account" && !node.management;
    });
    const groups = accounts.map(lineageEntries);
    retentionGroups.set(id, groups);
    return groups;
  };
  const pinOf = (id: string) =>
    JSON.stringify(
      retentionStatements({
        entries: allowed.get(id) ?? [],
        models: input.models,
        profiles: input.profiles,
        retentionGroups: groupsOf(id),
        now: input.now,
      }),
    );
  const governed = new Set<string>([root.id]);
  for (const n of input.nodes)
    if (
      n.parentId !== null &&
      !n.management &&
      (keyOf(n.id) !== keyOf(n.parentId) || pinOf(n.id) !== pinOf(n.parentId))
    )
      governed.add(n.id);

  const managedByOwner = new Map<string, ScpOnTarget[]>();
  const foreignCount = new Map<string, number>();
  for (const p of input.policies) {
    const owner = managedOwner(p.name);
    if (owner !== undefined && !p.awsManaged) managedByOwner.set(owner, [...(managedByOwner.get(owner) ?? []), p]);
    else for (const target of p.targets) foreignCount.set(target, (foreignCount.get(target) ?? 0) + 1);
  }

  const depth = (id: string) => t.lineageOf(id).length;
  const forward: { node: string; depth: number; change: PlanChange }[] = [];
  const cleanup: { node: string; change: PlanChange }[] = [];
  const unresolved: Unresolved[] = [];
  const touched = new Set<string>();

  for (const node of input.nodes) {
    const target: ScpTargetRef = { kind: node.kind, id: node.id };
    const existing = [...(managedByOwner.get(node.id) ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    let desired: { name: string; description: string; content: string }[] = [];
    if (governed.has(node.id)) {
      const room = MAX_SCPS_PER_TARGET - (foreignCount.get(node.id) ?? 0);
      if (room < 1) {
        unresolved.push({
          kind: "scp_limit",
          targetId: node.id,
          reason: `${node.kind} ${node.id} already has ${MAX_SCPS_PER_TARGET} SCPs that bedrock-governor does not manage; detach one so the catalog SCP can be attached`,
        });
        continue;
      }
      try {
        desired = compileScps({
          target,
          entries: allowed.get(node.id) ?? [],
          models: input.models,
          profiles: input.profiles,
          ...(input.mantleModels !== undefined ? { mantleModels: input.mantleModels } : {}),
          retentionGroups: groupsOf(node.id),
          now: input.now,
          maxPolicies: room,
          namePrefix: MANAGED_SCP_PREFIX,
        });
      } catch (err) {
        if (!(err instanceof PolicyTooLargeError)) throw err;
        unresolved.push({ kind: "scp_limit", targetId: node.id, reason: err.message });
        continue;
      }
    }
    const before = forward.length + cleanup.length;
    const d = depth(node.id);
    desired.forEach((want, i) => {
      const have = existing[i];
      if (have === undefined) {
        forward.push({ node: node.id, depth: d, change: { kind: "scp_create", ...want, target } });
        forward.push({ node: node.id, depth: d, change: { kind: "scp_attach", name: want.name, target } });
        return;
      }
      if (have.name !== want.name || !sameDocument(have.content, want.content))
        forward.push({
          node: node.id,
          depth: d,
          change: {
            kind: "scp_update",
            policyId: have.id,
            name: want.name,
            previousName: have.name,
            description: want.description,
            before: have.content,
            after: want.content,
            diff: policyDiff(want.name, have.content, want.content),
            target,
          },
        });
      if (!have.targets.includes(node.id))
        forward.push({
          node: node.id,
          depth: d,
          change: { kind: "scp_attach", policyId: have.id, name: want.name, target },
        });
    });
    for (const surplus of existing.slice(desired.length)) {
      for (const at of surplus.targets)
        cleanup.push({
          node: node.id,
          change: {
            kind: "scp_detach",
            policyId: surplus.id,
            name: surplus.name,
            target: { kind: t.byId.get(at)?.kind ?? "account", id: at },
          },
        });
      cleanup.push({
        node: node.id,
        change: { kind: "scp_delete", policyId: surplus.id, name: surplus.name, before: surplus.content },
      });
    }
    if (forward.length + cleanup.length > before) touched.add(node.id);
  }
  // The scope's nodes, and everything below those whose policies change: widening a ceiling
  // without the narrowing under it would open access outside the scope.
  let selected: Set<string> | undefined;
  if (input.include !== undefined) {
    selected = new Set(input.include);
    for (const id of input.include) if (touched.has(id)) for (const d of t.descendants(id)) selected.add(d);
  }
  const keep = (node: string | undefined) => selected === undefined || node === undefined || selected.has(node);
  forward.sort((a, b) => b.depth - a.depth);
  return {
    changes: [...forward.filter((f) => keep(f.node)), ...cleanup.filter((c) => keep(c.node))].map((f) => f.change),
    unresolved: unresolved.filter((u) => keep(u.targetId)),
    touched: [...touched].filter((id) => keep(id)),
  };
}
