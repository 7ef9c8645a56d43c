// POST /v1/doctor over the demo organization: viewers diagnose, only admins probe (audited), bad
// input is a problem document naming the field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsAccess } from "../../src/aws/aws-access.js";
import { AwsGateError } from "../../src/aws/errors.js";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { systemClock } from "../../src/lib/clock.js";
import { createDoctorRepository } from "../../src/modules/doctor/doctor.repository.js";
import { createDoctorService } from "../../src/modules/doctor/doctor.service.js";
import { inventoryScpsFrom } from "../../src/modules/doctor/inventory-scps.js";
import { createFactsRepository } from "../../src/modules/reachability/facts.repository.js";
import { DEMO_ACCOUNTS } from "../../src/sandbox/demo.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

let t: TestApp;
let viewer: string;
let admin: string;
beforeAll(async () => {
  t = await startTestApp();
  viewer = await t.keyFor("viewer");
  admin = await t.keyFor("admin");
});
afterAll(async () => t?.close());

const SONNET_GLOBAL = "global.anthropic.claude-sonnet-4-5-20250929-v1:0";
interface Report {
  verdict: string;
  blockingGate: string | null;
  gates: { gate: string; status: string; summary: string; evidence: Record<string, unknown>; fix: string | null }[];
  paths: { path: string; status: string; gate: string | null; reason: string; destinations: string[] }[];
  probe: { status: string; target: string } | null;
  checkedAt: string;
}

const post = (authorization: string | undefined, payload: Record<string, unknown>) =>
  t.app.inject({
    method: "POST",
    url: "/v1/doctor",
    ...(authorization ? { headers: { authorization } } : {}),
    payload,
  });

describe("POST /v1/doctor", () => {
  it("a viewer diagnoses: legacy-app has no Anthropic use case → blocked at the use case", async () => {
    const res = await post(viewer, { accountId: DEMO_ACCOUNTS.legacyApp, region: "us-east-1", model: SONNET_GLOBAL });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json() as Report;
    expect(r.verdict).toBe("blocked");
    expect(r.blockingGate).toBe("use_case");
    expect(r.gates.find((g) => g.gate === "use_case")?.evidence).toMatchObject({
      anthropicUseCase: "missing",
      authorization: "NOT_AUTHORIZED",
    });
    expect(r.probe).toBeNull();
    expect(Number.isNaN(Date.parse(r.checkedAt))).toBe(false);
    // Every path's verdict comes with the report (the global profile asked about among them).
    expect(r.paths.find((p) => p.path === SONNET_GLOBAL)).toMatchObject({ status: "blocked", gate: "use_case" });
  });

  it("an account without the member role is blocked at credentials", async () => {
    const res = await post(viewer, {
      accountId: DEMO_ACCOUNTS.sandboxAlice,
      region: "us-east-1",
      model: "amazon.nova-pro-v1:0",
    });
    const r = res.json() as Report;
    expect(r.blockingGate).toBe("credentials");
    // The Sandbox OU's draft BEDROCK_POLICY names a malformed guardrail: read with the hub's
    // credentials, it fails too (every Bedrock Runtime call in the account would).
    expect(r.gates.filter((g) => g.status === "fail").map((g) => g.gate)).toEqual(["credentials", "bedrock_policy"]);
  });

  it("the probe needs admin (403 for a viewer, nothing audited); an admin's probe is audited", async () => {
    const body = {
      accountId: DEMO_ACCOUNTS.prodSearch,
      region: "us-east-1",
      model: "amazon.nova-pro-v1:0",
      probe: true,
    };
    const denied = await post(viewer, body);
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: "FORBIDDEN" });
    const before = await t.services.audit.list(
      { principal: SYSTEM_PRINCIPAL },
      { action: "doctor.probe" },
      { limit: 50 },
    );
    expect(before.items).toHaveLength(0);
    const res = await post(admin, body);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json() as Report;
    expect(r.probe).toMatchObject({ status: "pass", target: "amazon.nova-pro-v1:0" });
    const after = await t.services.audit.list(
      { principal: SYSTEM_PRINCIPAL },
      { action: "doctor.probe" },
      { limit: 50 },
    );
    expect(after.items).toEqual([
      expect.objectContaining({
        actorType: "api_key",
        targetType: "model_invocation",
        targetId: `${DEMO_ACCOUNTS.prodSearch}/us-east-1/amazon.nova-pro-v1:0`,
        after: { status: "pass", awsCode: null, gate: null },
        requestId: res.headers["x-request-id"],
      }),
    ]);
  });

  it("bad input: 401 without credentials, 400 naming the field, 422 for a principal of another account", async () => {
    expect((await post(undefined, { accountId: "123456789012", region: "us-east-1", model: "m" })).statusCode).toBe(
      401,
    );
    const badAccount = await post(viewer, { accountId: "12345", region: "us-east-1", model: "m" });
    expect(badAccount.statusCode).toBe(400);
    expect(JSON.stringify(badAccount.json())).toContain("accountId");
    const unknown = await post(viewer, { accountId: "123456789012", region: "us-east-1", model: "m", extra: 1 });
    expect(unknown.statusCode).toBe(400);
    const other = await post(viewer, {
      accountId: DEMO_ACCOUNTS.prodSearch,
      region: "us-east-1",
      model: "amazon.nova-pro-v1:0",
      principalArn: "arn:aws:iam::123456789012:role/Elsewhere",
    });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ code: "DOCTOR_INPUT_INVALID", errors: [{ field: "principalArn" }] });
  });
});

