import { readFileSync } from "node:fs";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderOpenApiYaml } from "../../src/openapi.js";
import { checkRoute, enforceRoutePolicy } from "../../src/plugins/route-policy.js";
import { startTestApp } from "../helpers/app.js";

describe("openapi.yaml", () => {
  it("is what `npm run openapi` generates from the routes (run it and commit the result)", async () => {
    const generated = await renderOpenApiYaml();
    const committed = readFileSync("openapi.yaml", "utf8");
    expect(committed).toEqual(generated);
  });

  it("describes every operation with an id, tags, responses and problem+json errors", async () => {
    const spec = parse(readFileSync("openapi.yaml", "utf8"));
    const ops = Object.entries(spec.paths as Record<string, Record<string, Record<string, unknown>>>).flatMap(
      ([p, item]) => Object.entries(item).map(([method, op]) => ({ id: `${method.toUpperCase()} ${p}`, op })),
    );
    expect(ops.length).toBeGreaterThanOrEqual(8);
    const ids = new Set<string>();
    for (const { id, op } of ops) {
      expect(op.operationId, id).toBeTypeOf("string");
      expect(ids.has(op.operationId as string), `duplicate operationId at ${id}`).toBe(false);
      ids.add(op.operationId as string);
      expect((op.tags as string[]).length, id).toBeGreaterThan(0);
      const responses = op.responses as Record<string, { content?: Record<string, unknown> }>;
      expect(responses["500"]?.content?.["application/problem+json"], id).toBeDefined();
    }
    for (const p of Object.keys(spec.paths)) {
      expect(["/healthz", "/readyz", "/openapi.json", "/metrics"].includes(p) || p.startsWith("/v1/"), p).toBe(true);
    }
  });
});

describe("route walk", () => {
  it("every route of the app has response schemas, operationId, tags, an auth rule and strict inputs", async () => {
    // buildApp checks every route when it becomes ready (enforceRoutePolicy): a broken route fails here.
    const t = await startTestApp();
    await t.close();
  });

  it("flags each kind of broken route", () => {
    const good = {
      method: "POST",
      url: "/v1/x",
      config: { auth: ["admin"] },
      schema: {
        operationId: "x",
        tags: ["t"],
        body: { type: "object", additionalProperties: false },
        response: { 200: {}, 400: {}, 401: {}, 403: {}, 500: {} },
      },
    } as const;
    expect(checkRoute(good as never)).toEqual([]);
    const without = (patch: Record<string, unknown>) =>
      checkRoute({ ...good, schema: { ...good.schema, ...patch } } as never);
    expect(without({ operationId: undefined })).toEqual(["no operationId"]);
    expect(without({ tags: [] })).toEqual(["no tags"]);
    expect(without({ response: { 400: {}, 401: {}, 403: {}, 500: {} } })).toEqual(["no success response schema"]);
    expect(without({ response: { 200: {}, 400: {}, 401: {}, 500: {} } })).toEqual(["no 403 response schema"]);
    expect(without({ body: { type: "object" } })).toEqual(["body schema accepts unknown fields"]);
    expect(checkRoute({ ...good, config: {} } as never)).toEqual([
      "no auth rule (config.auth: 'public' or a list of roles)",
    ]);
    expect(checkRoute({ ...good, config: { auth: ["root"] } } as never)).toHaveLength(1);
  });

  it("an app with a route that breaks the policy does not start", async () => {
    const app = Fastify();
    enforceRoutePolicy(app);
    app.get("/v1/naked", async () => ({}));
    await expect(app.ready()).rejects.toThrow(/GET \/v1\/naked: no auth rule.*no operationId/);
    await app.close();
  });
});
