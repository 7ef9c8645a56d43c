import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { HealthService } from "../../modules/health/health.service.js";
import { publicErrorResponses } from "../schemas.js";

const Readiness = Type.Object(
  {
    ready: Type.Boolean(),
    reason: Type.Optional(Type.String()),
    checks: Type.Object({
      database: Type.Union([Type.Literal("ok"), Type.Literal("unreachable")]),
      migrations: Type.Enum(["ok", "pending", "failed", "modified", "unknown"]),
    }),
    aws: Type.Enum(["aws", "sandbox"], { description: "`sandbox`: AWS calls go to the built-in AWS sandbox, not AWS" }),
  },
  { title: "Readiness" },
);

export const healthRoutes: FastifyPluginAsyncTypebox<{ health: HealthService }> = async (app, { health }) => {
  app.get(
    "/healthz",
    {
      config: { auth: "public" },
      schema: {
        operationId: "getLiveness",
        tags: ["health"],
        summary: "The process is alive",
        security: [],
        response: { 200: Type.Object({ status: Type.Literal("ok") }), ...publicErrorResponses() },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/readyz",
    {
      config: { auth: "public" },
      schema: {
        operationId: "getReadiness",
        tags: ["health"],
        summary: "The database is reachable and fully migrated",
        security: [],
        response: { 200: Readiness, 503: Readiness, ...publicErrorResponses() },
      },
    },
    async (_request, reply) => {
      const result = await health.readiness();
      return reply.status(result.ready ? 200 : 503).send(result);
    },
  );

  app.get(
    "/openapi.json",
    {
      config: { auth: "public" },
      schema: {
        operationId: "getOpenApi",
        tags: ["meta"],
        summary: "This API's OpenAPI 3.1 description",
        security: [],
        response: { 200: Type.Object({}, { additionalProperties: true }), ...publicErrorResponses() },
      },
    },
    async () => app.swagger(),
  );
};
