import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { AccountIdSchema, ModelIdSchema, RegionSchema, TargetIdSchema } from "../../kernel/aws-ids.js";
import type { InventoryQueryService } from "../../modules/inventory/inventory-query.service.js";
import { MAX_SCOPE_REGIONS } from "../../modules/inventory/inventory-query.service.js";
import { ACCOUNT_STATUSES, MODEL_ACCESS } from "../../modules/inventory/inventory-query.types.js";
import type { SyncService } from "../../modules/inventory/sync.service.js";
import { callContext } from "../../plugins/auth.js";
import { errorResponses, IsoDateTime, Nullable, PageOf, PageQuery, StrictObject } from "../schemas.js";

const Region = (description = "AWS Region code, e.g. us-east-1") => RegionSchema({ maxLength: 32, description });
const AccountId = AccountIdSchema({ description: "12-digit AWS account id" });
/** Root (r-…), OU (ou-…) or account id. */
const OrgTargetId = TargetIdSchema({ description: "Root, OU or account id" });
const ModelId = ModelIdSchema({
  maxLength: 256,
  description: "Foundation model id (URL-encode it in paths: it may contain `:`)",
});
const SyncStatus = Type.Union(
  [Type.Literal("ok"), Type.Literal("error"), Type.Literal("never"), Type.Literal("disabled")],
  { title: "AccountRegionSyncStatus", description: "disabled: the account has not enabled this (opt-in) Region" },
);
const Access = Type.Enum(MODEL_ACCESS, {
  title: "ModelAccess",
  description:
    "available; needs_agreement (Marketplace agreement missing or failed); agreement_pending; not_authorized (e.g. Anthropic use case); not_entitled; region_unavailable; profile_only (only through an inference profile); unknown (evidence missing)",
});

