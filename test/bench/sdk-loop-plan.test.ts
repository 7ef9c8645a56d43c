// bench:sync's bare-loop plans: the split over processes keeps every call and every account exactly
// once, and the memory-floor plan is the commonest call alone over a few accounts.
import { describe, expect, it } from "vitest";
import type { SdkLoopPlan } from "../../bench/sdk-loop.js";
import { FLOOR_ACCOUNTS, FLOOR_CALLS, memoryFloorPlan, splitPlan } from "../../bench/sync-baseline.js";

const accounts = Array.from({ length: 101 }, (_, i) => String(100000000000 + i));
const plan: SdkLoopPlan = {
  type: "plan",
  calls: {
    "sts:AssumeRole": 189,
    "bedrock:GetFoundationModelAvailability": 30_001,
    "bedrock:ListFoundationModels": 403,
    "organizations:ListRoots": 1,
  },
  accounts,
  accountRegions: accounts.flatMap((account) =>
    ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"].map((region) => ({
      account,
      region,
      models: ["m.a", "m.b"],
    })),
  ),
  parents: ["r-root"],
  policies: [],
  inFlight: 64,
};

describe("splitPlan", () => {
  it("gives each account, account-Region and call to exactly one process", () => {
    const parts = splitPlan(plan, 3);
    expect(parts).toHaveLength(3);
    expect(parts.flatMap((p) => p.accounts).sort()).toEqual([...accounts].sort());
    expect(parts.reduce((n, p) => n + p.accountRegions.length, 0)).toBe(plan.accountRegions.length);
    for (const p of parts) {
      const mine = new Set(p.accounts);
      expect(p.accountRegions.every((t) => mine.has(t.account))).toBe(true);
    }
    for (const [op, count] of Object.entries(plan.calls))
      expect(parts.reduce((n, p) => n + (p.calls[op] ?? 0), 0)).toBe(count);
    expect(parts.map((p) => p.inFlight)).toEqual([22, 21, 21]);
  });

  it("is the plan itself for one process", () => {
    expect(splitPlan(plan, 1)).toEqual([plan]);
  });
});

describe("memoryFloorPlan", () => {
  it("keeps only availability calls and the roles they need, over the first accounts", () => {
    const floor = memoryFloorPlan(plan, 32);
    expect(floor.accounts).toEqual(accounts.slice(0, FLOOR_ACCOUNTS));
    expect(floor.accountRegions).toHaveLength(FLOOR_ACCOUNTS * 4);
    expect(floor.calls).toEqual({
      "sts:AssumeRole": FLOOR_ACCOUNTS,
      "bedrock:GetFoundationModelAvailability": Math.min(FLOOR_CALLS, 30_001),
    });
    expect(floor.inFlight).toBe(32);
  });
});
