// Pure analysis rules over invocations, shared by the jobs, the API and the tests.
//
// "Allowed at that time": the desired state (catalog + grants) in force when the call was made,
// the entries applying to the account (organization, an OU on its lineage, or the account), and
// the grant logic the policy compilers use (AllowIndex): a call through an inference profile is
// allowed when a grant allows that profile from the source Region; a direct call when a grant
// allows the model in that Region directly (a model approved only via profiles is not allowed
// directly). Failed calls were not served, so only successful ones count as usage.
import { compareStrings } from "../catalog/arns.js";
import type { CatalogEntry } from "../catalog/catalog.types.js";
import { entryAllowsRegion, entryAppliesTo } from "../catalog/catalog-scope.js";
import { AllowIndex, isExpired, type ModelFact, modelMatches, type ProfileFact } from "../catalog/grants.js";
import type { UnapprovedFinding } from "./analysis.repository.js";
import { UNAPPROVED_INVOCATION } from "./analysis.repository.js";
import type { InvocationGroup } from "./invocation-events.repository.js";

export interface Interval {
  from: Date;
  to: Date;
}

/** Splits [from, to) at the given change points (those inside only). */
export function splitInterval(from: Date, to: Date, points: readonly Date[]): Interval[] {
  const cuts = [...new Set(points.map((p) => p.getTime()))]
    .filter((t) => t > from.getTime() && t < to.getTime())
    .sort((a, b) => a - b);
  const out: Interval[] = [];
  let start = from.getTime();
  for (const t of [...cuts, to.getTime()]) {
    if (t > start) out.push({ from: new Date(start), to: new Date(t) });
    start = t;
  }
  return out;
}

/** Expiry times of entries inside an interval: what an entry allowed stops there. */
export function expiryPoints(entries: readonly CatalogEntry[]): Date[] {
  return entries
    .filter((e) => e.expiresAt !== undefined && !Number.isNaN(Date.parse(e.expiresAt)))
    .map((e) => new Date(e.expiresAt as string));
}

export interface OrgFacts {
  lineages: ReadonlyMap<string, readonly string[]>;
  models: readonly ModelFact[];
  profiles: readonly ProfileFact[];
}

/** AllowIndexes per set of applicable entries (accounts in the same OUs share one). */
export class AllowCache {
  private readonly byEntries = new Map<string, { index: AllowIndex; profileSources: Map<string, Set<string>> }>();

  constructor(
    private readonly entries: readonly CatalogEntry[],
    private readonly at: Date,
    private readonly facts: OrgFacts,
  ) {}

  forAccount(accountId: string) {
    const lineage = this.facts.lineages.get(accountId) ?? [accountId];
    const applicable = this.entries.filter((e) => entryAppliesTo(e, lineage));
    const key = applicable.map((e) => e.id).join("\u0000");
    let hit = this.byEntries.get(key);
    if (hit === undefined) {
      const index = new AllowIndex({
        entries: applicable,
        models: this.facts.models,
        profiles: this.facts.profiles,
        now: this.at,
      });
      hit = { index, profileSources: index.profileSources() };
      this.byEntries.set(key, hit);
    }
    return hit;
  }

  /** Was this call allowed? */
  allows(g: Pick<InvocationGroup, "accountId" | "region" | "profileId" | "baseModelId">): boolean {
    const { index, profileSources } = this.forAccount(g.accountId);
    if (g.profileId !== null && index.profilesById.has(g.profileId))
      return profileSources.get(g.profileId)?.has(g.region) ?? false;
    // A profile the inventory does not know (or an application profile): judged by its model.
    if (g.baseModelId === null) return false;
    return index.directAllows(g.baseModelId, g.region);
  }
}

/** Unapproved groups of one interval, as finding parts (merged across intervals by `mergeUnapproved`). */
export function unapprovedIn(groups: readonly InvocationGroup[], cache: AllowCache): InvocationGroup[] {
  return groups.filter((g) => (g.baseModelId !== null || g.profileId !== null) && !cache.allows(g));
}

