// Acceptance of a request no rule lets provisioning apply by itself (issue 18): while its plan waits
// for an admin the request says so (who must act, on which plans) to the requester and approvers,
// the plan is in the admin's queue, an `access_request.awaiting_apply` webhook goes out, and once
// the admin applies and verifies, the grant's time window starts at activation.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccessRequestView } from "../../src/modules/requests/access-request.types.js";
import type { TestApp } from "../helpers/app.js";
import { adminAppliesDevPlans, DEV, E1, fileMistralInDev, sleep, startRequestsApp } from "./helpers.js";

let t: TestApp;
let admin: string;
let requester: string;
let approver: string;
const received: Array<{ type: string; data: Record<string, unknown> }> = [];
const hooks: Server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
    res.writeHead(204).end();
  });
});

beforeAll(async () => {
  t = await startRequestsApp(
    { enforceCatalog: true },
    {
      SECRET_ENCRYPTION_KEY: "awaiting-admin-test-encryption-key-0123456789",
      WEBHOOK_ALLOWED_DESTINATIONS: "127.0.0.1/32",
    },
  );
  admin = await t.keyFor("admin");
  requester = await t.keyFor("requester", "dev-alice");
  approver = await t.keyFor("approver", "lead-bob");
  await new Promise<void>((resolve) => hooks.listen(0, "127.0.0.1", () => resolve()));
}, 120_000);
afterAll(async () => {
  await new Promise<void>((resolve) => hooks.close(() => resolve()));
  await t?.close();
});

async function read(id: string, as = requester): Promise<AccessRequestView> {
  const res = await t.app.inject({ url: `/v1/access-requests/${id}`, headers: { authorization: as } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as AccessRequestView;
}

async function until<T>(get: () => Promise<T> | T, done: (v: T) => boolean, what: string): Promise<T> {
  let last = await get();
  for (let i = 0; i < 900 && !done(last); i++) {
    await sleep(100);
    last = await get();
  }
  if (!done(last)) throw new Error(`never ${what}: ${JSON.stringify(last)}`);
  return last;
}

async function queue(query: string): Promise<string[]> {
  const res = await t.app.inject({ url: `/v1/remediation-plans?${query}`, headers: { authorization: admin } });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { items: Array<{ id: string }> }).items.map((p) => p.id);
}

describe("a request no rule auto-applies", () => {
  it("waits visibly for an admin, is in the admin's queue, notifies, and its window starts at activation", async () => {
    const hook = await t.app.inject({
      method: "POST",
      url: "/v1/webhooks",
      headers: { authorization: admin },
      payload: {
        name: "platform on-call",
        url: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/governor`,
        eventTypes: ["access_request.awaiting_apply"],
      },
    });
    expect(hook.statusCode, hook.body).toBe(201);
    await adminAppliesDevPlans(t, admin);
    const req = await fileMistralInDev(t, requester);
    expect(req.waiting).toBeNull();
    const approved = await t.app.inject({
      method: "POST",
      url: `/v1/access-requests/${req.id}/approve`,
      headers: { authorization: approver, "if-match": `"${req.version}"` },
      payload: {},
    });
    expect(approved.statusCode, approved.body).toBe(200);

    // The waiting state, named for the requester and for the approvers.
    const waiting = await until(
      () => read(req.id),
      (r) => r.waiting !== null || r.status === "failed",
      "waiting",
    );
    const plan = waiting.plans.find((p) => p.purpose === "grant" && p.changes > 0);
    expect(plan).toMatchObject({ applied: false });
    expect(waiting).toMatchObject({
      status: "provisioning",
      activatedAt: null,
      activeUntil: null,
      waiting: {
        for: "admin",
        action: "apply remediation plan",
        plans: [{ planId: plan?.planId, accountId: DEV, region: E1, changes: plan?.changes }],
      },
    });
    expect((await read(req.id, approver)).waiting).toEqual(waiting.waiting);
    const audited = await t.db.client.auditEvent.findFirst({
      where: { action: "access_request.await_apply", targetId: req.id },
    });
    expect(audited?.after).toMatchObject({ requestId: req.id, waiting: { for: "admin" } });

    // The admin's queue.
    expect(await queue("pending=true")).toContain(plan?.planId);
    expect(await queue("status=planned")).toContain(plan?.planId);
    expect(await queue("status=applied")).not.toContain(plan?.planId);
    const bad = await t.app.inject({
      url: "/v1/remediation-plans?pending=true&status=applied",
      headers: { authorization: admin },
    });
    expect(bad.statusCode, bad.body).toBe(400);

    // The webhook.
    const event = await until(
      () => received.find((e) => e.type === "access_request.awaiting_apply"),
      (e) => e !== undefined,
      "notified",
    );
    expect(event?.data).toMatchObject({
      requestId: req.id,
      waiting: { for: "admin", plans: [{ planId: plan?.planId }] },
    });

    // The admin applies and verifies: the request stops waiting, becomes active, and its
    // window starts then.
    await sleep(1_100);
    const applied = await t.app.inject({
      method: "POST",
      url: `/v1/remediation-plans/${plan?.planId}/apply`,
      headers: { authorization: admin },
      payload: {},
    });
    expect(applied.statusCode, applied.body).toBe(200);
    expect(await queue("pending=true")).not.toContain(plan?.planId);
    const verify = await t.app.inject({
      method: "POST",
      url: `/v1/access-requests/${req.id}/verify`,
      headers: { authorization: admin },
    });
    expect(verify.statusCode, verify.body).toBe(202);
    const active = await until(
      () => read(req.id),
      (r) => r.status === "active" || r.status === "failed",
      "active",
    );
    expect(active.failure).toBeNull();
    expect(active.status).toBe("active");
    expect(active.waiting).toBeNull();
    const activatedAt = Date.parse(active.activatedAt as string);
    expect(activatedAt).toBeGreaterThan(Date.parse(waiting.waiting?.since as string) + 1_000);
    expect(Date.parse(active.activeUntil as string)).toBe(activatedAt + 24 * 3_600_000);
    for (const g of active.grants) expect(g.expiresAt).toBe(active.activeUntil);
    expect(await t.db.client.auditEvent.count({ where: { action: "access_request.resume", targetId: req.id } })).toBe(
      1,
    );
  }, 180_000);
});
