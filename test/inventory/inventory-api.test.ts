// The inventory HTTP API over a real sync of the demo organization (in-process sandbox, real
// pg-boss worker, real PostgreSQL). One organization sync seeds every test in this file.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import type { AccountSummary } from "../../src/modules/inventory/inventory-query.types.js";
import { DEMO_ACCOUNTS } from "../../src/sandbox/demo.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { waitForSyncRun } from "../helpers/wait.js";

const ctx = { principal: SYSTEM_PRINCIPAL };
const SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const COHERE = "cohere.command-r-plus-v1:0";
const DEMO_REGIONS = ["eu-west-1", "us-east-1", "us-west-2"];

let t: TestApp;
let viewer: string;
let admin: string;
let firstRunId: string;
const ou: Record<string, string> = {};

interface Page<T> {
  items: T[];
  nextCursor?: string;
}
interface MatrixRow {
  modelId: string;
  provider: string;
  access: string;
  profiles: string[];
  agreementStatus: string | null;
}
interface Availability {
  accountId: string;
  region: string;
  access: string;
  viaProfiles: Array<{ profileId: string; isGlobal: boolean; destinationRegions: string[] }>;
  verdict: { status: string } | null;
}
interface Change {
  id: string;
  runId: string | null;
  occurredAt: string;
  entity: string;
  accountId: string | null;
  region: string | null;
  subject: string | null;
}

/** GET as the viewer, as another key, or (null) with no credentials. */
const get = (url: string, authorization: string | null = viewer) =>
  t.app.inject({ url, headers: authorization === null ? {} : { authorization } });
const send = (
  method: "POST" | "PUT" | "DELETE",
  url: string,
  payload?: Record<string, unknown>,
  authorization = admin,
) => t.app.inject({ method, url, headers: { authorization }, ...(payload === undefined ? {} : { payload }) });

