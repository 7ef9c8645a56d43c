import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { MetricsConfig } from "../../config.js";
import { NotFoundError, UnauthorizedError } from "../../kernel/errors.js";
import type { Metrics } from "../../lib/metrics.js";
import { publicErrorResponses } from "../schemas.js";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * `GET /metrics` in the Prometheus text format. Not an API-key route: Prometheus authenticates with
 * one static bearer token (METRICS_TOKEN), or not at all when METRICS_ENABLED is set without one
 * (a listener only the scraper reaches). Off (404) unless METRICS_ENABLED is set.
 */
export const metricsRoutes: FastifyPluginAsyncTypebox<{ metrics: Metrics; settings: MetricsConfig }> = async (
  app,
  { metrics, settings },
) => {
  const expected = settings.token === undefined ? undefined : digest(`Bearer ${settings.token}`);
  app.get(
    "/metrics",
    {
      config: { auth: "public" },
      schema: {
        operationId: "getMetrics",
        tags: ["meta"],
        summary: "Prometheus metrics of this instance (METRICS_ENABLED; bearer METRICS_TOKEN when set)",
        security: [],
        response: {
          200: {
            description: "Prometheus text exposition format 0.0.4",
            content: { "text/plain": { schema: Type.String() } },
          },
          ...publicErrorResponses(401, 404),
        },
      },
    },
    async (request, reply) => {
      if (!settings.enabled) throw new NotFoundError("metrics are not enabled (METRICS_ENABLED)");
      if (expected) {
        const given = request.headers.authorization;
        // Compared as digests: equal lengths for timingSafeEqual, no early exit on a prefix.
        if (typeof given !== "string" || !timingSafeEqual(digest(given), expected))
          throw new UnauthorizedError("a valid metrics bearer token is required");
      }
      const text = await metrics.render();
      return reply.header("content-type", metrics.contentType).header("cache-control", "no-store").send(text);
    },
  );
};
