// Acceptance on the sandbox and real PostgreSQL: a model blocked by bedrock-governor's catalog SCP
// is requested, approved, provisioned (grant + remediation plan applied + re-sync) and verified
// active — the account can then invoke it and the inventory shows it; when the grant expires the
// sweep ends it, the reversal is applied, and the sandbox blocks the model again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import type { AccessRequestView } from "../../src/modules/requests/access-request.types.js";
import type { TestApp } from "../helpers/app.js";
import { requestReport } from "../helpers/reports.js";
import { unzip } from "../helpers/zip.js";
import {
  adminAppliesDevPlans,
  DEV,
  E1,
  fileMistralInDev,
  MISTRAL,
  sleep,
  startRequestsApp,
  system,
  WORKLOADS_OU,
} from "./helpers.js";

let t: TestApp;
let admin: string;
let requester: string;
let approver: string;

beforeAll(async () => {
  t = await startRequestsApp({ enforceCatalog: true });
  admin = await t.keyFor("admin");
  requester = await t.keyFor("requester", "dev-alice");
  approver = await t.keyFor("approver", "lead-bob");
}, 120_000);
afterAll(async () => t?.close());

const converse = () => t.services.aws.account(DEV).runtime(E1).converse(MISTRAL, "hello");

async function deniedReason(): Promise<string | undefined> {
  try {
    await converse();
    return undefined;
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

async function read(id: string): Promise<AccessRequestView> {
  const res = await t.app.inject({ url: `/v1/access-requests/${id}`, headers: { authorization: requester } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as AccessRequestView;
}

async function waitFor(id: string, done: (r: AccessRequestView) => boolean, what: string): Promise<AccessRequestView> {
  let last = await read(id);
  for (let i = 0; i < 900 && !done(last); i++) {
    await sleep(100);
    last = await read(id);
  }
  if (!done(last)) {
    // What went wrong in the workers (failed jobs) explains a stuck request.
    const problems = t.logs.json().filter((l) => l.level !== "info" && l.level !== 30);
    throw new Error(`request never reached ${what}: ${JSON.stringify(last)}; ${JSON.stringify(problems.slice(-5))}`);
  }
  return last;
}

describe("from filing to active, and back at expiry", () => {
  let id: string;

  it("the catalog's SCP blocks Mistral for the dev account before any request", async () => {
    expect(await deniedReason()).toMatch(/explicit deny in a service control policy/);
  });

  it("files, approves (not the requester), provisions, verifies: active, and the sandbox lets the account invoke it", async () => {
    const rule = await t.app.inject({
      method: "POST",
      url: "/v1/approval-rules",
      headers: { authorization: admin },
      payload: {
        name: "workloads: Mistral by one approver, applied automatically",
        scope: { kind: "ou", id: WORKLOADS_OU },
        providerPattern: "mistral*",
        approverRole: "approver",
        requiredApprovals: 1,
        autoApply: true,
      },
    });
    expect(rule.statusCode, rule.body).toBe(201);

    const filed = await t.app.inject({
      method: "POST",
      url: "/v1/access-requests",
      headers: { authorization: requester },
      payload: {
        accountIds: [DEV],
        regions: [E1],
        model: MISTRAL,
        purpose: "summarising support tickets",
        dataClassification: "internal",
        durationHours: 4,
      },
    });
    expect(filed.statusCode, filed.body).toBe(201);
    const created = filed.json() as AccessRequestView;
    id = created.id;
    expect(created).toMatchObject({ status: "pending", requiredApprovals: 1, autoApply: true, provider: "Mistral AI" });
    expect(created.ruleId).toBe((rule.json() as { id: string }).id);

    // A requester holds no approver role: deciding is refused before the request is even read.
    const own = await t.app.inject({
      method: "POST",
      url: `/v1/access-requests/${id}/approve`,
      headers: { authorization: requester, "if-match": `"${created.version}"` },
      payload: {},
    });
    expect(own.statusCode).toBe(403);

    const approved = await t.app.inject({
      method: "POST",
      url: `/v1/access-requests/${id}/approve`,
      headers: { authorization: approver, "if-match": `"${created.version}"` },
      payload: { comment: "fine for internal data" },
    });
    expect(approved.statusCode, approved.body).toBe(200);
    expect((approved.json() as AccessRequestView).status).toBe("approved");

    const active = await waitFor(id, (r) => r.status === "active" || r.status === "failed", "active");
    expect(active.failure, JSON.stringify(active.failure)).toBeNull();
    expect(active.status).toBe("active");
    expect(active.grants).toHaveLength(1);
    expect(active.grants[0]).toMatchObject({ accountId: DEV, region: E1, modelId: MISTRAL, status: "active" });
    expect(active.plans.filter((p) => p.purpose === "grant" && p.applied)).not.toHaveLength(0);

    // The sandbox now lets the account invoke the model.
    const reply = await converse();
    expect(reply.reply.length).toBeGreaterThan(0);

    // The inventory shows it, and reconciliation sees it approved and usable.
    const matrix = await t.app.inject({
      url: `/v1/accounts/${DEV}/regions/${E1}/models?limit=200`,
      headers: { authorization: requester },
    });
    expect(matrix.statusCode, matrix.body).toBe(200);
    const row = (matrix.json() as { items: Array<{ modelId: string; access: string }> }).items.find(
      (m) => m.modelId === MISTRAL,
    );
    expect(row?.access).toBe("available");
    const blocked = await t.services.reconcile.list(
      system,
      { status: "open", type: "APPROVED_MODEL_BLOCKED", accountId: DEV, modelId: MISTRAL },
      { limit: 10 },
    );
    expect(blocked.items).toEqual([]);
    const unapproved = await t.services.reconcile.list(
      system,
      { status: "open", type: "UNAPPROVED_MODEL_ACCESSIBLE", accountId: DEV, modelId: MISTRAL },
      { limit: 10 },
    );
    expect(unapproved.items).toEqual([]);
    // The access doctor sees the model approved through the grant, with the active request.
    const report = await t.services.doctor.diagnose(system, { accountId: DEV, region: E1, model: MISTRAL });
    expect(report.governance).toMatchObject({ approved: true, requests: [{ id, status: "active" }] });
  }, 120_000);

  it("the audit log tells who asked, who approved, and which request the system acted for", async () => {
    const events = await t.app.inject({
      url: `/v1/audit-events?targetId=${id}&limit=50`,
      headers: { authorization: admin },
    });
    const items = (
      events.json() as { items: Array<{ action: string; actorId: string; after: Record<string, unknown> }> }
    ).items;
    const actions = items.map((e) => e.action).reverse();
    expect(actions).toEqual([
      "access_request.create",
      "access_request.approve",
      "access_request.provision",
      "access_request.activate",
    ]);
    const approve = items.find((e) => e.action === "access_request.approve");
    expect(approve?.after).toMatchObject({
      requestId: id,
      accountIds: [DEV],
      regions: [E1],
      model: MISTRAL,
      decision: "approve",
      approvals: 1,
      requiredApprovals: 1,
      comment: "fine for internal data",
    });
    const provision = items.find((e) => e.action === "access_request.provision");
    expect(provision?.actorId).toBe("system");
    expect(
      (provision?.after.cause as { approvals: Array<{ approverId: string }> } | undefined)?.approvals,
    ).toHaveLength(1);
    // Remediation done for the request carries its id as the audit request id.
    const remediation = await t.app.inject({
      url: `/v1/audit-events?requestId=${encodeURIComponent(`access_request:${id}`)}&limit=50`,
      headers: { authorization: admin },
    });
    const remActions = (remediation.json() as { items: Array<{ action: string }> }).items.map((e) => e.action);
    expect(remActions).toContain("remediation.apply");
    expect(remActions).toContain("grant.create");
  });

  it("the compliance report lists the request with its requester and approver (separation of duties)", async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const { meta, data: zip } = await requestReport(t, admin, {
      from,
      to,
      format: "csv",
      scope: { kind: "organization" },
    });
    expect(meta.status).toBe("ready");
    // A CSV report is a ZIP with one CSV per section: the decisions are in access_requests.csv.
    const csv = (await unzip(zip)).find((f) => f.path === "access_requests.csv")?.bytes.toString("utf8") ?? "";
    const approveRow = csv.split("\n").find((l) => l.includes("access_request.approve") && l.includes(id));
    expect(approveRow, csv.slice(0, 2000)).toBeDefined();
    const me = async (key: string) =>
      ((await t.app.inject({ url: "/v1/me", headers: { authorization: key } })).json() as { id: string }).id;
    expect(approveRow).toContain(DEV);
    expect(approveRow).toContain(MISTRAL);
    expect(approveRow).toContain(await me(requester));
    expect(approveRow).toContain(await me(approver));
    expect(approveRow?.trim().endsWith("false") || approveRow?.includes(",false,")).toBe(true);
  });

  it("applying the catalog YAML leaves grants alone: they are not catalog entries", async () => {
    const applied = await t.services.catalog.apply(
      system,
      parseCatalogDocument(`entries:
  - { id: nova, model: amazon.nova-pro-v1:0, scope: organization, owner: platform, justification: default model }
`),
      "re-apply the same document",
    );
    expect(applied).toMatchObject({ create: [], delete: [], unchanged: 1 });
    expect((await t.services.catalog.entries()).map((e) => e.id)).toEqual(["nova"]);
    expect(await t.db.client.accessGrant.count({ where: { requestId: id, status: "active" } })).toBe(1);
    expect((await converse()).reply.length).toBeGreaterThan(0);
  });

  it("at expiry the sweep ends the grant, applies the reversal, and the sandbox blocks the model again", async () => {
    const before = await read(id);
    const later = new Date(Date.parse(before.activeUntil as string) + 60_000);
    const swept = await t.services.provisioning.sweep(later);
    expect(swept.ended).toEqual([id]);
    const ended = await waitFor(
      id,
      (r) => r.status === "ended" && r.plans.some((p) => p.purpose === "reversal" && p.applied),
      "ended with the reversal applied",
    );
    expect(ended.grants[0]).toMatchObject({ status: "ended", endReason: "expired" });
    expect(await deniedReason()).toMatch(/explicit deny in a service control policy/);
    // Desired state no longer holds the grant.
    const entries = await t.services.catalog.entries();
    expect(entries.map((e) => e.id)).toEqual(["nova"]);
    const grantEvents = await t.app.inject({
      url: "/v1/audit-events?action=grant.end&limit=5",
      headers: { authorization: admin },
    });
    expect((grantEvents.json() as { items: Array<{ after: { requestId: string } }> }).items[0]?.after.requestId).toBe(
      id,
    );
  }, 120_000);

  it("an admin revokes active access at once: grant ended, reversal applied, blocked again", async () => {
    const filed = await t.app.inject({
      method: "POST",
      url: "/v1/access-requests",
      headers: { authorization: requester },
      payload: {
        accountIds: [DEV],
        regions: [E1],
        model: MISTRAL,
        purpose: "one more week of ticket summaries",
        dataClassification: "internal",
        durationHours: 168,
      },
    });
    expect(filed.statusCode, filed.body).toBe(201);
    const again = filed.json() as AccessRequestView;
    const approved = await t.app.inject({
      method: "POST",
      url: `/v1/access-requests/${again.id}/approve`,
      headers: { authorization: approver, "if-match": `"${again.version}"` },
      payload: {},
    });
    expect(approved.statusCode, approved.body).toBe(200);
    await waitFor(again.id, (r) => r.status === "active", "active");
    expect((await converse()).reply.length).toBeGreaterThan(0);
    const notAdmin = await t.app.inject({
      method: "POST",
      url: `/v1/access-requests/${again.id}/revoke`,
      headers: { authorization: approver },
      payload: { comment: "incident" },
    });
    expect(notAdmin.statusCode).toBe(403);
    const revoked = await t.app.inject({
      method: "POST",
      url: `/v1/access-requests/${again.id}/revoke`,
      headers: { authorization: admin },
      payload: { comment: "data incident: pausing all Mistral use" },
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json()).toMatchObject({ status: "revoked" });
    await waitFor(again.id, (r) => r.plans.some((p) => p.purpose === "reversal" && p.applied), "reversal applied");
    expect(await deniedReason()).toMatch(/explicit deny in a service control policy/);
    const audit = await t.db.client.auditEvent.findFirst({
      where: { action: "access_request.revoke", targetId: again.id },
    });
    expect(audit?.after).toMatchObject({ comment: "data incident: pausing all Mistral use", requestId: again.id });
  }, 120_000);

  it("without auto-apply the plan waits for an admin; after applying it, verify makes the request active", async () => {
    await adminAppliesDevPlans(t, admin);
    const req = await fileMistralInDev(t, requester);
    expect(req.autoApply).toBe(false);
    await t.app.inject({
      method: "POST",
      url: `/v1/access-requests/${req.id}/approve`,
      headers: { authorization: approver, "if-match": `"${req.version}"` },
      payload: {},
    });
    const waiting = await waitFor(
      req.id,
      (r) => r.plans.some((p) => p.purpose === "grant" && p.changes > 0) || r.status === "failed",
      "a plan for an admin",
    );
    expect(waiting.status).toBe("provisioning");
    const plan = waiting.plans.find((p) => p.purpose === "grant" && p.changes > 0);
    expect(plan).toMatchObject({ applied: false });
    expect(await deniedReason()).toMatch(/explicit deny in a service control policy/);

    const applied = await t.app.inject({
      method: "POST",
      url: `/v1/remediation-plans/${plan?.planId}/apply`,
      headers: { authorization: admin },
      payload: {},
    });
    expect(applied.statusCode, applied.body).toBe(200);
    const verify = await t.app.inject({
      method: "POST",
      url: `/v1/access-requests/${req.id}/verify`,
      headers: { authorization: admin },
    });
    expect(verify.statusCode, verify.body).toBe(202);
    const active = await waitFor(req.id, (r) => r.status === "active" || r.status === "failed", "active");
    expect(active.failure).toBeNull();
    expect((await converse()).reply.length).toBeGreaterThan(0);
  }, 120_000);
});