/** Follows nextCursor to the end; asserts each page respects the limit. */
async function allPages<T>(url: string, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const sep = url.includes("?") ? "&" : "?";
    const res = await get(`${url}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json() as Page<T>;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  return { items, pages };
}

const accounts = async (query = "") => (await get(`/v1/accounts?limit=200${query}`)).json().items as AccountSummary[];
const account = async (id: string) => (await accounts()).find((a) => a.id === id) as AccountSummary;

beforeAll(async () => {
  t = await startTestApp({ SYNC_CONCURRENCY: "16" });
  viewer = await t.keyFor("viewer", "inventory-viewer");
  admin = await t.keyFor("admin", "inventory-admin");
  const run = await t.services.sync.requestSync(ctx, { scope: "organization" });
  firstRunId = run.id;
  const done = await waitForSyncRun(t, run.id);
  expect(done.status).toBe("partial");
  const units = (await get("/v1/org/units?limit=200")).json().items as Array<{ id: string; name: string }>;
  for (const u of units) ou[u.name] = u.id;
});
afterAll(async () => t?.close());

describe("organization units", () => {
  it("lists the root and OUs by path with direct and subtree account counts", async () => {
    const res = await get("/v1/org/units");
    expect(res.statusCode).toBe(200);
    const units = res.json().items as Array<{
      name: string;
      kind: string;
      path: string;
      parentId: string | null;
      accountsDirect: number;
      accountsInSubtree: number;
    }>;
    const byName = Object.fromEntries(units.map((u) => [u.name, u]));
    expect(units.map((u) => u.path)).toEqual([...units.map((u) => u.path)].sort());
    expect(byName.Root).toMatchObject({ kind: "root", parentId: null, path: "/Root", accountsDirect: 2 });
    expect(byName.Root?.accountsInSubtree).toBe(Object.keys(DEMO_ACCOUNTS).length);
    expect(byName.Workloads).toMatchObject({ kind: "ou", accountsDirect: 0, accountsInSubtree: 6 });
    expect(byName.Prod).toMatchObject({ path: "/Root/Workloads/Prod", accountsDirect: 3, accountsInSubtree: 3 });
    expect(byName.Sandbox).toMatchObject({ accountsDirect: 2, accountsInSubtree: 2 });
  });

  it("filters by parent and pages by keyset without gaps or repeats", async () => {
    const children = (await get(`/v1/org/units?parentId=${ou.Workloads}`)).json().items as Array<{ name: string }>;
    expect(children.map((c) => c.name).sort()).toEqual(["NonProd", "Prod"]);
    const all = (await get("/v1/org/units?limit=200")).json().items as Array<{ id: string }>;
    const { items, pages } = await allPages<{ id: string }>("/v1/org/units", 2);
    expect(pages).toBe(Math.ceil(all.length / 2));
    expect(items.map((u) => u.id)).toEqual(all.map((u) => u.id));
  });
});

describe("accounts with an access summary", () => {
  it("every ACTIVE account with a working member role is complete with models", async () => {
    const list = await accounts();
    expect(list).toHaveLength(Object.keys(DEMO_ACCOUNTS).length);
    const working = list.filter((a) => a.state === "ACTIVE" && a.id !== DEMO_ACCOUNTS.sandboxAlice);
    expect(working.length).toBe(10);
    for (const a of working) {
      expect(a, a.name).toMatchObject({ status: "complete", regionsError: 0, regionsNever: 0, lastErrorGate: null });
      expect(a.regionsOk + a.regionsDisabled, a.name).toBe(a.regionsInScope);
      expect(a.modelsAvailable, a.name).toBeGreaterThan(0);
      expect(a.lastSuccessAt, a.name).not.toBeNull();
    }
    // The ExternalId-mismatch role works because the configured ExternalId is the one it expects.
    expect(list.find((a) => a.id === DEMO_ACCOUNTS.nonprodPayments)?.status).toBe("complete");
    // nonprod-data has not enabled eu-west-1: recorded as disabled, not as a gap.
    expect(list.find((a) => a.id === DEMO_ACCOUNTS.nonprodData)).toMatchObject({
      status: "complete",
      regionsInScope: 3,
      regionsOk: 2,
      regionsDisabled: 1,
    });
  });

  it("model counts stored after the run are used while current; a changed account-Region is counted afresh", async () => {
    const db = t.db.client;
    const counted = async (id: string) => {
      const [row] = await db.$queryRaw<Array<{ n: number }>>`
        SELECT count(DISTINCT x)::int AS n FROM account_regions ar CROSS JOIN LATERAL unnest(ar.available_models) AS x
        WHERE ar.account_id = ${id} AND ar.status = 'ok'`;
      return row?.n ?? -1;
    };
    const modelsOf = async (id: string) => (await accounts()).find((a) => a.id === id)?.modelsAvailable;
    const id = DEMO_ACCOUNTS.prodSearch;
    // The run's end stored a count for every account; each equals a fresh count.
    const stored = await db.$queryRaw<Array<{ account_id: string; models_available: number }>>`
      SELECT account_id, models_available FROM account_model_counts`;
    expect(stored.length).toBe(Object.keys(DEMO_ACCOUNTS).length);
    for (const row of stored) expect(row.models_available, row.account_id).toBe(await counted(row.account_id));
    const truth = await counted(id);
    expect(truth).toBeGreaterThan(1);
    expect(await modelsOf(id)).toBe(truth);

    try {
      // While the stored fingerprint is current, the list serves the stored number (proof: a wrong one).
      await db.$executeRaw`UPDATE account_model_counts SET models_available = 999 WHERE account_id = ${id}`;
      expect(await modelsOf(id)).toBe(999);
      // A sync writing one account-Region changes its fingerprint: the list counts afresh at once.
      await db.$executeRaw`UPDATE account_regions SET last_success_at = last_success_at + interval '1 second',
        available_models = available_models[2:] WHERE account_id = ${id} AND region = 'us-east-1' AND status = 'ok'`;
      const after = await counted(id);
      expect(await modelsOf(id)).toBe(after);
      // The refresh after the next run stores the new count for that account only.
      expect(await t.services.inventory.refreshModelCounts()).toBe(1);
      const [row] = await db.$queryRaw<Array<{ n: number }>>`
        SELECT models_available AS n FROM account_model_counts WHERE account_id = ${id}`;
      expect(row?.n).toBe(after);
      expect(await modelsOf(id)).toBe(after);
    } finally {
      // Leave the account as the sync wrote it (later tests read it).
      await waitForSyncRun(t, (await t.services.sync.requestSync(ctx, { scope: "account", scopeId: id })).id);
    }
    expect(await modelsOf(id)).toBe(truth);
  });

  it("the account without a member role is unreachable at the credentials gate; SUSPENDED is inactive", async () => {
    const list = await accounts();
    expect(list.find((a) => a.id === DEMO_ACCOUNTS.sandboxAlice)).toMatchObject({
      name: "sandbox-alice",
      status: "unreachable",
      lastErrorGate: "credentials",
      regionsInScope: 3,
      regionsOk: 0,
      regionsError: 3,
      modelsAvailable: 0,
      lastSuccessAt: null,
    });
    expect(list.find((a) => a.id === DEMO_ACCOUNTS.sandboxBob)).toMatchObject({
      state: "SUSPENDED",
      status: "inactive",
      regionsOk: 0,
      regionsNever: 3,
    });
  });

  it("filters by OU subtree, state, status and name", async () => {
    const prod = await accounts(`&ouId=${ou.Prod}`);
    expect(prod.map((a) => a.name).sort()).toEqual(["prod-payments", "prod-search", "prod-support"]);
    const workloads = await accounts(`&ouId=${ou.Workloads}`);
    expect(workloads).toHaveLength(6);
    const everything = await accounts(`&ouId=${ou.Root}`);
    expect(everything).toHaveLength(Object.keys(DEMO_ACCOUNTS).length);
    expect((await accounts("&state=SUSPENDED")).map((a) => a.id)).toEqual([DEMO_ACCOUNTS.sandboxBob]);
    expect((await accounts("&status=unreachable")).map((a) => a.id)).toEqual([DEMO_ACCOUNTS.sandboxAlice]);
    expect((await accounts("&status=inactive")).map((a) => a.id)).toEqual([DEMO_ACCOUNTS.sandboxBob]);
    expect(await accounts("&status=never_synced")).toEqual([]);
    expect((await accounts("&q=PROD-S")).map((a) => a.name).sort()).toEqual([
      "nonprod-search",
      "prod-search",
      "prod-support",
    ]);
    expect((await accounts(`&ouId=${ou.NonProd}&status=complete`)).map((a) => a.name).sort()).toEqual([
      "nonprod-data",
      "nonprod-payments",
      "nonprod-search",
    ]);
    const bad = await get("/v1/accounts?status=great");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe("query.status");
  });

  it("pages by keyset on id, also with a status filter, without gaps or repeats", async () => {
    const all = await accounts();
    const { items, pages } = await allPages<AccountSummary>("/v1/accounts", 5);
    expect(pages).toBe(3);
    expect(items.map((a) => a.id)).toEqual(all.map((a) => a.id));
    expect(all.map((a) => a.id)).toEqual([...all.map((a) => a.id)].sort());
    const complete = await accounts("&status=complete");
    const paged = await allPages<AccountSummary>("/v1/accounts?status=complete", 3);
    expect(paged.items.map((a) => a.id)).toEqual(complete.map((a) => a.id));
    expect(paged.pages).toBe(Math.ceil(complete.length / 3));
    const bad = await get("/v1/accounts?cursor=bm9wZQ");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe("query.cursor");
  });
});

describe("one account", () => {
  it("shows its Regions and the effective SCP set: root, each ancestor OU and the account, with levels", async () => {
    const res = await get(`/v1/accounts/${DEMO_ACCOUNTS.prodPayments}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ id: DEMO_ACCOUNTS.prodPayments, name: "prod-payments", status: "complete" });
    expect(body.regions.map((r: { region: string }) => r.region)).toEqual(DEMO_REGIONS);
    for (const r of body.regions) {
      expect(r).toMatchObject({ inScope: true, status: "ok", loggingEnabled: true, lastErrorGate: null });
      expect(r.modelCount).toBeGreaterThan(0);
      // prod-payments enforces a PII guardrail in every Region.
      expect(r.guardrailCount).toBeGreaterThan(0);
    }
    const policies = body.effectivePolicies as Array<{
      name: string;
      type: string;
      level: string;
      attachedTo: string;
      content: string;
    }>;
    const deny = policies.find((p) => p.name === "DenyDeepSeekModels");
    expect(deny).toMatchObject({ level: "root", attachedTo: ou.Root, type: "SERVICE_CONTROL_POLICY" });
    expect(JSON.parse(deny?.content as string).Statement[0].Sid).toBe("DenyDeepSeek");
    expect(policies.find((p) => p.name === "ProdApprovedModelsOnly")).toMatchObject({
      level: "ou",
      attachedTo: ou.Prod,
    });
    expect(policies.find((p) => p.name === "OrgGuardrails")).toMatchObject({
      level: "ou",
      attachedTo: ou.Workloads,
      type: "BEDROCK_POLICY",
    });
    // Root first, then OUs top-down, then the account itself.
    const order = { root: 0, ou: 1, account: 2 } as Record<string, number>;
    const levels = policies.map((p) => order[p.level] as number);
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
    expect(policies.some((p) => p.level === "account" && p.attachedTo === DEMO_ACCOUNTS.prodPayments)).toBe(true);
  });

  it("an account outside Prod does not get the Prod allow-list; an unreachable one shows its errors", async () => {
    const nonprod = (await get(`/v1/accounts/${DEMO_ACCOUNTS.nonprodSearch}`)).json();
    const names = nonprod.effectivePolicies.map((p: { name: string }) => p.name);
    expect(names).toContain("DenyDeepSeekModels");
    expect(names).not.toContain("ProdApprovedModelsOnly");
    const alice = (await get(`/v1/accounts/${DEMO_ACCOUNTS.sandboxAlice}`)).json();
    expect(alice.regions).toHaveLength(3);
    for (const r of alice.regions) {
      expect(r).toMatchObject({ status: "error", lastErrorGate: "credentials", modelCount: 0 });
      expect(r.lastErrorMessage).toMatch(/AssumeRole/);
    }
    const data = (await get(`/v1/accounts/${DEMO_ACCOUNTS.nonprodData}`)).json();
    expect(data.regions.find((r: { region: string }) => r.region === "eu-west-1")).toMatchObject({
      status: "disabled",
      lastErrorGate: "region",
    });
  });

  it("404 for an unknown account, 400 for a malformed id", async () => {
    const missing = await get("/v1/accounts/000000000000");
    expect(missing.statusCode).toBe(404);
    expect(missing.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect(missing.json().code).toBe("NOT_FOUND");
    const bad = await get("/v1/accounts/abc");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe("params.accountId");
  });
});

