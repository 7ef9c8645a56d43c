// Reconciliation: the catalog in force (desired state) against what the reachability engine says
// can be called (actual state) → finding candidates. Pure, so the same rules serve the job, the API
// and the tests; whether a model can be called is the engine's answer, never decided here.
//
// Per ACTIVE account still in the organization, per account-Region synced at least once:
// - The catalog entries that apply are those scoped to the organization, an OU on the account's
//   lineage, or the account. A path is approved when an entry allows it: direct and profile paths
//   through the policy compiler's AllowIndex (entries allowing `runtime`), bedrock-mantle and
//   Claude Platform when an entry lists that endpoint.
// - Approved on some path, but no approved path usable → one finding per blocked approved path and
//   gate: APPROVED_MODEL_BLOCKED, or MARKETPLACE_SUBSCRIPTION_BLOCKED / ENTITLEMENT_INACTIVE /
//   RETENTION_VIOLATION for those gates. Unknown paths produce nothing: we report what we know.
// - Approved and usable, but under a retention mode the entry does not allow → RETENTION_VIOLATION.
// - Not approved on any path, but usable on one → UNAPPROVED_MODEL_ACCESSIBLE per usable path.
// - Approved, and usable on bedrock-mantle or Claude Platform where no entry allows that endpoint
//   → UNGUARDED_SURFACE; so are active long-term Bedrock API keys through which a model can be
//   called where no entry allows API keys (path `api_keys`).
// - A usable inference-profile path from a Region where a geography-limited entry concerns its
//   model, routing outside that geography → RESIDENCY_VIOLATION (the model is the profile id).
// - Legacy lifecycle, logging and guardrail conditions of approving entries; an invalid effective
//   Bedrock policy (BEDROCK_POLICY_INVALID); a failed last sync (ACCOUNT_UNREACHABLE), whose
//   findings from the last good inventory are still reported.
import { compareStrings, hasWildcard } from "../catalog/arns.js";
import type { CatalogEntry, Endpoint } from "../catalog/catalog.types.js";
import { entryAllowsRegion, entryAppliesTo } from "../catalog/catalog-scope.js";
import { AllowIndex, isExpired, type ModelFact, modelMatches, type ProfileFact } from "../catalog/grants.js";
import { retentionFor } from "../reachability/gates.js";
import {
  type AccountInventory,
  type Gate,
  type ModelVerdict,
  type PathVerdict,
  pathName,
  type RegionFacts,
} from "../reachability/reachability.types.js";
import { apiKeyFindings } from "./api-key-surface.js";
import { FindingsCollector } from "./findings-collector.js";
import type { FindingCandidate, FindingSeverity, FindingType, ReconcileInput } from "./reconcile.types.js";
import { conditionFindings, legacyFinding, residencyFindings } from "./reconcile-conditions.js";

const ANY_PRINCIPAL = { kind: "any" } as const;

const BLOCKED_TYPE: Partial<Record<Gate, FindingType>> = {
  marketplace: "MARKETPLACE_SUBSCRIPTION_BLOCKED",
  entitlement: "ENTITLEMENT_INACTIVE",
  data_retention: "RETENTION_VIOLATION",
};
const GATE_SEVERITY: Record<Gate, FindingSeverity> = {
  credentials: "medium",
  region: "low",
  lifecycle: "medium",
  bedrock_policy: "critical",
  org_policy: "medium",
  iam: "medium",
  entitlement: "high",
  marketplace: "medium",
  use_case: "medium",
  data_retention: "high",
};

/** How a path reads in a sentence. */
export function pathLabel(v: PathVerdict): string {
  switch (v.path.kind) {
    case "direct":
      return "a direct call";
    case "profile":
      return `inference profile ${v.path.profileId}`;
    case "global_profile":
      return `global inference profile ${v.path.profileId}`;
    case "mantle":
      return `bedrock-mantle (${v.path.projectArn})`;
    case "claude_platform":
      return "Claude Platform on AWS";
  }
}

const endpointOf = (v: Pick<PathVerdict, "path">): Endpoint =>
  v.path.kind === "mantle" ? "mantle" : v.path.kind === "claude_platform" ? "claude_platform" : "runtime";
const allowsEndpoint = (e: CatalogEntry, endpoint: Endpoint) => (e.endpoints ?? ["runtime"]).includes(endpoint);

