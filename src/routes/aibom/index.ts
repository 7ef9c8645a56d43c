// GET /v1/aibom: the AI bill of materials (CycloneDX 1.6 JSON) of the approved catalog and the live
// inventory, for the organization, an OU (or the root) and below, or one account. The body is sent as
// the text the service built and validated (no re-serialization).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { ID_PATTERN, targetKindOf } from "../../kernel/aws-ids.js";
import { AIBOM_CONTENT_TYPE } from "../../modules/reports/aibom.js";
import type { AibomService } from "../../modules/reports/aibom.service.js";
import type { ReportScope } from "../../modules/reports/reports.types.js";
import { callContext } from "../../plugins/auth.js";
import { errorResponses, StrictObject } from "../schemas.js";

const CycloneDxBom = Type.Unsafe<string>(
  Type.Object(
    { bomFormat: Type.Literal("CycloneDX"), specVersion: Type.Literal("1.6") },
    {
      additionalProperties: true,
      title: "CycloneDxBom",
      description:
        "A CycloneDX 1.6 JSON BOM (ML-BOM), validated against the CycloneDX 1.6 JSON schema before it is sent: " +
        "machine-learning-model components for the catalog entries (`bedrock-governor:source` = catalog) and for " +
        "the models reachable or used per account×Region (source = inventory, nested components per account-Region), " +
        "services for the Bedrock runtime endpoints; properties in the `bedrock-governor:` namespace",
    },
  ),
);

/** `organization`, an OU or root id, or an account id: the one scope shape, from a query string. */
export function scopeFromQuery(value: string | undefined): ReportScope {
  if (value === undefined || value === "organization") return { kind: "organization" };
  return targetKindOf(value) === "account" ? { kind: "account", id: value } : { kind: "ou", id: value };
}

export const aibomRoutes: FastifyPluginAsyncTypebox<{ aibom: AibomService }> = async (app, { aibom }) => {
  app.get(
    "/aibom",
    {
      config: { auth: ["viewer", "auditor"] },
      schema: {
        operationId: "getAibom",
        tags: ["reports"],
        summary: "The AI bill of materials: the approved catalog and the live inventory as CycloneDX 1.6 (ML-BOM)",
        description:
          "Models count as used with invocations in the last 30 days and as reachable with the last reconciliation's verdict `usable`.",
        querystring: StrictObject({
          scope: Type.Optional(
            Type.String({
              pattern: ID_PATTERN.targetId.replace("^(", "^(organization|"),
              description: "`organization` (default), an OU or root id (that subtree) or an account id",
            }),
          ),
        }),
        response: { 200: CycloneDxBom, ...errorResponses(422) },
      },
    },
    async (request, reply) => {
      const json = await aibom.export(callContext(request), scopeFromQuery(request.query.scope));
      return reply
        .type(AIBOM_CONTENT_TYPE)
        .header("content-disposition", 'attachment; filename="aibom.cdx.json"')
        .send(json);
    },
  );
};