describe("model-access matrix of one account-Region", () => {
  const matrix = (accountId: string, region: string, query = "") =>
    get(`/v1/accounts/${accountId}/regions/${region}/models?limit=200${query}`);

  it("derives access per model: the PENDING agreement, profile-only Claude models, available ones", async () => {
    const res = await matrix(DEMO_ACCOUNTS.prodSupport, "us-east-1");
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.accountRegion).toMatchObject({
      accountId: DEMO_ACCOUNTS.prodSupport,
      accountName: "prod-support",
      region: "us-east-1",
      status: "ok",
      loggingEnabled: true,
    });
    const rows = Object.fromEntries((body.items as MatrixRow[]).map((r) => [r.modelId, r]));
    expect(rows[COHERE]).toMatchObject({ agreementStatus: "PENDING", access: "agreement_pending" });
    expect(rows[SONNET]?.access).toBe("profile_only");
    expect(rows[SONNET]?.profiles).toEqual([`global.${SONNET}`, `us.${SONNET}`]);
    expect(rows["anthropic.claude-haiku-4-5-20251001-v1:0"]?.access).toBe("profile_only");
    expect(rows["amazon.nova-pro-v1:0"]).toMatchObject({ access: "available", profiles: ["us.amazon.nova-pro-v1:0"] });
    expect(rows["mistral.mistral-large-2407-v1:0"]).toMatchObject({ access: "available", profiles: [] });
    // The same Marketplace model elsewhere: no PENDING agreement there.
    const payments = (await matrix(DEMO_ACCOUNTS.prodPayments, "us-east-1")).json().items as MatrixRow[];
    expect(payments.find((r) => r.modelId === COHERE)?.access).toBe("available");
  });

  it("shows the other gates: no agreement, no Anthropic use case", async () => {
    const data = (await matrix(DEMO_ACCOUNTS.nonprodData, "us-east-1")).json().items as MatrixRow[];
    expect(data.find((r) => r.modelId === COHERE)).toMatchObject({
      agreementStatus: "NOT_AVAILABLE",
      access: "needs_agreement",
    });
    // The management account never submitted the Anthropic use case form.
    const mgmt = (await matrix(DEMO_ACCOUNTS.management, "us-east-1")).json().items as MatrixRow[];
    const anthropic = mgmt.filter((r) => r.provider === "Anthropic");
    expect(anthropic.length).toBeGreaterThan(0);
    expect(anthropic.every((r) => r.access === "not_authorized")).toBe(true);
  });

  it("filters by provider and access, pages by model id; reports a failed account-Region's status", async () => {
    const anthropic = (await matrix(DEMO_ACCOUNTS.prodSupport, "us-east-1", "&provider=anthropic")).json()
      .items as MatrixRow[];
    expect(anthropic.length).toBe(4);
    expect(anthropic.every((r) => r.provider === "Anthropic")).toBe(true);
    const profileOnly = (await matrix(DEMO_ACCOUNTS.prodSupport, "us-east-1", "&access=profile_only")).json()
      .items as MatrixRow[];
    expect(profileOnly.map((r) => r.modelId).sort()).toEqual(
      ["anthropic.claude-haiku-4-5-20251001-v1:0", SONNET, "deepseek.r1-v1:0"].sort(),
    );
    const all = (await matrix(DEMO_ACCOUNTS.prodSupport, "us-east-1")).json().items as MatrixRow[];
    const paged = await allPages<MatrixRow>(`/v1/accounts/${DEMO_ACCOUNTS.prodSupport}/regions/us-east-1/models`, 5);
    expect(paged.items.map((r) => r.modelId)).toEqual(all.map((r) => r.modelId));
    expect(paged.pages).toBe(Math.ceil(all.length / 5));
    const alice = (await matrix(DEMO_ACCOUNTS.sandboxAlice, "us-east-1")).json();
    expect(alice.accountRegion).toMatchObject({ status: "error", lastErrorGate: "credentials" });
    expect(alice.items).toEqual([]);
  });

  it("404 for an unknown account-Region, 400 for a malformed Region", async () => {
    expect((await matrix(DEMO_ACCOUNTS.prodSupport, "ap-south-1")).statusCode).toBe(404);
    expect((await matrix("000000000000", "us-east-1")).statusCode).toBe(404);
    // Suspended accounts are never entered: no account-Region rows.
    expect((await matrix(DEMO_ACCOUNTS.sandboxBob, "us-east-1")).statusCode).toBe(404);
    const bad = await matrix(DEMO_ACCOUNTS.prodSupport, "mars");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe("params.region");
  });
});

