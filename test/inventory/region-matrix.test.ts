// A Region's accounts × models matrix in one call per page (GET /v1/regions/{region}/model-matrix):
// compact (the models once, one code per cell), keyset-paged by account, filtered by OU and
// provider, and agreeing cell by cell with the per-account matrix's stored verdicts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { DEMO_ACCOUNTS } from "../../src/sandbox/demo.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { eventually, waitForSyncRun } from "../helpers/wait.js";

interface MatrixPage {
  region: string;
  models: { id: string; provider: string }[];
  accounts: { id: string; name: string; path: string; cells: string }[];
  nextCursor?: string;
}
interface Row {
  modelId: string;
  verdict: { status: string; via: string | null } | null;
}

let t: TestApp;
let viewer: string;
const get = async <T>(url: string) => {
  const res = await t.app.inject({ url, headers: { authorization: viewer } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as T;
};
const regionMatrix = (query = "") => get<MatrixPage>(`/v1/regions/us-east-1/model-matrix${query}`);
const codeOf = (v: Row["verdict"]) =>
  v === null ? "N" : v.status === "usable" ? (v.via === "direct" ? "U" : "P") : v.status === "blocked" ? "B" : "Q";

beforeAll(async () => {
  t = await startTestApp();
  viewer = await t.keyFor("viewer");
  await waitForSyncRun(
    t,
    (await t.services.sync.requestSync({ principal: SYSTEM_PRINCIPAL }, { scope: "organization" })).id,
  );
  await eventually(
    () => get<{ items: Row[] }>(`/v1/accounts/${DEMO_ACCOUNTS.prodPayments}/regions/us-east-1/models?limit=200`),
    (page) => page.items.length > 0 && page.items.every((r) => r.verdict !== null),
    "the reconciliation's verdicts",
    { timeoutMs: 120_000, everyMs: 500 },
  );
}, 180_000);
afterAll(async () => t?.close());

describe("GET /v1/regions/{region}/model-matrix", () => {
  it("has one row per account and one code per model, matching the per-account matrix", async () => {
    const page = await regionMatrix("?limit=1000");
    expect(page.nextCursor).toBeUndefined();
    expect(page.accounts.map((a) => a.id)).toEqual(expect.arrayContaining(Object.values(DEMO_ACCOUNTS)));
    expect(page.models.map((m) => m.id)).toEqual([...page.models.map((m) => m.id)].sort());
    for (const account of page.accounts) expect(account.cells).toMatch(new RegExp(`^[UPBQN-]{${page.models.length}}$`));
    const row = page.accounts.find((a) => a.id === DEMO_ACCOUNTS.prodPayments);
    const detail = await get<{ items: Row[] }>(
      `/v1/accounts/${DEMO_ACCOUNTS.prodPayments}/regions/us-east-1/models?limit=200`,
    );
    const expected = page.models.map((m) => {
      const r = detail.items.find((d) => d.modelId === m.id);
      return r ? codeOf(r.verdict) : "-";
    });
    expect(row?.cells).toBe(expected.join(""));
    expect(row?.cells).toMatch(/B/);
    expect(row?.cells).toMatch(/[UP]/);
  });

  it("pages by account id with a cursor, and filters by OU and by provider", async () => {
    const all = await regionMatrix("?limit=1000");
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page: MatrixPage = await regionMatrix(`?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(page.accounts.length).toBeLessThanOrEqual(5);
      ids.push(...page.accounts.map((a) => a.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids).toEqual(all.accounts.map((a) => a.id));

    const prod = await regionMatrix("?limit=1000&ouId=ou-demo-prod0001");
    expect(prod.accounts.map((a) => a.id).sort()).toEqual(
      [DEMO_ACCOUNTS.prodPayments, DEMO_ACCOUNTS.prodSearch, DEMO_ACCOUNTS.prodSupport].sort(),
    );
    const anthropic = await regionMatrix("?limit=1000&provider=ANTHROPIC");
    expect(anthropic.models.length).toBeGreaterThan(0);
    expect(anthropic.models.every((m) => m.provider.toLowerCase() === "anthropic")).toBe(true);
  });

  it("refuses a malformed Region and a foreign cursor", async () => {
    const bad = await t.app.inject({ url: "/v1/regions/nowhere/model-matrix", headers: { authorization: viewer } });
    expect(bad.statusCode).toBe(400);
    const cursor = await t.app.inject({
      url: "/v1/regions/us-east-1/model-matrix?cursor=bm9wZQ",
      headers: { authorization: viewer },
    });
    expect(cursor.statusCode).toBe(400);
  });
});
