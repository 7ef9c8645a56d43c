// The facts the reachability gates need, read by a real sync (pg-boss workers, the real AWS SDK
// clients and the SigV4-signed bedrock-mantle client against the in-process sandbox, real
// PostgreSQL): retention modes, bedrock-mantle projects and models, received grants, API key
// holders; a call the member role may not make leaves its fact unknown and the account-Region ok;
// a per-model availability error marks only that model; the engine judges with what was stored.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import type { FactRow } from "../../src/modules/reachability/facts.repository.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { waitForSyncRun } from "../helpers/wait.js";

const DATA = "200000000002";
const DENIED = "300000000003";
const SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU = "anthropic.claude-3-haiku-20240307-v1:0";
const COHERE = "cohere.command-r-plus-v1:0";
const FABLE = "anthropic.claude-fable-5";
const LEGACY = "anthropic.claude-3-5-sonnet-20240620-v1:0";
const ctx = { principal: SYSTEM_PRINCIPAL };

let t: TestApp;

async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: t.database.url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

async function fact(account: string, region: string, name: string): Promise<FactRow | undefined> {
  const [row] = await sql<FactRow>(
    "SELECT account_id, region, fact, known, value, reason FROM inventory_facts WHERE account_id = $1 AND region = $2 AND fact = $3",
    [account, region, name],
  );
  return row;
}

async function sync() {
  return waitForSyncRun(t, (await t.services.sync.requestSync(ctx, { scope: "organization" })).id);
}

beforeAll(async () => {
  t = await startTestApp({ SANDBOX_SCENARIO: "test/fixtures/facts-scenario.yaml", SYNC_CONCURRENCY: "8" });
  await sync();
});
afterAll(async () => t?.close());

