// AWS misbehaving during an organization sync, against the sandbox: 10% of accounts refusing
// AssumeRole, random 5xx, and 100% throttling for a while. The runs complete; refused accounts are
// reported at the credentials gate; nothing is lost or half-written (compared with a clean run).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateScenario, type Scenario } from "../../src/sandbox/index.js";
import { ctx, type FaultRig, inconsistentAccountRegions, query, startRig, waitForRun } from "./helpers.js";

const ACCOUNTS = 30;

/** A generated organization where every account is reachable and ACTIVE, except the refused ones. */
function organization(refuseEvery?: number): Scenario {
  const s = generateScenario({ accounts: ACCOUNTS, regions: 2, models: 12, seed: 5 });
  s.accounts = s.accounts.map((a, i) => ({
    ...a,
    state: "ACTIVE",
    memberRole: refuseEvery !== undefined && i % refuseEvery === 1 ? "trust-denied" : "present",
  }));
  return s;
}

interface Snapshot {
  rows: string[];
  regions: string[];
}

/** What a sync recorded, in a comparable form. */
async function snapshot(url: string): Promise<Snapshot> {
  const rows = await query<{ k: string }>(
    url,
    `SELECT concat_ws('|', account_id, region, model_id, agreement_status, authorization_status,
                      entitlement_availability, region_availability, offer_count) AS k
     FROM model_access ORDER BY 1`,
  );
  const regions = await query<{ k: string }>(
    url,
    "SELECT concat_ws('|', account_id, region, status, model_count, last_error_gate) AS k FROM account_regions ORDER BY 1",
  );
  return { rows: rows.map((r) => r.k), regions: regions.map((r) => r.k) };
}

let clean: Snapshot;

beforeAll(async () => {
  // The reference: the same organization synced with no faults at all.
  const rig = await startRig({ ...organization(), faults: { seed: 1 } });
  try {
    const run = await rig.t.services.sync.requestSync(ctx, { scope: "organization" });
    const done = await waitForRun(rig.t, run.id);
    expect(done.status).toBe("succeeded");
    clean = await snapshot(rig.t.database.url);
    expect(clean.rows.length).toBeGreaterThan(ACCOUNTS * 2 * 5);
  } finally {
    await rig.close();
  }
});

describe("AWS faults during a sync", () => {
  let rig: FaultRig | undefined;
  afterAll(async () => rig?.close());

  it("10% of accounts refuse AssumeRole: all others complete; those are reported at the credentials gate", async () => {
    const scenario = organization(10);
    const refused = new Set(scenario.accounts.filter((a) => a.memberRole === "trust-denied").map((a) => a.id));
    expect(refused.size).toBe(ACCOUNTS / 10);
    rig = await startRig({ ...scenario, faults: { seed: 2 } });
    const run = await rig.t.services.sync.requestSync(ctx, { scope: "organization" });
    const done = await waitForRun(rig.t, run.id);
    expect(done.status).toBe("partial");
    const regions = await query<{ account_id: string; status: string; last_error_gate: string | null }>(
      rig.t.database.url,
      "SELECT account_id, status, last_error_gate FROM account_regions",
    );
    const bad = regions.filter((r) => refused.has(r.account_id));
    const good = regions.filter((r) => !refused.has(r.account_id));
    expect(bad.length).toBe(refused.size * 2);
    expect(bad.every((r) => r.status === "error" && r.last_error_gate === "credentials")).toBe(true);
    expect(good.filter((r) => r.status !== "ok" && r.status !== "disabled")).toEqual([]);
    expect(done.errorsByGate).toEqual([expect.objectContaining({ gate: "credentials", count: bad.length })]);
    // The reachable accounts hold exactly what the clean run recorded for them.
    const now = await snapshot(rig.t.database.url);
    const reachable = (k: string) => !refused.has(k.split("|")[0] as string);
    expect(now.rows).toEqual(clean.rows.filter(reachable));
    expect(await inconsistentAccountRegions(rig.t.database.url)).toEqual([]);
    await rig.close();
    rig = undefined;
  });

  it("random 5xx from AWS (20% of calls): retried; the result equals the clean run, nothing half-written", async () => {
    rig = await startRig({ ...organization(), faults: { seed: 3, errorRate: 0.2 } });
    const run = await rig.t.services.sync.requestSync(ctx, { scope: "organization" });
    const done = await waitForRun(rig.t, run.id);
    expect(done.status).toBe("succeeded");
    expect(rig.sandbox.counters.count()).toBeGreaterThan(0);
    const now = await snapshot(rig.t.database.url);
    expect(now.rows).toEqual(clean.rows);
    expect(now.regions).toEqual(clean.regions);
    expect(await inconsistentAccountRegions(rig.t.database.url)).toEqual([]);
    await rig.close();
    rig = undefined;
  });

  it("100% throttling of Bedrock for a while, then recovery: the run completes and nothing is lost", async () => {
    rig = await startRig({ ...organization(), faults: { seed: 4 } });
    const sandbox = rig.sandbox;
    sandbox.faults.setOutage({ kind: "throttle", service: "bedrock" });
    const run = await rig.t.services.sync.requestSync(ctx, { scope: "organization" });
    let lifted = false;
    let throttledDuringOutage = 0;
    const done = await waitForRun(rig.t, run.id, (r) => {
      // Lift the outage once every account-Region job has met it and some have given up an attempt.
      const throttled = sandbox.counters.throttled({ service: "bedrock" });
      if (!lifted && throttled >= ACCOUNTS * 2 * 3) {
        throttledDuringOutage = throttled;
        sandbox.faults.setOutage(undefined);
        lifted = true;
      }
      expect(lifted || r.progress.succeeded === 0).toBe(true);
    });
    expect(lifted).toBe(true);
    expect(throttledDuringOutage).toBeGreaterThanOrEqual(ACCOUNTS * 2 * 3);
    expect(done.status).toBe("succeeded");
    const now = await snapshot(rig.t.database.url);
    expect(now.rows).toEqual(clean.rows);
    expect(now.regions).toEqual(clean.regions);
    expect(await inconsistentAccountRegions(rig.t.database.url)).toEqual([]);
  });
});
