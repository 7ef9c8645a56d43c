// Reconciliation: the catalog in force (desired state) against the inventory (actual state) →
// finding candidates. A pure function, so the same rules serve the job, the API and the tests.
//
// Rules, per ACTIVE account still in the organization, per account-Region synced at least once:
// - The catalog entries that apply to an account are those whose scope is the organization, an
//   OU on the account's lineage, or the account itself. What they allow is decided by the policy
//   compiler's AllowIndex (grants.ts), fed with this account's own models and profiles.
// - A model row is "accessible" when nothing blocks it: the Region offers it, the effective SCPs
//   do not deny InvokeModel on its ARN, the agreement is in place, the Anthropic use case is on
//   file, and the Marketplace entitlement/authorization is there. Unknown evidence (null) does not
//   block: we report what we know, not what we could not read.
// - Approved and blocked → APPROVED_MODEL_BLOCKED, one finding per blocking gate (so each can be
//   remediated and resolved on its own); Region unavailable hides the others (nothing else
//   matters there). An exact model id approved in explicitly listed Regions that the account syncs
//   but that does not offer the model is also region_unavailable.
// - Accessible but not approved → UNAPPROVED_MODEL_ACCESSIBLE.
// - An inference profile usable from a Region where a geography-limited entry approves its model
//   (or names it in viaProfiles), which routes outside that geography (global, or a destination
//   outside) and is not denied by the SCPs → RESIDENCY_VIOLATION. The finding's model is the
//   profile id.
// - Approved model rows whose lifecycle is LEGACY, or whose end of life is within the window →
//   LEGACY_MODEL.
// - Logging / guardrail conditions are checked where an entry with the condition approves a model
//   offered in the account-Region.
// - An account-Region whose last sync failed → ACCOUNT_UNREACHABLE. Findings from its last
//   successful inventory are still reported (evidence says how old it is), so a failed sync does
//   not resolve and later re-open them with a new first-seen time.
import { evaluateScps, type ScpLevel } from "../../lib/policy-evaluator.js";
import { compareStrings, foundationModelArn, globMatch, hasWildcard, inferenceProfileArn } from "../catalog/arns.js";
import type { CatalogEntry } from "../catalog/catalog.types.js";
import { inGeography } from "../catalog/geography.js";
import { AllowIndex, isExpired, type ModelFact, modelMatches, type ProfileFact } from "../catalog/grants.js";
import type {
  BlockingGate,
  EnforcedGuardrail,
  FindingCandidate,
  FindingSeverity,
  FindingType,
  ReconcileAccount,
  ReconcileAccountRegion,
  ReconcileInput,
  ReconcileModel,
  ReconcileProfile,
} from "./reconcile.types.js";

const DAY_MS = 86_400_000;
const INVOKE = "bedrock:InvokeModel";

export function findingKey(parts: {
  type: FindingType;
  accountId: string;
  region: string | null;
  modelId: string | null;
  gate: string | null;
}): string {
  return [parts.type, parts.accountId, parts.region ?? "", parts.modelId ?? "", parts.gate ?? ""].join("|");
}

/** Does a catalog entry's scope cover the account (lineage: account, OUs…, root)? */
export function entryAppliesTo(entry: CatalogEntry, lineage: readonly string[]): boolean {
  switch (entry.scope.kind) {
    case "organization":
      return true;
    case "ou":
    case "account":
      return lineage.includes(entry.scope.id);
  }
}

/** Does the entry allow calls from this source Region (its Regions, geography, or anywhere)? */
export function entryAllowsRegion(entry: CatalogEntry, region: string): boolean {
  const geo = entry.geography;
  if (geo !== undefined && !inGeography(region, geo)) return false;
  return entry.regions === undefined || entry.regions.includes(region);
}

function guardrailCovers(g: EnforcedGuardrail, modelId: string): boolean {
  const hit = (p: string) => p === modelId || p.endsWith(`/${modelId}`) || (hasWildcard(p) && globMatch(p, modelId));
  return (g.includedModels.length === 0 || g.includedModels.some(hit)) && !g.excludedModels.some(hit);
}

const groupBy = <T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> => {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
};

class Collector {
  private readonly byKey = new Map<string, FindingCandidate>();

