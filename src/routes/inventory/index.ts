import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { InventoryQueryService } from "../../modules/inventory/inventory-query.service.js";
import { MAX_SCOPE_REGIONS } from "../../modules/inventory/inventory-query.service.js";
import { ACCOUNT_STATUSES, VERDICT_FILTERS } from "../../modules/inventory/inventory-query.types.js";
import type { SyncService } from "../../modules/inventory/sync.service.js";
import { callContext } from "../../plugins/auth.js";
import { AccountRegionScope, errorResponses, IsoDateTime, PageOf, PageQuery, StrictObject } from "../schemas.js";
import {
  Access,
  AccountDetail,
  AccountId,
  AccountSummary,
  InventoryChange,
  ModelAvailability,
  ModelId,
  ModelMatrix,
  OrgTargetId,
  OrgUnit,
  Region,
  RegionModelMatrix,
  RegionScope,
  SyncRun,
} from "./schemas.js";
import { syncRunView, toSyncRequest } from "./sync-scope.js";

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
        summary:
          "The model-access matrix of one account-Region: per model the reachability engine's verdict (usable, usable via a profile, blocked at a gate) and AWS's availability evidence",
        params: StrictObject({ accountId: AccountId, region: Region() }),
        querystring: StrictObject({
          ...PageQuery,
          provider: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Provider (any case)" })),
          access: Type.Optional(Access),
          verdict: Type.Optional(
            Type.Enum(VERDICT_FILTERS, {
              description: "The engine's verdict; not_judged: no reconciliation has judged the model yet",
            }),
          ),
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
    "/regions/:region/model-matrix",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "getRegionModelMatrix",
        tags: TAGS,
        summary:
          "A Region's accounts × models matrix, compact: the engine's stored verdict per cell as a one-letter code, accounts by id (keyset)",
        params: StrictObject({ region: Region() }),
        querystring: StrictObject({
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 250, description: "Accounts per page" }),
          cursor: PageQuery.cursor,
          ouId: Type.Optional(OrgTargetId),
          provider: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Provider (any case)" })),
        }),
        response: { 200: RegionModelMatrix, ...errorResponses() },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return inventory.regionMatrix(callContext(request), request.params.region, filter, {
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
      const page = await sync.listRuns(callContext(request), { limit, ...(cursor ? { cursor } : {}) });
      return { ...page, items: page.items.map(syncRunView) };
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
    async (request) => syncRunView(await sync.getRun(callContext(request), request.params.runId)),
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
          scope: AccountRegionScope,
          onlyRegion: Type.Optional(
            Region("Only this Region of every account (organization or OU scope; for an account, scope.region)"),
          ),
        }),
        response: { 202: SyncRun, ...errorResponses(422) },
      },
    },
    async (request, reply) => {
      const { scope, onlyRegion } = request.body;
      const run = await sync.requestSync(callContext(request), toSyncRequest(scope, onlyRegion), "api");
      return reply.status(202).header("location", `/v1/sync-runs/${run.id}`).send(syncRunView(run));
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
