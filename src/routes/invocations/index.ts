import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { AccountIdSchema, OrgIdSchema, RegionSchema, S3BucketSchema } from "../../kernel/aws-ids.js";
import type { InvocationsService } from "../../modules/invocations/invocations.service.js";
import {
  INGESTION_STATUSES,
  INVOCATION_SOURCES,
  type Ingestion,
  type InvocationRow,
} from "../../modules/invocations/invocations.types.js";
import { callContext } from "../../plugins/auth.js";
import { errorResponses, IsoDateTime, PageOf, PageQuery, Scope, StrictObject } from "../schemas.js";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const AccountId = AccountIdSchema();
const Region = RegionSchema();

const IngestionSchema = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    source: Type.Enum(INVOCATION_SOURCES),
    status: Type.Enum(INGESTION_STATUSES),
    params: Type.Object({}, { additionalProperties: true }),
    requestedBy: Type.String(),
    createdAt: IsoDateTime(),
    finishedAt: Nullable(IsoDateTime()),
    jobsTotal: Type.Integer({ description: "One job per account-Region" }),
    jobsDone: Type.Integer(),
    jobsFailed: Type.Integer(),
    eventsRead: Type.Integer(),
    eventsAdded: Type.Integer({ description: "New rows (events already stored are not added again)" }),
    pages: Type.Integer(),
    lastError: Nullable(Type.String()),
    warnings: Type.Array(Type.String(), {
      description:
        "What this ingestion cannot see, said rather than reported as no calls: e.g. bedrock-mantle inference (a CloudTrail data event) through LookupEvents, or an organization trail with no data-event selector for it",
    }),
  },
  { title: "InvocationIngestion" },
);

const InvocationSchema = Type.Object(
  {
    eventTime: IsoDateTime(),
    eventId: Type.String(),
    accountId: Type.String(),
    region: Type.String({ description: "Source Region of the call" }),
    inferenceRegion: Type.String({ description: "Where it ran (cross-Region inference)" }),
    eventSource: Type.String(),
    eventName: Type.String(),
    principalType: Nullable(Type.String()),
    principalArn: Nullable(Type.String()),
    principalIssuerArn: Nullable(Type.String({ description: "Role ARN for assumed roles" })),
    modelId: Nullable(Type.String({ description: "As invoked: model id, profile id or ARN" })),
    profileId: Nullable(Type.String()),
    baseModelId: Nullable(Type.String()),
    errorCode: Nullable(Type.String()),
    errorMessage: Nullable(Type.String()),
    sourceIp: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
    bearerToken: Type.Boolean(),
  },
  { title: "Invocation" },
);

const Period = {
  from: IsoDateTime("Start (inclusive)"),
  to: IsoDateTime("End (exclusive)"),
};

const ingestionView = (i: Ingestion) => ({
  ...i,
  params: i.params as Record<string, unknown>,
  createdAt: i.createdAt.toISOString(),
  finishedAt: i.finishedAt?.toISOString() ?? null,
});
const invocationView = (r: InvocationRow) => ({ ...r, eventTime: r.eventTime.toISOString() });

