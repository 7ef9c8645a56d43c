import { describe, expect, it } from "vitest";
import { createRateLimiter, DEFAULT_RATES, rateFor } from "../../src/aws/rate-limiter.js";

describe("client-side quotas", () => {
  it("never grants more than N in any one-second window, per key, in FIFO order", async () => {
    const limiter = createRateLimiter({ guardMs: 20 });
    const granted: Array<{ i: number; t: number }> = [];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        limiter.acquire("111:us-east-1:bedrock:X", { tps: 5 }).then(() => granted.push({ i, t: performance.now() })),
      ),
    );
    expect(granted.map((g) => g.i)).toEqual([...Array(12).keys()]);
    for (const a of granted) {
      const inWindow = granted.filter((b) => b.t >= a.t && b.t < a.t + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(5);
    }
  });

  it("keys are independent", async () => {
    const limiter = createRateLimiter();
    const order: string[] = [];
    const slow = Array.from({ length: 3 }, () => limiter.acquire("a", { tps: 1 }).then(() => order.push("a")));
    await limiter.acquire("b", { tps: 1 }).then(() => order.push("b"));
    // "b" was granted while two "a" requests still wait for their window.
    expect(order.filter((x) => x === "a").length).toBeLessThan(3);
    await Promise.all(slow);
  });

  it("looks up rates from most to least specific", () => {
    const table = new Map([...DEFAULT_RATES, ["bedrock:GetFoundationModelAvailability", 5]]);
    expect(rateFor(table, "bedrock", "GetFoundationModelAvailability")).toBe(5);
    expect(rateFor(table, "bedrock", "ListFoundationModels")).toBe(10);
    expect(rateFor(table, "cloudtrail", "LookupEvents")).toBe(2);
    expect(rateFor(table, "iam", "SimulatePrincipalPolicy")).toBe(20);
  });
});
