// Authentication and coarse role checks for every route. Each route declares
// `config.auth`: "public", or the roles (any of) allowed to call it. Services check again.
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { ForbiddenError } from "../kernel/errors.js";
import { type CallContext, hasRole, type Principal, type Role } from "../kernel/principal.js";
import type { AuthService } from "../modules/auth/auth.service.js";

export type AuthRule = "public" | readonly Role[];

declare module "fastify" {
  interface FastifyContextConfig {
    auth?: AuthRule;
  }
  interface FastifyRequest {
    principal?: Principal;
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
    // Authentication (which may cost a scrypt) runs at preParsing, after every onRequest hook:
    // the rate limits (plugins/abuse-limits.ts) refuse a request before its credential is
    // checked. Authorization follows at once, before the body is parsed.
    app.addHook("preParsing", async (request) => {
      // Unmatched routes reach the 404 handler; they have no config.
      if (!request.routeOptions.url) return;
      const rule = request.routeOptions.config.auth;
      if (rule === "public") return;
      if (rule === undefined) {
        // A route without a rule is a programming error: refuse rather than expose it.
        throw new ForbiddenError("route has no authorization rule");
      }
      request.principal = await opts.auth.authenticate(request.headers.authorization);
      if (!hasRole(request.principal, ...rule)) {
        throw new ForbiddenError(`needs one of the roles: ${rule.join(", ")}`);
      }
    });
  },
  { name: "auth" },
);
