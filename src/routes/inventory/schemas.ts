// TypeBox schemas of the inventory routes (requests and responses, as openapi.yaml shows them).
import { Type } from "typebox";
import { AccountIdSchema, ModelIdSchema, RegionSchema, TargetIdSchema } from "../../kernel/aws-ids.js";
import { ACCOUNT_STATUSES, MODEL_ACCESS } from "../../modules/inventory/inventory-query.types.js";
import { AccountRegionScope, IsoDateTime, Nullable } from "../schemas.js";

export const Region = (description = "AWS Region code, e.g. us-east-1") => RegionSchema({ maxLength: 32, description });
export const AccountId = AccountIdSchema({ description: "12-digit AWS account id" });
/** Root (r-…), OU (ou-…) or account id. */
export const OrgTargetId = TargetIdSchema({ description: "Root, OU or account id" });
export const ModelId = ModelIdSchema({
  maxLength: 256,
  description: "Foundation model id (URL-encode it in paths: it may contain `:`)",
});
export const SyncStatus = Type.Union(
  [Type.Literal("ok"), Type.Literal("error"), Type.Literal("never"), Type.Literal("disabled")],
  { title: "AccountRegionSyncStatus", description: "disabled: the account has not enabled this (opt-in) Region" },
);
export const Access = Type.Enum(MODEL_ACCESS, {
  title: "ModelAccess",
  description:
    "AWS's availability answers summarized (evidence only: whether the model can be called is `verdict`): available; needs_agreement (Marketplace agreement missing or failed); agreement_pending; not_authorized (e.g. Anthropic use case); not_entitled; region_unavailable; profile_only (only through an inference profile); unknown (evidence missing)",
});

export const OrgUnit = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    kind: Type.Union([Type.Literal("root"), Type.Literal("ou")]),
    parentId: Nullable(Type.String()),
    path: Type.String({ description: "e.g. /Root/Workloads/Prod" }),
    accountsDirect: Type.Integer({ description: "Accounts (not left) whose parent is this unit" }),
    accountsInSubtree: Type.Integer({ description: "Accounts (not left) in this unit and every unit below it" }),
  },
  { title: "OrgUnit" },
);

export const accountSummaryProps = {
  id: Type.String(),
  name: Type.String(),
  email: Nullable(Type.String()),
  state: Type.String({ description: "ACTIVE | SUSPENDED | PENDING_ACTIVATION | PENDING_CLOSURE | CLOSED" }),
  parentId: Nullable(Type.String()),
  path: Type.String(),
  leftAt: Nullable(IsoDateTime("When the account left the organization")),
  useCaseSubmitted: Nullable(Type.Boolean({ description: "Anthropic use case on file (null: not checked yet)" })),
  regionsInScope: Type.Integer(),
  regionsOk: Type.Integer(),
  regionsError: Type.Integer(),
  regionsDisabled: Type.Integer({ description: "Regions in scope the account has not enabled" }),
  regionsNever: Type.Integer({ description: "Regions in scope never synced" }),
  lastSuccessAt: Nullable(IsoDateTime("Last successful sync of any Region in scope")),
  lastErrorGate: Nullable(Type.String({ description: "Gate of the latest failure, when a Region in scope failed" })),
  modelsAvailable: Type.Integer({
    description: "Distinct models with region availability AVAILABLE in Regions whose last sync succeeded",
  }),
  status: Type.Enum(ACCOUNT_STATUSES, {
    title: "AccountStatus",
    description:
      "complete: every Region in scope (that the account enabled) synced; partial: some failed or were never synced; unreachable: none synced, some failed; never_synced; inactive: not ACTIVE or left",
  }),
};
export const AccountSummary = Type.Object(accountSummaryProps, { title: "AccountSummary" });

