// The conditions reconciliation checks besides reachability: a model's lifecycle, the logging and
// guardrail conditions of approving entries, and data residency of usable inference profiles.
import { compareStrings, globMatch, hasWildcard } from "../catalog/arns.js";
import type { CatalogEntry } from "../catalog/catalog.types.js";
import { entryAllowsRegion } from "../catalog/catalog-scope.js";
import { inGeography } from "../catalog/geography.js";
import { type AllowIndex, modelMatches } from "../catalog/grants.js";
import type {
  EnforcedGuardrail,
  ModelFacts,
  ModelVerdict,
  RegionDetails,
  RegionFacts,
} from "../reachability/reachability.types.js";
import type { FindingsCollector } from "./findings-collector.js";

const DAY_MS = 86_400_000;

function guardrailCovers(g: EnforcedGuardrail, modelId: string): boolean {
  const hit = (p: string) => p === modelId || p.endsWith(`/${modelId}`) || (hasWildcard(p) && globMatch(p, modelId));
  return (g.includedModels.length === 0 || g.includedModels.some(hit)) && !g.excludedModels.some(hit);
}

/** Approved model rows whose lifecycle is LEGACY, or whose end of life is within the window. */
export function legacyFinding(
  out: FindingsCollector,
  accountId: string,
  region: string,
  row: ModelFacts,
  now: Date,
  windowDays: number,
): void {
  const eol = row.endOfLifeTime?.getTime();
  const eolSoon = eol !== undefined && eol <= now.getTime() + windowDays * DAY_MS;
  if (row.lifecycleStatus !== "LEGACY" && !eolSoon) return;
  const past = eol !== undefined && eol <= now.getTime();
  const eolText = row.endOfLifeTime?.toISOString();
  out.add({
    accountId,
    type: "LEGACY_MODEL",
    severity: past ? "high" : eolSoon ? "medium" : "low",
    region,
    modelId: row.modelId,
    path: null,
    gate: null,
    detail: past
      ? `${row.modelId} is approved in ${region} but reached end of life on ${eolText}.`
      : eolSoon
        ? `${row.modelId} is approved in ${region} and reaches end of life on ${eolText}, within ${windowDays} days.`
        : `${row.modelId} is approved in ${region} but its lifecycle is LEGACY.`,
    evidence: {
      lifecycleStatus: row.lifecycleStatus,
      legacyTime: row.legacyTime?.toISOString() ?? null,
      publicExtendedAccessTime: row.publicExtendedAccessTime?.toISOString() ?? null,
      endOfLifeTime: eolText ?? null,
      windowDays,
    },
  });
}

/** Entries with a condition that approve this model in this Region (directly or via a profile). */
function conditionedEntries(
  entries: readonly CatalogEntry[],
  cond: "loggingRequired" | "guardrailRequired",
  rf: RegionFacts,
  modelId: string,
): CatalogEntry[] {
  return entries.filter((e) => {
    if (e.conditions?.[cond] !== true || !entryAllowsRegion(e, rf.region) || !modelMatches(e.model, modelId))
      return false;
    if (e.viaProfiles === undefined) return true;
    return [...rf.profiles.values()].some((p) => e.viaProfiles?.includes(p.profileId) && p.modelId === modelId);
  });
}

/** Logging and guardrail conditions of the entries approving models offered in the account-Region. */
export function conditionFindings(
  out: FindingsCollector,
  accountId: string,
  rf: RegionFacts,
  details: RegionDetails | undefined,
  entries: readonly CatalogEntry[],
  index: AllowIndex,
  verdicts: readonly ModelVerdict[],
): void {
  if (details === undefined) return;
  const approvedHere = verdicts.map((v) => v.modelId).filter((id) => rf.models.has(id) && index.allows(id, rf.region));
  if (details.guardrails !== null) {
    for (const modelId of approvedHere) {
      const requiring = conditionedEntries(entries, "guardrailRequired", rf, modelId);
      if (requiring.length === 0 || details.guardrails.some((g) => guardrailCovers(g, modelId))) continue;
      out.add({
        accountId,
        type: "GUARDRAIL_REQUIRED_BUT_MISSING",
        severity: "high",
        region: rf.region,
        modelId,
        path: null,
        gate: null,
        detail: `${modelId} is approved in account ${accountId} in ${rf.region} on condition of an enforced guardrail, and no enforced guardrail covers it.`,
        evidence: {
          entryIds: requiring.map((e) => e.id).sort(compareStrings),
          enforcedGuardrails: details.guardrails.map((g) => g.guardrailId),
        },
      });
    }
  }
  if (details.loggingEnabled !== false) return;
  const requiring = new Map<string, string[]>();
  for (const modelId of approvedHere)
    for (const e of conditionedEntries(entries, "loggingRequired", rf, modelId))
      requiring.set(e.id, [...(requiring.get(e.id) ?? []), modelId]);
  if (requiring.size === 0) return;
  out.add({
    accountId,
    type: "LOGGING_REQUIRED_BUT_DISABLED",
    severity: "high",
    region: rf.region,
    modelId: null,
    path: null,
    gate: null,
    detail: `Model invocation logging is off in account ${accountId} in ${rf.region}, but catalog entries approve models there on condition that it is on.`,
    evidence: {
      entryIds: [...requiring.keys()].sort(compareStrings),
      models: [...new Set([...requiring.values()].flat())].sort(compareStrings),
    },
  });
}

/**
 * Residency: each usable inference-profile path, judged against every geography-limited entry
 * that concerns its model from this Region. A path that cannot be called routes nothing.
 */
export function residencyFindings(
  out: FindingsCollector,
  accountId: string,
  region: string,
  v: ModelVerdict,
  entries: readonly CatalogEntry[],
  inventoryAsOf: string | null,
): void {
  for (const p of v.paths) {
    if (p.status !== "usable" || (p.path.kind !== "profile" && p.path.kind !== "global_profile")) continue;
    const profileId = p.path.profileId as string;
    const isGlobal = p.path.kind === "global_profile";
    for (const e of entries) {
      const geo = e.geography;
      if (geo === undefined || !entryAllowsRegion(e, region)) continue;
      const concerns =
        e.viaProfiles !== undefined ? e.viaProfiles.includes(profileId) : modelMatches(e.model, v.modelId);
      if (!concerns) continue;
      const outside = isGlobal ? ["(global)"] : p.path.destinations.filter((d) => !inGeography(d, geo));
      if (outside.length === 0) continue;
      out.add({
        accountId,
        type: "RESIDENCY_VIOLATION",
        severity: "critical",
        region,
        modelId: profileId,
        path: profileId,
        gate: null,
        detail: isGlobal
          ? `Global inference profile ${profileId} can be used in account ${accountId} from ${region}, where the catalog keeps ${v.modelId} in ${geo}; it may route anywhere.`
          : `Inference profile ${profileId} can be used in account ${accountId} from ${region}, where the catalog keeps ${v.modelId} in ${geo}; it routes to ${outside.join(", ")}.`,
        evidence: {
          entryIds: [e.id],
          geography: geo,
          profileModelIds: [v.modelId],
          isGlobal,
          destinationRegions: isGlobal ? [] : [...p.path.destinations],
          outsideRegions: outside,
          inventoryAsOf,
        },
      });
    }
  }
}