export const invocationRoutes: FastifyPluginAsyncTypebox<{ invocations: InvocationsService }> = async (
  app,
  { invocations },
) => {
  app.post(
    "/invocation-ingestions",
    {
      config: { auth: ["admin", "auditor"] },
      schema: {
        operationId: "startInvocationIngestion",
        tags: ["invocations"],
        summary: "Ingest Bedrock invocations from CloudTrail (LookupEvents or the organization trail in S3)",
        description:
          "Queues one job per account-Region of the inventory. Each continues from its checkpoint (with an overlap window) and adds only events not stored yet; the unapproved-invocation analysis runs over what it read.",
        body: StrictObject({
          source: Type.Enum(INVOCATION_SOURCES),
          accountIds: Type.Optional(Type.Array(AccountId, { minItems: 1, maxItems: 5000 })),
          regions: Type.Optional(Type.Array(Region, { minItems: 1, maxItems: 40 })),
          bucket: Type.Optional(S3BucketSchema({ minLength: 3, maxLength: 63 })),
          bucketAccount: Type.Optional(AccountId),
          bucketRegion: Type.Optional(Region),
          orgId: Type.Optional(OrgIdSchema()),
          keyPrefix: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 200,
              pattern: "^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$",
              description: "The organization trail's S3 key prefix (S3KeyPrefix), without leading or trailing slash",
            }),
          ),
        }),
        response: { 202: IngestionSchema, ...errorResponses(422) },
      },
    },
    async (request, reply) => {
      const { source, ...params } = request.body;
      const created = await invocations.requestIngestion(callContext(request), source, params);
      return reply
        .status(202)
        .header("location", `/v1/invocation-ingestions/${created.id}`)
        .send(ingestionView(created));
    },
  );

  app.get(
    "/invocation-ingestions",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "listInvocationIngestions",
        tags: ["invocations"],
        summary: "The newest ingestions, newest first (no paging: a status view, not a history)",
        querystring: StrictObject({ limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }) }),
        response: { 200: Type.Object({ items: Type.Array(IngestionSchema) }), ...errorResponses() },
      },
    },
    async (request) => ({
      items: (await invocations.latestIngestions(callContext(request), request.query.limit)).map(ingestionView),
    }),
  );

  app.get(
    "/invocation-ingestions/:id",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "getInvocationIngestion",
        tags: ["invocations"],
        summary: "An ingestion's progress: jobs done, events read and added",
        params: StrictObject({ id: Type.String({ format: "uuid" }) }),
        response: { 200: IngestionSchema, ...errorResponses(404) },
      },
    },
    async (request) => ingestionView(await invocations.getIngestion(callContext(request), request.params.id)),
  );

  app.get(
    "/invocations",
    {
      config: { auth: ["auditor"] },
      schema: {
        operationId: "listInvocations",
        tags: ["invocations"],
        summary: "Invocations in a period, newest first",
        querystring: StrictObject({
          ...PageQuery,
          ...Period,
          accountId: Type.Optional(AccountId),
          region: Type.Optional(Region),
          modelId: Type.Optional(Type.String({ maxLength: 1024, description: "As invoked, base model or profile" })),
          principalArn: Type.Optional(Type.String({ maxLength: 1024 })),
          failed: Type.Optional(Type.Boolean()),
        }),
        response: { 200: PageOf(InvocationSchema, "InvocationPage"), ...errorResponses() },
      },
    },
    async (request) => {
      const { limit, cursor, from, to, ...rest } = request.query;
      const page = await invocations.list(
        callContext(request),
        { ...rest, from: new Date(from), to: new Date(to) },
        { limit, ...(cursor ? { cursor } : {}) },
      );
      return { ...page, items: page.items.map(invocationView) };
    },
  );

  app.get(
    "/invocations/usage",
    {
      config: { auth: ["auditor"] },
      schema: {
        operationId: "invocationUsage",
        tags: ["invocations"],
        summary: "Invocation counts per model, account, principal or Region",
        querystring: StrictObject({
          ...Period,
          by: Type.Enum(["model", "account", "principal", "region"] as const),
          accountId: Type.Optional(AccountId),
        }),
        response: {
          200: Type.Object(
            {
              items: Type.Array(
                Type.Object({
                  key: Type.String(),
                  invocations: Type.Integer(),
                  errors: Type.Integer(),
                  firstAt: IsoDateTime(),
                  lastAt: IsoDateTime(),
                }),
              ),
            },
            { title: "InvocationUsage" },
          ),
          ...errorResponses(),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await invocations.usage(callContext(request), {
        from: new Date(q.from),
        to: new Date(q.to),
        by: q.by,
        ...(q.accountId ? { accountId: q.accountId } : {}),
      });
      return {
        items: rows.map((r) => ({ ...r, firstAt: r.firstAt.toISOString(), lastAt: r.lastAt.toISOString() })),
      };
    },
  );

  app.get(
    "/invocations/denied-bursts",
    {
      config: { auth: ["auditor"] },
      schema: {
        operationId: "invocationDeniedBursts",
        tags: ["invocations"],
        summary: "Bursts of access-denied errors per principal and model, with the likely gate",
        querystring: StrictObject({
          ...Period,
          windowMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 10 }),
          threshold: Type.Integer({ minimum: 1, maximum: 100000, default: 3 }),
          accountId: Type.Optional(AccountId),
        }),
        response: {
          200: Type.Object(
            {
              items: Type.Array(
                Type.Object({
                  accountId: Type.String(),
                  region: Type.String(),
                  principalArn: Nullable(Type.String()),
                  modelId: Nullable(Type.String()),
                  baseModelId: Nullable(Type.String()),
                  windowStart: IsoDateTime(),
                  count: Type.Integer(),
                  errorCode: Type.String(),
                  likelyGate: Type.String(),
                  sampleMessage: Nullable(Type.String()),
                }),
              ),
            },
            { title: "DeniedBursts" },
          ),
          ...errorResponses(),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await invocations.deniedBursts(callContext(request), {
        from: new Date(q.from),
        to: new Date(q.to),
        windowMinutes: q.windowMinutes,
        threshold: q.threshold,
        ...(q.accountId ? { accountId: q.accountId } : {}),
      });
      return { items: rows.map((r) => ({ ...r, windowStart: r.windowStart.toISOString() })) };
    },
  );

  app.get(
    "/invocations/unused-grants",
    {
      config: { auth: ["auditor"] },
      schema: {
        operationId: "invocationUnusedGrants",
        tags: ["invocations"],
        summary: "Catalog entries and grants in force that no successful invocation used in N days",
        querystring: StrictObject({ days: Type.Integer({ minimum: 1, maximum: 400, default: 30 }) }),
        response: {
          200: Type.Object(
            {
              items: Type.Array(
                Type.Object({
                  entryId: Type.String(),
                  model: Type.String(),
                  scope: Scope,
                  owner: Type.String(),
                  expiresAt: Nullable(Type.String()),
                }),
              ),
            },
            { title: "UnusedGrants" },
          ),
          ...errorResponses(),
        },
      },
    },
    async (request) => ({ items: await invocations.unusedGrants(callContext(request), request.query.days) }),
  );

  app.post(
    "/invocation-analyses",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "runInvocationAnalysis",
        tags: ["invocations"],
        summary: "Re-evaluate a period's invocations against the desired state in force at the time",
        body: StrictObject({ ...Period, accountIds: Type.Optional(Type.Array(AccountId, { maxItems: 5000 })) }),
        response: {
          200: Type.Object(
            {
              intervals: Type.Integer({ description: "Periods of unchanged desired state evaluated" }),
              unapprovedGroups: Type.Integer(),
              findingsCreated: Type.Integer(),
              findingsUpdated: Type.Integer(),
            },
            { title: "InvocationAnalysis" },
          ),
          ...errorResponses(),
        },
      },
    },
    async (request) => {
      const b = request.body;
      return invocations.analyzeNow(callContext(request), {
        from: new Date(b.from),
        to: new Date(b.to),
        ...(b.accountIds ? { accountIds: b.accountIds } : {}),
      });
    },
  );
};
