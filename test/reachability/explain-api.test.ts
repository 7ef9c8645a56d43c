// The engine's explanation over the API, on the demo organization: every path with its gates, a
// profile id narrowing the answer to that path, and SCP-denied models shown as blocked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { DEMO_ACCOUNTS } from "../../src/sandbox/demo.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { waitForSyncRun } from "../helpers/wait.js";

let t: TestApp;
let requester: string;
const ctx = { principal: SYSTEM_PRINCIPAL };
const ACCOUNT = DEMO_ACCOUNTS.nonprodSearch;

interface Explanation {
  status: string;
  requestedPath: string | null;
  paths: Array<{
    path: string;
    kind: string;
    status: string;
    gate: string | null;
    reason: string;
    checks: Array<{ gate: string; status: string }>;
  }>;
}

beforeAll(async () => {
  t = await startTestApp();
  requester = await t.keyFor("requester");
  await waitForSyncRun(t, (await t.services.sync.requestSync(ctx, { scope: "organization" })).id);
});
afterAll(async () => t?.close());

const explain = async (q: string, key = requester) =>
  t.app.inject({ url: `/v1/reachability?${q}`, headers: { authorization: key } });

describe("GET /v1/reachability", () => {
  it("explains a usable model path by path, with every gate checked", async () => {
    const res = await explain(`accountId=${ACCOUNT}&region=us-east-1&model=amazon.nova-pro-v1:0`);
    expect(res.statusCode, res.body).toBe(200);
    const e = res.json() as Explanation;
    expect(e.status).toBe("usable");
    const direct = e.paths.find((p) => p.kind === "direct");
    expect(direct).toMatchObject({ status: "usable", gate: null });
    expect(direct?.checks.map((c) => c.gate)).toEqual([
      "credentials",
      "bedrock_policy",
      "region",
      "org_policy",
      "iam",
      "lifecycle",
      "data_retention",
      "entitlement",
      "use_case",
      "marketplace",
    ]);
  });

  it("shows an SCP-denied model as blocked at the organization policy, with the policy as evidence", async () => {
    const e = (await explain(`accountId=${ACCOUNT}&region=us-east-1&model=deepseek.r1-v1:0`)).json() as Explanation;
    expect(e.status).toBe("blocked");
    expect(e.paths.length).toBeGreaterThan(0);
    expect(e.paths.every((p) => p.status === "blocked" && p.gate === "org_policy")).toBe(true);
    expect(e.paths[0]?.reason).toContain("SCP");
  });

  it("narrows the answer to a profile's path when given a profile id", async () => {
    const e = (
      await explain(`accountId=${ACCOUNT}&region=us-east-1&model=us.anthropic.claude-sonnet-4-5-20250929-v1:0`)
    ).json() as Explanation;
    expect(e.requestedPath).toBe("us.anthropic.claude-sonnet-4-5-20250929-v1:0");
    expect(e.paths.map((p) => p.path)).toEqual(["us.anthropic.claude-sonnet-4-5-20250929-v1:0"]);
  });

  it("answers 404 for an unknown model or account, 422 for a Region not synced, 400 for a malformed id", async () => {
    expect((await explain(`accountId=${ACCOUNT}&region=us-east-1&model=acme.nothing-v1:0`)).statusCode).toBe(404);
    expect((await explain("accountId=999999999999&region=us-east-1&model=amazon.nova-pro-v1:0")).statusCode).toBe(404);
    expect((await explain(`accountId=${ACCOUNT}&region=sa-east-1&model=amazon.nova-pro-v1:0`)).statusCode).toBe(422);
    const bad = await explain("accountId=12&region=us-east-1&model=amazon.nova-pro-v1:0");
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [{ field: "query.accountId" }] });
  });
});