export const AccountRegion = Type.Object(
  {
    region: Type.String(),
    inScope: Type.Boolean({ description: "Whether the Region is in the account's scope now" }),
    status: SyncStatus,
    lastSuccessAt: Nullable(IsoDateTime()),
    lastErrorAt: Nullable(IsoDateTime()),
    lastErrorGate: Nullable(Type.String()),
    lastErrorCode: Nullable(Type.String()),
    lastErrorMessage: Nullable(Type.String()),
    loggingEnabled: Nullable(Type.Boolean()),
    guardrailCount: Type.Integer({ description: "Enforced guardrails" }),
    modelCount: Type.Integer(),
  },
  { title: "AccountRegion" },
);

export const EffectivePolicy = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    type: Type.String({ description: "SERVICE_CONTROL_POLICY | BEDROCK_POLICY" }),
    awsManaged: Type.Boolean(),
    attachedTo: Type.String({ description: "Root, OU or account id the policy is attached to" }),
    level: Type.Union([Type.Literal("root"), Type.Literal("ou"), Type.Literal("account")]),
    content: Type.String({ description: "The policy document (JSON text)" }),
  },
  { title: "EffectivePolicy" },
);

export const AccountDetail = Type.Object(
  {
    ...accountSummaryProps,
    regions: Type.Array(AccountRegion),
    effectivePolicies: Type.Array(EffectivePolicy, {
      description: "Policies attached to the root, each ancestor OU and the account, root first",
    }),
  },
  { title: "AccountDetail" },
);

export const StoredVerdict = Nullable(
  Type.Object(
    {
      status: Type.Union([Type.Literal("usable"), Type.Literal("blocked"), Type.Literal("unknown")]),
      via: Nullable(
        Type.String({ description: "The first usable path: direct, a profile id, mantle, claude_platform" }),
      ),
      gate: Nullable(Type.String({ description: "The gate that blocks every path (or cannot be judged)" })),
      reason: Type.String(),
      paths: Type.Array(
        Type.Object({
          path: Type.String(),
          kind: Type.String(),
          status: Type.String(),
          gate: Nullable(Type.String()),
        }),
      ),
      computedAt: IsoDateTime(),
    },
    {
      title: "StoredVerdict",
      description:
        "The reachability engine's verdict as the last reconciliation stored it; null: not judged yet. GET /v1/reachability explains it gate by gate.",
    },
  ),
);

export const ModelMatrixRow = Type.Object(
  {
    modelId: Type.String(),
    modelName: Nullable(Type.String()),
    provider: Type.String(),
    lifecycleStatus: Nullable(Type.String()),
    legacyTime: Nullable(IsoDateTime()),
    endOfLifeTime: Nullable(IsoDateTime()),
    inferenceTypes: Type.Array(Type.String()),
    inputModalities: Type.Array(Type.String()),
    outputModalities: Type.Array(Type.String()),
    agreementStatus: Nullable(Type.String()),
    agreementError: Nullable(Type.String()),
    authorizationStatus: Nullable(Type.String()),
    entitlementAvailability: Nullable(Type.String()),
    regionAvailability: Nullable(Type.String()),
    offerCount: Nullable(Type.Integer()),
    profiles: Type.Array(Type.String(), { description: "Inference profiles in this account-Region routing to it" }),
    access: Access,
    verdict: StoredVerdict,
  },
  { title: "ModelAccessRow" },
);

export const AccountRegionState = Type.Object(
  {
    accountId: Type.String(),
    accountName: Type.String(),
    region: Type.String(),
    status: SyncStatus,
    lastSuccessAt: Nullable(IsoDateTime()),
    lastErrorAt: Nullable(IsoDateTime()),
    lastErrorGate: Nullable(Type.String()),
    loggingEnabled: Nullable(Type.Boolean()),
    guardrails: Type.Array(Type.Object({}, { additionalProperties: true })),
  },
  { title: "AccountRegionState" },
);

