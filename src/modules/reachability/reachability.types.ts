// The facts the reachability engine reasons over, and the verdicts it gives. Facts come from the
// stored inventory (reconciliation, the matrix and model views, access-request pre-flight,
// remediation planning) or from live reads (the access doctor); the engine never reads anything
// itself. A fact the service could not read is `unknown` with the reason, never a guess.
import type { EvaluationRequest, ScpLevel } from "../../lib/policy-evaluator.js";

/** A fact read, or why it could not be read. */
export type Known<T> = { known: true; value: T } | { known: false; reason: string };

export const known = <T>(value: T): Known<T> => ({ known: true, value });
export const unknownFact = <T>(reason: string): Known<T> => ({ known: false, reason });

/** Data-retention modes (GetAccountDataRetention; `inherit`: the model's default). */
export const RETENTION_MODES = ["default", "none", "provider_data_share", "inherit", "aws_review"] as const;
export type RetentionMode = (typeof RETENTION_MODES)[number];

/** License Manager grant status as a member account receives it. */
export type GrantStatus = "ACTIVE" | "DISABLED" | "PENDING_ACCEPTANCE" | "PENDING_WORKFLOW" | "REJECTED" | "DELETED";

/** One foundation model as ListFoundationModels and GetFoundationModelAvailability show it in a Region. */
export interface ModelFacts {
  modelId: string;
  provider: string;
  /** ON_DEMAND, PROVISIONED, INFERENCE_PROFILE (seen in the wild, undocumented). */
  inferenceTypes: readonly string[];
  lifecycleStatus: string | null;
  legacyTime: Date | null;
  publicExtendedAccessTime: Date | null;
  endOfLifeTime: Date | null;
  /** GetFoundationModelAvailability: evidence, never proof. Null where not read. */
  regionAvailability: string | null;
  agreementStatus: string | null;
  agreementError: string | null;
  /** Agreement offers (ListFoundationModelAgreementOffers), read where no agreement exists yet; null: not read. */
  offerCount: number | null;
  authorizationStatus: string | null;
  entitlementAvailability: string | null;
  /** Why this model's availability could not be read (an error other than not-found). */
  availabilityError: string | null;
}

/** A system-defined inference profile as seen from its source Region. */
export interface ProfileFacts {
  profileId: string;
  arn: string;
  isGlobal: boolean;
  modelId: string;
  /** Destination Regions (empty for a global profile: it may route anywhere). */
  destinationRegions: readonly string[];
}

export interface MantleProject {
  projectId: string;
  arn: string;
  /** The project's own retention mode; null: the account-Region's. */
  retentionMode: RetentionMode | null;
  tags: Readonly<Record<string, string>>;
}

/** What the inventory holds for one account-Region. */
export interface RegionFacts {
  region: string;
  /** ok: read; disabled: opt-in Region not enabled; error: the last read failed; never: not read yet. */
  status: "ok" | "disabled" | "error" | "never";
  /** The gate of the last failure, when status is error. */
  errorGate: string | null;
  errorMessage: string | null;
  models: ReadonlyMap<string, ModelFacts>;
  /** Profiles whose source Region is this one, by id. */
  profiles: ReadonlyMap<string, ProfileFacts>;
  dataRetention: Known<RetentionMode>;
  mantleProjects: Known<readonly MantleProject[]>;
  /** Models the bedrock-mantle endpoint serves in this Region (GET /v1/models). */
  mantleModels: Known<readonly MantleModel[]>;
}

export interface MantleModel {
  /** The id bedrock-mantle knows the model by (`anthropic.claude-haiku-4-5`). */
  mantleId: string;
  /** The data-retention modes it runs under, when the endpoint reports them. */
  allowedModes: readonly RetentionMode[] | null;
}

export interface ClaudePlatformWorkspace {
  workspaceId: string;
  arn: string;
  region: string;
}

export interface ReceivedGrant {
  grantArn: string;
  /** The models (ids or patterns) the license covers. */
  modelIds: readonly string[];
  status: GrantStatus;
}

/**
 * A long-term Bedrock API key: an IAM service-specific credential for `bedrock.amazonaws.com`
 * (ListServiceSpecificCredentials; "Generate an Amazon Bedrock API key").
 */
export interface ApiKeyHolder {
  userName: string;
  credentialId: string;
  /** Active | Inactive | Expired */
  status: string;
  /** ISO time; null: the key does not expire. */
  expiresAt: string | null;
}

/** The account-level fact discovery sets when the organization's BEDROCK_POLICY could not be read. */
export const BEDROCK_POLICY_UNREADABLE = "org_bedrock_policy";

export interface BedrockPolicyFacts {
  /** Policy ids making up the effective policy. */
  policyIds: readonly string[];
  /** Guardrail identifiers that are not well-formed: every Bedrock call in scope fails. */
  invalidGuardrails: readonly string[];
}

