// Load and fault knobs, all seeded: latency per API, TPS quotas per (service, operation, account,
// Region), random 5xx and AssumeRole failures. The quota keeps a sliding 1-second window per
// account and Region, which is how AWS describes its per-account-Region TPS quotas.
import { createRng, type Rng } from "./rng.js";
import type { Scenario, ScenarioLatency, ScenarioQuota } from "./scenario.js";

export interface RequestKey {
  service: string;
  operation: string;
  account: string | undefined;
  region: string | undefined;
}

export interface Faults {
  /** True when the request exceeds a quota; admitted requests count towards their windows. */
  throttle(key: RequestKey, nowMs: number): boolean;
  latencyMs(key: RequestKey): number;
  serverError(key: RequestKey): boolean;
  assumeRoleFails(): boolean;
  /** The "try again later" error a matching request answers with (the first `times` of them), if any. */
  busy(key: RequestKey): string | undefined;
  /**
   * Starts (or, with undefined, ends) an outage at run time: every matching request is throttled
   * or answered with a 5xx until it ends. For fault-tolerance tests and demos.
   */
  setOutage(outage: Outage | undefined): void;
}

export interface Outage {
  kind: "throttle" | "server_error";
  service?: string;
  operation?: string;
}

/** Real published quotas the sandbox enforces unless the scenario says otherwise. */
export const DEFAULT_QUOTAS: ScenarioQuota[] = [
  { service: "cloudtrail", operation: "LookupEvents", tps: 2 },
  { service: "sts", operation: "AssumeRole", tps: 600 },
];

const applies = (
  rule: { service?: string; operation?: string; account?: string; region?: string },
  k: RequestKey,
): boolean =>
  (rule.service === undefined || rule.service === k.service) &&
  (rule.operation === undefined || rule.operation === k.operation) &&
  (rule.account === undefined || rule.account === k.account) &&
  (rule.region === undefined || rule.region === k.region);

export function createFaults(scenario: Scenario): Faults {
  const cfg = scenario.faults ?? {};
  const rng: Rng = createRng(cfg.seed ?? 1);
  const custom = cfg.quotas ?? [];
  // A scenario quota for the same service and operation replaces the built-in one.
  const defaults =
    cfg.defaultQuotas === false
      ? []
      : DEFAULT_QUOTAS.filter(
          (d) =>
            !custom.some(
              (c) =>
                c.service === d.service &&
                c.operation === d.operation &&
                c.account === undefined &&
                c.region === undefined,
            ),
        );
  const quotas = [...defaults, ...custom];
  const windows = new Map<string, number[]>();
  let outage: Outage | undefined;
  const inOutage = (kind: Outage["kind"], key: RequestKey) =>
    outage !== undefined && outage.kind === kind && applies(outage, key);

  const sample = (l: ScenarioLatency): number => {
    switch (l.distribution) {
      case "fixed":
        return l.ms ?? 0;
      case "uniform":
        return (l.min ?? 0) + rng.next() * ((l.max ?? 0) - (l.min ?? 0));
      case "normal":
        return Math.max(0, (l.mean ?? 0) + rng.normal() * (l.stddev ?? 0));
      case "lognormal": {
        // Parameterised by the mean and stddev of the result, not of the underlying normal.
        const mean = Math.max(l.mean ?? 0, 1e-6);
        const sd = l.stddev ?? 0;
        const sigma2 = Math.log(1 + (sd * sd) / (mean * mean));
        const mu = Math.log(mean) - sigma2 / 2;
        return Math.exp(mu + Math.sqrt(sigma2) * rng.normal());
      }
    }
  };

  const busyCounts = new Map<number, number>();
  return {
    throttle(key, nowMs) {
      if (inOutage("throttle", key)) return true;
      let limited = false;
      const admitted: number[][] = [];
      quotas.forEach((q, i) => {
        if (!applies(q, key)) return;
        const id = `${i}|${key.operation}|${key.account ?? "-"}|${key.region ?? "-"}`;
        let w = windows.get(id);
        if (w === undefined) {
          w = [];
          windows.set(id, w);
        }
        while (w.length > 0 && nowMs - (w[0] as number) >= 1000) w.shift();
        if (w.length >= q.tps) limited = true;
        admitted.push(w);
      });
      if (!limited) for (const w of admitted) w.push(nowMs);
      return limited;
    },
    latencyMs(key) {
      const rule = (cfg.latency ?? []).find((l) => applies(l, key));
      return rule === undefined ? 0 : sample(rule);
    },
    serverError(key) {
      if (inOutage("server_error", key)) return true;
      const rule = (cfg.errorRates ?? []).find((r) => applies(r, key));
      const rate = rule?.rate ?? cfg.errorRate ?? 0;
      return rate > 0 && rng.chance(rate);
    },
    busy(key) {
      const i = (cfg.busy ?? []).findIndex((b, j) => applies(b, key) && (busyCounts.get(j) ?? 0) < b.times);
      if (i < 0) return undefined;
      busyCounts.set(i, (busyCounts.get(i) ?? 0) + 1);
      return cfg.busy?.[i]?.error;
    },
    assumeRoleFails() {
      const rate = cfg.assumeRoleFailureRate ?? 0;
      return rate > 0 && rng.chance(rate);
    },
    setOutage(o) {
      outage = o;
    },
  };
}
