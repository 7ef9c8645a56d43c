// Domain types of reconciliation: what it reads (the catalog, the inventory's facts through the
// reachability engine) and the findings it produces. Not Prisma types.
import type { CatalogEntry } from "../catalog/catalog.types.js";
import type { ReachabilityEngine } from "../reachability/engine.js";
import type { AccountInventory, ModelVerdict } from "../reachability/reachability.types.js";

/** What reconciliation finds; a run resolves open findings of these types only. */
export const RECONCILE_FINDING_TYPES = [
  "UNAPPROVED_MODEL_ACCESSIBLE",
  "APPROVED_MODEL_BLOCKED",
  "RESIDENCY_VIOLATION",
  "RETENTION_VIOLATION",
  "MARKETPLACE_SUBSCRIPTION_BLOCKED",
  "ENTITLEMENT_INACTIVE",
  "UNGUARDED_SURFACE",
  "BEDROCK_POLICY_INVALID",
  "LEGACY_MODEL",
  "LOGGING_REQUIRED_BUT_DISABLED",
  "GUARDRAIL_REQUIRED_BUT_MISSING",
  "ACCOUNT_UNREACHABLE",
] as const;
/** Every finding type: reconciliation's, and UNAPPROVED_INVOCATION from the invocation audit. */
export const FINDING_TYPES = [...RECONCILE_FINDING_TYPES, "UNAPPROVED_INVOCATION"] as const;
export type FindingType = (typeof FINDING_TYPES)[number];

export const FINDING_SEVERITIES = ["critical", "high", "medium", "low"] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];

export const FINDING_STATUSES = ["open", "resolved", "suppressed"] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

export interface ReconcileInput {
  /** The catalog in force at `now` (expired entries are ignored by the reconciler anyway). */
  entries: readonly CatalogEntry[];
  /** The accounts to reconcile, with the inventory's facts. */
  accounts: readonly AccountInventory[];
  now: Date;
  /** A model whose end of life falls within this many days of `now` is reported as LEGACY_MODEL. */
  legacyWindowDays: number;
  /** The reachability engine of this run (shared across chunks for its memo). */
  engine: ReachabilityEngine;
  /**
   * When given, every model verdict the run computed is pushed here as soon as its account-Region
   * is judged (the matrix stores them; a sink that keeps only the stored row lets them die young).
   */
  verdicts?: { push(...verdicts: ModelVerdict[]): unknown };
}

export interface FindingCandidate {
  type: FindingType;
  severity: FindingSeverity;
  accountId: string;
  region: string | null;
  /** The model id; for RESIDENCY_VIOLATION the inference profile id that leaves the geography. */
  modelId: string | null;
  /** The path: direct, an inference profile id, mantle, claude_platform, api_keys (null: none). */
  path: string | null;
  /** The engine's gate (region, org_policy, marketplace…), when the finding is about one. */
  gate: string | null;
  /** Stable dedupe key: type|account|region|model|gate, then |path when there is one. */
  key: string;
  detail: string;
  evidence: Record<string, unknown>;
}

/** A stored finding. */
export interface Finding extends FindingCandidate {
  id: string;
  status: FindingStatus;
  firstSeenAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
  suppressedReason: string | null;
  suppressedUntil: Date | null;
  suppressedBy: string | null;
}

/** Which findings to list (every field optional; all given must match). */
export interface FindingFilter {
  status?: FindingStatus;
  type?: FindingType;
  severity?: FindingSeverity;
  accountId?: string;
  region?: string;
  modelId?: string;
}
