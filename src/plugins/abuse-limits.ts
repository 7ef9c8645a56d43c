// Abuse limits for the whole API: security headers (helmet), CORS only for configured origins,
// and a per-principal rate limit. Request timeouts are server options, set in buildApp.
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { SecurityConfig } from "../config.js";
import { TooManyRequestsError } from "../kernel/errors.js";

/**
 * The rate-limit bucket of a request: the authenticated principal (so one noisy automation key
 * cannot starve others behind the same NAT), else the client IP (unauthenticated and failed
 * attempts, which is what slows down key guessing).
 */
export function rateLimitKey(request: FastifyRequest): string {
  return request.principal ? `principal:${request.principal.id}` : `ip:${request.ip}`;
}

export default fp(
  async function abuseLimitsPlugin(app: FastifyInstance, opts: { security: SecurityConfig }) {
    const { security } = opts;
    await app.register(helmet, {
      // The API answers JSON; only the docs UI renders HTML, from its own static files.
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          imgSrc: ["'self'", "data:", "validator.swagger.io"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          scriptSrc: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      crossOriginResourcePolicy: { policy: "same-origin" },
    });
    if (security.corsOrigins) {
      // CORS preflight answers are public by nature (they carry no credentials).
      app.addHook("onRoute", (route) => {
        if (route.method === "OPTIONS" && route.url === "*") route.config = { ...route.config, auth: "public" };
      });
      await app.register(cors, {
        origin: security.corsOrigins,
        methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        allowedHeaders: ["authorization", "content-type", "if-match", "x-request-id"],
        exposedHeaders: ["x-request-id", "etag", "retry-after"],
        credentials: false,
        maxAge: 600,
      });
    }
    if (security.rateLimitMax > 0) {
      await app.register(rateLimit, {
        global: true,
        hook: "onRequest",
        max: security.rateLimitMax,
        timeWindow: security.rateLimitWindowSeconds * 1000,
        keyGenerator: rateLimitKey,
        // Health probes and the docs are cheap and must answer load balancers under any load.
        allowList: (request) => request.routeOptions.config?.auth === "public",
        errorResponseBuilder: (_request, context) =>
          new TooManyRequestsError(`rate limit of ${context.max} requests exceeded; retry in ${context.after}`, {
            retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)),
          }),
      });
    }
  },
  { name: "abuse-limits", dependencies: ["auth"] },
);