describe("POST /v1/doctor/classify", () => {
  it("classifies pasted error text without calling AWS; empty text is a 400", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/doctor/classify",
      headers: { authorization: viewer },
      payload: {
        errorText:
          "An error occurred (AccessDeniedException) when calling the InvokeModel operation: Model use case details have not been submitted for this account.",
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      gate: "model_access",
      rule: "anthropic-use-case",
      code: "AccessDeniedException",
      details: { operation: "InvokeModel" },
    });
    const empty = await t.app.inject({
      method: "POST",
      url: "/v1/doctor/classify",
      headers: { authorization: viewer },
      payload: { errorText: "" },
    });
    expect(empty.statusCode).toBe(400);
  });
});

describe("when Organizations cannot be read", () => {
  it("the organization-policy gate falls back to the SCPs of the last inventory sync", async () => {
    const ctx = { principal: SYSTEM_PRINCIPAL };
    const run = await t.services.sync.requestSync(ctx, { scope: "organization" });
    for (let i = 0; i < 600; i++) {
      const now = await t.services.sync.getRun(ctx, run.id);
      if (now.status !== "queued" && now.status !== "running") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The real AWS layer, with Organizations refusing every call (as with a hub role lacking access).
    const aws: AwsAccess = {
      ...t.services.aws,
      organizations: () => {
        throw new AwsGateError("iam", "organizations: AccessDeniedException", "AccessDeniedException", {
          service: "organizations",
          operation: "DescribeOrganization",
        });
      },
    };
    const doctor = createDoctorService({
      aws,
      db: t.db,
      desired: t.services.catalog,
      inventory: createDoctorRepository(t.db),
      facts: createFactsRepository(t.db),
      inventoryScps: inventoryScpsFrom(createFactsRepository(t.db)),
      audit: t.services.audit,
      clock: systemClock,
      regions: ["us-east-1"],
    });
    const r = await doctor.diagnose(ctx, {
      accountId: DEMO_ACCOUNTS.prodPayments,
      region: "us-east-1",
      model: "us.deepseek.r1-v1:0",
    });
    const org = r.gates.find((g) => g.gate === "org_policy");
    expect(org?.status).toBe("fail");
    expect(org?.evidence).toMatchObject({
      source: "inventory",
      lineage: [DEMO_ACCOUNTS.prodPayments, "ou-demo-prod0001", "ou-demo-workload", "r-demo"],
    });
    expect(org?.evidence.denials).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          statements: expect.arrayContaining([
            expect.objectContaining({ policyId: "p-denydeepseek", sid: "DenyDeepSeek" }),
          ]),
        }),
      ]),
    );
  });
});
