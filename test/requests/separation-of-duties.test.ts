// Separation of duties is between people, not credentials: an API key acts for its owner (or, as
// a service key, for nobody and never decides); OIDC users and their keys are the same person.
// Also: who sees which requests, and concurrent creates sharing one Idempotency-Key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccessRequestView } from "../../src/modules/requests/access-request.types.js";
import type { TestApp } from "../helpers/app.js";
import { type JwksServer, startJwksServer } from "../helpers/jwks-server.js";
import { DEV, E1, LLAMA, MISTRAL, PROD, PROD_OU, startRequestsApp } from "./helpers.js";

let t: TestApp;
let idp: JwksServer;
let ops: string;
let alice: string;
let carol: string;
let lead: string;

const user = async (sub: string, groups: string[]) =>
  `Bearer ${await idp.sign({ sub, email: `${sub}@example.com`, groups }, { expiresIn: "30m" })}`;

beforeAll(async () => {
  idp = await startJwksServer();
  t = await startRequestsApp(
    { enforceCatalog: false },
    {
      OIDC_ISSUER: idp.issuer,
      OIDC_JWKS_URL: idp.jwksUrl,
      OIDC_AUDIENCE: "bedrock-governor",
      OIDC_ROLES_CLAIM: "groups",
      OIDC_GROUP_ROLE_MAP: "platform-team=admin,ml-devs=requester,leads=approver",
    },
  );
  ops = await user("ops", ["platform-team"]);
  alice = await user("alice", ["ml-devs"]);
  carol = await user("carol", ["ml-devs", "ml-reviewers"]);
  lead = await user("lead", ["leads"]);
}, 120_000);
afterAll(async () => {
  await t?.close();
  await idp?.close();
});

const body = (over: Record<string, unknown> = {}) => ({
  accountIds: [DEV],
  regions: [E1],
  model: MISTRAL,
  purpose: "summarising support tickets",
  dataClassification: "internal",
  durationHours: 24,
  ...over,
});

const file = (auth: string, payload: object, headers: Record<string, string> = {}) =>
  t.app.inject({ method: "POST", url: "/v1/access-requests", headers: { authorization: auth, ...headers }, payload });

async function created(auth: string, payload: object): Promise<AccessRequestView> {
  const res = await file(auth, payload);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as AccessRequestView;
}

const decide = (auth: string, req: { id: string; version: number }, verb = "approve") =>
  t.app.inject({
    method: "POST",
    url: `/v1/access-requests/${req.id}/${verb}`,
    headers: { authorization: auth, "if-match": `"${req.version}"` },
    payload: { comment: `${verb} by test` },
  });

async function apiKey(payload: Record<string, unknown>, by = ops) {
  const res = await t.app.inject({ method: "POST", url: "/v1/api-keys", headers: { authorization: by }, payload });
  return res;
}

async function keyOf(payload: Record<string, unknown>, by = ops): Promise<string> {
  const res = await apiKey(payload, by);
  expect(res.statusCode, res.body).toBe(201);
  return `Bearer ${(res.json() as { secret: string }).secret}`;
}

const whoami = async (auth: string) =>
  (await t.app.inject({ url: "/v1/me", headers: { authorization: auth } })).json() as { id: string; person: string };