function modelFacts(account: AccountInventory): ModelFact[] {
  const byId = new Map<string, ModelFact>();
  for (const rf of account.facts.regions.values())
    for (const m of rf.models.values()) {
      const f = byId.get(m.modelId) ?? { modelId: m.modelId, provider: m.provider, regions: [] };
      if (m.regionAvailability !== "NOT_AVAILABLE") f.regions.push(rf.region);
      byId.set(m.modelId, f);
    }
  return [...byId.values()];
}

function profileFacts(account: AccountInventory): ProfileFact[] {
  const byId = new Map<string, ProfileFact>();
  for (const rf of account.facts.regions.values())
    for (const p of rf.profiles.values()) {
      const f = byId.get(p.profileId) ?? {
        profileId: p.profileId,
        modelId: p.modelId,
        sourceRegions: [],
        destinationRegions: [...p.destinationRegions],
        isGlobal: p.isGlobal,
      };
      f.sourceRegions.push(rf.region);
      f.isGlobal ||= p.isGlobal;
      byId.set(p.profileId, f);
    }
  for (const f of byId.values()) f.sourceRegions.sort(compareStrings);
  return [...byId.values()];
}

/**
 * Which entries approve a path of the verdict (empty: not approved): the catalog's reading of a
 * path, which the compiled SCPs are also checked against (test/catalog/scp-surfaces.test.ts).
 */
export function approvingEntries(
  v: Pick<PathVerdict, "path">,
  modelId: string,
  region: string,
  ctx: ApprovalContext,
): readonly CatalogEntry[] {
  const endpoint = endpointOf(v);
  if (endpoint === "runtime" && v.path.kind !== "direct") {
    const id = v.path.profileId as string;
    if (!ctx.profileSources.get(id)?.has(region)) return NONE;
    return lookups(ctx).byProfile.get(id) ?? NONE;
  }
  if (endpoint === "runtime" && !ctx.index.directAllows(modelId, region)) return NONE;
  return lookups(ctx)
    .forModel(modelId)
    .filter((e) => e.viaProfiles === undefined && allowsEndpoint(e, endpoint) && entryAllowsRegion(e, region));
}

/** What approvingEntries reads of an account's approvals. */
export interface ApprovalContext {
  index: AllowIndex;
  entries: readonly CatalogEntry[];
  profileSources: Map<string, Set<string>>;
}

const NONE: readonly CatalogEntry[] = Object.freeze([]);

/**
 * Per approval context, built on first use: the entries whose model pattern matches a model id
 * (matched once per model, not once per path and Region), and the entries granting each profile.
 */
const lookupsOf = new WeakMap<
  ApprovalContext,
  { forModel(modelId: string): readonly CatalogEntry[]; byProfile: Map<string, CatalogEntry[]> }
>();
function lookups(ctx: ApprovalContext) {
  let l = lookupsOf.get(ctx);
  if (l === undefined) {
    const models = new Map<string, readonly CatalogEntry[]>();
    const granting = new Map<string, Set<string>>();
    for (const g of ctx.index.grants.profileGrants) {
      const ids = granting.get(g.profile.profileId) ?? new Set<string>();
      ids.add(g.entryId);
      granting.set(g.profile.profileId, ids);
    }
    const byProfile = new Map<string, CatalogEntry[]>();
    for (const [id, ids] of granting)
      byProfile.set(
        id,
        ctx.entries.filter((e) => ids.has(e.id)),
      );
    l = {
      forModel(modelId) {
        let hit = models.get(modelId);
        if (hit === undefined) {
          hit = ctx.entries.filter((e) => modelMatches(e.model, modelId));
          models.set(modelId, hit);
        }
        return hit;
      },
      byProfile,
    };
    lookupsOf.set(ctx, l);
  }
  return l;
}

const entryIds = (entries: readonly CatalogEntry[]) => [...new Set(entries.map((e) => e.id))].sort(compareStrings);

/**
 * How the catalog approves paths for one account: the live entries that apply to it, and which of
 * them approve a path of a verdict (empty: not approved). The one reading of approval, shared by
 * reconciliation and remediation's pre-flight.
 */