describe("where a model can be used", () => {
  const availability = (modelId: string, query = "?limit=200") =>
    get(`/v1/models/${encodeURIComponent(modelId)}/availability${query}`);

  it("lists each account-Region offering the model with its access and the profiles routing to it", async () => {
    const res = await availability(SONNET);
    expect(res.statusCode).toBe(200);
    const rows = res.json().items as Availability[];
    // Every synced account-Region offers it (the demo offers every model in every enabled Region).
    const okRegions = (await accounts()).reduce((n, a) => n + a.regionsOk, 0);
    expect(rows).toHaveLength(okRegions);
    expect(rows.some((r) => r.accountId === DEMO_ACCOUNTS.sandboxAlice)).toBe(false);
    const key = (r: Availability) => `${r.accountId}/${r.region}`;
    expect(rows.map(key)).toEqual([...rows.map(key)].sort());
    const payments = rows.find((r) => r.accountId === DEMO_ACCOUNTS.prodPayments && r.region === "us-east-1");
    expect(payments?.access).toBe("profile_only");
    expect(payments?.viaProfiles).toEqual([
      { profileId: `global.${SONNET}`, isGlobal: true, destinationRegions: expect.any(Array) },
      { profileId: `us.${SONNET}`, isGlobal: false, destinationRegions: ["us-east-1", "us-west-2"] },
    ]);
    const eu = rows.find((r) => r.accountId === DEMO_ACCOUNTS.prodPayments && r.region === "eu-west-1");
    expect(eu?.viaProfiles.map((p) => p.profileId)).toEqual([`eu.${SONNET}`, `global.${SONNET}`]);
    expect(rows.find((r) => r.accountId === DEMO_ACCOUNTS.management)?.access).toBe("not_authorized");
  });

  it("pages by (account, Region) without gaps or repeats", async () => {
    const all = (await availability(SONNET)).json().items as Availability[];
    const paged = await allPages<Availability>(`/v1/models/${encodeURIComponent(SONNET)}/availability`, 4);
    expect(paged.items.map((r) => `${r.accountId}/${r.region}`)).toEqual(all.map((r) => `${r.accountId}/${r.region}`));
    expect(paged.pages).toBe(Math.ceil(all.length / 4));
  });

  it("includes account-Regions where the model is not offered but a profile there routes to it", async () => {
    // A profile in one account-Region routing to a model no Region offers (as a cross-Region
    // profile does when its destinations lie elsewhere).
    const routed = "acme.routed-only-v1:0";
    await t.db.client.inferenceProfile.create({
      data: {
        accountId: DEMO_ACCOUNTS.security,
        region: "us-west-2",
        profileId: `us.${routed}`,
        arn: `arn:aws:bedrock:us-west-2:${DEMO_ACCOUNTS.security}:inference-profile/us.${routed}`,
        type: "SYSTEM_DEFINED",
        isGlobal: false,
        modelIds: [routed],
        destinationRegions: ["us-east-1", "us-east-2"],
      },
    });
    const rows = (await availability(routed)).json().items as Availability[];
    // The engine's verdict rides along (null until a reconciliation has judged the cell).
    for (const r of rows)
      expect(r.verdict === null || ["usable", "blocked", "unknown"].includes(r.verdict.status)).toBe(true);
    expect(rows.map(({ verdict: _v, ...rest }) => rest)).toEqual([
      {
        accountId: DEMO_ACCOUNTS.security,
        accountName: "security-tooling",
        region: "us-west-2",
        syncStatus: "ok",
        access: "via_profile",
        viaProfiles: [{ profileId: `us.${routed}`, isGlobal: false, destinationRegions: ["us-east-1", "us-east-2"] }],
      },
    ]);
  });

  it("404 for a model nowhere in the inventory", async () => {
    const res = await availability("acme.nowhere-v9:0");
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe("NOT_FOUND");
  });
});

