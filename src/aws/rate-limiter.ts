// Client-side quotas: per (account, Region, API) at most N requests in any one-second window, as
// the receiving end would count them. Requests leave one at a time, each at least
// (1000 + guardMs) / N ms after the previous one actually left: spacing is measured at release,
// so a busy event loop that fires timers late never turns into a burst, and arrival jitter of up
// to `guardMs` never crosses the quota.

export interface RateLimit {
  /** Requests per second. */
  tps: number;
}

export interface RateLimiter {
  /** Resolves when one request for `key` may be sent. Grants are FIFO per key. */
  acquire(key: string, limit: RateLimit): Promise<void>;
}

interface Lane {
  waiting: Array<() => void>;
  lastRelease: number;
  timer: NodeJS.Timeout | undefined;
}

export function createRateLimiter(opts: { windowMs?: number; guardMs?: number; now?: () => number } = {}): RateLimiter {
  const windowMs = opts.windowMs ?? 1000;
  const guardMs = opts.guardMs ?? 50;
  const now = opts.now ?? (() => performance.now());
  const lanes = new Map<string, Lane>();

  function pump(key: string, lane: Lane, interval: number) {
    lane.timer = undefined;
    const t = now();
    const due = lane.lastRelease + interval;
    if (t >= due) {
      lane.lastRelease = t;
      lane.waiting.shift()?.();
    }
    if (lane.waiting.length > 0) {
      lane.timer = setTimeout(() => pump(key, lane, interval), Math.max(1, lane.lastRelease + interval - now()));
    } else if (lane.timer === undefined && t - lane.lastRelease > interval) {
      lanes.delete(key); // idle: nothing to remember
    }
  }

  return {
    acquire(key, limit) {
      const interval = (windowMs + guardMs) / Math.max(limit.tps, 0.001);
      let lane = lanes.get(key);
      if (!lane) {
        lane = { waiting: [], lastRelease: Number.NEGATIVE_INFINITY, timer: undefined };
        lanes.set(key, lane);
      }
      const l = lane;
      return new Promise<void>((resolve) => {
        l.waiting.push(resolve);
        if (l.timer === undefined) pump(key, l, interval);
      });
    },
  };
}

/**
 * Rates by API, most specific first: `service:Operation`, then `service:*`, then `*`.
 * Parsed from `service:Operation=tps,...` (AWS_RATE_LIMITS).
 */
export type RateTable = ReadonlyMap<string, number>;

export const DEFAULT_RATES: RateTable = new Map([
  ["cloudtrail:LookupEvents", 2], // AWS: 2 per second per account and Region, not adjustable
  ["sts:*", 50],
  ["organizations:*", 5], // unpublished; throttling reported above a few per second
  ["bedrock:*", 10], // control-plane quotas unpublished
  // Read once per account-Region per sync; AWS publishes no rate for these: conservative.
  ["bedrock:GetAccountDataRetention", 5],
  ["bedrock-mantle:*", 5], // unpublished
  // Managed Entitlements read in us-east-1 once per account; License Manager publishes no API rate.
  ["license-manager:*", 5],
  // IAM's control plane is throttled per account with no published per-API rate.
  ["iam:ListServiceSpecificCredentials", 5],
  ["*", 20],
]);

export function rateFor(table: RateTable, service: string, operation: string): number {
  return table.get(`${service}:${operation}`) ?? table.get(`${service}:*`) ?? table.get("*") ?? 10;
}
