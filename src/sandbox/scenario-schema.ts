// The scenario's shape (TypeBox): what a scenario file may say and the static types the sandbox
// builds its state from. Validation messages and cross-reference checks live in scenario.ts.
import { type Static, Type } from "typebox";
import {
  AccessKeyIdSchema,
  IamPrincipalArnSchema,
  OrgIdSchema,
  OuIdSchema,
  PolicyIdSchema,
  ProfileIdSchema,
  RootIdSchema,
  S3BucketSchema,
} from "../kernel/aws-ids.js";

import {
  AccountAccessFields,
  AVAILABILITY_ERRORS,
  ModelAccessFields,
  ScenarioAccessFields,
} from "./scenario-access-schema.js";
import { AccountId, Enum, IsoDate, Obj, Opt, Str } from "./schema-helpers.js";

export const ACCOUNT_STATES = ["ACTIVE", "SUSPENDED", "PENDING_ACTIVATION", "PENDING_CLOSURE", "CLOSED"] as const;
export const MEMBER_ROLE_STATES = ["present", "missing", "trust-denied", "external-id-mismatch"] as const;
export const AGREEMENT_STATUSES = ["AVAILABLE", "PENDING", "NOT_AVAILABLE", "ERROR"] as const;
export const POLICY_TYPES = ["SERVICE_CONTROL_POLICY", "BEDROCK_POLICY"] as const;
export const SERVICES = [
  "organizations",
  "sts",
  "iam",
  "bedrock",
  "bedrock-runtime",
  "bedrock-mantle",
  "aws-external-anthropic",
  "license-manager",
  "cloudtrail",
  "s3",
] as const;
export type ServiceName = (typeof SERVICES)[number];

/** An IAM/SCP policy document, given as JSON text or as an object (serialised as-is). */
const PolicyDocument = Type.Union([Type.String({ minLength: 1 }), Type.Object({}, { additionalProperties: true })]);

const LoggingConfigSchema = Obj({
  cloudWatchLogGroup: Opt(Str()),
  cloudWatchRoleArn: Opt(Str()),
  s3Bucket: Opt(Str()),
  s3KeyPrefix: Opt(Str()),
  textDataDeliveryEnabled: Opt(Type.Boolean()),
  imageDataDeliveryEnabled: Opt(Type.Boolean()),
  embeddingDataDeliveryEnabled: Opt(Type.Boolean()),
});

const GuardrailSchema = Obj({
  guardrailId: Str({ minLength: 1 }),
  guardrailVersion: Opt(Str()),
  includedModels: Opt(Type.Array(Str())),
  excludedModels: Opt(Type.Array(Str())),
});

const ModelAccessSchema = Obj({
  model: Str({ minLength: 1 }),
  /** Omitted: every Region of the account. */
  region: Opt(Str()),
  agreement: Opt(Enum(AGREEMENT_STATUSES)),
  agreementError: Opt(Str()),
  authorization: Opt(Enum(["AUTHORIZED", "NOT_AUTHORIZED"] as const)),
  entitlement: Opt(Enum(["AVAILABLE", "NOT_AVAILABLE"] as const)),
  regionAvailability: Opt(Enum(["AVAILABLE", "NOT_AVAILABLE"] as const)),
  /** GetFoundationModelAvailability answers this error for the model (instead of its availability). */
  availabilityError: Opt(Enum(AVAILABILITY_ERRORS)),
});

const PrincipalSchema = Obj({
  /** Role or user ARN in this account, e.g. arn:aws:iam::123456789012:role/app. */
  arn: IamPrincipalArnSchema(),
  policies: Type.Array(Obj({ name: Str({ minLength: 1 }), document: PolicyDocument })),
});

