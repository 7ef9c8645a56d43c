// The access-request API on the fixture organization and real PostgreSQL: every kind of bad input
// is a 4xx naming the problem and writes nothing; already-allowed, duplicate and Idempotency-Key
// answers; separation of duties; two concurrent approvals give exactly one decision; approval
// rules (two approvals, auto-approval); visibility by role; illegal transitions; pending expiry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccessRequestView } from "../../src/modules/requests/access-request.types.js";
import type { TestApp } from "../helpers/app.js";
import { DEV, E1, LLAMA, LLAMA_US, MISTRAL, NOVA, PROD, PROD_OU, RETIRED, startRequestsApp, W1 } from "./helpers.js";

let t: TestApp;
let admin: string;
let requester: string;
let requester2: string;
let approver1: string;
let approver2: string;
let auditor: string;
let viewer: string;

beforeAll(async () => {
  t = await startRequestsApp({ enforceCatalog: false });
  [admin, requester, requester2, approver1, approver2, auditor, viewer] = await Promise.all([
    t.keyFor("admin", "platform-admin"),
    t.keyFor("requester", "dev-alice"),
    t.keyFor("requester", "dev-carol"),
    t.keyFor("approver", "lead-bob"),
    t.keyFor("approver", "lead-dan"),
    t.keyFor("auditor", "audit-eve"),
    t.keyFor("viewer", "viewer-fay"),
  ]);
}, 120_000);
afterAll(async () => t?.close());

const body = (over: Record<string, unknown> = {}) => ({
  accountIds: [DEV],
  regions: [E1],
  model: MISTRAL,
  purpose: "summarising support tickets",
  dataClassification: "internal",
  durationHours: 24,
  ...over,
});

const file = (key: string, payload: object, headers: Record<string, string> = {}) =>
  t.app.inject({ method: "POST", url: "/v1/access-requests", headers: { authorization: key, ...headers }, payload });

const decide = (key: string, id: string, verb: string, version: number | undefined, payload: object = {}) =>
  t.app.inject({
    method: "POST",
    url: `/v1/access-requests/${id}/${verb}`,
    headers: { authorization: key, ...(version !== undefined ? { "if-match": `"${version}"` } : {}) },
    payload,
  });

async function counts() {
  const [requests, decisions, keys, audit] = await Promise.all([
    t.db.client.accessRequest.count(),
    t.db.client.accessDecision.count(),
    t.db.client.idempotencyKey.count(),
    t.db.client.auditEvent.count({ where: { action: { startsWith: "access_request." } } }),
  ]);
  return { requests, decisions, keys, audit };
}

async function created(key: string, payload: object): Promise<AccessRequestView> {
  const res = await file(key, payload);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as AccessRequestView;
}

