// The model-access matrix and the model view show the reachability engine's verdict per cell
// (usable, usable via a profile, blocked at a gate), stored by the reconciliation that follows a
// sync — not AWS's availability fields, which say nothing of SCPs. Demo organization: DeepSeek is
// denied at the root by an SCP, prod accounts may invoke only approved models (on bedrock:*, not bedrock-mantle:*).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { DEMO_ACCOUNTS } from "../../src/sandbox/demo.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { eventually, waitForSyncRun } from "../helpers/wait.js";

interface Row {
  modelId: string;
  access: string;
  profiles: string[];
  verdict: { status: string; via: string | null; gate: string | null; reason: string; paths: unknown[] } | null;
}

let t: TestApp;
let viewer: string;
const get = async (url: string) => {
  const res = await t.app.inject({ url, headers: { authorization: viewer } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { items: Row[] };
};
const matrix = async (account: string, region = "us-east-1", query = "") =>
  (await get(`/v1/accounts/${account}/regions/${region}/models?limit=200${query}`)).items;

beforeAll(async () => {
  t = await startTestApp();
  viewer = await t.keyFor("viewer");
  const ctx = { principal: SYSTEM_PRINCIPAL };
  await waitForSyncRun(t, (await t.services.sync.requestSync(ctx, { scope: "organization" })).id);
  // The sync's completion starts a reconciliation, which stores the engine's verdicts.
  await eventually(
    () => matrix(DEMO_ACCOUNTS.prodPayments),
    (rows) => rows.length > 0 && rows.every((r) => r.verdict !== null),
    "the reconciliation's verdicts",
    { timeoutMs: 120_000, everyMs: 500 },
  );
}, 180_000);
afterAll(async () => t?.close());

describe("the matrix shows the engine's verdict per cell", () => {
  it("an SCP-denied model AWS reports available is blocked at the organization policy", async () => {
    const rows = await matrix(DEMO_ACCOUNTS.prodPayments);
    const denied = rows.filter((r) => r.access === "available" && r.verdict?.status === "blocked");
    expect(denied.length).toBeGreaterThan(0);
    expect(new Set(denied.map((r) => r.verdict?.gate))).toEqual(new Set(["org_policy"]));
    const deepseek = rows.find((r) => r.modelId.startsWith("deepseek."));
    if (deepseek) expect(deepseek.verdict).toMatchObject({ status: "blocked", gate: "org_policy" });
  });

  it("a profile-only model is usable via its profile; a usable model names its path", async () => {
    const rows = [
      ...(await matrix(DEMO_ACCOUNTS.prodSearch)),
      ...(await matrix(DEMO_ACCOUNTS.nonprodData)),
      ...(await matrix(DEMO_ACCOUNTS.prodPayments)),
    ];
    const viaProfile = rows.find((r) => r.access === "profile_only" && /^(us|global)\./.test(r.verdict?.via ?? ""));
    expect(viaProfile?.verdict?.status).toBe("usable");
    expect(viaProfile?.profiles).toContain(viaProfile?.verdict?.via);
    const direct = rows.find((r) => r.verdict?.via === "direct");
    expect(direct?.verdict).toMatchObject({ status: "usable", gate: null });
  });

  it("an SCP on bedrock:* leaves bedrock-mantle open: the cell says usable via mantle", async () => {
    // ProdApprovedModelsOnly denies bedrock:InvokeModel outside the allow-list, but bedrock-mantle
    // has its own IAM prefix (bedrock-mantle:CreateInference).
    const rows = await matrix(DEMO_ACCOUNTS.prodPayments);
    const viaMantle = rows.filter((r) => r.verdict?.via === "mantle");
    for (const r of viaMantle)
      expect(r.verdict?.paths).toContainEqual(expect.objectContaining({ kind: "mantle", status: "usable" }));
  });

  it("filters by verdict, and the model view carries the same verdict", async () => {
    const blocked = await matrix(DEMO_ACCOUNTS.prodPayments, "us-east-1", "&verdict=blocked");
    expect(blocked.length).toBeGreaterThan(0);
    expect(blocked.every((r) => r.verdict?.status === "blocked")).toBe(true);
    const usable = await matrix(DEMO_ACCOUNTS.prodPayments, "us-east-1", "&verdict=usable");
    expect(usable.every((r) => r.verdict?.status === "usable")).toBe(true);
    const one = blocked[0] as Row;
    const view = (await get(`/v1/models/${encodeURIComponent(one.modelId)}/availability?limit=200`))
      .items as unknown as {
      accountId: string;
      region: string;
      verdict: Row["verdict"];
    }[];
    const cell = view.find((v) => v.accountId === DEMO_ACCOUNTS.prodPayments && v.region === "us-east-1");
    expect(cell?.verdict).toMatchObject({ status: "blocked", gate: one.verdict?.gate });
  });
});
