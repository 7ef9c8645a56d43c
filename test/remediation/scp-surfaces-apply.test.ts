// The catalog on bedrock-runtime AND bedrock-mantle after a remediation plan is applied to the
// sandbox's demo organization: before, an unapproved model answers on both endpoints; the plan's
// SCPs are created and attached through Organizations; after, the sandbox refuses it on both with
// AccessDeniedException (real SigV4-signed calls as the governor's member role), while an approved
// model still answers on each endpoint it is approved for. The account's long-term Bedrock API key
// (no entry allows API keys) is refused too. Nova is pinned to the retention modes default and none,
// so PutAccountDataRetention to another mode is refused, to an allowed one answered.
import { createServer } from "node:net";
import { BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsGateError } from "../../src/aws/errors.js";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import type { RemediationPlan } from "../../src/modules/remediation/remediation.types.js";
import { DEMO_ACCOUNTS } from "../../src/sandbox/demo.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { waitForSyncRun } from "../helpers/wait.js";

const ACCOUNT = DEMO_ACCOUNTS.nonprodData;
const REGION = "us-east-1";
const NOVA = "amazon.nova-pro-v1:0";
const GPT = "openai.gpt-oss-120b-1:0";
const GPT_MANTLE = "openai.gpt-oss-120b";
const HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0";
const HAIKU_MANTLE = "anthropic.claude-haiku-4-5";

const CATALOG = `entries:
  - { id: nova, model: ${NOVA}, scope: organization, retentionModes: [default, none], owner: platform, justification: default model }
  - id: haiku-mantle
    model: ${HAIKU}
    scope: organization
    endpoints: [mantle]
    owner: platform
    justification: OpenAI-compatible endpoint
`;

// The demo's long-term key of IAM user ml-notebook in nonprod-data (src/sandbox/demo.ts).
const LONG_TERM_KEY = "ABSKQmVkcm9ja0FQSUtleS1kZW1vLWF0LTEyMzQxMjM0MTIzNDpzYW5kYm94LWRlbW8ta2V5";

let t: TestApp;
let admin: string;
let sandboxUrl: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Converse with the API key as a bearer token (the SDK's httpBearerAuth scheme). */
async function withKey(modelId: string): Promise<string> {
  const client = new BedrockRuntimeClient({
    region: REGION,
    endpoint: `${sandboxUrl}/region/${REGION}`,
    token: { token: LONG_TERM_KEY },
    authSchemePreference: ["httpBearerAuth"],
    credentials: { accessKeyId: "AKIAUNUSEDUNUSED0000", secretAccessKey: "unused" },
    maxAttempts: 1,
  });
  try {
    await client.send(new ConverseCommand({ modelId, messages: [{ role: "user", content: [{ text: "ok" }] }] }));
    return "ok";
  } catch (err) {
    return (err as Error).name;
  } finally {
    client.destroy();
  }
}
const ctx = { principal: SYSTEM_PRINCIPAL };

async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return "ok";
  } catch (err) {
    if (!(err instanceof AwsGateError)) throw err;
    return err.awsCode ?? err.gate;
  }
}
const apis = () => t.services.aws.account(ACCOUNT);
const putRetention = (mode: string) => outcome(() => apis().bedrock(REGION).putAccountDataRetention(mode));
const runtime = (modelId: string) => outcome(() => apis().runtime(REGION).converse(modelId, "ok", 1));
const mantle = (mantleId: string, anthropic = false) =>
  outcome(() =>
    apis().mantle(REGION).createInference({ model: mantleId, projectId: "default", anthropic, text: "ok" }),
  );

beforeAll(async () => {
  const port = await freePort();
  sandboxUrl = `http://127.0.0.1:${port}`;
  t = await startTestApp({ SANDBOX_PORT: String(port) });
  admin = await t.keyFor("admin");
  await t.services.catalog.apply(ctx, parseCatalogDocument(CATALOG), "surfaces fixture");
  const run = await t.services.sync.requestSync(ctx, { scope: "organization" });
  await waitForSyncRun(t, run.id);
});
afterAll(async () => t?.close());