describe("filing: bad input is refused naming the problem, and nothing is written", () => {
  const cases: Array<[string, Record<string, unknown>, number, string, string?]> = [
    ["unknown account", { accountIds: ["999999999999"] }, 422, "body.accountIds[0]", "UNKNOWN_ACCOUNT"],
    ["suspended account", { accountIds: [DEV, RETIRED] }, 422, "body.accountIds[1]", "ACCOUNT_NOT_ACTIVE"],
    ["account listed twice", { accountIds: [DEV, DEV] }, 422, "body.accountIds[1]", "DUPLICATE_VALUE"],
    ["unknown Region", { regions: [E1, "ap-south-2"] }, 422, "body.regions[1]", "UNKNOWN_REGION"],
    ["unknown model", { model: "acme.nothing-v1:0" }, 422, "body.model", "UNKNOWN_MODEL"],
    ["model not offered in the Region", { regions: [W1] }, 422, "body.regions[0]", "MODEL_NOT_OFFERED"],
    // Pre-flight: the engine on the inventory finds the call closed at a gate no approval opens.
    ["model past its end of life", { model: "amazon.titan-text-lite-v1" }, 422, "body.regions[0]", "MODEL_UNREACHABLE"],
    ["duration beyond the maximum", { durationHours: 87_000 }, 422, "body.durationHours", "DURATION_TOO_LONG"],
    ["malformed account id", { accountIds: ["12345"] }, 400, "accountIds"],
    ["missing purpose", { purpose: undefined }, 400, "purpose"],
    ["unknown field", { reviewer: "me" }, 400, "reviewer"],
    ["zero duration", { durationHours: 0 }, 400, "durationHours"],
    ["unknown classification", { dataClassification: "secret" }, 400, "dataClassification"],
  ];
  for (const [name, over, status, field, code] of cases) {
    it(`${name} → ${status}${code ? ` ${code}` : ""}`, async () => {
      const before = await counts();
      const res = await file(requester, body(over), { "idempotency-key": `bad-${name.replace(/\W+/g, "-")}` });
      expect(res.statusCode, res.body).toBe(status);
      expect(res.headers["content-type"]).toContain("application/problem+json");
      const problem = res.json() as { code: string; errors?: Array<{ field: string }> };
      if (code) expect(problem.code).toBe(code);
      expect(JSON.stringify(problem.errors ?? [])).toContain(field);
      expect(await counts()).toEqual(before);
    });
  }

  it("a model not offered in the Region lists where it is offered", async () => {
    const res = await file(requester, body({ regions: [W1] }));
    expect(res.json()).toMatchObject({ code: "MODEL_NOT_OFFERED", offeredIn: [E1] });
    const llama = await file(requester, body({ model: LLAMA_US, regions: [W1] }));
    expect(llama.statusCode).toBe(422);
    expect((llama.json() as { profiles: Array<{ profileId: string }> }).profiles.map((p) => p.profileId)).toEqual([
      LLAMA_US,
    ]);
  });

  it("what the catalog already allows is answered with the entry, and no request is created", async () => {
    const before = await counts();
    const res = await file(requester, body({ model: NOVA, regions: [E1, W1] }));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      alreadyAllowed: true,
      entries: [{ id: "nova", scope: { kind: "organization" } }],
    });
    expect(await counts()).toEqual(before);
  });

  it("viewers cannot file", async () => {
    expect((await file(viewer, body())).statusCode).toBe(403);
  });
});

describe("Idempotency-Key and duplicates", () => {
  it("a repeat with the same key returns the first result; another body with it is 422", async () => {
    const first = await file(requester, body(), { "idempotency-key": "ticket-4711" });
    expect(first.statusCode, first.body).toBe(201);
    const again = await file(requester, body(), { "idempotency-key": "ticket-4711" });
    expect(again.statusCode).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect((again.json() as AccessRequestView).id).toBe((first.json() as AccessRequestView).id);
    const before = await counts();
    const other = await file(requester, body({ durationHours: 48 }), { "idempotency-key": "ticket-4711" });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
    expect(await counts()).toEqual(before);
  });

  it("a duplicate of a pending request is 409 pointing at it", async () => {
    const existing = (await t.db.client.accessRequest.findFirst({ where: { status: "pending", target: MISTRAL } }))?.id;
    const dup = await file(requester, body({ purpose: "the same thing, asked again" }));
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: "DUPLICATE_REQUEST", existingRequestId: existing });
  });
});