const AccountSchema = Obj({
  id: AccountId,
  name: Str({ minLength: 1 }),
  email: Opt(Str()),
  /** "root", the root id, or an OU id. Default root. */
  parent: Opt(Str()),
  state: Opt(Enum(ACCOUNT_STATES)),
  memberRole: Opt(Enum(MEMBER_ROLE_STATES)),
  /** IAM actions the member role lacks in this account (added to the scenario-wide list). */
  memberRoleDeniedActions: Opt(Type.Array(Str({ pattern: "^[a-z0-9-]+:[A-Za-z0-9*]+$" }))),
  regions: Opt(Type.Array(Str(), { minItems: 1 })),
  anthropicUseCase: Opt(Type.Boolean()),
  /** Region → logging config; a Region absent here (or null) has invocation logging off. */
  invocationLogging: Opt(Type.Record(Type.String(), Type.Union([LoggingConfigSchema, Type.Null()]))),
  /** Region → account-level enforced guardrails; key "*" applies to every Region. */
  enforcedGuardrails: Opt(Type.Record(Type.String(), Type.Array(GuardrailSchema))),
  modelAccess: Opt(Type.Array(ModelAccessSchema)),
  principals: Opt(Type.Array(PrincipalSchema)),
  joinedAt: Opt(IsoDate),
  ...AccountAccessFields,
});

const OuSchema = Obj({
  id: OuIdSchema(),
  name: Str({ minLength: 1 }),
  parent: Opt(Str()),
});

const PolicySchema = Obj({
  id: PolicyIdSchema(),
  name: Str({ minLength: 1, maxLength: 128 }),
  description: Opt(Str({ maxLength: 512 })),
  type: Opt(Enum(POLICY_TYPES)),
  content: PolicyDocument,
  /** "root", root id, OU ids, account ids. */
  targets: Opt(Type.Array(Str())),
  awsManaged: Opt(Type.Boolean()),
});

const OfferSchema = Obj({
  offerId: Opt(Str()),
  offerToken: Str({ minLength: 1 }),
  legalUrl: Opt(Str()),
  price: Opt(Str()),
});

const ModelSchema = Obj({
  id: Str({ minLength: 1 }),
  name: Opt(Str()),
  provider: Str({ minLength: 1 }),
  inputModalities: Opt(Type.Array(Str())),
  outputModalities: Opt(Type.Array(Str())),
  inferenceTypes: Opt(Type.Array(Enum(["ON_DEMAND", "PROVISIONED", "INFERENCE_PROFILE"] as const))),
  customizations: Opt(Type.Array(Enum(["FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION"] as const))),
  streaming: Opt(Type.Boolean()),
  lifecycle: Opt(
    Obj({
      status: Enum(["ACTIVE", "LEGACY"] as const),
      startOfLifeTime: Opt(IsoDate),
      legacyTime: Opt(IsoDate),
      publicExtendedAccessTime: Opt(IsoDate),
      endOfLifeTime: Opt(IsoDate),
    }),
  ),
  /** Regions offering the model; default: the scenario's defaultRegions. */
  regions: Opt(Type.Array(Str())),
  /** Sold through AWS Marketplace (needs an agreement); default by provider. */
  marketplace: Opt(Type.Boolean()),
  offers: Opt(Type.Array(OfferSchema)),
  /** Seconds an agreement stays PENDING after CreateFoundationModelAgreement. */
  agreementDelaySeconds: Opt(Type.Integer({ minimum: 0 })),
  ...ModelAccessFields,
});

const ProfileSchema = Obj({
  /** e.g. us.anthropic.claude-sonnet-4-5-20250929-v1:0 or global.anthropic.… */
  id: ProfileIdSchema(),
  name: Opt(Str()),
  description: Opt(Str()),
  model: Str({ minLength: 1 }),
  sourceRegions: Type.Array(Str(), { minItems: 1 }),
  /** Omitted for global profiles (they route to any commercial Region). */
  destinationRegions: Opt(Type.Array(Str())),
});

