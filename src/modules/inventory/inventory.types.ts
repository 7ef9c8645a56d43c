// Domain types of the organization inventory (not Prisma types).
import type { AwsGate } from "../../aws/errors.js";

export type SyncScope = "organization" | "ou" | "account" | "account_region";
export type SyncRunStatus = "queued" | "running" | "succeeded" | "partial" | "failed";

/** One model offered in an account-Region, with its access evidence (GetFoundationModelAvailability). */
export interface ModelAccessRow {
  modelId: string;
  modelName: string | null;
  provider: string;
  lifecycleStatus: string | null;
  legacyTime: string | null;
  /** Lifecycle: from this time the model is served at the extended-access price. */
  publicExtendedAccessTime: string | null;
  endOfLifeTime: string | null;
  inferenceTypes: string[];
  inputModalities: string[];
  outputModalities: string[];
  agreementStatus: string | null;
  agreementError: string | null;
  authorizationStatus: string | null;
  entitlementAvailability: string | null;
  regionAvailability: string | null;
  offerCount: number | null;
  /**
   * Why GetFoundationModelAvailability failed for this model (an error other than not-found): its
   * availability fields are then null, unknown rather than guessed.
   */
  availabilityError: string | null;
}

/** Facts of one account-Region the reachability engine reads (inventory_facts, region set). */
export type RegionFactName = "data_retention" | "mantle_projects" | "mantle_models";
/** Facts of one account (inventory_facts, region ''). */
export type AccountFactName = "license_grants" | "claude_platform" | "api_key_holders";

/** One fact as read: its value, or why it could not be read (the call was refused or failed). */
export interface InventoryFact {
  /** '' for an account-level fact. */
  region: string;
  fact: RegionFactName | AccountFactName;
  known: boolean;
  /** JSON; null when not known. */
  value: unknown;
  reason: string | null;
}

export interface InferenceProfileRow {
  profileId: string;
  arn: string;
  name: string | null;
  type: string;
  status: string | null;
  isGlobal: boolean;
  modelIds: string[];
  destinationRegions: string[];
}

export interface AccountRegionSettings {
  loggingEnabled: boolean;
  loggingConfig: Record<string, unknown> | null;
  guardrails: Record<string, unknown>[];
}

/** Everything one account-Region sync read from AWS. */
export interface AccountRegionSnapshot {
  models: ModelAccessRow[];
  profiles: InferenceProfileRow[];
  settings: AccountRegionSettings;
  /** Account-level: Anthropic use case on file (read once per account per run). */
  useCaseSubmitted?: boolean;
  /** The Region's facts, and the account's when this job reads account-level state. */
  facts: InventoryFact[];
}

/** What the inventory holds for one account-Region before a sync writes a new snapshot. */
export interface AccountRegionCurrent {
  models: ModelAccessRow[];
  profiles: InferenceProfileRow[];
  /** Undefined until a sync has read the settings once. */
  settings: AccountRegionSettings | undefined;
  useCaseSubmitted: boolean | null;
}

export interface OrgNodeSnapshot {
  id: string;
  kind: "root" | "ou";
  name: string;
  parentId: string | null;
  path: string;
}

export interface AccountSnapshot {
  id: string;
  name: string;
  email: string | null;
  state: string;
  parentId: string | null;
  path: string;
  joinedAt: string | null;
  /** The organization's management account: SCPs never apply to it. */
  management: boolean;
}

export interface PolicySnapshot {
  id: string;
  name: string;
  type: string;
  description: string | null;
  content: string;
  awsManaged: boolean;
  targets: string[];
}

export interface OrgSnapshot {
  nodes: OrgNodeSnapshot[];
  accounts: AccountSnapshot[];
  policies: PolicySnapshot[];
  /**
   * Policy types the hub could not read (a delegated administrator without delegation for
   * BEDROCK_POLICY): the inventory keeps what it last knew of them, and the engine treats the
   * effective policy of that type as unknown.
   */
  unreadablePolicyTypes?: { type: string; reason: string }[];
}

/** An organization policy without its targets (those are attachments). */
export type PolicyRecord = Omit<PolicySnapshot, "targets">;

export interface PolicyAttachment {
  /** `<policyId>|<targetId>` */
  key: string;
  policyId: string;
  targetId: string;
}

/** What the inventory holds of the organization before a discovery writes a new snapshot. */
export interface OrgCurrent {
  nodes: OrgNodeSnapshot[];
  accounts: AccountSnapshot[];
  policies: PolicyRecord[];
  attachments: PolicyAttachment[];
}

/** One row of history: entity, subject, change (added | removed | field), old → new. */
export interface ChangeRow {
  entity: string;
  accountId: string | null;
  region: string | null;
  subject: string | null;
  change: string;
  oldValue: unknown;
  newValue: unknown;
}

export interface JobOutcome {
  accountId: string;
  region: string;
  ok: boolean;
  gate?: AwsGate;
  errorCode?: string;
  errorMessage?: string;
}

/** A sync run as the API shows it: its scope, state, job progress and errors grouped by gate. */
export interface SyncRunView {
  id: string;
  scope: SyncScope;
  scopeId: string | null;
  region: string | null;
  status: "queued" | "running" | "succeeded" | "partial" | "failed";
  trigger: string;
  requestedBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  errorGate: string | null;
  progress: { total: number; pending: number; succeeded: number; failed: number };
  errorsByGate: Array<{
    gate: string;
    count: number;
    sample: Array<{ accountId: string; region: string; message: string | null }>;
  }>;
}