describe("decisions", () => {
  it("nobody approves their own request, admins included (403)", async () => {
    for (const key of [approver1, admin]) {
      const own = await created(key, body({ model: LLAMA, purpose: "my own experiment, approved by me?" }));
      const res = await decide(key, own.id, "approve", own.version);
      expect(res.statusCode, res.body).toBe(403);
      expect(
        (await t.app.inject({ url: `/v1/access-requests/${own.id}`, headers: { authorization: key } })).json(),
      ).toMatchObject({ status: "pending", approvals: 0, decisions: [] });
    }
  });

  it("decisions need If-Match: missing is 400, stale is 412", async () => {
    const req = await created(requester2, body({ model: LLAMA }));
    expect((await decide(approver1, req.id, "approve", undefined)).statusCode).toBe(400);
    const stale = await decide(approver1, req.id, "approve", req.version + 5);
    expect(stale.statusCode).toBe(412);
    const rejected = await decide(approver1, req.id, "reject", req.version, { comment: "use Nova" });
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(rejected.json()).toMatchObject({
      status: "rejected",
      decisions: [{ decision: "reject", comment: "use Nova" }],
    });
    // Deciding a rejected request again is an illegal transition.
    const late = await decide(approver2, req.id, "approve", (rejected.json() as AccessRequestView).version);
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: "ILLEGAL_TRANSITION" });
  });

  it("two concurrent approvals of a single-approval request yield exactly one decision", async () => {
    const req = await created(requester2, body({ model: MISTRAL, purpose: "race to approve this one" }));
    expect(req.requiredApprovals).toBe(1);
    const results = await Promise.all([
      decide(approver1, req.id, "approve", req.version),
      decide(approver2, req.id, "approve", req.version),
    ]);
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses[0]).toBe(200);
    expect([409, 412]).toContain(statuses[1]);
    const decisions = await t.db.client.accessDecision.findMany({ where: { requestId: req.id } });
    expect(decisions).toHaveLength(1);
    const approvals = await t.db.client.auditEvent.count({
      where: { action: "access_request.approve", targetId: req.id },
    });
    expect(approvals).toBe(1);
  });

  it("a rule asks two approvals for confidential data in prod; the same approver cannot count twice", async () => {
    const rule = await t.app.inject({
      method: "POST",
      url: "/v1/approval-rules",
      headers: { authorization: admin },
      payload: {
        name: "prod confidential: two approvers",
        scope: { kind: "ou", id: PROD_OU },
        dataClassifications: ["confidential", "restricted"],
        approverRole: "approver",
        requiredApprovals: 2,
      },
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const req = await created(requester, body({ accountIds: [PROD], dataClassification: "confidential" }));
    expect(req).toMatchObject({ requiredApprovals: 2, ruleId: (rule.json() as { id: string }).id });
    const first = await decide(approver1, req.id, "approve", req.version, { comment: "ok from me" });
    expect(first.json()).toMatchObject({ status: "pending", approvals: 1 });
    const v2 = (first.json() as AccessRequestView).version;
    expect((await decide(approver1, req.id, "approve", v2)).json()).toMatchObject({ code: "ALREADY_DECIDED" });
    expect((await decide(approver2, req.id, "approve", req.version)).statusCode).toBe(412);
    const second = await decide(approver2, req.id, "approve", v2);
    expect(second.json()).toMatchObject({ status: "approved", approvals: 2 });
    const audit = await t.db.client.auditEvent.findMany({
      where: { action: "access_request.approve", targetId: req.id },
      orderBy: { id: "asc" },
    });
    expect(audit.map((a) => (a.after as { approvals: number }).approvals)).toEqual([1, 2]);
    expect(audit.map((a) => (a.after as { requiredApprovals: number }).requiredApprovals)).toEqual([2, 2]);
  });

  it("an auto-approval rule approves low-risk combinations by itself, citing the rule", async () => {
    const rule = await t.app.inject({
      method: "POST",
      url: "/v1/approval-rules",
      headers: { authorization: admin },
      payload: {
        name: "public data on Meta models: automatic",
        scope: { kind: "organization" },
        providerPattern: "meta",
        dataClassifications: ["public"],
        approverRole: "approver",
        requiredApprovals: 1,
        autoApprove: true,
      },
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const req = await created(requester2, body({ model: LLAMA_US, dataClassification: "public" }));
    expect(req.status).toBe("approved");
    expect(req.profileId).toBe(LLAMA_US);
    const audit = await t.db.client.auditEvent.findFirst({
      where: { action: "access_request.approve", targetId: req.id },
    });
    expect(audit?.actorId).toBe("system");
    expect(audit?.after).toMatchObject({ decision: "approve", cause: { ruleId: (rule.json() as { id: string }).id } });
  });

  it("approval rules are validated and audited; non-admins cannot write them", async () => {
    const bad = await t.app.inject({
      method: "POST",
      url: "/v1/approval-rules",
      headers: { authorization: admin },
      payload: {
        name: "x",
        scope: { kind: "ou", id: "ou-zzzz-nothere0" },
        approverRole: "approver",
        requiredApprovals: 1,
      },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: "UNKNOWN_SCOPE", errors: [{ field: "body.scope.id" }] });
    const rulesBefore = await t.db.client.approvalRule.count();
    for (const [scope, field] of [
      [{ kind: "ou" }, "body.scope.id"],
      [{ kind: "ou", id: PROD }, "body.scope.id"],
      [{ kind: "account", id: "12" }, "body.scope.id"],
      [{ kind: "account", id: PROD, region: E1 }, "body.scope.region"],
      [{ kind: "organization", id: PROD_OU }, "body.scope.id"],
      [{ kind: "galaxy" }, "body.scope.kind"],
      [{ ou: PROD_OU }, "body.scope.kind"],
    ] as const) {
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/approval-rules",
        headers: { authorization: admin },
        payload: { name: "x", scope, approverRole: "approver", requiredApprovals: 1 },
      });
      expect(res.statusCode, JSON.stringify(scope)).toBe(400);
      expect(res.json().errors[0].field, JSON.stringify(scope)).toBe(field);
    }
    expect(await t.db.client.approvalRule.count()).toBe(rulesBefore);
    const nobody = await t.app.inject({
      method: "POST",
      url: "/v1/approval-rules",
      headers: { authorization: admin },
      payload: { name: "x", scope: { kind: "organization" }, requiredApprovals: 1 },
    });
    expect(nobody.json()).toMatchObject({ code: "NO_APPROVER" });
    const denied = await t.app.inject({
      method: "POST",
      url: "/v1/approval-rules",
      headers: { authorization: approver1 },
      payload: { name: "x", scope: { kind: "organization" }, approverRole: "approver", requiredApprovals: 1 },
    });
    expect(denied.statusCode).toBe(403);
    const listed = await t.app.inject({ url: "/v1/approval-rules", headers: { authorization: auditor } });
    const rules = (listed.json() as { items: Array<{ id: string; version: number; name: string }> }).items;
    const target = rules[0] as { id: string; version: number; name: string };
    const updated = await t.app.inject({
      method: "PUT",
      url: `/v1/approval-rules/${target.id}`,
      headers: { authorization: admin, "if-match": `"${target.version + 1}"` },
      payload: { name: "renamed", scope: { kind: "organization" }, approverRole: "approver", requiredApprovals: 1 },
    });
    expect(updated.statusCode).toBe(412);
    const badPut = await t.app.inject({
      method: "PUT",
      url: `/v1/approval-rules/${target.id}`,
      headers: { authorization: admin, "if-match": `"${target.version}"` },
      payload: { name: "renamed", scope: { kind: "ou", id: PROD }, approverRole: "approver", requiredApprovals: 1 },
    });
    expect(badPut.statusCode).toBe(400);
    expect(badPut.json()).toMatchObject({ errors: [{ field: "body.scope.id" }] });
    const actions = await t.db.client.auditEvent.groupBy({
      by: ["action"],
      where: { action: { startsWith: "approval_rule." } },
      _count: true,
    });
    expect(actions).toEqual([{ action: "approval_rule.create", _count: 2 }]);
  });
});

