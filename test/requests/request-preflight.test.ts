// What an approver and a requester read before and after deciding (issue 18): the engine's
// pre-flight of each account × Region as it would be once approved, a failure that names the SCP
// that blocks it, a bare model id only an inference profile reaches, and requests left waiting
// for an admin reminded and then failed by the sweep.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccessRequestView } from "../../src/modules/requests/access-request.types.js";
import type { TestApp } from "../helpers/app.js";
import { DEV, E1, MISTRAL, PROD, sleep, startRequestsApp, W1 } from "./helpers.js";

const COHERE = "cohere.command-r-plus-v1:0";
const LLAMA_90B = "meta.llama3-2-90b-instruct-v1:0";
const LLAMA_90B_US = "us.meta.llama3-2-90b-instruct-v1:0";
const FOREIGN_SCP = "p-denycohereeu1";

let t: TestApp;
let admin: string;
let requester: string;
let approver: string;

beforeAll(async () => {
  t = await startRequestsApp(
    { enforceCatalog: true },
    {
      SANDBOX_SCENARIO: "test/fixtures/request-preflight-scenario.yaml",
      SECRET_ENCRYPTION_KEY: "request-preflight-test-encryption-key-0123456789",
      WEBHOOK_ALLOWED_DESTINATIONS: "127.0.0.1/32",
    },
  );
  admin = await t.keyFor("admin");
  requester = await t.keyFor("requester", "dev-alice");
  approver = await t.keyFor("approver", "lead-bob");
  const hook = await t.app.inject({
    method: "POST",
    url: "/v1/webhooks",
    headers: { authorization: admin },
    payload: { name: "on-call", url: "http://127.0.0.1:9/governor", eventTypes: ["access_request.awaiting_apply"] },
  });
  expect(hook.statusCode, hook.body).toBe(201);
  for (const [account, autoApply] of [
    [DEV, true],
    [PROD, false],
  ] as const) {
    const rule = await t.app.inject({
      method: "POST",
      url: "/v1/approval-rules",
      headers: { authorization: admin },
      payload: {
        name: `${account}: one approval`,
        scope: { kind: "account", id: account },
        approverRole: "approver",
        requiredApprovals: 1,
        autoApply,
      },
    });
    expect(rule.statusCode, rule.body).toBe(201);
  }
}, 120_000);
afterAll(async () => t?.close());

const body = (over: Record<string, unknown>) => ({
  accountIds: [DEV],
  regions: [E1],
  purpose: "evaluation of summarization quality",
  dataClassification: "internal",
  durationHours: 24,
  ...over,
});

