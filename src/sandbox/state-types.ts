// The types of the sandbox's live state (built by state.ts and state-access.ts).
import type { NamedPolicy } from "./policy-evaluator.js";
import type { ScenarioGuardrail, ScenarioLoggingConfig, ScenarioModel, ScenarioModelAccess } from "./scenario.js";
import type {
  ModelRetentionMode,
  ProjectRetentionMode,
  ReceivedGrantState,
  RetentionMode,
} from "./scenario-access-schema.js";

export interface TrailEvent {
  eventId: string;
  eventTime: Date;
  account: string;
  region: string;
  eventSource: string;
  eventName: string;
  accessKeyId: string;
  username: string;
  modelId: string;
  /** The full CloudTrail record, as delivered in `CloudTrailEvent` and in S3 files. */
  record: Record<string, unknown>;
  /** A data event (bedrock-mantle inference): never in LookupEvents, in S3 only with a selector. */
  dataEvent?: boolean;
}

export interface OrgInfo {
  id: string;
  arn: string;
  managementAccountId: string;
  managementAccountArn: string;
  managementAccountEmail: string;
  rootId: string;
  rootArn: string;
  /** Policy types the hub's delegation covers (unset: all, as the management account). */
  delegatedPolicyTypes?: string[];
}

export interface OrgUnit {
  id: string;
  name: string;
  arn: string;
  parentId: string;
}

export interface SandboxAccount {
  id: string;
  name: string;
  email: string;
  arn: string;
  parentId: string;
  state: string;
  joinedMethod: "CREATED" | "INVITED";
  joinedTimestamp: Date;
  memberRole: "present" | "missing" | "trust-denied" | "external-id-mismatch";
  /** IAM actions the member role is denied (scenario-wide and per account); empty: administrator. */
  memberRoleDeniedActions: Set<string>;
  regions: string[];
  /** base64 form data once submitted in this account. */
  useCaseFormData: string | undefined;
  invocationLogging: Map<string, ScenarioLoggingConfig | null>;
  enforcedGuardrails: Map<string, ScenarioGuardrail[]>;
  modelAccess: ScenarioModelAccess[];
  /** principal ARN → identity policies. */
  principals: Map<string, NamedPolicy[]>;
  /** false: no valid payment method, AWS Marketplace purchases fail [doc "Request access to models"]. */
  paymentMethod: boolean;
  /** Agreement of Marketplace models with no agreement record or override (scenario default or account's). */
  agreementDefault: "AVAILABLE" | "NOT_AVAILABLE";
  /** Models this account receives through a License Manager grant (Managed Entitlements). */
  managedEntitlementModels: Set<string>;
  /** LEGACY model id → explicit activity in the last 30 days (otherwise derived from CloudTrail). */
  legacyModelActivity: Map<string, "active" | "inactive">;
}

export interface OrgPolicy {
  id: string;
  arn: string;
  name: string;
  description: string;
  type: "SERVICE_CONTROL_POLICY" | "BEDROCK_POLICY";
  awsManaged: boolean;
  content: string;
  /** root, OU and account ids. */
  targets: Set<string>;
}

export interface SandboxModel {
  id: string;
  arnSuffix: string;
  name: string;
  provider: string;
  inputModalities: string[];
  outputModalities: string[];
  inferenceTypes: string[];
  customizations: string[];
  streaming: boolean;
  lifecycle: NonNullable<ScenarioModel["lifecycle"]>;
  regions: Set<string>;
  marketplace: boolean;
  offers: { offerId: string; offerToken: string; legalUrl: string; price: string }[];
  agreementDelaySeconds: number;
  /** AWS Marketplace product id (Marketplace models only) [doc "Use product ID condition keys"]. */
  productId: string | undefined;
  /** Data retention: the modes the model can run under and its own default [doc "Data retention"]. */
  retention: { allowedModes: ModelRetentionMode[]; defaultMode: ModelRetentionMode };
  /** The id bedrock-mantle serves it under, if it does. */
  mantleId: string | undefined;
}

export interface SandboxProfile {
  id: string;
  name: string;
  description: string;
  modelId: string;
  sourceRegions: Set<string>;
  /** Empty for global profiles. */
  destinationRegions: string[];
  global: boolean;
}

export interface AgreementRecord {
  status: "AVAILABLE" | "PENDING" | "NOT_AVAILABLE" | "ERROR";
  errorMessage?: string;
  /** PENDING turns AVAILABLE at this epoch-ms. */
  availableAt?: number;
}

export interface StsSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  account: string;
  roleArn: string;
  roleName: string;
  roleId: string;
  sessionName: string;
  expiration: Date;
}

