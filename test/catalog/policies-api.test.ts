// Policies compiled from the catalog over a synced inventory, then applied in the sandbox through
// the AWS layer: the SCPs really keep an account inside the catalog.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import { DEMO_ACCOUNTS } from "../../src/sandbox/demo.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

let t: TestApp;
let viewer: string;
const ctx = { principal: SYSTEM_PRINCIPAL };
const ACCOUNT = DEMO_ACCOUNTS.nonprodSearch;
const SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0";

beforeAll(async () => {
  t = await startTestApp();
  viewer = await t.keyFor("viewer");
  const run = await t.services.sync.requestSync(ctx, { scope: "organization" });
  for (let i = 0; i < 600; i++) {
    const now = await t.services.sync.getRun(ctx, run.id);
    if (now.status !== "queued" && now.status !== "running") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const catalog = parseCatalogDocument(`entries:
  - id: nova
    model: amazon.nova-*
    scope: organization
    regions: [us-east-1, us-west-2]
    owner: platform
    justification: default models
  - id: sonnet-us
    model: ${SONNET}
    viaProfiles: [us.${SONNET}]
    scope: { account: "${ACCOUNT}" }
    owner: search-team
    justification: search ranking
`);
  await t.services.catalog.apply(ctx, catalog, "test catalog");
});
afterAll(async () => t?.close());

const get = (url: string) => t.app.inject({ url, headers: { authorization: viewer } });

describe("compiled policies", () => {
  it("SCPs for an account are valid, under the limit, and keep it inside the catalog once attached", async () => {
    const res = await get(`/v1/policies/scps?targetId=${ACCOUNT}`);
    expect(
      res.statusCode,
      JSON.stringify(
        t.logs
          .json()
          .filter((l) => l.level === "error")
          .map((l) => l.err),
      ),
    ).toBe(200);
    const { target, policies } = res.json() as {
      target: { kind: string };
      policies: Array<{ name: string; content: string }>;
    };
    expect(target.kind).toBe("account");
    expect(policies.length).toBeGreaterThan(0);
    for (const p of policies) {
      expect(p.content.length).toBeLessThanOrEqual(5120);
      expect(JSON.parse(p.content).Version).toBe("2012-10-17");
    }

    const runtime = t.services.aws.account(ACCOUNT).runtime("us-east-1");
    const models = await t.services.aws.account(ACCOUNT).bedrock("us-east-1").listFoundationModels();
    const other = models.find(
      (m) =>
        m.providerName !== "Amazon" &&
        (m.inferenceTypesSupported ?? []).includes("ON_DEMAND") &&
        !m.modelId?.startsWith("deepseek"),
    );
    expect(other, "the demo offers an on-demand non-Amazon model").toBeDefined();
    // Before: the other model answers.
    await expect(runtime.converse(other?.modelId as string, "hi")).resolves.toMatchObject({
      stopReason: expect.any(String),
    });

    const org = t.services.aws.organizations();
    for (const p of policies) {
      const created = await org.createPolicy({
        name: p.name,
        description: "compiled by bedrock-governor",
        content: p.content,
        type: "SERVICE_CONTROL_POLICY",
      });
      await org.attachPolicy(created?.PolicySummary?.Id as string, ACCOUNT);
    }
    // After: the catalog's model still answers; the other one is denied by the organization policy.
    await expect(runtime.converse("amazon.nova-pro-v1:0", "hi")).resolves.toMatchObject({
      stopReason: expect.any(String),
    });
    await expect(runtime.converse(other?.modelId as string, "hi")).rejects.toMatchObject({ gate: "org_policy" });
  });

  it("the IAM policy for an approved cross-Region profile has the profile ARN and every destination-Region model ARN", async () => {
    const res = await get(`/v1/policies/iam?accountId=${ACCOUNT}&region=us-east-1`);
    expect(res.statusCode).toBe(200);
    const text = JSON.stringify(res.json().document);
    expect(text).toContain(`arn:aws:bedrock:us-east-1:${ACCOUNT}:inference-profile/us.${SONNET}`);
    const profile = (await t.services.aws.account(ACCOUNT).bedrock("us-east-1").listInferenceProfiles()).find(
      (p) => p.inferenceProfileId === `us.${SONNET}`,
    );
    const destinations = (profile?.models ?? []).map((m) => m.modelArn as string);
    expect(destinations.length).toBeGreaterThan(1);
    for (const arn of destinations) expect(text).toContain(arn);
    expect(text).toContain("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0");
    expect(text).not.toContain("deepseek");
  });

  it("the IAM policy reads the account-Region's synced bedrock-mantle models and comes as managed policies", async () => {
    const catalog = parseCatalogDocument(`entries:
  - id: gpt-oss-mantle
    model: openai.gpt-oss-120b-1:0
    endpoints: [mantle]
    scope: organization
    owner: platform
    justification: open-weight model on bedrock-mantle
`);
    await t.services.catalog.apply(ctx, catalog, "mantle catalog");
    const res = await get(`/v1/policies/iam?accountId=${ACCOUNT}&region=us-east-1`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const mantle = body.document.Statement.find((s: { Sid: string }) => s.Sid === "MantleInference");
    expect(mantle?.Condition).toEqual({ StringEquals: { "bedrock-mantle:Model": ["openai.gpt-oss-120b"] } });
    expect(mantle?.Resource).toEqual([`arn:aws:bedrock-mantle:us-east-1:${ACCOUNT}:project/*`]);
    expect(JSON.stringify(body.document)).not.toContain("bedrock:InvokeModel");
    expect(body.managedPolicies.length).toBeGreaterThan(0);
    for (const d of body.managedPolicies) expect(JSON.stringify(d).length).toBeLessThanOrEqual(6144);
  });

  it("unknown targets and accounts are refused, naming the field", async () => {
    const bad = await get("/v1/policies/scps?targetId=ou-none-00000000");
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0].field).toBe("query.targetId");
    expect((await get("/v1/policies/iam?accountId=000000000000&region=us-east-1")).statusCode).toBe(404);
    expect((await get("/v1/policies/iam?accountId=abc&region=us-east-1")).statusCode).toBe(400);
  });
});