describe("inventory history", () => {
  it("filters by account, Region, entity, subject, run and time window", async () => {
    const byAccount = (await get(`/v1/inventory/changes?limit=200&accountId=${DEMO_ACCOUNTS.prodSupport}`)).json()
      .items as Change[];
    expect(byAccount.length).toBeGreaterThan(0);
    expect(byAccount.every((c) => c.accountId === DEMO_ACCOUNTS.prodSupport)).toBe(true);
    const models = (
      await get(`/v1/inventory/changes?limit=200&accountId=${DEMO_ACCOUNTS.prodSupport}&region=us-east-1&entity=model`)
    ).json().items as Change[];
    expect(models.length).toBe(12);
    expect(models.every((c) => c.entity === "model" && c.region === "us-east-1")).toBe(true);
    const subject = (await get(`/v1/inventory/changes?limit=200&subject=${encodeURIComponent(COHERE)}`)).json()
      .items as Change[];
    expect(subject.length).toBeGreaterThan(0);
    expect(subject.every((c) => c.subject === COHERE)).toBe(true);
    const byRun = (await get(`/v1/inventory/changes?limit=5&runId=${firstRunId}`)).json().items as Change[];
    expect(byRun).toHaveLength(5);
    expect(byRun.every((c) => c.runId === firstRunId)).toBe(true);
    const future = (await get(`/v1/inventory/changes?from=${new Date(Date.now() + 60_000).toISOString()}`)).json();
    expect(future.items).toEqual([]);
    const past = (await get(`/v1/inventory/changes?to=2000-01-01T00:00:00Z`)).json();
    expect(past.items).toEqual([]);
    const inverted = await get("/v1/inventory/changes?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z");
    expect(inverted.statusCode).toBe(400);
    expect(inverted.json().errors[0].field).toBe("query.from");
  });

  it("pages newest first by keyset without gaps or repeats", async () => {
    const url = `/v1/inventory/changes?accountId=${DEMO_ACCOUNTS.prodPayments}`;
    const all = (await get(`${url}&limit=200`)).json().items as Change[];
    expect(all.length).toBeGreaterThan(20);
    const ids = all.map((c) => BigInt(c.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
    const paged = await allPages<Change>(url, 7);
    expect(paged.items.map((c) => c.id)).toEqual(all.map((c) => c.id));
    expect(paged.pages).toBe(Math.ceil(all.length / 7));
    expect((await get("/v1/inventory/changes?cursor=eyJpZCI6Ingi")).statusCode).toBe(400);
  });
});

describe("sync runs", () => {
  it("lists and gets runs with progress and errors by gate", async () => {
    const list = (await get("/v1/sync-runs")).json().items as Array<{ id: string }>;
    expect(list.map((r) => r.id)).toContain(firstRunId);
    const res = await get(`/v1/sync-runs/${firstRunId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: firstRunId,
      scope: { kind: "organization" },
      onlyRegion: null,
      status: "partial",
      progress: { failed: 3, pending: 0 },
      errorsByGate: [{ gate: "credentials", count: 3 }],
    });
    expect((await get("/v1/sync-runs/00000000-0000-4000-8000-000000000000")).statusCode).toBe(404);
    expect((await get("/v1/sync-runs/not-a-uuid")).statusCode).toBe(400);
  });

  it("POST starts a run (202 with the run and its location) that the worker completes", async () => {
    const res = await send("POST", "/v1/sync-runs", {
      scope: { kind: "account", id: DEMO_ACCOUNTS.prodSearch, region: "us-west-2" },
    });
    expect(res.statusCode, res.body).toBe(202);
    const run = res.json();
    expect(run).toMatchObject({
      scope: { kind: "account", id: DEMO_ACCOUNTS.prodSearch, region: "us-west-2" },
      onlyRegion: null,
    });
    expect(run).not.toHaveProperty("scopeId");
    expect(res.headers.location).toBe(`/v1/sync-runs/${run.id}`);
    const done = await waitForSyncRun(t, run.id);
    expect(done).toMatchObject({ status: "succeeded", progress: { total: 1, succeeded: 1 } });
    const read = (await get(`/v1/sync-runs/${run.id}`)).json();
    expect(read.scope).toEqual({ kind: "account", id: DEMO_ACCOUNTS.prodSearch, region: "us-west-2" });
  });

  it("an organization or OU run can cover one Region (onlyRegion)", async () => {
    const res = await send("POST", "/v1/sync-runs", { scope: { kind: "organization" }, onlyRegion: "us-west-2" });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ scope: { kind: "organization" }, onlyRegion: "us-west-2" });
    await waitForSyncRun(t, res.json().id);
  });

  it("names the field when the scope is invalid, and starts nothing", async () => {
    const before = await t.db.client.syncRun.count();
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ scope: { kind: "account" } }, 400, "body.scope.id"],
      [{ scope: { kind: "account", id: "12345" } }, 400, "body.scope.id"],
      [{ scope: { kind: "account", id: "999999999999" } }, 422, "body.scope.id"],
      [{ scope: { kind: "ou", id: "ou-none-nonexist" } }, 422, "body.scope.id"],
      [{ scope: { kind: "ou", id: DEMO_ACCOUNTS.prodSearch } }, 400, "body.scope.id"],
      [{ scope: { kind: "ou", id: "ou-none-nonexist", region: "us-east-1" } }, 400, "body.scope.region"],
      [{ scope: { kind: "organization", id: "r-abcd" } }, 400, "body.scope.id"],
      [{ scope: { kind: "account", id: DEMO_ACCOUNTS.prodSearch, region: "moon-1" } }, 400, "body.scope.region"],
      [{ scope: { kind: "galaxy" } }, 400, "body.scope.kind"],
      [{ scope: {} }, 400, "body.scope.kind"],
      [{ scope: "organization" }, 400, "body.scope"],
      [{}, 400, "body.scope"],
      [{ scope: { kind: "organization" }, onlyRegion: "moon-1" }, 400, "body.onlyRegion"],
      [{ scope: { kind: "account", id: DEMO_ACCOUNTS.prodSearch }, onlyRegion: "us-east-1" }, 400, "body.onlyRegion"],
      [{ scope: { kind: "organization" }, force: true }, 400, "body.force"],
    ];
    for (const [body, status, field] of cases) {
      const res = await send("POST", "/v1/sync-runs", body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.headers["content-type"]).toContain("application/problem+json");
      expect(res.json().errors[0].field, JSON.stringify(body)).toBe(field);
    }
    const galaxy = await send("POST", "/v1/sync-runs", { scope: { kind: "galaxy" } });
    expect(galaxy.json().errors).toEqual([{ field: "body.scope.kind", message: "is not one of the allowed values" }]);
    expect(await t.db.client.syncRun.count()).toBe(before);
  });
});

describe("authorization", () => {
  it("401 without credentials on every inventory read", async () => {
    for (const url of [
      "/v1/org/units",
      "/v1/accounts",
      `/v1/accounts/${DEMO_ACCOUNTS.prodSupport}`,
      `/v1/accounts/${DEMO_ACCOUNTS.prodSupport}/regions/us-east-1/models`,
      `/v1/models/${encodeURIComponent(SONNET)}/availability`,
      "/v1/inventory/changes",
      "/v1/sync-runs",
      "/v1/region-scopes",
    ]) {
      expect((await get(url, null)).statusCode, url).toBe(401);
    }
  });

  it("every role reads; only admins start syncs and change Region scopes (403)", async () => {
    for (const role of ["viewer", "requester", "approver", "auditor"] as const) {
      const key = await t.keyFor(role);
      expect((await get("/v1/accounts", key)).statusCode, role).toBe(200);
      expect((await send("POST", "/v1/sync-runs", { scope: { kind: "organization" } }, key)).statusCode, role).toBe(
        403,
      );
      expect(
        (await send("PUT", `/v1/region-scopes/${ou.Prod}`, { regions: ["us-east-1"] }, key)).statusCode,
        role,
      ).toBe(403);
      expect((await send("DELETE", `/v1/region-scopes/${ou.Prod}`, undefined, key)).statusCode, role).toBe(403);
    }
    expect((await t.app.inject({ method: "POST", url: "/v1/sync-runs", payload: {} })).statusCode).toBe(401);
  });
});

describe("Region scopes", () => {
  it("validates the Region list and the target, naming the field", async () => {
    const url = `/v1/region-scopes/${DEMO_ACCOUNTS.prodSearch}`;
    const bad = await send("PUT", url, { regions: ["us-east-1", "mars-north-1"] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe("body.regions.1");
    const dup = await send("PUT", url, { regions: ["us-east-1", "us-east-1"] });
    expect(dup.statusCode).toBe(400);
    expect(dup.json().errors[0].field).toBe("body.regions");
    const empty = await send("PUT", url, { regions: [] });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().errors[0].field).toBe("body.regions");
    // 31 distinct, well-formed Region codes: only the count is wrong.
    const prefixes = ["us", "eu", "ap", "ca", "sa", "me", "af"];
    const tooMany = await send("PUT", url, {
      regions: Array.from({ length: 31 }, (_, i) => `${prefixes[i % 7]}-east-${Math.floor(i / 7) + 1}`),
    });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().errors[0].field).toBe("body.regions");
    const missing = await send("PUT", url, {});
    expect(missing.json().errors[0].field).toBe("body.regions");
    const unknown = await send("PUT", "/v1/region-scopes/ou-none-nonexist", { regions: ["us-east-1"] });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().errors[0].field).toBe("params.targetId");
    expect((await get("/v1/region-scopes")).json().items).toEqual([]);
  });

  it("PUT and DELETE are audited, shape the summaries, and the next sync uses the nearest scope", async () => {
    const accountUrl = `/v1/region-scopes/${DEMO_ACCOUNTS.prodSearch}`;
    const put = await send("PUT", accountUrl, { regions: ["eu-west-1"] });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({
      targetId: DEMO_ACCOUNTS.prodSearch,
      targetKind: "account",
      targetName: "prod-search",
      regions: ["eu-west-1"],
      updatedBy: expect.stringMatching(/^apikey:/),
    });
    const ouPut = await send("PUT", `/v1/region-scopes/${ou.Prod}`, { regions: ["us-east-1", "us-west-2"] });
    expect(ouPut.statusCode).toBe(200);
    expect(ouPut.json()).toMatchObject({ targetKind: "ou", targetName: "Prod" });
    const scopes = (await get("/v1/region-scopes")).json().items as Array<{ targetId: string }>;
    expect(scopes.map((s) => s.targetId).sort()).toEqual([DEMO_ACCOUNTS.prodSearch, ou.Prod].sort());
    const paged = await allPages<{ targetId: string }>("/v1/region-scopes", 1);
    expect(paged.items.map((s) => s.targetId)).toEqual(scopes.map((s) => s.targetId));

    // The account's own override wins over its OU's; its siblings follow the OU.
    expect(await account(DEMO_ACCOUNTS.prodSearch)).toMatchObject({ regionsInScope: 1, status: "complete" });
    expect(await account(DEMO_ACCOUNTS.prodPayments)).toMatchObject({ regionsInScope: 2, status: "complete" });
    const detail = (await get(`/v1/accounts/${DEMO_ACCOUNTS.prodSearch}`)).json();
    expect(detail.regions.map((r: { region: string; inScope: boolean }) => [r.region, r.inScope])).toEqual([
      ["eu-west-1", true],
      ["us-east-1", false],
      ["us-west-2", false],
    ]);

    // A scoped sync of the account produces jobs only for its one Region.
    const run = await send("POST", "/v1/sync-runs", { scope: { kind: "account", id: DEMO_ACCOUNTS.prodSearch } });
    expect(run.statusCode).toBe(202);
    const done = await waitForSyncRun(t, run.json().id);
    expect(done).toMatchObject({ status: "succeeded", progress: { total: 1, succeeded: 1 } });
    const jobs = await t.db.client.syncRunJob.findMany({ where: { runId: done.id } });
    expect(jobs.map((j) => [j.accountId, j.region])).toEqual([[DEMO_ACCOUNTS.prodSearch, "eu-west-1"]]);
    // And an OU sync follows the OU's scope for the other accounts.
    const ouRun = await waitForSyncRun(
      t,
      (await t.services.sync.requestSync(ctx, { scope: "ou", scopeId: ou.Prod as string })).id,
    );
    const ouJobs = await t.db.client.syncRunJob.findMany({ where: { runId: ouRun.id } });
    expect(ouJobs.map((j) => `${j.accountId}/${j.region}`).sort()).toEqual(
      [
        `${DEMO_ACCOUNTS.prodPayments}/us-east-1`,
        `${DEMO_ACCOUNTS.prodPayments}/us-west-2`,
        `${DEMO_ACCOUNTS.prodSearch}/eu-west-1`,
        `${DEMO_ACCOUNTS.prodSupport}/us-east-1`,
        `${DEMO_ACCOUNTS.prodSupport}/us-west-2`,
      ].sort(),
    );

    // Replace, then delete: the account falls back to its OU's scope.
    expect((await send("PUT", accountUrl, { regions: ["us-east-1", "eu-west-1"] })).statusCode).toBe(200);
    const del = await send("DELETE", accountUrl);
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe("");
    expect((await send("DELETE", accountUrl)).statusCode).toBe(404);
    expect(await account(DEMO_ACCOUNTS.prodSearch)).toMatchObject({ regionsInScope: 2 });
    expect((await send("DELETE", `/v1/region-scopes/${ou.Prod}`)).statusCode).toBe(204);
    expect(await account(DEMO_ACCOUNTS.prodSearch)).toMatchObject({ regionsInScope: 3 });
    expect((await get("/v1/region-scopes")).json().items).toEqual([]);

    const events = (
      await get(`/v1/audit-events?targetType=region_scope&targetId=${DEMO_ACCOUNTS.prodSearch}`, admin)
    ).json().items;
    expect(events.map((e: { action: string }) => e.action)).toEqual([
      "region_scope.delete",
      "region_scope.put",
      "region_scope.put",
    ]);
    expect(events[2]).toMatchObject({
      actorName: "inventory-admin",
      before: null,
      after: { targetKind: "account", regions: ["eu-west-1"] },
    });
    expect(events[1]).toMatchObject({
      before: { regions: ["eu-west-1"] },
      after: { regions: ["us-east-1", "eu-west-1"] },
    });
    expect(events[0]).toMatchObject({ before: { regions: ["us-east-1", "eu-west-1"] }, after: null });
    // Refused changes leave no audit event.
    const refused = await get("/v1/audit-events?targetType=region_scope&targetId=ou-none-nonexist", admin);
    expect(refused.json().items).toEqual([]);
  });
});