export function approvalsFor(account: AccountInventory, liveEntries: readonly CatalogEntry[], now: Date) {
  const entries = liveEntries.filter((e) => entryAppliesTo(e, account.lineage));
  const index = new AllowIndex({
    entries: entries.filter((e) => allowsEndpoint(e, "runtime")),
    models: modelFacts(account),
    profiles: profileFacts(account),
    now,
  });
  const ctx: ApprovalContext = { index, entries, profileSources: index.profileSources() };
  return {
    ctx,
    approving: (v: PathVerdict, modelId: string, region: string) => approvingEntries(v, modelId, region, ctx),
  };
}

export function reconcile(input: ReconcileInput): FindingCandidate[] {
  const out = new FindingsCollector();
  const live = input.entries.filter((e) => !isExpired(e, input.now));
  for (const account of input.accounts) {
    if (!account.facts.active) continue;
    const { ctx } = approvalsFor(account, live, input.now);
    const { entries, index } = ctx;
    const accountId = account.facts.accountId;
    if (account.facts.bedrockPolicy.known && account.facts.bedrockPolicy.value.invalidGuardrails.length > 0) {
      const p = account.facts.bedrockPolicy.value;
      out.add({
        type: "BEDROCK_POLICY_INVALID",
        severity: "critical",
        accountId,
        region: null,
        modelId: null,
        path: null,
        gate: "bedrock_policy",
        detail: `The effective Bedrock policy of account ${accountId} names a malformed guardrail, so every Bedrock call in it fails: ${p.invalidGuardrails.join("; ")}.`,
        evidence: { policyIds: [...p.policyIds], invalidGuardrails: [...p.invalidGuardrails] },
      });
    }
    for (const rf of account.facts.regions.values()) {
      if (rf.status === "never") continue;
      const details = account.regionDetails.get(rf.region);
      const inventoryAsOf = details?.lastSuccessAt?.toISOString() ?? null;
      if (rf.status === "error") {
        out.add({
          accountId,
          type: "ACCOUNT_UNREACHABLE",
          severity: rf.errorGate === "credentials" ? "high" : "medium",
          region: rf.region,
          modelId: null,
          path: null,
          gate: null,
          detail: `The last sync of account ${accountId} in ${rf.region} failed${rf.errorGate ? ` at the ${rf.errorGate} gate` : ""}${rf.errorMessage ? `: ${rf.errorMessage}` : ""}. Findings for it come from the inventory of ${inventoryAsOf ?? "no successful sync"}.`,
          evidence: {
            lastErrorAt: details?.lastErrorAt?.toISOString() ?? null,
            lastErrorGate: rf.errorGate,
            lastErrorCode: details?.lastErrorCode ?? null,
            lastErrorMessage: rf.errorMessage,
            lastSuccessAt: inventoryAsOf,
          },
        });
      }
      const verdicts = input.engine.evaluateRegion(account.facts, rf.region, ANY_PRINCIPAL);
      input.verdicts?.push(...verdicts);
      for (const v of verdicts) judgeModel(out, account, rf, v, ctx, input, inventoryAsOf);
      regionUnavailable(out, accountId, rf, entries, inventoryAsOf);
      conditionFindings(out, accountId, rf, details, entries, index, verdicts);
      apiKeyFindings(out, { account, rf, verdicts, entries, engine: input.engine, now: input.now, inventoryAsOf });
    }
  }
  return out.result();
}

