import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { AccountIdSchema } from "../../kernel/aws-ids.js";
import type { ReconcileService } from "../../modules/reconcile/reconcile.service.js";
import {
  FINDING_SEVERITIES,
  FINDING_STATUSES,
  FINDING_TYPES,
  type Finding,
} from "../../modules/reconcile/reconcile.types.js";
import { callContext } from "../../plugins/auth.js";
import { errorResponses, IsoDateTime, Nullable, PageOf, PageQuery, StrictObject } from "../schemas.js";

const FindingSchema = Type.Object(
  {
    id: Type.String(),
    key: Type.String({ description: "Dedupe key: type|account|region|model|gate, then |path when there is one" }),
    type: Type.Enum(FINDING_TYPES),
    severity: Type.Enum(FINDING_SEVERITIES),
    status: Type.Enum(FINDING_STATUSES),
    accountId: Type.String(),
    region: Nullable(Type.String()),
    modelId: Nullable(Type.String({ description: "Model id; for RESIDENCY_VIOLATION the inference profile id" })),
    path: Nullable(
      Type.String({
        description: "The path the finding is about: direct, an inference profile id, mantle, claude_platform",
      }),
    ),
    gate: Nullable(
      Type.String({
        description:
          "The reachability engine's gate: credentials, region, lifecycle, bedrock_policy, org_policy, iam, entitlement, marketplace, use_case, data_retention",
      }),
    ),
    detail: Type.String(),
    evidence: Type.Object({}, { additionalProperties: true }),
    firstSeenAt: IsoDateTime(),
    lastSeenAt: IsoDateTime(),
    resolvedAt: Nullable(IsoDateTime()),
    suppressedReason: Nullable(Type.String()),
    suppressedUntil: Nullable(IsoDateTime()),
    suppressedBy: Nullable(Type.String()),
  },
  { title: "Finding" },
);

const iso = (d: Date | null) => (d === null ? null : d.toISOString());
const view = (f: Finding) => ({
  ...f,
  firstSeenAt: f.firstSeenAt.toISOString(),
  lastSeenAt: f.lastSeenAt.toISOString(),
  resolvedAt: iso(f.resolvedAt),
  suppressedUntil: iso(f.suppressedUntil),
});

const IdParams = StrictObject({ id: Type.String({ pattern: "^[0-9]{1,18}$" }) });

export const findingRoutes: FastifyPluginAsyncTypebox<{ reconcile: ReconcileService }> = async (app, { reconcile }) => {
  app.get(
    "/findings",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "listFindings",
        tags: ["findings"],
        summary: "Reconciliation findings, newest first, with filters",
        querystring: StrictObject({
          ...PageQuery,
          status: Type.Optional(Type.Enum(FINDING_STATUSES)),
          type: Type.Optional(Type.Enum(FINDING_TYPES)),
          severity: Type.Optional(Type.Enum(FINDING_SEVERITIES)),
          accountId: Type.Optional(AccountIdSchema()),
          region: Type.Optional(Type.String({ maxLength: 32 })),
          modelId: Type.Optional(Type.String({ maxLength: 256 })),
        }),
        response: { 200: PageOf(FindingSchema, "FindingPage"), ...errorResponses() },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const page = await reconcile.list(callContext(request), filter, { limit, ...(cursor ? { cursor } : {}) });
      return { ...page, items: page.items.map(view) };
    },
  );

  app.get(
    "/findings/:id",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "getFinding",
        tags: ["findings"],
        summary: "One finding",
        params: IdParams,
        response: { 200: FindingSchema, ...errorResponses(404) },
      },
    },
    async (request) => view(await reconcile.get(callContext(request), request.params.id)),
  );

  app.post(
    "/findings/:id/suppress",
    {
      config: { auth: ["admin", "approver"] },
      schema: {
        operationId: "suppressFinding",
        tags: ["findings"],
        summary: "Suppress a finding until a time, with a reason (audited)",
        params: IdParams,
        body: StrictObject({
          reason: Type.String({ minLength: 1, maxLength: 2048 }),
          until: IsoDateTime("When the suppression ends; the finding is re-evaluated then"),
        }),
        response: { 200: FindingSchema, ...errorResponses(404, 422) },
      },
    },
    async (request) =>
      view(
        await reconcile.suppress(callContext(request), request.params.id, {
          reason: request.body.reason,
          until: new Date(request.body.until),
        }),
      ),
  );

  app.post(
    "/reconciliations",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "runReconciliation",
        tags: ["findings"],
        summary: "Reconcile the catalog with the inventory now and update the findings",
        body: Type.Optional(
          StrictObject({
            accountIds: Type.Optional(Type.Array(AccountIdSchema(), { maxItems: 1000 })),
          }),
        ),
        response: {
          200: Type.Object(
            { found: Type.Integer(), created: Type.Integer(), seenAgain: Type.Integer(), resolved: Type.Integer() },
            { title: "ReconciliationResult" },
          ),
          ...errorResponses(),
        },
      },
    },
    async (request) => {
      const accountIds = request.body?.accountIds;
      return reconcile.reconcileNow(callContext(request), accountIds ? { accountIds } : {});
    },
  );
};