describe("visibility and transitions", () => {
  it("requesters see only their own; approvers what they may decide; auditors everything", async () => {
    const list = async (key: string) => {
      const res = await t.app.inject({ url: "/v1/access-requests?limit=200", headers: { authorization: key } });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { items: AccessRequestView[] }).items;
    };
    const all = await t.db.client.accessRequest.findMany({ select: { id: true, requesterId: true } });
    const mine = await list(requester);
    expect(mine.length).toBeGreaterThan(0);
    const aliceId = mine[0]?.requesterId;
    expect(mine.every((r) => r.requesterId === aliceId)).toBe(true);
    expect(mine).toHaveLength(all.filter((r) => r.requesterId === aliceId).length);
    const carols = await list(requester2);
    expect(carols.some((r) => r.requesterId === aliceId)).toBe(false);
    const someoneElses = mine[0] as AccessRequestView;
    expect(
      (await t.app.inject({ url: `/v1/access-requests/${someoneElses.id}`, headers: { authorization: requester2 } }))
        .statusCode,
    ).toBe(404);
    expect(await list(approver1)).toHaveLength(all.length);
    expect(await list(auditor)).toHaveLength(all.length);
    expect((await t.app.inject({ url: "/v1/access-requests", headers: { authorization: viewer } })).statusCode).toBe(
      403,
    );
    // Pages are keyset-paginated without gaps or repeats.
    const page1 = await t.app.inject({ url: "/v1/access-requests?limit=2", headers: { authorization: auditor } });
    const { items, nextCursor } = page1.json() as { items: AccessRequestView[]; nextCursor: string };
    const page2 = await t.app.inject({
      url: `/v1/access-requests?limit=200&cursor=${nextCursor}`,
      headers: { authorization: auditor },
    });
    const ids = [...items, ...(page2.json() as { items: AccessRequestView[] }).items].map((r) => r.id);
    expect(new Set(ids).size).toBe(all.length);
  });

  it("only the requester cancels, only while pending; other moves are 409", async () => {
    const req = await created(requester, body({ model: LLAMA, purpose: "will be withdrawn shortly" }));
    const other = await t.app.inject({
      method: "POST",
      url: `/v1/access-requests/${req.id}/cancel`,
      headers: { authorization: approver1 },
      payload: {},
    });
    expect(other.statusCode).toBe(403);
    const cancel = await t.app.inject({
      method: "POST",
      url: `/v1/access-requests/${req.id}/cancel`,
      headers: { authorization: requester, "if-match": `"${req.version}"` },
      payload: { comment: "not needed any more" },
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(cancel.json()).toMatchObject({ status: "cancelled" });
    const again = await t.app.inject({
      method: "POST",
      url: `/v1/access-requests/${req.id}/cancel`,
      headers: { authorization: requester },
      payload: {},
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: "ILLEGAL_TRANSITION" });
    const revoke = await t.app.inject({
      method: "POST",
      url: `/v1/access-requests/${req.id}/revoke`,
      headers: { authorization: admin },
      payload: { comment: "nothing to revoke" },
    });
    expect(revoke.statusCode).toBe(409);
    const audit = await t.db.client.auditEvent.findFirst({
      where: { action: "access_request.cancel", targetId: req.id },
    });
    expect(audit?.after).toMatchObject({
      requestId: req.id,
      comment: "not needed any more",
      requesterId: req.requesterId,
    });
  });

  it("pending requests not decided in time expire", async () => {
    const req = await created(requester2, body({ model: LLAMA, purpose: "nobody will look at this one" }));
    const swept = await t.services.provisioning.sweep(new Date(Date.parse(req.pendingUntil) + 1000));
    expect(swept.expired).toContain(req.id);
    const after = await t.app.inject({ url: `/v1/access-requests/${req.id}`, headers: { authorization: requester2 } });
    expect(after.json()).toMatchObject({ status: "expired" });
    const audit = await t.db.client.auditEvent.findFirst({
      where: { action: "access_request.expire", targetId: req.id },
    });
    expect(audit?.actorId).toBe("system");
  });
});
