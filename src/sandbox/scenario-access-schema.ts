// The parts of the scenario that describe how model access is decided in 2026: data retention,
// Marketplace purchasing, managed entitlements (AWS License Manager), Bedrock API keys,
// bedrock-mantle projects, Claude Platform on AWS workspaces and the switches for behaviour AWS
// does not document. Each field cites the AWS page it follows (see docs/sandbox.md).
import { type Static, Type } from "typebox";
import {
  BedrockApiKeySchema,
  ClaudeWorkspaceIdSchema,
  MantleProjectIdSchema,
  RegionSchema,
} from "../kernel/aws-ids.js";
import { Enum, IsoDate, Obj, Opt, Str } from "./schema-helpers.js";

/** Account-level modes (PutAccountDataRetention accepts these four) [doc API_PutAccountDataRetention]. */
export const RETENTION_MODES = ["default", "none", "provider_data_share", "inherit"] as const;
export type RetentionMode = (typeof RETENTION_MODES)[number];
/** Project-level modes add aws_review [doc API_ProjectDataRetention]. */
export const PROJECT_RETENTION_MODES = ["default", "none", "aws_review", "provider_data_share", "inherit"] as const;
export type ProjectRetentionMode = (typeof PROJECT_RETENTION_MODES)[number];
/** What a model may run under (its `allowed_modes`) [doc "Data retention"]. */
export const MODEL_RETENTION_MODES = ["none", "default", "aws_review", "provider_data_share"] as const;
export type ModelRetentionMode = (typeof MODEL_RETENTION_MODES)[number];
/** A member's received-grant states the scenario may set [doc License Manager "grant statuses"]. */
export const RECEIVED_GRANT_STATES = ["ACTIVE", "DISABLED", "PENDING_ACCEPT", "REJECTED"] as const;
export type ReceivedGrantState = (typeof RECEIVED_GRANT_STATES)[number];
/** Errors a scenario can make GetFoundationModelAvailability answer for one model. */
export const AVAILABILITY_ERRORS = [
  "AccessDeniedException",
  "InternalServerException",
  "ServiceUnavailableException",
  "ThrottlingException",
  "ValidationException",
] as const;

/** Region (or "*" for every Region) → the account-level data retention mode there. */
export const RetentionByRegionSchema = Type.Record(Type.String(), Enum(RETENTION_MODES));

export const ModelRetentionSchema = Obj({
  /** The modes the model can run under; no mode at or below the effective one → unavailable. */
  allowedModes: Type.Array(Enum(MODEL_RETENTION_MODES), { minItems: 1 }),
  /** The model's own default (used when project and account are `inherit`); default `default`. */
  defaultMode: Opt(Enum(MODEL_RETENTION_MODES)),
});

export const MantleProjectSchema = Obj({
  id: MantleProjectIdSchema(),
  name: Str({ minLength: 1, maxLength: 127 }),
  /** Default: the account's first Region. */
  region: Opt(RegionSchema()),
  tags: Opt(Type.Record(Type.String(), Type.String())),
  dataRetention: Opt(Enum(PROJECT_RETENTION_MODES)),
  status: Opt(Enum(["active", "archived"] as const)),
});

export const ClaudeWorkspaceSchema = Obj({
  id: ClaudeWorkspaceIdSchema(),
  /** Default: the account's first Region. */
  region: Opt(RegionSchema()),
  name: Opt(Str()),
});

export const ApiKeySchema = Obj({
  /** The IAM user the long-term key belongs to (a user of this account). */
  user: Str({ pattern: "^[\\w+=,.@-]{1,64}$" }),
  /** The key itself (what callers send as `Authorization: Bearer`). */
  key: BedrockApiKeySchema(),
  /** ServiceSpecificCredentialId; default derived from the key. */
  id: Opt(Str({ minLength: 20, maxLength: 128 })),
  status: Opt(Enum(["Active", "Inactive", "Expired"] as const)),
  createdAt: Opt(IsoDate),
  expiresAt: Opt(IsoDate),
});