  add(
    c: Omit<FindingCandidate, "key" | "evidence"> & { evidence: Record<string, unknown> & { entryIds?: string[] } },
  ): void {
    const key = findingKey(c);
    const seen = this.byKey.get(key);
    if (seen === undefined) {
      this.byKey.set(key, { ...c, key });
      return;
    }
    // Several entries can lead to one finding: keep one, naming every entry.
    const ids = [...((seen.evidence.entryIds as string[] | undefined) ?? []), ...(c.evidence.entryIds ?? [])];
    if (ids.length > 0) seen.evidence.entryIds = [...new Set(ids)].sort(compareStrings);
  }

  result(): FindingCandidate[] {
    return [...this.byKey.values()].sort((a, b) => compareStrings(a.key, b.key));
  }
}

interface ScpOutcome {
  denied: boolean;
  evidence?: Record<string, unknown>;
}

function scpOutcome(
  levels: readonly ScpLevel[] | undefined,
  resource: string,
  context: Record<string, string>,
): ScpOutcome {
  if (levels === undefined || levels.length === 0) return { denied: false };
  const ev = evaluateScps(levels, { action: INVOKE, resource, context });
  if (ev.decision === "allowed") return { denied: false };
  return {
    denied: true,
    evidence: {
      decision: ev.decision,
      resource,
      ...(ev.missingAllowAt !== undefined ? { missingAllowAt: ev.missingAllowAt } : {}),
      matched: ev.matched.map((m) => ({ policyId: m.policyId, statementIndex: m.statementIndex, sid: m.sid ?? null })),
    },
  };
}

const GATE_WORDS: Record<BlockingGate, string> = {
  region_unavailable: "the Region does not offer it",
  scp_deny: "a service control policy denies InvokeModel",
  agreement_missing: "the Marketplace model agreement is missing",
  agreement_pending: "the Marketplace model agreement is pending",
  anthropic_use_case_missing: "the Anthropic use case form is not on file",
  marketplace_permission: "the Marketplace subscription or permission is missing",
};

const GATE_SEVERITY: Record<BlockingGate, FindingSeverity> = {
  region_unavailable: "low",
  scp_deny: "medium",
  agreement_missing: "medium",
  agreement_pending: "low",
  anthropic_use_case_missing: "medium",
  marketplace_permission: "medium",
};

/** Gates blocking a model row other than SCPs, in remediation order. */
function accessGates(row: ReconcileModel, account: ReconcileAccount): BlockingGate[] {
  if (row.regionAvailability === "NOT_AVAILABLE") return ["region_unavailable"];
  const gates: BlockingGate[] = [];
  if (row.agreementStatus === "NOT_AVAILABLE" || row.agreementStatus === "ERROR") gates.push("agreement_missing");
  if (row.agreementStatus === "PENDING") gates.push("agreement_pending");
  const anthropic = row.provider.toLowerCase() === "anthropic" || row.modelId.startsWith("anthropic.");
  const useCaseMissing =
    anthropic &&
    (account.useCaseSubmitted === false ||
      (row.authorizationStatus === "NOT_AUTHORIZED" && account.useCaseSubmitted !== true));
  if (useCaseMissing) gates.push("anthropic_use_case_missing");
  if (
    row.entitlementAvailability === "NOT_AVAILABLE" ||
    (row.authorizationStatus === "NOT_AUTHORIZED" && !useCaseMissing)
  )
    gates.push("marketplace_permission");
  return gates;
}

function modelFacts(models: readonly ReconcileModel[]): ModelFact[] {
  return [...groupBy(models, (m) => m.modelId).values()].map((rows) => ({
    modelId: rows[0]?.modelId ?? "",
    provider: rows[0]?.provider ?? "",
    regions: rows.filter((r) => r.regionAvailability !== "NOT_AVAILABLE").map((r) => r.region),
  }));
}

function profileFacts(profiles: readonly ReconcileProfile[]): ProfileFact[] {
  const out: ProfileFact[] = [];
  for (const rows of groupBy(profiles, (p) => p.profileId).values()) {
    const first = rows[0];
    const modelId = first?.modelIds[0];
    if (first === undefined || modelId === undefined) continue;
    out.push({
      profileId: first.profileId,
      modelId,
      sourceRegions: [...new Set(rows.map((r) => r.region))].sort(compareStrings),
      destinationRegions: [...first.destinationRegions],
      isGlobal: rows.some((r) => r.isGlobal),
    });
  }
  return out;
}

