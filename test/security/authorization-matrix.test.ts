// The authorization matrix: every route in the route table × every role, plus anonymous, an
// expired JWT, a JWT for another audience, a revoked API key and a malformed token, compared with
// the explicit table in authorization-matrix.ts. Only 401/403 versus "not 401/403" is asserted
// (an allowed caller may still get 400 or 404 for the made-up ids); no answer may be a 5xx.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../../src/kernel/principal.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { type JwksServer, startJwksServer } from "../helpers/jwks-server.js";
import { EXPECTED_AUTHORIZATION, PUBLIC } from "./authorization-matrix.js";

let idp: JwksServer;
let t: TestApp;

interface Caller {
  name: string;
  authorization: string | undefined;
  /** The role whose rights the caller has, or none: must be refused (401) on every non-public route. */
  role: Role | undefined;
}
const callers: Caller[] = [];

const PARAM_VALUES: Record<string, string> = {
  accountId: "123456789012",
  region: "us-east-1",
  modelId: "amazon.nova-pro-v1:0",
  runId: "00000000-0000-4000-8000-000000000000",
  id: "00000000-0000-4000-8000-000000000000",
  targetId: "ou-abcd-12345678",
  "*": "swagger-ui.css",
};

function concreteUrl(url: string): string {
  return url
    .replace(/:(\w+)/g, (_, p: string) => encodeURIComponent(PARAM_VALUES[p] ?? "x"))
    .replace(/\*$/, PARAM_VALUES["*"] as string);
}

beforeAll(async () => {
  idp = await startJwksServer();
  t = await startTestApp({
    OIDC_ISSUER: idp.issuer,
    OIDC_JWKS_URL: idp.jwksUrl,
    OIDC_AUDIENCE: "bedrock-governor",
    OIDC_ROLES_CLAIM: "groups",
    OIDC_GROUP_ROLE_MAP: "grc=auditor,ml-devs=requester",
    OIDC_CLOCK_TOLERANCE_SECONDS: "0",
  });
  for (const role of ["admin", "approver", "requester", "auditor", "viewer"] as const) {
    callers.push({ name: `api-key:${role}`, authorization: await t.keyFor(role, `matrix-${role}`), role });
  }
  callers.push({
    name: "jwt:auditor",
    authorization: `Bearer ${await idp.sign({ sub: "alice", groups: ["grc"] })}`,
    role: "auditor",
  });
  callers.push({
    name: "jwt:requester",
    authorization: `Bearer ${await idp.sign({ sub: "bob", groups: ["ml-devs"] })}`,
    role: "requester",
  });
  callers.push({ name: "anonymous", authorization: undefined, role: undefined });
  callers.push({
    name: "expired-jwt",
    authorization: `Bearer ${await idp.sign({ sub: "alice", groups: ["grc"] }, { expiresIn: Math.floor(Date.now() / 1000) - 60 })}`,
    role: undefined,
  });
  callers.push({
    name: "wrong-audience-jwt",
    authorization: `Bearer ${await idp.sign({ sub: "alice", groups: ["grc"] }, { audience: "another-service" })}`,
    role: undefined,
  });
  const revoked = await t.services.apiKeys.createAsSystem({ name: "matrix-revoked", role: "admin" });
  await t.services.apiKeys.revoke(
    { principal: { kind: "system", id: "matrix", name: "matrix", roles: ["admin"], groups: [] } },
    revoked.apiKey.id,
  );
  callers.push({ name: "revoked-api-key", authorization: `Bearer ${revoked.secret}`, role: undefined });
  callers.push({ name: "malformed-token", authorization: "Bearer bgk_not-a-key", role: undefined });
});
afterAll(async () => {
  await t?.close();
  await idp?.close();
});

describe("authorization matrix", () => {
  it("every route has a row, and every row a route", () => {
    const routes = new Set(t.app.routeTable().map((r) => `${r.method === "HEAD" ? "GET" : r.method} ${r.url}`));
    const missing = [...routes].filter((r) => !(r in EXPECTED_AUTHORIZATION));
    expect(missing, "new route without a rule in test/security/authorization-matrix.ts").toEqual([]);
    const stale = Object.keys(EXPECTED_AUTHORIZATION).filter((r) => !routes.has(r));
    expect(stale, "rows for routes that no longer exist").toEqual([]);
  });

  it("every route answers every caller as the table says", async () => {
    const mismatches: string[] = [];
    let checked = 0;
    for (const route of t.app.routeTable()) {
      const key = `${route.method === "HEAD" ? "GET" : route.method} ${route.url}`;
      const rule = EXPECTED_AUTHORIZATION[key];
      if (rule === undefined) continue; // reported by the test above
      // The callers of one route side by side (each answer is judged on its own).
      const answers = await Promise.all(
        callers.map(async (caller) => {
          const withBody = ["POST", "PUT", "PATCH"].includes(route.method);
          const res = await t.app.inject({
            method: route.method as "GET",
            url: concreteUrl(route.url),
            headers: {
              ...(caller.authorization ? { authorization: caller.authorization } : {}),
              ...(withBody ? { "content-type": "application/json" } : {}),
            },
            ...(withBody ? { payload: "{}" } : {}),
          });
          return { caller, res };
        }),
      );
      for (const { caller, res } of answers) {
        const expected =
          rule === PUBLIC ? "allowed" : caller.role === undefined ? 401 : rule.includes(caller.role) ? "allowed" : 403;
        checked++;
        const actual = res.statusCode === 401 || res.statusCode === 403 ? res.statusCode : "allowed";
        if (actual !== expected || res.statusCode >= 500) {
          mismatches.push(
            `${route.method} ${route.url} as ${caller.name}: expected ${expected}, got ${res.statusCode}`,
          );
        }
        if (actual !== "allowed" && route.method !== "HEAD") {
          expect(res.headers["content-type"]).toContain("application/problem+json");
          expect(res.json().code).toBe(actual === 401 ? "UNAUTHORIZED" : "FORBIDDEN");
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(callers.length * Object.keys(EXPECTED_AUTHORIZATION).length);
  }, 240_000);
});