export const ModelMatrix = Type.Object(
  {
    accountRegion: AccountRegionState,
    items: Type.Array(ModelMatrixRow),
    nextCursor: Type.Optional(Type.String({ description: "Absent on the last page" })),
  },
  { title: "ModelMatrixPage" },
);

export const ModelAvailability = Type.Object(
  {
    accountId: Type.String(),
    accountName: Type.String(),
    region: Type.String(),
    syncStatus: SyncStatus,
    access: Type.Union([Access, Type.Literal("via_profile")], {
      description: "As in the model-access matrix; via_profile: not offered here, but a profile here routes to it",
    }),
    viaProfiles: Type.Array(
      Type.Object({
        profileId: Type.String(),
        isGlobal: Type.Boolean(),
        destinationRegions: Type.Array(Type.String()),
      }),
    ),
    verdict: StoredVerdict,
  },
  { title: "ModelAvailability" },
);

export const InventoryChange = Type.Object(
  {
    id: Type.String(),
    runId: Nullable(Type.String({ format: "uuid" })),
    occurredAt: IsoDateTime(),
    entity: Type.String({
      description: "account | ou | policy | attachment | account_region | model | profile | use_case",
    }),
    accountId: Nullable(Type.String()),
    region: Nullable(Type.String()),
    subject: Nullable(Type.String()),
    change: Type.String({ description: "added | removed | left | <field name>" }),
    oldValue: Type.Unknown(),
    newValue: Type.Unknown(),
  },
  { title: "InventoryChange" },
);

export const SyncRun = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    scope: AccountRegionScope,
    onlyRegion: Nullable(Type.String({ description: "The one Region an organization or OU run covers" })),
    status: Type.Union([
      Type.Literal("queued"),
      Type.Literal("running"),
      Type.Literal("succeeded"),
      Type.Literal("partial"),
      Type.Literal("failed"),
    ]),
    trigger: Type.String(),
    requestedBy: Type.String(),
    createdAt: IsoDateTime(),
    startedAt: Nullable(IsoDateTime()),
    finishedAt: Nullable(IsoDateTime()),
    error: Nullable(Type.String()),
    errorGate: Nullable(Type.String()),
    progress: Type.Object({
      total: Type.Integer(),
      pending: Type.Integer(),
      succeeded: Type.Integer(),
      failed: Type.Integer(),
    }),
    errorsByGate: Type.Array(
      Type.Object({
        gate: Type.String(),
        count: Type.Integer(),
        sample: Type.Array(
          Type.Object({ accountId: Type.String(), region: Type.String(), message: Nullable(Type.String()) }),
        ),
      }),
    ),
  },
  { title: "SyncRun" },
);

export const RegionScope = Type.Object(
  {
    targetId: Type.String(),
    targetKind: Type.Union([Type.Literal("root"), Type.Literal("ou"), Type.Literal("account")]),
    targetName: Nullable(Type.String()),
    regions: Type.Array(Type.String()),
    updatedAt: IsoDateTime(),
    updatedBy: Type.String(),
  },
  { title: "RegionScope" },
);

export const RegionModelMatrix = Type.Object(
  {
    region: Type.String(),
    regions: Type.Array(Type.String(), { description: "Every Region the inventory holds for any account" }),
    models: Type.Array(Type.Object({ id: Type.String(), provider: Type.String() }), {
      description: "The models offered to at least one account of the page, by id; the cells follow this order",
    }),
    accounts: Type.Array(
      Type.Object({
        id: Type.String(),
        name: Type.String(),
        path: Type.String({ description: "The account's OU path, e.g. /Root/Sandbox" }),
        cells: Type.String({
          description:
            "One code per model of `models`: U usable directly, P usable through another path (inference profile, bedrock-mantle, Claude Platform), B blocked at a gate, Q the engine could not decide, N offered but not judged yet, - not offered to the account",
        }),
      }),
    ),
    nextCursor: Type.Optional(Type.String({ description: "Absent on the last page" })),
  },
  { title: "RegionModelMatrix" },
);