const TrailEventSchema = Obj({
  eventTime: Opt(IsoDate),
  /** Alternative to eventTime: minutes before the sandbox's trail end time. */
  minutesAgo: Opt(Type.Number({ minimum: 0 })),
  account: AccountId,
  region: Str(),
  eventName: Opt(Enum(["InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream"] as const)),
  eventSource: Opt(Enum(["bedrock.amazonaws.com", "bedrock-mantle.amazonaws.com"] as const)),
  modelId: Str({ minLength: 1 }),
  principalArn: Opt(Str()),
  inferenceRegion: Opt(Str()),
  errorCode: Opt(Str()),
  errorMessage: Opt(Str()),
  sourceIPAddress: Opt(Str()),
  userAgent: Opt(Str()),
  count: Opt(Type.Integer({ minimum: 1, maximum: 10000 })),
});

const TrailGenerateSchema = Obj({
  days: Opt(Type.Number({ exclusiveMinimum: 0, maximum: 90 })),
  eventsPerAccountRegionPerDay: Opt(Type.Number({ minimum: 0 })),
  /** model or profile id → relative weight; default: every ACTIVE model in the Region equally. */
  models: Opt(Type.Record(Type.String(), Type.Number({ minimum: 0 }))),
  errorRate: Opt(Type.Number({ minimum: 0, maximum: 1 })),
  mantleShare: Opt(Type.Number({ minimum: 0, maximum: 1 })),
  streamingShare: Opt(Type.Number({ minimum: 0, maximum: 1 })),
  accounts: Opt(Type.Array(AccountId)),
  seed: Opt(Type.Integer()),
});

const FilterFields = {
  service: Opt(Enum(SERVICES)),
  operation: Opt(Str()),
  account: Opt(AccountId),
  region: Opt(Str()),
};

const LatencySchema = Obj({
  ...FilterFields,
  /** fixed: ms; uniform: min..max; normal/lognormal: mean, stddev (ms of the result). */
  distribution: Enum(["fixed", "uniform", "normal", "lognormal"] as const),
  ms: Opt(Type.Number({ minimum: 0 })),
  min: Opt(Type.Number({ minimum: 0 })),
  max: Opt(Type.Number({ minimum: 0 })),
  mean: Opt(Type.Number({ minimum: 0 })),
  stddev: Opt(Type.Number({ minimum: 0 })),
});

const QuotaSchema = Obj({
  service: Enum(SERVICES),
  operation: Opt(Str()),
  /** Restrict the quota to one account / Region; the bucket is always per account and Region. */
  account: Opt(AccountId),
  region: Opt(Str()),
  tps: Type.Number({ exclusiveMinimum: 0 }),
});

const ErrorRateSchema = Obj({ ...FilterFields, rate: Type.Number({ minimum: 0, maximum: 1 }) });

/**
 * Organizations answers a write on a target another request is changing with
 * ConcurrentModificationException (409, "Try again later"), and DescribeEffectivePolicy while the
 * effective policy is being recomputed with PolicyChangesInProgressException ("Try the operation
 * again later"): AWS Organizations API Reference, Common Errors of each operation. The first
 * `times` matching requests get that answer.
 */
const BusySchema = Obj({
  ...FilterFields,
  error: Enum(["ConcurrentModificationException", "PolicyChangesInProgressException"] as const),
  times: Type.Integer({ minimum: 1 }),
});

const FaultsSchema = Obj({
  seed: Opt(Type.Integer()),
  latency: Opt(Type.Array(LatencySchema)),
  quotas: Opt(Type.Array(QuotaSchema)),
  /** false: drop the built-in quotas (CloudTrail LookupEvents 2 TPS, STS 600 TPS). */
  defaultQuotas: Opt(Type.Boolean()),
  errorRate: Opt(Type.Number({ minimum: 0, maximum: 1 })),
  errorRates: Opt(Type.Array(ErrorRateSchema)),
  assumeRoleFailureRate: Opt(Type.Number({ minimum: 0, maximum: 1 })),
  busy: Opt(Type.Array(BusySchema)),
  /** Organizations list pages end at every multiple of this and serve one empty page there (0: never). Default 100. */
  emptyPageEvery: Opt(Type.Integer({ minimum: 0 })),
});