describe("applied catalog SCPs on bedrock-runtime and bedrock-mantle (demo organization)", () => {
  it("before the plan, the unapproved model answers on both endpoints", async () => {
    expect(await runtime(GPT)).toBe("ok");
    expect(await mantle(GPT_MANTLE)).toBe("ok");
    expect(await withKey(NOVA)).toBe("ok");
    expect(await putRetention("provider_data_share")).toBe("ok");
    expect(await putRetention("default")).toBe("ok");
  });

  it("after apply, the sandbox refuses it on bedrock-runtime and bedrock-mantle alike", async () => {
    const made = await t.app.inject({
      method: "POST",
      url: "/v1/remediation-plans",
      headers: { authorization: admin },
      payload: { scope: { kind: "organization" } },
    });
    expect(made.statusCode, made.body).toBe(201);
    const plan = made.json() as RemediationPlan;
    const scps = plan.changes.filter((c) => c.kind === "scp_create");
    expect(scps.length).toBeGreaterThan(0);
    const content = scps.map((c) => (c.kind === "scp_create" ? c.content : "")).join("");
    expect(content).toContain("bedrock-mantle:CreateInference");
    expect(content).toContain(`"bedrock-mantle:Model":["${HAIKU_MANTLE}"]`);
    expect(content).toContain(
      '"StringNotEquals":{"bedrock:DataRetentionMode":["default","none"],"bedrock-mantle:DataRetentionMode":["default","none"]}',
    );

    const applied = await t.app.inject({
      method: "POST",
      url: `/v1/remediation-plans/${plan.id}/apply`,
      headers: { authorization: admin },
    });
    expect(applied.statusCode, applied.body).toBe(200);
    const result = applied.json() as RemediationPlan;
    const scpResults = plan.changes
      .map((c, i) => ({ kind: c.kind, status: result.results?.[i]?.status }))
      .filter((r) => r.kind.startsWith("scp_"));
    expect(scpResults.length).toBeGreaterThan(0);
    expect(scpResults.every((r) => r.status === "applied")).toBe(true);

    expect(await runtime(GPT)).toBe("AccessDeniedException");
    expect(await mantle(GPT_MANTLE)).toBe("AccessDeniedException");
    // Approved on the runtime (Nova) and on mantle (Haiku 4.5): still answered.
    expect(await runtime(NOVA)).toBe("ok");
    expect(await mantle(HAIKU_MANTLE, true)).toBe("ok");
    // No entry allows API keys: the long-term key is refused even for the approved model.
    expect(await withKey(NOVA)).toBe("AccessDeniedException");
    // The retention pin: a mode no pinned model allows is refused, an allowed one is set.
    expect(await putRetention("provider_data_share")).toBe("AccessDeniedException");
    expect(await putRetention("inherit")).toBe("AccessDeniedException");
    expect(await putRetention("none")).toBe("ok");
    expect(await outcome(() => apis().bedrock(REGION).getAccountDataRetention())).toBe("ok");
  });

  it("a catalog the SCPs cannot express is refused with 422 and the reason, not compiled wrong", async () => {
    // 300 long model ids of a provider the inventory does not know, each on bedrock-mantle only:
    // nothing merges, and one bedrock-mantle statement would need three policies.
    const lines = Array.from(
      { length: 300 },
      (_, i) =>
        `  - { id: m${i}, model: vendorx.a-model-with-a-rather-long-family-name-${i}-v1:0, scope: organization, endpoints: [mantle], owner: platform, justification: test }`,
    );
    await t.services.catalog.apply(ctx, parseCatalogDocument(`entries:\n${lines.join("\n")}\n`), "too large");
    const res = await t.app.inject({
      url: `/v1/policies/scps?targetId=${ACCOUNT}`,
      headers: { authorization: admin },
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().code).toBe("POLICY_TOO_LARGE");
    expect(res.json().detail).toMatch(/statement DenyMantleModelsOutsideCatalog alone needs \d+ characters/);
  });
});
