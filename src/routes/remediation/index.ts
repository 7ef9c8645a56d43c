import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { AccountIdSchema, ParentIdSchema, RegionSchema } from "../../kernel/aws-ids.js";
import { ValidationError } from "../../kernel/errors.js";
import type { RemediationService } from "../../modules/remediation/remediation.service.js";
import { PLAN_STATUSES, type PlanScope } from "../../modules/remediation/remediation.types.js";
import { callContext } from "../../plugins/auth.js";
import { errorResponses, IsoDateTime, Nullable, PageOf, PageQuery, StrictObject } from "../schemas.js";

const Target = Type.Object({ kind: Type.Enum(["root", "ou", "account"]), id: Type.String() });
const Json = Type.Object({}, { additionalProperties: true });

const Change = Type.Union(
  [
    Type.Object({
      kind: Type.Literal("scp_create"),
      name: Type.String(),
      description: Type.String(),
      content: Type.String({ description: "Minified policy JSON as it will be submitted" }),
      target: Target,
    }),
    Type.Object({
      kind: Type.Literal("scp_update"),
      policyId: Type.String(),
      name: Type.String(),
      previousName: Type.String(),
      description: Type.String(),
      before: Type.String(),
      after: Type.String(),
      diff: Type.String({ description: "Unified diff of the pretty-printed policy JSON" }),
      target: Target,
    }),
    Type.Object({
      kind: Type.Literal("scp_attach"),
      policyId: Type.Optional(Type.String()),
      name: Type.String(),
      target: Target,
    }),
    Type.Object({ kind: Type.Literal("scp_detach"), policyId: Type.String(), name: Type.String(), target: Target }),
    Type.Object({
      kind: Type.Literal("scp_delete"),
      policyId: Type.String(),
      name: Type.String(),
      before: Type.String(),
    }),
    Type.Object({
      kind: Type.Literal("agreement_create"),
      accountId: Type.String(),
      region: Type.String(),
      modelId: Type.String(),
      offer: Type.Object({
        offerId: Nullable(Type.String()),
        offerToken: Type.String(),
        terms: Nullable(Type.String()),
      }),
    }),
    Type.Object({
      kind: Type.Literal("use_case_put"),
      accountId: Type.String(),
      region: Type.String(),
      models: Type.Array(Type.String()),
      form: Json,
    }),
  ],
  { title: "RemediationChange" },
);

const PlanSchema = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    scope: Type.Object({
      kind: Type.Enum(["organization", "ou", "account"]),
      id: Type.Optional(Type.String()),
      region: Type.Optional(Type.String()),
    }),
    status: Type.Enum(PLAN_STATUSES),
    fingerprint: Type.String(),
    changes: Type.Array(Change),
    unresolved: Type.Array(
      Type.Object({
        kind: Type.String(),
        accountId: Type.Optional(Type.String()),
        region: Type.Optional(Type.String()),
        modelId: Type.Optional(Type.String()),
        targetId: Type.Optional(Type.String()),
        policyIds: Type.Optional(Type.Array(Type.String())),
        reason: Type.String(),
      }),
      { description: "What the plan cannot do by itself, and what to do instead" },
    ),
    inputs: Type.Object({ useCaseForm: Type.Optional(Json) }),
    createdBy: Type.String(),
    createdAt: IsoDateTime(),
    appliedBy: Nullable(Type.String()),
    appliedAt: Nullable(IsoDateTime()),
    results: Nullable(
      Type.Array(
        Type.Object({
          index: Type.Integer(),
          kind: Type.String(),
          status: Type.Enum(["applied", "failed", "skipped"]),
          policyId: Type.Optional(Type.String()),
          error: Type.Optional(
            Type.Object({ gate: Type.String(), code: Nullable(Type.String()), message: Type.String() }),
          ),
        }),
      ),
    ),
    syncRunIds: Type.Array(Type.String(), { description: "Sync runs started to verify the applied changes" }),
  },
  { title: "RemediationPlan" },
);

const PlanBody = StrictObject({
  scope: Type.Enum(["organization", "ou", "account"], {
    description: "organization; ou (with ouId: an OU or the root); account (with accountId, optionally region)",
  }),
  ouId: Type.Optional(ParentIdSchema()),
  accountId: Type.Optional(AccountIdSchema()),
  region: Type.Optional(RegionSchema()),
  useCaseForm: Type.Optional(
    Type.Object({}, { additionalProperties: true, description: "Anthropic use-case form, submitted where missing" }),
  ),
});

function toScope(body: { scope: string; ouId?: string; accountId?: string; region?: string }): PlanScope {
  const field = (name: string, message: string) =>
    new ValidationError(`${name} ${message}`, [{ field: `body.${name}`, message }]);
  if (body.scope !== "account" && body.region !== undefined) throw field("region", "is only for scope account");
  if (body.scope !== "ou" && body.ouId !== undefined) throw field("ouId", "is only for scope ou");
  if (body.scope !== "account" && body.accountId !== undefined) throw field("accountId", "is only for scope account");
  if (body.scope === "ou") {
    if (!body.ouId) throw field("ouId", "is required for scope ou");
    return { kind: "ou", id: body.ouId };
  }
  if (body.scope === "account") {
    if (!body.accountId) throw field("accountId", "is required for scope account");
    return { kind: "account", id: body.accountId, ...(body.region ? { region: body.region } : {}) };
  }
  return { kind: "organization" };
}

const IdParams = StrictObject({ id: Type.String({ format: "uuid" }) });

export const remediationRoutes: FastifyPluginAsyncTypebox<{ remediation: RemediationService }> = async (
  app,
  { remediation },
) => {
  app.post(
    "/remediation-plans",
    {
      config: { auth: ["admin", "approver"] },
      schema: {
        operationId: "createRemediationPlan",
        tags: ["remediation"],
        summary: "Plan the AWS changes that close the drift in a scope (writes nothing to AWS)",
        body: PlanBody,
        response: { 201: PlanSchema, ...errorResponses(422) },
      },
    },
    async (request, reply) => {
      const { useCaseForm, ...rest } = request.body;
      const plan = await remediation.createPlan(
        callContext(request),
        toScope(rest),
        useCaseForm ? { useCaseForm: useCaseForm as Record<string, unknown> } : {},
      );
      return reply.code(201).send(plan);
    },
  );

  app.get(
    "/remediation-plans",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "listRemediationPlans",
        tags: ["remediation"],
        summary: "Remediation plans, newest first",
        querystring: StrictObject({ ...PageQuery }),
        response: { 200: PageOf(PlanSchema, "RemediationPlanPage"), ...errorResponses() },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return remediation.list(callContext(request), { limit, ...(cursor ? { cursor } : {}) });
    },
  );

  app.get(
    "/remediation-plans/:id",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "getRemediationPlan",
        tags: ["remediation"],
        summary: "One remediation plan with its changes and, once applied, their results",
        params: IdParams,
        response: { 200: PlanSchema, ...errorResponses(404) },
      },
    },
    async (request) => remediation.get(callContext(request), request.params.id),
  );

  app.post(
    "/remediation-plans/:id/apply",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "applyRemediationPlan",
        tags: ["remediation"],
        summary:
          "Apply a plan (admin). 409 PLAN_STALE when the catalog or the organization changed since it was made (nothing is written)",
        params: IdParams,
        response: { 200: PlanSchema, ...errorResponses(404, 409) },
      },
    },
    async (request) => remediation.apply(callContext(request), request.params.id),
  );
};
