// Every route states its contract: response schemas (errors too), an operationId, tags, an auth
// rule, and input schemas that reject unknown fields. Checked for all routes when the app becomes
// ready; a route that breaks the policy stops the app from starting.
import type { FastifyInstance, RouteOptions } from "fastify";
import { ROLES } from "../kernel/principal.js";

interface SchemaLike {
  type?: string;
  additionalProperties?: unknown;
  properties?: Record<string, unknown>;
  hide?: boolean;
  operationId?: string;
  tags?: string[];
  response?: Record<string, unknown>;
  body?: SchemaLike;
  querystring?: SchemaLike;
  params?: SchemaLike;
}

export interface RouteViolation {
  route: string;
  problem: string;
}

export function checkRoute(route: Pick<RouteOptions, "method" | "url" | "schema" | "config">): string[] {
  const schema = (route.schema ?? {}) as SchemaLike;
  const auth = (route.config as { auth?: unknown } | undefined)?.auth;
  const problems: string[] = [];
  const authOk =
    auth === "public" ||
    (Array.isArray(auth) && auth.length > 0 && auth.every((r) => (ROLES as readonly string[]).includes(r)));
  if (!authOk) problems.push("no auth rule (config.auth: 'public' or a list of roles)");
  // The docs UI's own assets are plugin-owned and hidden from the spec.
  if (schema.hide) return problems;
  if (!schema.operationId) problems.push("no operationId");
  if (!Array.isArray(schema.tags) || schema.tags.length === 0) problems.push("no tags");
  const statuses = Object.keys(schema.response ?? {});
  if (!statuses.some((s) => /^2\d\d$/.test(s))) problems.push("no success response schema");
  const required = auth === "public" ? ["500"] : ["400", "401", "403", "500"];
  for (const s of required) if (!statuses.includes(s)) problems.push(`no ${s} response schema`);
  for (const part of ["body", "querystring", "params"] as const) {
    const input = schema[part];
    if (input && input.additionalProperties !== false) problems.push(`${part} schema accepts unknown fields`);
  }
  return problems;
}

/** One registered route as the policy saw it: for generic tests (authorization matrix, fuzzing). */
export interface RouteEntry {
  method: string;
  url: string;
  auth: unknown;
  schema: Readonly<Record<string, unknown>>;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Every route with its method(s) expanded, after `ready()`. */
    routeTable(): RouteEntry[];
  }
}

/** Collects routes as they are added and checks them all once every onRoute hook has run. */
export function enforceRoutePolicy(app: FastifyInstance): void {
  const routes: RouteOptions[] = [];
  app.decorate("routeTable", () =>
    routes.flatMap((r) =>
      (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({
        method: String(method),
        url: r.url,
        auth: (r.config as { auth?: unknown } | undefined)?.auth,
        schema: (r.schema ?? {}) as Record<string, unknown>,
      })),
    ),
  );
  app.addHook("onRoute", (route) => {
    routes.push(route);
  });
  app.addHook("onReady", async () => {
    const violations: RouteViolation[] = routes.flatMap((r) =>
      checkRoute(r).map((problem) => ({ route: `${String(r.method)} ${r.url}`, problem })),
    );
    if (violations.length > 0) {
      throw new Error(`route policy violated: ${violations.map((v) => `${v.route}: ${v.problem}`).join("; ")}`);
    }
  });
}
