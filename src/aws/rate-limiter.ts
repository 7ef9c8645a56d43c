// Client-side quotas: per (account, Region, API) at most N requests in any window of one second,
// as the receiving end would count them. A sliding log (the send times of the last N requests)
// with a small guard margin keeps arrival jitter from ever crossing the quota.

export interface RateLimit {
  /** Requests per second. */
  tps: number;
}

export interface RateLimiter {
  /** Resolves when one request for `key` may be sent now. */
  acquire(key: string, limit: RateLimit): Promise<void>;
}

interface Lane {
  sent: number[];
  waiters: Array<() => void>;
  timer: NodeJS.Timeout | undefined;
}

export function createRateLimiter(opts: { windowMs?: number; guardMs?: number; now?: () => number } = {}): RateLimiter {
  const windowMs = opts.windowMs ?? 1000;
  const guardMs = opts.guardMs ?? 50;
  const now = opts.now ?? (() => performance.now());
  const lanes = new Map<string, Lane>();

  function pump(lane: Lane, max: number) {
    lane.timer = undefined;
    const t = now();
    while (lane.sent.length > 0 && (lane.sent[0] as number) + windowMs + guardMs <= t) lane.sent.shift();
    while (lane.waiters.length > 0 && lane.sent.length < max) {
      lane.sent.push(t);
      lane.waiters.shift()?.();
    }
    if (lane.waiters.length > 0 && lane.timer === undefined) {
      const wait = Math.max(1, (lane.sent[0] as number) + windowMs + guardMs - t);
      lane.timer = setTimeout(() => pump(lane, max), wait);
    }
  }

  return {
    acquire(key, limit) {
      const max = Math.max(1, Math.floor(limit.tps));
      let lane = lanes.get(key);
      if (!lane) {
        lane = { sent: [], waiters: [], timer: undefined };
        lanes.set(key, lane);
      }
      const l = lane;
      return new Promise<void>((resolve) => {
        l.waiters.push(resolve);
        if (l.timer === undefined) pump(l, max);
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
  ["*", 20],
]);

export function rateFor(table: RateTable, service: string, operation: string): number {
  return table.get(`${service}:${operation}`) ?? table.get(`${service}:*`) ?? table.get("*") ?? 10;
}