export const ScenarioSchema = Obj({
  name: Opt(Str()),
  organization: Obj({
    id: OrgIdSchema(),
    managementAccountId: AccountId,
    rootId: Opt(RootIdSchema()),
    /** The management account's base IAM user and its static keys. */
    baseUserName: Opt(Str()),
    baseAccessKeyId: Opt(AccessKeyIdSchema()),
    baseSecretAccessKey: Opt(Str({ minLength: 16 })),
    /**
     * The hub reads the organization as a delegated administrator whose delegation policy covers
     * only these policy types ("Delegated administrator for AWS Organizations": the resource-based
     * delegation policy scopes actions with `organizations:PolicyType`); policy reads of any other
     * type answer AccessDeniedException. Unset: the management account (every type).
     */
    delegatedPolicyTypes: Opt(Type.Array(Enum(["SERVICE_CONTROL_POLICY", "BEDROCK_POLICY"] as const), { minItems: 1 })),
  }),
  defaultRegions: Opt(Type.Array(Str(), { minItems: 1 })),
  memberRoleName: Opt(Str()),
  externalId: Opt(Str({ minLength: 2, maxLength: 1224 })),
  /**
   * IAM actions the member role lacks in every account (default none: the role is an administrator).
   * SimulatePrincipalPolicy on the role denies them and the role's own calls of them answer AccessDenied.
   */
  memberRoleDeniedActions: Opt(Type.Array(Str({ pattern: "^[a-z0-9-]+:[A-Za-z0-9*]+$" }))),
  ous: Opt(Type.Array(OuSchema)),
  accounts: Type.Array(AccountSchema, { minItems: 1 }),
  policies: Opt(Type.Array(PolicySchema)),
  /** Attach the AWS-managed FullAWSAccess SCP (p-FullAWSAccess) to the root. Default true. */
  fullAwsAccess: Opt(Type.Boolean()),
  models: Opt(Type.Array(ModelSchema)),
  inferenceProfiles: Opt(Type.Array(ProfileSchema)),
  cloudtrail: Opt(
    Obj({
      bucket: Opt(S3BucketSchema()),
      /** Account that owns the org-trail bucket (log archive); default the management account. */
      bucketAccount: Opt(AccountId),
      /**
       * The trail's S3KeyPrefix: files land under `<keyPrefix>/AWSLogs/<org>/…` ("Finding your
       * CloudTrail log files", CloudTrail User Guide). Default none.
       */
      keyPrefix: Opt(Str({ pattern: "^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$" })),
      /**
       * Services whose data events the organization trail logs through an advanced event selector
       * (GetEventSelectors shows it). bedrock-mantle inference is a data event: without
       * "bedrock-mantle" here the trail's files do not contain it. Default none.
       */
      dataEvents: Opt(Type.Array(Type.Union([Type.Literal("bedrock-mantle")]), { uniqueItems: true })),
      /** Generated/relative events end here; default the sandbox start time, floored to the minute. */
      endTime: Opt(IsoDate),
      events: Opt(Type.Array(TrailEventSchema)),
      generate: Opt(TrailGenerateSchema),
    }),
  ),
  faults: Opt(FaultsSchema),
  ...ScenarioAccessFields,
});

export type Scenario = Static<typeof ScenarioSchema>;
export type ScenarioAccount = Static<typeof AccountSchema>;
export type ScenarioModel = Static<typeof ModelSchema>;
export type ScenarioProfile = Static<typeof ProfileSchema>;
export type ScenarioPolicy = Static<typeof PolicySchema>;
export type ScenarioOu = Static<typeof OuSchema>;
export type ScenarioTrailEvent = Static<typeof TrailEventSchema>;
export type ScenarioLatency = Static<typeof LatencySchema>;
export type ScenarioQuota = Static<typeof QuotaSchema>;
export type ScenarioLoggingConfig = Static<typeof LoggingConfigSchema>;
export type ScenarioGuardrail = Static<typeof GuardrailSchema>;
export type ScenarioModelAccess = Static<typeof ModelAccessSchema>;
export type ScenarioPrincipal = Static<typeof PrincipalSchema>;