export function reconcile(input: ReconcileInput): FindingCandidate[] {
  const out = new Collector();
  const regionsByAccount = groupBy(input.accountRegions, (r) => r.accountId);
  const modelsByAccount = groupBy(input.models, (m) => m.accountId);
  const profilesByAccount = groupBy(input.profiles, (p) => p.accountId);
  const live = input.entries.filter((e) => !isExpired(e, input.now));
  const legacyHorizon = input.now.getTime() + input.legacyWindowDays * DAY_MS;

  for (const account of input.accounts) {
    if (account.state !== "ACTIVE" || account.leftAt !== null) continue;
    const entries = live.filter((e) => entryAppliesTo(e, account.lineage));
    const accountModels = modelsByAccount.get(account.id) ?? [];
    const accountProfiles = profilesByAccount.get(account.id) ?? [];
    const index = new AllowIndex({
      entries,
      models: modelFacts(accountModels),
      profiles: profileFacts(accountProfiles),
      now: input.now,
    });
    const levels = input.scps.get(account.id);
    const modelsByRegion = groupBy(accountModels, (m) => m.region);
    const profilesByRegion = groupBy(accountProfiles, (p) => p.region);
    const base = { accountId: account.id };

    for (const ar of regionsByAccount.get(account.id) ?? []) {
      if (ar.status === "never") continue;
      const region = ar.region;
      const inventoryAsOf = ar.lastSuccessAt?.toISOString() ?? null;
      if (ar.status === "error") {
        out.add({
          ...base,
          type: "ACCOUNT_UNREACHABLE",
          severity: ar.lastErrorGate === "credentials" ? "high" : "medium",
          region,
          modelId: null,
          gate: null,
          detail: `The last sync of account ${account.id} in ${region} failed${ar.lastErrorGate ? ` at the ${ar.lastErrorGate} gate` : ""}${ar.lastErrorMessage ? `: ${ar.lastErrorMessage}` : ""}. Findings for it come from the inventory of ${inventoryAsOf ?? "no successful sync"}.`,
          evidence: {
            lastErrorAt: ar.lastErrorAt?.toISOString() ?? null,
            lastErrorGate: ar.lastErrorGate,
            lastErrorCode: ar.lastErrorCode,
            lastErrorMessage: ar.lastErrorMessage,
            lastSuccessAt: inventoryAsOf,
          },
        });
      }
      const rows = modelsByRegion.get(region) ?? [];
      const regionProfiles = profilesByRegion.get(region) ?? [];

      for (const row of rows) {
        const approved = index.allows(row.modelId, region);
        const scp = modelScpOutcome(index, levels, account.id, row.modelId, region);
        const gates = accessGates(row, account);
        if (scp.denied && !gates.includes("region_unavailable")) gates.splice(0, 0, "scp_deny");
        const evidence = {
          inventoryAsOf,
          availability: {
            regionAvailability: row.regionAvailability,
            agreementStatus: row.agreementStatus,
            agreementError: row.agreementError,
            authorizationStatus: row.authorizationStatus,
            entitlementAvailability: row.entitlementAvailability,
            offerCount: row.offerCount,
          },
          useCaseSubmitted: account.useCaseSubmitted,
          ...(scp.evidence ? { scp: scp.evidence } : {}),
        };
        if (approved) {
          for (const gate of gates) {
            out.add({
              ...base,
              type: "APPROVED_MODEL_BLOCKED",
              severity: GATE_SEVERITY[gate],
              region,
              modelId: row.modelId,
              gate,
              detail: `${row.modelId} is approved for account ${account.id} in ${region} but cannot be used: ${GATE_WORDS[gate]}.`,
              evidence: { ...evidence, blockingGates: gates },
            });
          }
          legacy(out, account.id, row, input.now, legacyHorizon, input.legacyWindowDays);
          guardrail(out, account.id, entries, ar, row, regionProfiles);
        } else if (gates.length === 0) {
          out.add({
            ...base,
            type: "UNAPPROVED_MODEL_ACCESSIBLE",
            severity: "high",
            region,
            modelId: row.modelId,
            gate: null,
            detail: `${row.modelId} can be invoked in account ${account.id} in ${region}, but no catalog entry approves it there.`,
            evidence,
          });
        }
      }

      // Approved in explicitly listed Regions, but the Region does not offer the model at all.
      // "disabled": the account has not enabled this opt-in Region, so nothing there can be used.
      if (ar.status === "ok" || ar.status === "disabled" || rows.length > 0) {
        const offered = new Set(rows.map((r) => r.modelId));
        for (const e of entries) {
          if (e.regions === undefined || e.viaProfiles !== undefined || hasWildcard(e.model)) continue;
          if (!entryAllowsRegion(e, region) || offered.has(e.model)) continue;
          out.add({
            ...base,
            type: "APPROVED_MODEL_BLOCKED",
            severity: GATE_SEVERITY.region_unavailable,
            region,
            modelId: e.model,
            gate: "region_unavailable",
            detail: `${e.model} is approved for account ${account.id} in ${region} but the Region does not offer it.`,
            evidence: { inventoryAsOf, entryIds: [e.id], blockingGates: ["region_unavailable"] },
          });
        }
      }

      residency(out, account.id, entries, levels, region, regionProfiles, inventoryAsOf);
      logging(out, account.id, entries, ar, rows, regionProfiles, index);
    }
  }
  return out.result();
}