/** Account fields about model access in 2026. */
export const AccountAccessFields = {
  /** Region (or "*") → account-level data retention mode; default the scenario's `dataRetention.default`. */
  dataRetention: Opt(RetentionByRegionSchema),
  /**
   * AWS Marketplace: `paymentMethod: false` = no valid payment method [doc "Request access to models"];
   * `agreementDefault` overrides the scenario's default agreement status for this account.
   */
  marketplace: Opt(
    Obj({ paymentMethod: Opt(Type.Boolean()), agreementDefault: Opt(Enum(["AVAILABLE", "NOT_AVAILABLE"] as const)) }),
  ),
  /** Models this account receives through a License Manager grant (Managed Entitlements) instead of subscribing. */
  managedEntitlementModels: Opt(Type.Array(Str({ minLength: 1 }))),
  /** Model id → whether the account actively used this LEGACY model in the last 30 days; default from CloudTrail. */
  legacyModelActivity: Opt(Type.Record(Type.String(), Enum(["active", "inactive"] as const))),
  mantleProjects: Opt(Type.Array(MantleProjectSchema)),
  claudePlatformWorkspaces: Opt(Type.Array(ClaudeWorkspaceSchema)),
  apiKeys: Opt(Type.Array(ApiKeySchema)),
};

/** Model fields about access in 2026. */
export const ModelAccessFields = {
  /** AWS Marketplace product id (condition key aws-marketplace:ProductId); default from the built-in table. */
  productId: Opt(Str({ minLength: 1, maxLength: 64 })),
  /** The model's data retention requirements; default every mode allowed. */
  dataRetention: Opt(ModelRetentionSchema),
  /** The id bedrock-mantle serves this model under (e.g. openai.gpt-oss-120b); absent = not on bedrock-mantle. */
  mantleId: Opt(Str({ minLength: 1 })),
};

const GrantSchema = Obj({
  model: Str({ minLength: 1 }),
  name: Opt(Str()),
  /** An account id, an OU id, "root" (or the root id) or "organization". */
  principal: Str({ minLength: 1 }),
  /** Every receiving account's status; default `managedEntitlements.newGrantStatus`. */
  status: Opt(Enum(RECEIVED_GRANT_STATES)),
  /** Per-account overrides of `status` for OU and organization grants. */
  accounts: Opt(Type.Record(Type.String(), Enum(RECEIVED_GRANT_STATES))),
});

/** Top-level scenario fields about model access in 2026. */
export const ScenarioAccessFields = {
  /**
   * The agreement of every Marketplace model nobody subscribed to through the API or a first call:
   * AVAILABLE (default: the accounts already subscribed, as before 2026) or NOT_AVAILABLE (never used;
   * the first invocation subscribes if the prerequisites hold).
   */
  marketplaceAgreementDefault: Opt(Enum(["AVAILABLE", "NOT_AVAILABLE"] as const)),
  /** Default account-level data retention mode of every account-Region; default `inherit`. */
  dataRetention: Opt(Obj({ default: Opt(Enum(RETENTION_MODES)) })),
  /**
   * [?] What GetUseCaseForModelAccess answers in a member whose management account filed the form:
   * `inherited` (the management account's form, default) or `not_found` (ResourceNotFoundException).
   */
  useCaseMemberAnswer: Opt(Enum(["inherited", "not_found"] as const)),
  /** [?] What a malformed guardrail identifier in an effective BEDROCK_POLICY does (AWS: "all Bedrock API calls fail"). */
  bedrockPolicyFailure: Opt(
    Obj({
      scope: Opt(Enum(["all_bedrock_calls", "invocations"] as const)),
      error: Opt(Enum(["AccessDeniedException", "ValidationException"] as const)),
      /** Also fail bedrock-mantle calls; default false. */
      mantle: Opt(Type.Boolean()),
    }),
  ),
  managedEntitlements: Opt(
    Obj({
      /** Licenses the management account holds without any grant yet (grants imply their license). */
      licenses: Opt(Type.Array(Obj({ model: Str({ minLength: 1 }), name: Opt(Str()) }))),
      grants: Opt(Type.Array(GrantSchema)),
      /** The status a grant created through CreateGrant starts with in each receiving account. */
      newGrantStatus: Opt(Enum(["PENDING_ACCEPT", "DISABLED", "ACTIVE"] as const)),
      /**
       * [?] What GetFoundationModelAvailability reports as entitlementAvailability for a model an
       * account receives only through a grant while it holds no ACTIVE one: NOT_AVAILABLE (default) | AVAILABLE.
       */
      availabilityWithoutGrant: Opt(Enum(["AVAILABLE", "NOT_AVAILABLE"] as const)),
    }),
  ),
  claudePlatform: Opt(Obj({ models: Opt(Type.Array(Str({ minLength: 1 }))) })),
};

export type ScenarioMantleProject = Static<typeof MantleProjectSchema>;
export type ScenarioApiKey = Static<typeof ApiKeySchema>;
export type ScenarioGrant = Static<typeof GrantSchema>;
export type ScenarioModelRetention = Static<typeof ModelRetentionSchema>;
