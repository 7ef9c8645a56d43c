import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";

let t: TestApp;
let admin: string;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.keyFor("admin", "audit-admin");
});
afterAll(async () => t?.close());

const list = (query: string, authorization = admin) =>
  t.app.inject({ url: `/v1/audit-events${query}`, headers: { authorization } });

describe("audit log", () => {
  it("records every mutation with actor, role, target, before/after and request id", async () => {
    const created = await t.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: { authorization: admin, "x-request-id": "req-audit-1" },
      payload: { name: "audited", role: "auditor" },
    });
    const id = created.json().apiKey.id as string;
    await t.app.inject({
      method: "POST",
      url: `/v1/api-keys/${id}/revoke`,
      headers: { authorization: admin, "x-request-id": "req-audit-2" },
    });
    const res = await list(`?targetId=${id}`);
    expect(res.statusCode).toBe(200);
    const [revoke, create] = res.json().items;
    expect(create).toMatchObject({
      action: "api_key.create",
      actorType: "api_key",
      actorName: "audit-admin",
      actorRoles: ["admin"],
      targetType: "api_key",
      targetId: id,
      requestId: "req-audit-1",
      before: null,
      after: { name: "audited", role: "auditor", revokedAt: null },
    });
    expect(revoke).toMatchObject({ action: "api_key.revoke", requestId: "req-audit-2", before: { revokedAt: null } });
    expect(revoke.after.revokedAt).not.toBeNull();
    expect(JSON.stringify(res.json())).not.toMatch(/bgk_[0-9a-f]{16}_/);
  });

  it("a change that fails writes no audit event (same transaction)", async () => {
    const victim = await t.services.apiKeys.createAsSystem({ name: "once", role: "viewer" });
    await t.services.apiKeys.revoke(
      { principal: { kind: "system", id: "s", name: "s", roles: ["admin"], groups: [] } },
      victim.apiKey.id,
    );
    const again = await t.app.inject({
      method: "POST",
      url: `/v1/api-keys/${victim.apiKey.id}/revoke`,
      headers: { authorization: admin },
    });
    expect(again.statusCode).toBe(409);
    const events = (await list(`?targetId=${victim.apiKey.id}&action=api_key.revoke`)).json().items;
    expect(events).toHaveLength(1);
  });

  it("is append-only: UPDATE, DELETE and TRUNCATE are refused by the database", async () => {
    const c = t.db.client;
    await expect(c.$executeRawUnsafe(`UPDATE "audit_events" SET "action" = 'x'`)).rejects.toThrow(/append-only/);
    await expect(c.$executeRawUnsafe(`DELETE FROM "audit_events"`)).rejects.toThrow(/append-only/);
    await expect(c.$executeRawUnsafe(`TRUNCATE "audit_events"`)).rejects.toThrow(/append-only/);
  });

  it("pages with a keyset cursor, newest first, without gaps or repeats", async () => {
    for (let i = 0; i < 7; i++) await t.services.apiKeys.createAsSystem({ name: `page-${i}`, role: "viewer" });
    const all = (await list("?limit=200")).json().items.map((e: { id: string }) => e.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await list(`?limit=3${cursor ? `&cursor=${cursor}` : ""}`)).json();
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((e: { id: string }) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
    expect(all.map(Number)).toEqual([...all.map(Number)].sort((a, b) => b - a));
  });

  it("filters by action, actor and time window; rejects a bad cursor and an inverted window", async () => {
    const byAction = (await list("?action=api_key.create&limit=200")).json().items;
    expect(byAction.length).toBeGreaterThan(0);
    expect(byAction.every((e: { action: string }) => e.action === "api_key.create")).toBe(true);
    const byActor = (await list("?actorId=system&limit=200")).json().items;
    expect(byActor.every((e: { actorId: string }) => e.actorId === "system")).toBe(true);
    const future = (await list(`?from=${new Date(Date.now() + 60_000).toISOString()}`)).json().items;
    expect(future).toEqual([]);
    const bad = await list("?cursor=bm9wZQ");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe("query.cursor");
    const inverted = await list(`?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`);
    expect(inverted.statusCode).toBe(400);
  });

  it("only admins and auditors may read it", async () => {
    expect((await list("", await t.keyFor("auditor"))).statusCode).toBe(200);
    for (const role of ["viewer", "requester", "approver"] as const) {
      expect((await list("", await t.keyFor(role))).statusCode, role).toBe(403);
    }
  });
});
