import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { AccountIdSchema, ModelIdSchema, RegionSchema } from "../../kernel/aws-ids.js";
import type { ReachabilityService } from "../../modules/reachability/reachability.service.js";
import { GATES, PATH_KINDS, pathName } from "../../modules/reachability/reachability.types.js";
import { callContext } from "../../plugins/auth.js";
import { errorResponses, IsoDateTime, Nullable, StrictObject } from "../schemas.js";

const Status = Type.Union([Type.Literal("usable"), Type.Literal("blocked"), Type.Literal("unknown")]);

const CheckSchema = Type.Object(
  {
    gate: Type.Enum(GATES),
    status: Type.Union([Type.Literal("pass"), Type.Literal("fail"), Type.Literal("unknown")]),
    reason: Type.String(),
    fixOwner: Nullable(
      Type.Union([
        Type.Literal("platform_team"),
        Type.Literal("account_owner"),
        Type.Literal("requester"),
        Type.Literal("aws"),
      ]),
    ),
    evidence: Type.Array(
      Type.Object({
        kind: Type.String(),
        detail: Type.String(),
        data: Type.Optional(Type.Object({}, { additionalProperties: true })),
      }),
    ),
  },
  { title: "GateCheck" },
);

export const PathVerdictSchema = Type.Object(
  {
    path: Type.String({ description: "direct, an inference profile id, mantle, claude_platform" }),
    kind: Type.Enum(PATH_KINDS),
    destinations: Type.Array(Type.String(), { description: "Regions the inference runs in (* for global)" }),
    projectArn: Nullable(Type.String()),
    status: Status,
    gate: Nullable(Type.Enum(GATES)),
    reason: Type.String(),
    checks: Type.Array(CheckSchema),
  },
  { title: "PathVerdict" },
);

const ExplanationSchema = Type.Object(
  {
    accountId: Type.String(),
    region: Type.String(),
    modelId: Type.String(),
    status: Status,
    requestedPath: Nullable(Type.String()),
    paths: Type.Array(PathVerdictSchema),
    inventoryAsOf: Nullable(IsoDateTime()),
    checkedAt: IsoDateTime(),
  },
  { title: "ReachabilityExplanation" },
);

export const reachabilityRoutes: FastifyPluginAsyncTypebox<{ reachability: ReachabilityService }> = async (
  app,
  deps,
) => {
  app.get(
    "/reachability",
    {
      config: { auth: ["viewer", "requester", "auditor"] },
      schema: {
        operationId: "explainReachability",
        tags: ["inventory"],
        summary: "Whether a model can be called in an account-Region, path by path, gate by gate, and why",
        description:
          "The reachability engine's verdict from the stored inventory, for a principal whose identity policies allow the call: every path (direct, each inference profile, bedrock-mantle, Claude Platform), the gate that stops it, the reason, who can fix it and the evidence (policy, Sid, fact, API answer). Give an inference profile id as `model` to ask about that profile's path.",
        querystring: StrictObject({
          accountId: AccountIdSchema(),
          region: RegionSchema(),
          model: ModelIdSchema({ maxLength: 256, description: "Model id or inference profile id" }),
        }),
        response: { 200: ExplanationSchema, ...errorResponses(404, 422) },
      },
    },
    async (request) => {
      const e = await deps.reachability.explain(callContext(request), request.query);
      return {
        accountId: e.verdict.accountId,
        region: e.verdict.region,
        modelId: e.verdict.modelId,
        status: e.verdict.status,
        requestedPath: e.requestedPath,
        paths: e.verdict.paths.map((p) => ({
          path: pathName(p.path),
          kind: p.path.kind,
          destinations: [...p.path.destinations],
          projectArn: p.path.projectArn ?? p.path.workspaceArn ?? null,
          status: p.status,
          gate: p.gate,
          reason: p.reason,
          checks: p.checks.map((c) => ({ ...c, fixOwner: c.fixOwner ?? null })),
        })),
        inventoryAsOf: e.inventoryAsOf?.toISOString() ?? null,
        checkedAt: e.checkedAt.toISOString(),
      };
    },
  );
};
