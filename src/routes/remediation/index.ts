import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { AccountIdSchema, ParentIdSchema } from "../../kernel/aws-ids.js";
import { ValidationError } from "../../kernel/errors.js";
import type { RemediationService } from "../../modules/remediation/remediation.service.js";
import { PLAN_STATUSES } from "../../modules/remediation/remediation.types.js";
import { callContext } from "../../plugins/auth.js";
import {
  AccountRegionScope,
  errorResponses,
  IsoDateTime,
  Nullable,
  PageOf,
  PageQuery,
  Scope,
  StrictObject,
} from "../schemas.js";

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
    Type.Object({
      kind: Type.Literal("retention_put"),
      accountId: Type.String(),
      region: Type.String(),
      before: Type.String({ description: "The mode the inventory saw; apply refuses when the live mode differs" }),
      mode: Type.String({
        description: "The first of default, inherit, none, provider_data_share every applying entry allows",
      }),
      entryIds: Type.Array(Type.String()),
    }),
    Type.Object({
      kind: Type.Literal("license_grant_create"),
      accountId: Type.Optional(Type.String({ description: "The receiving account (absent for a grant to an OU)" })),
      scope: Type.Optional(Scope),
      modelId: Type.String(),
      licenseArn: Type.String(),
      managementAccountId: Type.String(),
      grantName: Type.String(),
      entryIds: Type.Array(Type.String()),
    }),
    Type.Object({
      kind: Type.Literal("license_grant_activate"),
      accountId: Type.Optional(Type.String({ description: "The receiving account (absent for a grant to an OU)" })),
      scope: Type.Optional(Scope),
      modelId: Type.String(),
      licenseArn: Type.String(),
      managementAccountId: Type.String(),
      grantArn: Type.String(),
      status: Type.String(),
    }),
    Type.Object({
      kind: Type.Literal("license_grant_delete"),
      accountId: Type.Optional(Type.String({ description: "The receiving account (absent for a grant to an OU)" })),
      scope: Type.Optional(Scope),
      licenseArn: Type.String(),
      managementAccountId: Type.String(),
      grantArn: Type.String(),
      grantName: Type.String(),
    }),
  ],
  { title: "RemediationChange" },
);

const BreakageSchema = Type.Object(
  {
    accountId: Type.String(),
    region: Type.String(),
    modelId: Type.String(),
    path: Type.String({ description: "direct, an inference profile id, mantle or claude_platform" }),
    gate: Type.String(),
    reason: Type.String(),
    policies: Type.Array(
      Type.Object({
        policyId: Type.String({ description: "A policy the plan creates is `new:<name>`" }),
        name: Nullable(Type.String()),
        sid: Nullable(Type.String()),
      }),
      { description: "The SCPs and statements that deny" },
    ),
  },
  { title: "RemediationBreakage", description: "An approved path that is usable now and would be (or was) blocked" },
);

const PlanSchema = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    scope: AccountRegionScope,
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
          status: Type.Enum(["applied", "failed", "skipped", "not_applied", "rolled_back"], {
            description:
              "not_applied: interrupted before it landed; rolled_back: undone by the recovery of an interrupted apply",
          }),
          recovered: Type.Optional(
            Type.Boolean({ description: "The outcome was read from AWS by the recovery of an interrupted apply" }),
          ),
          policyId: Type.Optional(Type.String()),
          grantArn: Type.Optional(
            Type.String({ description: "For license_grant_create: the grant License Manager made" }),
          ),
          error: Type.Optional(
            Type.Object({ gate: Type.String(), code: Nullable(Type.String()), message: Type.String() }),
          ),
        }),
      ),
    ),
    syncRunIds: Type.Array(Type.String(), { description: "Sync runs started to verify the applied changes" }),
    override: Nullable(
      Type.Object(
        { by: Type.String(), reason: Type.String(), breakages: Type.Array(BreakageSchema) },
        { description: "Applied with force despite what pre-flight found" },
      ),
    ),
    rollout: Nullable(
      Type.Object(
        {
          first: Type.String(),
          firstChanges: Type.Array(Type.Integer(), { description: "Indexes of the changes of the first stage" }),
          status: Type.Enum(["verified", "stopped", "failed"]),
          syncRunIds: Type.Array(Type.String()),
          breakages: Type.Array(BreakageSchema, {
            description: "Approved paths blocked after the first stage that pre-flight did not expect",
          }),
          message: Nullable(Type.String()),
        },
        { description: "Staged rollout: the first stage, its verification, and whether the rest followed" },
      ),
    ),
  },
  { title: "RemediationPlan" },
);

const PlanBody = StrictObject({
  scope: AccountRegionScope,
  useCaseForm: Type.Optional(
    Type.Object({}, { additionalProperties: true, description: "Anthropic use-case form, submitted where missing" }),
  ),
});

const IdParams = StrictObject({ id: Type.String({ format: "uuid" }) });

const ApplyBody = Type.Optional(
  StrictObject({
    force: Type.Optional(
      Type.Boolean({ description: "Apply although pre-flight finds approved use it would block (needs reason)" }),
    ),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: "Why, for the audit log" })),
    rollout: Type.Optional(
      StrictObject({
        first: Type.Union([ParentIdSchema(), AccountIdSchema()], {
          description: "The OU or account whose changes go first; re-synced and checked before the rest",
        }),
      }),
    ),
  }),
);

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
      const { useCaseForm, scope } = request.body;
      const plan = await remediation.createPlan(
        callContext(request),
        scope,
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
        summary:
          "Remediation plans, newest first. The admin's queue: `pending=true` (planned, with changes: requests waiting in provisioning name theirs in `waiting.plans`)",
        querystring: StrictObject({
          ...PageQuery,
          status: Type.Optional(Type.Enum(PLAN_STATUSES, { description: "Only plans in this status" })),
          pending: Type.Optional(
            Type.Boolean({ description: "Only plans waiting for an admin to apply them: planned, with changes" }),
          ),
        }),
        response: { 200: PageOf(PlanSchema, "RemediationPlanPage"), ...errorResponses() },
      },
    },
    async (request) => {
      const { limit, cursor, status, pending } = request.query;
      if (pending && status !== undefined && status !== "planned")
        throw new ValidationError("pending plans are planned ones", [
          { field: "query.status", message: "must be planned (or absent) with pending=true" },
        ]);
      return remediation.list(
        callContext(request),
        { limit, ...(cursor ? { cursor } : {}) },
        pending ? { status: "planned", hasChanges: true } : status ? { status } : {},
      );
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
          "Apply a plan (admin). 409 PLAN_STALE when the catalog or the organization changed since it was made, 409 PLAN_WOULD_BLOCK (with `breakages`) when the new SCPs would block approved use, unless forced with a reason (nothing is written on a 409). `rollout.first` applies that OU's or account's changes first, re-syncs and checks it, and stops there on an unexpected block",
        params: IdParams,
        body: ApplyBody,
        response: { 200: PlanSchema, ...errorResponses(404, 409, 422) },
      },
      // A bare POST (no body) applies with the defaults.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => remediation.apply(callContext(request), request.params.id, request.body ?? {}),
  );
};