describe("inventory facts for the reachability gates", () => {
  it("every account-Region succeeds, the denied fact and the refused model included", async () => {
    const regions = await sql<{ account_id: string; region: string; status: string }>(
      "SELECT account_id, region, status FROM account_regions ORDER BY account_id, region",
    );
    expect(regions.length).toBe(6);
    expect(regions.filter((r) => r.status !== "ok")).toEqual([]);
  });

  it("records the data-retention mode per Region; a call the member role may not make is unknown with the reason", async () => {
    expect((await fact(DATA, "us-east-1", "data_retention"))?.value).toEqual({ mode: "default" });
    expect((await fact(DATA, "us-west-2", "data_retention"))?.value).toEqual({ mode: "none" });
    for (const region of ["us-east-1", "us-west-2"]) {
      const denied = await fact(DENIED, region, "data_retention");
      expect(denied).toMatchObject({ known: false, value: null });
      expect(denied?.reason).toMatch(/GetAccountDataRetention/);
      // The other facts of that account-Region were still read.
      expect((await fact(DENIED, region, "mantle_models"))?.known).toBe(true);
    }
  });

  it("records bedrock-mantle projects with their own retention and tags, and the models' allowed modes", async () => {
    const projects = (await fact(DATA, "us-east-1", "mantle_projects"))?.value as Array<Record<string, unknown>>;
    expect(projects).toEqual([
      expect.objectContaining({ projectId: "default", retentionMode: "inherit", tags: {} }),
      expect.objectContaining({
        projectId: "proj_search01",
        arn: `arn:aws:bedrock-mantle:us-east-1:${DATA}:project/proj_search01`,
        retentionMode: "provider_data_share",
        tags: { Team: "search" },
      }),
    ]);
    const models = (await fact(DATA, "us-west-2", "mantle_models"))?.value as Array<Record<string, unknown>>;
    expect(models).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ mantleId: FABLE, allowedModes: ["provider_data_share"] }),
        expect.objectContaining({ mantleId: "openai.gpt-oss-120b" }),
      ]),
    );
  });

  it("records received grants with their models and statuses, API key holders, and Claude Platform as not read", async () => {
    const grants = (await fact(DATA, "", "license_grants"))?.value as Array<{ modelIds: string[]; status: string }>;
    expect(grants.map((g) => [g.modelIds, g.status]).sort()).toEqual([
      [[HAIKU], "DISABLED"],
      [[SONNET], "ACTIVE"],
    ]);
    const pending = (await fact(DENIED, "", "license_grants"))?.value as Array<{ modelIds: string[]; status: string }>;
    expect(pending).toEqual([expect.objectContaining({ modelIds: [SONNET], status: "PENDING_ACCEPTANCE" })]);
    expect((await fact(DATA, "", "api_key_holders"))?.value).toEqual([
      { userName: "ml-notebook", credentialId: "ACCAFACTSKEY00000001", status: "Active", expiresAt: null },
    ]);
    expect((await fact(DENIED, "", "api_key_holders"))?.value).toEqual([]);
    const claude = await fact(DATA, "", "claude_platform");
    expect(claude?.known).toBe(false);
    expect(claude?.reason).toMatch(/not inventoried/);
  });

  it("a per-model availability error marks only that model; lifecycle extended-access time is stored", async () => {
    const rows = await sql<{ model_id: string; availability_error: string | null; region_availability: string | null }>(
      "SELECT model_id, availability_error, region_availability FROM model_access WHERE account_id = $1 AND region = 'us-east-1'",
      [DATA],
    );
    const cohere = rows.find((r) => r.model_id === COHERE);
    expect(cohere?.availability_error).toMatch(/GetFoundationModelAvailability/);
    expect(cohere?.region_availability).toBeNull();
    expect(rows.filter((r) => r.model_id !== COHERE).every((r) => r.availability_error === null)).toBe(true);
    expect(rows.filter((r) => r.model_id !== COHERE).every((r) => r.region_availability !== null)).toBe(true);
    const [other] = await sql<{ availability_error: string | null }>(
      "SELECT availability_error FROM model_access WHERE account_id = $1 AND region = 'us-east-1' AND model_id = $2",
      [DENIED, COHERE],
    );
    expect(other?.availability_error).toBeNull();
    const [legacy] = await sql<{ t: Date | null }>(
      "SELECT public_extended_access_time AS t FROM model_access WHERE account_id = $1 AND region = 'us-east-1' AND model_id = $2",
      [DATA, LEGACY],
    );
    expect(legacy?.t?.toISOString()).toBe("2026-01-01T00:00:00.000Z");
  });

  it("the reachability engine judges with the stored facts", async () => {
    const explain = (accountId: string, region: string, model: string) =>
      t.services.reachability.explain(ctx, { accountId, region, model });
    // Zero retention in us-west-2: Claude Fable 5 (provider_data_share only) is refused there.
    const zero = await explain(DATA, "us-west-2", FABLE);
    expect(zero.verdict.status).toBe("blocked");
    const direct = zero.verdict.paths.find((p) => p.path.kind === "direct");
    expect(direct?.gate).toBe("data_retention");
    expect(direct?.reason).toMatch(/none/);
    // Where the mode could not be read, retention cannot be decided: never a guess.
    const unread = await explain(DENIED, "us-east-1", FABLE);
    const check = unread.verdict.paths
      .find((p) => p.path.kind === "direct")
      ?.checks.find((c) => c.gate === "data_retention");
    expect(check?.status).toBe("unknown");
    expect(check?.reason).toMatch(/GetAccountDataRetention/);
    // A pending grant blocks the model it covers at the entitlement gate; an ACTIVE one passes it.
    const pending = await explain(DENIED, "us-east-1", SONNET);
    const pendingDirect = pending.verdict.paths.find((p) => p.path.kind === "direct");
    expect(pendingDirect?.checks.find((c) => c.gate === "entitlement")?.status).toBe("fail");
    const active = await explain(DATA, "us-east-1", SONNET);
    expect(
      active.verdict.paths.find((p) => p.path.kind === "direct")?.checks.find((c) => c.gate === "entitlement")?.status,
    ).toBe("pass");
  });

  it("a second sync leaves the facts as they were", async () => {
    const before = await sql(
      "SELECT account_id, region, fact, known, value, reason FROM inventory_facts ORDER BY 1, 2, 3",
    );
    await sync();
    const after = await sql(
      "SELECT account_id, region, fact, known, value, reason FROM inventory_facts ORDER BY 1, 2, 3",
    );
    expect(after).toEqual(before);
  });
});
