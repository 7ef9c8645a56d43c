import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyDatabase, startTestApp, type TestApp } from "../helpers/app.js";

let t: TestApp;
let admin: string;

beforeAll(async () => {
  t = await startTestApp({ BODY_LIMIT_BYTES: "2048" });
  admin = await t.keyFor("admin");
});
afterAll(async () => t?.close());

describe("health", () => {
  it("answers liveness and readiness without credentials", async () => {
    expect((await t.app.inject({ url: "/healthz" })).json()).toEqual({ status: "ok" });
    const ready = await t.app.inject({ url: "/readyz" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ ready: true, checks: { database: "ok", migrations: "ok" }, aws: "sandbox" });
  });

  it("is not ready on a database without the migrations, and says why", async () => {
    const other = await startTestApp({}, await emptyDatabase());
    try {
      const res = await other.app.inject({ url: "/readyz" });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.migrations).toBe("pending");
      expect(res.json().reason).toMatch(/migration\(s\) pending/);
    } finally {
      await other.close();
    }
  });

  it("is not ready when the database is unreachable", async () => {
    const other = await startTestApp();
    await other.database.drop();
    const res = await other.app.inject({ url: "/readyz" });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ ready: false, reason: "database unreachable" });
    await other.close();
  });
});

describe("errors are problem+json", () => {
  it("unknown route: 404 with code and request id", async () => {
    const res = await t.app.inject({ url: "/v1/nothing-here", headers: { "x-request-id": "abc-123" } });
    expect(res.statusCode).toBe(404);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.headers["x-request-id"]).toBe("abc-123");
    expect(res.json()).toMatchObject({ status: 404, code: "ROUTE_NOT_FOUND", requestId: "abc-123" });
  });

  it("an unsafe X-Request-Id is replaced by a generated one", async () => {
    const res = await t.app.inject({ url: "/healthz", headers: { "x-request-id": "bad id\nwith newline" } });
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("unknown body field: 400 naming the field, and nothing is written", async () => {
    const before = await t.services.audit.list(
      { principal: { kind: "system", id: "t", name: "t", roles: ["admin"], groups: [] } },
      {},
      { limit: 200 },
    );
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: { authorization: admin },
      payload: { name: "x", role: "viewer", colour: "blue" },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: "VALIDATION_FAILED",
      errors: [{ field: "body.colour", message: "unknown field" }],
    });
    const after = await t.services.audit.list(
      { principal: { kind: "system", id: "t", name: "t", roles: ["admin"], groups: [] } },
      {},
      { limit: 200 },
    );
    expect(after.items.length).toBe(before.items.length);
  });

  it("unknown query parameter and bad enum are named too", async () => {
    const q = await t.app.inject({ url: "/v1/api-keys?limit=5&sort=name", headers: { authorization: admin } });
    expect(q.statusCode).toBe(400);
    expect(q.json().errors[0].field).toBe("query.sort");
    const role = await t.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: { authorization: admin },
      payload: { name: "x", role: "superuser" },
    });
    expect(role.statusCode).toBe(400);
    expect(role.json().errors[0].field).toBe("body.role");
  });

  it("missing required field is named", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: { authorization: admin },
      payload: { name: "x" },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0]).toEqual({ field: "body.role", message: "is required" });
  });

  it("body over the limit: 413", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: { authorization: admin, "content-type": "application/json" },
      payload: JSON.stringify({ name: "x".repeat(4000), role: "viewer" }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: "BODY_TOO_LARGE", status: 413 });
  });

  it("malformed JSON: 400", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: { authorization: admin, "content-type": "application/json" },
      payload: "{not json",
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe("INVALID_BODY");
  });

  it("a 5xx body says nothing about internals; the log has the detail", async () => {
    const broken = await startTestApp();
    const key = await broken.keyFor("admin");
    await broken.db.client.$executeRawUnsafe('ALTER TABLE "api_keys" RENAME COLUMN "name" TO "label"');
    const res = await broken.app.inject({ url: "/v1/api-keys", headers: { authorization: key } });
    expect(res.statusCode).toBe(500);
    const body = res.json();
    expect(body).toMatchObject({ code: "INTERNAL", status: 500, requestId: res.headers["x-request-id"] });
    expect(JSON.stringify(body)).not.toMatch(/label|column|prisma|api_keys/i);
    const logged = broken.logs.json().find((l) => l.requestId === res.headers["x-request-id"] && l.level === "error");
    expect(logged).toBeDefined();
    await broken.close();
  });
});

describe("docs", () => {
  it("serves the spec and the UI without credentials", async () => {
    const spec = await t.app.inject({ url: "/openapi.json" });
    expect(spec.statusCode).toBe(200);
    expect(spec.json().openapi).toBe("3.1.0");
    const ui = await t.app.inject({ url: "/docs/" });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers["content-type"]).toMatch(/text\/html/);
  });

  it("every other route needs credentials", async () => {
    for (const url of ["/v1/me", "/v1/api-keys", "/v1/audit-events"]) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(401);
    }
  });
});
