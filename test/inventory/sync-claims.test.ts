// A sync run must be completed only by a read that began after it was requested. The queue runs one
// job per account-Region at a time; a run requested while that job reads waits for the next one.
// Before, the job in flight completed every run waiting on its account-Region, so the re-sync that
// verifies a change (a License Manager grant just activated, an SCP just attached) could be
// "succeeded" with what AWS said before the change — access requests then failed verification.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { createAccountRegionRepository } from "../../src/modules/inventory/account-region.repository.js";
import { createInventoryFactsRepository } from "../../src/modules/inventory/inventory-facts.repository.js";
import { createSyncRunRepository } from "../../src/modules/inventory/sync-run.repository.js";
import { APP, healthyOrg, type Json } from "../helpers/healthy-org.js";
import { type SandboxApp, startSandboxApp } from "../helpers/sandbox-app.js";
import { eventually, waitForSyncRun } from "../helpers/wait.js";

const REGION = "us-east-1";
const ctx = { principal: SYSTEM_PRINCIPAL };
let opened: SandboxApp;

async function jobRow(runId: string) {
  const c = new pg.Client({ connectionString: opened.t.database.url });
  await c.connect();
  try {
    const { rows } = await c.query<{ status: string; claimed_by: string | null; account_level: boolean }>(
      "SELECT status::text, claimed_by::text, account_level FROM sync_run_jobs WHERE run_id = $1 AND account_id = $2 AND region = $3",
      [runId, APP, REGION],
    );
    return rows[0];
  } finally {
    await c.end();
  }
}

/** A run of the account-Region of APP in `region`, as a request for it creates one. */
const createRun = (runs: ReturnType<typeof createSyncRunRepository>, id: string, region: string) =>
  runs.create({ id, scope: "account_region", scopeId: APP, region, trigger: "api", requestedBy: "test" });

beforeAll(async () => {
  // Every read of the account-Region takes 2 s at its first call (ListFoundationModels), so a
  // second run can be requested while the first one's read is under way.
  opened = await startSandboxApp(
    healthyOrg((s) => {
      (s as Json).faults = {
        latency: [
          {
            service: "bedrock",
            operation: "ListFoundationModels",
            account: APP,
            region: REGION,
            distribution: "fixed",
            ms: 2000,
          },
        ],
      };
    }),
    { INVENTORY_REGIONS: REGION },
  );
  const first = await opened.t.services.sync.requestSync(ctx, { scope: "organization" });
  expect((await waitForSyncRun(opened.t, first.id)).status).toBe("succeeded");
}, 120_000);
afterAll(async () => opened?.close());