export interface BaseIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  userArn: string;
  userId: string;
  account: string;
}

/** Model access in 2026: retention, grants, API keys, mantle projects, Claude Platform, switches. */
export interface AccessState {
  apiKeys: Map<string, ApiKeyRecord>;
  retention: RetentionState;
  projects: Map<string, MantleProject>;
  licenses: Map<string, LicenseRecord>;
  grants: Map<string, GrantRecord>;
  workspaces: Map<string, ClaudeWorkspace>;
  claudePlatformModels: string[];
  switches: SandboxSwitches;
}

export interface SandboxState extends AccessState {
  organization: OrgInfo;
  defaultRegions: string[];
  memberRoleName: string;
  externalId: string | undefined;
  ous: Map<string, OrgUnit>;
  accounts: Map<string, SandboxAccount>;
  policies: Map<string, OrgPolicy>;
  models: Map<string, SandboxModel>;
  profiles: Map<string, SandboxProfile>;
  /** `${account}|${region}|${modelId}` → agreement set through the API. */
  agreements: Map<string, AgreementRecord>;
  sessions: Map<string, StsSession>;
  base: BaseIdentity;
  trail: {
    bucket: string;
    bucketAccount: string;
    keyPrefix?: string;
    /** Services whose data events the organization trail's advanced event selectors log. */
    dataEvents: string[];
    events: TrailEvent[];
  };
  /** Organizations list pages end at multiples of this and serve an empty page there (0: never). */
  emptyPageEvery: number;
}

/** A long-term Amazon Bedrock API key: an IAM service-specific credential of an IAM user. */
export interface ApiKeyRecord {
  id: string;
  secret: string;
  account: string;
  userName: string;
  userArn: string;
  userId: string;
  serviceName: string;
  status: "Active" | "Inactive" | "Expired";
  createdAt: Date;
  expiresAt: Date | undefined;
}

/** Account-level data retention per account and Region (shared by bedrock and bedrock-mantle). */
export interface RetentionState {
  /** Mode of every account-Region nobody configured (scenario `dataRetention.default`, else inherit). */
  defaultMode: RetentionMode;
  /** `${account}|${region}` → what PutAccountDataRetention (or the scenario) set. */
  byAccountRegion: Map<string, { mode: RetentionMode; updatedAt: Date | undefined }>;
}

/** A bedrock-mantle project [doc "Projects API"]; key `${account}|${region}|${id}`. */
export interface MantleProject {
  id: string;
  account: string;
  region: string;
  name: string;
  arn: string;
  tags: Record<string, string>;
  retention: ProjectRetentionMode;
  status: "active" | "archived";
  createdAt: Date;
  archivedAt: Date | undefined;
}

/** A License Manager license the management account holds for a Marketplace model. */
export interface LicenseRecord {
  arn: string;
  modelId: string;
  name: string;
  productSku: string;
  /** The account that subscribed (and is billed). */
  beneficiary: string;
  createdAt: Date;
}

/** A distributed grant; for OU and organization grants every receiving account has its own status. */
export interface GrantRecord {
  arn: string;
  name: string;
  licenseArn: string;
  modelId: string;
  grantor: string;
  /** An account ARN (`arn:aws:iam::<id>:root`), an OU ARN or the organization ARN. */
  principalArn: string;
  /** What the principal covers: one account, an OU subtree or the whole organization. */
  scope: { kind: "account"; id: string } | { kind: "ou"; id: string } | { kind: "organization" };
  homeRegion: string;
  allowedOperations: string[];
  version: number;
  deleted: boolean;
  /** Status for receiving accounts not listed in `accounts`. */
  defaultStatus: ReceivedGrantState;
  accounts: Map<string, ReceivedGrantState>;
}

/** A Claude Platform on AWS workspace; key `${account}|${region}|${id}`. */
export interface ClaudeWorkspace {
  id: string;
  account: string;
  region: string;
  name: string;
  arn: string;
}

/** Scenario switches for behaviour AWS does not document. */
export interface SandboxSwitches {
  useCaseMemberAnswer: "inherited" | "not_found";
  bedrockPolicyFailure: {
    scope: "all_bedrock_calls" | "invocations";
    error: "AccessDeniedException" | "ValidationException";
    mantle: boolean;
  };
  newGrantStatus: "PENDING_ACCEPT" | "DISABLED" | "ACTIVE";
  /** [?] entitlementAvailability of a managed-entitlement model without an ACTIVE received grant. */
  availabilityWithoutGrant: "AVAILABLE" | "NOT_AVAILABLE";
}