function judgeModel(
  out: FindingsCollector,
  account: AccountInventory,
  rf: RegionFacts,
  v: ModelVerdict,
  ctx: ApprovalContext,
  input: ReconcileInput,
  inventoryAsOf: string | null,
): void {
  const accountId = account.facts.accountId;
  const region = rf.region;
  const model = rf.models.get(v.modelId);
  // Provisioned Throughput variants are not on-demand models.
  const onlyProvisioned =
    model !== undefined && model.inferenceTypes.length > 0 && model.inferenceTypes.every((t) => t === "PROVISIONED");
  if (onlyProvisioned) return;
  const approvals = v.paths.map((p) => ({ p, by: approvingEntries(p, v.modelId, region, ctx) }));
  const approved = approvals.filter((a) => a.by.length > 0);
  const base = { accountId, region, modelId: v.modelId };
  // The checks that decided (a usable path passed them all): a finding stays small at scale.
  const evidence = (p: PathVerdict) => ({
    inventoryAsOf,
    path: pathName(p.path),
    destinations: [...p.path.destinations],
    checks: p.checks
      .filter((c) => c.status !== "pass")
      .map((c) => ({ gate: c.gate, status: c.status, reason: c.reason, evidence: c.evidence })),
  });

  if (approved.length === 0) {
    for (const p of v.paths.filter((x) => x.status === "usable"))
      out.add({
        ...base,
        type: "UNAPPROVED_MODEL_ACCESSIBLE",
        severity: "high",
        path: pathName(p.path),
        gate: null,
        detail: `${v.modelId} can be invoked in account ${accountId} in ${region} through ${pathLabel(p)}, but no catalog entry approves it there.`,
        evidence: evidence(p),
      });
  } else if (approved.some((a) => a.p.status === "usable")) {
    for (const a of approved.filter((x) => x.p.status === "usable")) {
      const mode = retentionFor({ regionFacts: rf, path: a.p.path });
      const allowing = a.by.filter(
        (e) => e.retentionModes === undefined || (mode !== undefined && e.retentionModes.includes(mode)),
      );
      if (allowing.length > 0 || mode === undefined) continue;
      out.add({
        ...base,
        type: "RETENTION_VIOLATION",
        severity: "high",
        path: pathName(a.p.path),
        gate: "data_retention",
        detail: `${v.modelId} is used in account ${accountId} in ${region} through ${pathLabel(a.p)} under retention mode ${mode}, which the catalog does not allow (${[...new Set(a.by.flatMap((e) => e.retentionModes ?? []))].join(", ")}).`,
        evidence: { ...evidence(a.p), retentionMode: mode, entryIds: entryIds(a.by) },
      });
    }
  } else {
    for (const a of approved) {
      const gate = a.p.gate;
      if (a.p.status !== "blocked" || gate === null || gate === "bedrock_policy" || gate === "credentials") continue;
      out.add({
        ...base,
        type: BLOCKED_TYPE[gate] ?? "APPROVED_MODEL_BLOCKED",
        severity: GATE_SEVERITY[gate],
        path: pathName(a.p.path),
        gate,
        detail: `${v.modelId} is approved for account ${accountId} in ${region} but cannot be used through ${pathLabel(a.p)}: ${a.p.reason}.`,
        evidence: { ...evidence(a.p), entryIds: entryIds(a.by) },
      });
    }
  }
  if (approved.length > 0) {
    for (const p of v.paths.filter((x) => x.status === "usable" && endpointOf(x) !== "runtime")) {
      if (approvals.some((a) => a.p === p && a.by.length > 0)) continue;
      out.add({
        ...base,
        type: "UNGUARDED_SURFACE",
        severity: "high",
        path: pathName(p.path),
        gate: null,
        detail: `${v.modelId} is approved for account ${accountId} in ${region} on bedrock-runtime only, but can also be called through ${pathLabel(p)}.`,
        evidence: { ...evidence(p), entryIds: entryIds(approved.flatMap((a) => a.by)) },
      });
    }
    if (model !== undefined) legacyFinding(out, accountId, region, model, input.now, input.legacyWindowDays);
  }
  residencyFindings(out, accountId, region, v, ctx.entries, inventoryAsOf);
}

/** Approved in explicitly listed Regions, but the Region does not offer the model at all. */
function regionUnavailable(
  out: FindingsCollector,
  accountId: string,
  rf: RegionFacts,
  entries: readonly CatalogEntry[],
  inventoryAsOf: string | null,
): void {
  // "disabled": the account has not enabled this opt-in Region, so nothing there can be used.
  if (rf.status !== "ok" && rf.status !== "disabled" && rf.models.size === 0) return;
  for (const e of entries) {
    if (e.regions === undefined || e.viaProfiles !== undefined || hasWildcard(e.model)) continue;
    if (!allowsEndpoint(e, "runtime") || !entryAllowsRegion(e, rf.region) || rf.models.has(e.model)) continue;
    if ([...rf.profiles.values()].some((p) => p.modelId === e.model)) continue;
    out.add({
      accountId,
      type: "APPROVED_MODEL_BLOCKED",
      severity: GATE_SEVERITY.region,
      region: rf.region,
      modelId: e.model,
      path: "direct",
      gate: "region",
      detail: `${e.model} is approved for account ${accountId} in ${rf.region} but the Region does not offer it.`,
      evidence: { inventoryAsOf, entryIds: [e.id] },
    });
  }
}