const OrgUnit = Type.Object(
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

const accountSummaryProps = {
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
const AccountSummary = Type.Object(accountSummaryProps, { title: "AccountSummary" });

const AccountRegion = Type.Object(
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

const EffectivePolicy = Type.Object(
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

const AccountDetail = Type.Object(
  {
    ...accountSummaryProps,
    regions: Type.Array(AccountRegion),
    effectivePolicies: Type.Array(EffectivePolicy, {
      description: "Policies attached to the root, each ancestor OU and the account, root first",
    }),
  },
  { title: "AccountDetail" },
);

const ModelMatrixRow = Type.Object(
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
  },
  { title: "ModelAccessRow" },
);

const AccountRegionState = Type.Object(
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

const ModelMatrix = Type.Object(
  {
    accountRegion: AccountRegionState,
    items: Type.Array(ModelMatrixRow),
    nextCursor: Type.Optional(Type.String({ description: "Absent on the last page" })),
  },
  { title: "ModelMatrixPage" },
);

const ModelAvailability = Type.Object(
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
  },
  { title: "ModelAvailability" },
);

const InventoryChange = Type.Object(
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

const SyncRun = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    scope: Type.Union([
      Type.Literal("organization"),
      Type.Literal("ou"),
      Type.Literal("account"),
      Type.Literal("account_region"),
    ]),
    scopeId: Nullable(Type.String()),
    region: Nullable(Type.String()),
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

const RegionScope = Type.Object(
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

const TAGS = ["inventory"];

export const inventoryRoutes: FastifyPluginAsyncTypebox<{
  inventory: InventoryQueryService;
  sync: SyncService;
}> = async (app, { inventory, sync }) => {
  app.get(
    "/org/units",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "listOrgUnits",
        tags: TAGS,
        summary: "The root and OUs of the organization, by path, with account counts",
        querystring: StrictObject({ ...PageQuery, parentId: Type.Optional(OrgTargetId) }),
        response: { 200: PageOf(OrgUnit, "OrgUnitPage"), ...errorResponses() },
      },
    },
    async (request) => {
      const { limit, cursor, parentId } = request.query;
      return inventory.listOrgUnits(callContext(request), parentId ? { parentId } : {}, {
        limit,
        ...(cursor ? { cursor } : {}),
      });
    },
  );

  app.get(
    "/accounts",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "listAccounts",
        tags: TAGS,
        summary: "Accounts with an access summary across their Regions in scope",
        querystring: StrictObject({
          ...PageQuery,
          ouId: Type.Optional(OrgTargetId),
          state: Type.Optional(Type.String({ pattern: "^[A-Z_]{1,32}$", description: "e.g. ACTIVE" })),
          status: Type.Optional(Type.Enum(ACCOUNT_STATUSES)),
          q: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: "Name contains (any case)" })),
        }),
        response: { 200: PageOf(AccountSummary, "AccountSummaryPage"), ...errorResponses() },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return inventory.listAccounts(callContext(request), filter, { limit, ...(cursor ? { cursor } : {}) });
    },
  );

  app.get(
    "/accounts/:accountId",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "getAccount",
        tags: TAGS,
        summary: "One account: access summary, Regions and the effective organization policies",
        params: StrictObject({ accountId: AccountId }),
        response: { 200: AccountDetail, ...errorResponses(404) },
      },
    },
    async (request) => inventory.getAccount(callContext(request), request.params.accountId),
  );

  app.get(
    "/accounts/:accountId/regions/:region/models",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "getModelAccessMatrix",
        tags: TAGS,
        summary: "The model-access matrix of one account-Region, with the derived access of each model",
        params: StrictObject({ accountId: AccountId, region: Region() }),
        querystring: StrictObject({
          ...PageQuery,
          provider: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Provider (any case)" })),
          access: Type.Optional(Access),
        }),
        response: { 200: ModelMatrix, ...errorResponses(404) },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const { accountId, region } = request.params;
      return inventory.modelMatrix(callContext(request), accountId, region, filter, {
        limit,
        ...(cursor ? { cursor } : {}),
      });
    },
  );

  app.get(
    "/models/:modelId/availability",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "getModelAvailability",
        tags: TAGS,
        summary: "Where a model can be used: every account-Region offering it or routing to it through a profile",
        params: StrictObject({ modelId: ModelId }),
        querystring: StrictObject(PageQuery),
        response: { 200: PageOf(ModelAvailability, "ModelAvailabilityPage"), ...errorResponses(404) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return inventory.modelAvailability(callContext(request), request.params.modelId, {
        limit,
        ...(cursor ? { cursor } : {}),
      });
    },
  );

  app.get(
    "/inventory/changes",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "listInventoryChanges",
        tags: TAGS,
        summary: "Inventory history, newest first, with filters",
        querystring: StrictObject({
          ...PageQuery,
          accountId: Type.Optional(AccountId),
          region: Type.Optional(Region()),
          entity: Type.Optional(Type.String({ pattern: "^[a-z_]{1,32}$" })),
          subject: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
          runId: Type.Optional(Type.String({ format: "uuid" })),
          from: Type.Optional(IsoDateTime("Inclusive lower bound of occurredAt")),
          to: Type.Optional(IsoDateTime("Exclusive upper bound of occurredAt")),
        }),
        response: { 200: PageOf(InventoryChange, "InventoryChangePage"), ...errorResponses() },
      },
    },
    async (request) => {
      const { limit, cursor, from, to, ...filter } = request.query;
      return inventory.listChanges(
        callContext(request),
        { ...filter, ...(from ? { from: new Date(from) } : {}), ...(to ? { to: new Date(to) } : {}) },
        { limit, ...(cursor ? { cursor } : {}) },
      );
    },
  );

  app.get(
    "/sync-runs",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "listSyncRuns",
        tags: TAGS,
        summary: "Sync runs, newest first, with progress and errors grouped by gate",
        querystring: StrictObject(PageQuery),
        response: { 200: PageOf(SyncRun, "SyncRunPage"), ...errorResponses() },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return sync.listRuns(callContext(request), { limit, ...(cursor ? { cursor } : {}) });
    },
  );

  app.get(
    "/sync-runs/:runId",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "getSyncRun",
        tags: TAGS,
        params: StrictObject({ runId: Type.String({ format: "uuid" }) }),
        response: { 200: SyncRun, ...errorResponses(404) },
      },
    },
    async (request) => sync.getRun(callContext(request), request.params.runId),
  );

  app.post(
    "/sync-runs",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "startSyncRun",
        tags: TAGS,
        summary: "Start a sync of the organization, an OU (and below), an account or one account-Region",
        body: StrictObject({
          scope: Type.Union(
            [Type.Literal("organization"), Type.Literal("ou"), Type.Literal("account"), Type.Literal("account_region")],
            { title: "SyncScope" },
          ),
          id: Type.Optional(OrgTargetId),
          region: Type.Optional(Region("Only this Region (required for account_region)")),
        }),
        response: { 202: SyncRun, ...errorResponses(422) },
      },
    },
    async (request, reply) => {
      const { scope, id, region } = request.body;
      const run = await sync.requestSync(
        callContext(request),
        { scope, ...(id ? { scopeId: id } : {}), ...(region ? { region } : {}) },
        "api",
      );
      return reply.status(202).header("location", `/v1/sync-runs/${run.id}`).send(run);
    },
  );

  app.get(
    "/region-scopes",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "listRegionScopes",
        tags: TAGS,
        summary: "Region overrides per root, OU or account (the nearest one walking up from an account applies)",
        querystring: StrictObject(PageQuery),
        response: { 200: PageOf(RegionScope, "RegionScopePage"), ...errorResponses() },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return inventory.listRegionScopes(callContext(request), { limit, ...(cursor ? { cursor } : {}) });
    },
  );

  app.put(
    "/region-scopes/:targetId",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "putRegionScope",
        tags: TAGS,
        summary: "Set the Regions in scope for a root, OU or account (used by the next sync)",
        params: StrictObject({ targetId: OrgTargetId }),
        body: StrictObject({
          regions: Type.Array(Region(), { minItems: 1, maxItems: MAX_SCOPE_REGIONS, uniqueItems: true }),
        }),
        response: { 200: RegionScope, ...errorResponses(422) },
      },
    },
    async (request) => inventory.putRegionScope(callContext(request), request.params.targetId, request.body.regions),
  );

  app.delete(
    "/region-scopes/:targetId",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "deleteRegionScope",
        tags: TAGS,
        summary: "Remove an override: the target falls back to its parent's scope, or the default Regions",
        params: StrictObject({ targetId: OrgTargetId }),
        response: { 204: Type.Null({ description: "Removed" }), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await inventory.deleteRegionScope(callContext(request), request.params.targetId);
      return reply.status(204).send(null);
    },
  );
};
