// Domain types of reconciliation: the inventory as the reconciler reads it, and the findings it
// produces. Not Prisma types: the repository maps rows into these.
import type { ScpLevel } from "../../lib/policy-evaluator.js";
import type { CatalogEntry } from "../catalog/catalog.types.js";

/** What reconciliation finds; a run resolves open findings of these types only. */
export const RECONCILE_FINDING_TYPES = [
  "UNAPPROVED_MODEL_ACCESSIBLE",
  "APPROVED_MODEL_BLOCKED",
  "RESIDENCY_VIOLATION",
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

/** What keeps an approved model from being usable (APPROVED_MODEL_BLOCKED). */
export const BLOCKING_GATES = [
  "region_unavailable",
  "scp_deny",
  "agreement_missing",
  "agreement_pending",
  "anthropic_use_case_missing",
  "marketplace_permission",
] as const;
export type BlockingGate = (typeof BLOCKING_GATES)[number];

export interface ReconcileAccount {
  id: string;
  name: string;
  /** ACTIVE | SUSPENDED | …; only ACTIVE accounts still in the organization are reconciled. */
  state: string;
  /** Set when the account left the organization. */
  leftAt: Date | null;
  /** The account, then its OUs up to the root, nearest first (catalog scopes match against it). */
  lineage: readonly string[];
  /** Anthropic use case on file (null: not checked yet). */
  useCaseSubmitted: boolean | null;
  /** The management account: SCPs do not apply to it, so only IAM can keep models out. */
  management?: boolean;
}

export interface EnforcedGuardrail {
  guardrailId: string;
  /** Model ids, ARNs or patterns the guardrail is enforced on; empty: every model. */
  includedModels: readonly string[];
  excludedModels: readonly string[];
}

export interface ReconcileAccountRegion {
  accountId: string;
  region: string;
  /** never | ok | error | disabled (opt-in Region not enabled in the account) */
  status: string;
  lastSuccessAt: Date | null;
  lastErrorAt: Date | null;
  lastErrorGate: string | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  /** null: not read yet. */
  loggingEnabled: boolean | null;
  /** null: not read yet. */
  guardrails: readonly EnforcedGuardrail[] | null;
}

/** One model offered in one account-Region, with its GetFoundationModelAvailability evidence. */
export interface ReconcileModel {
  accountId: string;
  region: string;
  modelId: string;
  provider: string;
  lifecycleStatus: string | null;
  legacyTime: Date | null;
  endOfLifeTime: Date | null;
  /** AVAILABLE | PENDING | NOT_AVAILABLE | ERROR */
  agreementStatus: string | null;
  agreementError: string | null;
  /** AUTHORIZED | NOT_AUTHORIZED */
  authorizationStatus: string | null;
  /** AVAILABLE | NOT_AVAILABLE */
  entitlementAvailability: string | null;
  /** AVAILABLE | NOT_AVAILABLE */
  regionAvailability: string | null;
  offerCount: number | null;
}

/** A system-defined inference profile seen from one account-Region (its source Region). */
export interface ReconcileProfile {
  accountId: string;
  region: string;
  profileId: string;
  isGlobal: boolean;
  modelIds: readonly string[];
  destinationRegions: readonly string[];
}

export interface ReconcileInput {
  /** The catalog in force at `now` (expired entries are ignored by the reconciler anyway). */
  entries: readonly CatalogEntry[];
  accounts: readonly ReconcileAccount[];
  accountRegions: readonly ReconcileAccountRegion[];
  models: readonly ReconcileModel[];
  profiles: readonly ReconcileProfile[];
  /** Account id → SCP levels (root, OUs on the path, the account). Missing account: no SCPs known. */
  scps: ReadonlyMap<string, readonly ScpLevel[]>;
  now: Date;
  /** A model whose end of life falls within this many days of `now` is reported as LEGACY_MODEL. */
  legacyWindowDays: number;
}

export interface FindingCandidate {
  type: FindingType;
  severity: FindingSeverity;
  accountId: string;
  region: string | null;
  /** The model id; for RESIDENCY_VIOLATION the inference profile id that leaves the geography. */
  modelId: string | null;
  gate: string | null;
  /** Stable dedupe key: type|account|region|model|gate (empty for null parts). */
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
