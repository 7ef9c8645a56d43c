// Abuse limits for the whole API: security headers (helmet), CORS only for configured origins,
// and rate limits that run before any credential is checked (a refused request never costs a
// scrypt). Request timeouts are server options, set in buildApp.
import { createHash } from "node:crypto";
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import helmet from "helmet";
import { decodeJwt } from "jose";
import type { SecurityConfig } from "../config.js";
import { TooManyRequestsError } from "../kernel/errors.js";

const API_KEY_ID = /^Bearer\s+bgk_([0-9a-f]{16})_/i;
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The rate-limit bucket of a request, from what it presents and before it is verified: the API
 * key id (so one noisy automation key cannot starve others behind the same NAT), the OIDC
 * issuer and subject of a bearer JWT, else the client IP. Presenting someone else's key id or
 * subject only spends their budget from an IP whose failures are limited too (see below).
 */
export function rateLimitKey(request: FastifyRequest): string {
  const authorization = request.headers.authorization ?? "";
  const keyId = API_KEY_ID.exec(authorization)?.[1];
  if (keyId) return `apikey:${keyId.toLowerCase()}`;
  const token = BEARER.exec(authorization)?.[1];
  if (token) {
    try {
      const { iss, sub } = decodeJwt(token);
      if (typeof sub === "string")
        return `oidc:${createHash("sha256")
          .update(`${String(iss)}\n${sub}`)
          .digest("base64url")}`;
    } catch {
      // not a JWT: the IP's bucket
    }
  }
  return `ip:${request.ip}`;
}

/**
 * Failed authentications per client IP in the current window. Checked before the credential is,
 * so a guesser is refused without any hashing; counted when a request ends in 401.
 */
function createFailureLimiter(max: number, windowMs: number, maxTracked = 100_000) {
  const failures = new Map<string, { count: number; resetAt: number }>();
  return {
    check(ip: string, now: number): number | undefined {
      const f = failures.get(ip);
      if (!f || f.resetAt <= now) return undefined;
      return f.count >= max ? Math.max(1, Math.ceil((f.resetAt - now) / 1000)) : undefined;
    },
    fail(ip: string, now: number): void {
      const f = failures.get(ip);
      if (f && f.resetAt > now) {
        f.count++;
        return;
      }
      if (failures.size >= maxTracked) failures.clear();
      failures.set(ip, { count: 1, resetAt: now + windowMs });
    },
  };
}

export default fp(
  async function abuseLimitsPlugin(app: FastifyInstance, opts: { security: SecurityConfig }) {
    const { security } = opts;
    // Helmet's middleware is built once: @fastify/helmet built it again on every request (parsing
    // the CSP directives each time), a measurable part of a read request's CPU (README, API load).
    const securityHeaders = helmet({
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
    app.addHook("onRequest", (request, reply, done) =>
      securityHeaders(request.raw, reply.raw, (err) => done(err instanceof Error ? err : undefined)),
    );
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
      const windowMs = security.rateLimitWindowSeconds * 1000;
      const failures = createFailureLimiter(security.rateLimitMax, windowMs);
      const guarded = (request: FastifyRequest) => {
        const rule = request.routeOptions.config?.auth;
        return request.routeOptions.url !== undefined && rule !== undefined && rule !== "public";
      };
      // onRequest: before authentication, which the auth plugin runs at preParsing.
      app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
        if (!guarded(request)) return;
        const retryAfterSeconds = failures.check(request.ip, Date.now());
        if (retryAfterSeconds === undefined) return;
        reply.header("retry-after", String(retryAfterSeconds));
        throw new TooManyRequestsError(
          `too many failed authentications from this address; retry in ${retryAfterSeconds} s`,
          { retryAfterSeconds },
        );
      });
      app.addHook("onResponse", async (request: FastifyRequest, reply: FastifyReply) => {
        if (reply.statusCode === 401 && guarded(request)) failures.fail(request.ip, Date.now());
      });
    }
  },
  { name: "abuse-limits", dependencies: ["auth"] },
);