/**
 * SCP outcome for a model in a Region. A model approved only through inference profiles is
 * checked as called through one of them (the compiled SCPs deny its direct use on purpose).
 */
function modelScpOutcome(
  index: AllowIndex,
  levels: readonly ScpLevel[] | undefined,
  accountId: string,
  modelId: string,
  region: string,
): ScpOutcome {
  const resource = foundationModelArn(region, modelId);
  const direct = scpOutcome(levels, resource, { "aws:RequestedRegion": region });
  if (!direct.denied || index.directAllows(modelId, region) || !index.viaAllows(modelId, region)) return direct;
  for (const g of index.grants.profileGrants) {
    const p = g.profile;
    if (!g.viaOnly || p.modelId !== modelId || !(p.isGlobal || p.destinationRegions.includes(region))) continue;
    for (const source of g.sources) {
      const via = scpOutcome(levels, resource, {
        "aws:RequestedRegion": region,
        "bedrock:InferenceProfileArn": inferenceProfileArn(source, accountId, p.profileId),
      });
      if (!via.denied) return via;
    }
  }
  return direct;
}

function legacy(
  out: Collector,
  accountId: string,
  row: ReconcileModel,
  now: Date,
  horizon: number,
  windowDays: number,
): void {
  const eol = row.endOfLifeTime?.getTime();
  const eolSoon = eol !== undefined && eol <= horizon;
  if (row.lifecycleStatus !== "LEGACY" && !eolSoon) return;
  const past = eol !== undefined && eol <= now.getTime();
  const eolText = row.endOfLifeTime?.toISOString();
  out.add({
    accountId,
    type: "LEGACY_MODEL",
    severity: past ? "high" : eolSoon ? "medium" : "low",
    region: row.region,
    modelId: row.modelId,
    gate: null,
    detail: past
      ? `${row.modelId} is approved in ${row.region} but reached end of life on ${eolText}.`
      : eolSoon
        ? `${row.modelId} is approved in ${row.region} and reaches end of life on ${eolText}, within ${windowDays} days.`
        : `${row.modelId} is approved in ${row.region} but its lifecycle is LEGACY.`,
    evidence: {
      lifecycleStatus: row.lifecycleStatus,
      legacyTime: row.legacyTime?.toISOString() ?? null,
      endOfLifeTime: eolText ?? null,
      windowDays,
    },
  });
}

/** Entries with a condition that approve this model in this Region (directly or via a profile). */
function conditionedEntries(
  entries: readonly CatalogEntry[],
  cond: "loggingRequired" | "guardrailRequired",
  region: string,
  modelId: string,
  regionProfiles: readonly ReconcileProfile[],
): CatalogEntry[] {
  return entries.filter((e) => {
    if (e.conditions?.[cond] !== true || !entryAllowsRegion(e, region) || !modelMatches(e.model, modelId)) return false;
    if (e.viaProfiles === undefined) return true;
    return regionProfiles.some((p) => e.viaProfiles?.includes(p.profileId) && p.modelIds.includes(modelId));
  });
}

