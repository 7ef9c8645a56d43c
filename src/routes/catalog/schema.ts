// The catalog document's JSON Schema, as the parser validates with it (catalog-schema.ts).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { catalogJsonSchema } from "../../modules/catalog/catalog-schema.js";
import { errorResponses } from "../schemas.js";

const JsonSchemaDocument = Type.Unsafe<Record<string, unknown>>(
  Type.Object(
    { $schema: Type.Literal("https://json-schema.org/draft/2020-12/schema"), title: Type.String() },
    {
      additionalProperties: true,
      title: "CatalogJsonSchema",
      description:
        "JSON Schema (draft 2020-12) of the catalog YAML/JSON document, with examples; the same file as catalog.schema.json",
    },
  ),
);

export const catalogSchemaRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/catalog/schema",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "getCatalogSchema",
        tags: ["catalog"],
        summary: "The JSON Schema of the catalog document (for editors, CI checks and generators)",
        response: { 200: JsonSchemaDocument, ...errorResponses() },
      },
    },
    async (_request, reply) => reply.type("application/schema+json").send(catalogJsonSchema()),
  );
};