/** What the inventory holds for one account. */
export interface AccountFacts {
  accountId: string;
  /** The organization's management account: SCPs do not apply to it. */
  management: boolean;
  /** ACTIVE and still in the organization. */
  active: boolean;
  /** Effective SCP levels, root first (undefined: not known). */
  scps: readonly ScpLevel[] | undefined;
  /** GetUseCaseForModelAccess in this account: is the form on file (this account's own)? */
  useCaseOnFile: Known<boolean>;
  /** The effective Organizations BEDROCK_POLICY; known with no policy ids: none applies. */
  bedrockPolicy: Known<BedrockPolicyFacts>;
  /** License Manager grants the account received for Bedrock models (us-east-1). */
  grants: Known<readonly ReceivedGrant[]>;
  /** Long-term Bedrock API keys of the account's IAM users (IAM is global: read once). */
  apiKeys: Known<readonly ApiKeyHolder[]>;
  /** Claude Platform on AWS workspaces of the account (the account signed up when it has any). */
  claudePlatform: Known<readonly ClaudePlatformWorkspace[]>;
  /**
   * Models with a successful call in the account in the last 30 days (from CloudTrail): a Legacy
   * model stays open to an account that uses it ("Model lifecycle").
   */
  recentlyUsed: Known<ReadonlySet<string>>;
  regions: ReadonlyMap<string, RegionFacts>;
}

// ---- Paths and verdicts -----------------------------------------------------------------------

/** The ways a call can reach a model. */
export const PATH_KINDS = ["direct", "profile", "global_profile", "mantle", "claude_platform"] as const;
export type PathKind = (typeof PATH_KINDS)[number];

export interface CallPath {
  kind: PathKind;
  /** bedrock-mantle: the id the endpoint knows the model by (the `bedrock-mantle:Model` key). */
  mantleId?: string;
  /** The inference profile used (profile and global_profile). */
  profileId?: string;
  /** Where the inference runs: the source Region, the profile's destinations, or `*` (global). */
  destinations: readonly string[];
  /** bedrock-mantle: the project the call is made in. */
  projectArn?: string;
  /** Claude Platform on AWS: the workspace (unset: any workspace of the account). */
  workspaceArn?: string;
}

/** A short, stable name of a path: `direct`, the profile id, `mantle`, `claude_platform`. */
export const pathName = (p: CallPath): string =>
  p.kind === "profile" || p.kind === "global_profile" ? (p.profileId as string) : p.kind;

/**
 * The gates a call passes, in the order the engine checks them: the account's facts could be read;
 * the effective Bedrock policy; the model (or profile) in the Region and its inference type; SCPs,
 * then identity policies; lifecycle; data retention; the managed entitlement; the Anthropic use
 * case; the Marketplace subscription a first call starts. AWS publishes no order; this is the one
 * the sandbox documents (docs/sandbox.md "Invoke-time gates").
 */
export const GATES = [
  "credentials",
  "bedrock_policy",
  "region",
  "org_policy",
  "iam",
  "lifecycle",
  "data_retention",
  "entitlement",
  "use_case",
  "marketplace",
] as const;
export type Gate = (typeof GATES)[number];

/** Who would have to act to open a gate. */
export type FixOwner = "platform_team" | "account_owner" | "requester" | "aws";

export interface Evidence {
  /** What the evidence is: `scp`, `availability`, `grant`, `retention`, `policy`, `fact`… */
  kind: string;
  detail: string;
  /** Policy id, Sid, resource, the API answer… (JSON-safe). */
  data?: Record<string, unknown>;
}

export type CheckStatus = "pass" | "fail" | "unknown";

export interface GateCheck {
  gate: Gate;
  status: CheckStatus;
  reason: string;
  evidence: Evidence[];
  /** On fail: who can open the gate. */
  fixOwner?: FixOwner;
}

export type PathStatus = "usable" | "blocked" | "unknown";

export interface PathVerdict {
  path: CallPath;
  status: PathStatus;
  /** The first gate that fails (blocked) or cannot be decided (unknown); null when usable. */
  gate: Gate | null;
  reason: string;
  /** Every gate checked, in order (checking stops at the first failure). */
  checks: GateCheck[];
}

export interface ModelVerdict {
  accountId: string;
  region: string;
  modelId: string;
  /** usable when any path is; blocked when every path is; otherwise unknown. */
  status: PathStatus;
  paths: PathVerdict[];
}

/**
 * Whose call the engine judges. `any`: some principal of the account whose identity policies
 * allow the call (the organization-level question: "can this be called here at all?").
 * `principal`: one principal; `iam` decides its identity policies (SimulatePrincipalPolicy or
 * known policies); undefined answers are unknown.
 */
export type PrincipalClass =
  | { kind: "any"; auth?: AuthKind }
  | { kind: "principal"; arn: string; auth?: AuthKind; iam(req: EvaluationRequest): "allowed" | "denied" | undefined };

/** How the call authenticates: SigV4 credentials, or a Bedrock API key. */
export type AuthKind = "sigv4" | "api_key_short_term" | "api_key_long_term";

// ---- The inventory as reconciliation reads it ----------------------------------------------------

/** An enforced guardrail of an account-Region (ListEnforcedGuardrailsConfiguration). */
export interface EnforcedGuardrail {
  guardrailId: string;
  /** Model ids, ARNs or patterns the guardrail is enforced on; empty: every model. */
  includedModels: readonly string[];
  excludedModels: readonly string[];
}

/** What reconciliation needs of an account-Region besides the gate facts. */
export interface RegionDetails {
  lastSuccessAt: Date | null;
  lastErrorAt: Date | null;
  lastErrorCode: string | null;
  /** null: not read yet. */
  loggingEnabled: boolean | null;
  /** null: not read yet. */
  guardrails: readonly EnforcedGuardrail[] | null;
}

/** One account of the inventory: the engine's facts, plus its place in the organization. */
export interface AccountInventory {
  facts: AccountFacts;
  name: string;
  state: string;
  leftAt: Date | null;
  /** The account, then its OUs up to the root, nearest first (catalog scopes match against it). */
  lineage: readonly string[];
  regionDetails: ReadonlyMap<string, RegionDetails>;
}
