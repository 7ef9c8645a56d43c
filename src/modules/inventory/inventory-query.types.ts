// Read views of the organization inventory (domain types, not Prisma types).
import type { ChangeRow, ModelAccessRow } from "./inventory.types.js";

/** An account's sync health across its Regions in scope. */
export const ACCOUNT_STATUSES = ["complete", "partial", "unreachable", "never_synced", "inactive"] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/**
 * What the access evidence of one model in one account-Region means for a caller there.
 * `via_profile` is only used by the model-centric view: not offered in the Region, but a profile
 * there routes to it.
 */
export const MODEL_ACCESS = [
  "available",
  "needs_agreement",
  "agreement_pending",
  "not_authorized",
  "not_entitled",
  "region_unavailable",
  "profile_only",
  "unknown",
] as const;
export type ModelAccessState = (typeof MODEL_ACCESS)[number];
export type ModelAvailabilityAccess = ModelAccessState | "via_profile";

/** never: not synced yet; disabled: the account has not enabled this (opt-in) Region. */
export type AccountRegionSyncStatus = "ok" | "error" | "never" | "disabled";

export interface OrgUnitView {
  id: string;
  name: string;
  kind: "root" | "ou";
  parentId: string | null;
  path: string;
  accountsDirect: number;
  accountsInSubtree: number;
}

export interface AccountSummary {
  id: string;
  name: string;
  email: string | null;
  state: string;
  parentId: string | null;
  path: string;
  leftAt: string | null;
  useCaseSubmitted: boolean | null;
  regionsInScope: number;
  regionsOk: number;
  regionsError: number;
  regionsDisabled: number;
  regionsNever: number;
  lastSuccessAt: string | null;
  lastErrorGate: string | null;
  modelsAvailable: number;
  status: AccountStatus;
}

export interface AccountRegionView {
  region: string;
  inScope: boolean;
  status: AccountRegionSyncStatus;
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastErrorGate: string | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  loggingEnabled: boolean | null;
  guardrailCount: number;
  modelCount: number;
}

export interface EffectivePolicy {
  id: string;
  name: string;
  type: string;
  awsManaged: boolean;
  attachedTo: string;
  level: "root" | "ou" | "account";
  content: string;
}

export interface AccountDetail extends AccountSummary {
  regions: AccountRegionView[];
  effectivePolicies: EffectivePolicy[];
}

export interface AccountFilter {
  ouId?: string;
  state?: string;
  status?: AccountStatus;
  q?: string;
}

/** The matrix row (the stored lifecycle price date and availability error are not part of it yet). */
export interface ModelMatrixRow extends Omit<ModelAccessRow, "publicExtendedAccessTime" | "availabilityError"> {
  profiles: string[];
  /** AWS's availability answers summarized: evidence, not whether the model can be called. */
  access: ModelAccessState;
  /** The reachability engine's verdict, as the last reconciliation stored it; null: not judged yet. */
  verdict: StoredVerdict | null;
}

/** The engine's verdict on a model in an account-Region (model_verdicts). */
export interface StoredVerdict {
  status: "usable" | "blocked" | "unknown";
  /** The first usable path: `direct`, a profile id, `mantle`, `claude_platform`. */
  via: string | null;
  /** Where it is blocked (or cannot be judged); null when usable. */
  gate: string | null;
  reason: string;
  paths: { path: string; kind: string; status: string; gate: string | null }[];
  computedAt: string;
}

export const VERDICT_FILTERS = ["usable", "blocked", "unknown", "not_judged"] as const;

export interface AccountRegionState {
  accountId: string;
  accountName: string;
  region: string;
  status: AccountRegionSyncStatus;
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastErrorGate: string | null;
  loggingEnabled: boolean | null;
  guardrails: Record<string, unknown>[];
}

export interface ModelMatrixFilter {
  provider?: string;
  access?: ModelAccessState;
  /** The engine's verdict (`not_judged`: no reconciliation has judged the model yet). */
  verdict?: (typeof VERDICT_FILTERS)[number];
}

export interface ProfileRoute {
  profileId: string;
  isGlobal: boolean;
  destinationRegions: string[];
}

export interface ModelAvailabilityRow {
  accountId: string;
  accountName: string;
  region: string;
  syncStatus: AccountRegionSyncStatus;
  access: ModelAvailabilityAccess;
  viaProfiles: ProfileRoute[];
  /** The engine's stored verdict on the model here; null: not judged yet. */
  verdict: StoredVerdict | null;
}

/** A history row as the API shows it. */
export interface InventoryChangeView extends ChangeRow {
  id: string;
  runId: string | null;
  occurredAt: string;
}

export interface ChangeFilter {
  accountId?: string;
  region?: string;
  entity?: string;
  subject?: string;
  runId?: string;
  from?: Date;
  to?: Date;
}

export interface RegionScopeView {
  targetId: string;
  targetKind: "root" | "ou" | "account";
  targetName: string | null;
  regions: string[];
  updatedAt: string;
  updatedBy: string;
}

/** One account's row of a Region's model matrix (codes: model-view.repository.ts). */
export interface RegionMatrixRow {
  accountId: string;
  accountName: string;
  path: string;
  /** Model id → cell code. */
  cells: Record<string, string>;
  /** Model id → provider. */
  providers: Record<string, string>;
  /** Every Region the inventory holds for any account (the same on every row). */
  regions: string[];
}

export interface RegionMatrixFilter {
  ouId?: string;
  provider?: string;
}

/** A page of a Region's matrix, compact: the models once, then one code string per account. */
export interface RegionMatrixPage {
  region: string;
  regions: string[];
  models: { id: string; provider: string }[];
  accounts: { id: string; name: string; path: string; cells: string }[];
  nextCursor?: string;
}