function guardrail(
  out: Collector,
  accountId: string,
  entries: readonly CatalogEntry[],
  ar: ReconcileAccountRegion,
  row: ReconcileModel,
  regionProfiles: readonly ReconcileProfile[],
): void {
  if (ar.guardrails === null) return;
  const requiring = conditionedEntries(entries, "guardrailRequired", ar.region, row.modelId, regionProfiles);
  if (requiring.length === 0 || ar.guardrails.some((g) => guardrailCovers(g, row.modelId))) return;
  out.add({
    accountId,
    type: "GUARDRAIL_REQUIRED_BUT_MISSING",
    severity: "high",
    region: ar.region,
    modelId: row.modelId,
    gate: null,
    detail: `${row.modelId} is approved in account ${accountId} in ${ar.region} on condition of an enforced guardrail, and no enforced guardrail covers it.`,
    evidence: {
      entryIds: requiring.map((e) => e.id).sort(compareStrings),
      enforcedGuardrails: ar.guardrails.map((g) => g.guardrailId),
    },
  });
}

function logging(
  out: Collector,
  accountId: string,
  entries: readonly CatalogEntry[],
  ar: ReconcileAccountRegion,
  rows: readonly ReconcileModel[],
  regionProfiles: readonly ReconcileProfile[],
  index: AllowIndex,
): void {
  if (ar.loggingEnabled !== false) return;
  const requiring = new Map<string, string[]>();
  for (const row of rows) {
    if (!index.allows(row.modelId, ar.region)) continue;
    for (const e of conditionedEntries(entries, "loggingRequired", ar.region, row.modelId, regionProfiles))
      requiring.set(e.id, [...(requiring.get(e.id) ?? []), row.modelId]);
  }
  if (requiring.size === 0) return;
  out.add({
    accountId,
    type: "LOGGING_REQUIRED_BUT_DISABLED",
    severity: "high",
    region: ar.region,
    modelId: null,
    gate: null,
    detail: `Model invocation logging is off in account ${accountId} in ${ar.region}, but catalog entries approve models there on condition that it is on.`,
    evidence: {
      entryIds: [...requiring.keys()].sort(compareStrings),
      models: [...new Set([...requiring.values()].flat())].sort(compareStrings),
    },
  });
}

function residency(
  out: Collector,
  accountId: string,
  entries: readonly CatalogEntry[],
  levels: readonly ScpLevel[] | undefined,
  region: string,
  regionProfiles: readonly ReconcileProfile[],
  inventoryAsOf: string | null,
): void {
  for (const p of regionProfiles) {
    for (const e of entries) {
      const geo = e.geography;
      if (geo === undefined || !entryAllowsRegion(e, region)) continue;
      const concerns =
        e.viaProfiles !== undefined
          ? e.viaProfiles.includes(p.profileId)
          : p.modelIds.some((m) => modelMatches(e.model, m));
      if (!concerns) continue;
      const outside = p.isGlobal ? ["(global)"] : p.destinationRegions.filter((d) => !inGeography(d, geo));
      if (outside.length === 0) continue;
      const arn = inferenceProfileArn(region, accountId, p.profileId);
      const scp = scpOutcome(levels, arn, { "aws:RequestedRegion": region, "bedrock:InferenceProfileArn": arn });
      if (scp.denied) continue;
      out.add({
        accountId,
        type: "RESIDENCY_VIOLATION",
        severity: "critical",
        region,
        modelId: p.profileId,
        gate: null,
        detail: p.isGlobal
          ? `Global inference profile ${p.profileId} can be used in account ${accountId} from ${region}, where the catalog keeps ${p.modelIds.join(", ")} in ${geo}; it may route anywhere.`
          : `Inference profile ${p.profileId} can be used in account ${accountId} from ${region}, where the catalog keeps ${p.modelIds.join(", ")} in ${geo}; it routes to ${outside.join(", ")}.`,
        evidence: {
          entryIds: [e.id],
          geography: geo,
          profileModelIds: [...p.modelIds],
          isGlobal: p.isGlobal,
          destinationRegions: [...p.destinationRegions],
          outsideRegions: outside,
          inventoryAsOf,
        },
      });
    }
  }
}
