// Authentication and coarse role checks for every route. Each route declares
// `config.auth`: "public", or the roles (any of) allowed to call it. Services check again.
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { AppError, ForbiddenError } from "../kernel/errors.js";
import { type CallContext, hasRole, type Principal, type Role } from "../kernel/principal.js";
import type { AuthService } from "../modules/auth/auth.service.js";

export type AuthRule = "public" | readonly Role[];

declare module "fastify" {
  interface FastifyContextConfig {
    auth?: AuthRule;
  }
  interface FastifyRequest {
    principal?: Principal;
    /** Why authentication failed; raised after the rate limiter has counted the attempt. */
    authFailure?: AppError;
  }
}

/** The caller of an authenticated route, for passing into services. */
export function callContext(request: FastifyRequest): CallContext {
  if (!request.principal) throw new Error("callContext used on a route without authentication");
  return { principal: request.principal, requestId: String(request.id) };
}

export default fp(
  async function authPlugin(app: FastifyInstance, opts: { auth: AuthService }) {
    app.decorateRequest("principal", undefined);
    app.decorateRequest("authFailure", undefined);
    // Authentication runs first so that the rate limiter (a route-level onRequest hook, which runs
    // after this one) can key on the principal; a failed attempt is held back until preParsing so
    // the limiter counts it against the caller's IP. Authorization runs before the body is parsed.
    app.addHook("onRequest", async (request) => {
      // Unmatched routes reach the 404 handler; they have no config.
      if (!request.routeOptions.url) return;
      const rule = request.routeOptions.config.auth;
      if (rule === "public" || rule === undefined) return;
      try {
        request.principal = await opts.auth.authenticate(request.headers.authorization);
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        request.authFailure = err;
      }
    });
    app.addHook("preParsing", async (request) => {
      if (!request.routeOptions.url) return;
      const rule = request.routeOptions.config.auth;
      if (rule === "public") return;
      if (rule === undefined) {
        // A route without a rule is a programming error: refuse rather than expose it.
        throw new ForbiddenError("route has no authorization rule");
      }
      if (request.authFailure) throw request.authFailure;
      if (!request.principal) throw new ForbiddenError("not authenticated");
      if (!hasRole(request.principal, ...rule)) {
        throw new ForbiddenError(`needs one of the roles: ${rule.join(", ")}`);
      }
    });
  },
  { name: "auth" },
);