describe("sync runs and the account-Region job that completes them", () => {
  it("a run requested while a read is under way is completed by a later read, not by that one", async () => {
    const { t } = opened;
    const early = await t.services.sync.requestSync(ctx, { scope: "account_region", scopeId: APP, region: REGION });
    // The early run's job has claimed it: its read (2 s) has begun.
    const claimedEarly = await eventually(
      () => jobRow(early.id),
      (r) => r?.claimed_by != null,
      "the first run's account-Region claimed by its job",
    );
    const late = await t.services.sync.requestSync(ctx, { scope: "account_region", scopeId: APP, region: REGION });
    expect((await waitForSyncRun(t, early.id)).status).toBe("succeeded");
    // The read that began before the late run was requested did not complete it.
    const lateRow = await jobRow(late.id);
    expect(lateRow?.claimed_by).not.toBe(claimedEarly?.claimed_by);
    const lateRun = await waitForSyncRun(t, late.id);
    expect(lateRun.status).toBe("succeeded");
    const finished = await jobRow(late.id);
    expect(finished).toMatchObject({ status: "succeeded" });
    expect(finished?.claimed_by).not.toBe(claimedEarly?.claimed_by);
    // And it finished after the early run: a second read happened.
    expect(Date.parse(lateRun.finishedAt as string)).toBeGreaterThan(
      Date.parse((await t.services.sync.getRun(ctx, early.id)).finishedAt as string),
    );
  }, 120_000);

  it("a claim takes every run waiting on the account-Region, and the account-level read if any wants it", async () => {
    const runs = createSyncRunRepository(opened.t.db);
    const ids = [randomUUID(), randomUUID()];
    for (const [i, id] of ids.entries()) {
      await createRun(runs, id, "eu-north-1");
      await runs.addJobs(id, [{ accountId: APP, region: "eu-north-1", accountLevel: i === 1 }]);
    }
    const job = randomUUID();
    expect(await runs.claimJobs(APP, "eu-north-1", job)).toEqual({ runs: 2, accountLevel: true });
    // A run added after the claim is not completed with that job's result.
    const after = randomUUID();
    await createRun(runs, after, "eu-north-1");
    await runs.addJobs(after, [{ accountId: APP, region: "eu-north-1", accountLevel: false }]);
    await runs.finishJobs({ accountId: APP, region: "eu-north-1", ok: true }, job, new Date());
    expect(await runs.claimJobs(APP, "eu-north-1", randomUUID())).toEqual({ runs: 1, accountLevel: false });
  });

  it("a run whose discovery has not registered its account-Regions yet is not closed by another run's job", async () => {
    // Discovery marks the run running, reads the organization, then registers the account-Regions.
    // A job of another run that ends meanwhile closes the runs with nothing pending: before, that
    // included this one, so the re-sync verifying a grant was `succeeded` before it read anything.
    const runs = createSyncRunRepository(opened.t.db);
    const id = randomUUID();
    await createRun(runs, id, "ap-south-1");
    await runs.markRunning(id, new Date());
    expect((await runs.closeFinished(new Date())).map((r) => r.id)).not.toContain(id);
    expect((await runs.raw(id))?.status).toBe("running");
    await runs.addJobs(id, [{ accountId: APP, region: "ap-south-1", accountLevel: true }]);
    expect((await runs.closeFinished(new Date())).map((r) => r.id)).not.toContain(id);
    const job = randomUUID();
    expect(await runs.claimJobs(APP, "ap-south-1", job)).toEqual({ runs: 1, accountLevel: true });
    await runs.finishJobs({ accountId: APP, region: "ap-south-1", ok: true }, job, new Date());
    expect(await runs.closeFinished(new Date())).toContainEqual({ id, status: "succeeded" });
    // A discovery that finds nothing to read closes its own run.
    const empty = randomUUID();
    await createRun(runs, empty, "ap-south-1");
    await runs.markRunning(empty, new Date());
    await runs.addJobs(empty, []);
    expect(await runs.closeFinished(new Date(), empty)).toEqual([{ id: empty, status: "succeeded" }]);
  });

  it("an account-level fact read by one Region's job never replaces one read later by another Region's job", async () => {
    // Jobs of one account's Regions run side by side, and each may read the account-level facts
    // (License Manager grants, the use-case form). A read begun before a grant was activated and
    // written after a read begun later must not put the old answer back: verification of the
    // grant would then fail although AWS says ACTIVE (seen in CI on a managed-entitlement request).
    const facts = createInventoryFactsRepository(opened.t.db);
    const accounts = createAccountRegionRepository(opened.t.db);
    const early = new Date(Date.now() + 60_000);
    const later = new Date(early.getTime() + 1_000);
    const grants = (status: string) => [
      { region: "", fact: "license_grants" as const, known: true, value: [{ status }], reason: null },
    ];
    await facts.upsert(APP, grants("ACTIVE"), later);
    await facts.upsert(APP, grants("PENDING_ACCEPT"), early);
    await accounts.setUseCase(APP, true, later);
    await accounts.setUseCase(APP, false, early);
    const c = new pg.Client({ connectionString: opened.t.database.url });
    await c.connect();
    try {
      const fact = await c.query(
        "SELECT value, read_at FROM inventory_facts WHERE account_id = $1 AND region = '' AND fact = 'license_grants'",
        [APP],
      );
      expect(fact.rows[0]).toEqual({ value: [{ status: "ACTIVE" }], read_at: later });
      const acct = await c.query("SELECT use_case_submitted, use_case_checked_at FROM accounts WHERE id = $1", [APP]);
      expect(acct.rows[0]).toEqual({ use_case_submitted: true, use_case_checked_at: later });
      // A read begun after the stored one replaces it.
      const latest = new Date(later.getTime() + 1_000);
      await facts.upsert(APP, grants("DISABLED"), latest);
      const again = await c.query(
        "SELECT value FROM inventory_facts WHERE account_id = $1 AND region = '' AND fact = 'license_grants'",
        [APP],
      );
      expect(again.rows[0]?.value).toEqual([{ status: "DISABLED" }]);
    } finally {
      await c.end();
    }
  });
});
