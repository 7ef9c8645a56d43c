// The sync engine end to end: real pg-boss workers, the in-process sandbox (demo organization),
// real PostgreSQL. History is diffed, so a second sync without changes writes nothing.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { DEMO_ACCOUNTS } from "../../src/sandbox/demo.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

let t: TestApp;
const ctx = { principal: SYSTEM_PRINCIPAL };

async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: t.database.url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

async function count(text: string, params: unknown[] = []): Promise<number> {
  const [row] = await sql<{ n: number }>(text, params);
  return row?.n ?? 0;
}

async function syncAndWait(req: Parameters<TestApp["services"]["sync"]["requestSync"]>[1] = { scope: "organization" }) {
  const run = await t.services.sync.requestSync(ctx, req);
  for (let i = 0; i < 600; i++) {
    const now = await t.services.sync.getRun(ctx, run.id);
    if (now.status === "succeeded" || now.status === "partial" || now.status === "failed") return now;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${run.id} did not finish`);
}

beforeAll(async () => {
  t = await startTestApp({ SYNC_CONCURRENCY: "16" });
});
afterAll(async () => t?.close());

describe("organization sync on the demo organization", () => {
  it("records every account-Region; the account without a member role is unreachable (credentials gate)", async () => {
    const run = await syncAndWait();
    expect(run.status).toBe("partial");
    const accounts = await sql<{ id: string; state: string; path: string }>(
      "SELECT id, state, path FROM accounts ORDER BY id",
    );
    expect(accounts).toHaveLength(Object.keys(DEMO_ACCOUNTS).length);
    expect(accounts.find((a) => a.id === DEMO_ACCOUNTS.sandboxBob)?.state).toBe("SUSPENDED");
    expect(accounts.find((a) => a.id === DEMO_ACCOUNTS.prodPayments)?.path).toBe("/Root/Workloads/Prod");

    const regions = await sql<{
      account_id: string;
      region: string;
      status: string;
      last_error_gate: string | null;
      model_count: number;
    }>(
      "SELECT account_id, region, status, last_error_gate, last_error_code, last_error_message, model_count FROM account_regions",
    );
    const alice = regions.filter((r) => r.account_id === DEMO_ACCOUNTS.sandboxAlice);
    expect(alice.length).toBeGreaterThan(0);
    expect(alice.every((r) => r.status === "error" && r.last_error_gate === "credentials")).toBe(true);
    // SUSPENDED accounts are not entered.
    expect(regions.some((r) => r.account_id === DEMO_ACCOUNTS.sandboxBob)).toBe(false);
    const others = regions.filter((r) => r.account_id !== DEMO_ACCOUNTS.sandboxAlice);
    // An account that has not enabled a Region is not a failure: that Region is recorded as disabled.
    const disabled = others.filter((r) => r.status === "disabled");
    expect(disabled.every((r) => r.last_error_gate === "region")).toBe(true);
    const failed = others.filter((r) => r.status !== "ok" && r.status !== "disabled");
    expect(failed, JSON.stringify(failed)).toEqual([]);
    expect(others.filter((r) => r.status === "ok").every((r) => r.model_count > 0)).toBe(true);

    expect(run.progress.failed).toBe(alice.length);
    expect(run.errorsByGate).toEqual([expect.objectContaining({ gate: "credentials", count: alice.length })]);
    const models = await count("SELECT count(*)::int AS n FROM model_access");
    expect(models).toBeGreaterThan(100);
    const changes = await count("SELECT count(*)::int AS n FROM inventory_changes WHERE run_id = $1", [run.id]);
    expect(changes).toBeGreaterThan(models);
    // Effective-SCP inputs: the root's deny and the Prod OU's allow-list are attached.
    const attachments = await sql<{ name: string; target_id: string }>(
      "SELECT p.name, a.target_id FROM org_policy_attachments a JOIN org_policies p ON p.id = a.policy_id",
    );
    expect(attachments.map((a) => a.name)).toEqual(
      expect.arrayContaining(["DenyDeepSeekModels", "ProdApprovedModelsOnly"]),
    );
  });

  it("a second sync with no changes in the sandbox writes no history rows", async () => {
    const before = await count("SELECT count(*)::int AS n FROM inventory_changes");
    const run = await syncAndWait();
    expect(run.status).toBe("partial");
    const after = await count("SELECT count(*)::int AS n FROM inventory_changes");
    expect(after).toBe(before);
  });

  it("a change in AWS becomes exactly its history rows (old → new, in the run that saw it)", async () => {
    const sandbox = t.services.aws;
    // Move an account to another OU and accept an agreement, through the real APIs.
    const org = sandbox.organizations();
    const [root] = await org.listRoots();
    const pending = await sql<{ account_id: string; region: string; model_id: string }>(
      "SELECT account_id, region, model_id FROM model_access WHERE agreement_status = 'PENDING' LIMIT 1",
    );
    expect(pending.length).toBe(1);
    const target = pending[0] as { account_id: string; region: string; model_id: string };
    const policy = await org.createPolicy({
      name: "TestDenyAll",
      description: "test",
      type: "SERVICE_CONTROL_POLICY",
      content: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Action: "bedrock:*", Resource: "*" }],
      }),
    });
    await org.attachPolicy(policy?.PolicySummary?.Id as string, DEMO_ACCOUNTS.legacyApp);
    const run = await syncAndWait();
    const changes = await sql<{ entity: string; subject: string; change: string; account_id: string | null }>(
      "SELECT entity, subject, change, account_id FROM inventory_changes WHERE run_id = $1",
      [run.id],
    );
    expect(changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ entity: "policy", subject: policy?.PolicySummary?.Id, change: "added" }),
        expect.objectContaining({ entity: "attachment", change: "added" }),
      ]),
    );
    expect(root?.Id).toBeDefined();
    // Nothing else changed: every row belongs to the new policy.
    expect(changes.every((c) => c.entity === "policy" || c.entity === "attachment")).toBe(true);
    expect(target.model_id).toBeTruthy();
  });

  it("scoped syncs: one account, one account-Region; unknown scopes are refused", async () => {
    const one = await syncAndWait({ scope: "account", scopeId: DEMO_ACCOUNTS.prodSearch });
    expect(one.progress.total).toBe(3);
    const single = await syncAndWait({
      scope: "account_region",
      scopeId: DEMO_ACCOUNTS.prodSearch,
      region: "eu-west-1",
    });
    expect(single.progress).toMatchObject({ total: 1, succeeded: 1 });
    await expect(t.services.sync.requestSync(ctx, { scope: "account", scopeId: "999999999999" })).rejects.toThrow(
      /unknown account/,
    );
    await expect(t.services.sync.requestSync(ctx, { scope: "ou", scopeId: "ou-none-nonexist" })).rejects.toThrow(
      /unknown OU/,
    );
  });
});