async function file(over: Record<string, unknown>): Promise<AccessRequestView> {
  const res = await t.app.inject({
    method: "POST",
    url: "/v1/access-requests",
    headers: { authorization: requester },
    payload: body(over),
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as AccessRequestView;
}

async function read(id: string, as = approver): Promise<AccessRequestView> {
  const res = await t.app.inject({ url: `/v1/access-requests/${id}`, headers: { authorization: as } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as AccessRequestView;
}

async function approve(req: AccessRequestView) {
  const res = await t.app.inject({
    method: "POST",
    url: `/v1/access-requests/${req.id}/approve`,
    headers: { authorization: approver, "if-match": `"${req.version}"` },
    payload: {},
  });
  expect(res.statusCode, res.body).toBe(200);
}

async function until(id: string, done: (r: AccessRequestView) => boolean, what: string) {
  let last = await read(id);
  for (let i = 0; i < 500 && !done(last); i++) {
    await sleep(100);
    last = await read(id);
  }
  if (!done(last)) throw new Error(`never ${what}: ${JSON.stringify(last)}`);
  return last;
}

describe("the approver's pre-flight", () => {
  let cohere: AccessRequestView;

  it("shows, per account × Region, what approval opens and what it cannot", async () => {
    cohere = await file({ model: COHERE, regions: [E1, W1] });
    const seen = await read(cohere.id);
    const byRegion = new Map((seen.preflight ?? []).map((v) => [v.region, v]));
    expect(seen.preflight).toHaveLength(2);
    // us-east-1: only bedrock-governor's own catalog SCP denies Cohere; provisioning widens it.
    expect(byRegion.get(E1)).toMatchObject({ accountId: DEV, status: "opens_on_approval", gate: null });
    expect(byRegion.get(E1)?.widens.length).toBeGreaterThan(0);
    expect(byRegion.get(E1)?.widens).not.toContain(FOREIGN_SCP);
    // eu-west-1: an SCP nobody's approval changes.
    expect(byRegion.get(W1)).toMatchObject({ status: "blocked", gate: "org_policy", policyId: FOREIGN_SCP });
    expect(byRegion.get(W1)?.sentence).toMatch(
      /^approving this will not be enough: SCP p-denycohereeu1 \(DenyCohereInEurope, attached to ou-req1-workload\) denies the model in eu-west-1/,
    );

    // The list an approver reads carries the same verdicts.
    const list = await t.app.inject({
      url: "/v1/access-requests?status=pending",
      headers: { authorization: approver },
    });
    expect(list.statusCode, list.body).toBe(200);
    const listed = (list.json() as { items: AccessRequestView[] }).items.find((r) => r.id === cohere.id);
    expect(listed?.preflight).toEqual(seen.preflight);
  });

  it("a request that fails names the blocking SCP, where it is attached, and the fix", async () => {
    const europe = await file({ model: COHERE, regions: [W1], purpose: "the same evaluation, in Europe" });
    await approve(await read(europe.id));
    const failed = await until(europe.id, (r) => r.status === "failed" || r.status === "active", "decided");
    expect(failed.status).toBe("failed");
    const gate = failed.failure?.gates.find((g) => g.region === W1);
    expect(gate).toMatchObject({ accountId: DEV, gate: "org_policy", policyId: FOREIGN_SCP });
    expect(gate?.detail).toContain("SCP p-denycohereeu1 (DenyCohereInEurope, attached to ou-req1-workload)");
    expect(failed.failure?.fix).toContain(
      "SCP p-denycohereeu1 (DenyCohereInEurope, attached to ou-req1-workload) still denies the model in 200000000002 eu-west-1",
    );
    // Decided: the pre-flight is no longer computed.
    expect(failed.preflight).toBeNull();
    const audited = await t.db.client.auditEvent.findFirst({
      where: { action: "access_request.fail", targetId: europe.id },
    });
    expect(JSON.stringify(audited?.after)).toContain(FOREIGN_SCP);
  }, 120_000);
});

describe("a model only an inference profile reaches", () => {
  it("is refused by bare id, naming the field and the profiles to ask for, and nothing is written", async () => {
    const before = await t.db.client.accessRequest.count();
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/access-requests",
      headers: { authorization: requester },
      payload: body({ model: LLAMA_90B }),
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    const problem = res.json() as {
      code: string;
      detail: string;
      errors: Array<{ field: string }>;
      profiles: string[];
    };
    expect(problem.code).toBe("INFERENCE_PROFILE_REQUIRED");
    expect(problem.errors[0]?.field).toBe("body.model");
    expect(problem.profiles).toEqual([LLAMA_90B_US]);
    expect(problem.detail).toContain(`request ${LLAMA_90B_US} instead`);
    expect(await t.db.client.accessRequest.count()).toBe(before);
    // Asking for the profile is accepted.
    expect((await file({ model: LLAMA_90B_US })).status).toBe("pending");
  });
});

describe("a request left waiting for an admin", () => {
  it("is announced again every reminder period, then fails naming the unapplied plans and is reversed", async () => {
    const req = await file({ model: MISTRAL, accountIds: [PROD] });
    await approve(req);
    const waiting = await until(req.id, (r) => r.waiting !== null || r.status === "failed", "waiting");
    expect(waiting.waiting).not.toBeNull();
    const since = Date.parse(waiting.waiting?.since as string);
    const plan = waiting.waiting?.plans[0];
    const at = (hours: number) => new Date(since + hours * 3_600_000);
    const reminders = () =>
      t.db.client.auditEvent.count({ where: { action: "access_request.await_apply_reminder", targetId: req.id } });

    // Not yet due: nothing.
    expect((await t.services.provisioning.sweep(at(23))).reminded).not.toContain(req.id);
    expect(await reminders()).toBe(0);
    // Due (24h by default): reminded once, and not again until another period passed.
    expect((await t.services.provisioning.sweep(at(24.5))).reminded).toContain(req.id);
    expect((await t.services.provisioning.sweep(at(30))).reminded).not.toContain(req.id);
    expect((await t.services.provisioning.sweep(at(49))).reminded).toContain(req.id);
    expect(await reminders()).toBe(2);
    const reminded = await read(req.id);
    expect(reminded.status).toBe("provisioning");
    expect(reminded.waiting?.remindedAt).toBe(at(49).toISOString());
    const outbox = await t.db.client.webhookDelivery.findMany({
      where: { eventType: "access_request.awaiting_apply" },
    });
    const mine = outbox.map((d) => JSON.stringify(d.payload)).filter((p) => p.includes(req.id));
    expect(mine.filter((p) => p.includes('"reminder":true'))).toHaveLength(2);
    expect(mine.filter((p) => p.includes('"reminder":false'))).toHaveLength(1);

    // Past the timeout (168h by default): failed, naming the plan; the reversal is queued.
    expect((await t.services.provisioning.sweep(at(168))).timedOut).toContain(req.id);
    const failed = await read(req.id);
    expect(failed.status).toBe("failed");
    expect(failed.waiting).toBeNull();
    expect(failed.failure?.gates).toEqual([
      expect.objectContaining({ accountId: PROD, region: E1, gate: "plans_not_applied" }),
    ]);
    expect(failed.failure?.gates[0]?.detail).toContain(plan?.planId as string);
    expect(failed.failure?.fix).toContain("nobody applied the remediation plans in time");
    expect(failed.grants.every((g) => g.status === "ended")).toBe(true);
    expect(await t.db.client.auditEvent.count({ where: { action: "access_request.fail", targetId: req.id } })).toBe(1);
    const reversal = await until(req.id, (r) => r.plans.some((p) => p.purpose === "reversal"), "reversed");
    expect(reversal.plans.filter((p) => p.purpose === "reversal")).toHaveLength(1);
  }, 120_000);
});
