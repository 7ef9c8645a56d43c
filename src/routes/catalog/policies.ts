import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { AccountIdSchema, RegionSchema, TargetIdSchema } from "../../kernel/aws-ids.js";
import type { PolicyService } from "../../modules/catalog/policy.service.js";
import { callContext } from "../../plugins/auth.js";
import { errorResponses, StrictObject } from "../schemas.js";

const CompiledScp = Type.Object(
  {
    name: Type.String(),
    description: Type.String(),
    content: Type.String({ description: "Minified policy JSON, as submitted to Organizations (≤ 5,120 characters)" }),
    statementCount: Type.Integer(),
  },
  { title: "CompiledScp" },
);

export const policyRoutes: FastifyPluginAsyncTypebox<{ policies: PolicyService }> = async (app, { policies }) => {
  app.get(
    "/policies/scps",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "compileScps",
        tags: ["catalog"],
        summary: "SCPs that deny Bedrock models outside the catalog for a root, OU or account (compiled, not applied)",
        querystring: StrictObject({
          targetId: TargetIdSchema(),
        }),
        response: {
          200: Type.Object(
            {
              target: Type.Object({ kind: Type.Enum(["root", "ou", "account"]), id: Type.String() }),
              policies: Type.Array(CompiledScp),
            },
            { title: "CompiledScps" },
          ),
          ...errorResponses(422),
        },
      },
    },
    async (request) => policies.scps(callContext(request), request.query.targetId),
  );

  app.get(
    "/policies/iam",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "compileIamPolicy",
        tags: ["catalog"],
        summary:
          "Least-privilege identity policy for a developer role in an account and Region: bedrock-runtime, bedrock-mantle, Marketplace subscription and API keys",
        querystring: StrictObject({
          accountId: AccountIdSchema(),
          region: RegionSchema(),
        }),
        response: {
          200: Type.Object(
            {
              document: Type.Object({}, { additionalProperties: true }),
              managedPolicies: Type.Array(Type.Object({}, { additionalProperties: true }), {
                description: "The same statements as customer managed policies of at most 6,144 characters each",
              }),
              warnings: Type.Array(Type.String()),
            },
            { title: "CompiledIamPolicy" },
          ),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const compiled = await policies.iam(callContext(request), request.query.accountId, request.query.region);
      return {
        document: compiled.document as unknown as Record<string, unknown>,
        managedPolicies: compiled.managedPolicies as unknown as Record<string, unknown>[],
        warnings: compiled.warnings,
      };
    },
  );
};