export const unapprovedKey = (g: Pick<InvocationGroup, "accountId" | "region" | "modelId">): string =>
  [UNAPPROVED_INVOCATION, g.accountId, g.region, g.modelId ?? "", ""].join("|");

/** One finding per account, Region and model as invoked, over every interval it appeared in. */
export function mergeUnapproved(hits: readonly InvocationGroup[], window: Interval): UnapprovedFinding[] {
  const byKey = new Map<string, InvocationGroup[]>();
  for (const h of hits) {
    const k = unapprovedKey(h);
    byKey.set(k, [...(byKey.get(k) ?? []), h]);
  }
  const out: UnapprovedFinding[] = [];
  for (const [key, parts] of byKey) {
    const first = parts[0] as InvocationGroup;
    const count = parts.reduce((s, p) => s + p.count, 0);
    const firstAt = new Date(Math.min(...parts.map((p) => p.firstAt.getTime())));
    const lastAt = new Date(Math.max(...parts.map((p) => p.lastAt.getTime())));
    const principals = [...new Set(parts.flatMap((p) => p.principals))].sort(compareStrings).slice(0, 20);
    const model = first.modelId ?? first.baseModelId ?? "(unknown model)";
    out.push({
      key,
      accountId: first.accountId,
      region: first.region,
      modelId: first.modelId,
      detail: `${count} invocation(s) of ${model} in ${first.accountId} ${first.region} that the catalog and grants did not allow at the time`,
      evidence: {
        baseModelId: first.baseModelId,
        profileId: first.profileId,
        inferenceRegions: [...new Set(parts.flatMap((p) => p.inferenceRegions))].sort(compareStrings),
        principals,
        invocations: count,
        window: { from: window.from.toISOString(), to: window.to.toISOString() },
        firstEventAt: firstAt.toISOString(),
        lastEventAt: lastAt.toISOString(),
        sampleEventIds: parts.flatMap((p) => p.sampleEventIds).slice(0, 5),
      },
      firstEventAt: firstAt,
      lastEventAt: lastAt,
    });
  }
  return out.sort((a, b) => compareStrings(a.key, b.key));
}

/**
 * The gate that most likely refused an access-denied call, from the error text CloudTrail keeps
 * (AWS words these consistently): an SCP, an IAM policy, Marketplace, the Anthropic use case.
 */
export function likelyGate(errorCode: string, message: string | null): string {
  const m = (message ?? "").toLowerCase();
  if (m.includes("service control policy")) return "scp_deny";
  if (m.includes("resource control policy")) return "rcp_deny";
  if (m.includes("aws-marketplace") || m.includes("marketplace")) return "marketplace_permission";
  if (m.includes("use case") || m.includes("usecase")) return "anthropic_use_case_missing";
  if (m.includes("agreement") || m.includes("model access")) return "agreement_missing";
  if (m.includes("permissions boundary")) return "permissions_boundary";
  if (m.includes("session policy")) return "session_policy";
  if (m.includes("identity-based policy") || m.includes("not authorized to perform")) return "iam_policy";
  if (/bearer|api key/.test(m)) return "bearer_token";
  return errorCode.toLowerCase().includes("accessdenied") ? "unknown_access_denied" : "unknown";
}

/** Entries in force that match no successful invocation since the cutoff (revocation candidates). */
export function unusedEntries(
  entries: readonly CatalogEntry[],
  uses: ReadonlyArray<{ accountId: string; region: string; baseModelId: string | null; profileId: string | null }>,
  lineages: ReadonlyMap<string, readonly string[]>,
  now: Date,
): CatalogEntry[] {
  return entries.filter((e) => {
    if (isExpired(e, now)) return false;
    return !uses.some((u) => {
      const lineage = lineages.get(u.accountId) ?? [u.accountId];
      if (!entryAppliesTo(e, lineage) || !entryAllowsRegion(e, u.region)) return false;
      if (e.viaProfiles !== undefined) return u.profileId !== null && e.viaProfiles.includes(u.profileId);
      return u.baseModelId !== null && modelMatches(e.model, u.baseModelId);
    });
  });
}