describe("separation of duties compares people", () => {
  it("a user cannot approve her own request with her own approver key (default owner: its creator)", async () => {
    const req = await created(ops, body({ model: LLAMA, purpose: "ops files, then approves with a key" }));
    const opsKey = await keyOf({ name: "ops-approver", role: "approver" });
    const res = await decide(opsKey, req);
    expect(res.statusCode, res.body).toBe(403);
    expect((await whoami(opsKey)).person).toBe((await whoami(ops)).id);
    expect(res.json()).toMatchObject({ status: 403 });
    const after = await t.app.inject({ url: `/v1/access-requests/${req.id}`, headers: { authorization: ops } });
    expect(after.json()).toMatchObject({ status: "pending", approvals: 0, decisions: [] });
    // The decision is rolled back; the attempt is kept in the audit log (the report counts them).
    const refused = await t.db.client.auditEvent.findMany({
      where: { action: "access_request.self_decision_refused", targetId: req.id },
    });
    expect(refused).toHaveLength(1);
    expect(refused[0]?.actorId).toBe((await whoami(opsKey)).id);
    expect(refused[0]?.after).toMatchObject({ requestId: req.id, decision: "approve", status: "pending" });
  });

  it("an admin names the owner: alice's approver key cannot decide alice's request", async () => {
    const req = await created(alice, body({ purpose: "alice files" }));
    const aliceKey = await keyOf({ name: "alice-approver", role: "approver", owner: "alice" });
    const listed = await t.app.inject({ url: "/v1/api-keys", headers: { authorization: ops } });
    const aliceId = (await whoami(alice)).id;
    expect((listed.json() as { items: Array<{ name: string; owner: string }> }).items).toContainEqual(
      expect.objectContaining({ name: "alice-approver", owner: aliceId, service: false }),
    );
    expect((await decide(aliceKey, req)).statusCode).toBe(403);
    // Someone else may, and the audit record names both persons.
    const ok = await decide(lead, req);
    expect(ok.statusCode, ok.body).toBe(200);
    const audit = await t.db.client.auditEvent.findFirst({
      where: { action: "access_request.approve", targetId: req.id },
    });
    expect(audit?.after).toMatchObject({ requesterPerson: aliceId, approverPerson: (await whoami(lead)).id });
  });

  it("two keys of one person count as one approval on a two-approval rule", async () => {
    const rule = await t.app.inject({
      method: "POST",
      url: "/v1/approval-rules",
      headers: { authorization: ops },
      payload: {
        name: "prod confidential: two approvers",
        scope: { kind: "ou", id: PROD_OU },
        dataClassifications: ["confidential"],
        approverRole: "approver",
        requiredApprovals: 2,
      },
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const [bob1, bob2, dan] = [
      await keyOf({ name: "bob-laptop", role: "approver", owner: "bob" }),
      await keyOf({ name: "bob-ci", role: "approver", owner: "bob" }),
      await keyOf({ name: "dan", role: "approver", owner: "dan" }),
    ];
    const req = await created(alice, body({ accountIds: [PROD], dataClassification: "confidential" }));
    expect(req.requiredApprovals).toBe(2);
    const first = await decide(bob1, req);
    expect(first.json()).toMatchObject({ status: "pending", approvals: 1 });
    const second = await decide(bob2, first.json() as AccessRequestView);
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: "ALREADY_DECIDED" });
    const third = await decide(dan, first.json() as AccessRequestView);
    expect(third.json()).toMatchObject({ status: "approved", approvals: 2 });
  });

  it("a service key acts for nobody: it may file but never approve or reject", async () => {
    const svc = await keyOf({ name: "pipeline", role: "approver", service: true });
    expect(await whoami(svc)).toMatchObject({ person: null });
    const req = await created(carol, body({ accountIds: [PROD], model: LLAMA, purpose: "for the service key to try" }));
    for (const verb of ["approve", "reject"]) expect((await decide(svc, req, verb)).statusCode).toBe(403);
    const both = await apiKey({ name: "confused", role: "approver", service: true, owner: "alice" });
    expect(both.statusCode).toBe(400);
    expect(both.headers["content-type"]).toContain("application/problem+json");
    const keyAsOwner = await apiKey({ name: "chained", role: "approver", owner: (await whoami(svc)).id });
    expect(keyAsOwner.statusCode).toBe(400);
    // Nor can a service key (here an admin one) mint a deciding key with nobody behind it.
    const svcAdmin = await keyOf({ name: "automation-admin", role: "admin", service: true });
    expect((await apiKey({ name: "laundered", role: "approver" }, svcAdmin)).statusCode).toBe(400);
    expect((await apiKey({ name: "owned", role: "approver", owner: "erin" }, svcAdmin)).statusCode).toBe(201);
  });

  it("ids stored before namespacing (a bare subject) still read as that user", async () => {
    const req = await created(alice, body({ model: LLAMA, purpose: "filed before the upgrade" }));
    // As the row would read had alice filed it before principal ids carried their namespace.
    await t.db.client.accessRequest.update({
      where: { id: req.id },
      data: { requesterId: "alice", requesterPerson: "alice" },
    });
    const mine = await t.app.inject({ url: "/v1/access-requests?mine=true", headers: { authorization: alice } });
    expect((mine.json() as { items: AccessRequestView[] }).items.map((r) => r.id)).toContain(req.id);
    const aliceKey = await keyOf({ name: "alice-approver-2", role: "approver", owner: "alice" });
    expect((await decide(aliceKey, req)).statusCode).toBe(403);
  });
});

describe("who sees which request", () => {
  it("a requester in a rule's approver group sees only her own requests; approvers in it see them all", async () => {
    const rule = await t.app.inject({
      method: "POST",
      url: "/v1/approval-rules",
      headers: { authorization: ops },
      payload: {
        name: "restricted data: reviewed by ml-reviewers",
        scope: { kind: "organization" },
        dataClassifications: ["restricted"],
        approverGroup: "ml-reviewers",
        requiredApprovals: 1,
      },
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const req = await created(
      alice,
      body({ accountIds: [PROD], model: LLAMA, dataClassification: "restricted", purpose: "restricted corpus" }),
    );
    expect(req.approverGroup).toBe("ml-reviewers");
    // carol is in ml-reviewers but only a requester: alice's request is none of her business.
    const get = await t.app.inject({ url: `/v1/access-requests/${req.id}`, headers: { authorization: carol } });
    expect(get.statusCode).toBe(404);
    const list = await t.app.inject({ url: "/v1/access-requests?limit=200", headers: { authorization: carol } });
    expect((list.json() as { items: AccessRequestView[] }).items.map((r) => r.id)).not.toContain(req.id);
    const reviewer = await user("rita", ["leads", "ml-reviewers"]);
    const seen = await t.app.inject({ url: `/v1/access-requests/${req.id}`, headers: { authorization: reviewer } });
    expect(seen.statusCode).toBe(200);
  });
});

describe("Idempotency-Key under concurrency", () => {
  it("20 parallel creates with one key and one body all get the one request, replayed", async () => {
    const payload = body({ model: LLAMA, accountIds: [DEV], purpose: "parallel retries of one create" });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => file(carol, payload, { "idempotency-key": "parallel-1" })),
    );
    const statuses = results.map((r) => r.statusCode);
    expect(statuses, results.map((r) => r.body).join("\n")).toEqual(Array(20).fill(201));
    expect(new Set(results.map((r) => (r.json() as AccessRequestView).id)).size).toBe(1);
    expect(results.filter((r) => r.headers["idempotent-replayed"] !== "true")).toHaveLength(1);
  });
});
